package server

import (
	"strconv"
	"testing"
	"time"

	"github.com/emberkv/ember/store"
)

// waitBlocked waits until n clients are blocked: the condition a test
// needs before it writes, since a write before the client blocks would
// be served at once.
func waitBlocked(t *testing.T, srv *Server, n int64) {
	t.Helper()
	deadline := time.Now().Add(replyTimeout)
	for srv.blocking.count.Load() != n {
		if time.Now().After(deadline) {
			t.Fatalf("blocked clients = %d, want %d", srv.blocking.count.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// blockOn sends a blocking command on a new connection and waits until
// the server has parked it.
func blockOn(t *testing.T, srv *Server, addr string, args ...string) *respConn {
	t.Helper()
	c := dialRESP(t, addr)
	before := srv.blocking.count.Load()
	c.sendCmd(args...)
	waitBlocked(t, srv, before+1)
	return c
}

func mustReply(t *testing.T, c *respConn, want string) {
	t.Helper()
	got, err := c.readReply()
	if err != nil || got != want {
		t.Fatalf("reply %q, %v; want %q", got, err, want)
	}
}

func TestBlockingFIFO(t *testing.T) {
	srv, addr := startServer(t, DefaultConfig())
	var waiters []*respConn
	for range 3 {
		waiters = append(waiters, blockOn(t, srv, addr, "BLPOP", "q", "0"))
	}
	w := dialRESP(t, addr)
	if got := w.cmd("RPUSH", "q", "a", "b", "c", "d"); got != ":4\r\n" {
		t.Fatalf("RPUSH = %q", got)
	}
	// The pusher sees the list after serving: one element left.
	if got := w.cmd("LRANGE", "q", "0", "-1"); got != "*1\r\n$1\r\nd\r\n" {
		t.Fatalf("LRANGE after serving = %q", got)
	}
	for i, el := range []string{"a", "b", "c"} {
		mustReply(t, waiters[i], "*2\r\n$1\r\nq\r\n$1\r\n"+el+"\r\n")
	}
	waitBlocked(t, srv, 0)
}

func TestBlockingTimeoutManualClock(t *testing.T) {
	clk := store.NewManualClock(time.Unix(1700000000, 0))
	cfg := DefaultConfig()
	cfg.Clock = clk
	srv, addr := startServer(t, cfg)
	for _, proto := range []string{"2", "3"} {
		c := dialRESP(t, addr)
		c.cmd("HELLO", proto)
		c.sendCmd("BLPOP", "q", "10")
		waitBlocked(t, srv, 1)
		clk.Advance(9999 * time.Millisecond)
		srv.ClockChanged()
		if got := srv.blocking.count.Load(); got != 1 {
			t.Fatalf("RESP%s: blocked = %d before the timeout", proto, got)
		}
		clk.Advance(time.Millisecond)
		srv.ClockChanged()
		want := "*-1\r\n"
		if proto == "3" {
			want = "_\r\n"
		}
		mustReply(t, c, want)
		waitBlocked(t, srv, 0)
	}
}

func TestBlockingSystemClockTimeout(t *testing.T) {
	srv, addr := startServer(t, DefaultConfig())
	c := dialRESP(t, addr)
	// 10 ms of real time: the one case where the wall clock is the subject.
	if got := c.cmd("BLPOP", "q", "0.01"); got != "*-1\r\n" {
		t.Fatalf("BLPOP timeout = %q", got)
	}
	if got := c.cmd("BLMOVE", "q", "d", "LEFT", "LEFT", "0.01"); got != "*-1\r\n" {
		t.Fatalf("BLMOVE timeout = %q", got)
	}
	waitBlocked(t, srv, 0)
}

func TestBlockingDisconnect(t *testing.T) {
	srv, addr := startServer(t, DefaultConfig())
	c := blockOn(t, srv, addr, "BLPOP", "q", "0")
	c.Close()
	waitBlocked(t, srv, 0)
	w := dialRESP(t, addr)
	w.cmd("RPUSH", "q", "x")
	if got := w.cmd("LLEN", "q"); got != ":1\r\n" {
		t.Fatalf("LLEN after the blocked client left = %q; the push went to a gone client", got)
	}
}

// Every kind of write that fills a key wakes its waiters.
func TestBlockingWokenByEveryWrite(t *testing.T) {
	srv, addr := startServer(t, DefaultConfig())
	w := dialRESP(t, addr)
	tests := []struct {
		name  string
		setup [][]string
		fill  [][]string
		db    string // the database the waiter selects
	}{
		{name: "LPUSH", fill: [][]string{{"LPUSH", "q", "v"}}},
		{name: "RPUSH", fill: [][]string{{"RPUSH", "q", "v"}}},
		{name: "LMOVE", setup: [][]string{{"RPUSH", "src", "v"}}, fill: [][]string{{"LMOVE", "src", "q", "LEFT", "RIGHT"}}},
		{name: "RPOPLPUSH", setup: [][]string{{"RPUSH", "src", "v"}}, fill: [][]string{{"RPOPLPUSH", "src", "q"}}},
		{name: "RENAME", setup: [][]string{{"RPUSH", "src", "v"}}, fill: [][]string{{"RENAME", "src", "q"}}},
		{name: "COPY", setup: [][]string{{"RPUSH", "src", "v"}}, fill: [][]string{{"COPY", "src", "q"}}},
		{name: "COPY DB", setup: [][]string{{"RPUSH", "src", "v"}}, fill: [][]string{{"COPY", "src", "q", "DB", "5"}}, db: "5"},
		{name: "MOVE", setup: [][]string{{"SELECT", "0"}, {"RPUSH", "q", "v"}}, fill: [][]string{{"MOVE", "q", "5"}}, db: "5"},
		{name: "SWAPDB", setup: [][]string{{"SELECT", "6"}, {"RPUSH", "q", "v"}, {"SELECT", "0"}}, fill: [][]string{{"SWAPDB", "6", "5"}}, db: "5"},
		{name: "MULTI", fill: [][]string{{"MULTI"}, {"RPUSH", "q", "x"}, {"DEL", "q"}, {"RPUSH", "q", "v"}, {"EXEC"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Store().FlushAll()
			w.cmd("SELECT", "0")
			for _, cmd := range tt.setup {
				w.cmd(cmd...)
			}
			waiter := dialRESP(t, addr)
			if tt.db != "" {
				waiter.cmd("SELECT", tt.db)
			}
			waiter.sendCmd("BLPOP", "q", "0")
			waitBlocked(t, srv, 1)
			for _, cmd := range tt.fill {
				w.cmd(cmd...)
			}
			mustReply(t, waiter, "*2\r\n$1\r\nq\r\n$1\r\nv\r\n")
			waitBlocked(t, srv, 0)
		})
	}
}

func TestBlockingInsideMulti(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	c := dialRESP(t, addr)
	c.cmd("MULTI")
	for _, cmd := range [][]string{{"BLPOP", "q", "0"}, {"BLMOVE", "q", "d", "LEFT", "LEFT", "0"}, {"BLMPOP", "0", "1", "q", "LEFT"}, {"BRPOPLPUSH", "q", "d", "0"}} {
		c.cmd(cmd...)
	}
	// As Redis: the blocking forms answer at once, as on timeout, except
	// BLMOVE and BRPOPLPUSH's null bulk.
	if got := c.cmd("EXEC"); got != "*4\r\n*-1\r\n$-1\r\n*-1\r\n$-1\r\n" {
		t.Fatalf("EXEC = %q", got)
	}
}

func TestClientUnblock(t *testing.T) {
	srv, addr := startServer(t, DefaultConfig())
	admin := dialRESP(t, addr)
	for _, tt := range []struct{ reason, want string }{
		{"", "*-1\r\n"},
		{"TIMEOUT", "*-1\r\n"},
		{"ERROR", "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"},
	} {
		c := blockOn(t, srv, addr, "BLPOP", "q", "0")
		cid := blockedClientID(t, srv)
		args := []string{"CLIENT", "UNBLOCK", cid}
		if tt.reason != "" {
			args = append(args, tt.reason)
		}
		if got := admin.cmd(args...); got != ":1\r\n" {
			t.Fatalf("CLIENT UNBLOCK %s = %q", tt.reason, got)
		}
		mustReply(t, c, tt.want)
		if got := admin.cmd(args...); got != ":0\r\n" {
			t.Fatalf("CLIENT UNBLOCK of a client no longer blocked = %q", got)
		}
		// The client goes on working.
		if got := c.cmd("PING"); got != "+PONG\r\n" {
			t.Fatalf("PING after unblock = %q", got)
		}
	}
}

// blockedClientID is the id of the one blocked client.
func blockedClientID(t *testing.T, srv *Server) string {
	t.Helper()
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for id, c := range srv.clients {
		if c.blocked.Load() {
			return strconv.FormatInt(id, 10)
		}
	}
	t.Fatal("no blocked client")
	return ""
}

func TestBlockingPipelinedRequestsWait(t *testing.T) {
	srv, addr := startServer(t, DefaultConfig())
	c := dialRESP(t, addr)
	if err := c.send(append(encodeCommand(stringArgs([]string{"BLPOP", "q", "0"})...), encodeCommand([]byte("PING"))...)); err != nil {
		t.Fatal(err)
	}
	waitBlocked(t, srv, 1)
	if _, err := c.readWithin(50 * time.Millisecond); err == nil {
		t.Fatal("a reply came while the client was blocked")
	}
	dialRESP(t, addr).cmd("RPUSH", "q", "v")
	mustReply(t, c, "*2\r\n$1\r\nq\r\n$1\r\nv\r\n")
	mustReply(t, c, "+PONG\r\n")
}

func TestBlockingMoveChainAndWatch(t *testing.T) {
	srv, addr := startServer(t, DefaultConfig())
	watcher := dialRESP(t, addr)
	watcher.cmd("WATCH", "dst")
	mover := blockOn(t, srv, addr, "BLMOVE", "src", "dst", "LEFT", "RIGHT", "0")
	popper := blockOn(t, srv, addr, "BLPOP", "dst", "0")
	dialRESP(t, addr).cmd("RPUSH", "src", "v")
	mustReply(t, mover, "$1\r\nv\r\n")
	// BLMOVE's push onto dst served the next waiter in turn.
	mustReply(t, popper, "*2\r\n$3\r\ndst\r\n$1\r\nv\r\n")
	watcher.cmd("MULTI")
	watcher.cmd("PING")
	if got := watcher.cmd("EXEC"); got != "*-1\r\n" {
		t.Fatalf("EXEC after a served BLMOVE changed the watched key = %q", got)
	}
}

func TestBlockingWrongTypes(t *testing.T) {
	srv, addr := startServer(t, DefaultConfig())
	w := dialRESP(t, addr)
	// A key that becomes a string leaves the waiter blocked (Redis 7.0).
	c := blockOn(t, srv, addr, "BLPOP", "q", "0")
	w.cmd("SET", "q", "x")
	w.cmd("DEL", "q")
	w.cmd("RPUSH", "q", "v")
	mustReply(t, c, "*2\r\n$1\r\nq\r\n$1\r\nv\r\n")
	// A BLMOVE whose destination turned into a string is answered
	// WRONGTYPE when its source fills, and nothing moves.
	w.cmd("SET", "dst", "x")
	m := blockOn(t, srv, addr, "BLMOVE", "src", "dst", "LEFT", "LEFT", "0")
	w.cmd("RPUSH", "src", "v")
	mustReply(t, m, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
	if got := w.cmd("LLEN", "src"); got != ":1\r\n" {
		t.Fatalf("LLEN src = %q", got)
	}
	waitBlocked(t, srv, 0)
}

func TestBlockingSortedSets(t *testing.T) {
	srv, addr := startServer(t, DefaultConfig())
	w := dialRESP(t, addr)
	minWaiter := blockOn(t, srv, addr, "BZPOPMIN", "z", "0")
	mpopWaiter := blockOn(t, srv, addr, "BZMPOP", "0", "1", "z", "MAX", "COUNT", "2")
	w.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
	mustReply(t, minWaiter, "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n")
	mustReply(t, mpopWaiter, "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nd\r\n$1\r\n4\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n")

	// A ZUNIONSTORE destination (a movable key) wakes its waiters, in
	// RESP3 with a double score.
	r3 := dialRESP(t, addr)
	r3.cmd("HELLO", "3")
	r3.sendCmd("BZPOPMAX", "dst", "0")
	waitBlocked(t, srv, 1)
	w.cmd("ZUNIONSTORE", "dst", "1", "z", "WEIGHTS", "10")
	mustReply(t, r3, "*3\r\n$3\r\ndst\r\n$1\r\nb\r\n,20\r\n")

	// A sorted set does not serve a list waiter, nor a list a sorted-set
	// waiter: each goes on waiting, as in Redis 7.0.
	lw := blockOn(t, srv, addr, "BLPOP", "k", "0")
	zw := blockOn(t, srv, addr, "BZPOPMIN", "k2", "0")
	w.cmd("ZADD", "k", "1", "m")
	w.cmd("RPUSH", "k2", "v")
	waitBlocked(t, srv, 2)
	w.cmd("DEL", "k", "k2")
	w.cmd("RPUSH", "k", "v")
	w.cmd("ZADD", "k2", "5", "m")
	mustReply(t, lw, "*2\r\n$1\r\nk\r\n$1\r\nv\r\n")
	mustReply(t, zw, "*3\r\n$2\r\nk2\r\n$1\r\nm\r\n$1\r\n5\r\n")
}
