package embertest_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/emberkv/ember/embertest"
	"github.com/emberkv/ember/store"
)

func TestHashShortcuts(t *testing.T) {
	s := embertest.RunT(t)
	rdb := newClient(t, s, 3)

	n, err := s.HSet("h", "a", "1", "b", "2")
	if n != 2 || err != nil {
		t.Fatalf("HSet = %d, %v", n, err)
	}
	// What the shortcuts wrote, a client reads; and the other way round.
	if got, err := rdb.HGetAll(ctx(t), "h").Result(); err != nil || got["a"] != "1" || got["b"] != "2" {
		t.Errorf("HGETALL over the wire = %v, %v", got, err)
	}
	rdb.HSet(ctx(t), "h", "c", "3")
	if v, err := s.HGet("h", "c"); v != "3" || err != nil {
		t.Errorf("HGet(c) = %q, %v", v, err)
	}
	if keys, err := s.HKeys("h"); !slices.Equal(keys, []string{"a", "b", "c"}) || err != nil {
		t.Errorf("HKeys = %v, %v", keys, err)
	}
	s.CheckHash(t, "h", map[string]string{"a": "1", "b": "2", "c": "3"})

	tests := []struct {
		key, field string
		err        error
	}{
		{"h", "missing", embertest.ErrFieldNotFound},
		{"nokey", "a", embertest.ErrKeyNotFound},
		{"str", "a", store.ErrWrongType},
	}
	s.Set("str", "x")
	for _, tt := range tests {
		if _, err := s.HGet(tt.key, tt.field); !errors.Is(err, tt.err) {
			t.Errorf("HGet(%q, %q): %v, want %v", tt.key, tt.field, err, tt.err)
		}
	}
	if _, err := s.HSet("str", "f", "v"); !errors.Is(err, store.ErrWrongType) {
		t.Errorf("HSet on a string: %v", err)
	}
	if keys, err := s.HKeys("nokey"); keys != nil || err != nil {
		t.Errorf("HKeys(nokey) = %v, %v", keys, err)
	}
	// A hash without fields is no key: CheckHash of an empty want passes.
	rdb.HDel(ctx(t), "h", "a", "b", "c")
	s.CheckHash(t, "h", nil)
}

func TestCheckHashReports(t *testing.T) {
	s := embertest.RunT(t)
	s.HSet("h", "a", "1", "b", "2")
	s.Set("str", "x")
	tests := []struct {
		name string
		key  string
		want map[string]string
		msg  string // "" means the check passes
	}{
		{"equal", "h", map[string]string{"a": "1", "b": "2"}, ""},
		{"other value", "h", map[string]string{"a": "1", "b": "3"}, `field "b" is "2", want "3"`},
		{"missing field", "h", map[string]string{"a": "1", "b": "2", "c": "3"}, `field "c" missing`},
		{"extra field", "h", map[string]string{"a": "1"}, `unexpected field "b" = "2"`},
		{"missing key", "nokey", map[string]string{"a": "1"}, "does not exist"},
		{"no key wanted", "h", nil, "want no key"},
		{"wrong type", "str", map[string]string{"a": "1"}, "holds a string, want a hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			s.CheckHash(r, tt.key, tt.want)
			switch {
			case tt.msg == "" && len(r.errs) > 0:
				t.Errorf("reported %q", r.errs)
			case tt.msg != "" && (len(r.errs) != 1 || !strings.Contains(r.errs[0], tt.msg)):
				t.Errorf("reported %q, want one error containing %q", r.errs, tt.msg)
			}
		})
	}
}

func TestHSetPanicsOnOddPairs(t *testing.T) {
	s := embertest.RunT(t)
	defer func() {
		if recover() == nil {
			t.Error("HSet with a field and no value did not panic")
		}
	}()
	s.HSet("h", "a", "1", "b")
}
