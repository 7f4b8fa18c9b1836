package store

import (
	"strings"
	"testing"
	"time"
	"unsafe"
)

// SET writes a value over the old one's bytes only when nothing else can
// tell: the old bytes are the store's alone (no view lent out), as long as
// the new ones and short, the TTL stays, and the access data would not
// change (within the same second of the LRU clock). Every other SET
// stores a new entry, as before.
func TestSetOverwriteInPlace(t *testing.T) {
	clock := NewManualClock(time.Unix(1_700_000_000, 0))
	s := New(Options{SweepInterval: -1, Clock: clock})
	defer s.Close()
	db := s.DB(0)
	long := strings.Repeat("x", overwriteMax+1)
	longer := strings.Repeat("y", overwriteMax+1)
	steps := []struct {
		op      string // "set", "setex", "keepttl", "get", "getinto", "setget", "tick"
		val     string
		inPlace bool // the value's bytes are where the step before left them
	}{
		{"set", "aaaa", false}, // new key
		{"set", "bbbb", true},
		{"set", "ccccc", false}, // another length
		{"set", "ddddd", true},
		{"get", "", false}, // lends a view
		{"set", "eeeee", false},
		{"set", "fffff", true},
		{"getinto", "", false}, // copied out, nothing lent
		{"set", "ggggg", true},
		{"setex", "hhhhh", false}, // the TTL changes
		{"keepttl", "iiiii", true},
		{"set", "jjjjj", false}, // the TTL goes
		{"tick", "", false},
		{"set", "kkkkk", false}, // a new second: the access data changes
		{"set", "lllll", true},
		{"setget", "mmmmm", false}, // the old value is handed out
		{"set", "nnnnn", true},     // the new value was the store's own
		{"set", long, false},
		{"set", longer, false}, // too long to be written over
	}
	var last unsafe.Pointer
	want := ""
	for i, st := range steps {
		switch st.op {
		case "set":
			db.Set("k", []byte(st.val), SetOptions{})
		case "setex":
			db.Set("k", []byte(st.val), SetOptions{ExpireAt: clock.Now().Add(time.Hour).UnixMilli()})
		case "keepttl":
			db.Set("k", []byte(st.val), SetOptions{KeepTTL: true})
		case "setget":
			if res, _ := db.Set("k", []byte(st.val), SetOptions{Get: true}); string(res.Old) != want {
				t.Fatalf("step %d: SET GET answered %q, want %q", i, res.Old, want)
			}
		case "get":
			db.Get("k")
		case "getinto":
			var room [16]byte
			db.GetInto("k", room[:0])
		case "tick":
			clock.Advance(time.Second)
		}
		if st.val != "" {
			want = st.val
		}
		sh, _ := db.lockKey("k")
		e, _ := sh.data.items.Peek("k")
		db.unlock(sh)
		b := e.str()
		if string(b) != want {
			t.Fatalf("step %d (%s): %q, want %q", i, st.op, b, want)
		}
		p := unsafe.Pointer(unsafe.SliceData(b))
		if st.op != "get" && st.op != "getinto" && st.op != "tick" && (p == last) != st.inPlace {
			t.Errorf("step %d (%s %q): in place %v, want %v", i, st.op, st.val, p == last, st.inPlace)
		}
		last = p
	}
}

// A view handed out before a SET keeps its bytes; a SET in place leaves
// the recency order as a read in the same second does, and one in a later
// second moves the key to the front.
func TestSetOverwriteViewsAndRecency(t *testing.T) {
	clock := NewManualClock(time.Unix(1_700_000_000, 0))
	s := New(Options{SweepInterval: -1, Clock: clock, Shards: 1}) // one recency list
	defer s.Close()
	db := s.DB(0)
	db.Set("k", []byte("one"), SetOptions{})
	view, _, _ := db.Get("k")
	db.Set("k", []byte("two"), SetOptions{})
	db.Set("k", []byte("six"), SetOptions{}) // in place: "two" was the store's
	if string(view) != "one" {
		t.Fatalf("a view lent before the SETs reads %q", view)
	}
	if got, _, _ := db.Get("k"); string(got) != "six" {
		t.Fatalf("GET after the SETs: %q", got)
	}

	oldest := func() string {
		sh, _ := db.lockKey("a")
		defer db.unlock(sh)
		k, _, _ := sh.data.items.GetOldest()
		return k
	}
	db.Del("k")
	db.Set("a", []byte("1"), SetOptions{})
	db.Set("b", []byte("1"), SetOptions{})
	db.Set("a", []byte("2"), SetOptions{}) // in place, the same second
	if got := oldest(); got != "a" {
		t.Fatalf("oldest after a SET in the same second: %q, want a", got)
	}
	clock.Advance(time.Second)
	db.Set("a", []byte("3"), SetOptions{})
	if got := oldest(); got != "b" {
		t.Fatalf("oldest after a SET a second later: %q, want b", got)
	}
}
