package dict

import (
	"runtime"
	"strconv"
	"testing"
)

// benchN is the size of the tables the benchmarks work on: big enough that
// lookups miss the CPU caches, as a large hash in a busy server does.
const benchN = 1 << 20

var benchKeys, benchVals = func() ([]string, []string) {
	keys, vals := make([]string, benchN), make([]string, benchN)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
		vals[i] = "val:" + strconv.Itoa(i)
	}
	return keys, vals
}()

func fullDict() *Dict[string] {
	d := New[string](0)
	for i, k := range benchKeys {
		d.SetOwned(k, benchVals[i])
	}
	return d
}

func fullMap() map[string]string {
	m := map[string]string{}
	for i, k := range benchKeys {
		m[k] = benchVals[i]
	}
	return m
}

// spread visits the keys in an order unrelated to insertion, so neither
// table gets locality for free.
func spread(i int) int { return (i * 0x9E3779B1) & (benchN - 1) }

var sink string

func BenchmarkGet(b *testing.B) {
	d, m := fullDict(), fullMap()
	misses := make([]string, benchN)
	for i := range misses {
		misses[i] = "nope:" + strconv.Itoa(i)
	}
	small := New[string](0)
	smallMap := map[string]string{}
	for i := range 1000 {
		small.SetOwned(benchKeys[i], benchVals[i])
		smallMap[benchKeys[i]] = benchVals[i]
	}
	b.Run("hit-1000/dict", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			sink, _ = small.Get(benchKeys[i%1000])
		}
	})
	b.Run("hit-1000/map", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			sink = smallMap[benchKeys[i%1000]]
		}
	})
	b.Run("hit/dict", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			sink, _ = d.Get(benchKeys[spread(i)])
		}
	})
	b.Run("hit/map", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			sink = m[benchKeys[spread(i)]]
		}
	})
	b.Run("miss/dict", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			sink, _ = d.Get(misses[spread(i)])
		}
	})
	b.Run("miss/map", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			sink = m[misses[spread(i)]]
		}
	})
}

func BenchmarkSet(b *testing.B) {
	// new: fill empty tables of benchN elements one key at a time, growth
	// included. Set copies each key (one allocation); the map and SetOwned
	// store the caller's string.
	b.Run("new/dict", func(b *testing.B) {
		d := New[string](0)
		for i := 0; b.Loop(); i++ {
			if i%benchN == 0 {
				d = New[string](0)
			}
			d.Set(benchKeys[i%benchN], "v")
		}
	})
	b.Run("new/dict-owned", func(b *testing.B) {
		d := New[string](0)
		for i := 0; b.Loop(); i++ {
			if i%benchN == 0 {
				d = New[string](0)
			}
			d.SetOwned(benchKeys[i%benchN], "v")
		}
	})
	b.Run("new/map", func(b *testing.B) {
		m := map[string]string{}
		for i := 0; b.Loop(); i++ {
			if i%benchN == 0 {
				m = map[string]string{}
			}
			m[benchKeys[i%benchN]] = "v"
		}
	})
	d, m := fullDict(), fullMap()
	b.Run("existing/dict", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			d.Set(benchKeys[spread(i)], "v")
		}
	})
	b.Run("existing/map", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			m[benchKeys[spread(i)]] = "v"
		}
	})
}

func BenchmarkDelete(b *testing.B) {
	// Each op deletes one key and inserts it back, keeping the table at
	// benchN so that no op pays for a shrink.
	d, m := fullDict(), fullMap()
	b.Run("dict", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			k := benchKeys[spread(i)]
			v, _ := d.Delete(k)
			d.SetOwned(k, v)
		}
	})
	b.Run("map", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			k := benchKeys[spread(i)]
			v := m[k]
			delete(m, k)
			m[k] = v
		}
	})
}

// BenchmarkScan is one op per full walk of benchN elements.
func BenchmarkScan(b *testing.B) {
	d, m := fullDict(), fullMap()
	n := 0
	count := func(string, string) { n++ }
	b.Run("dict-Scan", func(b *testing.B) {
		for b.Loop() {
			for c := d.Scan(0, count); c != 0; c = d.Scan(c, count) {
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchN), "ns/elem")
	})
	b.Run("dict-All", func(b *testing.B) {
		for b.Loop() {
			for k, v := range d.All() {
				count(k, v)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchN), "ns/elem")
	})
	b.Run("map-range", func(b *testing.B) {
		for b.Loop() {
			for k, v := range m {
				count(k, v)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchN), "ns/elem")
	})
}

// BenchmarkBytesPerElement reports the heap a table of small string keys and
// values adds, per element, at benchN (just after the map has doubled) and
// at 3/4 of it. Keys and values are built beforehand and shared, so
// "dict-owned" and "map" measure only the table; "dict" adds the copy Set
// makes of each key.
func BenchmarkBytesPerElement(b *testing.B) {
	measure := func(b *testing.B, n int, build func(n int) any) {
		var kept any
		var perElem float64
		for b.Loop() {
			kept = nil
			before := heapAlloc()
			kept = build(n)
			perElem = float64(heapAlloc()-before) / float64(n)
		}
		runtime.KeepAlive(kept)
		b.ReportMetric(perElem, "bytes/elem")
	}
	for _, n := range []int{benchN, benchN * 3 / 4} {
		size := strconv.Itoa(n)
		b.Run(size+"/dict", func(b *testing.B) {
			measure(b, n, func(n int) any {
				d := New[string](0)
				for i, k := range benchKeys[:n] {
					d.Set(k, benchVals[i])
				}
				return d
			})
		})
		b.Run(size+"/dict-owned", func(b *testing.B) {
			measure(b, n, func(n int) any {
				d := New[string](0)
				for i, k := range benchKeys[:n] {
					d.SetOwned(k, benchVals[i])
				}
				return d
			})
		})
		b.Run(size+"/map", func(b *testing.B) {
			measure(b, n, func(n int) any {
				m := map[string]string{}
				for i, k := range benchKeys[:n] {
					m[k] = benchVals[i]
				}
				return m
			})
		})
	}
}

func heapAlloc() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// BenchmarkGC is one full collection with a table of benchN elements live:
// what the table costs the collector to mark.
func BenchmarkGC(b *testing.B) {
	b.Run("dict", func(b *testing.B) {
		d := fullDict()
		for b.Loop() {
			runtime.GC()
		}
		runtime.KeepAlive(d)
	})
	b.Run("map", func(b *testing.B) {
		m := fullMap()
		for b.Loop() {
			runtime.GC()
		}
		runtime.KeepAlive(m)
	})
}

// BenchmarkRelink is the pause a resize costs at benchN elements: Set or
// Delete that crosses a threshold relinks every item at once.
func BenchmarkRelink(b *testing.B) {
	d := fullDict()
	for b.Loop() {
		d.relink(2 * benchN)
	}
}
