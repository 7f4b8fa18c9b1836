package aof

import (
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
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
