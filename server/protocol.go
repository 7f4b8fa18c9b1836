package server

import (
	"bytes"
	"errors"
	"math"
	"net"
	"strconv"
	"sync/atomic"

	"github.com/emberkv/ember/internal/redisnum"
)

// Redis's request limits (networking.c).
const (
	inlineMaxSize       = 64 * 1024 // PROTO_INLINE_MAX_SIZE
	unauthMaxArgs       = 10        // arguments before AUTH, as Redis 7
	unauthMaxBulk       = 16384     // bulk length before AUTH, as Redis 7
	readChunk           = 16 * 1024 // bytes asked of the socket per read
	deliverChunk        = 64 * 1024 // least handed to redcon mid-command
	partialArgsLeft     = 64        // most arguments still to come in a command handed on partly
	partialBytesPerArg  = 64        // per argument already in, least handed on mid-command
	defaultMaxBulkLen   = 512 * 1024 * 1024
	defaultQueryBufSize = 1024 * 1024 * 1024
)

// errConnClosing ends redcon's read loop after a protocol error has been
// answered, or when a client outgrew its query buffer.
var errConnClosing = errors.New("connection closed by the server")

// requestConn sits between a client's socket and redcon's reader. It
// checks every request the way Redis's networking.c does, with Redis's
// limits and error texts, turns inline commands into RESP with Redis's
// quoting rules, drops empty multibulks (*0, *-1), and hands redcon only
// well-formed RESP. redcon places no limits of its own on bulk sizes or
// buffer growth, so this is where they are enforced; nothing is allocated
// in proportion to a declared length before the bytes arrive.
type requestConn struct {
	net.Conn
	maxBulk  *atomic.Int64 // proto-max-bulk-len
	maxQuery *atomic.Int64 // client-query-buffer-limit

	// needAuth is set while the client must still authenticate; Redis then
	// allows only small requests. While it is set, parsing stops after each
	// complete command until redcon asks for more, which it does only once
	// that command has run: Redis checks a request against the auth state
	// left by the commands before it (AUTH pw, then a big request).
	needAuth atomic.Bool
	paused   bool

	in     []byte // bytes read from the socket; in[inPos:] not yet parsed
	inPos  int
	out    []byte // checked RESP for redcon; out[outPos:] not yet handed over
	outPos int
	ready  int // out[:ready] ends on a command boundary

	state    int   // what the parser expects next
	cmdArgs  int   // bulks declared by the current multibulk
	argsLeft int   // bulks still to come in the current multibulk
	bulkLeft int64 // payload bytes still to copy in the current bulk
	// bulkGot counts the bytes of the current bulk received so far, with
	// its CRLF: what Redis's query buffer holds while a big argument
	// arrives, and what client-query-buffer-limit is checked against.
	// Arguments already complete do not count, as in Redis, and neither
	// does a length declared but not yet sent.
	bulkGot int64

	failure string // protocol error to answer once earlier replies are out
	failed  bool
}

const (
	expectRequest = iota
	expectBulkHeader
	expectBulkData
	expectBulkEnd
)

func newRequestConn(c net.Conn, maxBulk, maxQuery *atomic.Int64) *requestConn {
	return &requestConn{Conn: c, maxBulk: maxBulk, maxQuery: maxQuery, in: make([]byte, 0, readChunk)}
}

// Read hands redcon checked bytes. It returns once a whole command is
// available or a large chunk of one, so redcon's reader (which recurses
// once per short read) stays shallow however slowly a client writes.
func (rc *requestConn) Read(p []byte) (int, error) {
	for {
		end := len(rc.out)
		if !rc.failed && !rc.partialOK(end-rc.outPos, len(p)) {
			end = rc.ready // whole commands only
		}
		if end > rc.outPos {
			n := copy(p, rc.out[rc.outPos:end])
			rc.outPos += n
			if rc.outPos == len(rc.out) {
				rc.out, rc.outPos, rc.ready = rc.out[:0], 0, 0
			}
			return n, nil
		}
		if rc.paused {
			rc.paused = false
			rc.parseAndTrim()
			continue
		}
		if rc.failed {
			if rc.failure != "" {
				rc.Conn.Write([]byte("-" + errProtocolPrefix + rc.failure + "\r\n"))
			}
			return 0, errConnClosing
		}
		if rc.inPos > 0 {
			rc.in = append(rc.in[:0], rc.in[rc.inPos:]...)
			rc.inPos = 0
		}
		if cap(rc.in)-len(rc.in) < readChunk/2 {
			grown := make([]byte, len(rc.in), len(rc.in)+readChunk)
			copy(grown, rc.in)
			rc.in = grown
		}
		n, err := rc.Conn.Read(rc.in[len(rc.in):cap(rc.in)])
		rc.in = rc.in[:len(rc.in)+n]
		if n > 0 {
			rc.parseAndTrim()
		}
		if err != nil && n == 0 {
			return 0, err
		}
	}
}

// partialOK reports whether redcon may be handed the command in progress
// before it is complete: avail bytes are waiting, and redcon has room for
// room. redcon re-parses a partial command from its start each time it
// gets more, and walks its declared argument count when the bytes end
// between arguments. So a command is handed on partly only once few of
// its arguments are still to come (a client cannot declare 2^31 of them,
// send a little, and make each read cost 2^31 steps), and in pieces that
// grow with the arguments already in (the re-parsing costs time in
// proportion to the bytes received, not more).
func (rc *requestConn) partialOK(avail, room int) bool {
	if rc.argsLeft > partialArgsLeft {
		return false
	}
	done := rc.cmdArgs - rc.argsLeft
	return avail >= room || avail >= max(deliverChunk, partialBytesPerArg*done)
}

