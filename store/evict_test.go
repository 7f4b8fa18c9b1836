package store_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emberkv/ember/store"
)

// evictionLog records the keys the store reports evicted.
type evictionLog struct {
	mu   sync.Mutex
	keys []string
}

func (l *evictionLog) onEvent(db int, ev store.KeyEvent, key string) {
	if ev == store.KeyEvicted {
		l.mu.Lock()
		l.keys = append(l.keys, key)
		l.mu.Unlock()
	}
}

// syncEviction is the default configuration with tenacity 100: MakeRoom
// evicts all it must before returning, never in the background, so that
// a test sees the result at once (the race detector slows eviction past
// the default time limit).
func syncEviction() store.Eviction {
	e := store.DefaultEviction()
	e.Tenacity = 100
	return e
}

func newEvictionStore(t *testing.T, clock *store.ManualClock) (*store.Store, *evictionLog) {
	t.Helper()
	log := &evictionLog{}
	s := store.New(store.Options{Databases: 2, SweepInterval: -1, Clock: clock, OnKeyEvent: log.onEvent})
	t.Cleanup(s.Close)
	return s, log
}

// writeOfType writes key i with one of the five types, so that a write
// load covers every type.
func writeOfType(t *testing.T, db *store.DB, i int, expireAt int64) string {
	t.Helper()
	key := fmt.Sprintf("w%d", i)
	var err error
	switch i % 5 {
	case 0:
		_, err = db.Set(key, []byte("a value of thirty-two bytes....."), store.SetOptions{ExpireAt: expireAt})
	case 1:
		_, err = db.HSet(key, []byte("f"), []byte("v"), []byte("g"), []byte("w"))
	case 2:
		_, err = db.RPush(key, []byte("a"), []byte("b"), []byte("c"))
	case 3:
		_, err = db.SAdd(key, []byte("1"), []byte("2"), []byte("x"))
	case 4:
		_, err = db.ZAdd(key, 0, []store.ZMember{{Member: "m", Score: 1}, {Member: "n", Score: 2}})
	}
	if err != nil {
		t.Fatal(err)
	}
	if expireAt != 0 && i%5 != 0 {
		db.ExpireAtChange(key, expireAt, store.ExpireAlways)
	}
	return key
}

// TestEvictionPolicies: under a write load of every type, each policy
// keeps UsedMemory within the limit and evicts only the keys it may:
// the volatile policies never touch keys without a TTL, and report
// failure once no key with a TTL is left.
func TestEvictionPolicies(t *testing.T) {
	policies := []store.EvictionPolicy{store.AllKeysLRU, store.VolatileLRU, store.AllKeysLFU,
		store.VolatileLFU, store.AllKeysRandom, store.VolatileRandom, store.VolatileTTL}
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			clock := store.NewManualClock(time.Unix(1e9, 0))
			s, log := newEvictionStore(t, clock)
			far := clock.Now().Add(time.Hour).UnixMilli()
			// Half the keys in each database have a TTL ("v" keys),
			// half do not ("p" keys).
			persistent := map[string]bool{}
			for d := range 2 {
				db := s.DB(d)
				for i := range 200 {
					k := writeOfType(t, db, d*1000+i, 0)
					persistent[k] = true
					db.Set("v"+k, []byte("x"), store.SetOptions{ExpireAt: far + int64(i)})
				}
			}
			limit := s.UsedMemory() * 3 / 4
			e := syncEviction()
			e.MaxMemory, e.Policy = limit, p
			s.SetEviction(e)
			for i := range 2000 {
				if !s.MakeRoom(0) {
					if !volatile(p) {
						t.Fatalf("write %d: MakeRoom failed with keys left", i)
					}
					break
				}
				if got := s.UsedMemory(); got > limit {
					t.Fatalf("write %d: used %d over the limit %d after MakeRoom", i, got, limit)
				}
				clock.Advance(time.Millisecond)
				writeOfType(t, s.DB(i%2), 10000+i, far+int64(i))
			}
			if len(log.keys) == 0 {
				t.Fatal("nothing was evicted")
			}
			if got := s.Counters().Evicted; got != int64(len(log.keys)) {
				t.Errorf("Counters().Evicted = %d, %d events", got, len(log.keys))
			}
			if volatile(p) {
				for _, k := range log.keys {
					if persistent[k] {
						t.Fatalf("%s evicted %q, which has no TTL", p, k)
					}
				}
				// Once the TTL keys are gone, nothing more can go.
				for range 5000 {
					if !s.MakeRoom(0) {
						break
					}
					writeOfType(t, s.DB(0), len(log.keys)+20000, 0)
				}
				if s.MakeRoom(0) && s.UsedMemory() > limit {
					t.Fatal("MakeRoom succeeded over the limit with no key with a TTL left")
				}
			}
		})
	}
}

