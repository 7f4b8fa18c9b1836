package server

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"runtime/debug"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/emberkv/ember/internal/redisnum"
)

// Redis's request limits (networking.c).
const (
	inlineMaxSize       = 64 * 1024 // PROTO_INLINE_MAX_SIZE
	unauthMaxArgs       = 10        // arguments before AUTH, as Redis 7
	unauthMaxBulk       = 16384     // bulk length before AUTH, as Redis 7
	readChunk           = 16 * 1024 // least free room asked of the socket per read
	defaultMaxBulkLen   = 512 * 1024 * 1024
	defaultQueryBufSize = 1024 * 1024 * 1024

	// bigArg is Redis's PROTO_MBULK_BIG_ARG: a bulk at least this long
	// that has not fully arrived is read into a buffer of its own, exactly
	// its size, instead of growing the connection's buffer to hold it and
	// letting that go after the request. A command that stores the
	// argument (SET) can then keep that buffer as the value, as Redis keeps
	// its query buffer as the object, instead of copying it.
	bigArg = 32 * 1024
	// bigArgFirst is how much of a big bulk's declared length is allocated
	// before its bytes arrive; past it the buffer grows as they do.
	bigArgFirst = 1 << 20
)

// errConnClosing ends a connection after a protocol error has been
// answered, or when a client outgrew its query buffer.
var errConnClosing = errors.New("connection closed by the server")

// requestConn is a client's socket, with Ember's own request reader on
// top. redcon accepts the connection and tracks it until it closes; Ember
// reads the requests itself (see Read), for three reasons redcon's reader
// cannot meet: Redis's limits and error texts (redcon has no limit on bulk
// sizes or buffer growth), no allocation per command (redcon copies every
// command), and a read loop of Ember's own for what later needs one.
//
// next checks every request the way Redis's networking.c does, with its
// limits and error texts; turns inline commands into arguments with
// Redis's quoting rules; skips empty multibulks (*0, *-1); and allocates
// nothing in proportion to a declared length before the bytes arrive.
type requestConn struct {
	net.Conn
	sock     *sockIO       // the request path's reads and writes of the socket
	maxBulk  *atomic.Int64 // proto-max-bulk-len
	maxQuery *atomic.Int64 // client-query-buffer-limit
	client   *client       // served by Read; set when redcon accepts

	// needAuth is set while the client must still authenticate; Redis then
	// allows only small requests. Each request is checked against the auth
	// state left by the commands before it (AUTH pw, then a big request),
	// which holds because next parses one command at a time.
	needAuth atomic.Bool

	in    []byte // bytes read; in[start:] is the request being parsed
	start int    // where the current request begins
	pos   int    // how far it has been parsed

	// scanned is how much of in[pos:] is known to hold no line end, so
	// that a line arriving in small pieces is searched once, not once per
	// piece; nul is set when a NUL byte comes first (see find).
	scanned int
	nul     bool

	argc    int   // arguments the current multibulk declared; 0 between requests
	bulkLen int64 // length of the bulk being received; -1 before its header
	marks   []int // start and end of each argument so far, relative to start; -1 and an index into bigs for a big one
	args    [][]byte

	// big is the big bulk being received into a buffer of its own (see
	// bigArg): len(big) bytes of bulkLen have arrived. bigs are the big
	// arguments of the request being parsed.
	big  []byte
	bigs [][]byte

	failure string // the protocol error that ended the connection
	failed  bool
}

func newRequestConn(c net.Conn, maxBulk, maxQuery *atomic.Int64) *requestConn {
	return &requestConn{Conn: c, sock: newSockIO(c), maxBulk: maxBulk, maxQuery: maxQuery, in: make([]byte, 0, readChunk), bulkLen: -1}
}

