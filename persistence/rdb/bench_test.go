package rdb

import (
	"bytes"
	"io"
	"os"
	"strconv"
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
func BenchmarkSave1M(b *testing.B) {
	s := benchStore(b, benchKeys)
	b.ReportAllocs()
	b.ResetTimer()
	var size int64
	for range b.N {
		st, err := Write(io.Discard, NewSnapshot(s, true, nil), Options{Compression: true, Checksum: true})
		if err != nil {
			b.Fatal(err)
		}
		size = st.Bytes
	}
	b.ReportMetric(float64(size), "file-bytes")
}

// BenchmarkLoad1M loads a file of 1M keys into a fresh keyspace.
func BenchmarkLoad1M(b *testing.B) {
	s := benchStore(b, benchKeys)
	var buf bytes.Buffer
	if _, err := Write(&buf, NewSnapshot(s, true, nil), Options{Compression: true, Checksum: true}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	dst := store.New(store.Options{SweepInterval: -1})
	defer dst.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		st := dst.NewStaging()
		if _, err := Load(bytes.NewReader(data), st, dst, LoadOptions{Size: int64(len(data))}); err != nil {
			b.Fatal(err)
		}
		dst.Install(st)
	}
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
