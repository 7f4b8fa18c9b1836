package server

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emberkv/ember/store"
	"github.com/redis/go-redis/v9"
)

// TestStringCommandRows checks the table against what COMMAND INFO reports
// in Redis 7.0.15: arity, flags, ACL categories, first key, last key, step.
func TestStringCommandRows(t *testing.T) {
	want := map[string]struct {
		arity           int
		flags, acl      string
		first, last, st int
	}{
		"get":         {2, "readonly fast", "read string fast", 1, 1, 1},
		"set":         {-3, "write denyoom", "write string slow", 1, 1, 1},
		"setnx":       {3, "write denyoom fast", "write string fast", 1, 1, 1},
		"setex":       {4, "write denyoom", "write string slow", 1, 1, 1},
		"psetex":      {4, "write denyoom", "write string slow", 1, 1, 1},
		"getset":      {3, "write denyoom fast", "write string fast", 1, 1, 1},
		"getdel":      {2, "write fast", "write string fast", 1, 1, 1},
		"getex":       {-2, "write fast", "write string fast", 1, 1, 1},
		"mget":        {-2, "readonly fast", "read string fast", 1, -1, 1},
		"mset":        {-3, "write denyoom", "write string slow", 1, -1, 2},
		"msetnx":      {-3, "write denyoom", "write string slow", 1, -1, 2},
		"append":      {3, "write denyoom fast", "write string fast", 1, 1, 1},
		"strlen":      {2, "readonly fast", "read string fast", 1, 1, 1},
		"incr":        {2, "write denyoom fast", "write string fast", 1, 1, 1},
		"decr":        {2, "write denyoom fast", "write string fast", 1, 1, 1},
		"incrby":      {3, "write denyoom fast", "write string fast", 1, 1, 1},
		"decrby":      {3, "write denyoom fast", "write string fast", 1, 1, 1},
		"incrbyfloat": {3, "write denyoom fast", "write string fast", 1, 1, 1},
		"getrange":    {4, "readonly", "read string slow", 1, 1, 1},
		"setrange":    {4, "write denyoom", "write string slow", 1, 1, 1},
		"substr":      {4, "readonly", "read string slow", 1, 1, 1},
		"lcs":         {-3, "readonly", "read string slow", 1, 2, 1},
	}
	seen := map[string]bool{}
	for _, cmd := range stringCommands {
		seen[cmd.name] = true
		w, ok := want[cmd.name]
		if !ok {
			t.Errorf("unexpected row %q", cmd.name)
			continue
		}
		var flags []string
		for _, fn := range flagNames {
			if cmd.flags&fn.flag != 0 {
				flags = append(flags, fn.name)
			}
		}
		got := []any{cmd.arity, strings.Join(flags, " "), strings.Join(cmd.acl, " "), cmd.firstKey, cmd.lastKey, cmd.step}
		exp := []any{w.arity, w.flags, w.acl, w.first, w.last, w.st}
		if !reflect.DeepEqual(got, exp) {
			t.Errorf("%s: got %v, want %v", cmd.name, got, exp)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("no row for %s", name)
		}
	}
}

