package embertest

import (
	"errors"
	"testing"
	"time"

	"github.com/emberkv/ember/store"
)

// CheckGet reports an error through t unless key, in the selected database,
// holds the string want. The test goes on, as with t.Errorf.
func (s *Server) CheckGet(t testing.TB, key, want string) {
	t.Helper()
	got, err := s.Get(key)
	switch {
	case errors.Is(err, ErrKeyNotFound):
		t.Errorf("embertest: key %q does not exist, want %q", key, want)
	case err != nil:
		t.Errorf("embertest: key %q: %v, want %q", key, err, want)
	case got != want:
		t.Errorf("embertest: key %q holds %q, want %q", key, got, want)
	}
}

// CheckTTL reports an error through t unless key, in the selected database,
// has a time to live within tolerance of want. A missing key and a key
// without a TTL are errors. With a manual clock TTLs are exact, and a
// tolerance of 0 is the natural choice; with the wall clock allow for the
// time the test itself takes.
func (s *Server) CheckTTL(t testing.TB, key string, want, tolerance time.Duration) {
	t.Helper()
	ms := s.selected().PTTL(key)
	switch ms {
	case store.NoKey:
		t.Errorf("embertest: key %q does not exist, want a TTL of %v", key, want)
		return
	case store.NoTTL:
		t.Errorf("embertest: key %q has no TTL, want %v", key, want)
		return
	}
	got := time.Duration(ms) * time.Millisecond
	if diff := got - want; diff < -tolerance || diff > tolerance {
		t.Errorf("embertest: key %q has a TTL of %v, want %v ± %v", key, got, want, tolerance)
	}
}
