package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emberkv/ember/internal/redisnum"
	"github.com/emberkv/ember/internal/testenv"
)

// rawResult is everything a server sent back for some raw request bytes,
// and whether it closed the connection afterwards.
type rawResult struct {
	out    []byte
	closed bool
}

func (r rawResult) String() string {
	state := "open"
	if r.closed {
		state = "closed"
	}
	return fmt.Sprintf("%s (%s)", quoteShort(r.out), state)
}

// quoteShort quotes b for a message, eliding the middle of long data.
func quoteShort(b []byte) string {
	const keep = 300
	if len(b) <= 2*keep {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%q ...(%d bytes)... %q", b[:keep], len(b)-2*keep, b[len(b)-keep:])
}

func quoteChunks(chunks []string) string {
	return quoteShort([]byte(strings.Join(chunks, "")))
}

// collectRaw reads what the server sends until it closes the connection,
// or, once at least atLeast bytes have come (not counting the digits of
// HELLO's connection id), until it has been quiet for idle. It gives up
// waiting for atLeast bytes after replyTimeout.
func collectRaw(c net.Conn, atLeast int, idle time.Duration) rawResult {
	var res rawResult
	buf := make([]byte, 64*1024)
	giveUp := time.Now().Add(replyTimeout)
	for {
		deadline := time.Now().Add(idle)
		if len(maskHelloID(res.out)) < atLeast {
			deadline = giveUp
		}
		c.SetReadDeadline(deadline)
		n, err := c.Read(buf)
		res.out = append(res.out, buf[:n]...)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return res
			}
			res.closed = true // EOF, or a reset
			return res
		}
	}
}

// sendRaw writes each chunk in turn, the way a client would.
func sendRaw(c net.Conn, chunks []string) {
	for _, ch := range chunks {
		c.SetWriteDeadline(time.Now().Add(replyTimeout))
		if _, err := c.Write([]byte(ch)); err != nil {
			// The server may close after an error before we are done.
			return
		}
	}
}

// rawDiff sends the same raw bytes to Redis and to Ember on fresh
// connections and returns both results. Redis answers at once, so its
// silence is taken after a short quiet time; Ember is then given as long
// as it needs to send as much and to close if Redis closed. It may run
// outside the test's goroutine, so it reports errors instead of failing.
func rawDiff(redisAddr, emberAddr string, chunks []string) (want, got rawResult, err error) {
	const quiet = 250 * time.Millisecond
	rc, err := net.DialTimeout("tcp", redisAddr, replyTimeout)
	if err != nil {
		return want, got, err
	}
	defer rc.Close()
	sendRaw(rc, chunks)
	want = collectRaw(rc, 0, quiet)
	ec, err := net.DialTimeout("tcp", emberAddr, replyTimeout)
	if err != nil {
		return want, got, err
	}
	defer ec.Close()
	sendRaw(ec, chunks)
	idle := quiet
	if want.closed {
		idle = replyTimeout // it should close: wait for that
	}
	got = collectRaw(ec, len(maskHelloID(want.out)), idle)
	return want, got, nil
}

type rawCase struct {
	name   string
	chunks []string
}

