package store

import (
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"
)

// liveHeap is the Go heap's live bytes after a full collection.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// accountingCases build many keys of one type and encoding each.
var accountingCases = []struct {
	name  string
	keys  int
	build func(db *DB, i int)
}{
	{"string 32B", 100000, func(db *DB, i int) {
		db.Set("key:"+strconv.Itoa(i), []byte("vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"), SetOptions{})
	}},
	{"string 32B with TTL", 100000, func(db *DB, i int) {
		db.Set("key:"+strconv.Itoa(i), []byte("vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"), SetOptions{ExpireAt: 4e12})
	}},
	{"string integer", 100000, func(db *DB, i int) {
		db.Set("key:"+strconv.Itoa(i), []byte(strconv.Itoa(i)), SetOptions{})
	}},
	{"string 1KB", 20000, func(db *DB, i int) {
		db.Set("key:"+strconv.Itoa(i), make([]byte, 1000), SetOptions{})
	}},
	{"hash listpack 10 fields", 20000, func(db *DB, i int) {
		for f := range 10 {
			db.HSet("h:"+strconv.Itoa(i), []byte("field"+strconv.Itoa(f)), []byte("value-value"))
		}
	}},
	{"hash hashtable 1000 fields", 50, func(db *DB, i int) {
		for f := range 1000 {
			db.HSet("h:"+strconv.Itoa(i), []byte("field"+strconv.Itoa(f)), []byte("value-value"))
		}
	}},
	{"list 10 elements", 20000, func(db *DB, i int) {
		for f := range 10 {
			db.RPush("l:"+strconv.Itoa(i), []byte("element"+strconv.Itoa(f)))
		}
	}},
	{"list 10000 elements", 10, func(db *DB, i int) {
		for f := range 10000 {
			db.RPush("l:"+strconv.Itoa(i), []byte("element"+strconv.Itoa(f)))
		}
	}},
	{"set intset 10", 20000, func(db *DB, i int) {
		for f := range 10 {
			db.SAdd("s:"+strconv.Itoa(i), []byte(strconv.Itoa(f)))
		}
	}},
	{"set hashtable 1000", 50, func(db *DB, i int) {
		for f := range 1000 {
			db.SAdd("s:"+strconv.Itoa(i), []byte("member"+strconv.Itoa(f)))
		}
	}},
	{"zset listpack 10", 20000, func(db *DB, i int) {
		for f := range 10 {
			db.ZAdd("z:"+strconv.Itoa(i), 0, []ZMember{{Member: "member" + strconv.Itoa(f), Score: float64(f)}})
		}
	}},
	{"zset skiplist 1000", 50, func(db *DB, i int) {
		for f := range 1000 {
			// Scores in a scattered order, as a real workload inserts
			// them: ascending inserts leave B-tree nodes half full.
			db.ZAdd("z:"+strconv.Itoa(i), 0, []ZMember{{Member: "member" + strconv.Itoa(f), Score: float64(f * 7919 % 1000)}})
		}
	}},
}

// TestAccountingMatchesHeap holds the store's accounting (UsedMemory, what
// eviction counts) to within 10% of the Go heap that the same keys
// really take, for every type and encoding: many keys are built in a
// fresh store, and the growth of the live heap after a collection is
// compared with the growth of UsedMemory.
func TestAccountingMatchesHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("builds about a million values")
	}
	for _, tc := range accountingCases {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Options{Databases: 1, SweepInterval: -1, Clock: NewManualClock(time.Unix(1e9, 0))})
			defer s.Close()
			db := s.DB(0)
			before := liveHeap()
			for i := range tc.keys {
				tc.build(db, i)
			}
			grown := liveHeap() - before
			used := s.UsedMemory()
			runtime.KeepAlive(s)
			t.Logf("%s: heap %d B/key, accounted %d B/key (%.3f)", tc.name, grown/int64(tc.keys), used/int64(tc.keys), float64(used)/float64(grown))
			if d := float64(used)/float64(grown) - 1; d > 0.10 || d < -0.10 {
				t.Errorf("accounted %d bytes, the heap grew %d: off by %.1f%%", used, grown, d*100)
			}
		})
	}
}
