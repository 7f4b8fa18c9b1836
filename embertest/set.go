package embertest

import (
	"slices"
	"testing"
)

// SAdd adds members to the set at key, creating it if needed, as SADD
// does, and returns how many were new. A key holding another type gives
// store.ErrWrongType.
func (s *Server) SAdd(key string, members ...string) (int, error) {
	args := make([][]byte, len(members))
	for i, m := range members {
		args[i] = []byte(m)
	}
	return s.selected().SAdd(key, args...)
}

// Members returns the members of the set at key, sorted, as miniredis's
// Members does: ErrKeyNotFound when there is no such key,
// store.ErrWrongType when it holds another type.
func (s *Server) Members(key string) ([]string, error) {
	members, err := s.selected().SMembers(key)
	switch {
	case err != nil:
		return nil, err
	case members == nil:
		return nil, ErrKeyNotFound
	}
	slices.Sort(members)
	return members, nil
}

// IsMember reports whether member is in the set at key, as SISMEMBER: a
// missing key is an empty set.
func (s *Server) IsMember(key, member string) (bool, error) {
	return s.selected().SIsMember(key, []byte(member))
}

// CheckSet reports an error through t unless key, in the selected
// database, holds a set of exactly the members want, in any order (a
// member named twice in want counts once). The test goes on, as with
// t.Errorf.
func (s *Server) CheckSet(t testing.TB, key string, want ...string) {
	t.Helper()
	got, err := s.Members(key)
	if err != nil {
		t.Errorf("embertest: key %q: %v, want the set %q", key, err, want)
		return
	}
	want = slices.Compact(slices.Sorted(slices.Values(want)))
	if !slices.Equal(got, want) {
		t.Errorf("embertest: key %q holds the set %q, want %q", key, got, want)
	}
}
