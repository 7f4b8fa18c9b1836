package server

// TestDifferential runs every script in testdata/diff against a real
// redis-server and an in-process Ember and compares the raw replies, line
// by line. The script format:
//
//	# a comment; blank lines are ignored too
//	SET k "a value"          replies must match byte for byte
//	!sort SMEMBERS s         the reply is an aggregate: compare it sorted
//	                         (nested aggregates too, as SCAN's key list)
//	!type TIME               compare only the reply's RESP type
//	!ignore DEBUG SLEEP 0    send to both, ignore both replies
//	!replies 2 SUBSCRIBE a b read two replies (pushes) and compare them together
//	!slow SETBIT k 4294967295 1  a line that may take seconds on a loaded
//	                         machine (a 512 MB string): wait longer for it
//
// A file whose first line is "#!resp2" runs in RESP2 only; every other
// file runs twice, in RESP2 and in RESP3 (HELLO 3 first). Before each run
// both servers are flushed (FLUSHALL) and a fresh connection is opened.
//
// Arguments are split with the inline-command quoting rules (those of
// redis-cli and sdssplitargs) and sent as a RESP multibulk. A server that
// closes the connection answers "<closed>"; one that stays silent answers
// "<no reply>" (CLIENT REPLY OFF, say). When both close, the next line
// runs on fresh connections (with HELLO 3 again in RESP3). At the end of a
// script a PING goes to both, so that extra replies one server sent for
// the last line do not go unnoticed.
//
// Run one file with: go test ./server -run 'TestDifferential/connection'

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emberkv/ember/internal/testenv"
)

// How a script line compares the two replies.
type diffMode int

const (
	diffExact diffMode = iota
	diffSort
	diffType
	diffIgnore
)

type scriptLine struct {
	num  int
	text string // the command as written, for messages
	mode diffMode
	args [][]byte
	// replies is how many replies the line answers (SUBSCRIBE a b sends
	// two confirmations); 1 unless the line says !replies N.
	replies int
	slow    bool // !slow: the first byte of the reply may take slowSilence
}

type diffScript struct {
	name      string
	resp2Only bool
	lines     []scriptLine
}

// parseScript reads a differential script.
func parseScript(path string) (*diffScript, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := &diffScript{name: filepath.Base(path)}
	for i, raw := range strings.Split(string(data), "\n") {
		num := i + 1
		line := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		if num == 1 && line == "#!resp2" {
			s.resp2Only = true
			continue
		}
		if line == "" || line[0] == '#' {
			continue
		}
		mode := diffExact
		replies := 1
		slow := false
		if rest, ok := strings.CutPrefix(line, "!slow "); ok {
			slow, line = true, strings.TrimSpace(rest)
		}
		if rest, ok := strings.CutPrefix(line, "!replies "); ok {
			n, tail, _ := strings.Cut(strings.TrimSpace(rest), " ")
			if _, err := fmt.Sscan(n, &replies); err != nil || replies < 1 {
				return nil, fmt.Errorf("%s:%d: bad !replies count %q", s.name, num, n)
			}
			line = strings.TrimSpace(tail)
		}
		if line[0] == '!' {
			word, rest, _ := strings.Cut(line, " ")
			switch word {
			case "!sort":
				mode = diffSort
			case "!type":
				mode = diffType
			case "!ignore":
				mode = diffIgnore
			default:
				return nil, fmt.Errorf("%s:%d: unknown directive %q", s.name, num, word)
			}
			line = strings.TrimSpace(rest)
		}
		args, ok := splitArgs([]byte(line))
		if !ok {
			return nil, fmt.Errorf("%s:%d: unbalanced quotes", s.name, num)
		}
		if len(args) == 0 {
			return nil, fmt.Errorf("%s:%d: no command", s.name, num)
		}
		s.lines = append(s.lines, scriptLine{num: num, text: line, mode: mode, args: args, replies: replies, slow: slow})
	}
	return s, nil
}

func TestDifferential(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "diff", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts in testdata/diff: %v", err)
	}
	var scripts []*diffScript
	for _, f := range files {
		s, err := parseScript(f)
		if err != nil {
			t.Fatal(err)
		}
		scripts = append(scripts, s)
	}
	redisAddr := testenv.StartRedis(t)
	srv, emberAddr := startServer(t, DefaultConfig())
	flush := func(t *testing.T) {
		rc := dialRESP(t, redisAddr)
		if got := rc.mustDo(t, "FLUSHALL"); got != "+OK\r\n" {
			t.Fatalf("redis FLUSHALL: %q", got)
		}
		rc.Close()
		srv.Store().FlushAll()
	}
	for _, s := range scripts {
		protos := []int{2, 3}
		if s.resp2Only {
			protos = protos[:1]
		}
		for _, proto := range protos {
			t.Run(fmt.Sprintf("%s/RESP%d", s.name, proto), func(t *testing.T) {
				flush(t)
				r := &diffRun{t: t, script: s, proto: proto,
					redis: &diffSide{name: "redis", addr: redisAddr},
					ember: &diffSide{name: "ember", addr: emberAddr}}
				r.run()
			})
		}
	}
}

