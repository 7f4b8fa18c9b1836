package store_test

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emberkv/ember/store"
)

// benchKeys is how many distinct keys the benchmarks spread over: enough
// to touch every shard, few enough to stay in cache.
const benchKeys = 1 << 12

func newBenchStore(b *testing.B) (*store.DB, []string) {
	b.Helper()
	s := store.New(store.Options{}) // as a server runs it: wall clock, sweeper on
	b.Cleanup(s.Close)
	keys := make([]string, benchKeys)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
	}
	return s.DB(0), keys
}

func BenchmarkGet(b *testing.B) {
	db, keys := newBenchStore(b)
	val := []byte("value")
	for _, k := range keys {
		db.Set(k, val, store.SetOptions{})
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, ok, _ := db.Get(keys[i%benchKeys]); !ok {
				b.Fatal("missing key")
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		var seed atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			i := int(seed.Add(7919))
			for pb.Next() {
				db.Get(keys[i%benchKeys])
				i++
			}
		})
	})
}

func BenchmarkSet(b *testing.B) {
	db, keys := newBenchStore(b)
	val := []byte("value")
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			db.Set(keys[i%benchKeys], val, store.SetOptions{})
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		var seed atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			i := int(seed.Add(7919))
			for pb.Next() {
				db.Set(keys[i%benchKeys], val, store.SetOptions{})
				i++
			}
		})
	})
}

func BenchmarkIncr(b *testing.B) {
	db, keys := newBenchStore(b)
	// One counter past the shared integers (10000), as a page-view
	// counter: INCR writes its digits in place.
	b.Run("one counter", func(b *testing.B) {
		db.Set("views", []byte("1000000"), store.SetOptions{})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := db.IncrBy("views", 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The same with a TTL: every INCR reads the clock once.
	b.Run("one counter with a TTL", func(b *testing.B) {
		db.Set("views", []byte("1000000"), store.SetOptions{ExpireAt: time.Now().Add(time.Hour).UnixMilli()})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := db.IncrBy("views", 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := db.IncrBy(keys[i%benchKeys], 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	// A page counter that is shown after each hit, read as the server's
	// GET reads it: copied out (GetInto), so the counter stays writable
	// in place. A view (Get) would send it back to its shared form each
	// time, and the INCR after that would make a copy again.
	b.Run("serial, GET after each", func(b *testing.B) {
		for _, k := range keys {
			db.Set(k, []byte("0"), store.SetOptions{})
		}
		var room [24]byte
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			k := keys[i%benchKeys]
			if _, err := db.IncrBy(k, 1); err != nil {
				b.Fatal(err)
			}
			db.GetInto(k, room[:0])
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		var seed atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			i := int(seed.Add(7919))
			for pb.Next() {
				db.IncrBy(keys[i%benchKeys], 1)
				i++
			}
		})
	})
}

func BenchmarkMGet(b *testing.B) {
	db, keys := newBenchStore(b)
	val := []byte("value")
	for _, k := range keys {
		db.Set(k, val, store.SetOptions{})
	}
	b.Run("MGet", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			j := (i * 10) % (benchKeys - 10)
			db.MGet(keys[j : j+10])
		}
	})
	// The server's way: one slice reused across calls.
	b.Run("AppendMGet", func(b *testing.B) {
		b.ReportAllocs()
		var vals [][]byte
		for i := 0; b.Loop(); i++ {
			j := (i * 10) % (benchKeys - 10)
			vals = db.AppendMGet(vals[:0], keys[j:j+10])
		}
	})
}

func BenchmarkMSet(b *testing.B) {
	db, keys := newBenchStore(b)
	vals := make([][]byte, 10)
	for i := range vals {
		vals[i] = []byte("value")
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		j := (i * 10) % (benchKeys - 10)
		db.MSet(keys[j:j+10], vals)
	}
}

// BenchmarkMSetParallel is MSET of 10 random keys from 25 goroutines a
// processor (redis-benchmark's MSET row has 50 clients): any two calls
// nearly always share a shard, so it measures how the calls wait for
// each other's locks.
func BenchmarkMSetParallel(b *testing.B) {
	db, keys := newBenchStore(b)
	vals := make([][]byte, 10)
	for i := range vals {
		vals[i] = []byte("value")
	}
	var seed atomic.Uint64
	b.ReportAllocs()
	b.SetParallelism(25)
	b.RunParallel(func(pb *testing.PB) {
		x := seed.Add(0x9e3779b97f4a7c15) // a per-goroutine xorshift state
		mine := make([]string, 10)
		for pb.Next() {
			for i := range mine {
				x ^= x << 13
				x ^= x >> 7
				x ^= x << 17
				mine[i] = keys[x%benchKeys]
			}
			db.MSet(mine, vals)
		}
	})
}

// BenchmarkSetWithKeyHook is SET with OnKeyModified absent, and installed
// but doing nothing (the server's tracking with nothing tracked costs one
// more atomic load in it): the hook must add no allocation.
func BenchmarkSetWithKeyHook(b *testing.B) {
	for _, hooked := range []bool{false, true} {
		b.Run(map[bool]string{false: "none", true: "installed"}[hooked], func(b *testing.B) {
			s := store.New(store.Options{SweepInterval: -1})
			defer s.Close()
			if hooked {
				var active atomic.Int64
				s.SetOnKeyModified(func(writer int64, key string) {
					if active.Load() == 0 {
						return
					}
				})
			}
			db := s.DB(0).WithWriter(7)
			val := []byte("value")
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				db.Set("key", val, store.SetOptions{})
			}
		})
	}
}

// BenchmarkSetNewKeys fills an empty store with new keys, as a bulk load
// (redis-cli --pipe) does: the cost of inserting into each shard's LRU
// map and list and its scan index.
func BenchmarkSetNewKeys(b *testing.B) {
	keys := make([]string, 1<<20)
	for i := range keys {
		keys[i] = fmt.Sprintf("key:%010d", i)
	}
	val := []byte("value-of-32-bytes-value-of-32-by")
	b.ReportAllocs()
	var s *store.Store
	for i := 0; i < b.N; i++ {
		if i%len(keys) == 0 {
			b.StopTimer()
			if s != nil {
				s.Close()
			}
			s = store.New(store.Options{SweepInterval: -1})
			b.StartTimer()
		}
		s.DB(0).Set(keys[i%len(keys)], val, store.SetOptions{})
	}
	b.StopTimer()
	s.Close()
}

// BenchmarkScan pages through a million keys with SCAN's default COUNT of
// 10 and with COUNT 1000 (a GUI's page is 500): the cost of a call is
// finding the cursor in its shard's scan index and walking the items.
func BenchmarkScan(b *testing.B) {
	s := store.New(store.Options{Databases: 1, SweepInterval: -1})
	defer s.Close()
	db := s.DB(0)
	val := []byte("value-of-32-bytes-value-of-32-by")
	for i := range 1 << 20 {
		db.Set(fmt.Sprintf("key:%012d", i), val, store.SetOptions{})
	}
	for _, count := range []int{10, 1000} {
		b.Run("count="+strconv.Itoa(count), func(b *testing.B) {
			b.ReportAllocs()
			cursor := uint64(0)
			for b.Loop() {
				cursor, _ = db.Scan(cursor, store.ScanOptions{Count: count})
			}
		})
	}
}
