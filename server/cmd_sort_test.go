package server

import (
	"testing"
)

// SORT ... STORE fills its destination as a write command, so clients
// blocked on it are served, found through sortGetKeys.
func TestSortStoreWakesBlocked(t *testing.T) {
	srv, addr := startServer(t, DefaultConfig())
	w := dialRESP(t, addr)
	w.cmd("RPUSH", "src", "3", "1", "2")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"store last", []string{"SORT", "src", "STORE", "dst"}, "*2\r\n$3\r\ndst\r\n$1\r\n1\r\n"},
		{"store first", []string{"SORT", "src", "STORE", "dst", "DESC", "LIMIT", "0", "2"}, "*2\r\n$3\r\ndst\r\n$1\r\n3\r\n"},
		{"store with get", []string{"SORT", "src", "GET", "#", "STORE", "dst"}, "*2\r\n$3\r\ndst\r\n$1\r\n1\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.cmd("DEL", "dst")
			b := blockOn(t, srv, addr, "BLPOP", "dst", "0")
			args := tt.args
			if got := w.cmd(args...); got[0] != ':' {
				t.Fatalf("%v = %q", args, got)
			}
			mustReply(t, b, tt.want)
			waitBlocked(t, srv, 0)
		})
	}
}

func TestSortGetKeys(t *testing.T) {
	tests := []struct {
		args []string
		want []int
	}{
		{[]string{"sort", "k"}, []int{1}},
		{[]string{"sort", "k", "STORE", "d"}, []int{1, 3}},
		{[]string{"sort", "k", "store", "a", "STORE", "b"}, []int{1, 5}},
		{[]string{"sort", "k", "GET", "store", "STORE", "d"}, []int{1, 5}},
		{[]string{"sort", "k", "LIMIT", "store", "x", "STORE", "d"}, []int{1, 6}},
		{[]string{"sort", "k", "STORE"}, []int{1}},
	}
	for _, tt := range tests {
		args := make([][]byte, len(tt.args))
		for i, a := range tt.args {
			args[i] = []byte(a)
		}
		cmd, _ := builtinCommands()
		keys, ok := cmd["sort"].findKeys(args)
		if !ok {
			t.Fatalf("%v: no keys", tt.args)
		}
		var got []int
		for _, k := range keys {
			got = append(got, k.pos)
		}
		if len(got) != len(tt.want) {
			t.Fatalf("%v: keys at %v, want %v", tt.args, got, tt.want)
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Fatalf("%v: keys at %v, want %v", tt.args, got, tt.want)
			}
		}
	}
}
