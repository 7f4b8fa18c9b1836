package store

import (
	"fmt"
	"testing"
	"time"
	"unsafe"
)

// newTestClock returns a manual clock at a fixed, arbitrary time.
func newTestClock() *ManualClock { return NewManualClock(time.UnixMilli(1_700_000_000_000)) }

// newTestStore returns a store on a manual clock with the sweeper off, so
// that only the test reclaims expired keys.
func newTestStore(t *testing.T, shards int) (*Store, *ManualClock) {
	t.Helper()
	clk := newTestClock()
	s := New(Options{Databases: 4, Shards: shards, Clock: clk, SweepInterval: -1})
	t.Cleanup(s.Close)
	return s, clk
}

func mustSet(t *testing.T, db *DB, key, val string, expireAt int64) {
	t.Helper()
	if _, err := db.Set(key, []byte(val), SetOptions{ExpireAt: expireAt}); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

// storedKeys counts the keys a database holds, reclaimed or not, by its
// own bookkeeping: the LRU, the scan index and the volatile set must
// agree.
func storedKeys(t *testing.T, db *DB) (keys, volatile int) {
	t.Helper()
	for _, sh := range db.shards {
		sh.mu.Lock()
		n, o := sh.data.items.Len(), sh.data.order.Len()
		keys += n
		volatile += len(sh.data.volatile)
		sh.mu.Unlock()
		if n != o {
			t.Fatalf("shard holds %d keys but its scan index %d", n, o)
		}
	}
	return keys, volatile
}

func TestLazyExpiry(t *testing.T) {
	// Each access reclaims a key found expired; none reports it.
	accesses := []struct {
		name   string
		access func(db *DB, key string) bool // reports whether the key was seen
	}{
		{"Get", func(db *DB, k string) bool { _, ok, _ := db.Get(k); return ok }},
		{"Exists", func(db *DB, k string) bool { return db.Exists(k) == 1 }},
		{"Touch", func(db *DB, k string) bool { return db.Touch(k) == 1 }},
		{"Type", func(db *DB, k string) bool { return db.Type(k) != KindNone }},
		{"PTTL", func(db *DB, k string) bool { return db.PTTL(k) != NoKey }},
		{"ExpireTime", func(db *DB, k string) bool { return db.ExpireTime(k) != NoKey }},
		{"Persist", func(db *DB, k string) bool { return db.Persist(k) }},
		{"Object", func(db *DB, k string) bool { _, ok := db.Object(k); return ok }},
		{"Del", func(db *DB, k string) bool { return db.Del(k) == 1 }},
		{"ExpireAt", func(db *DB, k string) bool { return db.ExpireAt(k, 1<<62, ExpireAlways) }},
		{"Rename", func(db *DB, k string) bool { _, err := db.Rename(k, "other", false); return err == nil }},
		{"Copy", func(db *DB, k string) bool { return db.Copy(k, db, "other", true) }},
	}
	for _, a := range accesses {
		t.Run(a.name, func(t *testing.T) {
			s, clk := newTestStore(t, 4)
			db := s.DB(0)
			mustSet(t, db, "k", "v", clk.Now().UnixMilli()+1000)
			clk.Advance(999 * time.Millisecond)
			if got := db.PTTL("k"); got != 1 {
				t.Fatalf("PTTL 1ms before expiry = %d, want 1", got)
			}
			clk.Advance(time.Millisecond)
			if n, _ := storedKeys(t, db); n != 1 {
				t.Fatalf("before the access the store holds %d keys, want 1 (not reclaimed yet)", n)
			}
			if db.Size() != 1 {
				t.Fatalf("DBSIZE counts an unreclaimed key, as Redis: got %d, want 1", db.Size())
			}
			if a.access(db, "k") {
				t.Fatalf("%s saw a key whose TTL has passed", a.name)
			}
			if n, v := storedKeys(t, db); n != 0 || v != 0 {
				t.Fatalf("after %s: %d keys, %d volatile; want the key reclaimed", a.name, n, v)
			}
		})
	}
}

func TestExpiredKeyIsAbsentEverywhere(t *testing.T) {
	s, clk := newTestStore(t, 4)
	db := s.DB(0)
	mustSet(t, db, "gone", "v", clk.Now().UnixMilli()+10)
	mustSet(t, db, "stays", "v", 0)
	clk.Advance(10 * time.Millisecond)
	if got := db.Keys("*"); len(got) != 1 || got[0] != "stays" {
		t.Errorf("Keys = %q, want [stays]", got)
	}
	if _, got := db.Scan(0, ScanOptions{Count: 100}); len(got) != 1 || got[0] != "stays" {
		t.Errorf("Scan = %q, want [stays]", got)
	}
	for range 20 {
		if k, ok := db.RandomKey(); !ok || k != "stays" {
			t.Fatalf("RandomKey = %q, %v; want stays", k, ok)
		}
	}
	if db.Move("gone", s.DB(1)) {
		t.Error("Move moved an expired key")
	}
	if s.DB(1).Exists("gone") != 0 {
		t.Error("the expired key reached database 1")
	}
}

func TestSweep(t *testing.T) {
	s, clk := newTestStore(t, 8)
	now := clk.Now().UnixMilli()
	for i := range 100 {
		mustSet(t, s.DB(0), fmt.Sprintf("short%d", i), "v", now+1000)
		mustSet(t, s.DB(1), fmt.Sprintf("long%d", i), "v", now+5000)
		mustSet(t, s.DB(2), fmt.Sprintf("forever%d", i), "v", 0)
	}
	if n := s.Sweep(); n != 0 {
		t.Fatalf("Sweep before any TTL passed removed %d keys", n)
	}
	clk.Advance(time.Second)
	if n := s.Sweep(); n != 100 {
		t.Fatalf("Sweep removed %d keys, want the 100 expired ones", n)
	}
	for i, want := range []int{0, 100, 100} {
		n, v := storedKeys(t, s.DB(i))
		if n != want {
			t.Errorf("db %d holds %d keys after Sweep, want %d", i, n, want)
		}
		if i == 2 && v != 0 {
			t.Errorf("db 2 has %d volatile keys, want 0", v)
		}
	}
	clk.Advance(4 * time.Second)
	if n := s.Sweep(); n != 100 {
		t.Fatalf("second Sweep removed %d keys, want 100", n)
	}
	if n, v := storedKeys(t, s.DB(1)); n != 0 || v != 0 {
		t.Errorf("db 1 holds %d keys (%d volatile) after its TTLs passed", n, v)
	}
}

// TestActiveSweeper lets the real sweeper run (every millisecond) on a
// manual clock and waits, bounded, until it has reclaimed what expired.
func TestActiveSweeper(t *testing.T) {
	clk := newTestClock()
	s := New(Options{Databases: 2, Shards: 4, Clock: clk, SweepInterval: time.Millisecond})
	defer s.Close()
	db := s.DB(1)
	now := clk.Now().UnixMilli()
	const n = 500 // more than one sample per shard: the sweeper must repeat
	for i := range n {
		mustSet(t, db, fmt.Sprintf("v%d", i), "x", now+100)
	}
	mustSet(t, db, "later", "x", now+10_000)
	mustSet(t, db, "forever", "x", 0)

	clk.Advance(100 * time.Millisecond)
	if !waitFor(t, 5*time.Second, func() bool { return db.Size() == 2 }) {
		t.Fatalf("the sweeper left %d keys, want 2", db.Size())
	}
	if db.Exists("later", "forever") != 2 {
		t.Fatal("the sweeper removed keys whose TTL has not passed")
	}
}

// waitFor polls cond until it holds or the time runs out, and reports
// whether it held.
func waitFor(t *testing.T, limit time.Duration, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSweeperStopsOnClose(t *testing.T) {
	clk := newTestClock()
	s := New(Options{Shards: 2, Clock: clk, SweepInterval: time.Millisecond})
	mustSet(t, s.DB(0), "k", "v", clk.Now().UnixMilli()+1)
	s.Close() // returns once the sweeper's goroutine has ended
	s.Close() // idempotent
	clk.Advance(time.Second)
	if n, _ := storedKeys(t, s.DB(0)); n != 1 {
		t.Fatal("a closed store's sweeper still ran")
	}
}

// TestExpiryTouchesWatchers: as in Redis, a watched key that expires (found
// lazily, by the sweeper, or by EXPIRE with a past time) counts as changed.
func TestExpiryTouchesWatchers(t *testing.T) {
	tests := []struct {
		name   string
		expire func(s *Store, db *DB, clk *ManualClock)
	}{
		{"lazy on Get", func(s *Store, db *DB, clk *ManualClock) {
			clk.Advance(time.Second)
			db.Get("k")
		}},
		{"lazy on Exists", func(s *Store, db *DB, clk *ManualClock) {
			clk.Advance(time.Second)
			db.Exists("k")
		}},
		{"lazy on PTTL", func(s *Store, db *DB, clk *ManualClock) {
			clk.Advance(time.Second)
			db.PTTL("k")
		}},
		{"Sweep", func(s *Store, db *DB, clk *ManualClock) {
			clk.Advance(time.Second)
			s.Sweep()
		}},
		{"ExpireWatched", func(s *Store, db *DB, clk *ManualClock) {
			clk.Advance(time.Second)
			db.ExpireWatched("k")
		}},
		{"ExpireAt in the past", func(s *Store, db *DB, clk *ManualClock) {
			db.ExpireAt("k", clk.Now().UnixMilli()-1, ExpireAlways)
		}},
		{"ExpireAt in the future", func(s *Store, db *DB, clk *ManualClock) {
			db.ExpireAt("k", clk.Now().UnixMilli()+5000, ExpireAlways)
		}},
		{"Persist", func(s *Store, db *DB, clk *ManualClock) {
			db.Persist("k")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clk := newTestStore(t, 4)
			db := s.DB(0)
			mustSet(t, db, "k", "v", clk.Now().UnixMilli()+1000)
			var w Watch
			db.Watch("k", &w)
			if w.Dirty() {
				t.Fatal("dirty right after WATCH")
			}
			tt.expire(s, db, clk)
			if !w.Dirty() {
				t.Fatal("the watched key changed but the watch is clean")
			}
		})
	}

	t.Run("not before the TTL passes", func(t *testing.T) {
		s, clk := newTestStore(t, 4)
		db := s.DB(0)
		mustSet(t, db, "k", "v", clk.Now().UnixMilli()+1000)
		var w Watch
		db.Watch("k", &w)
		clk.Advance(999 * time.Millisecond)
		db.Get("k")
		db.Exists("k")
		db.PTTL("k")
		s.Sweep()
		db.ExpireWatched("k")
		if w.Dirty() {
			t.Fatal("reads of a live key made the watch dirty")
		}
	})

	t.Run("a key already expired at WATCH", func(t *testing.T) {
		s, clk := newTestStore(t, 4)
		db := s.DB(0)
		mustSet(t, db, "k", "v", clk.Now().UnixMilli()+10)
		clk.Advance(time.Second)
		var w Watch
		db.Watch("k", &w) // reclaims it first: that is no change to report
		s.Sweep()
		db.Get("k")
		if w.Dirty() {
			t.Fatal("a key expired before WATCH made the watch dirty")
		}
	})

	t.Run("failed conditions change nothing", func(t *testing.T) {
		s, clk := newTestStore(t, 4)
		db := s.DB(0)
		mustSet(t, db, "k", "v", 0)
		var w Watch
		db.Watch("k", &w)
		db.ExpireAt("k", clk.Now().UnixMilli()-1, ExpireXX) // no TTL: XX fails, key stays
		db.Persist("k")                                     // no TTL to remove
		if w.Dirty() || db.Exists("k") != 1 {
			t.Fatalf("dirty=%v exists=%d; want a clean watch and the key", w.Dirty(), db.Exists("k"))
		}
	})
}

func TestExpireAtConditions(t *testing.T) {
	const base = 1_700_000_000_000 // the manual clock's start
	tests := []struct {
		name    string
		ttl     int64 // current absolute expiry; 0: none
		at      int64
		cond    ExpireCond
		want    bool
		wantTTL int64 // PTTL afterwards (NoKey when deleted)
	}{
		{"always, no TTL", 0, base + 100, ExpireAlways, true, 100},
		{"always, replaces", base + 500, base + 100, ExpireAlways, true, 100},
		{"NX, no TTL", 0, base + 100, ExpireNX, true, 100},
		{"NX, has TTL", base + 500, base + 100, ExpireNX, false, 500},
		{"XX, no TTL", 0, base + 100, ExpireXX, false, NoTTL},
		{"XX, has TTL", base + 500, base + 100, ExpireXX, true, 100},
		{"GT, no TTL (infinite)", 0, base + 100, ExpireGT, false, NoTTL},
		{"GT, greater", base + 500, base + 600, ExpireGT, true, 600},
		{"GT, equal", base + 500, base + 500, ExpireGT, false, 500},
		{"GT, less", base + 500, base + 400, ExpireGT, false, 500},
		{"LT, no TTL (infinite)", 0, base + 100, ExpireLT, true, 100},
		{"LT, less", base + 500, base + 400, ExpireLT, true, 400},
		{"LT, equal", base + 500, base + 500, ExpireLT, false, 500},
		{"LT, greater", base + 500, base + 600, ExpireLT, false, 500},
		{"XX LT, no TTL", 0, base + 100, ExpireXX | ExpireLT, false, NoTTL},
		{"XX LT, less", base + 500, base + 100, ExpireXX | ExpireLT, true, 100},
		{"XX GT, greater", base + 500, base + 900, ExpireXX | ExpireGT, true, 900},
		{"past time deletes", 0, base, ExpireAlways, true, NoKey},
		{"negative time deletes", base + 500, -1 << 62, ExpireAlways, true, NoKey},
		{"LT past time deletes", base + 500, base - 1, ExpireLT, true, NoKey},
		{"GT past time fails first", base + 500, base - 1, ExpireGT, false, 500},
		{"NX past time fails first", base + 500, base - 1, ExpireNX, false, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clk := newTestStore(t, 2)
			if clk.Now().UnixMilli() != base {
				t.Fatalf("clock starts at %d", clk.Now().UnixMilli())
			}
			db := s.DB(0)
			mustSet(t, db, "k", "v", tt.ttl)
			if got := db.ExpireAt("k", tt.at, tt.cond); got != tt.want {
				t.Errorf("ExpireAt = %v, want %v", got, tt.want)
			}
			if got := db.PTTL("k"); got != tt.wantTTL {
				t.Errorf("PTTL = %d, want %d", got, tt.wantTTL)
			}
			_, v := storedKeys(t, db)
			if wantV := tt.wantTTL > 0; (v == 1) != wantV {
				t.Errorf("volatile set holds %d keys; key has a TTL: %v", v, wantV)
			}
		})
	}
	t.Run("missing key", func(t *testing.T) {
		s, _ := newTestStore(t, 2)
		if s.DB(0).ExpireAt("nokey", 1, ExpireAlways) {
			t.Error("ExpireAt on a missing key reported success")
		}
	})
}

func TestTTLReadsAndPersist(t *testing.T) {
	s, clk := newTestStore(t, 2)
	db := s.DB(0)
	if db.PTTL("nokey") != NoKey || db.ExpireTime("nokey") != NoKey {
		t.Error("a missing key has no NoKey state")
	}
	mustSet(t, db, "k", "v", 0)
	if db.PTTL("k") != NoTTL || db.ExpireTime("k") != NoTTL {
		t.Error("a key without TTL has no NoTTL state")
	}
	at := clk.Now().UnixMilli() + 2500
	db.ExpireAt("k", at, ExpireAlways)
	clk.Advance(1000 * time.Millisecond)
	if got := db.PTTL("k"); got != 1500 {
		t.Errorf("PTTL = %d, want 1500", got)
	}
	if got := db.ExpireTime("k"); got != at {
		t.Errorf("ExpireTime = %d, want %d", got, at)
	}
	if !db.Persist("k") || db.Persist("k") {
		t.Error("Persist must succeed once, then find no TTL")
	}
	if db.PTTL("k") != NoTTL {
		t.Error("the TTL survived Persist")
	}
	if _, v := storedKeys(t, db); v != 0 {
		t.Errorf("%d volatile keys after Persist", v)
	}
	clk.Advance(time.Hour)
	if db.Exists("k") != 1 {
		t.Error("a persisted key expired")
	}
}

// TestVolatileKeyIsOwned: giving an existing key a TTL must not keep the
// caller's key bytes, which the server reuses for the next command.
func TestVolatileKeyIsOwned(t *testing.T) {
	s, clk := newTestStore(t, 1)
	db := s.DB(0)
	mustSet(t, db, "abc", "v", 0)
	buf := []byte("abc")
	view := unsafeString(buf)
	db.ExpireAt(view, clk.Now().UnixMilli()+2000, ExpireAlways)
	db.Persist(view)
	db.ExpireAt(view, clk.Now().UnixMilli()+1000, ExpireAlways)
	copy(buf, "xyz")
	sh := db.shards[0]
	for k := range sh.data.volatile {
		if k != "abc" {
			t.Fatalf("volatile set holds %q: it aliases the caller's buffer", k)
		}
	}
	clk.Advance(time.Second)
	if n := s.Sweep(); n != 1 {
		t.Fatalf("Sweep removed %d keys, want 1", n)
	}
}

// unsafeString views b as a string without copying, as the server's keyOf.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