// TestStringsGoRedis drives the string commands through go-redis v9, in
// RESP2 and RESP3, as an application would.
func TestStringsGoRedis(t *testing.T) {
	clock := store.NewManualClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	cfg := DefaultConfig()
	cfg.Clock = clock
	srv, addr := startServer(t, cfg)
	db := srv.Store().DB(0)
	eachProtocol(t, addr, func(t *testing.T, rdb *redis.Client, proto int) {
		ctx := context.Background()
		check := func(what string, got, want any, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s = %#v, want %#v", what, got, want)
			}
		}
		if err := rdb.FlushAll(ctx).Err(); err != nil && !strings.Contains(err.Error(), "unknown command") {
			t.Fatal(err)
		}
		db.Flush()

		// SET with options; TTLs read straight from the store.
		ok, err := rdb.SetNX(ctx, "nx", "a", 0).Result()
		check("SETNX new", ok, true, err)
		ok, err = rdb.SetNX(ctx, "nx", "b", 0).Result()
		check("SETNX existing", ok, false, err)
		check("SET EX", rdb.Set(ctx, "ttl", "v", 100*time.Second).Val(), "OK", nil)
		check("PTTL", db.PTTL("ttl"), int64(100_000), nil)
		check("SET KEEPTTL", rdb.SetArgs(ctx, "ttl", "w", redis.SetArgs{KeepTTL: true}).Val(), "OK", nil)
		check("PTTL after KEEPTTL", db.PTTL("ttl"), int64(100_000), nil)
		old, err := rdb.SetArgs(ctx, "ttl", "x", redis.SetArgs{Get: true, TTL: 1500 * time.Millisecond}).Result()
		check("SET GET PX", old, "w", err)
		clock.Advance(1499 * time.Millisecond)
		v, err := rdb.Get(ctx, "ttl").Result()
		check("GET before expiry", v, "x", err)
		clock.Advance(time.Millisecond)
		if err := rdb.Get(ctx, "ttl").Err(); err != redis.Nil {
			t.Fatalf("GET after expiry: %v, want redis.Nil", err)
		}
		if err := rdb.SetArgs(ctx, "xx", "v", redis.SetArgs{Mode: "XX"}).Err(); err != redis.Nil {
			t.Fatalf("SET XX on a missing key: %v, want redis.Nil", err)
		}
		at := clock.Now().Add(time.Hour).Truncate(time.Second)
		check("SET EXAT", rdb.SetArgs(ctx, "at", "v", redis.SetArgs{ExpireAt: at}).Val(), "OK", nil)
		check("expiry", db.ExpireTime("at"), at.UnixMilli(), nil)
		check("SETEX", rdb.SetEx(ctx, "se", "v", 10*time.Second).Val(), "OK", nil)
		check("PTTL after SETEX", db.PTTL("se"), int64(10_000), nil)
		err = rdb.Do(ctx, "SET", "bad", "v", "EX", "0").Err()
		check("SET EX 0", errText(err), "ERR invalid expire time in 'set' command", nil)

		// GETSET, GETDEL, GETEX.
		old, err = rdb.GetSet(ctx, "se", "w").Result()
		check("GETSET", old, "v", err)
		check("PTTL after GETSET", db.PTTL("se"), int64(store.NoTTL), nil)
		v, err = rdb.GetEx(ctx, "se", 5*time.Second).Result()
		check("GETEX EX", v, "w", err)
		check("PTTL after GETEX", db.PTTL("se"), int64(5000), nil)
		v, err = rdb.GetEx(ctx, "se", 0).Result() // go-redis sends PERSIST
		check("GETEX PERSIST", v, "w", err)
		check("PTTL after PERSIST", db.PTTL("se"), int64(store.NoTTL), nil)
		v, err = rdb.GetDel(ctx, "se").Result()
		check("GETDEL", v, "w", err)
		if err := rdb.GetDel(ctx, "se").Err(); err != redis.Nil {
			t.Fatalf("second GETDEL: %v", err)
		}

		// MSET, MGET, MSETNX, with binary and empty values.
		check("MSET", rdb.MSet(ctx, "m1", "a", "m2", "", "m3", "\x00\xff").Val(), "OK", nil)
		vals, err := rdb.MGet(ctx, "m1", "m2", "missing", "m3").Result()
		check("MGET", vals, []any{"a", "", nil, "\x00\xff"}, err)
		ok, err = rdb.MSetNX(ctx, "m3", "x", "m4", "y").Result()
		check("MSETNX with an existing key", ok, false, err)
		ok, err = rdb.MSetNX(ctx, "m4", "x", "m5", "y").Result()
		check("MSETNX new keys", ok, true, err)

		// Counters.
		n, err := rdb.Incr(ctx, "n").Result()
		check("INCR", n, int64(1), err)
		n, err = rdb.IncrBy(ctx, "n", 41).Result()
		check("INCRBY", n, int64(42), err)
		n, err = rdb.DecrBy(ctx, "n", 50).Result()
		check("DECRBY", n, int64(-8), err)
		n, err = rdb.Decr(ctx, "n").Result()
		check("DECR", n, int64(-9), err)
		f, err := rdb.IncrByFloat(ctx, "f", 0.1).Result()
		check("INCRBYFLOAT", f, 0.1, err)
		f, err = rdb.IncrByFloat(ctx, "f", 0.2).Result()
		check("INCRBYFLOAT again", f, 0.3, err)
		v, err = rdb.Get(ctx, "f").Result()
		check("stored float", v, "0.3", err)
		err = rdb.Incr(ctx, "m1").Err()
		check("INCR on text", errText(err), "ERR value is not an integer or out of range", nil)
		rdb.Set(ctx, "max", "9223372036854775807", 0)
		err = rdb.Incr(ctx, "max").Err()
		check("INCR past max", errText(err), "ERR increment or decrement would overflow", nil)
		err = rdb.Do(ctx, "DECRBY", "n", "-9223372036854775808").Err()
		check("DECRBY min", errText(err), "ERR decrement would overflow", nil)

		// APPEND, STRLEN, GETRANGE, SETRANGE.
		l, err := rdb.Append(ctx, "s", "Hello").Result()
		check("APPEND", l, int64(5), err)
		l, err = rdb.Append(ctx, "s", ", World").Result()
		check("APPEND again", l, int64(12), err)
		l, err = rdb.StrLen(ctx, "s").Result()
		check("STRLEN", l, int64(12), err)
		v, err = rdb.GetRange(ctx, "s", -5, -1).Result()
		check("GETRANGE", v, "World", err)
		l, err = rdb.SetRange(ctx, "s", 7, "Ember").Result()
		check("SETRANGE", l, int64(12), err)
		v, err = rdb.Get(ctx, "s").Result()
		check("after SETRANGE", v, "Hello, Ember", err)
		err = rdb.SetRange(ctx, "s", -1, "x").Err()
		check("SETRANGE negative", errText(err), "ERR offset is out of range", nil)

		// LCS, whose IDX reply is a map in RESP3 and an array in RESP2.
		rdb.MSet(ctx, "l1", "ohmytext", "l2", "mynewtext")
		lcs, err := rdb.LCS(ctx, &redis.LCSQuery{Key1: "l1", Key2: "l2"}).Result()
		check("LCS", lcs.MatchString, "mytext", err)
		lcs, err = rdb.LCS(ctx, &redis.LCSQuery{Key1: "l1", Key2: "l2", Len: true}).Result()
		check("LCS LEN", lcs.Len, int64(6), err)
		lcs, err = rdb.LCS(ctx, &redis.LCSQuery{Key1: "l1", Key2: "l2", Idx: true, WithMatchLen: true, MinMatchLen: 3}).Result()
		check("LCS IDX", lcs, &redis.LCSMatch{Len: 6, Matches: []redis.LCSMatchedPosition{
			{Key1: redis.LCSPosition{Start: 4, End: 7}, Key2: redis.LCSPosition{Start: 5, End: 8}, MatchLen: 4},
		}}, err)
	})
}