// Special replies, never valid RESP, so they cannot collide with one.
const (
	replyClosed  = "<closed>"
	replyNothing = "<no reply>"
)

// Waits for a reply: Redis is a separate process and answers at once; if
// it says nothing, Ember gets a short while to say nothing too.
const (
	redisSilence = time.Second
	emberSilence = 300 * time.Millisecond
	slowSilence  = 30 * time.Second // for lines marked !slow, on both sides
)

// slowLine is how long a line may take before the runner says so: a
// line that waits out a silence slows the whole suite.
const slowLine = 500 * time.Millisecond

type diffSide struct {
	name string
	addr string
	conn *respConn
}

type diffRun struct {
	t            *testing.T
	script       *diffScript
	proto        int
	redis, ember *diffSide
}

func (r *diffRun) connect(s *diffSide) {
	r.t.Helper()
	c, err := net.DialTimeout("tcp", s.addr, replyTimeout)
	if err != nil {
		r.t.Fatalf("%s: dial: %v", s.name, err)
	}
	s.conn = newRESPConn(c)
	r.t.Cleanup(func() { c.Close() })
	if r.proto == 3 {
		reply, err := s.conn.do("HELLO", "3")
		if err != nil || len(reply) == 0 || reply[0] != '%' {
			r.t.Fatalf("%s: HELLO 3 = %q, %v", s.name, reply, err)
		}
	}
}

// exchange sends one command and returns the raw reply or a special one.
// It fails the test when a reply is cut short, since the stream is lost.
func (r *diffRun) exchange(s *diffSide, req []byte, silence time.Duration, l scriptLine) string {
	r.t.Helper()
	if err := s.conn.send(req); err != nil {
		return replyClosed
	}
	// silence bounds the wait for the first byte only: once a reply has
	// begun, a loaded machine may take a while to deliver the rest.
	var ne net.Error
	s.conn.SetReadDeadline(time.Now().Add(silence))
	if _, err := s.conn.r.Peek(1); err != nil {
		if errors.As(err, &ne) && ne.Timeout() {
			return replyNothing
		}
		return replyClosed
	}
	var all []byte
	for i := 0; i < max(l.replies, 1); i++ {
		reply, err := s.conn.readWithin(replyTimeout)
		all = append(all, reply...)
		if err != nil {
			r.t.Fatalf("%s:%d: %s\n  %s: reply cut short after %q: %v", r.script.name, l.num, l.text, s.name, all, err)
		}
	}
	return string(all)
}

func (r *diffRun) run() {
	t := r.t
	r.connect(r.redis)
	r.connect(r.ember)
	for _, l := range r.script.lines {
		req := encodeCommand(l.args...)
		began := time.Now()
		silence := redisSilence
		if l.slow {
			silence = slowSilence
		}
		want := r.exchange(r.redis, req, silence, l)
		wait := max(replyTimeout, silence)
		if want == replyNothing {
			wait = emberSilence
		}
		got := r.exchange(r.ember, req, wait, l)
		if took := time.Since(began); took > slowLine {
			t.Logf("%s:%d: %s took %v", r.script.name, l.num, l.text, took.Round(time.Millisecond))
		}
		if !sameReply(l.mode, want, got) {
			t.Errorf("%s:%d: %s\n  redis: %q\n  ember: %q", r.script.name, l.num, l.text, want, got)
		}
		wantClosed, gotClosed := want == replyClosed, got == replyClosed
		switch {
		case wantClosed && gotClosed:
			r.connect(r.redis)
			r.connect(r.ember)
		case wantClosed != gotClosed:
			t.Fatalf("%s:%d: one server closed the connection and the other did not; stopping", r.script.name, l.num)
		}
	}
	// A trailing PING catches replies one side sent and the other did not.
	l := scriptLine{num: 0, text: "PING (end of script)"}
	req := encodeCommand([]byte("PING"))
	want := r.exchange(r.redis, req, redisSilence, l)
	got := r.exchange(r.ember, req, replyTimeout, l)
	if want != got {
		t.Errorf("%s: end of script: PING\n  redis: %q\n  ember: %q", r.script.name, want, got)
	}
}

