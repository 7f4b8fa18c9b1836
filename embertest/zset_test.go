package embertest_test

import (
	"errors"
	"testing"

	"github.com/emberkv/ember/embertest"
	"github.com/emberkv/ember/store"
)

func TestZSetShortcuts(t *testing.T) {
	s := embertest.RunT(t)
	if added, err := s.ZAdd("z", 2, "b"); !added || err != nil {
		t.Fatalf("ZAdd = %v, %v", added, err)
	}
	s.ZAdd("z", 1, "a")
	if added, _ := s.ZAdd("z", 3, "b"); added {
		t.Error("ZAdd of an existing member reported it new")
	}
	if got, err := s.ZScore("z", "b"); got != 3 || err != nil {
		t.Errorf("ZScore = %v, %v, want 3", got, err)
	}
	if _, err := s.ZScore("z", "nope"); !errors.Is(err, embertest.ErrKeyNotFound) {
		t.Errorf("ZScore of a missing member: %v", err)
	}
	s.Set("str", "v")
	if _, err := s.ZScore("str", "a"); !errors.Is(err, store.ErrWrongType) {
		t.Errorf("ZScore of a string: %v", err)
	}
	s.CheckZSet(t, "z", map[string]float64{"a": 1, "b": 3})
	s.CheckZSetOrdered(t, "z", []store.ZMember{{Member: "a", Score: 1}, {Member: "b", Score: 3}})
	s.CheckZSet(t, "missing", map[string]float64{})

	tests := []struct {
		name  string
		check func(testing.TB)
	}{
		{"wrong score", func(r testing.TB) { s.CheckZSet(r, "z", map[string]float64{"a": 1, "b": 2}) }},
		{"extra member", func(r testing.TB) { s.CheckZSet(r, "z", map[string]float64{"a": 1}) }},
		{"wrong type", func(r testing.TB) { s.CheckZSet(r, "str", map[string]float64{}) }},
		{"wrong order", func(r testing.TB) {
			s.CheckZSetOrdered(r, "z", []store.ZMember{{Member: "b", Score: 3}, {Member: "a", Score: 1}})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			tc.check(r)
			if len(r.errs) != 1 {
				t.Errorf("reported %q, want one error", r.errs)
			}
		})
	}
}
