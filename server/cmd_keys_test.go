package server

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emberkv/ember/store"
	"github.com/redis/go-redis/v9"
)

// startKeysServer runs a server on a manual clock and returns a go-redis
// client for each protocol, both connected to it.
func startKeysServer(t *testing.T) (*Server, *store.ManualClock, map[int]*redis.Client) {
	t.Helper()
	clk := store.NewManualClock(time.UnixMilli(1_700_000_000_000))
	cfg := DefaultConfig()
	cfg.Clock = clk
	srv, addr := startServer(t, cfg)
	clients := map[int]*redis.Client{}
	for _, proto := range []int{2, 3} {
		rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto})
		t.Cleanup(func() { rdb.Close() })
		clients[proto] = rdb
	}
	return srv, clk, clients
}

// keysEachProtocol runs f once per protocol on a flushed store.
func keysEachProtocol(t *testing.T, f func(t *testing.T, ctx context.Context, rdb *redis.Client, clk *store.ManualClock)) {
	srv, clk, clients := startKeysServer(t)
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			srv.Store().FlushAll()
			f(t, context.Background(), clients[proto], clk)
		})
	}
}

func mustResult[T any](t *testing.T, what string, cmd interface{ Result() (T, error) }) T {
	t.Helper()
	v, err := cmd.Result()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func expectResult[T comparable](t *testing.T, what string, cmd interface{ Result() (T, error) }, want T) {
	t.Helper()
	if got := mustResult(t, what, cmd); got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func expectError(t *testing.T, what string, err error, want string) {
	t.Helper()
	if err == nil || err.Error() != want {
		t.Errorf("%s: error %v, want %q", what, err, want)
	}
}

func TestKeysDelExistsTypeTouch(t *testing.T) {
	keysEachProtocol(t, func(t *testing.T, ctx context.Context, rdb *redis.Client, clk *store.ManualClock) {
		for _, k := range []string{"a", "b", "c"} {
			mustResult(t, "SET", rdb.Set(ctx, k, "v", 0))
		}
		expectResult(t, "EXISTS a b nokey a", rdb.Exists(ctx, "a", "b", "nokey", "a"), int64(3))
		expectResult(t, "TOUCH a nokey", rdb.Touch(ctx, "a", "nokey"), int64(1))
		expectResult(t, "TYPE a", rdb.Type(ctx, "a"), "string")
		expectResult(t, "TYPE nokey", rdb.Type(ctx, "nokey"), "none")
		expectResult(t, "DEL a a nokey", rdb.Del(ctx, "a", "a", "nokey"), int64(1))
		expectResult(t, "UNLINK b c", rdb.Unlink(ctx, "b", "c"), int64(2))
		expectResult(t, "EXISTS a b c", rdb.Exists(ctx, "a", "b", "c"), int64(0))
	})
}

func TestKeysExpireAndTTL(t *testing.T) {
	keysEachProtocol(t, func(t *testing.T, ctx context.Context, rdb *redis.Client, clk *store.ManualClock) {
		mustResult(t, "SET", rdb.Set(ctx, "k", "v", 0))
		expectResult(t, "TTL no TTL", rdb.TTL(ctx, "k"), time.Duration(-1))
		expectResult(t, "TTL missing", rdb.TTL(ctx, "nokey"), time.Duration(-2))
		expectResult(t, "PTTL missing", rdb.PTTL(ctx, "nokey"), time.Duration(-2))
		expectResult(t, "EXPIRE missing", rdb.Expire(ctx, "nokey", time.Minute), false)

		expectResult(t, "EXPIRE XX without TTL", rdb.ExpireXX(ctx, "k", 100*time.Second), false)
		expectResult(t, "EXPIRE GT without TTL", rdb.ExpireGT(ctx, "k", 100*time.Second), false)
		expectResult(t, "EXPIRE NX", rdb.ExpireNX(ctx, "k", 100*time.Second), true)
		expectResult(t, "EXPIRE NX again", rdb.ExpireNX(ctx, "k", 200*time.Second), false)
		expectResult(t, "TTL", rdb.TTL(ctx, "k"), 100*time.Second)

		// TTL rounds to the nearest second: 69.6 s reads 70, 69.4 s reads 69.
		clk.Advance(30400 * time.Millisecond)
		expectResult(t, "PTTL", rdb.PTTL(ctx, "k"), 69600*time.Millisecond)
		expectResult(t, "TTL rounded up", rdb.TTL(ctx, "k"), 70*time.Second)
		clk.Advance(200 * time.Millisecond)
		expectResult(t, "TTL rounded down", rdb.TTL(ctx, "k"), 69*time.Second)

		at := clk.Now().Add(69400 * time.Millisecond)
		expectResult(t, "PEXPIRETIME", rdb.PExpireTime(ctx, "k"), time.Duration(at.UnixMilli())*time.Millisecond)
		expectResult(t, "EXPIRETIME", rdb.ExpireTime(ctx, "k"), time.Duration((at.UnixMilli()+500)/1000)*time.Second)

		expectResult(t, "EXPIRE GT smaller", rdb.ExpireGT(ctx, "k", 10*time.Second), false)
		expectResult(t, "EXPIRE LT smaller", rdb.ExpireLT(ctx, "k", 10*time.Second), true)
		expectResult(t, "EXPIRE XX", rdb.ExpireXX(ctx, "k", 20*time.Second), true)
		expectResult(t, "TTL after XX", rdb.TTL(ctx, "k"), 20*time.Second)
		expectResult(t, "EXPIRE XX LT larger", rdb.Do(ctx, "EXPIRE", "k", 30, "XX", "LT"), any(int64(0)))

		expectResult(t, "PERSIST", rdb.Persist(ctx, "k"), true)
		expectResult(t, "PERSIST again", rdb.Persist(ctx, "k"), false)
		expectResult(t, "TTL after PERSIST", rdb.TTL(ctx, "k"), time.Duration(-1))

		// The TTL passes on the server's clock: the key is gone.
		expectResult(t, "PEXPIRE", rdb.PExpire(ctx, "k", 1500*time.Millisecond), true)
		clk.Advance(1499 * time.Millisecond)
		expectResult(t, "EXISTS 1 ms before", rdb.Exists(ctx, "k"), int64(1))
		clk.Advance(time.Millisecond)
		expectResult(t, "EXISTS at expiry", rdb.Exists(ctx, "k"), int64(0))

		// Absolute times; a past one deletes the key and answers 1.
		mustResult(t, "SET", rdb.Set(ctx, "k", "v", 0))
		expectResult(t, "EXPIREAT", rdb.ExpireAt(ctx, "k", clk.Now().Add(time.Hour)), true)
		expectResult(t, "TTL after EXPIREAT", rdb.TTL(ctx, "k"), time.Hour)
		expectResult(t, "PEXPIREAT past", rdb.PExpireAt(ctx, "k", clk.Now().Add(-time.Millisecond)), true)
		expectResult(t, "EXISTS after past PEXPIREAT", rdb.Exists(ctx, "k"), int64(0))
		mustResult(t, "SET", rdb.Set(ctx, "k", "v", 0))
		expectResult(t, "EXPIRE -1", rdb.Do(ctx, "EXPIRE", "k", -1), any(int64(1)))
		expectResult(t, "EXISTS after EXPIRE -1", rdb.Exists(ctx, "k"), int64(0))

		errs := []struct {
			args []any
			want string
		}{
			{[]any{"EXPIRE", "k", 10, "NX", "XX"}, "ERR NX and XX, GT or LT options at the same time are not compatible"},
			{[]any{"EXPIRE", "k", 10, "GT", "LT"}, "ERR GT and LT options at the same time are not compatible"},
			{[]any{"EXPIRE", "k", 10, "SOON"}, "ERR Unsupported option SOON"},
			{[]any{"EXPIRE", "k", "ten"}, "ERR value is not an integer or out of range"},
			{[]any{"EXPIRE", "k", "9223372036854776"}, "ERR invalid expire time in 'expire' command"},
			{[]any{"PEXPIRE", "k", "9223372036854775807"}, "ERR invalid expire time in 'pexpire' command"},
			{[]any{"EXPIREAT", "k", "-9223372036854776"}, "ERR invalid expire time in 'expireat' command"},
		}
		for _, e := range errs {
			expectError(t, fmt.Sprint(e.args), rdb.Do(ctx, e.args...).Err(), e.want)
		}
	})
}

func TestKeysKeysScanRandomKey(t *testing.T) {
	keysEachProtocol(t, func(t *testing.T, ctx context.Context, rdb *redis.Client, clk *store.ManualClock) {
		if _, err := rdb.RandomKey(ctx).Result(); err != redis.Nil {
			t.Fatalf("RANDOMKEY on an empty database: %v, want nil", err)
		}
		var want []string
		for i := range 120 {
			k := fmt.Sprintf("user:%03d", i)
			want = append(want, k)
			mustResult(t, "SET", rdb.Set(ctx, k, "v", 0))
		}
		mustResult(t, "SET", rdb.Set(ctx, "other", "v", 0))
		mustResult(t, "SET", rdb.Set(ctx, "brief", "v", 0))
		expectResult(t, "EXPIRE", rdb.Expire(ctx, "brief", time.Second), true)
		clk.Advance(time.Second)

		got := mustResult(t, "KEYS", rdb.Keys(ctx, "user:*"))
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("KEYS user:* returned %d keys, want %d", len(got), len(want))
		}
		if n := len(rdb.Keys(ctx, "*").Val()); n != 121 {
			t.Errorf("KEYS * = %d keys, want 121 (the expired one left out)", n)
		}

		scanned := map[string]int{}
		it := rdb.Scan(ctx, 0, "user:*", 7).Iterator()
		for it.Next(ctx) {
			scanned[it.Val()]++
		}
		if err := it.Err(); err != nil {
			t.Fatal(err)
		}
		if len(scanned) != 120 {
			t.Errorf("SCAN MATCH user:* found %d keys, want 120", len(scanned))
		}
		for k, n := range scanned {
			if n != 1 {
				t.Errorf("SCAN returned %q %d times from an unchanging keyspace", k, n)
			}
		}

		keys, cursor := mustScan(t, "SCAN TYPE string", rdb.ScanType(ctx, 0, "", 1000, "string"))
		if cursor != 0 || len(keys) != 121 {
			t.Errorf("SCAN COUNT 1000 TYPE string = cursor %d, %d keys", cursor, len(keys))
		}
		keys, cursor = mustScan(t, "SCAN TYPE hash", rdb.ScanType(ctx, 0, "", 1000, "hash"))
		if cursor != 0 || len(keys) != 0 {
			t.Errorf("SCAN TYPE hash = cursor %d, %q", cursor, keys)
		}
		// A partial SCAN returns a cursor that fits an int64, as a bulk string.
		raw := mustResult(t, "SCAN 0 COUNT 1", rdb.Do(ctx, "SCAN", 0, "COUNT", 1))
		pair, ok := raw.([]any)
		if !ok || len(pair) != 2 {
			t.Fatalf("SCAN reply %#v", raw)
		}
		if c, ok := pair[0].(string); !ok || c == "0" || strings.HasPrefix(c, "-") || len(c) > 19 {
			t.Errorf("SCAN cursor %#v: want a non-zero decimal bulk string that fits an int64", pair[0])
		}

		expectError(t, "SCAN x", rdb.Do(ctx, "SCAN", "x").Err(), "ERR invalid cursor")
		expectError(t, "SCAN COUNT 0", rdb.Do(ctx, "SCAN", 0, "COUNT", 0).Err(), "ERR syntax error")

		k := mustResult(t, "RANDOMKEY", rdb.RandomKey(ctx))
		if k != "other" && !strings.HasPrefix(k, "user:") {
			t.Errorf("RANDOMKEY = %q", k)
		}
	})
}

func mustScan(t *testing.T, what string, cmd *redis.ScanCmd) ([]string, uint64) {
	t.Helper()
	keys, cursor, err := cmd.Result()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return keys, cursor
}

func TestKeysRenameCopyMove(t *testing.T) {
	keysEachProtocol(t, func(t *testing.T, ctx context.Context, rdb *redis.Client, clk *store.ManualClock) {
		expectError(t, "RENAME missing", rdb.Rename(ctx, "nokey", "x").Err(), "ERR no such key")
		expectError(t, "RENAMENX missing", rdb.RenameNX(ctx, "nokey", "x").Err(), "ERR no such key")
		mustResult(t, "SET", rdb.Set(ctx, "src", "v1", 0))
		expectResult(t, "EXPIRE", rdb.Expire(ctx, "src", time.Hour), true)
		expectResult(t, "RENAME", rdb.Rename(ctx, "src", "dst"), "OK")
		expectResult(t, "GET dst", rdb.Get(ctx, "dst"), "v1")
		expectResult(t, "TTL dst", rdb.TTL(ctx, "dst"), time.Hour)
		mustResult(t, "SET", rdb.Set(ctx, "src", "v2", 0))
		expectResult(t, "RENAMENX onto a key", rdb.RenameNX(ctx, "src", "dst"), false)
		expectResult(t, "RENAMENX", rdb.RenameNX(ctx, "src", "fresh"), true)

		expectResult(t, "COPY", rdb.Copy(ctx, "dst", "copy", 0, false), int64(1))
		expectResult(t, "COPY onto a key", rdb.Copy(ctx, "fresh", "copy", 0, false), int64(0))
		expectResult(t, "COPY REPLACE", rdb.Copy(ctx, "fresh", "copy", 0, true), int64(1))
		expectResult(t, "GET copy", rdb.Get(ctx, "copy"), "v2")
		expectResult(t, "COPY to db 1", rdb.Copy(ctx, "dst", "dst", 1, false), int64(1))
		expectError(t, "COPY to itself", rdb.Copy(ctx, "dst", "dst", 0, false).Err(), "ERR source and destination objects are the same")
		expectError(t, "COPY DB 16", rdb.Copy(ctx, "dst", "x", 16, false).Err(), "ERR DB index is out of range")

		expectResult(t, "MOVE", rdb.Move(ctx, "fresh", 2), true)
		expectResult(t, "MOVE missing", rdb.Move(ctx, "fresh", 2), false)
		expectError(t, "MOVE same db", rdb.Move(ctx, "dst", 0).Err(), "ERR source and destination objects are the same")
		expectError(t, "MOVE db 16", rdb.Move(ctx, "dst", 16).Err(), "ERR DB index is out of range")
		expectError(t, "MOVE db x", rdb.Do(ctx, "MOVE", "dst", "x").Err(), "ERR value is not an integer or out of range")

		// Look at databases 1 and 2 through a pipeline on one connection.
		var ttl *redis.DurationCmd
		var moved, copied *redis.StringCmd
		_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.Select(ctx, 1)
			copied = p.Get(ctx, "dst")
			ttl = p.TTL(ctx, "dst")
			p.Select(ctx, 2)
			moved = p.Get(ctx, "fresh")
			p.Select(ctx, 0)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if copied.Val() != "v1" || ttl.Val() != time.Hour || moved.Val() != "v2" {
			t.Errorf("db 1 dst=%q ttl=%v, db 2 fresh=%q", copied.Val(), ttl.Val(), moved.Val())
		}
	})
}

func TestKeysObject(t *testing.T) {
	keysEachProtocol(t, func(t *testing.T, ctx context.Context, rdb *redis.Client, clk *store.ManualClock) {
		mustResult(t, "SET", rdb.Set(ctx, "small", "42", 0))
		mustResult(t, "SET", rdb.Set(ctx, "big", "123456", 0))
		mustResult(t, "SET", rdb.Set(ctx, "text", "hello", 0))
		mustResult(t, "SET", rdb.Set(ctx, "long", strings.Repeat("x", 45), 0))
		for k, enc := range map[string]string{"small": "int", "big": "int", "text": "embstr", "long": "raw"} {
			expectResult(t, "OBJECT ENCODING "+k, rdb.ObjectEncoding(ctx, k), enc)
		}
		expectResult(t, "OBJECT REFCOUNT small", rdb.ObjectRefCount(ctx, "small"), int64(2147483647))
		expectResult(t, "OBJECT REFCOUNT big", rdb.ObjectRefCount(ctx, "big"), int64(1))
		if err := rdb.ObjectEncoding(ctx, "nokey").Err(); err != redis.Nil {
			t.Errorf("OBJECT ENCODING nokey: %v, want nil", err)
		}
		expectError(t, "OBJECT FREQ", rdb.ObjectFreq(ctx, "small").Err(), errFreqNoLFU)

		clk.Advance(5 * time.Second)
		expectResult(t, "OBJECT IDLETIME", rdb.ObjectIdleTime(ctx, "text"), 5*time.Second)
		rdb.TTL(ctx, "text") // does not count as an access, as in Redis
		expectResult(t, "OBJECT IDLETIME after TTL", rdb.ObjectIdleTime(ctx, "text"), 5*time.Second)
		rdb.Touch(ctx, "text")
		expectResult(t, "OBJECT IDLETIME after TOUCH", rdb.ObjectIdleTime(ctx, "text"), time.Duration(0))

		help := mustResult(t, "OBJECT HELP", rdb.Do(ctx, "OBJECT", "HELP"))
		if lines, ok := help.([]any); !ok || len(lines) != 11 { // the usage line, four subcommands of two lines, HELP of two
			t.Errorf("OBJECT HELP = %#v", help)
		}
		expectError(t, "OBJECT NOPE", rdb.Do(ctx, "OBJECT", "NOPE").Err(), "ERR unknown subcommand 'NOPE'. Try OBJECT HELP.")
		expectError(t, "OBJECT ENCODING", rdb.Do(ctx, "OBJECT", "ENCODING").Err(), "ERR wrong number of arguments for 'object|encoding' command")
	})
}

// TestKeysInTransaction: KEYS, SCAN, MOVE and COPY inside MULTI make EXEC
// hold the whole store; a WATCHed key whose TTL passes fails the EXEC.
func TestKeysInTransaction(t *testing.T) {
	keysEachProtocol(t, func(t *testing.T, ctx context.Context, rdb *redis.Client, clk *store.ManualClock) {
		mustResult(t, "SET", rdb.Set(ctx, "a", "1", 0))
		mustResult(t, "SET", rdb.Set(ctx, "b", "2", 0))
		var keys *redis.StringSliceCmd
		var scan *redis.ScanCmd
		var moved *redis.BoolCmd
		var copied *redis.IntCmd
		_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			moved = p.Move(ctx, "a", 3)
			copied = p.Copy(ctx, "b", "b", 3, false)
			keys = p.Keys(ctx, "*")
			scan = p.Scan(ctx, 0, "", 100)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !moved.Val() || copied.Val() != 1 {
			t.Errorf("MOVE %v, COPY %d in EXEC", moved.Val(), copied.Val())
		}
		if got := keys.Val(); len(got) != 1 || got[0] != "b" {
			t.Errorf("KEYS in EXEC = %q", got)
		}
		if got, _ := scan.Val(); len(got) != 1 || got[0] != "b" {
			t.Errorf("SCAN in EXEC = %q", got)
		}

		mustResult(t, "SET", rdb.Set(ctx, "w", "v", 0))
		expectResult(t, "EXPIRE", rdb.Expire(ctx, "w", 10*time.Second), true)
		err = rdb.Watch(ctx, func(tx *redis.Tx) error {
			clk.Advance(10 * time.Second) // the watched key expires
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, "w", "new", 0)
				return nil
			})
			return err
		}, "w")
		if err != redis.TxFailedErr {
			t.Errorf("EXEC after a watched key expired: %v, want %v", err, redis.TxFailedErr)
		}
	})
}