// errText is the text of a server error, or "" for none.
func errText(err error) string {
	if err == nil {
		return ""
	}
	var re redis.Error
	if errors.As(err, &re) {
		return re.Error()
	}
	return "not a server error: " + err.Error()
}

// TestStringHotPathsDoNotAllocate runs the commands a cache lives on
// straight through their handlers and counts allocations: none, but for
// the store's own copy of each value it keeps.
func TestStringHotPathsDoNotAllocate(t *testing.T) {
	srv, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := &client{srv: srv, db: srv.store.DB(0)}
	argv := func(s ...string) [][]byte {
		out := make([][]byte, len(s))
		for i, a := range s {
			out[i] = []byte(a)
		}
		return out
	}
	mset := argv("MSET", "k0", "v", "k1", "v", "k2", "v", "k3", "v", "k4", "v", "k5", "v", "k6", "v", "k7", "v", "k8", "v", "k9", "v")
	cmdMSet(c, mset) // the keys exist before counting
	tests := []struct {
		name    string
		handler func(*client, [][]byte)
		args    [][]byte
		pooled  bool // uses the scratch pool, which the race detector's build may empty at random
		want    float64
	}{
		{"GET hit", cmdGet, argv("GET", "k0"), false, 0},
		{"GET miss", cmdGet, argv("GET", "missing"), false, 0},
		{"SET existing", cmdSet, argv("SET", "k1", "w"), false, 1},
		{"INCR", cmdIncr, argv("INCR", "counter"), false, 0},
		{"INCRBY", cmdIncrBy, argv("INCRBY", "counter2", "3"), false, 0},
		{"MGET", cmdMGet, argv("MGET", "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "missing"), true, 0},
		{"MSET", cmdMSet, mset, true, 10},
	}
	lossy := poolIsLossy()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.pooled && lossy {
				t.Skip("sync.Pool drops items in this build (race detector)")
			}
			allocs := testing.AllocsPerRun(200, func() {
				c.w.buf = c.w.buf[:0]
				tt.handler(c, tt.args)
			})
			if allocs != tt.want {
				t.Errorf("%s: %v allocations per call, want %v (reply %q)", tt.name, allocs, tt.want, c.w.buf)
			}
		})
	}
}

// poolIsLossy reports whether sync.Pool fails to hand back what was just
// put in it, as it does at random under the race detector.
func poolIsLossy() bool {
	var p sync.Pool
	for i := 0; i < 100; i++ {
		x := new(int)
		p.Put(x)
		if p.Get() != x {
			return true
		}
	}
	return false
}