// Read is where redcon hands the connection to Ember: redcon's goroutine
// for the connection calls it once, and Ember serves the client from
// there until it leaves. Read then reports why, and redcon closes the
// socket and runs its closed hook as for any connection.
func (rc *requestConn) Read(p []byte) (n int, err error) {
	c := rc.client
	if c == nil {
		return 0, errConnClosing
	}
	// Commands recover on their own (client.run); this catches the rest of
	// the loop, so that no input can take the process down with it.
	defer func() {
		if r := recover(); r != nil {
			c.srv.log.Error("panic while reading from a client; closing its connection",
				slog.Int64("id", c.id), slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
			n, err = 0, errConnClosing
		}
	}()
	return 0, c.serve()
}

// next returns the next request's arguments. They alias the read buffer
// and stay valid only until the following call: whatever keeps one must
// copy it. When the requests read so far are all served, next calls
// endChunk; then, only if the socket has nothing more to read and it
// would wait, flush, so that the replies to a pipelined batch go out in
// one write. A batch bigger than one read (16 requests of 16 KB) used to
// get one write per read: SET -P 16 of 16 KB values ran at 0.54x Redis,
// with 2.4x its CPU a request, most of it in the writes' TCP work
// (docs/benchmarks.md, "Replies written when the reader would wait").
func (rc *requestConn) next(endChunk func(), flush func() error) ([][]byte, error) {
	for {
		args, want := rc.parse()
		if args != nil {
			return args, nil
		}
		if rc.failed {
			return nil, errConnClosing
		}
		endChunk()
		if err := rc.fill(want, flush); err != nil {
			return nil, err
		}
	}
}

// pipelined reports whether bytes of a request after the one just parsed
// were read already: the client sent them without waiting for a reply.
func (rc *requestConn) pipelined() bool { return len(rc.in) > rc.pos }

// fill reads more of the request from the socket, calling flush first if
// it must wait for it. Bytes of earlier requests are dropped first; the
// buffer grows only as data arrives, by doubling, up to what the request
// in progress is known to need (want).
func (rc *requestConn) fill(want int, flush func() error) error {
	if rc.big != nil && int64(len(rc.big)) < rc.bulkLen {
		return rc.fillBig(flush)
	}
	if rc.start > 0 {
		n := copy(rc.in, rc.in[rc.start:])
		rc.in = rc.in[:n]
		rc.pos -= rc.start
		rc.start = 0
	}
	if free := cap(rc.in) - len(rc.in); free < readChunk/2 {
		size := max(2*cap(rc.in), len(rc.in)+readChunk)
		if want > len(rc.in) {
			size = min(size, max(want, len(rc.in)+readChunk))
		}
		grown := make([]byte, len(rc.in), size)
		copy(grown, rc.in)
		rc.in = grown
	} else if len(rc.in) == 0 && cap(rc.in) > 4*readChunk {
		rc.in = make([]byte, 0, readChunk) // let a big request's buffer go
	}
	n, err := rc.sock.readOr(rc.in[len(rc.in):cap(rc.in)], flush)
	rc.in = rc.in[:len(rc.in)+n]
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// fillBig reads more of a big bulk into its own buffer, growing it up to
// the declared length as the bytes arrive. It reads no further than the
// bulk: what follows goes to the connection's buffer.
func (rc *requestConn) fillBig(flush func() error) error {
	got := len(rc.big)
	if got == cap(rc.big) {
		grown := make([]byte, got, min(2*int64(got), rc.bulkLen))
		copy(grown, rc.big)
		rc.big = grown
	}
	n, err := rc.sock.readOr(rc.big[got:cap(rc.big)], flush)
	rc.big = rc.big[:got+n]
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// owns tells whether arg is a big argument of the request next returned
// last, in a buffer of its own that nothing else refers to: the command
// may hand it to the store to keep (store.SetOptions.Owned). A copy of
// the arguments (a command queued in MULTI, a script's call) never is.
func (rc *requestConn) owns(arg []byte) bool {
	if rc == nil || len(arg) < bigArg {
		return false
	}
	for _, b := range rc.bigs {
		if unsafe.SliceData(b) == unsafe.SliceData(arg) && len(b) == len(arg) {
			return true
		}
	}
	return false
}

// fail records a protocol error; the text is empty when Redis closes the
// connection without a reply.
func (rc *requestConn) fail(msg string) {
	rc.failure, rc.failed = msg, true
}

// parse tries to complete one request from what has been read. It returns
// the arguments, or nil and how many bytes the buffer should hold for the
// request to go on.
func (rc *requestConn) parse() ([][]byte, int) {
	for !rc.failed {
		buf := rc.in[rc.pos:]
		if rc.argc == 0 {
			rc.start = rc.pos
			if len(buf) == 0 {
				return nil, 0
			}
			if buf[0] != '*' {
				args, ok := rc.parseInline(buf)
				if !ok {
					return nil, 0
				}
				if len(args) == 0 {
					continue
				}
				return args, 0
			}
			n, cr, ok := rc.lengthLine(buf, '*')
			if !ok {
				var complete bool
				if n, cr, ok, complete = rc.lengthBySearch(buf, '*', "too big mbulk count string"); !complete {
					return nil, 0
				}
			}
			if !ok || n > math.MaxInt32 {
				rc.fail("invalid multibulk length")
				return nil, 0
			}
			if n > unauthMaxArgs && rc.needAuth.Load() {
				rc.fail("unauthenticated multibulk length")
				return nil, 0
			}
			rc.pos += cr + 2
			if n <= 0 {
				continue // *0 and *-1 are ignored, as in Redis
			}
			rc.argc = int(n)
			rc.marks = rc.marks[:0]
			clear(rc.bigs)
			rc.bigs = rc.bigs[:0]
			continue
		}
		if rc.bulkLen < 0 {
			n, cr, ok := rc.lengthLine(buf, '$')
			if !ok {
				var complete bool
				if n, cr, ok, complete = rc.lengthBySearch(buf, '$', "too big bulk count string"); !complete {
					return nil, 0
				}
			}
			if !ok || n < 0 || n > rc.maxBulk.Load() {
				rc.fail("invalid bulk length")
				return nil, 0
			}
			if n > unauthMaxBulk && rc.needAuth.Load() {
				rc.fail("unauthenticated bulk length")
				return nil, 0
			}
			rc.pos += cr + 2
			rc.bulkLen = n
			buf = rc.in[rc.pos:]
			if n >= bigArg && int64(len(buf)) < n+2 {
				// What has arrived of it moves to a buffer of its own.
				have := min(int64(len(buf)), n)
				rc.big = make([]byte, have, max(have, min(n, bigArgFirst)))
				copy(rc.big, buf)
				// And they leave in, so the next read reuses their room.
				// Left there until the request ended, they filled it, and
				// reading the bulk's CRLF doubled it: a 32 KB buffer
				// cleared and copied per 128 KB SET.
				rc.in = append(rc.in[:rc.pos], rc.in[rc.pos+int(have):]...)
				buf = rc.in[rc.pos:]
			}
		}
		if rc.big != nil {
			// As below, the query buffer limit counts what has arrived of
			// this argument and its CRLF; the CRLF comes into in.
			got := int64(len(rc.big))
			if got == rc.bulkLen {
				got += min(int64(len(buf)), 2)
			}
			if got > rc.maxQuery.Load() {
				rc.fail("")
				return nil, 0
			}
			if got < rc.bulkLen+2 {
				return nil, 0
			}
			rc.pos += 2 // skipped unread, as below
			rc.marks = append(rc.marks, -1, len(rc.bigs))
			rc.bigs = append(rc.bigs, rc.big[:len(rc.big):len(rc.big)])
			rc.big, rc.bulkLen = nil, -1
			if rc.argDone() {
				return rc.args, 0
			}
			continue
		}
		// What Redis's query buffer holds while a big argument arrives, and
		// what client-query-buffer-limit is checked against: the bytes of
		// this argument received so far, with its CRLF. Arguments already
		// complete do not count, nor does a length declared but not sent.
		need := rc.bulkLen + 2
		if got := min(int64(len(buf)), need); got > rc.maxQuery.Load() {
			rc.fail("") // as Redis: closed without a reply
			return nil, 0
		}
		if int64(len(buf)) < need {
			return nil, rc.pos - rc.start + int(need)
		}
		// Redis skips the two bytes after a bulk without looking at them.
		rel := rc.pos - rc.start
		rc.marks = append(rc.marks, rel, rel+int(rc.bulkLen))
		rc.pos += int(need)
		rc.bulkLen = -1
		if rc.argDone() {
			return rc.args, 0
		}
	}
	return nil, 0
}

// lengthBySearch reads the length line at the start of buf, which begins
// with c, when lengthLine cannot: it searches for the CR. complete is
// false when the line has not all arrived (the request waits for more;
// past the inline limit it fails with tooBig) or does not begin with c;
// ok is false when it is there but not a number.
func (rc *requestConn) lengthBySearch(buf []byte, c byte, tooBig string) (n int64, cr int, ok, complete bool) {
	if cr = rc.find(buf, '\r'); cr < 0 || cr+1 >= len(buf) {
		if len(buf) > inlineMaxSize {
			rc.fail(tooBig)
		}
		return 0, 0, false, false
	}
	if buf[0] != c {
		rc.fail("expected '" + string(c) + "', got '" + string(buf[0]) + "'")
		return 0, 0, false, false
	}
	n, ok = redisnum.ParseInt(buf[1:cr])
	return n, cr, ok, true
}

// lengthLine reads a length line in its usual form, without find's two
// searches: the byte c, 1 to 18 digits with no leading zero (or a lone
// 0), a CR and one byte more (the LF, which Redis skips unread). It
// returns the length and the CR's index. Anything else, a line not yet
// complete included, is ok false and takes the general path with its
// errors; the two agree on every line this accepts.
func (rc *requestConn) lengthLine(buf []byte, c byte) (n int64, cr int, ok bool) {
	if rc.scanned != 0 || rc.nul || len(buf) < 4 || buf[0] != c {
		return 0, 0, false
	}
	i := 1
	for ; i < len(buf) && i <= 18; i++ {
		d := buf[i] - '0'
		if d > 9 {
			break
		}
		n = n*10 + int64(d)
	}
	if i == 1 || i+1 >= len(buf) || buf[i] != '\r' || buf[1] == '0' && i > 2 {
		return 0, 0, false
	}
	return n, i, true
}

// argDone is called after each argument: once the request has all of
// them, it builds rc.args and reports true.
func (rc *requestConn) argDone() bool {
	if len(rc.marks)/2 < rc.argc {
		return false
	}
	rc.argc = 0
	rc.args = rc.args[:0]
	for i := 0; i < len(rc.marks); i += 2 {
		if rc.marks[i] < 0 {
			rc.args = append(rc.args, rc.bigs[rc.marks[i+1]])
			continue
		}
		a, b := rc.start+rc.marks[i], rc.start+rc.marks[i+1]
		rc.args = append(rc.args, rc.in[a:b:b])
	}
	rc.start = rc.pos
	return true
}

// parseInline handles a request that does not start with '*': one line of
// space-separated, optionally quoted arguments. ok is false when the line
// is not complete, or on an error.
func (rc *requestConn) parseInline(buf []byte) ([][]byte, bool) {
	nl := rc.find(buf, '\n')
	if nl < 0 {
		if len(buf) > inlineMaxSize {
			rc.fail("too big inline request")
		}
		return nil, false
	}
	line := buf[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	args, ok := splitArgs(line)
	if !ok {
		rc.fail("unbalanced quotes in request")
		return nil, false
	}
	rc.pos += nl + 1
	rc.start = rc.pos
	return args, true
}

// find returns the index of c in buf (which is in[pos:]) the way Redis's
// strchr on its query buffer finds it: a NUL byte ends the search, so a
// request line with a NUL before its end is never complete, and Redis
// waits for more until the buffer passes the inline limit; Ember does the
// same. It resumes where the previous search of the same line stopped.
func (rc *requestConn) find(buf []byte, c byte) int {
	if rc.nul {
		return -1
	}
	from := min(rc.scanned, len(buf))
	rest := buf[from:]
	j := bytes.IndexByte(rest, c)
	end := len(rest)
	if j >= 0 {
		end = j
	}
	if bytes.IndexByte(rest[:end], 0) >= 0 {
		rc.nul = true
		return -1
	}
	if j < 0 {
		rc.scanned = len(buf)
		return -1
	}
	rc.scanned = 0
	return from + j
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// splitArgs splits an inline request as Redis's sdssplitargs does: double
// quotes with \n \r \t \b \a \xHH escapes, single quotes with \' only, and
// a closing quote that must be followed by a space or the end. As in C, a
// NUL byte ends the line.
func splitArgs(line []byte) ([][]byte, bool) {
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	var args [][]byte
	i := 0
	at := func(j int) byte {
		if j < len(line) {
			return line[j]
		}
		return 0
	}
	for {
		for i < len(line) && isSpaceByte(line[i]) {
			i++
		}
		if i >= len(line) {
			return args, true
		}
		var cur []byte
		inDouble, inSingle, done := false, false, false
		for !done {
			c := at(i)
			switch {
			case inDouble:
				h1, ok1 := hexVal(at(i + 2))
				h2, ok2 := hexVal(at(i + 3))
				switch {
				case c == '\\' && at(i+1) == 'x' && ok1 && ok2:
					cur = append(cur, h1<<4|h2)
					i += 3
				case c == '\\' && at(i+1) != 0:
					i++
					e := line[i]
					switch e {
					case 'n':
						e = '\n'
					case 'r':
						e = '\r'
					case 't':
						e = '\t'
					case 'b':
						e = '\b'
					case 'a':
						e = '\a'
					}
					cur = append(cur, e)
				case c == '"':
					if n := at(i + 1); n != 0 && !isSpaceByte(n) {
						return nil, false
					}
					done = true
				case c == 0:
					return nil, false
				default:
					cur = append(cur, c)
				}
			case inSingle:
				switch {
				case c == '\\' && at(i+1) == '\'':
					i++
					cur = append(cur, '\'')
				case c == '\'':
					if n := at(i + 1); n != 0 && !isSpaceByte(n) {
						return nil, false
					}
					done = true
				case c == 0:
					return nil, false
				default:
					cur = append(cur, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inDouble = true
				case '\'':
					inSingle = true
				default:
					cur = append(cur, c)
				}
			}
			if i < len(line) {
				i++
			}
		}
		if cur == nil {
			cur = []byte{}
		}
		args = append(args, cur)
	}
}

// watch reads the socket in the background while the connection's own
// goroutine is parked in a blocking command. The bytes that arrive are
// kept and handed back to the reader when stop is called, so requests
// pipelined behind the blocking command run after it, as in Redis; an
// EOF or a read error closes gone at once, so a client that disconnects
// while blocked is cleaned up at once. A client that sends more than its
// query buffer limit meanwhile is treated as gone too, as Redis closes a
// client over client-query-buffer-limit.
//
// stop interrupts the background read with a deadline in the past and
// returns once the reader has let go of the connection.
func (rc *requestConn) watch() (gone <-chan struct{}, stop func()) {
	goneCh := make(chan struct{})
	exited := make(chan struct{})
	var pending []byte
	var stopping atomic.Bool
	go func() {
		defer close(exited)
		buf := make([]byte, 4096)
		for {
			n, err := rc.Conn.Read(buf)
			pending = append(pending, buf[:n]...)
			if err != nil {
				if !stopping.Load() {
					close(goneCh)
				}
				return
			}
			if int64(len(pending)) > rc.maxQuery.Load() {
				close(goneCh)
				return
			}
		}
	}()
	stop = func() {
		stopping.Store(true)
		rc.Conn.SetReadDeadline(time.Now())
		<-exited
		rc.Conn.SetReadDeadline(time.Time{})
		rc.in = append(rc.in, pending...)
	}
	return goneCh, stop
}
