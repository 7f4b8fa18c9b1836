package store

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestDelExistsTouchType(t *testing.T) {
	s, _ := newTestStore(t, 4)
	db := s.DB(0)
	for _, k := range []string{"a", "b", "c", ""} {
		mustSet(t, db, k, "v", 0)
	}
	tests := []struct {
		name string
		got  int
		want int
	}{
		{"Exists counts repeats", db.Exists("a", "a", "b", "nokey"), 3},
		{"Exists empty key", db.Exists(""), 1},
		{"Touch", db.Touch("a", "nokey", "c"), 2},
		{"Del counts a repeated key once", db.Del("a", "a", "nokey"), 1},
		{"Exists after Del", db.Exists("a"), 0},
		{"Del one", db.Del("b"), 1},
		{"Del missing", db.Del("b"), 0},
		{"Del empty key", db.Del(""), 1},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
	if got := db.Type("c"); got != KindString || got.String() != "string" {
		t.Errorf("Type(c) = %v", got)
	}
	if got := db.Type("a"); got != KindNone || got.String() != "none" {
		t.Errorf("Type(a) = %v", got)
	}
	if n, _ := storedKeys(t, db); n != 1 {
		t.Errorf("%d keys left, want 1", n)
	}
}

func TestParseKind(t *testing.T) {
	tests := []struct {
		name string
		want Kind
		ok   bool
	}{
		{"string", KindString, true},
		{"STRING", KindString, true},
		{"String", KindString, true},
		{"none", KindNone, false},
		{"strin", KindNone, false},
		{"", KindNone, false},
	}
	for _, tt := range tests {
		if got, ok := ParseKind(tt.name); got != tt.want || ok != tt.ok {
			t.Errorf("ParseKind(%q) = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestKeys(t *testing.T) {
	s, _ := newTestStore(t, 8)
	db := s.DB(0)
	all := []string{"hello", "hallo", "hxllo", "hllo", "foo", "foobar", ""}
	for _, k := range all {
		mustSet(t, db, k, "v", 0)
	}
	tests := []struct {
		pattern string
		want    []string
	}{
		{"*", all}, // a lone '*' matches even the empty key, as Redis
		{"**", []string{"hello", "hallo", "hxllo", "hllo", "foo", "foobar"}},
		{"h?llo", []string{"hello", "hallo", "hxllo"}},
		{"h*llo", []string{"hello", "hallo", "hxllo", "hllo"}},
		{"h[ae]llo", []string{"hello", "hallo"}},
		{"foo*", []string{"foo", "foobar"}},
		{"", []string{""}},
		{"nothing", nil},
	}
	for _, tt := range tests {
		got := db.Keys(tt.pattern)
		slices.Sort(got)
		want := slices.Clone(tt.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("Keys(%q) = %q, want %q", tt.pattern, got, want)
		}
	}
}

// scanAll runs a full SCAN and returns every key it returned, counting
// repeats, with the number of calls. It fails the test if the iteration
// does not finish within maxCalls.
func scanAll(t *testing.T, db *DB, opt ScanOptions, maxCalls int) (map[string]int, int) {
	t.Helper()
	seen := make(map[string]int)
	cursor := uint64(0)
	for calls := 1; calls <= maxCalls; calls++ {
		next, keys := db.Scan(cursor, opt)
		for _, k := range keys {
			seen[k]++
		}
		if next == 0 {
			return seen, calls
		}
		if next > 1<<63-1 {
			t.Fatalf("cursor %d does not fit a signed 64-bit integer", next)
		}
		cursor = next
	}
	t.Fatalf("SCAN did not finish in %d calls", maxCalls)
	return nil, 0
}

func TestScanStaticKeyspace(t *testing.T) {
	for _, shards := range []int{1, 2, 64} {
		for _, count := range []int{1, 3, 10, 1000} {
			t.Run(fmt.Sprintf("shards=%d/count=%d", shards, count), func(t *testing.T) {
				s, _ := newTestStore(t, shards)
				db := s.DB(0)
				const n = 300
				for i := range n {
					mustSet(t, db, fmt.Sprintf("key:%d", i), "v", 0)
				}
				seen, calls := scanAll(t, db, ScanOptions{Count: count}, 2*n+shards+2)
				if len(seen) != n {
					t.Fatalf("SCAN returned %d distinct keys, want %d", len(seen), n)
				}
				for k, c := range seen {
					if c != 1 {
						t.Errorf("%q returned %d times from an unchanging keyspace", k, c)
					}
				}
				// COUNT is a hint, but Ember visits exactly COUNT keys per
				// call, so a full iteration takes ceil(n/count) calls, plus
				// one when it stops just before shards that are empty.
				if want := (n + count - 1) / count; calls < want || calls > want+1 {
					t.Errorf("%d calls, want %d", calls, want)
				}
			})
		}
	}
}

func TestScanEmpty(t *testing.T) {
	s, _ := newTestStore(t, 4)
	next, keys := s.DB(0).Scan(0, ScanOptions{})
	if next != 0 || len(keys) != 0 {
		t.Fatalf("Scan of an empty database = %d, %q", next, keys)
	}
	// Any cursor is accepted, even one no call returned.
	next, keys = s.DB(0).Scan(1<<64-1, ScanOptions{})
	if next != 0 || len(keys) != 0 {
		t.Fatalf("Scan from the largest cursor = %d, %q", next, keys)
	}
}

func TestScanFilters(t *testing.T) {
	s, clk := newTestStore(t, 8)
	db := s.DB(0)
	for i := range 50 {
		mustSet(t, db, fmt.Sprintf("user:%d", i), "v", 0)
		mustSet(t, db, fmt.Sprintf("item:%d", i), "v", 0)
	}
	mustSet(t, db, "", "v", 0)
	mustSet(t, db, "user:gone", "v", clk.Now().UnixMilli()+1)
	clk.Advance(time.Millisecond)
	tests := []struct {
		name string
		opt  ScanOptions
		want int
	}{
		{"zero options: every key", ScanOptions{}, 101},
		{"match *", ScanOptions{Match: "*"}, 101},
		{"match prefix", ScanOptions{Match: "user:*", Count: 7}, 50},
		{"match one", ScanOptions{Match: "item:4[2]"}, 1},
		{"type string", ScanOptions{Type: KindString, Count: 1000}, 101},
		{"type string and match", ScanOptions{Type: KindString, Match: "item:*"}, 50},
		{"match nothing", ScanOptions{Match: "nobody*"}, 0},
	}
	for _, tt := range tests {
		seen, _ := scanAll(t, db, tt.opt, 1000)
		if len(seen) != tt.want {
			t.Errorf("%s: %d keys, want %d", tt.name, len(seen), tt.want)
		}
		if seen["user:gone"] != 0 {
			t.Errorf("%s: returned an expired key", tt.name)
		}
	}
}

// TestScanGuarantee: a full SCAN returns every key present from its start
// to its end at least once, while another goroutine keeps adding and
// deleting other keys, and a third expires some of them.
func TestScanGuarantee(t *testing.T) {
	for _, shards := range []int{1, 4, 64} {
		t.Run(fmt.Sprintf("shards=%d", shards), func(t *testing.T) {
			s, clk := newTestStore(t, shards)
			db := s.DB(0)
			const stable = 2000
			for i := range stable {
				mustSet(t, db, fmt.Sprintf("stable:%d", i), "v", 0)
			}
			for i := range 1000 {
				mustSet(t, db, fmt.Sprintf("churn:%d", i), "v", 0)
			}

			var stop atomic.Bool
			var ops atomic.Int64
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { // add and delete churn keys, bounded in count
				defer wg.Done()
				for i := 0; i < 500_000 && !stop.Load(); i++ {
					ops.Add(1)
					k := fmt.Sprintf("churn:%d", i%5000)
					if i%3 == 0 {
						db.Del(k)
					} else if _, err := db.Set(k, []byte("v"), SetOptions{ExpireAt: clk.Now().UnixMilli() + int64(i%7)}); err != nil {
						t.Error(err)
						return
					}
					if i%1000 == 0 {
						clk.Advance(time.Millisecond)
						s.Sweep()
					}
				}
			}()

			// Start once the writer runs, and make several passes, so that
			// writes interleave with the calls of each pass.
			waitFor(t, 5*time.Second, func() bool { return ops.Load() > 100 })
			for pass := range 5 {
				before := ops.Load()
				seen, _ := scanAll(t, db, ScanOptions{Count: 1 + pass*7}, 1_000_000)
				t.Logf("pass %d: %d writes during the scan", pass, ops.Load()-before)
				for i := range stable {
					if k := fmt.Sprintf("stable:%d", i); seen[k] == 0 {
						t.Fatalf("pass %d: SCAN missed %q, present throughout", pass, k)
					}
				}
			}
			stop.Store(true)
			wg.Wait()
		})
	}
}

func TestRandomKey(t *testing.T) {
	s, clk := newTestStore(t, 8)
	db := s.DB(0)
	if k, ok := db.RandomKey(); ok {
		t.Fatalf("RandomKey of an empty database = %q", k)
	}
	mustSet(t, db, "only", "v", 0)
	for range 10 {
		if k, ok := db.RandomKey(); !ok || k != "only" {
			t.Fatalf("RandomKey = %q, %v", k, ok)
		}
	}
	for i := range 20 {
		mustSet(t, db, fmt.Sprintf("k%d", i), "v", 0)
	}
	seen := map[string]bool{}
	for range 2000 {
		k, ok := db.RandomKey()
		if !ok {
			t.Fatal("RandomKey found nothing")
		}
		seen[k] = true
	}
	if len(seen) != 21 {
		t.Errorf("2000 RandomKey calls saw %d of 21 keys", len(seen))
	}
	db.Del("only")
	for i := range 20 {
		db.ExpireAt(fmt.Sprintf("k%d", i), clk.Now().UnixMilli()+1, ExpireAlways)
	}
	clk.Advance(time.Millisecond)
	if k, ok := db.RandomKey(); ok {
		t.Fatalf("RandomKey returned %q, every key expired", k)
	}
}

func TestRename(t *testing.T) {
	s, clk := newTestStore(t, 8)
	db := s.DB(0)
	if _, err := db.Rename("nokey", "x", false); err != ErrNoSuchKey {
		t.Fatalf("Rename of a missing key: %v, want ErrNoSuchKey", err)
	}
	if _, err := db.Rename("nokey", "nokey", true); err != ErrNoSuchKey {
		t.Fatalf("Rename of a missing key to itself: %v, want ErrNoSuchKey", err)
	}
	at := clk.Now().UnixMilli() + 5000
	mustSet(t, db, "src", "v1", at)
	if ok, err := db.Rename("src", "src", false); !ok || err != nil {
		t.Errorf("Rename to itself = %v, %v; want true", ok, err)
	}
	if ok, _ := db.Rename("src", "src", true); ok {
		t.Error("RENAMENX to itself must answer 0, as Redis")
	}
	if ok, err := db.Rename("src", "dst", false); !ok || err != nil {
		t.Fatalf("Rename = %v, %v", ok, err)
	}
	if v, _, _ := db.Get("dst"); string(v) != "v1" || db.Exists("src") != 0 {
		t.Fatalf("after Rename dst=%q, src exists=%d", v, db.Exists("src"))
	}
	if db.ExpireTime("dst") != at {
		t.Error("the TTL did not move with the value")
	}
	mustSet(t, db, "src", "v2", 0)
	if ok, _ := db.Rename("src", "dst", true); ok {
		t.Error("RENAMENX over an existing key succeeded")
	}
	if ok, _ := db.Rename("src", "dst", false); !ok {
		t.Error("RENAME over an existing key failed")
	}
	if db.PTTL("dst") != NoTTL {
		t.Error("the replaced key's TTL survived")
	}
	if _, v := storedKeys(t, db); v != 0 {
		t.Errorf("%d volatile keys left, want 0", v)
	}
}

func TestCopy(t *testing.T) {
	s, clk := newTestStore(t, 8)
	src, other := s.DB(0), s.DB(1)
	at := clk.Now().UnixMilli() + 5000
	mustSet(t, src, "k", "5", at)
	if src.Copy("nokey", src, "x", true) {
		t.Error("Copy of a missing key succeeded")
	}
	if !src.Copy("k", src, "c", false) {
		t.Fatal("Copy failed")
	}
	if src.Copy("k", src, "c", false) {
		t.Error("Copy over an existing key without replace succeeded")
	}
	if !src.Copy("k", src, "c", true) || !src.Copy("k", other, "k", false) {
		t.Error("Copy with replace, or to another database, failed")
	}
	for _, c := range []struct {
		db  *DB
		key string
	}{{src, "c"}, {other, "k"}} {
		if v, _, _ := c.db.Get(c.key); string(v) != "5" {
			t.Errorf("copy %q holds %q", c.key, v)
		}
		if c.db.ExpireTime(c.key) != at {
			t.Errorf("copy %q lost the TTL", c.key)
		}
		info, _ := c.db.Object(c.key)
		if info.Encoding != "int" || info.Shared {
			t.Errorf("copy %q: %+v; want an unshared int, as Redis", c.key, info)
		}
	}
	if info, _ := src.Object("k"); !info.Shared {
		t.Error("the source stopped being a shared integer")
	}
	// A copy owns its bytes.
	mustSet(t, src, "s", "abc", 0)
	src.Copy("s", src, "s2", false)
	v, _, _ := src.Get("s")
	v[0] = 'X'
	if v2, _, _ := src.Get("s2"); string(v2) != "abc" {
		t.Errorf("the copy changed with its source: %q", v2)
	}
}

func TestMove(t *testing.T) {
	s, clk := newTestStore(t, 8)
	a, b := s.DB(0), s.DB(3)
	at := clk.Now().UnixMilli() + 5000
	mustSet(t, a, "k", "v", at)
	if a.Move("nokey", b) {
		t.Error("Move of a missing key succeeded")
	}
	if !a.Move("k", b) {
		t.Fatal("Move failed")
	}
	if a.Exists("k") != 0 || b.Exists("k") != 1 || b.ExpireTime("k") != at {
		t.Fatal("Move did not carry the key and its TTL")
	}
	mustSet(t, a, "k", "again", 0)
	if a.Move("k", b) {
		t.Error("Move onto an existing key succeeded")
	}
	if v, _, _ := b.Get("k"); string(v) != "v" {
		t.Errorf("the target was overwritten: %q", v)
	}
	clk.Advance(5 * time.Second)
	if n := s.Sweep(); n != 1 {
		t.Errorf("Sweep removed %d, want the moved key", n)
	}
}

func TestObjectIdleTime(t *testing.T) {
	s, clk := newTestStore(t, 2)
	db := s.DB(0)
	mustSet(t, db, "k", "hello", 0)
	clk.Advance(5 * time.Second)
	idle := func() int64 {
		t.Helper()
		info, ok := db.Object("k")
		if !ok {
			t.Fatal("Object found no key")
		}
		return info.IdleMs
	}
	if got := idle(); got != 5000 {
		t.Fatalf("IdleMs = %d, want 5000", got)
	}
	// As Redis: TTL, EXISTS, TYPE and OBJECT itself do not count as access.
	db.PTTL("k")
	db.ExpireTime("k")
	db.Exists("k")
	db.Type("k")
	db.Keys("*")
	db.Scan(0, ScanOptions{})
	if got := idle(); got != 5000 {
		t.Fatalf("IdleMs after reads that do not touch = %d, want 5000", got)
	}
	db.Touch("k")
	if got := idle(); got != 0 {
		t.Fatalf("IdleMs after Touch = %d, want 0", got)
	}
	clk.Advance(3 * time.Second)
	db.ExpireAt("k", clk.Now().UnixMilli()+10_000, ExpireAlways)
	if got := idle(); got != 0 {
		t.Fatalf("IdleMs after EXPIRE = %d, want 0", got)
	}
	clk.Advance(3 * time.Second)
	db.Get("k")
	if got := idle(); got != 0 {
		t.Fatalf("IdleMs after Get = %d, want 0", got)
	}
}

func TestObjectEncoding(t *testing.T) {
	s, _ := newTestStore(t, 2)
	db := s.DB(0)
	tests := []struct {
		val    string
		enc    string
		shared bool
	}{
		{"0", "int", true},
		{"9999", "int", true},
		{"10000", "int", false},
		{"-1", "int", false},
		{"9223372036854775807", "int", false},
		{"9223372036854775808", "embstr", false},
		{"007", "embstr", false},
		{"", "embstr", false},
		{"hello", "embstr", false},
		{string(make([]byte, 44)), "embstr", false},
		{string(make([]byte, 45)), "raw", false},
	}
	for _, tt := range tests {
		mustSet(t, db, "k", tt.val, 0)
		info, ok := db.Object("k")
		if !ok || info.Kind != KindString || info.Encoding != tt.enc || info.Shared != tt.shared {
			t.Errorf("Object(%q) = %+v, %v; want %s shared=%v", tt.val, info, ok, tt.enc, tt.shared)
		}
	}
	if _, ok := db.Object("nokey"); ok {
		t.Error("Object found a missing key")
	}
	mustSet(t, db, "n", "1", 0)
	if _, err := db.Append("n", []byte("2")); err != nil {
		t.Fatal(err)
	}
	if info, _ := db.Object("n"); info.Encoding != "raw" || info.Shared {
		t.Errorf("after APPEND: %+v; want raw, as Redis", info)
	}
}

// TestLockedViews runs the key operations through views of a Locked that
// holds everything, as EXEC does for KEYS, SCAN, MOVE and COPY.
func TestLockedViews(t *testing.T) {
	s, _ := newTestStore(t, 8)
	for i := range 20 {
		mustSet(t, s.DB(0), fmt.Sprintf("k%d", i), "v", 0)
	}
	l := s.LockAll()
	a, b := l.DB(0), l.DB(1)
	if got := len(a.Keys("*")); got != 20 {
		t.Errorf("Keys through a view: %d", got)
	}
	next, keys := a.Scan(0, ScanOptions{Count: 5})
	if next == 0 || len(keys) != 5 {
		t.Errorf("Scan through a view: %d, %d keys", next, len(keys))
	}
	if _, ok := a.RandomKey(); !ok {
		t.Error("RandomKey through a view found nothing")
	}
	if !a.Move("k1", b) || !a.Copy("k2", b, "k2", false) {
		t.Error("Move or Copy through views failed")
	}
	if ok, err := a.Rename("k3", "k33", false); !ok || err != nil {
		t.Error("Rename through a view failed")
	}
	l.Unlock()
	if s.DB(1).Exists("k1", "k2") != 2 || s.DB(0).Exists("k33") != 1 {
		t.Error("the view's changes are not visible after Unlock")
	}
}