func volatile(p store.EvictionPolicy) bool {
	switch p {
	case store.VolatileLRU, store.VolatileLFU, store.VolatileRandom, store.VolatileTTL:
		return true
	}
	return false
}

// TestEvictionNoEviction: noeviction, or no limit, never evicts; over the
// limit MakeRoom reports false.
func TestEvictionNoEviction(t *testing.T) {
	clock := store.NewManualClock(time.Unix(1e9, 0))
	s, log := newEvictionStore(t, clock)
	for i := range 100 {
		writeOfType(t, s.DB(0), i, 0)
	}
	if !s.MakeRoom(1 << 40) {
		t.Error("MakeRoom without a limit failed")
	}
	e := syncEviction()
	e.MaxMemory = 1
	s.SetEviction(e)
	if s.MakeRoom(0) || !s.OverMaxMemory(0) {
		t.Error("noeviction over the limit: MakeRoom succeeded")
	}
	if len(log.keys) != 0 || s.DB(0).Size() != 100 {
		t.Errorf("noeviction evicted %v", log.keys)
	}
	clock.Advance(2 * time.Millisecond) // the time over the limit runs on the store's clock
	if total, current := s.EvictionExceeded(); current < time.Millisecond || total < current {
		t.Errorf("over the limit: EvictionExceeded = %v, %v", total, current)
	}
	e.MaxMemory = s.UsedMemory()
	s.SetEviction(e)
	if !s.MakeRoom(0) || s.MakeRoom(1) {
		t.Error("the limit is not inclusive")
	}
	s.MakeRoom(0)
	if total, current := s.EvictionExceeded(); current != 0 || total < 2*time.Millisecond {
		t.Errorf("back under the limit: EvictionExceeded = %v, %v", total, current)
	}
}

// TestEvictionConcurrent runs writers, MakeRoom, FLUSHALL and SWAPDB at
// once (for the race detector), bounded in iterations, and checks the
// running total against the shards' own counts at the end.
func TestEvictionConcurrent(t *testing.T) {
	for _, p := range []store.EvictionPolicy{store.AllKeysLRU, store.AllKeysLFU, store.VolatileTTL, store.AllKeysRandom} {
		t.Run(p.String(), func(t *testing.T) {
			s := store.New(store.Options{Databases: 2, SweepInterval: time.Millisecond})
			defer s.Close()
			e := store.DefaultEviction()
			e.Policy, e.MaxMemory = p, 64<<10
			s.SetEviction(e)
			far := time.Now().Add(time.Hour).UnixMilli()
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 2000 {
						s.MakeRoom(0)
						db := s.DB((w + i) % 2)
						writeOfType(t, db, w*100000+i, far)
						db.Get(fmt.Sprintf("w%d", w*100000+i/2))
						if w == 0 && i%500 == 499 {
							s.FlushAll()
						}
						if w == 1 && i%700 == 699 {
							s.SwapDB(0, 1)
						}
					}
				}()
			}
			wg.Wait()
			if !s.MakeRoom(0) || s.UsedMemory() > e.MaxMemory {
				t.Errorf("used %d over %d at the end", s.UsedMemory(), e.MaxMemory)
			}
			if got, want := s.UsedMemory(), s.DB(0).UsedBytes()+s.DB(1).UsedBytes(); got != want {
				t.Errorf("UsedMemory %d, the shards sum to %d", got, want)
			}
		})
	}
}

