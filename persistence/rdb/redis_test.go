package rdb

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/emberkv/ember/internal/testenv"
	"github.com/emberkv/ember/store"
)

// redisImage reads every key of databases 0..15 of a real redis-server
// back the way imageOf describes an Ember store.
func redisImage(t *testing.T, addr string) []keyImage {
	t.Helper()
	ctx := context.Background()
	var out []keyImage
	for dbi := range 16 {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: dbi, Protocol: 2})
		keys, err := c.Keys(ctx, "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			im := keyImage{DB: dbi, Key: k}
			im.Type = c.Type(ctx, k).Val()
			im.Encoding = c.ObjectEncoding(ctx, k).Val()
			if ms := c.Do(ctx, "PEXPIRETIME", k).Val().(int64); ms > 0 {
				im.ExpireAt = ms
			}
			var parts []string
			q := strconv.Quote
			switch im.Type {
			case "string":
				im.Value = q(c.Get(ctx, k).Val())
			case "list":
				for _, e := range c.LRange(ctx, k, 0, -1).Val() {
					parts = append(parts, q(e))
				}
			case "set":
				for _, e := range c.SMembers(ctx, k).Val() {
					parts = append(parts, q(e))
				}
				slices.Sort(parts)
			case "hash":
				for f, v := range c.HGetAll(ctx, k).Val() {
					parts = append(parts, q(f)+"="+q(v))
				}
				slices.Sort(parts)
			case "zset":
				for _, z := range c.ZRangeWithScores(ctx, k, 0, -1).Val() {
					parts = append(parts, q(z.Member.(string))+"@"+strconv.FormatFloat(z.Score, 'g', 17, 64))
				}
			}
			if im.Type != "string" {
				im.Value = slicesText(parts)
			}
			out = append(out, im)
		}
		c.Close()
	}
	return out
}

func slicesText(parts []string) string {
	s := "["
	for i, p := range parts {
		if i > 0 {
			s += " "
		}
		s += p
	}
	return s + "]"
}

// Ember writes and redis-server 7.0 loads every key as Ember has it;
// then redis-server SAVEs and Ember loads Redis's file back to the same
// keys. Both checks read every key, type, encoding, expiry and value.
func TestRedisLoadsEmberFileAndBack(t *testing.T) {
	testenv.RequireTool(t, "redis-server")
	src := newStore(t)
	fill(t, src)
	want := imageOf(t, src)
	dir := t.TempDir()
	if _, err := SaveFile(filepath.Join(dir, "dump.rdb"), NewSnapshot(src, true, nil), Options{Compression: true, Checksum: true}); err != nil {
		t.Fatal(err)
	}
	addr := testenv.StartRedis(t, "--dir", dir, "--dbfilename", "dump.rdb", "--enable-debug-command", "yes")
	diffImages(t, redisImage(t, addr), want)

	// Redis writes, Ember loads.
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer c.Close()
	ctx := context.Background()
	if err := c.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	dst := newStore(t)
	if _, err := LoadFile(filepath.Join(dir, "dump.rdb"), dst, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	diffImages(t, imageOf(t, dst), want)

	// DUMP in Redis, RESTORE in Ember; DUMP in Ember, RESTORE in Redis.
	restored := newStore(t)
	for _, k := range src.DB(0).Keys("*") {
		payload, err := c.Dump(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		v, err := DecodeDump(restored, []byte(payload))
		if err != nil {
			t.Fatalf("%s: Redis's DUMP refused: %v", k, err)
		}
		if _, err := restored.DB(0).Restore(k, v, 0, false, 0, -1); err != nil {
			t.Fatal(err)
		}
		var mine []byte
		var exp int64
		var enc string
		src.DB(0).View(k, func(v *store.EntryView) { mine, exp, enc = AppendDump(nil, v, true), v.ExpireAt, v.Encoding() })
		// Byte for byte Redis's, LZF included, except where Redis writes
		// a hash table in its own iteration order.
		if enc != "hashtable" && payload != string(mine) {
			t.Errorf("%s (%s): DUMP differs from Redis's:\n ember %q\n redis %q", k, enc, mine, payload)
		}
		// With its TTL: DIGEST-VALUE counts whether a key has one.
		if err := c.Do(ctx, "RESTORE", "ember:"+k, exp, string(mine), "ABSTTL").Err(); err != nil {
			t.Fatalf("%s: Redis refused Ember's DUMP: %v", k, err)
		}
		a := c.Do(ctx, "DEBUG", "DIGEST-VALUE", k).Val()
		b := c.Do(ctx, "DEBUG", "DIGEST-VALUE", "ember:"+k).Val()
		if a == nil || !slices.Equal(a.([]any), b.([]any)) {
			t.Errorf("%s: digest %v after Ember's DUMP, %v in Redis", k, b, a)
		}
	}
	var want0 []keyImage
	for _, k := range want {
		if k.DB == 0 {
			k.ExpireAt = 0
			want0 = append(want0, k)
		}
	}
	diffImages(t, imageOf(t, restored), want0)
}
