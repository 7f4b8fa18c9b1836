package store

import (
	"strconv"
	"testing"
	"unsafe"
)

// A small counter starts as a shared integer, gets its own copy on its
// second INCR, and is written over in place from then on while its
// digits stay as many; a GET's view sends it back to the shared form
// (GetInto's copy does not), and the shared integers are never written.
func TestIncrSmallCounterForms(t *testing.T) {
	s := New(Options{SweepInterval: -1})
	defer s.Close()
	db := s.DB(0)
	type form int
	const (
		shared form = iota
		owned
		same // owned, the same bytes as the step before: written in place
	)
	names := map[form]string{shared: "shared", owned: "own copy", same: "in place"}
	steps := []struct {
		op   string // "incr" by 1, or "get"
		want string
		form form
	}{
		{"incr", "1", shared},
		{"incr", "2", owned},
		{"incr", "3", same},
		{"incr", "9", same}, // after five more: see below
		{"incr", "10", owned},
		{"incr", "11", same},
		{"get", "11", owned},
		{"incr", "12", shared}, // a view is out
		{"incr", "13", owned},
		{"incr", "14", same},
		{"getinto", "14", owned}, // copied out, not lent
		{"incr", "15", same},
	}
	var last unsafe.Pointer
	for i, st := range steps {
		switch {
		case st.op == "get":
			db.Get("c")
		case st.op == "getinto":
			var room [24]byte
			if v, _, _ := db.GetInto("c", room[:0]); string(v) != st.want || unsafe.SliceData(v) != &room[0] {
				t.Fatalf("step %d: GetInto gave %q, not in the caller's room", i, v)
			}
		case st.want == "9":
			for range 6 {
				db.IncrBy("c", 1)
			}
		default:
			if _, err := db.IncrBy("c", 1); err != nil {
				t.Fatal(err)
			}
		}
		sh, _ := db.lockKey("c")
		e, _ := sh.data.items.Peek("c")
		db.unlock(sh)
		b := e.str()
		if string(b) != st.want {
			t.Fatalf("step %d: %q, want %q", i, b, st.want)
		}
		p := unsafe.Pointer(unsafe.SliceData(b))
		got := owned
		switch {
		case isSharedInt(b):
			got = shared
		case p == last && st.op == "incr":
			got = same
		}
		if got != st.form {
			t.Errorf("step %d (%s to %s): %s, want %s", i, st.op, st.want, names[got], names[st.form])
		}
		last = p
	}
	for v := range int64(sharedIntegers) {
		if got := string(formatInt(v)); got != strconv.FormatInt(v, 10) {
			t.Fatalf("shared integer %d reads %q", v, got)
		}
	}
}
