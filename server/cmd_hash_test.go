package server

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestHashesGoRedis drives the hash commands through go-redis v9, in RESP2
// and RESP3, as an application would: each reply must decode into what the
// client's typed API promises.
func TestHashesGoRedis(t *testing.T) {
	srv, addr := startServer(t, DefaultConfig())
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
		db.Flush()

		n, err := rdb.HSet(ctx, "h", "a", "1", "b", "2").Result()
		check("HSET", n, int64(2), err)
		n, err = rdb.HSet(ctx, "h", map[string]any{"b": "3", "c": "4"}).Result()
		check("HSET map", n, int64(1), err)
		ok, err := rdb.HMSet(ctx, "h", "d", "5").Result()
		check("HMSET", ok, true, err)
		ok, err = rdb.HSetNX(ctx, "h", "a", "x").Result()
		check("HSETNX existing", ok, false, err)
		v, err := rdb.HGet(ctx, "h", "b").Result()
		check("HGET", v, "3", err)
		if err := rdb.HGet(ctx, "h", "nope").Err(); err != redis.Nil {
			t.Fatalf("HGET of a missing field: %v, want redis.Nil", err)
		}
		vals, err := rdb.HMGet(ctx, "h", "a", "nope", "d").Result()
		check("HMGET", vals, []any{"1", nil, "5"}, err)
		all, err := rdb.HGetAll(ctx, "h").Result()
		check("HGETALL", all, map[string]string{"a": "1", "b": "3", "c": "4", "d": "5"}, err)
		keys, err := rdb.HKeys(ctx, "h").Result()
		check("HKEYS", keys, []string{"a", "b", "c", "d"}, err)
		hvals, err := rdb.HVals(ctx, "h").Result()
		check("HVALS", hvals, []string{"1", "3", "4", "5"}, err)
		n, err = rdb.HIncrBy(ctx, "h", "a", 41).Result()
		check("HINCRBY", n, int64(42), err)
		f, err := rdb.HIncrByFloat(ctx, "h", "c", 0.5).Result()
		check("HINCRBYFLOAT", f, 4.5, err)
		n, err = rdb.HStrLen(ctx, "h", "a").Result()
		check("HSTRLEN", n, int64(2), err)
		n, err = rdb.HLen(ctx, "h").Result()
		check("HLEN", n, int64(4), err)
		ok, err = rdb.HExists(ctx, "h", "d").Result()
		check("HEXISTS", ok, true, err)

		// HRANDFIELD: the shapes differ (flat in RESP2, pairs in RESP3),
		// and go-redis decodes both.
		rdb.HSet(ctx, "one", "f", "v")
		fields, err := rdb.HRandField(ctx, "one", -3).Result()
		check("HRANDFIELD -3", fields, []string{"f", "f", "f"}, err)
		kvs, err := rdb.HRandFieldWithValues(ctx, "one", 2).Result()
		check("HRANDFIELD WITHVALUES", kvs, []redis.KeyValue{{Key: "f", Value: "v"}}, err)

		// HSCAN to the end over a hashtable.
		for i := range 600 {
			rdb.HSet(ctx, "big", "field:"+strconv.Itoa(i), "v")
		}
		seen := map[string]bool{}
		var cursor uint64
		for {
			var page []string
			page, cursor, err = rdb.HScan(ctx, "big", cursor, "field:1*", 50).Result()
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < len(page); i += 2 {
				if !strings.HasPrefix(page[i], "field:1") || page[i+1] != "v" {
					t.Fatalf("HSCAN page has %q=%q", page[i], page[i+1])
				}
				seen[page[i]] = true
			}
			if cursor == 0 {
				break
			}
		}
		check("HSCAN fields seen", len(seen), 111, nil) // 1, 10-19, 100-199

		n, err = rdb.HDel(ctx, "one", "f", "g").Result()
		check("HDEL", n, int64(1), err)
		n, err = rdb.Exists(ctx, "one").Result()
		check("EXISTS after the last HDEL", n, int64(0), err)
		rdb.Set(ctx, "s", "x", 0)
		check("WRONGTYPE", errText(rdb.HGet(ctx, "s", "f").Err()), errWrongType, nil)
		rdb.HSet(ctx, "h", "t", "text")
		check("HINCRBY on text", errText(rdb.HIncrBy(ctx, "h", "t", 1).Err()), errHashNotInteger, nil)
	})
}

