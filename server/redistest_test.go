package server

// Test helpers shared by the differential tests: a raw RESP connection
// that sends a command and reads back exactly one complete reply,
// unparsed, so that replies can be compared byte for byte. The real
// redis-server they compare against comes from testenv.StartRedis.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// replyTimeout bounds every wait for a reply.
const replyTimeout = 5 * time.Second

// respConn is a raw RESP connection for tests.
type respConn struct {
	t testing.TB // the test of dialRESP, for the cmd helpers
	net.Conn
	r       *bufio.Reader
	timeout time.Duration
}

func newRESPConn(c net.Conn) *respConn {
	return &respConn{Conn: c, r: bufio.NewReader(c), timeout: replyTimeout}
}

// dialRESP connects to addr and closes the connection when the test ends.
func dialRESP(t testing.TB, addr string) *respConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, replyTimeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	rc := newRESPConn(c)
	rc.t = t
	t.Cleanup(func() { rc.Close() })
	return rc
}

// cmd sends a command and returns its raw reply, failing the test on a
// network error.
func (c *respConn) cmd(args ...string) string {
	c.t.Helper()
	return c.mustDo(c.t, args...)
}

// sendCmd sends a command without reading the reply.
func (c *respConn) sendCmd(args ...string) {
	c.t.Helper()
	if err := c.writeCmd(args...); err != nil {
		c.t.Fatal(err)
	}
}

// writeCmd sends a command; unlike sendCmd it may be used off the test's
// goroutine.
func (c *respConn) writeCmd(args ...string) error {
	return c.send(encodeCommand(stringArgs(args)...))
}

// readReply reads one whole reply as a string.
func (c *respConn) readReply() (string, error) {
	b, err := c.read()
	return string(b), err
}

// encodeCommand encodes args as a RESP multibulk request.
func encodeCommand(args ...[]byte) []byte {
	b := []byte("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}

func stringArgs(args []string) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = []byte(a)
	}
	return out
}

// send writes raw bytes.
func (c *respConn) send(raw []byte) error {
	c.SetWriteDeadline(time.Now().Add(c.timeout))
	_, err := c.Write(raw)
	return err
}

// do sends one command and reads its reply.
func (c *respConn) do(args ...string) ([]byte, error) {
	if err := c.send(encodeCommand(stringArgs(args)...)); err != nil {
		return nil, err
	}
	return c.read()
}

// mustDo is do for commands that must get a reply.
func (c *respConn) mustDo(t testing.TB, args ...string) string {
	t.Helper()
	reply, err := c.do(args...)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return string(reply)
}

// read reads exactly one complete reply, raw, within the timeout.
func (c *respConn) read() ([]byte, error) {
	return c.readWithin(c.timeout)
}

func (c *respConn) readWithin(d time.Duration) ([]byte, error) {
	c.SetReadDeadline(time.Now().Add(d))
	defer c.SetReadDeadline(time.Time{})
	var out []byte
	err := readRESP(c.r, &out, 0)
	return out, err
}

// closedWithin reports whether the server closes the connection (or
// resets it) within d, discarding anything it sends first.
func (c *respConn) closedWithin(d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	defer c.SetReadDeadline(time.Time{})
	_, err := io.Copy(io.Discard, c.r)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return true // EOF (err == nil) or a reset
}

// Limits on replies the reader accepts; a test never expects more.
const (
	maxReplyBulk  = 1 << 30
	maxReplyCount = 1 << 24
	maxReplyDepth = 64
)

// readRESP appends one complete RESP2 or RESP3 reply from r to out.
func readRESP(r *bufio.Reader, out *[]byte, depth int) error {
	if depth > maxReplyDepth {
		return errors.New("reply nested too deeply")
	}
	lineStart := len(*out)
	piece, err := r.ReadSlice('\n')
	*out = append(*out, piece...)
	// A long simple line (a big INFO-free error, say) comes in pieces.
	for err == bufio.ErrBufferFull {
		piece, err = r.ReadSlice('\n')
		*out = append(*out, piece...)
	}
	if err != nil {
		return err
	}
	// The whole line, from out: ReadSlice's slice points into r's buffer,
	// which the reads for an aggregate's elements overwrite, so it must
	// not be looked at again after them.
	line := (*out)[lineStart:]
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return fmt.Errorf("malformed reply line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+', '-', ':', ',', '_', '#', '(':
		return nil
	case '$', '=', '!':
		n, err := strconv.ParseInt(string(body), 10, 64)
		if err != nil || n < -1 || n > maxReplyBulk {
			return fmt.Errorf("bad bulk length in %q", line)
		}
		if n == -1 {
			return nil
		}
		start := len(*out)
		*out = append(*out, make([]byte, n+2)...)
		if _, err := io.ReadFull(r, (*out)[start:]); err != nil {
			return err
		}
		if !bytes.HasSuffix(*out, []byte("\r\n")) {
			return errors.New("bulk reply not followed by CRLF")
		}
		return nil
	case '*', '~', '>', '%', '|':
		n, err := strconv.ParseInt(string(body), 10, 64)
		if err != nil || n < -1 || n > maxReplyCount {
			return fmt.Errorf("bad aggregate length in %q", line)
		}
		if n == -1 {
			return nil
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := int64(0); i < n; i++ {
			if err := readRESP(r, out, depth+1); err != nil {
				return err
			}
		}
		if line[0] == '|' {
			// An attribute comes before the reply it describes.
			return readRESP(r, out, depth+1)
		}
		return nil
	}
	return fmt.Errorf("unknown reply type in %q", line)
}

// splitReply splits a raw aggregate reply into its header and its
// top-level elements (for a map, each element is a key and its value).
func splitReply(raw []byte) (header []byte, elems [][]byte, ok bool) {
	if len(raw) == 0 || !strings.ContainsRune("*~%>", rune(raw[0])) {
		return nil, nil, false
	}
	r := bufio.NewReader(bytes.NewReader(raw))
	header, err := r.ReadBytes('\n')
	if err != nil {
		return nil, nil, false
	}
	n, err := strconv.Atoi(string(header[1 : len(header)-2]))
	if err != nil || n < 0 {
		return nil, nil, false
	}
	per := 1
	if raw[0] == '%' {
		per = 2
	}
	for i := 0; i < n; i++ {
		var e []byte
		for j := 0; j < per; j++ {
			if err := readRESP(r, &e, 1); err != nil {
				return nil, nil, false
			}
		}
		elems = append(elems, e)
	}
	return header, elems, true
}
