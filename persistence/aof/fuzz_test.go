package aof

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReader: any bytes give commands, a clean EOF, ErrTruncated or
// ErrFormat; never a panic; the offset never passes the input; and the
// commands re-encoded read back to the same commands.
func FuzzReader(f *testing.F) {
	f.Add(cmds([]string{"SET", "a", "1"}, []string{"MULTI"}, []string{"EXEC"}))
	f.Add([]byte("#TS:1\r\n*1\r\n$4\r\nPING\r\n"))
	f.Add([]byte("*2\r\n$3\r\nGET\r\n$99999999\r\n"))
	f.Add([]byte("*3\r\n$3\r\nSET\r\n$1\r\na"))
	f.Fuzz(func(t *testing.T, data []byte) {
		read := func(data []byte) ([]byte, int64) {
			r := NewReader(bytes.NewReader(data))
			var enc []byte
			for {
				args, err := r.Next()
				if err != nil {
					if err != io.EOF && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrFormat) {
						t.Fatalf("unexpected error %v", err)
					}
					return enc, r.Offset()
				}
				enc = AppendCommand(enc, args...)
			}
		}
		enc, off := read(data)
		if off > int64(len(data)) {
			t.Fatalf("offset %d past %d bytes", off, len(data))
		}
		if again, off2 := read(enc); !bytes.Equal(again, enc) || off2 != int64(len(enc)) {
			t.Fatalf("re-encoded %q, read back %q", enc, again)
		}
	})
}

// FuzzManifest: parsing never panics, and what parses re-encodes to a
// manifest that parses to the same thing.
func FuzzManifest(f *testing.F) {
	f.Add([]byte("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"))
	f.Add([]byte("file \"a b\\x01\" seq 3 type i\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(bytes.NewReader(data))
		if err != nil {
			return
		}
		enc := m.Encode()
		if len(enc) == 0 {
			return // only comments
		}
		m2, err := ParseManifest(bytes.NewReader(enc))
		if err != nil {
			t.Fatalf("re-encoded %q does not parse: %v", enc, err)
		}
		if !bytes.Equal(m2.Encode(), enc) {
			t.Fatalf("%q then %q", enc, m2.Encode())
		}
	})
}
