package server

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emberkv/ember/internal/testenv"
	"github.com/emberkv/ember/store"
)

var changesField = regexp.MustCompile(`rdb_changes_since_last_save:(\d+)`)

// rdb_changes_since_last_save after each command equals redis-server
// 7.0's server.dirty, on both servers started empty with no save points.
// What still differs is in docs/persistence.md.
func TestDirtyCountMatchesRedis(t *testing.T) {
	testenv.RequireTool(t, "redis-server")
	script := []string{
		"SET a 1", "SET a 1", "INCR a", "APPEND a x", "MSET b 1 c 2", "MSET b 1 b 2", "SETNX a 1",
		"DEL b c nosuch", "EXPIRE a 1000", "PERSIST a",
		"SADD s m1 m2 m3", "SADD s m1 m4", "SADD s m1", "SREM s m1 m2 nosuch", "SREM s nosuch",
		"RPUSH l a b c", "LPUSH l x", "LPUSHX l y z", "LPUSHX nolist y z", "RPUSHX l q", "LREM l 0 a", "LPOP l", "LINSERT l BEFORE b w",
		"HSET h f1 v1 f2 v2", "HSET h f1 v1", "HMSET h f3 v3 f4 v4", "HSETNX h f1 v", "HSETNX h f9 v", "HDEL h f1 f2 nosuch", "HINCRBY h n 1",
		"ZADD z 1 a", "ZREM z a nosuch", "ZADD z 1 a", "ZADD z 2 b", "ZADD z 3 c", "ZREMRANGEBYSCORE z 1 2", "ZADD z 4 d", "ZREMRANGEBYRANK z 0 -1",
		"ZADD z 1 a 2 b 3 c", "ZADD z CH 5 a 6 b 3 c", "ZADD z INCR 1 a", "ZADD z XX CH 9 a 9 nosuch", "ZADD z NX 1 a 2 e", "ZADD z 7 a",
		"MULTI", "SADD t a b", "RPUSH tl a b c", "EXEC",

		"SADD gone x", "SREM gone x", "RPUSH wrongtype x", "SADD wrongtype y",
		"RPUSH pl a b c d e f", "LPOP pl 2", "RPOP pl 2", "LPOP pl", "RPUSH l2 a b", "LMOVE l2 l3 LEFT RIGHT", "RPOPLPUSH l2 l3",
		"SADD ps 1 2 3", "SADD pq 7 8", "SPOP pq 5", "SMOVE ps ps2 3", "SADD ps3 x", "SINTERSTORE d ps ps3", "SUNIONSTORE d ps ps3",
		"ZADD pz 1 a 2 b 3 c", "ZPOPMIN pz 2", "ZPOPMAX pz", "ZINCRBY pz 1 a", "SETBIT bits 1 1", "BITFIELD bf SET u8 0 1 INCRBY u8 8 2 GET u8 0",
		"HINCRBYFLOAT hf f 1.5", "RPUSH sl 3 1 2", "SORT sl STORE sd", "COPY sl sl2", "RENAME sl2 sl3", "MOVE sl3 5", "SWAPDB 0 1", "SWAPDB 0 1",
		"SET ex v EX 100", "GETEX ex PERSIST", "INCRBYFLOAT f 1.5", "MSETNX m1 1 m2 2", "UNLINK m1 m2",
		"ZADD zu 1 a 2 b 3 c", "ZADD zu 10 a 11 b 12 c", "ZADD zu 10 a 11 b", "ZADD zu GT 5 a 20 b",
		"PFADD hl a b c", "PFADD hl a d", "PFADD hl a", "PFADD hl2",
		"BITFIELD bf SET u8 0 1", "BITFIELD bf SET u8 0 3 SET u8 0 3", "BITFIELD bf OVERFLOW FAIL INCRBY u2 100 8", "BITFIELD bf OVERFLOW FAIL INCRBY u2 0 8 SET u4 4 1",
		"RPUSH tr 1 2 3 4 5 6", "LTRIM tr 1 3", "LTRIM tr 0 -1", "LTRIM tr 5 10",
		"SELECT 1", "SET k v", "FLUSHDB", "SET k v", "SET k2 v", "FLUSHALL", "SET k v",
	}
	raddr := testenv.StartRedis(t, "--enable-debug-command", "yes")
	_, eaddr := startServer(t, DefaultConfig())
	rc, ec := dialRESP(t, raddr), dialRESP(t, eaddr)
	count := func(c *respConn) string {
		m := changesField.FindStringSubmatch(c.cmd("INFO", "persistence"))
		if m == nil {
			t.Fatal("no rdb_changes_since_last_save")
		}
		return m[1]
	}
	// A script's writes count as Redis counts them, each call on its own.
	script = append(script, "\x00eval")
	inMulti := false
	for _, line := range script {
		args := strings.Fields(line)
		if line == "\x00eval" {
			args = []string{"EVAL", "redis.call('sadd', KEYS[1], 'a', 'b', 'c') redis.call('hset', KEYS[2], 'f', 'v', 'g', 'w') return 1", "2", "ls", "lh"}
		}
		rr, er := rc.cmd(args...), ec.cmd(args...)
		if rr != er {
			t.Fatalf("%s: ember replied %q, redis %q", line, er, rr)
		}
		switch {
		case args[0] == "MULTI":
			inMulti = true
		case args[0] == "EXEC":
			inMulti = false
		}
		if inMulti {
			continue // INFO would be queued
		}
		if r, e := count(rc), count(ec); r != e {
			t.Errorf("after %s: rdb_changes_since_last_save %s, redis %s", line, e, r)
		}
	}
}

// A key that expires, lazily or by the sweeper, is no change, as in Redis
// (server.dirty counts only what commands did).
func TestDirtyIgnoresExpiry(t *testing.T) {
	clock := store.NewManualClock(time.Unix(1_700_000_000, 0))
	cfg := DefaultConfig()
	cfg.Clock = clock
	srv, addr := startServer(t, cfg)
	c := dialRESP(t, addr)
	c.cmd("SET", "e", "v", "PX", "100")
	c.cmd("SET", "f", "v", "PX", "100")
	before := srv.dirty()
	clock.Advance(time.Second)
	if got := c.cmd("GET", "e"); got != "$-1\r\n" {
		t.Fatalf("GET e = %q", got)
	}
	if got := c.cmd("DBSIZE"); got != ":1\r\n" && got != ":0\r\n" {
		t.Fatalf("DBSIZE = %q", got)
	}
	srv.store.DB(0).Keys("*") // expires f too
	if d := srv.dirty(); d != before {
		t.Errorf("changes went from %d to %d by expiries alone", before, d)
	}
}

// TestDirtyCountsNameWriteCommands: every command with a count of its own
// is a write command of the table, so a misspelt name cannot drop one.
func TestDirtyCountsNameWriteCommands(t *testing.T) {
	table, _ := builtinCommands()
	for name := range dirtyCounts {
		cmd := table[name]
		if cmd == nil {
			t.Errorf("dirtyCounts names %q, which is no command", name)
			continue
		}
		if cmd.flags&flagWrite == 0 {
			t.Errorf("dirtyCounts names %q, which is not a write command", name)
		}
		if cmd.dirty == nil {
			t.Errorf("%q's row has no dirty count", name)
		}
	}
}
