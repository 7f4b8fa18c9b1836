package embertest

import (
	"slices"
	"testing"
)

// LPush adds values at the head of the list at key in the selected
// database, as LPUSH does (the last value ends up first), and returns the
// list's new length. It returns store.ErrWrongType when key holds another
// type.
func (s *Server) LPush(key string, values ...string) (int, error) {
	return s.selected().LPush(key, byteValues(values)...)
}

// RPush adds values at the tail of the list at key in the selected
// database, as RPUSH does, and returns the list's new length.
func (s *Server) RPush(key string, values ...string) (int, error) {
	return s.selected().RPush(key, byteValues(values)...)
}

// List returns every element of the list at key in the selected database,
// head first: ErrKeyNotFound when there is no such key,
// store.ErrWrongType when it holds another type.
func (s *Server) List(key string) ([]string, error) {
	db := s.selected()
	// LRANGE cannot tell a missing key from an empty list (Redis never
	// keeps one), so ask first; a list deleted in between reads as empty.
	n, err := db.LLen(key)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, ErrKeyNotFound
	}
	vals, err := db.LRange(key, 0, -1)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return out, nil
}

// CheckList reports an error through t unless key, in the selected
// database, holds a list of exactly the elements want, in order. The test
// goes on, as with t.Errorf.
func (s *Server) CheckList(t testing.TB, key string, want ...string) {
	t.Helper()
	got, err := s.List(key)
	switch {
	case err == ErrKeyNotFound:
		t.Errorf("embertest: key %q does not exist, want the list %q", key, want)
	case err != nil:
		t.Errorf("embertest: key %q: %v, want the list %q", key, err, want)
	case !slices.Equal(got, want):
		t.Errorf("embertest: key %q holds the list %q, want %q", key, got, want)
	}
}

func byteValues(values []string) [][]byte {
	b := make([][]byte, len(values))
	for i, v := range values {
		b[i] = []byte(v)
	}
	return b
}
