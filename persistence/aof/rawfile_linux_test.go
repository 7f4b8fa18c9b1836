package aof

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// countedFile is an *os.File that counts the writes made through its
// Write method, which the raw path goes around.
type countedFile struct {
	*os.File
	writes atomic.Int64
}

func (f *countedFile) Write(p []byte) (int, error) {
	f.writes.Add(1)
	return f.File.Write(p)
}

// The flusher writes through the descriptor while no background fsync
// runs, and through File.Write while one does (rawfile_linux.go says
// why); either way the file gets every byte, in order.
func TestRawWriteUnlessFsyncRuns(t *testing.T) {
	tests := []struct {
		name        string
		syncing     bool
		wantWriteFn int64 // calls of File.Write
	}{
		{"no fsync running: raw", false, 0},
		{"fsync running: File.Write", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "incr.aof")
			osf, size, err := OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f := &countedFile{File: osf}
			w := NewWriter(f, WriterOptions{Fsync: FsyncNo, Size: size})
			if w.raw == nil {
				t.Fatal("an *os.File gave no raw access")
			}
			want := cmds([]string{"SET", "k", "v"})
			w.mu.Lock()
			w.syncing = tt.syncing // as syncLoop sets it around its fsync
			w.mu.Unlock()
			tk := w.Append(want)
			if err := w.Wait(tk); err != nil {
				t.Fatal(err)
			}
			if got := f.writes.Load(); got != tt.wantWriteFn {
				t.Fatalf("File.Write called %d times, want %d", got, tt.wantWriteFn)
			}
			w.mu.Lock()
			w.syncing = false
			w.mu.Unlock()
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != string(want) {
				t.Fatalf("file holds %q, want %q", data, want)
			}
		})
	}
}

// A raw write that fails reaches Wait with its errno, as a failed
// File.Write does: /dev/full answers every write with ENOSPC.
func TestRawWriteError(t *testing.T) {
	f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err) // every Linux has it
	}
	w := NewWriter(f, WriterOptions{Fsync: FsyncNo})
	if w.raw == nil {
		t.Fatal("no raw access to /dev/full")
	}
	err = w.Wait(w.Append(cmds([]string{"SET", "k", "v"})))
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Wait on a full disk: %v, want ENOSPC", err)
	}
	if w.Err() == nil {
		t.Fatal("Err() nil after a failed raw write")
	}
	w.Close()
}

// A file with nothing to write to gives no raw access; the writer keeps
// its Write.
func TestRawFileNeedsDescriptor(t *testing.T) {
	if r := newRawFile(&memFile{}); r != nil {
		t.Fatal("raw access to a File without a descriptor")
	}
}

// TestAlwaysFsyncRawUntilSlow: appendfsync always fsyncs with the raw
// call while the disk answers quickly, and through the scheduler for
// rawSyncBackoff after an fsync slower than slowRawSync (the clock here
// is the writer's own, made to jump during one fsync).
func TestAlwaysFsyncRawUntilSlow(t *testing.T) {
	f, size, err := OpenFile(filepath.Join(t.TempDir(), "a.aof"))
	if err != nil {
		t.Fatal(err)
	}
	w := NewWriter(f, WriterOptions{Fsync: FsyncAlways, Size: size})
	defer w.Close()
	var mu sync.Mutex
	now := time.Unix(1000, 0)
	step := time.Duration(0) // added on every reading: a slow fsync
	w.mu.Lock()
	w.now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(step)
		return now
	}
	w.mu.Unlock()
	commit := func() {
		t.Helper()
		if err := w.Wait(w.Append([]byte("*1\r\n$4\r\nPING\r\n"))); err != nil {
			t.Fatal(err)
		}
	}
	counts := func() (raw, plain int) {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.rawSyncs, w.plainSyncs
	}
	commit()
	if raw, plain := counts(); raw != 1 || plain != 0 {
		t.Fatalf("a quick disk: %d raw, %d plain fsyncs; want 1, 0", raw, plain)
	}
	mu.Lock()
	step = 2 * slowRawSync
	mu.Unlock()
	commit() // raw, and slow: the next ones are not raw
	mu.Lock()
	step = 0
	mu.Unlock()
	commit()
	if raw, plain := counts(); raw != 2 || plain != 1 {
		t.Fatalf("after a slow fsync: %d raw, %d plain; want 2, 1", raw, plain)
	}
	mu.Lock()
	now = now.Add(rawSyncBackoff + time.Second)
	mu.Unlock()
	commit()
	if raw, plain := counts(); raw != 3 || plain != 1 {
		t.Fatalf("after the backoff: %d raw, %d plain; want 3, 1", raw, plain)
	}
	data, err := os.ReadFile(f.Name())
	if err != nil || len(data) != 4*len("*1\r\n$4\r\nPING\r\n") {
		t.Fatalf("file %q, %v", data, err)
	}
}