// sameReply compares two raw replies as the line's mode says. Whether a
// connection was closed or silent must always match.
func sameReply(mode diffMode, want, got string) bool {
	special := func(s string) bool { return s == replyClosed || s == replyNothing }
	if special(want) || special(got) {
		return want == got
	}
	switch mode {
	case diffIgnore:
		return true
	case diffType:
		return want[0] == got[0]
	case diffSort:
		return sortedReply(want) == sortedReply(got)
	}
	return want == got
}

// sortedReply puts an aggregate's elements in byte order (a map's entries
// as key-value pairs), and those of the aggregates inside it too, so that
// the key list inside SCAN's reply compares in any order; anything else is
// returned unchanged.
func sortedReply(raw string) string {
	header, elems, ok := splitReply([]byte(raw))
	if !ok {
		return raw
	}
	for i, e := range elems {
		elems[i] = []byte(sortedReply(string(e)))
	}
	slices.SortFunc(elems, bytes.Compare)
	return string(header) + string(bytes.Join(elems, nil))
}

// The runner's own pieces: the raw reply reader and the sorted compare.
func TestRawReplyReader(t *testing.T) {
	tests := []string{
		"+OK\r\n", "-ERR x\r\n", ":12\r\n", "$3\r\na\r\n\r\n", "$-1\r\n", "$0\r\n\r\n",
		"*-1\r\n", "*0\r\n", "*2\r\n$1\r\na\r\n*1\r\n:1\r\n", "_\r\n", ",1.5\r\n", "#t\r\n",
		"(123\r\n", "=8\r\ntxt:abcd\r\n", "!3\r\nerr\r\n", "%1\r\n+k\r\n*1\r\n+v\r\n",
		"~2\r\n+a\r\n+b\r\n", ">2\r\n+message\r\n+x\r\n", "|1\r\n+a\r\n+b\r\n:1\r\n",
		// Longer than the smallest buffer below: the line comes in pieces.
		"+" + strings.Repeat("long line ", 5) + "\r\n",
		// Elements that put a '|' where the header was in the reader's
		// buffer: the header's type must not be read again from there.
		"*1\r\n$20\r\n" + strings.Repeat("|", 20) + "\r\n",
	}
	for _, raw := range tests {
		for _, size := range []int{16, 4096} { // 16: bufio's smallest
			stream := bufio.NewReaderSize(strings.NewReader(raw+"+NEXT\r\n"), size)
			var got []byte
			if err := readRESP(stream, &got, 0); err != nil || string(got) != raw {
				t.Errorf("readRESP(%q) with a %d-byte buffer = %q, %v", raw, size, got, err)
			}
		}
	}
	for _, bad := range []string{"?x\r\n", "$5\r\nab\r\n", "*x\r\n", "+no crlf\n"} {
		var got []byte
		if err := readRESP(bufio.NewReader(strings.NewReader(bad)), &got, 0); err == nil {
			t.Errorf("readRESP(%q) accepted %q", bad, got)
		}
	}
}

func TestSortedReplyCompare(t *testing.T) {
	tests := []struct {
		mode      diffMode
		want, got string
		same      bool
	}{
		{diffSort, "*2\r\n$1\r\nb\r\n$1\r\na\r\n", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", true},
		{diffSort, "*2\r\n$1\r\na\r\n$1\r\na\r\n", "*2\r\n$1\r\na\r\n$1\r\nb\r\n", false},
		{diffSort, "%2\r\n+k2\r\n:2\r\n+k1\r\n:1\r\n", "%2\r\n+k1\r\n:1\r\n+k2\r\n:2\r\n", true},
		{diffSort, "%2\r\n+k2\r\n:1\r\n+k1\r\n:2\r\n", "%2\r\n+k1\r\n:1\r\n+k2\r\n:2\r\n", false},
		{diffSort, "~2\r\n+b\r\n+a\r\n", "*2\r\n+a\r\n+b\r\n", false},
		{diffSort, "-ERR x\r\n", "-ERR x\r\n", true},
		{diffType, ":1\r\n", ":2\r\n", true},
		{diffType, ":1\r\n", "$1\r\n1\r\n", false},
		{diffIgnore, ":1\r\n", "$1\r\n1\r\n", true},
		{diffIgnore, ":1\r\n", replyClosed, false},
		{diffExact, replyNothing, replyNothing, true},
	}
	for _, tc := range tests {
		if got := sameReply(tc.mode, tc.want, tc.got); got != tc.same {
			t.Errorf("sameReply(%d, %q, %q) = %v", tc.mode, tc.want, tc.got, got)
		}
	}
}