// TestHashHotPathsDoNotAllocate runs the hash commands an application
// lives on straight through their handlers and counts allocations: none,
// but for the store's own copy of what it keeps (a hashtable's new pair).
func TestHashHotPathsDoNotAllocate(t *testing.T) {
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
	small := argv("HSET", "small", "a", "1", "b", "2", "c", "3", "n", "12345678")
	cmdHSet(c, small)
	big := []string{"HSET", "big"}
	for i := range 600 {
		big = append(big, "f"+strconv.Itoa(i), "v")
	}
	cmdHSet(c, argv(big...))
	tests := []struct {
		name    string
		handler func(*client, [][]byte)
		args    [][]byte
		want    float64
	}{
		{"HGET listpack", cmdHGet, argv("HGET", "small", "b"), 0},
		{"HGET listpack integer", cmdHGet, argv("HGET", "small", "n"), 0},
		{"HGET hashtable", cmdHGet, argv("HGET", "big", "f7"), 0},
		{"HGET miss", cmdHGet, argv("HGET", "nokey", "f"), 0},
		{"HSET listpack existing", cmdHSet, argv("HSET", "small", "a", "9"), 0},
		{"HSET hashtable existing", cmdHSet, argv("HSET", "big", "f1", "w"), 1},
		{"HINCRBY listpack", cmdHIncrBy, argv("HINCRBY", "small", "c", "1"), 0},
		{"HMGET", cmdHMGet, argv("HMGET", "small", "a", "x", "n"), 0},
		{"HGETALL listpack", cmdHGetAll, argv("HGETALL", "small"), 0},
		{"HGETALL hashtable", cmdHGetAll, argv("HGETALL", "big"), 0},
		{"HKEYS", cmdHKeys, argv("HKEYS", "small"), 0},
		{"HLEN", cmdHLen, argv("HLEN", "big"), 0},
		{"HEXISTS", cmdHExists, argv("HEXISTS", "big", "f3"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(200, func() {
				c.w.buf = c.w.buf[:0]
				tt.handler(c, tt.args)
			})
			if allocs != tt.want {
				t.Errorf("%s: %v allocations per call, want %v (reply %.80q)", tt.name, allocs, tt.want, c.w.buf)
			}
		})
	}
}

// TestHashWatch: as in Redis, a hash command touches a WATCHed key only
// when it changes the hash (HSET always does; HSETNX of an existing field,
// HDEL of a missing one and a failed HINCRBY do not).
func TestHashWatch(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	watcher := redis.NewClient(&redis.Options{Addr: addr})
	other := redis.NewClient(&redis.Options{Addr: addr})
	defer watcher.Close()
	defer other.Close()
	tests := []struct {
		name    string
		change  func() error
		touches bool
	}{
		{"HSETNX existing", func() error { return other.HSetNX(ctx, "w", "a", "x").Err() }, false},
		{"HDEL missing", func() error { return other.HDel(ctx, "w", "nope").Err() }, false},
		{"HINCRBY on text", func() error { other.HIncrBy(ctx, "w", "t", 1); return nil }, false},
		{"HGETALL", func() error { return other.HGetAll(ctx, "w").Err() }, false},
		{"HSET same value", func() error { return other.HSet(ctx, "w", "a", "1").Err() }, true},
		{"HSETNX new", func() error { return other.HSetNX(ctx, "w", "n", "1").Err() }, true},
		{"HDEL", func() error { return other.HDel(ctx, "w", "a").Err() }, true},
		{"HINCRBYFLOAT", func() error { return other.HIncrByFloat(ctx, "w", "f", 1).Err() }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other.Del(ctx, "w")
			other.HSet(ctx, "w", "a", "1", "t", "text")
			err := watcher.Watch(ctx, func(tx *redis.Tx) error {
				if err := tt.change(); err != nil {
					return err
				}
				_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.HSet(ctx, "done", "by", "watcher")
					return nil
				})
				return err
			}, "w")
			switch {
			case tt.touches && err != redis.TxFailedErr:
				t.Errorf("EXEC after %s: %v, want %v", tt.name, err, redis.TxFailedErr)
			case !tt.touches && err != nil:
				t.Errorf("EXEC after %s: %v, want it to run", tt.name, err)
			}
		})
	}
}
