package store

import (
	"sync"
	"testing"
)

// BenchmarkScriptLocks compares what a script pays to run atomically:
// every shard of every database (LockAll) against the wide lock and the
// shard of its key, or of its whole database.
func BenchmarkScriptLocks(b *testing.B) {
	s := New(Options{SweepInterval: -1})
	defer s.Close()
	b.Run("LockAll", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s.LockAll().Unlock()
		}
	})
	b.Run("LockScript+HoldKey", func(b *testing.B) {
		var l Locked
		for i := 0; i < b.N; i++ {
			s.LockScript(&l)
			l.HoldKey(0, "counter")
			l.Unlock()
		}
	})
	b.Run("LockScript+HoldDB", func(b *testing.B) {
		var l Locked
		for i := 0; i < b.N; i++ {
			s.LockScript(&l)
			l.HoldDB(0)
			l.Unlock()
		}
	})
}

// A script taking shards out of order (database 2, then 0, then keys in
// whatever order their hashes fall) runs against lockers of single keys,
// of several keys in one database, and of keys across databases, without
// deadlock and without losing an update.
func TestLockDBOrdering(t *testing.T) {
	s := New(Options{SweepInterval: -1, Databases: 4, Shards: 8})
	defer s.Close()
	const rounds = 300
	var wg sync.WaitGroup
	wg.Add(4)
	go func() {
		defer wg.Done()
		var l Locked
		for i := 0; i < rounds; i++ {
			s.LockScript(&l)
			for _, k := range []string{"d", "n", "c", "b", "a"} {
				l.HoldKey(2, k)
			}
			l.HoldKey(0, "n")
			l.DB(0).IncrBy("n", 1)
			l.DB(2).IncrBy("n", 1)
			if i%50 == 0 {
				l.HoldDB(0)
				l.DB(0).Size()
			}
			l.Unlock()
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < rounds; i++ {
			s.DB(0).IncrBy("n", 1)
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < rounds; i++ {
			s.DB(2).MSet([]string{"a", "b", "c", "d"}, [][]byte{[]byte("1"), []byte("2"), []byte("3"), []byte("4")})
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < rounds; i++ {
			l := s.LockKeys([]KeyRef{{DB: 0, Key: "n"}, {DB: 2, Key: "n"}})
			l.DB(0).IncrBy("n", 1)
			l.DB(2).IncrBy("n", 1)
			l.Unlock()
		}
	}()
	wg.Wait()
	if v, _ := s.DB(0).IncrBy("n", 0); v != 3*rounds {
		t.Errorf("db 0: n = %d, want %d", v, 3*rounds)
	}
	if v, _ := s.DB(2).IncrBy("n", 0); v != 2*rounds {
		t.Errorf("db 2: n = %d, want %d", v, 2*rounds)
	}
}