// parseAndTrim parses what has arrived. After a protocol error, the
// commands before the bad one still run and get replies; the partial one
// is cut so that redcon never sees it.
func (rc *requestConn) parseAndTrim() {
	rc.parse()
	if rc.failed {
		rc.out = rc.out[:max(rc.ready, rc.outPos)]
	}
}

// commandDone marks the end of a complete command in out.
func (rc *requestConn) commandDone() {
	rc.ready = len(rc.out)
	if rc.needAuth.Load() {
		rc.paused = true
	}
}

// fail records a protocol error; the text is empty when Redis closes the
// connection without a reply.
func (rc *requestConn) fail(msg string) {
	rc.failure, rc.failed = msg, true
}

// parse consumes what it can of in, appending checked RESP to out.
func (rc *requestConn) parse() {
	for !rc.failed && !rc.paused && rc.inPos < len(rc.in) {
		buf := rc.in[rc.inPos:]
		switch rc.state {
		case expectRequest:
			if buf[0] != '*' {
				if !rc.parseInline(buf) {
					return
				}
				continue
			}
			cr := cIndexByte(buf, '\r')
			if cr < 0 || cr+1 >= len(buf) {
				if len(buf) > inlineMaxSize {
					rc.fail("too big mbulk count string")
				}
				return
			}
			n, ok := redisnum.ParseInt(buf[1:cr])
			if !ok || n > math.MaxInt32 {
				rc.fail("invalid multibulk length")
				return
			}
			if n > unauthMaxArgs && rc.needAuth.Load() {
				rc.fail("unauthenticated multibulk length")
				return
			}
			rc.inPos += cr + 2
			if n <= 0 {
				continue // *0 and *-1 are ignored, as in Redis
			}
			rc.out = append(rc.out, '*')
			rc.out = strconv.AppendInt(rc.out, n, 10)
			rc.out = append(rc.out, '\r', '\n')
			rc.cmdArgs, rc.argsLeft = int(n), int(n)
			rc.state = expectBulkHeader
		case expectBulkHeader:
			cr := cIndexByte(buf, '\r')
			if cr < 0 || cr+1 >= len(buf) {
				if len(buf) > inlineMaxSize {
					rc.fail("too big bulk count string")
				}
				return
			}
			if buf[0] != '$' {
				rc.fail("expected '$', got '" + string(buf[0]) + "'")
				return
			}
			n, ok := redisnum.ParseInt(buf[1:cr])
			if !ok || n < 0 || n > rc.maxBulk.Load() {
				rc.fail("invalid bulk length")
				return
			}
			if n > unauthMaxBulk && rc.needAuth.Load() {
				rc.fail("unauthenticated bulk length")
				return
			}
			rc.inPos += cr + 2
			rc.bulkGot = 0
			rc.out = append(rc.out, '$')
			rc.out = strconv.AppendInt(rc.out, n, 10)
			rc.out = append(rc.out, '\r', '\n')
			rc.bulkLeft = n
			rc.state = expectBulkData
		case expectBulkData:
			n := min(int64(len(buf)), rc.bulkLeft)
			rc.out = append(rc.out, buf[:n]...)
			rc.inPos += int(n)
			rc.bulkLeft -= n
			if rc.bulkGot += n; rc.bulkGot > rc.maxQuery.Load() {
				rc.fail("") // as Redis: closed without a reply
				return
			}
			if rc.bulkLeft == 0 {
				rc.state = expectBulkEnd
			}
		case expectBulkEnd:
			// Redis skips the two bytes after a bulk without looking at them.
			if len(buf) < 2 {
				return
			}
			if rc.bulkGot+2 > rc.maxQuery.Load() {
				rc.fail("")
				return
			}
			rc.inPos += 2
			rc.out = append(rc.out, '\r', '\n')
			rc.argsLeft--
			if rc.argsLeft == 0 {
				rc.state = expectRequest
				rc.commandDone()
			} else {
				rc.state = expectBulkHeader
			}
		}
	}
}

// parseInline handles a request that does not start with '*': one line of
// space-separated, optionally quoted arguments. It reports whether it
// consumed a line.
func (rc *requestConn) parseInline(buf []byte) bool {
	nl := cIndexByte(buf, '\n')
	if nl < 0 {
		if len(buf) > inlineMaxSize {
			rc.fail("too big inline request")
		}
		return false
	}
	line := buf[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	args, ok := splitArgs(line)
	if !ok {
		rc.fail("unbalanced quotes in request")
		return false
	}
	rc.inPos += nl + 1
	if len(args) == 0 {
		return true
	}
	rc.out = append(rc.out, '*')
	rc.out = strconv.AppendInt(rc.out, int64(len(args)), 10)
	rc.out = append(rc.out, '\r', '\n')
	for _, a := range args {
		rc.out = append(rc.out, '$')
		rc.out = strconv.AppendInt(rc.out, int64(len(a)), 10)
		rc.out = append(rc.out, '\r', '\n')
		rc.out = append(rc.out, a...)
		rc.out = append(rc.out, '\r', '\n')
	}
	rc.commandDone()
	return true
}

// cIndexByte finds c in buf the way Redis's strchr on its query buffer
// does: a NUL byte ends the search. So a request line with a NUL before
// its end is never complete, and Redis waits for more until the buffer
// passes the inline limit; Ember does the same.
func cIndexByte(buf []byte, c byte) int {
	if nul := bytes.IndexByte(buf, 0); nul >= 0 {
		buf = buf[:nul]
	}
	return bytes.IndexByte(buf, c)
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
