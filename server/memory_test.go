package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emberkv/ember/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// infoInt reads one integer field of an INFO section.
func infoInt(t *testing.T, rdb *redis.Client, section, field string) int64 {
	t.Helper()
	text, err := rdb.Info(context.Background(), section).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(text, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("%s: %q", field, v)
			}
			return n
		}
	}
	t.Fatalf("INFO %s has no %s", section, field)
	return 0
}

// TestEvictionOverTCP: with maxmemory and allkeys-lru, a write load of
// every type keeps used_memory under the limit, evicts, counts it in
// INFO, and publishes the "evicted" notification; noeviction then
// refuses writes with Redis's OOM error, inside MULTI too.
func TestEvictionOverTCP(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: 3})
	defer rdb.Close()
	limit := int64(baseMemory + 200<<10)
	for _, kv := range [][2]string{{"maxmemory", strconv.FormatInt(limit, 10)}, {"maxmemory-policy", "allkeys-lru"}, {"notify-keyspace-events", "Ee"},
		{"maxmemory-eviction-tenacity", "100"}} {
		if err := rdb.ConfigSet(ctx, kv[0], kv[1]).Err(); err != nil {
			t.Fatal(err)
		}
	}
	sub := rdb.PSubscribe(ctx, "__keyevent@0__:evicted")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		k := "k" + strconv.Itoa(i)
		var err error
		switch i % 5 {
		case 0:
			err = rdb.Set(ctx, k, strings.Repeat("v", 64), 0).Err()
		case 1:
			err = rdb.HSet(ctx, k, "f", "v", "g", "w").Err()
		case 2:
			err = rdb.RPush(ctx, k, "a", "b", "c").Err()
		case 3:
			err = rdb.SAdd(ctx, k, "x", "y").Err()
		case 4:
			err = rdb.ZAdd(ctx, k, redis.Z{Score: 1, Member: "m"}).Err()
		}
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if used := infoInt(t, rdb, "memory", "used_memory"); i%100 == 0 && used > limit+1024 {
			t.Fatalf("write %d: used_memory %d over maxmemory %d", i, used, limit)
		}
	}
	evicted := infoInt(t, rdb, "stats", "evicted_keys")
	if evicted == 0 {
		t.Fatal("evicted_keys is 0")
	}
	select {
	case msg := <-sub.Channel():
		if msg.Payload == "" || !strings.HasPrefix(msg.Payload, "k") {
			t.Errorf("evicted event %+v", msg)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no evicted notification")
	}
	// The most recently written keys survive; the first ones went.
	if n, _ := rdb.Exists(ctx, "k2999").Result(); n != 1 {
		t.Error("the newest key was evicted")
	}
	if n, _ := rdb.Exists(ctx, "k0").Result(); n != 0 {
		t.Error("the oldest key survived")
	}

	// noeviction over the limit: the OOM error, and EXECABORT.
	rdb.ConfigSet(ctx, "maxmemory-policy", "noeviction")
	rdb.ConfigSet(ctx, "maxmemory", "1")
	const oom = "OOM command not allowed when used memory > 'maxmemory'."
	if err := rdb.Set(ctx, "x", "y", 0).Err(); err == nil || err.Error() != oom {
		t.Errorf("SET over the limit: %v", err)
	}
	if err := rdb.Get(ctx, "k2995").Err(); err != nil {
		t.Errorf("GET over the limit: %v", err)
	}
	_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Get(ctx, "k2999")
		return nil
	})
	if err == nil || !strings.HasPrefix(err.Error(), "EXECABORT") {
		t.Errorf("MULTI over the limit: %v", err)
	}

	// FLUSHALL's drop shows in INFO at once.
	rdb.ConfigSet(ctx, "maxmemory", "0")
	before := infoInt(t, rdb, "memory", "used_memory")
	rdb.FlushAll(ctx)
	if after := infoInt(t, rdb, "memory", "used_memory"); after != baseMemory || after >= before {
		t.Errorf("used_memory %d before FLUSHALL, %d after, want %d", before, after, baseMemory)
	}
}

// TestMemoryUsageTracksGrowth: MEMORY USAGE of each type grows as the
// value grows, and drops back when it shrinks.
func TestMemoryUsageTracksGrowth(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	tests := []struct {
		name string
		grow func(i int) error
	}{
		{"string", func(i int) error { return rdb.Append(ctx, "string", strings.Repeat("x", 100)).Err() }},
		{"hash", func(i int) error { return rdb.HSet(ctx, "hash", fmt.Sprint("field", i), "value").Err() }},
		{"list", func(i int) error { return rdb.RPush(ctx, "list", fmt.Sprint("element", i)).Err() }},
		{"set", func(i int) error { return rdb.SAdd(ctx, "set", fmt.Sprint("member", i)).Err() }},
		{"zset", func(i int) error {
			return rdb.ZAdd(ctx, "zset", redis.Z{Score: float64(i), Member: fmt.Sprint("m", i)}).Err()
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var sizes []int64
			for i := range 2000 {
				if err := tc.grow(i); err != nil {
					t.Fatal(err)
				}
				if i%500 == 0 || i == 1999 {
					n, err := rdb.MemoryUsage(ctx, tc.name).Result()
					if err != nil {
						t.Fatal(err)
					}
					sizes = append(sizes, n)
				}
			}
			for i := 1; i < len(sizes); i++ {
				if sizes[i] <= sizes[i-1] {
					t.Fatalf("MEMORY USAGE did not grow: %v", sizes)
				}
			}
			// 2000 elements of 5 to 100 bytes each take at least 10 KB.
			if last := sizes[len(sizes)-1]; last < 10000 {
				t.Errorf("MEMORY USAGE %d for 2000 elements", last)
			}
		})
	}
}

