package embertest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/emberkv/ember/embertest"
	"github.com/emberkv/ember/store"
)

func TestListShortcuts(t *testing.T) {
	s := embertest.Run(t)
	if n, err := s.RPush("l", "b", "c"); n != 2 || err != nil {
		t.Fatalf("RPush = %d, %v", n, err)
	}
	if n, err := s.LPush("l", "a", ""); n != 4 || err != nil {
		t.Fatalf("LPush = %d, %v", n, err)
	}
	s.CheckList(t, "l", "", "a", "b", "c")

	// What a client pushes, the shortcuts see, and the other way round.
	rdb := newClient(t, s, 3)
	ctx := context.Background()
	if err := rdb.RPush(ctx, "l", "d").Err(); err != nil {
		t.Fatal(err)
	}
	s.CheckList(t, "l", "", "a", "b", "c", "d")
	got, err := rdb.LRange(ctx, "l", 0, 1).Result()
	if err != nil || len(got) != 2 || got[1] != "a" {
		t.Fatalf("LRANGE = %q, %v", got, err)
	}

	if _, err := s.List("missing"); !errors.Is(err, embertest.ErrKeyNotFound) {
		t.Fatalf("List(missing): %v", err)
	}
	s.Set("str", "v")
	if _, err := s.List("str"); !errors.Is(err, store.ErrWrongType) {
		t.Fatalf("List(str): %v", err)
	}
	if _, err := s.RPush("str", "x"); !errors.Is(err, store.ErrWrongType) {
		t.Fatalf("RPush(str): %v", err)
	}
}

func TestCheckListReports(t *testing.T) {
	s := embertest.Run(t)
	s.RPush("l", "a", "b")
	s.Set("str", "v")
	tests := []struct {
		key  string
		want []string
	}{
		{"l", []string{"a"}},
		{"l", []string{"b", "a"}},
		{"missing", []string{"a"}},
		{"str", nil},
	}
	for _, tc := range tests {
		rec := &recorder{TB: t}
		s.CheckList(rec, tc.key, tc.want...)
		if len(rec.errs) != 1 {
			t.Errorf("CheckList(%q, %q) did not report", tc.key, tc.want)
		}
	}
	rec := &recorder{TB: t}
	s.CheckList(rec, "l", "a", "b")
	if len(rec.errs) != 0 {
		t.Errorf("CheckList of the right list reported: %q", rec.errs)
	}
}
