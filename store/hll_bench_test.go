package store_test

import (
	"strconv"
	"testing"

	"github.com/emberkv/ember/store"
)

// hllBenchElems are the elements PFADD benchmarks add, made beforehand.
func hllBenchElems(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(prefix + strconv.Itoa(i))
	}
	return out
}

// fillHLL makes a dense HLL of n elements at key.
func fillHLL(db *store.DB, key string, n int) {
	elems := hllBenchElems(key+":", n)
	for len(elems) > 0 {
		k := min(1000, len(elems))
		db.PFAdd(key, elems[:k]...)
		elems = elems[k:]
	}
}

func BenchmarkPFAdd(b *testing.B) {
	elems := hllBenchElems("e", 1<<16)
	b.Run("sparse", func(b *testing.B) {
		// Every key holds up to 100 elements, then starts again: sparse
		// HLLs of a few hundred bytes.
		db, keys := newBenchStore(b)
		var elem []byte
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if i%(100*benchKeys) == 0 {
				db.Flush()
			}
			elem = strconv.AppendInt(elem[:0], int64(i), 10)
			db.PFAdd(keys[i%benchKeys], elem)
		}
	})
	b.Run("dense", func(b *testing.B) {
		db, _ := newBenchStore(b)
		fillHLL(db, "d", 100000)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			db.PFAdd("d", elems[i%len(elems)])
		}
	})
}

func BenchmarkPFCount(b *testing.B) {
	db, _ := newBenchStore(b)
	for _, k := range []string{"d1", "d2", "d3"} {
		fillHLL(db, k, 100000)
	}
	db.PFCount("d1")
	stale, _, _ := db.Get("d1")
	stale = append([]byte(nil), stale...)
	stale[15] |= 0x80
	b.Run("one/cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			db.PFCount("d1")
		}
	})
	b.Run("one/stale", func(b *testing.B) {
		// Includes the SET that makes the cache stale again.
		b.ReportAllocs()
		for b.Loop() {
			db.Set("s", stale, store.SetOptions{})
			db.PFCount("s")
		}
	})
	b.Run("three", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			db.PFCount("d1", "d2", "d3")
		}
	})
}

func BenchmarkPFMerge(b *testing.B) {
	db, _ := newBenchStore(b)
	for _, k := range []string{"d1", "d2"} {
		fillHLL(db, k, 100000)
	}
	b.ReportAllocs()
	for b.Loop() {
		db.PFMerge("dst", "d1", "d2")
	}
}
