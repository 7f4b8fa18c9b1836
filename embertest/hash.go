package embertest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/emberkv/ember/store"
)

// ErrFieldNotFound is what HGet returns for a hash without the field.
var ErrFieldNotFound = errors.New("embertest: hash field not found")

// HSet sets field to value in the hash at key, and more pairs of field and
// value after them, as HSET does, creating the hash if needed. It returns
// how many fields are new, or store.ErrWrongType when key holds another
// type. An odd number of strings in more is a mistake in the test: HSet
// panics.
func (s *Server) HSet(key, field, value string, more ...string) (int, error) {
	if len(more)%2 != 0 {
		panic(fmt.Sprintf("embertest: HSet(%q) given a field without a value", key))
	}
	args := make([][]byte, 0, 2+len(more))
	args = append(args, []byte(field), []byte(value))
	for _, m := range more {
		args = append(args, []byte(m))
	}
	return s.selected().HSet(key, args...)
}

// HGet returns the value of field in the hash at key: ErrKeyNotFound when
// there is no such key, ErrFieldNotFound when the hash has no such field,
// store.ErrWrongType when key holds another type.
func (s *Server) HGet(key, field string) (string, error) {
	db := s.selected()
	v, ok, err := db.HGet(key, []byte(field))
	switch {
	case err != nil:
		return "", err
	case ok:
		return string(v), nil
	case db.Exists(key) == 0:
		return "", ErrKeyNotFound
	}
	return "", ErrFieldNotFound
}

// HKeys returns the fields of the hash at key, sorted (Redis's own order
// depends on the encoding), or store.ErrWrongType. A missing key has no
// fields: nil, as HKEYS answers an empty array.
func (s *Server) HKeys(key string) ([]string, error) {
	keys, err := s.selected().HKeys(key)
	slices.Sort(keys)
	return keys, err
}

// hashMap reads the whole hash at key as a map; ok is false when the key
// does not exist.
func (s *Server) hashMap(key string) (m map[string]string, ok bool, err error) {
	ok, err = s.selected().HGetAllFunc(key, func(n int) { m = make(map[string]string, n) },
		func(f, v []byte) { m[string(f)] = string(v) })
	return m, ok, err
}

// CheckHash reports an error through t unless key, in the selected
// database, holds a hash with exactly the fields and values of want. The
// test goes on, as with t.Errorf. An empty want means the key must not
// exist, since Redis deletes a hash with its last field.
func (s *Server) CheckHash(t testing.TB, key string, want map[string]string) {
	t.Helper()
	got, ok, err := s.hashMap(key)
	switch {
	case errors.Is(err, store.ErrWrongType):
		t.Errorf("embertest: key %q holds a %s, want a hash", key, s.selected().Type(key))
		return
	case err != nil:
		t.Errorf("embertest: key %q: %v", key, err)
		return
	case !ok && len(want) == 0:
		return
	case !ok:
		t.Errorf("embertest: key %q does not exist, want a hash of %d fields", key, len(want))
		return
	case len(want) == 0:
		t.Errorf("embertest: key %q holds a hash of %d fields, want no key", key, len(got))
		return
	}
	if maps.Equal(got, want) {
		return
	}
	var diff []string
	for _, f := range slices.Sorted(maps.Keys(want)) {
		g, has := got[f]
		switch {
		case !has:
			diff = append(diff, fmt.Sprintf("field %q missing, want %q", f, want[f]))
		case g != want[f]:
			diff = append(diff, fmt.Sprintf("field %q is %q, want %q", f, g, want[f]))
		}
	}
	for _, f := range slices.Sorted(maps.Keys(got)) {
		if _, has := want[f]; !has {
			diff = append(diff, fmt.Sprintf("unexpected field %q = %q", f, got[f]))
		}
	}
	t.Errorf("embertest: hash %q:\n\t%s", key, strings.Join(diff, "\n\t"))
}
