package listpack

import (
	"strconv"
	"testing"
)

func BenchmarkAppend(b *testing.B) {
	v := []byte("some-field-value")
	lp := New(1 << 16)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%1000 == 0 {
			lp = append(lp[:0], New(0)...)
		}
		lp = Append(lp, v)
	}
}

func BenchmarkAppendInt(b *testing.B) {
	lp := New(1 << 16)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%1000 == 0 {
			lp = append(lp[:0], New(0)...)
		}
		lp = AppendInt(lp, int64(i))
	}
}

// hash128 is a hash of 64 fields and 64 values: 128 entries.
func hash128() []byte {
	lp := New(0)
	for i := range 64 {
		lp = Append(lp, []byte("field:"+strconv.Itoa(i)))
		lp = Append(lp, []byte(strconv.Itoa(i*7919)))
	}
	return lp
}

func BenchmarkFind128(b *testing.B) {
	lp := hash128()
	for _, bc := range []struct{ name, v string }{{"last field", "field:63"}, {"missing", "nope:xx"}, {"int", "496"}} {
		b.Run(bc.name, func(b *testing.B) {
			v := []byte(bc.v)
			b.ReportAllocs()
			for b.Loop() {
				Find(lp, First(lp), v, 1)
			}
		})
	}
}

func BenchmarkIterate128(b *testing.B) {
	lp := hash128()
	b.Run("forward", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for off := First(lp); off >= 0; off = Next(lp, off) {
				Get(lp, off)
			}
		}
	})
	b.Run("backward", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for off := Last(lp); off >= 0; off = Prev(lp, off) {
				Get(lp, off)
			}
		}
	})
}

func BenchmarkValidateDeep128(b *testing.B) {
	lp := hash128()
	for b.Loop() {
		Validate(lp, true)
	}
}
