package store_test

import (
	"runtime"
	"strconv"
	"testing"

	"github.com/emberkv/ember/store"
)

// hashEncodings runs a benchmark on both encodings: the default limits
// keep a small hash a listpack; limits of 0 entries make it a hashtable
// from its first field.
var hashEncodings = []struct {
	name   string
	limits func() store.EncodingLimits
}{
	{"listpack", store.DefaultEncodingLimits},
	{"hashtable", func() store.EncodingLimits { return limitsWith(0, 64) }},
}

func newHashBenchDB(b *testing.B, limits store.EncodingLimits) *store.DB {
	b.Helper()
	s := store.New(store.Options{EncodingLimits: &limits})
	b.Cleanup(s.Close)
	return s.DB(0)
}

// fillHash gives key n fields "field:i" of 8-byte values.
func fillHash(db *store.DB, key string, n int) [][]byte {
	fields := make([][]byte, n)
	for i := range fields {
		fields[i] = []byte("field:" + strconv.Itoa(i))
		db.HSet(key, fields[i], []byte("value:00"))
	}
	return fields
}

func BenchmarkHSet(b *testing.B) {
	for _, enc := range hashEncodings {
		b.Run(enc.name+"/existing", func(b *testing.B) {
			db := newHashBenchDB(b, enc.limits())
			fields := fillHash(db, "h", 100)
			val := []byte("value:11")
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				db.HSet("h", fields[i%len(fields)], val)
			}
		})
		b.Run(enc.name+"/new", func(b *testing.B) {
			// New fields into hashes of 0 to 99 fields: each key is
			// deleted and refilled, so a listpack stays a listpack.
			db := newHashBenchDB(b, enc.limits())
			fields := make([][]byte, 100)
			for i := range fields {
				fields[i] = []byte("field:" + strconv.Itoa(i))
			}
			val := []byte("value:00")
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				f := i % len(fields)
				if f == 0 {
					db.Del("h")
				}
				db.HSet("h", fields[f], val)
			}
		})
	}
}

func BenchmarkHGet(b *testing.B) {
	for _, enc := range hashEncodings {
		b.Run(enc.name+"/hit", func(b *testing.B) {
			db := newHashBenchDB(b, enc.limits())
			fields := fillHash(db, "h", 100)
			var buf []byte
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				var ok bool
				buf, ok, _ = db.AppendHGet(buf[:0], "h", fields[i%len(fields)])
				if !ok {
					b.Fatal("missing field")
				}
			}
		})
		b.Run(enc.name+"/func", func(b *testing.B) {
			db := newHashBenchDB(b, enc.limits())
			fields := fillHash(db, "h", 100)
			n := 0
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				db.HGetFunc("h", fields[i%len(fields)], func(v []byte) { n += len(v) })
			}
		})
	}
}

func BenchmarkHGetAll(b *testing.B) {
	for _, enc := range hashEncodings {
		for _, size := range []int{10, 100} {
			b.Run(enc.name+"/"+strconv.Itoa(size)+"/func", func(b *testing.B) {
				// What the server does: write the reply from the views.
				db := newHashBenchDB(b, enc.limits())
				fillHash(db, "h", size)
				var out []byte
				b.ReportAllocs()
				for b.Loop() {
					out = out[:0]
					db.HGetAllFunc("h", func(int) {}, func(f, v []byte) {
						out = append(out, f...)
						out = append(out, v...)
					})
				}
			})
			b.Run(enc.name+"/"+strconv.Itoa(size)+"/copy", func(b *testing.B) {
				db := newHashBenchDB(b, enc.limits())
				fillHash(db, "h", size)
				b.ReportAllocs()
				for b.Loop() {
					db.HGetAll("h")
				}
			})
		}
	}
}

// BenchmarkSmallHashesMemory loads 100k hashes of 10 fields, as HSET
// h:N f0 v0 ... f9 v9, and reports per hash the live heap afterwards and
// the bytes allocated on the way: garbage grows a Go server's RSS up to
// the collector's next target, so a load that makes garbage costs memory
// as well as time.
func BenchmarkSmallHashesMemory(b *testing.B) {
	const n = 100_000
	args := make([][]byte, 20)
	for j := range 10 {
		args[2*j] = []byte("f" + strconv.Itoa(j))
	}
	var key, val []byte
	for b.Loop() {
		s := store.New(store.Options{SweepInterval: -1})
		db := s.DB(0)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range n {
			// The store copies what it keeps: reused buffers, as the
			// server's request buffer, keep the benchmark's own garbage
			// out of the figures.
			key = strconv.AppendInt(append(key[:0], "h:"...), int64(i), 10)
			val = strconv.AppendInt(append(val[:0], 'v'), int64(i), 10)
			for j := range 10 {
				args[2*j+1] = val
			}
			db.HSet(string(key), args...)
		}
		runtime.ReadMemStats(&after)
		alloc := after.TotalAlloc - before.TotalAlloc
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "live-bytes/hash")
		b.ReportMetric(float64(alloc)/n, "alloc-bytes/hash")
		s.Close()
	}
}
