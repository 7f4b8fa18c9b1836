package server

import (
	"bytes"
	"strconv"
	"testing"
)

// BenchmarkReplyEncode encodes the replies the hot commands write: an
// LRANGE 0 99 of 64-byte elements, a GET's 64-byte bulk, an INCR's
// integer; ns/op is per reply.
func BenchmarkReplyEncode(b *testing.B) {
	value := bytes.Repeat([]byte("v"), 64)
	var w replyWriter
	b.Run("LRANGE100", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			w.buf = w.buf[:0]
			w.array(100)
			for j := 0; j < 100; j++ {
				w.bulk(value)
			}
		}
	})
	b.Run("GET64", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			w.buf = w.buf[:0]
			w.bulk(value)
		}
	})
	b.Run("INCR", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			w.buf = w.buf[:0]
			w.int(int64(i & 1023))
		}
	})
}

// TestReplyHeaders pins the digit-by-digit headers against strconv's at
// and around each width they special-case.
func TestReplyHeaders(t *testing.T) {
	for _, n := range []int{0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 1001, 65535, -1, -10, 1 << 40} {
		var w replyWriter
		w.header('$', n)
		want := "$" + strconv.Itoa(n) + "\r\n"
		if string(w.buf) != want {
			t.Errorf("header(%d) = %q, want %q", n, w.buf, want)
		}
		w.buf = w.buf[:0]
		w.int(int64(n))
		if want := ":" + strconv.Itoa(n) + "\r\n"; string(w.buf) != want {
			t.Errorf("int(%d) = %q, want %q", n, w.buf, want)
		}
	}
}
