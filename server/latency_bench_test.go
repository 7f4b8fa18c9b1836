package server

import (
	"strconv"
	"testing"

	"github.com/emberkv/ember/store"
)

// BenchmarkDispatchLatency is BenchmarkDispatch's GET with each setting of
// the latency monitoring: what recording costs a command. "off" has
// latency-tracking no and the slow log off; "tracking" is Redis 7's
// default (a histogram sample per command, slow log at 10 ms, so nothing
// logged); "monitor" adds latency-monitor-threshold 1 (under it);
// "slowlog-all" logs every command (slowlog-log-slower-than 0), the cost
// of an entry.
func BenchmarkDispatchLatency(b *testing.B) {
	srv := benchServer(b, DefaultConfig())
	c := benchClient(srv)
	const keys = 100000
	value := []byte("value-of-sixty-four-bytes-value-of-sixty-four-bytes-0123456789ab")
	reqs := make([][][]byte, 4096)
	for i := range reqs {
		name := []byte("key:" + strconv.Itoa(i*7919%keys))
		srv.store.DB(0).Set(string(name), value, store.SetOptions{})
		reqs[i] = [][]byte{[]byte("GET"), name}
	}
	for _, tc := range []struct {
		name string
		set  []string // CONFIG SET pairs
	}{
		{"off", []string{"latency-tracking", "no", "slowlog-log-slower-than", "-1", "latency-monitor-threshold", "0"}},
		{"tracking", []string{"latency-tracking", "yes", "slowlog-log-slower-than", "10000", "latency-monitor-threshold", "0"}},
		{"monitor", []string{"latency-tracking", "yes", "slowlog-log-slower-than", "10000", "latency-monitor-threshold", "1"}},
		{"slowlog-all", []string{"latency-tracking", "yes", "slowlog-log-slower-than", "0", "latency-monitor-threshold", "0"}},
	} {
		c.w.buf = c.w.buf[:0]
		c.dispatch(stringArgs(append([]string{"CONFIG", "SET"}, tc.set...)))
		if string(c.w.buf) != "+OK\r\n" {
			b.Fatalf("CONFIG SET %v: %q", tc.set, c.w.buf)
		}
		c.w.buf = c.w.buf[:0]
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				c.dispatch(reqs[i%len(reqs)])
				if len(c.w.buf) > 1<<16 {
					c.w.buf = c.w.buf[:0]
				}
			}
		})
	}
}
