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
