package server

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/emberkv/ember/internal/redisnum"
)

// SLOWLOG: the commands that ran for at least slowlog-log-slower-than
// microseconds (-1 logs nothing, 0 everything), the newest
// slowlog-max-len of them, as Redis 7.0.15's slowlog.c keeps them.

const (
	// As Redis's SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING.
	slowlogMaxArgs  = 32
	slowlogMaxBytes = 128

	errSlowlogCount = "ERR count should be greater than or equal to -1"
)

// slowEntry is one logged command.
type slowEntry struct {
	id       int64
	unix     int64 // when it was logged, in seconds
	usec     int64 // how long it ran
	args     [][]byte
	peer     string
	name     string
	argBytes []byte // what args point into
}

// slowlog is the log itself: entries oldest first from head on, so that a
// push and the trim after it cost O(1).
type slowlog struct {
	slowerThan atomic.Int64 // slowlog-log-slower-than, microseconds
	maxLen     atomic.Int64 // slowlog-max-len

	mu      sync.Mutex
	entries []slowEntry
	head    int
	nextID  int64
}

func (l *slowlog) init() {
	l.slowerThan.Store(10000)
	l.maxLen.Store(128)
}

// wants reports whether a command of usec microseconds is to be logged.
func (l *slowlog) wants(usec int64) bool {
	t := l.slowerThan.Load()
	return t >= 0 && usec >= t
}

// push logs the command args of c that ran usec microseconds, then trims
// the log to slowlog-max-len, as slowlogPushEntryIfNeeded: a smaller
// slowlog-max-len takes effect at the next push.
func (l *slowlog) push(c *client, args [][]byte, usec int64) {
	e := newSlowEntry(c, args, usec)
	l.mu.Lock()
	defer l.mu.Unlock()
	e.id = l.nextID
	l.nextID++
	l.entries = append(l.entries, e)
	for limit := l.maxLen.Load(); int64(len(l.entries)-l.head) > limit; {
		l.entries[l.head] = slowEntry{}
		l.head++
	}
	if l.head > 64 && l.head*2 > len(l.entries) {
		n := copy(l.entries, l.entries[l.head:])
		clear(l.entries[n:])
		l.entries = l.entries[:n]
		l.head = 0
	}
}

// newSlowEntry copies what the entry keeps, truncated as Redis's
// slowlogCreateEntry: at most 32 arguments, the last of them then saying
// how many more there were, and each at most 128 bytes followed by how
// many more it had. Redacted arguments (AUTH's password) read
// "(redacted)".
func newSlowEntry(c *client, args [][]byte, usec int64) slowEntry {
	n := min(len(args), slowlogMaxArgs)
	size := 0
	for i := range n {
		size += min(len(args[i]), slowlogMaxBytes) + 32
	}
	buf := make([]byte, 0, size)
	offs := make([]int, 0, n+1)
	for i := range n {
		offs = append(offs, len(buf))
		switch {
		case n != len(args) && i == n-1:
			buf = append(buf, "... ("...)
			buf = strconv.AppendInt(buf, int64(len(args)-n+1), 10)
			buf = append(buf, " more arguments)"...)
		case c.isRedacted(i):
			buf = append(buf, redactedArg...)
		case len(args[i]) > slowlogMaxBytes:
			buf = append(buf, args[i][:slowlogMaxBytes]...)
			buf = append(buf, "... ("...)
			buf = strconv.AppendInt(buf, int64(len(args[i])-slowlogMaxBytes), 10)
			buf = append(buf, " more bytes)"...)
		default:
			buf = append(buf, args[i]...)
		}
	}
	offs = append(offs, len(buf))
	e := slowEntry{unix: c.srv.clockNow().Unix(), usec: usec, argBytes: buf, args: make([][]byte, n), peer: c.peerID()}
	for i := range n {
		e.args[i] = buf[offs[i]:offs[i+1]:offs[i+1]]
	}
	c.mu.Lock()
	e.name = c.name
	c.mu.Unlock()
	return e
}

// peerID is the client's address as Redis's getClientPeerId gives it;
// the scripts' client has none, which Redis shows as "?:0".
func (c *client) peerID() string {
	if c.addr == "" || c.addr == "lua" {
		return "?:0"
	}
	return c.addr
}

func (l *slowlog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries) - l.head
}

func (l *slowlog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.entries)
	l.entries = l.entries[:0]
	l.head = 0
}

// newest returns up to n entries, newest first. Entries never change once
// logged, so they may be read after the lock is let go.
func (l *slowlog) newest(n int64) []slowEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	have := l.entries[l.head:]
	n = min(n, int64(len(have)))
	out := make([]slowEntry, n)
	for i := range out {
		out[i] = have[len(have)-1-i]
	}
	return out
}

// SLOWLOG GET [count]: count -1 means all, 10 by default.
func cmdSlowlogGet(c *client, args [][]byte) {
	l := &c.srv.slowlog
	count := int64(10)
	switch len(args) {
	case 2:
	case 3:
		n, ok := redisnum.ParseInt(args[2])
		if !ok || n < -1 {
			c.w.error(errSlowlogCount)
			return
		}
		count = n
		if n == -1 {
			count = int64(l.len())
		}
	default:
		c.w.error(fmt.Sprintf(errSubcommandSyntax, cString(args[1], 128), "SLOWLOG"))
		return
	}
	entries := l.newest(count)
	c.w.array(len(entries))
	for _, e := range entries {
		c.w.array(6)
		c.w.int(e.id)
		c.w.int(e.unix)
		c.w.int(e.usec)
		c.w.array(len(e.args))
		for _, a := range e.args {
			c.w.bulk(a)
		}
		c.w.bulkString(e.peer)
		c.w.bulkString(e.name)
	}
}

func cmdSlowlogLen(c *client, args [][]byte) { c.w.int(int64(c.srv.slowlog.len())) }

func cmdSlowlogReset(c *client, args [][]byte) {
	c.srv.slowlog.reset()
	c.w.ok()
}

func cmdSlowlogHelp(c *client, args [][]byte) {
	c.writeHelp("SLOWLOG",
		"GET [<count>]",
		"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
		"    Entries are made of:",
		"    id, timestamp, time in microseconds, arguments array, client IP and port,",
		"    client name",
		"LEN",
		"    Return the length of the slowlog.",
		"RESET",
		"    Reset the slowlog.",
	)
}