// TestEvictionExactLRU: allkeys-lru evicts in exact order of last access,
// across shards and databases.
func TestEvictionExactLRU(t *testing.T) {
	clock := store.NewManualClock(time.Unix(1e9, 0))
	s, log := newEvictionStore(t, clock)
	var want []string
	for i := range 100 {
		clock.Advance(2 * time.Second) // beyond the access time's resolution
		s.DB(i%2).Set("k"+strconv.Itoa(i), []byte("v"), store.SetOptions{})
	}
	// Reading the first ten makes them the most recent, in that order.
	for i := range 10 {
		clock.Advance(2 * time.Second)
		s.DB(i % 2).Get("k" + strconv.Itoa(i))
	}
	for i := 10; i < 100; i++ {
		want = append(want, "k"+strconv.Itoa(i))
	}
	for i := range 10 {
		want = append(want, "k"+strconv.Itoa(i))
	}
	e := syncEviction()
	e.Policy = store.AllKeysLRU
	for range want {
		// A limit one byte under what is used makes MakeRoom evict one key.
		e.MaxMemory = s.UsedMemory() - 1
		s.SetEviction(e)
		if !s.MakeRoom(0) {
			t.Fatal("MakeRoom failed")
		}
	}
	if fmt.Sprint(log.keys) != fmt.Sprint(want) {
		t.Errorf("evicted in order\n%v\nwant\n%v", log.keys, want)
	}
	if n := s.DB(0).Size() + s.DB(1).Size(); n != 0 {
		t.Errorf("%d keys left", n)
	}
}

// TestEvictionLFU: allkeys-lfu evicts the keys that were never read
// before the ones read often, and OBJECT FREQ's counter follows the
// accesses exactly with lfu-log-factor 0 and no decay.
func TestEvictionLFU(t *testing.T) {
	clock := store.NewManualClock(time.Unix(1e9, 0))
	s, log := newEvictionStore(t, clock)
	e := syncEviction()
	e.Policy, e.LFULogFactor, e.LFUDecayTime, e.Samples = store.AllKeysLFU, 0, 0, 10
	s.SetEviction(e)
	db := s.DB(0)
	hot := map[string]bool{}
	for i := range 200 {
		k := "k" + strconv.Itoa(i)
		db.Set(k, []byte("v"), store.SetOptions{})
		if i%2 == 0 {
			hot[k] = true
			for range 20 {
				db.Get(k)
			}
		}
	}
	if f, _ := db.Frequency("k0"); f != 25 {
		t.Errorf("k0: frequency %d after 20 reads, want 5+20", f)
	}
	if f, _ := db.Frequency("k1"); f != 5 {
		t.Errorf("k1: frequency %d unread, want 5", f)
	}
	e.MaxMemory = s.UsedMemory() * 3 / 4
	s.SetEviction(e)
	if !s.MakeRoom(0) {
		t.Fatal("MakeRoom failed")
	}
	hotEvicted := 0
	for _, k := range log.keys {
		if hot[k] {
			hotEvicted++
		}
	}
	if len(log.keys) == 0 || hotEvicted*10 > len(log.keys) {
		t.Errorf("%d of %d evicted keys were hot", hotEvicted, len(log.keys))
	}
}

