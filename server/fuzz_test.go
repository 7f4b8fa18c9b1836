package server

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// memConn is a net.Conn that reads from fixed chunks and records writes:
// a client that sends its bytes in pieces and then hangs up.
type memConn struct {
	chunks  [][]byte
	written bytes.Buffer
}

func (c *memConn) Read(p []byte) (int, error) {
	for len(c.chunks) > 0 && len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
	}
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	c.chunks[0] = c.chunks[0][n:]
	return n, nil
}

func (c *memConn) Write(p []byte) (int, error)        { return c.written.Write(p) }
func (c *memConn) Close() error                       { return nil }
func (c *memConn) LocalAddr() net.Addr                { return &net.TCPAddr{} }
func (c *memConn) RemoteAddr() net.Addr               { return &net.TCPAddr{} }
func (c *memConn) SetDeadline(t time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(t time.Time) error { return nil }

// chunked splits data into pieces of size n (at least 1).
func chunked(data []byte, n int) [][]byte {
	n = max(n, 1)
	var out [][]byte
	for len(data) > n {
		out = append(out, data[:n])
		data = data[n:]
	}
	return append(out, data)
}

// requestConnRun is what a requestConn made of some input: the requests
// it returned, and the protocol error that ended it, as the reply the
// client gets.
type requestConnRun struct {
	cmds    [][][]byte
	written string
	err     error
}

// runRequestConn feeds input to a requestConn in chunks of inChunk bytes
// and takes requests from it until it returns an error.
func runRequestConn(t *testing.T, input []byte, inChunk int, needAuth bool) requestConnRun {
	t.Helper()
	var maxBulk, maxQuery atomic.Int64
	maxBulk.Store(defaultMaxBulkLen)
	maxQuery.Store(defaultQueryBufSize)
	mc := &memConn{chunks: chunked(bytes.Clone(input), inChunk)}
	rc := newRequestConn(mc, &maxBulk, &maxQuery)
	rc.needAuth.Store(needAuth)
	var run requestConnRun
	// Every request consumes input, and so does every read: a hang would be
	// a bug.
	limit := 2*len(input) + 8
	for i := 0; ; i++ {
		if i > limit {
			t.Fatalf("next did not finish after %d calls", i)
		}
		args, err := rc.next(noChunk, noFlush)
		if err != nil {
			run.err = err
			break
		}
		if len(args) == 0 {
			t.Fatalf("next returned a request with no arguments")
		}
		kept := make([][]byte, len(args))
		for j, a := range args {
			kept[j] = bytes.Clone(a)
		}
		run.cmds = append(run.cmds, kept)
	}
	if rc.failed && rc.failure != "" {
		run.written = "-" + errProtocolPrefix + rc.failure + "\r\n"
	}
	return run
}

func fuzzSeeds() [][]byte {
	seeds := [][]byte{
		[]byte("PING\r\n"),
		[]byte("*1\r\n$4\r\nPING\r\n"),
		[]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"),
		[]byte("SET k \"a\\x00b\" 'c\\'d'\r\nGET k\n"),
		[]byte("*2\r\n$4\r\nECHO\r\n$500000000\r\nxxxx"),
		[]byte("*1\r\n$4\r\nPING\r\n*1\r\nX\r\n"),
		[]byte(strings.Repeat("*1\r\n$4\r\nPING\r\n", 20)),
		// A big bulk (bigArg), whole and cut short, goes to a buffer of its own.
		[]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$40000\r\n" + strings.Repeat("x", 40000) + "\r\n*1\r\n$4\r\nPING\r\n"),
		[]byte("*2\r\n$4\r\nECHO\r\n$40000\r\n" + strings.Repeat("y", 30000)),
	}
	for _, tc := range protocolCases() {
		seeds = append(seeds, []byte(strings.Join(tc.chunks, "")))
	}
	return seeds
}

// FuzzRequestConn feeds arbitrary bytes through requestConn. It must not
// panic or hang, must honour Read's contract, must hand on only what
// redcon parses, must not depend on how the input was split, and must
// answer at most one protocol error, well formed.
func FuzzRequestConn(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s, uint8(0), uint8(0), false)
		f.Add(s, uint8(1), uint8(3), true)
	}
	f.Fuzz(func(t *testing.T, input []byte, inChunk, outBuf uint8, needAuth bool) {
		whole := runRequestConn(t, input, len(input), needAuth)
		split := runRequestConn(t, input, int(inChunk)+int(outBuf)+1, needAuth)
		// Every request re-encoded is no longer than what was sent, but for
		// inline requests, which grow by a bounded factor ("0\n" is 11
		// bytes as a multibulk).
		var rebuilt []byte
		for _, c := range whole.cmds {
			rebuilt = append(rebuilt, encodeCommand(c...)...)
		}
		if len(rebuilt) > 6*len(input)+16 {
			t.Fatalf("%d bytes of requests from %d bytes in", len(rebuilt), len(input))
		}
		if !sameCommands(whole.cmds, split.cmds) {
			t.Fatalf("requests depend on how the input was split:\n whole: %q\n split: %q", whole.cmds, split.cmds)
		}
		if whole.written != split.written {
			t.Fatalf("error reply depends on how the input was split: %q vs %q", whole.written, split.written)
		}
		if w := whole.written; w != "" {
			if !strings.HasPrefix(w, "-"+errProtocolPrefix) || !strings.HasSuffix(w, "\r\n") ||
				strings.Count(w, "\r\n") != 1 {
				t.Fatalf("bad protocol error reply %q", w)
			}
			if !errors.Is(whole.err, errConnClosing) {
				t.Fatalf("error %v after a protocol error, want errConnClosing", whole.err)
			}
		}
	})
}

func sameCommands(a, b [][][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if !bytes.Equal(a[i][j], b[i][j]) {
				return false
			}
		}
	}
	return true
}

// FuzzRequestConnRoundTrip: any well-formed multibulk request comes out
// of requestConn with the same arguments, however it is split.
func FuzzRequestConnRoundTrip(f *testing.F) {
	f.Add([]byte("SET\x00k\x00v"), uint8(0))
	f.Add([]byte("ECHO\x00\r\n\x00"), uint8(2))
	f.Add([]byte("\x00\x00"), uint8(1))
	f.Fuzz(func(t *testing.T, packed []byte, inChunk uint8) {
		args := bytes.Split(packed, []byte{0})
		if len(args) > 1000 {
			return
		}
		req := encodeCommand(args...)
		run := runRequestConn(t, req, int(inChunk)+1, false)
		if run.written != "" {
			t.Fatalf("valid request %q: reply %q", req, run.written)
		}
		if len(run.cmds) != 1 || !sameCommands(run.cmds, [][][]byte{args}) {
			t.Fatalf("request %q came out as %q", req, run.cmds)
		}
	})
}
