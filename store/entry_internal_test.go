package store

import (
	"testing"
	"unsafe"
)

// The entry's size decides golang-lru's element size class (see entry).
func TestEntrySize(t *testing.T) {
	if n := unsafe.Sizeof(entry{}); n != 24 {
		t.Fatalf("entry is %d bytes, want 24", n)
	}
}

func TestEntryString(t *testing.T) {
	spare := make([]byte, 3, 64)
	copy(spare, "abc")
	cases := []struct {
		name      string
		b         []byte
		flags     uint32
		wantCap   int
		wantBoxed bool
	}{
		{"plain", []byte("hello"), 0, 5, false},
		{"empty", []byte{}, 0, 0, false},
		{"spare capacity dropped", spare, 0, 3, false},
		{"raw keeps spare capacity", spare, flagRaw, 64, true},
		{"raw without spare", []byte("xyz"), flagRaw | flagOwned, 3, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := stringEntry(tc.b, tc.flags)
			got := e.str()
			if string(got) != string(tc.b) || got == nil {
				t.Fatalf("str() = %q (nil %v), want %q", got, got == nil, tc.b)
			}
			if cap(got) != tc.wantCap || e.has(flagBoxed) != tc.wantBoxed {
				t.Errorf("cap %d boxed %v, want %d %v", cap(got), e.has(flagBoxed), tc.wantCap, tc.wantBoxed)
			}
			if e.kind() != KindString || e.agg() != nil {
				t.Errorf("kind %v agg %v", e.kind(), e.agg())
			}
			if e.raw() != (tc.flags&flagRaw != 0) || e.owned() != (tc.flags&flagOwned != 0) {
				t.Errorf("flags %x, want %x", e.meta, tc.flags)
			}
		})
	}
	var missing entry
	if missing.str() != nil || missing.agg() != nil || missing.kind() != KindNone {
		t.Error("the zero entry is not a missing key")
	}
}

func TestEntryAggregate(t *testing.T) {
	for _, a := range []struct {
		k Kind
		v aggregate
	}{
		{KindList, &listValue{}}, {KindSet, &set{}}, {KindZSet, &zset{}}, {KindHash, &hash{}},
	} {
		e := aggEntry(a.v)
		if e.kind() != a.k || e.agg() != a.v || e.str() != nil {
			t.Errorf("%v: kind %v, agg %p, want %p", a.k, e.kind(), e.agg(), a.v)
		}
	}
}

func TestEntryAccess(t *testing.T) {
	e := stringEntry([]byte("v"), flagRaw|flagOwned)
	e.setAccess(1<<24 + 5) // Unix seconds wrap into 24 bits
	if e.access() != 5 || !e.raw() || !e.owned() || e.kind() != KindString {
		t.Fatalf("access %d meta %x", e.access(), e.meta)
	}
	cases := []struct {
		now, at uint32
		idle    uint32
	}{
		{100, 40, 60},
		{1<<24 + 10, 1<<24 - 20, 30}, // across the clock's wrap
		{100, 100, 0},
		{100, 130, 0}, // stamped after the caller read its clock
	}
	for _, c := range cases {
		if got := lruIdle(c.now, c.at&accessMask); got != c.idle {
			t.Errorf("lruIdle(%d, %d) = %d, want %d", c.now, c.at, got, c.idle)
		}
	}
	if !lruBefore(1<<24-20, 10) || lruBefore(10, 1<<24-20) || lruBefore(7, 7) {
		t.Error("lruBefore does not order across the wrap")
	}
}
