package server

import (
	"bytes"
	"strings"
	"sync/atomic"
	"testing"
)

// BenchmarkParse parses pipelined batches of 16 requests from the read
// buffer, as a connection under redis-benchmark -P 16 does; ns/op is per
// request.
func BenchmarkParse(b *testing.B) {
	var maxBulk, maxQuery atomic.Int64
	maxBulk.Store(defaultMaxBulkLen)
	maxQuery.Store(defaultQueryBufSize)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"SETBIT", []string{"SETBIT", "bm", "100", "1"}},
		{"SET64", []string{"SET", "key:000000001234", strings.Repeat("v", 64)}},
		{"MSET10", strings.Fields(strings.Repeat("key:000000001234 xxx ", 10))},
	} {
		var args [][]byte
		for _, a := range tc.args {
			args = append(args, []byte(a))
		}
		batch := bytes.Repeat(encodeCommand(args...), 16)
		b.Run(tc.name, func(b *testing.B) {
			rc := newRequestConn(nil, &maxBulk, &maxQuery)
			b.ReportAllocs()
			b.SetBytes(int64(len(batch) / 16))
			for n := 0; n < b.N; n += 16 {
				rc.in = append(rc.in[:0], batch...)
				rc.pos, rc.start = 0, 0
				for got := 0; got < 16; got++ {
					if args, _ := rc.parse(); len(args) != len(tc.args) {
						b.Fatalf("request %d: %q", got, args)
					}
				}
			}
		})
	}
}