// protocolCases are raw requests Redis answers in a fixed way: parsed
// inline commands, protocol errors that close the connection, and the
// limits on request sizes.
func protocolCases() []rawCase {
	big := func(n int, c string) string { return strings.Repeat(c, n) }
	return []rawCase{
		{"empty multibulk", []string{"*0\r\nPING\r\n"}},
		{"null multibulk", []string{"*-1\r\nPING\r\n"}},
		{"negative multibulk", []string{"*-5\r\nPING\r\n"}},
		{"inline", []string{"PING\r\nECHO hello\r\n"}},
		{"inline newline only", []string{"PING\nECHO a\n"}},
		{"inline empty lines", []string{"\r\n\r\n   \r\n\t\r\nPING\r\n"}},
		{"inline extra spaces", []string{"  ECHO    spaced   \r\n"}},
		{"inline double quotes", []string{`ECHO "a b"` + "\r\n"}},
		{"inline escapes", []string{`ECHO "\n\r\t\b\a\\\"\q"` + "\r\n"}},
		{"inline hex escapes", []string{`ECHO "\x41\x00\xff\xZZ\x4"` + "\r\n"}},
		{"inline single quotes", []string{`ECHO 'a \'b\' \n \x41 "c"'` + "\r\n"}},
		{"inline empty quoted", []string{`ECHO ""` + "\r\n" + `ECHO ''` + "\r\n"}},
		{"inline adjacent quotes", []string{`ECHO a"b"` + "\r\n"}},
		{"inline quote then text", []string{`ECHO "a"b` + "\r\n"}},
		{"inline single quote then text", []string{`ECHO 'a'b` + "\r\n"}},
		{"inline unbalanced double", []string{`ECHO "abc` + "\r\n"}},
		{"inline unbalanced single", []string{`ECHO 'abc` + "\r\n"}},
		{"inline unbalanced after good", []string{"PING\r\nECHO \"x\r\nPING\r\n"}},
		{"inline NUL ends line", []string{"ECHO a\x00b c\r\n"}},
		{"inline many args", []string{"NOSUCH a b c d e f g h i j k l m\r\n"}},
		{"inline unknown", []string{"nosuch 'a' \"b\"\r\n"}},
		{"expected dollar", []string{"*1\r\nX3\r\nfoo\r\n"}},
		{"expected dollar second arg", []string{"*2\r\n$4\r\nECHO\r\n:3\r\nfoo\r\n"}},
		{"bulk length negative", []string{"*1\r\n$-1\r\n"}},
		{"bulk length non-numeric", []string{"*1\r\n$abc\r\n"}},
		{"bulk length plus sign", []string{"*1\r\n$+4\r\nPING\r\n"}},
		{"bulk length space", []string{"*1\r\n$ 4\r\nPING\r\n"}},
		{"bulk length leading zero", []string{"*1\r\n$04\r\nPING\r\n"}},
		{"bulk length empty", []string{"*1\r\n$\r\n"}},
		{"bulk length over proto-max-bulk-len", []string{"*1\r\n$536870913\r\n"}},
		{"bulk length overflow", []string{"*1\r\n$99999999999999999999\r\n"}},
		{"bulk line with bare LF", []string{"*1\r\n$4\nPING\r\n"}},
		{"multibulk huge", []string{"*3000000000\r\n"}},
		{"multibulk over int", []string{"*2147483648\r\n"}},
		{"multibulk non-numeric", []string{"*abc\r\n"}},
		{"multibulk plus sign", []string{"*+1\r\n$4\r\nPING\r\n"}},
		{"multibulk trailing space", []string{"*1 \r\n$4\r\nPING\r\n"}},
		{"multibulk leading zero", []string{"*01\r\n$4\r\nPING\r\n"}},
		{"multibulk bare LF", []string{"*1\n$4\r\nPING\r\n"}},
		{"bytes after bulk not checked", []string{"*1\r\n$4\r\nPINGxxPING\r\n"}},
		{"empty command name", []string{"*1\r\n$0\r\n\r\n"}},
		{"too big inline", []string{big(70000, "a")}},
		{"inline just under the limit", []string{"ECHO " + big(60000, "a") + "\r\n"}},
		{"too big mbulk count", []string{"*" + big(70000, "1")}},
		{"too big bulk count", []string{"*1\r\n$" + big(70000, "1")}},
		{"pipelined before error", []string{"PING\r\n*2\r\n$4\r\nECHO\r\n$1\r\na\r\nECHO b\r\n*1\r\nX\r\nPING\r\n"}},
		{"pipelined before bad bulk", []string{"PING\r\nPING\r\n*1\r\n$-3\r\n"}},
		{"split across writes", []string{"*2\r\n$4\r", "\nECHO\r\n$5\r\nhe", "llo\r", "\n"}},
		{"command split mid-number", []string{"*", "2\r\n$", "4\r\nECHO\r\n$1", "0\r\n0123456789\r\n"}},
	}
}

