package store_test

import (
	"runtime"
	"strconv"
	"testing"

	"github.com/emberkv/ember/store"
)

// BenchmarkSAdd adds a new member each time, to an intset (kept below its
// threshold by removing what it added) and to a hash table.
func BenchmarkSAdd(b *testing.B) {
	b.Run("intset", func(b *testing.B) {
		db, _ := newBenchStore(b)
		db.SAdd("s", []byte("1"))
		vals := make([][]byte, 256)
		for i := range vals {
			vals[i] = []byte(strconv.Itoa(1000 + i))
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			v := vals[i%len(vals)]
			if i%len(vals) == 0 && i > 0 {
				db.SRem("s", vals...)
			}
			db.SAdd("s", v)
		}
	})
	b.Run("hashtable", func(b *testing.B) {
		db, _ := newBenchStore(b)
		vals := make([][]byte, 1<<16)
		for i := range vals {
			vals[i] = []byte("member:" + strconv.Itoa(i))
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if i%len(vals) == 0 {
				db.Del("s")
			}
			db.SAdd("s", vals[i%len(vals)])
		}
	})
}

func BenchmarkSIsMember(b *testing.B) {
	for _, enc := range []string{"intset", "hashtable"} {
		b.Run(enc, func(b *testing.B) {
			db, _ := newBenchStore(b)
			members := make([][]byte, 100)
			for i := range members {
				members[i] = []byte(strconv.Itoa(i))
				if enc == "hashtable" {
					members[i] = []byte("m" + strconv.Itoa(i))
				}
			}
			db.SAdd("s", members...)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if ok, _ := db.SIsMember("s", members[i%len(members)]); !ok {
					b.Fatal("not a member")
				}
			}
		})
	}
}

// BenchmarkSMembers100 reads a set of 100 members the way the server
// writes SMEMBERS: through the callback, copying nothing.
func BenchmarkSMembers100(b *testing.B) {
	for _, enc := range []string{"intset", "hashtable"} {
		b.Run(enc, func(b *testing.B) {
			db, _ := newBenchStore(b)
			for i := range 100 {
				m := strconv.Itoa(i)
				if enc == "hashtable" {
					m = "m" + m
				}
				db.SAdd("s", []byte(m))
			}
			var out []byte
			b.ReportAllocs()
			for b.Loop() {
				out = out[:0]
				db.SMembersFunc("s", func(int) {}, func(m []byte) { out = append(out, m...) })
			}
		})
	}
}

// BenchmarkSInter1000 intersects two hash tables of 1000 members that
// share half of them.
func BenchmarkSInter1000(b *testing.B) {
	db, _ := newBenchStore(b)
	for i := range 1000 {
		db.SAdd("a", []byte("m"+strconv.Itoa(i)))
		db.SAdd("b", []byte("m"+strconv.Itoa(i+500)))
	}
	b.ReportAllocs()
	for b.Loop() {
		if got, _ := db.SInter("a", "b"); len(got) != 500 {
			b.Fatal(len(got))
		}
	}
}

// BenchmarkSetMemory reports the heap a set of a million members takes
// per member, integers (a hash table past the intset threshold, as in
// Redis) and strings.
func BenchmarkSetMemory(b *testing.B) {
	const n = 1 << 20
	for _, kind := range []string{"integers", "strings"} {
		b.Run(kind, func(b *testing.B) {
			for b.Loop() {
				s := store.New(store.Options{SweepInterval: -1})
				db := s.DB(0)
				before := heapInUse()
				batch := make([][]byte, 0, 1024)
				for i := range n {
					m := strconv.Itoa(i)
					if kind == "strings" {
						m = "member:" + m
					}
					batch = append(batch, []byte(m))
					if len(batch) == cap(batch) {
						db.SAdd("s", batch...)
						batch = batch[:0]
					}
				}
				db.SAdd("s", batch...)
				batch = nil
				b.ReportMetric(float64(heapInUse()-before)/n, "bytes/member")
				runtime.KeepAlive(db)
				s.Close()
			}
		})
	}
}

func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