// TestOOMAcrossConnections compares with a real Redis what only a second
// connection can arrange: a limit that arrives while a transaction is
// being queued. EXEC is then refused, with EXECABORT wrapping the OOM
// error, when the transaction holds a denyoom command, and runs when it
// holds only reads; QUIT and RESET still work inside MULTI.
func TestOOMAcrossConnections(t *testing.T) {
	redisAddr := testenv.StartRedis(t)
	_, emberAddr := startServer(t, DefaultConfig())
	steps := []struct {
		admin bool // run on the second connection
		args  []string
	}{
		{false, []string{"SET", "k", "v"}},
		{false, []string{"MULTI"}},
		{false, []string{"SET", "k", "w"}},
		{true, []string{"CONFIG", "SET", "maxmemory", "1"}},
		{false, []string{"EXEC"}},
		{false, []string{"GET", "k"}},
		{true, []string{"CONFIG", "SET", "maxmemory", "0"}},
		{false, []string{"MULTI"}},
		{false, []string{"GET", "k"}},
		{true, []string{"CONFIG", "SET", "maxmemory", "1"}},
		{false, []string{"EXEC"}},
		{false, []string{"MULTI"}},
		{false, []string{"RESET"}},
		{false, []string{"SET", "k", "x"}},
		{true, []string{"CONFIG", "SET", "maxmemory", "0"}},
		{false, []string{"DEL", "k"}},
	}
	replies := func(addr string) []string {
		c, admin := dialRESP(t, addr), dialRESP(t, addr)
		var out []string
		for _, st := range steps {
			conn := c
			if st.admin {
				conn = admin
			}
			out = append(out, conn.cmd(st.args...))
		}
		return out
	}
	want, got := replies(redisAddr), replies(emberAddr)
	if !strings.HasPrefix(want[4], "-EXECABORT Transaction discarded because of: OOM") {
		t.Fatalf("the script no longer makes Redis refuse EXEC: %q", want[4])
	}
	for i := range steps {
		if got[i] != want[i] {
			t.Errorf("%v: ember %q, redis %q", steps[i].args, got[i], want[i])
		}
	}
}

// TestEvictionLoggedToAOF: with the AOF on, every evicted key is logged
// as DEL after the SET that made it, so that replaying the file leaves the
// keys the server kept, and a restart loads exactly those.
func TestEvictionLoggedToAOF(t *testing.T) {
	dir := t.TempDir()
	cfg := aofTestConfig(t, dir, "maxmemory", strconv.Itoa(baseMemory+64<<10), "maxmemory-policy", "allkeys-lru",
		"maxmemory-eviction-tenacity", "100")
	srv, addr := startAOFServer(t, cfg)
	c := dialRESP(t, addr)
	for i := range 600 {
		c.cmd("SET", "k"+strconv.Itoa(i), strings.Repeat("v", 100))
	}
	evicted := srv.Store().Counters().Evicted
	if evicted == 0 {
		t.Fatal("nothing was evicted")
	}
	set, dels := map[string]bool{}, 0
	for _, cmd := range readIncr(t, dir) {
		f := strings.Fields(cmd)
		switch f[0] {
		case "SET":
			set[f[1]] = true
		case "DEL":
			if !set[f[1]] {
				t.Fatalf("DEL %s logged before its SET", f[1])
			}
			delete(set, f[1])
			dels++
		}
	}
	if int64(dels) != evicted {
		t.Errorf("%d DELs logged, %d keys evicted", dels, evicted)
	}
	if n := int64(srv.Store().DB(0).Size()); n != int64(len(set)) {
		t.Errorf("the server holds %d keys, replaying the file gives %d", n, len(set))
	}
}

func TestNextHeapScale(t *testing.T) {
	const mb = 1 << 20
	cases := []struct {
		name            string
		old             float64
		live, accounted int64
		want            float64
	}{
		{"first measurement", 0, 110 * mb, 100 * mb, 1.05},
		{"half the way to the new ratio", 1.1, 120 * mb, 100 * mb, 1.15},
		{"a heap below the accounting counts as 1", 1.2, 90 * mb, 100 * mb, 1.1},
		{"held at 1.5", 1.5, 400 * mb, 100 * mb, 1.5},
		{"too little to measure against", 1.2, 30 * mb, 10 * mb, 1.2},
		{"too little, before any measurement", 0, 30 * mb, 10 * mb, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := nextHeapScale(tc.old, tc.live, tc.accounted); got < tc.want-1e-9 || got > tc.want+1e-9 {
				t.Errorf("nextHeapScale(%v, %d, %d) = %v, want %v", tc.old, tc.live, tc.accounted, got, tc.want)
			}
		})
	}
}
