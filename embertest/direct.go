package embertest

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/emberkv/ember/store"
)

// The shortcuts below work on the database chosen with Select (0 unless
// changed), read and write the keyspace directly, and follow the rules of
// the Redis command they are named after unless their comment says
// otherwise. Use DB(i) for the full typed API.

// ErrKeyNotFound is what Get returns for a key that does not exist.
var ErrKeyNotFound = errors.New("embertest: key not found")

// Select chooses the database the shortcuts work on. It does not change the
// database of any connection. It panics when i is out of range.
func (s *Server) Select(i int) {
	s.mustDB(i)
	s.sel.Store(int64(i))
}

// selected is the database of the shortcuts.
func (s *Server) selected() *store.DB { return s.store.DB(int(s.sel.Load())) }

// mustDB is database i, or a panic naming the mistake: an index out of
// range is a bug in the test, not in the code under test.
func (s *Server) mustDB(i int) *store.DB {
	db := s.store.DB(i)
	if db == nil {
		panic(fmt.Sprintf("embertest: no database %d (the server has %d)", i, s.store.Databases()))
	}
	return db
}

// Get returns the string at key: ErrKeyNotFound when there is no such key,
// store.ErrWrongType when it holds another type.
func (s *Server) Get(key string) (string, error) {
	v, ok, err := s.selected().Get(key)
	switch {
	case err != nil:
		return "", err
	case !ok:
		return "", ErrKeyNotFound
	}
	return string(v), nil
}

// Set stores value at key as SET does: it replaces a value of any type and
// drops the key's TTL. It returns the store's error, which a plain SET does
// not have today; the error result keeps the shape of miniredis's Set.
func (s *Server) Set(key, value string) error {
	_, err := s.selected().Set(key, []byte(value), store.SetOptions{})
	return err
}

// SetTTL gives key a time to live of ttl from the server's clock, as PEXPIRE
// does, and reports whether the key exists. As in Redis a ttl of zero or
// less deletes the key.
func (s *Server) SetTTL(key string, ttl time.Duration) bool {
	at := s.clock.Now().Add(ttl).UnixMilli()
	return s.selected().ExpireAt(key, at, store.ExpireAlways)
}

// TTL returns the remaining time to live of key, to the millisecond. Unlike
// Redis's TTL it returns 0 both for a key without a TTL and for a missing
// key, as miniredis's does; use CheckTTL or DB(i).PTTL to tell them apart.
func (s *Server) TTL(key string) time.Duration {
	ms := s.selected().PTTL(key)
	if ms < 0 {
		return 0
	}
	return time.Duration(ms) * time.Millisecond
}

// Exists reports whether key exists.
func (s *Server) Exists(key string) bool { return s.selected().Exists(key) == 1 }

// Del deletes key and reports whether it existed.
func (s *Server) Del(key string) bool { return s.selected().Del(key) == 1 }

// Keys returns every key of database db, sorted. Unlike the other shortcuts
// it names its database. It panics when db is out of range.
func (s *Server) Keys(db int) []string {
	keys := s.mustDB(db).Keys("*")
	slices.Sort(keys)
	return keys
}

// FlushAll removes every key of every database, as FLUSHALL does.
func (s *Server) FlushAll() { s.store.FlushAll() }

// FlushDB removes every key of the selected database, as FLUSHDB does.
func (s *Server) FlushDB() { s.selected().Flush() }