func TestProtocolDifferential(t *testing.T) {
	redisAddr := testenv.StartRedis(t)
	_, emberAddr := startServer(t, DefaultConfig())
	runRawDiffs(t, redisAddr, emberAddr, protocolCases())
}

// runRawDiffs runs every case at once (each waits for a quiet time, so
// running them one by one would be slow), then reports each as a subtest.
// Connection ids in HELLO replies are masked.
func runRawDiffs(t *testing.T, redisAddr, emberAddr string, cases []rawCase) {
	type result struct {
		want, got rawResult
		err       error
	}
	results := make([]result, len(cases))
	var wg sync.WaitGroup
	for i, tc := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			want, got, err := rawDiff(redisAddr, emberAddr, tc.chunks)
			if d := time.Since(t0); d > time.Second {
				println("SLOW", tc.name, d.String())
			}
			want.out, got.out = maskHelloID(want.out), maskHelloID(got.out)
			results[i] = result{want, got, err}
		}()
	}
	wg.Wait()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want, got := results[i].want, results[i].got
			if err := results[i].err; err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(want.out, got.out) || want.closed != got.closed {
				t.Errorf("sent %s\n  redis: %v\n  ember: %v", quoteChunks(tc.chunks), want, got)
			}
		})
	}
}

// Before AUTH, Redis accepts only small multibulk requests.
func TestProtocolUnauthenticatedDifferential(t *testing.T) {
	redisAddr := testenv.StartRedis(t, "--requirepass", "pw")
	cfg := DefaultConfig()
	cfg.RequirePass = "pw"
	_, emberAddr := startServer(t, cfg)
	big := strings.Repeat("x", 16385)
	auth := "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n"
	tests := []rawCase{
		{"ten args allowed", []string{"*10\r\n" + strings.Repeat("$1\r\na\r\n", 10)}},
		{"eleven args refused", []string{"*11\r\n"}},
		{"bulk 16384 allowed", []string{"*2\r\n$4\r\nECHO\r\n$16384\r\n" + big[:16384] + "\r\n"}},
		{"bulk 16385 refused", []string{"*2\r\n$4\r\nECHO\r\n$16385\r\n"}},
		{"inline many args", []string{"NOSUCH a b c d e f g h i j k l m\r\n"}},
		{"inline long", []string{"ECHO " + big + "\r\n"}},
		{"after AUTH many args", []string{auth + "*12\r\n$6\r\nNOSUCH\r\n" + strings.Repeat("$1\r\na\r\n", 11)}},
		{"after AUTH big bulk", []string{auth + "*2\r\n$4\r\nECHO\r\n$16385\r\n" + big + "\r\n"}},
		{"wrong AUTH then many args", []string{"*2\r\n$4\r\nAUTH\r\n$2\r\nno\r\n*11\r\n"}},
		{"HELLO AUTH then many args", []string{"*5\r\n$5\r\nHELLO\r\n$1\r\n2\r\n$4\r\nAUTH\r\n$7\r\ndefault\r\n$2\r\npw\r\n" + "*12\r\n$6\r\nNOSUCH\r\n" + strings.Repeat("$1\r\na\r\n", 11)}},
		{"HELLO without AUTH", []string{"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n"}},
		{"HELLO wrong AUTH", []string{"*5\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$4\r\nAUTH\r\n$7\r\ndefault\r\n$2\r\nno\r\n"}},
		{"commands before AUTH", []string{"PING\r\nECHO a\r\nNOSUCH x\r\nGET k\r\nAUTH pw\r\nPING\r\n"}},
		{"AUTH one arg wrong", []string{"AUTH nope\r\n"}},
		{"AUTH user pass", []string{"AUTH default pw\r\nPING\r\n"}},
		{"AUTH other user", []string{"AUTH bob pw\r\n"}},
		{"AUTH too many", []string{"AUTH a b c\r\n"}},
		{"MULTI before AUTH", []string{"MULTI\r\nAUTH pw\r\nMULTI\r\nPING\r\nEXEC\r\n"}},
		{"EXEC before AUTH", []string{"EXEC\r\n"}},
		{"QUIT before AUTH", []string{"QUIT\r\n"}},
	}
	runRawDiffs(t, redisAddr, emberAddr, tests)
}

