package rawio

import (
	"os"
	"syscall"
	"testing"
)

func TestWrite(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err) // every Linux has it
	}
	defer full.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	tests := []struct {
		name      string
		f         *os.File
		p         []byte
		wantN     int
		wantErrno syscall.Errno
	}{
		{"all of it", w, []byte("hello"), 5, 0},
		{"nothing to write", w, nil, 0, 0},
		{"a full disk", full, []byte("x"), 0, syscall.ENOSPC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, errno := Write(tt.f.Fd(), tt.p)
			if n != tt.wantN || errno != tt.wantErrno {
				t.Fatalf("Write = %d, %v; want %d, %v", n, errno, tt.wantN, tt.wantErrno)
			}
		})
	}
	got := make([]byte, 5)
	if _, err := r.Read(got); err != nil || string(got) != "hello" {
		t.Fatalf("pipe holds %q (%v)", got, err)
	}
}
