package server

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestAOFReplayInParallel writes an AOF whose runs of single-key writes
// the replay hands to workers, between commands that must wait for them
// (every type, keys of one shard and of several, SELECT, transactions,
// RENAME, SWAPDB, FLUSHDB), then replays
// it on 1, 2 and 4 processors: each time, every key of every database
// reads back as it did live.
func TestAOFReplayInParallel(t *testing.T) {
	dir := t.TempDir()
	srv, addr := startAOFServer(t, aofTestConfig(t, dir, "appendfsync", "no"))
	c := dialRESP(t, addr)
	const keys, steps = 300, 12000
	rng := rand.New(rand.NewPCG(7, 8))
	key := func() string { return "k" + strconv.Itoa(rng.IntN(keys)) }
	n := func(max int) string { return strconv.Itoa(rng.IntN(max)) }
	for step := range steps {
		k := key()
		r := rng.IntN(100)
		if (step/1000)%2 == 0 {
			r %= 65 // a run of single-key writes, for the workers
		}
		switch {
		case r < 65:
			// A write of the type its name gives (others get WRONGTYPE,
			// live and so never logged).
			switch k[len(k)-1] % 5 {
			case 0:
				c.cmd("INCRBY", k, n(100))
			case 1:
				if rng.IntN(3) == 0 {
					c.cmd("LPOP", k)
				} else {
					c.cmd("RPUSH", k, n(1000), n(1000))
				}
			case 2:
				c.cmd("SADD", k, n(50), n(50))
				c.cmd("SREM", k, n(50))
			case 3:
				c.cmd("HSET", k, "f"+n(10), n(1000))
			case 4:
				c.cmd("ZADD", k, n(100), "m"+n(20))
			}
		case r < 70:
			c.cmd("EXPIRE", k, "100000")
		case r < 72:
			c.cmd("PERSIST", k)
		case r < 77:
			c.cmd("MSET", key(), n(10), key(), n(10))
		case r < 80:
			c.cmd("RENAME", k, key())
		case r < 83:
			c.cmd("SUNIONSTORE", key(), key(), key())
		case r < 86:
			c.cmd("LMOVE", k, key(), "LEFT", "RIGHT")
		case r < 89:
			c.cmd("MULTI")
			c.cmd("INCRBY", "k0", "1")
			c.cmd("RPUSH", "k1", n(10))
			c.cmd("HSET", "k3", "f0", n(10))
			c.cmd("EXEC")
		case r < 93:
			c.cmd("SELECT", n(3))
		case r < 97:
			c.cmd("DEL", k, key())
		case r < 98:
			c.cmd("COPY", k, key(), "DB", n(3), "REPLACE")
		default:
			c.cmd("SWAPDB", n(3), n(3))
		}
		if step == steps/3 {
			c.cmd("FLUSHDB")
		}
	}
	image := func(addr string) []string {
		c := dialRESP(t, addr)
		var out []string
		for db := range 3 {
			c.cmd("SELECT", strconv.Itoa(db))
			for i := range keys {
				k := "k" + strconv.Itoa(i)
				var v string
				switch typ := strings.TrimSpace(c.cmd("TYPE", k)); typ {
				case "+none":
					continue
				case "+string":
					v = c.cmd("GET", k)
				case "+list":
					v = c.cmd("LRANGE", k, "0", "-1")
				case "+set":
					v = c.cmd("SORT", k, "ALPHA")
				case "+hash":
					v = c.cmd("HGETALL", k)
				case "+zset":
					v = c.cmd("ZRANGE", k, "0", "-1", "WITHSCORES")
				default:
					t.Fatalf("TYPE %s: %s", k, typ)
				}
				ttl := strings.TrimSpace(c.cmd("TTL", k)) != ":-1"
				out = append(out, fmt.Sprintf("db%d %s %v %s", db, k, ttl, v))
			}
		}
		return out
	}
	live := image(addr)
	srv.Close()
	if len(live) < keys {
		t.Fatalf("only %d keys live: the script exercises too little", len(live))
	}

	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	// Small batches: many handovers, and barriers with batches in flight.
	defer func(n int) { replayBatchBytes = n }(replayBatchBytes)
	replayBatchBytes = 2 << 10
	defer func() { replayWorkersHook = nil }()
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		started := 0
		replayWorkersHook = func(w int) { started = w }
		srv, addr := startAOFServer(t, aofTestConfig(t, dir))
		again := image(addr)
		srv.Close()
		if want := min(procs, 8); procs > 1 && started != want {
			t.Errorf("procs=%d: %d workers started, want %d", procs, started, want)
		}
		if len(again) != len(live) {
			t.Errorf("procs=%d: %d keys after replay, %d live", procs, len(again), len(live))
		}
		for i := range min(len(live), len(again)) {
			if live[i] != again[i] {
				t.Errorf("procs=%d: after replay %q, live %q", procs, again[i], live[i])
				break
			}
		}
	}
}
