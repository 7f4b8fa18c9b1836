package server

import (
	"strconv"
	"testing"

	"github.com/emberkv/ember/store"
)

// BenchmarkDispatch runs requests through the whole command path (lookup,
// arity and auth checks, handler, store, reply, statistics) without the
// network, as one connection would.
func BenchmarkDispatch(b *testing.B) {
	srv := benchServer(b, DefaultConfig())
	c := benchClient(srv)
	const keys = 100000
	names := make([][]byte, keys)
	for i := range names {
		names[i] = []byte("key:" + strconv.Itoa(i))
		srv.store.DB(0).Set(string(names[i]), []byte("value-of-sixty-four-bytes-value-of-sixty-four-bytes-0123456789ab"), store.SetOptions{})
	}
	value := []byte("value-of-sixty-four-bytes-value-of-sixty-four-bytes-0123456789ab")
	// bench-messaging's bitmap and HyperLogLog rows: a 1 MB bitmap and a
	// dense HLL, each one key every call reaches.
	db := srv.store.DB(0)
	if _, err := db.SetBit("bm", 8388607, true); err != nil {
		b.Fatal(err)
	}
	elems := make([][]byte, 200000)
	for i := range elems {
		elems[i] = []byte(strconv.Itoa(i))
	}
	if _, err := db.PFAdd("hll", elems...); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args func(i int) [][]byte
	}{
		{"GET", func(i int) [][]byte { return [][]byte{[]byte("GET"), names[i%keys]} }},
		{"SET", func(i int) [][]byte { return [][]byte{[]byte("SET"), names[i%keys], value} }},
		{"INCR", func(i int) [][]byte { return [][]byte{[]byte("INCR"), []byte("counter:" + strconv.Itoa(i%keys))} }},
		// The collection rows of redis-benchmark's default tests, with its
		// key names: one list, set, hash and sorted set, random members.
		{"LPUSH", func(i int) [][]byte { return [][]byte{[]byte("LPUSH"), []byte("mylist"), value} }},
		{"RPOP", func(i int) [][]byte { return [][]byte{[]byte("RPOP"), []byte("mylist")} }},
		{"SADD", func(i int) [][]byte {
			return [][]byte{[]byte("SADD"), []byte("myset"), []byte("element:" + strconv.Itoa(i%keys))}
		}},
		{"HSET", func(i int) [][]byte {
			return [][]byte{[]byte("HSET"), []byte("myhash"), []byte("element:" + strconv.Itoa(i%keys)), value}
		}},
		{"ZADD", func(i int) [][]byte {
			return [][]byte{[]byte("ZADD"), []byte("myzset"), []byte(strconv.Itoa(i % keys)), []byte("element:" + strconv.Itoa(i%keys))}
		}},
		{"SETBIT", func(i int) [][]byte { return [][]byte{[]byte("SETBIT"), []byte("bm"), []byte("100"), []byte("1")} }},
		{"GETBIT", func(i int) [][]byte { return [][]byte{[]byte("GETBIT"), []byte("bm"), []byte("100")} }},
		{"PFCOUNT", func(i int) [][]byte { return [][]byte{[]byte("PFCOUNT"), []byte("hll")} }},
	} {
		reqs := make([][][]byte, 4096)
		for i := range reqs {
			reqs[i] = tc.args(i * 7919)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				c.dispatch(reqs[i%len(reqs)])
				if i%16 == 15 { // a pipelined batch ends
					endBatch(c)
				}
			}
		})
	}
}

// BenchmarkDispatchParallel runs GET, SET and INCR on random keys from
// one connection per core at once: what the single-connection benchmark
// cannot show, the cost of cache lines both cores write (shared counters,
// false sharing).
func BenchmarkDispatchParallel(b *testing.B) {
	srv := benchServer(b, DefaultConfig())
	const keys = 100000
	value := []byte("value-of-sixty-four-bytes-value-of-sixty-four-bytes-0123456789ab")
	names := make([][]byte, keys)
	counters := make([][]byte, 1000)
	for i := range names {
		names[i] = []byte("key:" + strconv.Itoa(i))
		srv.store.DB(0).Set(string(names[i]), value, store.SetOptions{})
	}
	for i := range counters {
		counters[i] = []byte("counter:" + strconv.Itoa(i))
	}
	for _, name := range []string{"GET", "SET", "INCR"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				c := benchClient(srv)
				req := [][]byte{[]byte(name), nil, value}
				if name != "SET" {
					req = req[:2]
				}
				i := 0
				for pb.Next() {
					i += 7919
					req[1] = names[i%keys]
					if name == "INCR" {
						req[1] = counters[i%len(counters)]
					}
					c.dispatch(req)
					if i%(16*7919) == 0 { // a pipelined batch of 16 ends
						endBatch(c)
					}
				}
			})
		})
	}
}

// benchServer is a server for a benchmark, closed when it ends.
func benchServer(b *testing.B, cfg Config) *Server {
	b.Helper()
	srv, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	return srv
}

// benchClient is a connection's client without the connection, in db 0
// and authenticated.
func benchClient(srv *Server) *client {
	c := &client{srv: srv, batchStats: true}
	c.selectDB(0)
	c.setAuthed(true)
	return c
}

// endBatch does what flush does for the statistics and the clock, and
// drops the replies.
func endBatch(c *client) {
	c.pending.flush(&c.srv.stats)
	c.clock = 0
	c.w.buf = c.w.buf[:0]
}