// TestEvictionLFUDecay: a counter loses one per lfu-decay-time minutes
// without access, as Redis's LFUDecrAndReturn.
func TestEvictionLFUDecay(t *testing.T) {
	// On a minute's start: Redis's LFU clock counts whole minutes.
	clock := store.NewManualClock(time.Unix(999999960, 0))
	s, _ := newEvictionStore(t, clock)
	e := syncEviction()
	e.Policy, e.LFULogFactor, e.LFUDecayTime = store.VolatileLFU, 0, 2
	s.SetEviction(e)
	db := s.DB(0)
	db.Set("k", []byte("v"), store.SetOptions{})
	for range 5 {
		db.Get("k")
	}
	tests := []struct {
		advance time.Duration
		want    int
	}{{0, 10}, {119 * time.Second, 10}, {time.Second, 9}, {4 * time.Minute, 7}, {time.Hour, 0}}
	for _, tc := range tests {
		clock.Advance(tc.advance)
		if f, _ := db.Frequency("k"); f != tc.want {
			t.Errorf("after %v more: frequency %d, want %d", tc.advance, f, tc.want)
		}
	}
}

// TestEvictionFlushResetsAccounting: FLUSHALL takes UsedMemory back to
// zero, and eviction after it starts afresh.
func TestEvictionFlushResetsAccounting(t *testing.T) {
	clock := store.NewManualClock(time.Unix(1e9, 0))
	s, _ := newEvictionStore(t, clock)
	for i := range 500 {
		writeOfType(t, s.DB(i%2), i, 0)
	}
	if s.UsedMemory() == 0 {
		t.Fatal("nothing accounted")
	}
	s.FlushAll()
	if got := s.UsedMemory(); got != 0 {
		t.Errorf("UsedMemory after FlushAll = %d", got)
	}
	e := syncEviction()
	e.Policy, e.MaxMemory = store.AllKeysLRU, 1
	s.SetEviction(e)
	s.DB(0).Set("a", []byte("b"), store.SetOptions{})
	if !s.MakeRoom(0) || s.DB(0).Size() != 0 {
		t.Error("the key made after FLUSHALL was not evicted")
	}
}

// BenchmarkEvictionAtLimit is a write load at the limit: every SET of a
// new key is preceded by MakeRoom, which evicts about one key. The
// noeviction row has no limit: the same SETs growing the store, the
// baseline.
func BenchmarkEvictionAtLimit(b *testing.B) {
	for _, p := range []store.EvictionPolicy{store.NoEviction, store.AllKeysLRU, store.AllKeysLFU, store.VolatileLRU, store.AllKeysRandom, store.VolatileTTL} {
		b.Run(p.String(), func(b *testing.B) {
			s := store.New(store.Options{Databases: 1, SweepInterval: -1})
			defer s.Close()
			db := s.DB(0)
			val := []byte("a value of thirty-two bytes.....")
			far := time.Now().Add(time.Hour).UnixMilli()
			for i := range 100000 {
				db.Set("k"+strconv.Itoa(i), val, store.SetOptions{ExpireAt: far})
			}
			e := store.DefaultEviction()
			e.Policy, e.MaxMemory = p, s.UsedMemory()
			if p == store.NoEviction {
				e.MaxMemory = 0
			}
			s.SetEviction(e)
			keys := make([]string, 1<<16)
			for i := range keys {
				keys[i] = "n" + strconv.Itoa(i)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if !s.MakeRoom(0) {
					b.Fatal("MakeRoom failed")
				}
				db.Set(keys[i&(len(keys)-1)]+"-"+strconv.Itoa(i>>16), val, store.SetOptions{ExpireAt: far})
			}
		})
	}
}

// BenchmarkMakeRoomUnderLimit is the check every command pays when
// maxmemory is set and memory is under it.
func BenchmarkMakeRoomUnderLimit(b *testing.B) {
	s := store.New(store.Options{Databases: 1, SweepInterval: -1})
	defer s.Close()
	e := store.DefaultEviction()
	e.Policy, e.MaxMemory = store.AllKeysLRU, 1<<30
	s.SetEviction(e)
	b.ReportAllocs()
	for range b.N {
		s.MakeRoom(800 << 10)
	}
}

