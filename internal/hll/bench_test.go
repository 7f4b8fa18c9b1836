package hll

import (
	"strconv"
	"testing"
)

func benchElems(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte("element:" + strconv.Itoa(i))
	}
	return out
}

func denseSketch(n int) Sketch {
	s := New()
	for _, e := range benchElems(n) {
		s.Add(e, DefaultSparseMaxBytes)
	}
	s.ToDense()
	return s
}

func BenchmarkPatLen(b *testing.B) {
	e := []byte("user:1234567")
	b.ReportAllocs()
	for b.Loop() {
		PatLen(e)
	}
}

func BenchmarkAdd(b *testing.B) {
	elems := benchElems(1 << 16)
	b.Run("sparse", func(b *testing.B) {
		s := New()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if i%500 == 0 {
				s = New()
			}
			s.Add(elems[i%len(elems)], DefaultSparseMaxBytes)
		}
	})
	b.Run("dense", func(b *testing.B) {
		s := denseSketch(1000)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			s.Add(elems[i%len(elems)], DefaultSparseMaxBytes)
		}
	})
}

func BenchmarkCount(b *testing.B) {
	s := denseSketch(100000)
	b.ReportAllocs()
	for b.Loop() {
		s.b[cacheByte] |= staleBit
		s.Count()
	}
}

func BenchmarkUnion(b *testing.B) {
	a, c := denseSketch(100000), denseSketch(50000)
	b.ReportAllocs()
	for b.Loop() {
		var u Union
		u.Merge(a.Bytes())
		u.Merge(c.Bytes())
		u.Count()
	}
}
