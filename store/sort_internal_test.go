package store

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// pqsort must leave the wanted range exactly as a full sort would, for
// every range, with many equal weights.
func TestPQSortRange(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cmp := func(a, b *sortItem) int {
		switch {
		case a.score < b.score:
			return -1
		case a.score > b.score:
			return 1
		}
		return 0
	}
	for iter := 0; iter < 2000; iter++ {
		n := r.IntN(120)
		v := make([]sortItem, n)
		for i := range v {
			v[i].score = float64(r.IntN(1 + r.IntN(20)))
		}
		want := slices.Clone(v)
		slices.SortFunc(want, func(a, b sortItem) int { return cmp(&a, &b) })
		lo := 0
		if n > 0 {
			lo = r.IntN(n)
		}
		hi := lo + r.IntN(n-lo+1) - 1
		got := slices.Clone(v)
		pqsort(got, cmp, lo, hi)
		for i := lo; i <= hi; i++ {
			if got[i].score != want[i].score {
				t.Fatalf("n=%d range %d..%d: at %d got %v, want %v", n, lo, hi, i, got[i].score, want[i].score)
			}
		}
	}
}

func TestSortWeight(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1", 1, true},
		{"", 0, true},
		{" 1", 1, true},
		{"1 ", 0, false},
		{"   ", 0, false},
		{"0x10", 16, true},
		{"0x1p-1074", math.SmallestNonzeroFloat64, true},
		{"1e-310", 0, false},
		{"1e-400", 0, false},
		{"1e400", 0, false},
		{"-1e400", 0, false},
		{"inf", math.Inf(1), true},
		{"-Infinity", math.Inf(-1), true},
		{"nan", 0, false},
		{"2\x00zz", 2, true},
		{"-0", 0, true},
		{"1_0", 0, false},
		{"1e", 0, false},
		{".", 0, false},
		{"abc", 0, false},
	}
	for _, tt := range tests {
		got, ok := sortWeight([]byte(tt.in))
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("sortWeight(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// A sort with BY patterns holds every shard of the database, so weights
// changed concurrently are read all before or all after a change.
func TestSortReadsPatternsAtomically(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	db := s.DB(0)
	var els [][]byte
	for i := range 50 {
		els = append(els, []byte(strconv.Itoa(i)))
	}
	db.RPush("l", els...)
	set := func(v string) {
		keys := make([]string, 50)
		vals := make([][]byte, 50)
		for i := range keys {
			keys[i], vals[i] = "w_"+strconv.Itoa(i), []byte(v)
		}
		db.MSet(keys, vals)
	}
	set("a")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			set([]string{"a", "b"}[i%2])
		}
	}()
	opt := &SortOptions{Get: [][]byte{[]byte("w_*")}, Count: -1}
	for range 200 {
		var first []byte
		err := db.Sort("l", opt, func(int) {}, func(v []byte, ok bool) {
			if first == nil {
				first = append([]byte{}, v...)
			} else if string(v) != string(first) {
				t.Fatalf("a sort saw %q and %q", first, v)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	<-done
}
