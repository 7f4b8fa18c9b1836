package aof

import (
	"bytes"
	"io"
	"sync"
	"testing"
)

type nopFile struct{}

func (nopFile) Write(p []byte) (int, error) { return len(p), nil }
func (nopFile) Sync() error                 { return nil }
func (nopFile) Truncate(int64) error        { return nil }
func (nopFile) Close() error                { return nil }

// BenchmarkAppend is the cost a command pays on the hot path with
// everysec: one copy into the shared buffer.
func BenchmarkAppend(b *testing.B) {
	w := NewWriter(nopFile{}, WriterOptions{Fsync: FsyncNo})
	defer w.Close()
	cmd := cmds([]string{"SET", "key:000001", "value-value-value"})
	b.ReportAllocs()
	b.SetBytes(int64(len(cmd)))
	for b.Loop() {
		w.Append(cmd)
	}
}

// BenchmarkAppendCommand is encoding one SET into a reused buffer.
func BenchmarkAppendCommand(b *testing.B) {
	args := [][]byte{[]byte("SET"), []byte("key:000001"), []byte("value-value-value")}
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendCommand(buf[:0], args...)
	}
}

// BenchmarkGroupCommit is Append+Wait from parallel goroutines on a
// real file in a temp dir, as clients' batches end: ns/op is per
// acknowledged command; writes/op and fsyncs/op show how many commands
// share one write(2) and, with always, one fsync.
func BenchmarkGroupCommit(b *testing.B) {
	for _, policy := range []Fsync{FsyncAlways, FsyncEverySec} {
		b.Run("appendfsync="+policy.String(), func(b *testing.B) {
			f, _, err := OpenFile(b.TempDir() + "/bench.incr.aof")
			if err != nil {
				b.Fatal(err)
			}
			cf := &countingFile{f: f}
			w := NewWriter(cf, WriterOptions{Fsync: policy})
			defer w.Close()
			cmd := cmds([]string{"SET", "key:000001", "value-value-value"})
			b.ReportAllocs()
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := w.Wait(w.Append(cmd)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			writes, syncs := cf.counts()
			b.ReportMetric(float64(writes)/float64(b.N), "writes/op")
			b.ReportMetric(float64(syncs)/float64(b.N), "fsyncs/op")
		})
	}
}

type countingFile struct {
	f interface {
		io.Writer
		Sync() error
		Truncate(int64) error
		Close() error
	}
	mu     sync.Mutex
	writes int
	n      int
}

func (c *countingFile) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes++
	c.mu.Unlock()
	return c.f.Write(p)
}
func (c *countingFile) Sync() error {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.f.Sync()
}
func (c *countingFile) Truncate(n int64) error { return c.f.Truncate(n) }
func (c *countingFile) Close() error           { return c.f.Close() }
func (c *countingFile) counts() (writes, syncs int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes, c.n
}

// BenchmarkReader is reading SET commands back, as a load does.
func BenchmarkReader(b *testing.B) {
	data := cmds([]string{"SET", "key:000001", "value-value-value"})
	all := bytes.Repeat(data, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	r := NewReader(bytes.NewReader(all))
	for b.Loop() {
		if _, err := r.Next(); err != nil {
			r = NewReader(bytes.NewReader(all))
		}
	}
}
