package store

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// checkAccounting fails the test unless the database's usedBytes equals
// the sum of its entries' sizes computed afresh: every change of every
// type must keep the running total exact, or eviction works from a wrong
// number.
func checkAccounting(t *testing.T, db *DB, what string) {
	t.Helper()
	for _, sh := range db.shards {
		var want int64
		keys := sh.data.items.Keys()
		for _, k := range keys {
			e, _ := sh.data.items.Peek(k)
			want += e.size(k)
		}
		if got := sh.data.usedBytes; got != want {
			t.Fatalf("after %s: a shard's usedBytes is %d, its entries %q add up to %d", what, got, keys, want)
		}
	}
	// The store's running totals, over every database.
	s := db.store
	var used, keys, volatile int64
	for _, d := range s.dbs {
		for _, sh := range d.shards {
			used += sh.data.usedBytes
			keys += int64(sh.data.items.Len())
			volatile += int64(len(sh.data.volatile))
		}
	}
	if s.UsedMemory() != used || s.keys.Load() != keys || s.volatileKeys.Load() != volatile {
		t.Fatalf("after %s: the store counts %d bytes, %d keys, %d with a TTL; its shards %d, %d, %d",
			what, s.UsedMemory(), s.keys.Load(), s.volatileKeys.Load(), used, keys, volatile)
	}
}

// TestAccountingAllTypes runs random operations of every type, multi-key
// ones included, with small encoding limits so that conversions happen,
// and checks the accounting after each.
func TestAccountingAllTypes(t *testing.T) {
	l := EncodingLimits{HashMaxListpackEntries: 4, HashMaxListpackValue: 8, SetMaxIntsetEntries: 4,
		ZSetMaxListpackEntries: 4, ZSetMaxListpackValue: 8, ListMaxListpackSize: 3}
	s := New(Options{SweepInterval: -1, EncodingLimits: &l, Clock: NewManualClock(time.Unix(1e9, 0))})
	defer s.Close()
	db := s.DB(0)
	rng := rand.New(rand.NewPCG(11, 13))
	member := func() []byte {
		if rng.IntN(2) == 0 {
			return []byte(strconv.Itoa(rng.IntN(12)))
		}
		return []byte(strings.Repeat("m", 1+rng.IntN(12)))
	}
	key := func(prefix string) string { return prefix + strconv.Itoa(rng.IntN(3)) }
	for step := range 6000 {
		var what string
		switch op := rng.IntN(29); op {
		case 0:
			k := key("s")
			what = "SADD " + k
			db.SAdd(k, member(), member())
		case 1:
			k := key("s")
			what = "SREM " + k
			db.SRem(k, member())
		case 2:
			what = "SPOP"
			db.SPop(key("s"), rng.IntN(4))
		case 3:
			src, dst, m := key("s"), key("s"), member()
			what = "SMOVE " + src + " " + dst + " " + string(m) + " " + encodingName(db, src) + " " + encodingName(db, dst)
			db.SMove(src, dst, m)
		case 4:
			what = "SUNIONSTORE"
			db.SUnionStore(key("s"), key("s"), key("s"))
		case 5:
			what = "SINTERSTORE"
			db.SInterStore(key("s"), key("s"), key("s"))
		case 6:
			what = "SDIFFSTORE"
			db.SDiffStore(key("s"), key("s"), key("s"))
		case 7:
			what = "HSET"
			db.HSet(key("h"), member(), member())
		case 8:
			what = "HDEL"
			db.HDel(key("h"), member())
		case 9:
			what = "HINCRBY"
			db.HIncrBy(key("h"), member(), 1)
		case 10:
			what = "RPUSH"
			db.RPush(key("l"), member(), member())
		case 11:
			what = "LPOP"
			db.LPop(key("l"), 1+rng.IntN(3))
		case 12:
			what = "LMOVE"
			db.LMove(key("l"), key("l"), ListLeft, ListRight)
		case 13:
			what = "LREM"
			db.LRem(key("l"), 0, member())
		case 14:
			what = "LTRIM"
			db.LTrim(key("l"), 1, -2)
		case 15:
			what = "ZADD"
			db.ZAdd(key("z"), 0, []ZMember{{Member: string(member()), Score: float64(rng.IntN(5))}})
		case 16:
			what = "ZREM"
			db.ZRem(key("z"), []string{string(member())})
		case 17:
			what = "ZPOPMIN"
			db.ZPop(key("z"), false, 1+rng.IntN(2))
		case 18:
			what = "ZUNIONSTORE"
			db.ZCombineStore(key("z"), &ZCombineSpec{Op: ZUnion, Keys: []string{key("z"), key("s")}})
		case 19:
			what = "ZRANGESTORE"
			db.ZRangeStore(key("z"), key("z"), &ZRangeSpec{By: ZByRank, Start: 0, Stop: 2, Count: -1})
		case 20:
			what = "COPY"
			for _, p := range []string{"s", "h", "l", "z"} {
				db.Copy(key(p), db, key(p), true)
			}
		case 21:
			what = "RENAME"
			for _, p := range []string{"s", "h", "l", "z"} {
				db.Rename(key(p), key(p), false)
			}
		// TTLs and the keyspace-wide operations, for the store's key and
		// TTL counts.
		case 22:
			what = "SET EX"
			db.Set(key("t"), member(), SetOptions{ExpireAt: s.nowMs() + int64(1+rng.IntN(3000))})
		case 23:
			what = "EXPIRE"
			db.ExpireAtChange(key("s"), s.nowMs()+int64(rng.IntN(3000))-500, ExpireAlways)
		case 24:
			what = "PERSIST"
			db.Persist(key("t"))
		case 25:
			what = "time passes, lazy expiry, Sweep"
			s.clock.(*ManualClock).Advance(time.Duration(rng.IntN(1500)) * time.Millisecond)
			db.Get(key("t"))
			if rng.IntN(4) == 0 {
				s.Sweep()
			}
		case 26:
			what = "MOVE, COPY to db 1"
			db.Move(key("t"), s.DB(1))
			db.Copy(key("h"), s.DB(1), key("h"), true)
		case 27:
			what = "SWAPDB"
			s.SwapDB(0, 1)
		case 28:
			what = "FLUSHDB"
			if rng.IntN(10) == 0 {
				s.DB(rng.IntN(2)).Flush()
			}
		}
		checkAccounting(t, db, "step "+strconv.Itoa(step)+": "+what)
	}
}

