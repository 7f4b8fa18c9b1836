package embertest_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/emberkv/ember/embertest"
	"github.com/emberkv/ember/store"
)

func TestSetShortcuts(t *testing.T) {
	s := embertest.Run(t)
	if n, err := s.SAdd("s", "b", "a", "b"); n != 2 || err != nil {
		t.Fatalf("SAdd = %d, %v, want 2, nil", n, err)
	}
	if got, err := s.Members("s"); !slices.Equal(got, []string{"a", "b"}) || err != nil {
		t.Errorf("Members = %q, %v, want [a b]", got, err)
	}
	if ok, err := s.IsMember("s", "a"); !ok || err != nil {
		t.Errorf("IsMember(a) = %v, %v, want true", ok, err)
	}
	if ok, err := s.IsMember("nokey", "a"); ok || err != nil {
		t.Errorf("IsMember on a missing key = %v, %v, want false, nil", ok, err)
	}
	if _, err := s.Members("nokey"); !errors.Is(err, embertest.ErrKeyNotFound) {
		t.Errorf("Members of a missing key: %v, want ErrKeyNotFound", err)
	}
	s.Set("str", "v")
	if _, err := s.SAdd("str", "a"); !errors.Is(err, store.ErrWrongType) {
		t.Errorf("SAdd on a string: %v, want ErrWrongType", err)
	}
	if _, err := s.Members("str"); !errors.Is(err, store.ErrWrongType) {
		t.Errorf("Members of a string: %v, want ErrWrongType", err)
	}

	// The same set seen over the wire.
	rdb := newClient(t, s, 3)
	if err := rdb.SAdd(ctx(t), "w", 3, 1, 2).Err(); err != nil {
		t.Fatal(err)
	}
	s.CheckSet(t, "w", "1", "2", "3")
}

func TestCheckSet(t *testing.T) {
	s := embertest.Run(t)
	s.SAdd("s", "a", "b")
	s.Set("str", "v")
	tests := []struct {
		key  string
		want []string
		err  string // "" when CheckSet must pass
	}{
		{"s", []string{"b", "a"}, ""},
		{"s", []string{"a", "b", "a"}, ""},
		{"s", []string{"a"}, `holds the set ["a" "b"], want ["a"]`},
		{"nokey", []string{"a"}, "key not found"},
		{"str", nil, "wrong kind"},
	}
	for _, tt := range tests {
		r := &recorder{TB: t}
		s.CheckSet(r, tt.key, tt.want...)
		switch {
		case tt.err == "" && len(r.errs) != 0:
			t.Errorf("CheckSet(%q, %q) reported %q", tt.key, tt.want, r.errs)
		case tt.err != "" && (len(r.errs) != 1 || !strings.Contains(r.errs[0], tt.err)):
			t.Errorf("CheckSet(%q, %q) reported %q, want one error with %q", tt.key, tt.want, r.errs, tt.err)
		}
	}
}
