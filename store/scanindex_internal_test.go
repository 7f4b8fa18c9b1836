package store

import (
	"fmt"
	"slices"
	"testing"
	"unsafe"
)

// collidingKeys returns groups of keys of the same shard whose hashes
// agree in the 32 bits below the shard's, which the scan index keeps, and
// so share a SCAN cursor.
func collidingKeys(t *testing.T, s *Store, groups int) [][]string {
	t.Helper()
	skip := s.shardBits()
	byBits := make(map[uint64][]string)
	var out [][]string
	for i := 0; len(out) < groups; i++ {
		if i == 4<<20 {
			t.Fatalf("found %d groups of colliding keys in %d keys", len(out), i)
		}
		k := fmt.Sprintf("k%d", i)
		top := s.hash(k) >> (32 - skip) // the shard's bits and the item's
		byBits[top] = append(byBits[top], k)
		if len(byBits[top]) == 2 {
			out = append(out, byBits[top])
		}
	}
	for i, g := range out {
		out[i] = byBits[s.hash(g[0])>>(32-skip)] // more may have joined
	}
	return out
}

// TestScanKeepsRunsWhole: keys that share a cursor come back from one
// call, whatever COUNT: a call cannot return a cursor into their run.
func TestScanKeepsRunsWhole(t *testing.T) {
	for _, shards := range []int{1, 4} {
		for _, count := range []int{1, 2, 5} {
			t.Run(fmt.Sprintf("shards=%d/count=%d", shards, count), func(t *testing.T) {
				s, _ := newTestStore(t, shards)
				db := s.DB(0)
				runs := collidingKeys(t, s, 4)
				for _, run := range runs {
					for _, k := range run {
						mustSet(t, db, k, "v", 0)
					}
				}
				for i := range 100 {
					mustSet(t, db, fmt.Sprintf("other:%d", i), "v", 0)
				}
				callOf := make(map[string]int)
				cursor := uint64(0)
				for call := 1; ; call++ {
					if call > 1000 {
						t.Fatal("SCAN did not finish")
					}
					next, keys := db.Scan(cursor, ScanOptions{Count: count})
					for _, k := range keys {
						if callOf[k] != 0 {
							t.Fatalf("%q returned twice from an unchanging keyspace", k)
						}
						callOf[k] = call
					}
					if next == 0 {
						break
					}
					cursor = next
				}
				if len(callOf) != db.Size() {
					t.Fatalf("SCAN returned %d keys of %d", len(callOf), db.Size())
				}
				for _, run := range runs {
					for _, k := range run[1:] {
						if callOf[k] != callOf[run[0]] {
							t.Errorf("run %q split between calls %d and %d", run, callOf[run[0]], callOf[k])
						}
					}
				}
			})
		}
	}
}

// TestScanIndexHoldsTheLRUsKeys: the scan index refers to the bytes of
// the key the LRU holds, not a copy of its own, whichever way a key came
// in: a new key, an overwrite, a rename, a load.
func TestScanIndexHoldsTheLRUsKeys(t *testing.T) {
	s, _ := newTestStore(t, 4)
	st := s.NewStaging() // a load replaces every database: first
	for i := range 200 {
		if err := st.AddString(1, fmt.Sprintf("loaded:%d", i), []byte("v"), 0, Access{}); err != nil {
			t.Fatal(err)
		}
	}
	s.Install(st)
	db := s.DB(0)
	for i := range 200 {
		mustSet(t, db, fmt.Sprintf("key:%d", i), "v", 0)
	}
	mustSet(t, db, "key:7", "overwritten", 0)
	if _, err := db.Rename("key:8", "renamed", false); err != nil {
		t.Fatal(err)
	}
	for _, dbi := range []int{0, 1} {
		n := 0
		for _, sh := range s.DB(dbi).shards {
			d := sh.data
			for _, k := range d.items.Keys() {
				it, ok := d.order.Get(d.order.Item(s.hash(k), k))
				if !ok {
					t.Fatalf("db %d: %q is not in the scan index", dbi, k)
				}
				if unsafe.StringData(it.Key()) != unsafe.StringData(k) {
					t.Errorf("db %d: the scan index holds a copy of %q", dbi, k)
				}
				n++
			}
			if d.order.Len() != d.items.Len() {
				t.Errorf("db %d: %d items in the scan index, %d keys", dbi, d.order.Len(), d.items.Len())
			}
		}
		if n == 0 {
			t.Fatalf("db %d is empty", dbi)
		}
	}
	if k := "renamed"; !slices.Contains(s.DB(1).Keys("*"), "loaded:0") || s.DB(0).Exists(k) != 1 {
		t.Fatal("the keys are not where they were put")
	}
}