func encodingName(db *DB, key string) string {
	if info, ok := db.Object(key); ok {
		return info.Encoding
	}
	return "none"
}

// TestUsedGathersUntilALimit: without maxmemory, a shard's changes to
// the used bytes gather (account), yet UsedMemory counts them; setting a
// limit moves them all into the total eviction reads, which is exact from
// then on.
func TestUsedGathersUntilALimit(t *testing.T) {
	s := New(Options{SweepInterval: -1})
	defer s.Close()
	db := s.DB(0)
	exact := func() int64 {
		var n int64
		s.forEachShard(func(sh *shard) { n += sh.data.usedBytes })
		return n
	}
	for i := 0; i < 300; i++ {
		db.Set("k"+strconv.Itoa(i), []byte("value"), SetOptions{})
	}
	if s.used.Load() == exact() {
		t.Fatalf("used = %d already: nothing gathered, so the test shows nothing", s.used.Load())
	}
	if got := s.UsedMemory(); got != exact() {
		t.Fatalf("UsedMemory() = %d, the shards hold %d", got, exact())
	}
	s.SetEviction(Eviction{MaxMemory: 1 << 30, Policy: AllKeysLRU})
	if got := s.used.Load(); got != exact() {
		t.Fatalf("with a limit, used = %d, the shards hold %d", got, exact())
	}
	for i := 0; i < 300; i += 2 {
		db.Del("k" + strconv.Itoa(i))
	}
	if got := s.used.Load(); got != exact() {
		t.Fatalf("after deletes under a limit, used = %d, the shards hold %d", got, exact())
	}
}
