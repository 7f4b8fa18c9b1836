package store_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/emberkv/ember/store"
)

// The bitmap benchmarks work on 1 MB strings (8M bits), the size the
// issue compares with Redis.
const benchBitmapBytes = 1 << 20

// newBenchBitmap stores a 1 MB bitmap of random bytes at key.
func newBenchBitmap(b *testing.B, db *store.DB, key string, seed uint64) {
	b.Helper()
	p := make([]byte, benchBitmapBytes)
	rng := rand.New(rand.NewPCG(seed, seed))
	for i := range p {
		p[i] = byte(rng.Uint32())
	}
	db.Set(key, p, store.SetOptions{})
}

func BenchmarkSetBit(b *testing.B) {
	db, _ := newBenchStore(b)
	newBenchBitmap(b, db, "bm", 1)
	rng := rand.New(rand.NewPCG(2, 2))
	b.ReportAllocs()
	b.SetBytes(1)
	for b.Loop() {
		db.SetBit("bm", rng.Uint64N(benchBitmapBytes*8), rng.IntN(2) == 0)
	}
}

func BenchmarkGetBit(b *testing.B) {
	db, _ := newBenchStore(b)
	newBenchBitmap(b, db, "bm", 1)
	rng := rand.New(rand.NewPCG(2, 2))
	b.ReportAllocs()
	for b.Loop() {
		db.GetBit("bm", rng.Uint64N(benchBitmapBytes*8))
	}
}

func BenchmarkBitCount(b *testing.B) {
	db, _ := newBenchStore(b)
	newBenchBitmap(b, db, "bm", 1)
	b.Run("whole", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(benchBitmapBytes)
		for b.Loop() {
			db.BitCount("bm", nil)
		}
	})
	b.Run("bit-range", func(b *testing.B) {
		r := &store.BitRange{Start: 3, End: benchBitmapBytes*8 - 5, Bits: true}
		b.ReportAllocs()
		b.SetBytes(benchBitmapBytes)
		for b.Loop() {
			db.BitCount("bm", r)
		}
	})
}

// BenchmarkBitPos searches the whole 1 MB: a set bit in zeros, a clear
// one in ones, both found in the last byte.
func BenchmarkBitPos(b *testing.B) {
	db, _ := newBenchStore(b)
	zeros := make([]byte, benchBitmapBytes)
	zeros[len(zeros)-1] = 1
	db.Set("zeros", zeros, store.SetOptions{})
	ones := bytes.Repeat([]byte{0xff}, benchBitmapBytes)
	ones[len(ones)-1] = 0xfe
	db.Set("ones", ones, store.SetOptions{})
	b.Run("set-bit", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(benchBitmapBytes)
		for b.Loop() {
			db.BitPos("zeros", true, nil)
		}
	})
	b.Run("clear-bit", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(benchBitmapBytes)
		for b.Loop() {
			db.BitPos("ones", false, nil)
		}
	})
}

func BenchmarkBitOpAnd(b *testing.B) {
	db, _ := newBenchStore(b)
	newBenchBitmap(b, db, "a", 1)
	newBenchBitmap(b, db, "b", 2)
	b.ReportAllocs()
	b.SetBytes(2 * benchBitmapBytes)
	for b.Loop() {
		db.BitOp(store.BitAnd, "dest", "a", "b")
	}
}

func BenchmarkBitField(b *testing.B) {
	db, _ := newBenchStore(b)
	newBenchBitmap(b, db, "bm", 1)
	ops := []store.BitFieldOp{
		{Kind: store.BitFieldIncrBy, Bits: 16, Offset: 1000, Value: 1},
		{Kind: store.BitFieldGet, Signed: true, Bits: 64, Offset: 12345},
	}
	var res []store.BitFieldResult
	b.ReportAllocs()
	for b.Loop() {
		res, _ = db.BitField("bm", ops, res[:0])
	}
}
