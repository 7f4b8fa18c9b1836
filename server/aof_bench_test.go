package server

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/emberkv/ember/internal/testenv"
	"github.com/emberkv/ember/persistence/aof"
)

// BenchmarkDispatchAOF is SET and GET through the whole command path, as
// BenchmarkDispatch, with the AOF off, and on (appendfsync no, so the disk
// is out of the measure): the cost of logging one effect, the order lock
// and the append, with its allocations.
func BenchmarkDispatchAOF(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		cfg := DefaultConfig()
		if on {
			name = "on"
			cfg.Set("dir", b.TempDir())
			cfg.Set("appendonly", "yes")
			cfg.Set("appendfsync", "no")
			cfg.Set("auto-aof-rewrite-percentage", "0") // no rewrite mid-run
		}
		srv, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		<-srv.Loaded()
		if on {
			// Appends go to a file that discards them, so the buffer never
			// waits for the disk.
			srv.aof.file.Load().w.Close()
			srv.aof.file.Store(&aofFile{w: aof.NewWriter(discardFile{}, aof.WriterOptions{Fsync: aof.FsyncNo}), selected: -1})
		}
		c := benchClient(srv)
		for _, tc := range []struct {
			cmd  string
			args [][]byte
		}{
			{"SET", [][]byte{[]byte("SET"), []byte("key:000042"), []byte("value-of-sixty-four-bytes-value-of-sixty-four-bytes-0123456789ab")}},
			{"GET", [][]byte{[]byte("GET"), []byte("key:000042")}},
			{"INCR", [][]byte{[]byte("INCR"), []byte("counter:000042")}},
		} {
			b.Run(name+"/"+tc.cmd, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					c.dispatch(tc.args)
					c.aofWait()
					c.w.buf = c.w.buf[:0]
				}
			})
		}
		srv.Close()
	}
}

type discardFile struct{}

func (discardFile) Write(p []byte) (int, error) { return len(p), nil }
func (discardFile) Sync() error                 { return nil }
func (discardFile) Truncate(int64) error        { return nil }
func (discardFile) Close() error                { return nil }

// TestAOFHotPathsDoNotAllocate: with the AOF on, a SET that is logged
// (effect, unit, order lock, append, wait) allocates no more than with it
// off, once the buffers have grown.
func TestAOFHotPathsDoNotAllocate(t *testing.T) {
	if testenv.RaceEnabled {
		t.Skip("allocation counts need a build without the race detector")
	}
	count := func(on bool) float64 {
		cfg := DefaultConfig()
		if on {
			cfg.Set("dir", t.TempDir())
			cfg.Set("appendonly", "yes")
		}
		srv, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		<-srv.Loaded()
		if on {
			srv.aof.file.Load().w.Close()
			srv.aof.file.Store(&aofFile{w: aof.NewWriter(discardFile{}, aof.WriterOptions{Fsync: aof.FsyncNo}), selected: -1})
		}
		c := benchClient(srv)
		args := [][]byte{[]byte("SET"), []byte("k"), []byte("v")}
		run := func() {
			c.dispatch(args)
			c.aofWait()
			c.w.buf = c.w.buf[:0]
		}
		run()
		return testing.AllocsPerRun(200, run)
	}
	off, on := count(false), count(true)
	if on > off {
		t.Fatalf("SET allocates %.1f times with the AOF on, %.1f with it off", on, off)
	}
}

// BenchmarkAOFReplay is loading an incr file of SET commands through the
// server's loader (what start-up does): ns per command.
func BenchmarkAOFReplay(b *testing.B) {
	dir := b.TempDir()
	var data []byte
	const n = 100000
	for i := range n {
		data = aof.AppendCommand(data, []byte("SET"), []byte("key:"+strconv.Itoa(i*7919%n)), []byte("value-value-value"))
	}
	m := &aof.Manifest{}
	m.NewIncr("appendonly.aof")
	if err := os.WriteFile(filepath.Join(dir, "appendonly.aof.1.incr.aof"), data, 0o644); err != nil {
		b.Fatal(err)
	}
	srv := benchServer(b, DefaultConfig())
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		srv.store.SetLoading(true)
		if _, err := srv.replayAOF(dir, m, aof.LoadOptions{}); err != nil {
			b.Fatal(err)
		}
		srv.store.SetLoading(false)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/command")
}