var helloID = regexp.MustCompile(`(\$2\r\nid\r\n:)[0-9]+`)

// maskHelloID hides the connection id in HELLO replies, which differs
// between servers.
func maskHelloID(b []byte) []byte { return helloID.ReplaceAll(b, []byte("${1}N")) }

// A protocol error closes only the offending connection.
func TestProtocolErrorLeavesOthersAlone(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	other := dialRESP(t, addr)
	if got := other.mustDo(t, "SET", "k", "v"); got != "+OK\r\n" {
		t.Fatalf("SET = %q", got)
	}
	bad := dialRESP(t, addr)
	bad.send([]byte("*1\r\nX\r\n"))
	if got := collectRaw(bad, 1, replyTimeout); !got.closed || !strings.HasPrefix(string(got.out), "-ERR Protocol error") {
		t.Fatalf("bad client got %v", got)
	}
	if got := other.mustDo(t, "GET", "k"); got != "$1\r\nv\r\n" {
		t.Fatalf("other client after the protocol error: GET = %q", got)
	}
}

// A client that sends its command one byte at a time gets the same
// replies as one that sends it whole.
func TestProtocolDrip(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	c := dialRESP(t, addr)
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	req := "*3\r\n$3\r\nSET\r\n$4\r\ndrip\r\n$5\r\nhello\r\nGET drip\r\n*1\r\n$4\r\nPING\r\n"
	for i := 0; i < len(req); i++ {
		if err := c.send([]byte{req[i]}); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"+OK\r\n", "$5\r\nhello\r\n", "+PONG\r\n"}
	for _, w := range want {
		got, err := c.read()
		if err != nil || string(got) != w {
			t.Fatalf("reply = %q, %v; want %q", got, err, w)
		}
	}
}

// A declared 500MB bulk that never arrives must not make the server
// allocate anything like 500MB, and must not hold up other clients.
func TestProtocolHugeDeclaredBulk(t *testing.T) {
	ln, addr := startCountingServer(t)

	const declared = 500 << 20
	const sent = 1 << 20 // a real but partial payload

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	hog := dialRESP(t, addr)
	header := fmt.Sprintf("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n", declared)
	if err := hog.send([]byte(header)); err != nil {
		t.Fatal(err)
	}
	if err := hog.send(bytes.Repeat([]byte("x"), sent)); err != nil {
		t.Fatal(err)
	}
	// Wait (bounded) until the server has read all the hog sent, so that
	// the measurement covers it.
	waitUntil(t, 5*time.Second, func() bool { return ln.read.Load() >= int64(len(header)+sent) })

	// Other clients are served meanwhile.
	other := dialRESP(t, addr)
	for i := 0; i < 10; i++ {
		if got := other.mustDo(t, "PING"); got != "+PONG\r\n" {
			t.Fatalf("PING = %q", got)
		}
	}

	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	const limit = 64 << 20 // what was sent, with slack for buffers; far below 500MB
	if grown > limit {
		t.Fatalf("heap grew by %d bytes for a declared %d-byte bulk of which %d were sent; want at most %d",
			grown, declared, sent, limit)
	}
	t.Logf("heap grew by %d KB for %d KB sent of a declared %d MB bulk", grown>>10, sent>>10, declared>>20)

	// The hog goes away; the server stays healthy and stored nothing.
	hog.Close()
	if got := other.mustDo(t, "GET", "big"); got != "$-1\r\n" {
		t.Fatalf("GET big = %q", got)
	}
}