// TestScanOverTheWire: a full SCAN over the network returns every key that
// stays put, while another connection adds and deletes other keys.
func TestScanOverTheWire(t *testing.T) {
	_, _, clients := startKeysServer(t)
	ctx := context.Background()
	rdb := clients[3]
	const stable = 1000
	p := rdb.Pipeline()
	for i := range stable {
		p.Set(ctx, fmt.Sprintf("stable:%d", i), "v", 0)
	}
	if _, err := p.Exec(ctx); err != nil {
		t.Fatal(err)
	}

	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w := clients[2]
		for i := 0; i < 20_000 && !stop.Load(); i++ {
			k := fmt.Sprintf("churn:%d", i%2000)
			var err error
			if i%3 == 0 {
				err = w.Del(ctx, k).Err()
			} else {
				err = w.Set(ctx, k, "v", 0).Err()
			}
			if err != nil {
				t.Error(err)
				return
			}
		}
	}()
	defer func() {
		stop.Store(true)
		wg.Wait()
	}()

	seen := map[string]bool{}
	it := rdb.Scan(ctx, 0, "", 5).Iterator()
	for calls := 0; it.Next(ctx); calls++ {
		if calls > 100_000 {
			t.Fatal("SCAN did not finish")
		}
		seen[it.Val()] = true
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	for i := range stable {
		if k := fmt.Sprintf("stable:%d", i); !seen[k] {
			t.Fatalf("SCAN missed %q", k)
		}
	}
}
