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
	srv, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	c := &client{srv: srv}
	c.selectDB(0)
	c.setAuthed(true)
	const keys = 100000
	names := make([][]byte, keys)
	for i := range names {
		names[i] = []byte("key:" + strconv.Itoa(i))
		srv.store.DB(0).Set(string(names[i]), []byte("value-of-sixty-four-bytes-value-of-sixty-four-bytes-0123456789ab"), store.SetOptions{})
	}
	value := []byte("value-of-sixty-four-bytes-value-of-sixty-four-bytes-0123456789ab")
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
	} {
		reqs := make([][][]byte, 4096)
		for i := range reqs {
			reqs[i] = tc.args(i * 7919)
		}
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