// startCountingServer runs an in-process server whose listener counts the
// bytes the server reads from its clients.
func startCountingServer(t *testing.T) (*countingListener, string) {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &countingListener{Listener: inner}
	serveOn(t, DefaultConfig(), ln)
	return ln, inner.Addr().String()
}

// countingListener counts the bytes the server reads from its clients,
// the reads that returned data, and the writes.
type countingListener struct {
	net.Listener
	read   atomic.Int64
	reads  atomic.Int64
	writes atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, l: l}, nil
}

type countingConn struct {
	net.Conn
	l *countingListener
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.l.read.Add(int64(n))
	if n > 0 {
		c.l.reads.Add(1)
	}
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.l.writes.Add(1)
	return c.Conn.Write(p)
}

// The replies to a pipelined batch go out in one write: never more writes
// than reads that brought requests, however many commands a read held.
func TestPipelinedRepliesOneWritePerBatch(t *testing.T) {
	ln, addr := startCountingServer(t)
	rc := dialRESP(t, addr)
	const n = 200
	var batch []byte
	for i := 0; i < n; i++ {
		batch = append(batch, encodeCommand([]byte("ECHO"), []byte(strconv.Itoa(i)))...)
	}
	if err := rc.send(batch); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		want := "$" + strconv.Itoa(len(strconv.Itoa(i))) + "\r\n" + strconv.Itoa(i) + "\r\n"
		if got, err := rc.readReply(); err != nil || got != want {
			t.Fatalf("reply %d = %q, %v; want %q", i, got, err, want)
		}
	}
	reads, writes := ln.reads.Load(), ln.writes.Load()
	if writes < 1 || writes > reads {
		t.Errorf("%d replies took %d writes for %d reads; want at most one write per read", n, writes, reads)
	}
	t.Logf("%d pipelined commands: %d reads, %d writes", n, reads, writes)
}

