package server

import (
	"strings"
	"testing"
)

// TestListHotPathsDoNotAllocate runs the list commands queues live on
// straight through their handlers and counts allocations: a pop writes its
// reply while the list is held, so it copies nothing.
func TestListHotPathsDoNotAllocate(t *testing.T) {
	srv, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := &client{srv: srv, db: srv.store.DB(0)}
	argv := func(s ...string) [][]byte {
		out := make([][]byte, len(s))
		for i, a := range s {
			out[i] = []byte(a)
		}
		return out
	}
	fill := []string{"RPUSH", "q"}
	for range 600 {
		fill = append(fill, strings.Repeat("v", 64))
	}
	cmdRPush(c, argv(fill...))
	cmdRPush(c, argv("RPUSH", "ints", "12345", "-7")) // kept as integers, formatted for LRANGE
	push, pop := argv("LPUSH", "q", "job"), argv("RPOP", "q")
	popCount, pushThree := argv("LPOP", "q", "3"), argv("RPUSH", "q", "a", "b", "c")
	tail := argv("LRANGE", "ints", "0", "-1")
	lrange, lindex, llen, miss := argv("LRANGE", "q", "0", "99"), argv("LINDEX", "q", "300"), argv("LLEN", "q"), argv("RPOP", "nokey")
	tests := []struct {
		name string
		run  func()
		want float64
	}{
		{"LPUSH then RPOP", func() { cmdLPush(c, push); cmdRPop(c, pop) }, 0},
		{"LPOP with a count, then RPUSH", func() { cmdLPop(c, popCount); cmdRPush(c, pushThree) }, 0},
		{"LRANGE 0 99", func() { cmdLRange(c, lrange) }, 0},
		{"LRANGE of integers", func() { cmdLRange(c, tail) }, 0},
		{"LINDEX", func() { cmdLIndex(c, lindex) }, 1}, // LIndex returns a copy
		{"LLEN", func() { cmdLLen(c, llen) }, 0},
		{"RPOP miss", func() { cmdRPop(c, miss) }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(200, func() {
				c.w.buf = c.w.buf[:0]
				tt.run()
			})
			if allocs != tt.want {
				t.Errorf("%s: %v allocations per call, want %v (reply %.80q)", tt.name, allocs, tt.want, c.w.buf)
			}
		})
	}
}