// BenchmarkDelLarge shows why Ember needs no lazy freeing: deleting a
// value is O(1) whatever its size (the accounting reads a running size;
// the collector frees the memory later, concurrently), so DEL of a hash
// of 100,000 fields holds the shard as briefly as DEL of a short string.
func BenchmarkDelLarge(b *testing.B) {
	for _, fields := range []int{1, 100000} {
		b.Run(strconv.Itoa(fields), func(b *testing.B) {
			s := store.New(store.Options{Databases: 1, SweepInterval: -1})
			defer s.Close()
			db := s.DB(0)
			pairs := make([][]byte, 0, 2*fields)
			for i := range fields {
				pairs = append(pairs, []byte("field"+strconv.Itoa(i)), []byte("v"))
			}
			keys := make([]string, b.N)
			for i := range keys {
				keys[i] = "h" + strconv.Itoa(i)
				db.HSet(keys[i], pairs...)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for _, k := range keys {
				db.Del(k)
			}
		})
	}
}

// TestEvictionAfterInstall: loading a keyspace (an RDB file's Install)
// moves the store's running totals with it, so that eviction after a load
// sees the loaded keys, and only those.
func TestEvictionAfterInstall(t *testing.T) {
	clock := store.NewManualClock(time.Unix(1e9, 0))
	s, log := newEvictionStore(t, clock)
	for i := range 50 {
		writeOfType(t, s.DB(0), i, 0) // replaced by the load
	}
	st := s.NewStaging()
	far := clock.Now().Add(time.Hour).UnixMilli()
	for i := range 100 {
		if err := st.AddString(i%2, "loaded"+strconv.Itoa(i), []byte("v"), far, store.NoAccess); err != nil {
			t.Fatal(err)
		}
	}
	s.Install(st)
	if got, want := s.UsedMemory(), s.DB(0).UsedBytes()+s.DB(1).UsedBytes(); got != want || got == 0 {
		t.Fatalf("UsedMemory %d after Install, the databases hold %d", got, want)
	}
	e := syncEviction()
	e.Policy, e.MaxMemory = store.VolatileTTL, 1
	s.SetEviction(e)
	s.MakeRoom(0)
	if len(log.keys) != 100 || s.UsedMemory() != 0 {
		t.Errorf("evicted %d keys, %d bytes left, want all 100 loaded keys gone", len(log.keys), s.UsedMemory())
	}
}

// TestEvictionHeapScale: with a heap factor k, eviction keeps the
// accounted bytes times k within the limit, and HeapScaled reports them
// so; k is held between 1 and 2.
func TestEvictionHeapScale(t *testing.T) {
	cases := []struct {
		k, effective float64
	}{
		{1, 1}, {1.25, 1.25}, {1.5, 1.5}, {0.5, 1}, {3, 2},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.k), func(t *testing.T) {
			s, _ := newEvictionStore(t, store.NewManualClock(time.Unix(1e9, 0)))
			db := s.DB(0)
			for i := range 2000 {
				db.Set("k"+strconv.Itoa(i), []byte("a value of thirty-two bytes....."), store.SetOptions{})
			}
			full := s.UsedMemory()
			s.SetHeapScale(tc.k)
			if got, want := s.HeapScaled(full), int64(float64(full)*tc.effective); got < want-1024 || got > want+1024 {
				t.Fatalf("HeapScaled(%d) = %d, want about %d", full, got, want)
			}
			e := syncEviction()
			e.Policy = store.AllKeysLRU
			e.MaxMemory = full // what the keys took by the accounting alone
			s.SetEviction(e)
			if !s.MakeRoom(0) {
				t.Fatal("MakeRoom failed")
			}
			used := s.UsedMemory()
			if s.HeapScaled(used) > e.MaxMemory {
				t.Errorf("scaled use %d over the limit %d", s.HeapScaled(used), e.MaxMemory)
			}
			// It evicted what the factor asks, and not much more: the
			// remaining keys' scaled bytes reach the limit within a key.
			if s.HeapScaled(used) < e.MaxMemory-1024 {
				t.Errorf("scaled use %d, far under the limit %d: evicted too much", s.HeapScaled(used), e.MaxMemory)
			}
		})
	}
}