func waitUntil(t *testing.T, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Many clients at once each sending a partial command, then finishing
// it, all get their replies.
func TestProtocolManyPartialClients(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	const clients = 20
	conns := make([]*respConn, clients)
	for i := range conns {
		conns[i] = dialRESP(t, addr)
		conns[i].send([]byte("*2\r\n$4\r\nECHO\r\n$5\r\nhel"))
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i, c := range conns {
		wg.Add(1)
		go func(i int, c *respConn) {
			defer wg.Done()
			c.send([]byte("lo\r\n"))
			got, err := c.read()
			if err == nil && string(got) != "$5\r\nhello\r\n" {
				err = fmt.Errorf("client %d: %q", i, got)
			}
			if err != nil {
				errs <- err
			}
		}(i, c)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// client-query-buffer-limit: a client whose request outgrows it is closed
// without a reply.
func TestProtocolQueryBufferLimitDifferential(t *testing.T) {
	redisAddr := testenv.StartRedis(t, "--client-query-buffer-limit", "1mb")
	cfg := DefaultConfig()
	cfg.ClientQueryBufferLimit = 1 << 20
	_, emberAddr := startServer(t, cfg)
	mb := strings.Repeat("x", 1<<20)
	tests := []rawCase{
		{"declared over, little sent", []string{"PING\r\n*2\r\n$4\r\nECHO\r\n$2000000\r\n" + mb[:1000]}},
		{"declared over, all sent", []string{"PING\r\n*2\r\n$4\r\nECHO\r\n$2000000\r\n" + mb + mb[:2000000-len(mb)] + "\r\n"}},
		{"well under", []string{"*2\r\n$4\r\nECHO\r\n$1000000\r\n" + mb[:1000000] + "\r\n"}},
		{"bulk and CRLF at the limit", []string{"*2\r\n$4\r\nECHO\r\n$1048574\r\n" + mb[:1048574] + "\r\n"}},
		{"bulk and CRLF one over", []string{"*2\r\n$4\r\nECHO\r\n$1048575\r\n" + mb[:1048575] + "\r\n"}},
		{"many args over", []string{"*3\r\n$4\r\nECHO\r\n$600000\r\n" + mb[:600000] + "\r\n$600000\r\n" + mb[:600000] + "\r\n"}},
		{"inline under", []string{"ECHO " + mb[:60000] + "\r\n"}},
	}
	runRawDiffs(t, redisAddr, emberAddr, tests)
}

// A client that declares a huge multibulk count and then sends small
// arguments must cost the server time in proportion to what it sends, not
// to what it declared. (redcon's parser walks the declared count each time
// it looks at a partial command that ends between arguments.)
func TestProtocolHugeDeclaredCount(t *testing.T) {
	ln, addr := startCountingServer(t)

	hog := dialRESP(t, addr)
	header := "*2147483647\r\n"
	arg := "$1\r\na\r\n"
	chunk := strings.Repeat(arg, 64*1024/len(arg)+1)
	const chunks = 16
	hog.send([]byte(header))
	start := time.Now()
	for i := 0; i < chunks; i++ {
		if err := hog.send([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	total := int64(len(header) + chunks*len(chunk))
	waitUntil(t, 10*time.Second, func() bool { return ln.read.Load() >= total })
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the server took %v to take in %d KB of a command declaring 2^31 arguments", d, total>>10)
	}
	other := dialRESP(t, addr)
	if got := other.mustDo(t, "PING"); got != "+PONG\r\n" {
		t.Fatalf("PING = %q", got)
	}
}

// Big bulks (bigArg and over) arrive in buffers of their own: however the
// bytes are split, the requests around them and the arguments themselves
// come out as sent, and only a big argument that arrived in pieces is one
// the command may keep (owns).
func TestProtocolBigArguments(t *testing.T) {
	big := func(n int, c byte) []byte { return bytes.Repeat([]byte{c}, n) }
	cases := []struct {
		name string
		cmds [][][]byte
	}{
		{"just under the threshold", [][][]byte{{[]byte("SET"), []byte("k"), big(bigArg-1, 'a')}}},
		{"at the threshold", [][][]byte{{[]byte("SET"), []byte("k"), big(bigArg, 'b')}}},
		{"pipelined with small requests", [][][]byte{
			{[]byte("PING")},
			{[]byte("SET"), []byte("k"), big(100_000, 'c')},
			{[]byte("GET"), []byte("k")},
			{[]byte("MSET"), []byte("a"), big(40_000, 'd'), []byte("b"), []byte("x"), []byte("c"), big(70_000, 'e')},
			{[]byte("PING")},
		}},
		{"past the first allocation", [][][]byte{{[]byte("SET"), []byte("k"), big(bigArgFirst*2+12345, 'f')}, {[]byte("PING")}}},
		{"a big key", [][][]byte{{[]byte("SET"), big(bigArg+1, 'g'), []byte("v")}}},
	}
	for _, tc := range cases {
		var input []byte
		for _, c := range tc.cmds {
			input = append(input, encodeCommand(c...)...)
		}
		// len(input)-1: the first read ends inside the last CRLF.
		for _, chunk := range []int{len(input), len(input) - 1, 65536, 16384, 4093, 1000} {
			t.Run(fmt.Sprintf("%s/chunks of %d", tc.name, chunk), func(t *testing.T) {
				run := runRequestConn(t, input, chunk, false)
				if run.written != "" || !errors.Is(run.err, io.EOF) {
					t.Fatalf("reply %q, error %v", run.written, run.err)
				}
				if !sameCommands(run.cmds, tc.cmds) {
					t.Fatalf("requests came out different (%d of %d)", len(run.cmds), len(tc.cmds))
				}
			})
		}
	}

	// owns: a big argument read in pieces, and nothing else.
	var maxBulk, maxQuery atomic.Int64
	maxBulk.Store(defaultMaxBulkLen)
	maxQuery.Store(defaultQueryBufSize)
	input := encodeCommand([]byte("SET"), []byte("k"), big(100_000, 'h'))
	rc := newRequestConn(&memConn{chunks: chunked(input, 16384)}, &maxBulk, &maxQuery)
	args, err := rc.next(noChunk, noFlush)
	if err != nil || len(args) != 3 {
		t.Fatalf("next = %d args, %v", len(args), err)
	}
	if !rc.owns(args[2]) || rc.owns(args[1]) || rc.owns(bytes.Clone(args[2])) || rc.owns(args[2][:bigArg]) {
		t.Error("owns must answer true for the big argument only, not for a copy or part of it")
	}
	var none *requestConn
	if none.owns(args[2]) {
		t.Error("a client with no connection owns nothing")
	}

	// The bulk's bytes leave the read buffer with it: reading the rest of
	// a 128 KB SET, its CRLF and the next request needs no bigger buffer.
	input = append(encodeCommand([]byte("SET"), []byte("k"), big(128<<10, 'i')), encodeCommand([]byte("PING"))...)
	rc = newRequestConn(&memConn{chunks: chunked(input, readChunk)}, &maxBulk, &maxQuery)
	for _, want := range []int{3, 1} {
		args, err := rc.next(noChunk, noFlush)
		if err != nil || len(args) != want {
			t.Fatalf("next = %d args, %v; want %d", len(args), err, want)
		}
	}
	if cap(rc.in) != readChunk {
		t.Errorf("the read buffer grew to %d bytes; want %d", cap(rc.in), readChunk)
	}
}

// TestLengthLineAgreesWithFind: every line the quick length reader takes
// reads the same (length and CR) through find and ParseInt, and the
// forms it leaves to them are the odd ones.
func TestLengthLineAgreesWithFind(t *testing.T) {
	for _, tc := range []struct {
		line  string
		quick bool
	}{
		{"$0\r\n", true},
		{"$5\r\n", true},
		{"*3\r\n", true},
		{"$123\r\nabc", true},
		{"$999999999999999999\r\n", true}, // 18 digits
		{"$5\r", false},                   // the LF not yet read
		{"$5", false},
		{"$00\r\n", false}, // leading zeros: ParseInt refuses them
		{"$01\r\n", false},
		{"$-1\r\n", false},
		{"$+5\r\n", false},
		{"$ 5\r\n", false},
		{"$5 \r\n", false},
		{"$\r\n\r\n", false},
		{"$9999999999999999999\r\n", false}, // 19 digits
		{"$5\x00\r\n", false},
		{"*3\r\n", true},
		{"x3\r\n", false},
	} {
		rc := &requestConn{}
		c := byte('$')
		if tc.line[0] == '*' {
			c = '*'
		}
		buf := []byte(tc.line)
		n, cr, ok := rc.lengthLine(buf, c)
		if ok != tc.quick {
			t.Errorf("%q: quick %v, want %v", tc.line, ok, tc.quick)
		}
		if !ok {
			continue
		}
		wantCR := (&requestConn{}).find(buf, '\r')
		wantN, wantOK := redisnum.ParseInt(buf[1:wantCR])
		if cr != wantCR || n != wantN || !wantOK {
			t.Errorf("%q: quick (%d, cr %d), general (%d %v, cr %d)", tc.line, n, cr, wantN, wantOK, wantCR)
		}
	}
}

// noChunk and noFlush stand in for the client's halves of a batch's end
// when a test drives requestConn.next alone.
func noChunk()       {}
func noFlush() error { return nil }
