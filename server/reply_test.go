package server

import (
	"math"
	"testing"
)

// The reply layer writes each type as RESP2 or RESP3, per connection.
func TestReplyWriter(t *testing.T) {
	tests := []struct {
		name         string
		write        func(w *replyWriter)
		resp2, resp3 string
	}{
		{"null", func(w *replyWriter) { w.null() }, "$-1\r\n", "_\r\n"},
		{"null array", func(w *replyWriter) { w.nullArray() }, "*-1\r\n", "_\r\n"},
		{"map", func(w *replyWriter) { w.mapHeader(2) }, "*4\r\n", "%2\r\n"},
		{"set", func(w *replyWriter) { w.setHeader(3) }, "*3\r\n", "~3\r\n"},
		{"double", func(w *replyWriter) { w.double(1.5) }, "$3\r\n1.5\r\n", ",1.5\r\n"},
		{"double inf", func(w *replyWriter) { w.double(math.Inf(-1)) }, "$4\r\n-inf\r\n", ",-inf\r\n"},
		{"verbatim", func(w *replyWriter) { w.verbatim("a") }, "$1\r\na\r\n", "=5\r\ntxt:a\r\n"},
		{"error newline", func(w *replyWriter) { w.error("ERR a\r\nb") }, "-ERR a  b\r\n", "-ERR a  b\r\n"},
		{"int", func(w *replyWriter) { w.int(-7) }, ":-7\r\n", ":-7\r\n"},
	}
	for _, tt := range tests {
		for _, resp3 := range []bool{false, true} {
			w := &replyWriter{resp3: resp3}
			tt.write(w)
			want := tt.resp2
			if resp3 {
				want = tt.resp3
			}
			if got := string(w.buf); got != want {
				t.Errorf("%s (resp3=%v) = %q, want %q", tt.name, resp3, got, want)
			}
		}
	}
}
