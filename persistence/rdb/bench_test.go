package rdb

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/emberkv/ember/store"
)

// benchKeys is the dataset size of the save and load benchmarks: 1M
// short string keys, as the figures. Run with
//
//	go test ./persistence/rdb -run X -bench 'Save|Load|Pause' -benchtime 1x
var benchKeys = benchSize()

func benchStore(b *testing.B, n int) *store.Store {
	b.Helper()
	s := store.New(store.Options{SweepInterval: -1})
	b.Cleanup(s.Close)
	db := s.DB(0)
	val := []byte("value-0123456789")
	for i := range n {
		db.Set("key:"+strconv.Itoa(i), val, store.SetOptions{})
	}
	return s
}

// BenchmarkSave1M writes a point-in-time image of 1M keys to memory
// (the file's fsync is the disk's business), as SAVE does.
// (The workers=2 row is SAVE's, on two processors.)
func BenchmarkSave1M(b *testing.B) {
	s := benchStore(b, benchKeys)
	for _, workers := range []int{1, 2} {
		b.Run("workers="+strconv.Itoa(workers), func(b *testing.B) {
			b.ReportAllocs()
			var size int64
			for range b.N {
				st, err := Write(io.Discard, NewSnapshot(s, true, nil), Options{Compression: true, Checksum: true, Workers: workers})
				if err != nil {
					b.Fatal(err)
				}
				size = st.Bytes
			}
			b.ReportMetric(float64(size), "file-bytes")
		})
	}
}

// BenchmarkLoad1M loads a file of 1M keys into a fresh keyspace, as the
// start-up does: the store that wrote the file is gone, so the collector
// sees only the heap the load builds (and the file's bytes). The reader
// alone: BenchmarkDecode1M.
func BenchmarkLoad1M(b *testing.B) {
	data := benchFile(b, benchKeys)
	b.ReportAllocs()
	b.ResetTimer()
	var cpu time.Duration
	defer func() { b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op") }()
	for range b.N {
		b.StopTimer()
		dst := store.New(store.Options{SweepInterval: -1})
		runtime.GC()
		b.StartTimer()
		c0 := processCPU()
		st := dst.NewStaging()
		if _, err := Load(bytes.NewReader(data), st, dst, LoadOptions{Size: int64(len(data))}); err != nil {
			b.Fatal(err)
		}
		dst.Install(st)
		cpu += processCPU() - c0
		b.StopTimer()
		dst.Close()
		b.StartTimer()
	}
}

// BenchmarkDecode1M reads the file of BenchmarkLoad1M through the same
// reader (lengths, strings, LZF, CRC) without storing the keys.
func BenchmarkDecode1M(b *testing.B) {
	data := benchFile(b, benchKeys)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r := newReader(bytes.NewReader(data), "RDB", int64(len(data)))
		if _, err := r.next(9); err != nil {
			b.Fatal(err)
		}
		for {
			t, err := r.byte()
			if err != nil {
				b.Fatal(err)
			}
			if t == opEOF {
				break
			}
			switch t {
			case opAux:
				_, err = r.str()
				if err == nil {
					_, err = r.str()
				}
			case opSelectDB:
				_, _, err = r.length()
			case opResizeDB:
				_, _, err = r.length()
				if err == nil {
					_, _, err = r.length()
				}
			case typeString:
				_, err = r.str()
				if err == nil {
					_, err = r.str()
				}
			default:
				b.Fatalf("type %d", t)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		r.sumCRC()
	}
}

// benchFile is the RDB image of n keys as benchStore makes them; the
// store that made it is closed and collected.
func benchFile(b *testing.B, n int) []byte {
	b.Helper()
	s := store.New(store.Options{SweepInterval: -1})
	val := []byte("value-0123456789")
	for i := range n {
		s.DB(0).Set("key:"+strconv.Itoa(i), val, store.SetOptions{})
	}
	var buf bytes.Buffer
	if _, err := Write(&buf, NewSnapshot(s, true, nil), Options{Compression: true, Checksum: true}); err != nil {
		b.Fatal(err)
	}
	s.Close()
	runtime.GC()
	return buf.Bytes()
}

// BenchmarkShardPause is the pause a BGSAVE can cause a client: the
// serialization of one shard (1M keys over 64 shards), which a client
// that locks a pending shard waits for. It reports the longest shard's.
func BenchmarkShardPause(b *testing.B) {
	s := benchStore(b, benchKeys)
	b.ReportAllocs()
	b.ResetTimer()
	var longest time.Duration
	for range b.N {
		sn := NewSnapshot(s, true, nil)
		for {
			if _, _, ok := sn.Next(); !ok {
				break
			}
		}
		longest = max(longest, sn.LongestShard())
	}
	b.ReportMetric(float64(longest.Microseconds()), "max-shard-µs")
}

// benchSize is 1M, or EMBER_BENCH_KEYS for a quicker run.
func benchSize() int {
	if n, err := strconv.Atoi(os.Getenv("EMBER_BENCH_KEYS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// processCPU is the CPU time the process has used, user and system, all
// threads (the collector's workers included): on a machine shared with
// other work it varies far less than the wall clock.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
