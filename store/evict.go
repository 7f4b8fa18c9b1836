package store

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Eviction: when the keys take more memory than the limit, remove some, as
// Redis's maxmemory and maxmemory-policy do (evict.c). The store counts the
// bytes its keys take (usedBytes, exact to each entry's size); the caller
// (the server) asks MakeRoom before each command that may grow the
// dataset, and refuses the command when MakeRoom finds nothing to evict.
//
// How victims are chosen:
//   - allkeys-lru is exact within a shard up to the access-time
//     resolution (a second, as Redis's LRU clock; see opTime.lru): the
//     victim is the tail of a shard's recency list. A key moves to the
//     front when its access time changes, not at every access (a read of
//     a key already stamped this second writes nothing), so the list is
//     in order of access time, and keys of the same second in the order
//     of their first access in it. Across shards, a heap of the shards'
//     tails by access time picks the oldest one. The heap is rebuilt at
//     most once a second (or after FLUSHALL or SWAPDB); in between, a
//     shard's cached tail time can only be older than its real one (a
//     tail only gets newer), so a stale heap entry is refreshed, never
//     wrongly trusted.
//   - volatile-lru, allkeys-lfu, volatile-lfu and volatile-ttl sample
//     maxmemory-samples keys of one shard per round into a pool of the
//     sixteen best candidates, as Redis's evictionPoolPopulate samples
//     each database.
//   - allkeys-random and volatile-random take a random key of the next
//     shard holding one.

// EvictionPolicy is maxmemory-policy.
type EvictionPolicy uint8

const (
	NoEviction     EvictionPolicy = iota // refuse writes over the limit (the default)
	AllKeysLRU                           // evict the least recently used key
	VolatileLRU                          // the least recently used key with a TTL
	AllKeysLFU                           // the least frequently used key
	VolatileLFU                          // the least frequently used key with a TTL
	AllKeysRandom                        // any key
	VolatileRandom                       // any key with a TTL
	VolatileTTL                          // the key with a TTL that expires soonest
)

var policyNames = [...]string{"noeviction", "allkeys-lru", "volatile-lru", "allkeys-lfu",
	"volatile-lfu", "allkeys-random", "volatile-random", "volatile-ttl"}

// String is the policy's maxmemory-policy name.
func (p EvictionPolicy) String() string {
	if int(p) < len(policyNames) {
		return policyNames[p]
	}
	return "noeviction"
}

// ParseEvictionPolicy reads a maxmemory-policy name (lower case).
func ParseEvictionPolicy(name string) (EvictionPolicy, bool) {
	for i, n := range policyNames {
		if n == name {
			return EvictionPolicy(i), true
		}
	}
	return NoEviction, false
}

// LFU reports whether the policy counts access frequency (OBJECT FREQ
// works only then, as in Redis).
func (p EvictionPolicy) LFU() bool { return p == AllKeysLFU || p == VolatileLFU }

// volatileOnly reports whether the policy evicts only keys with a TTL.
func (p EvictionPolicy) volatileOnly() bool {
	return p == VolatileLRU || p == VolatileLFU || p == VolatileRandom || p == VolatileTTL
}

// Eviction configures the memory limit; its fields are Redis's directives.
type Eviction struct {
	MaxMemory    int64          // maxmemory in bytes; 0 means no limit
	Policy       EvictionPolicy // maxmemory-policy
	Samples      int            // maxmemory-samples (default 5)
	Tenacity     int            // maxmemory-eviction-tenacity, 0..100 (default 10)
	LFULogFactor int            // lfu-log-factor (default 10)
	LFUDecayTime int            // lfu-decay-time in minutes (default 1)
}

// DefaultEviction is Redis's default: no limit, noeviction.
func DefaultEviction() Eviction {
	return Eviction{Samples: 5, Tenacity: 10, LFULogFactor: 10, LFUDecayTime: 1}
}

// SetEviction changes the limit and policy at once, as CONFIG SET
// maxmemory does; the next MakeRoom evicts down to a lower limit.
func (s *Store) SetEviction(e Eviction) {
	e.Samples = max(e.Samples, 1)
	e.Tenacity = min(max(e.Tenacity, 0), 100)
	s.eviction.Store(&e)
	if e.MaxMemory != 0 {
		// From now on every change reaches used at once (account); what
		// the shards gathered before joins it here.
		s.forEachShard(func(sh *shard) { s.used.Add(sh.usedPending.Swap(0)) })
	}
}

// Eviction returns the limit and policy in force.
func (s *Store) Eviction() Eviction { return *s.eviction.Load() }

// UsedMemory is the bytes the keys of every database take by the store's
// accounting (see entry.size): the dataset part of used_memory. It is a
// running total, read without a lock.
func (s *Store) UsedMemory() int64 {
	n := s.used.Load()
	if s.eviction.Load().MaxMemory == 0 {
		s.forEachShard(func(sh *shard) { n += sh.usedPending.Load() })
	}
	return n
}

// SetHeapScale tells the store by how much the Go heap its keys take
// exceeds their accounted bytes, k (1 to 2; 1, the default, trusts the
// accounting). Eviction then keeps the accounted bytes times k within
// MaxMemory. The accounting is calibrated on keys freshly written, but a
// keyspace under churn (keys deleted and added, as under eviction) makes
// Go's maps and the scan index's buckets hold more than that: 11% more
// heap after replacing the keys three times over (docs/benchmarks.md,
// "Accounting under churn"). Only the process that owns the
// heap can measure k (the server does, after each collection); a store
// embedded in a bigger program leaves it at 1.
func (s *Store) SetHeapScale(k float64) {
	s.heapScale.Store(int64(min(max(k, 1), 2) * 1024))
}

// HeapScaled is n accounted bytes times the SetHeapScale factor.
func (s *Store) HeapScaled(n int64) int64 {
	if k := s.heapScale.Load(); k != 0 {
		return n * k >> 10
	}
	return n
}

// overLimit tells whether the keys' bytes and extra, scaled as the heap
// they take (HeapScaled), exceed cfg's MaxMemory.
func (s *Store) overLimit(cfg *Eviction, extra int64) bool {
	return cfg.MaxMemory != 0 && s.HeapScaled(s.used.Load()+extra) > cfg.MaxMemory
}

// usedBatch is how far a shard's changes to the used bytes may gather
// before they reach the store's total while there is no maxmemory: one
// atomic add on a line both cores write would otherwise cost every write
// a cache miss. With a limit, eviction needs the exact total, and every
// change goes at once.
const usedBatch = 8 << 10

// account adds delta to the shard's and the store's used bytes.
func (sh *shard) account(delta int64) {
	sh.data.usedBytes += delta
	if sh.store.eviction.Load().MaxMemory != 0 {
		sh.store.used.Add(delta)
		return
	}
	// Atomic, though under the shard's lock, because SetEviction and
	// UsedMemory read it without: each byte moves from usedPending to
	// used exactly once, by this CompareAndSwap or SetEviction's Swap.
	if p := sh.usedPending.Add(delta); (p > usedBatch || p < -usedBatch) && sh.usedPending.CompareAndSwap(p, 0) {
		sh.store.used.Add(p)
	}
}

// MakeRoom evicts keys by the policy until UsedMemory()+extra is within
// MaxMemory, as Redis's performEvictions does before a command; extra is
// memory the caller counts against the limit beyond the keys (the
// server's own footprint). It reports false only when over the limit with
// nothing left that the policy may evict (the caller then refuses
// commands that add data, with Redis's OOM error). Like Redis, it spends
// at most the time maxmemory-eviction-tenacity allows; if that runs out
// first, a background goroutine keeps evicting, and MakeRoom reports true.
// While FreezeExpiry holds (a client pause), it evicts nothing and
// reports true, as Redis.
// It takes shard locks: never call it holding one.
func (s *Store) MakeRoom(extra int64) bool {
	cfg := s.eviction.Load()
	if !s.overLimit(cfg, extra) {
		if s.exceededSince.Load() != 0 {
			s.endExceeded()
		}
		return true
	}
	if s.expiryFrozen(s.nowMs()) || s.loading.Load() {
		// As Redis's isSafeToPerformEvictions: during a client pause the
		// dataset stays still, and while loading nothing is evicted; no
		// command is refused for it.
		return true
	}
	r := evictFail
	if cfg.Policy != NoEviction {
		r = s.evict(cfg, extra, true)
	}
	s.roomFailed.Store(r == evictFail)
	if r == evictOK {
		s.endExceeded()
	} else {
		// As Redis: the time over the limit runs while eviction fails or
		// has not caught up.
		s.exceededSince.CompareAndSwap(0, s.elapsed()+1)
	}
	return r != evictFail
}

// elapsed is the time since the store was made, by its clock, in ns: on
// the system clock a monotonic reading (time.Now carries one), so that a
// step of the wall clock does not move the time over the limit, as
// Redis measures it with its monotonic clock.
func (s *Store) elapsed() int64 { return int64(s.clock.Now().Sub(s.start)) }

func (s *Store) endExceeded() {
	if since := s.exceededSince.Swap(0); since != 0 {
		s.exceededTotal.Add(s.elapsed() + 1 - since)
	}
}

// EvictionExceeded is how long memory has been over maxmemory with
// eviction failing or behind, in total and in the current stretch (0 when
// under), as INFO's total_eviction_exceeded_time and
// current_eviction_exceeded_time.
func (s *Store) EvictionExceeded() (total, current time.Duration) {
	if since := s.exceededSince.Load(); since != 0 {
		current = time.Duration(s.elapsed() + 1 - since)
	}
	return time.Duration(s.exceededTotal.Load()) + current, current
}

// OverMaxMemory reports whether UsedMemory()+extra exceeds the limit, not
// evicting anything.
func (s *Store) OverMaxMemory(extra int64) bool {
	cfg := s.eviction.Load()
	return s.overLimit(cfg, extra)
}

// OutOfMemory reports whether memory is over the limit and the last
// MakeRoom found nothing to evict: what a command that adds data would be
// refused for now. It takes no lock and evicts nothing, so it is safe
// with shards held (a script, a transaction).
func (s *Store) OutOfMemory(extra int64) bool {
	return s.OverMaxMemory(extra) && (s.roomFailed.Load() || s.eviction.Load().Policy == NoEviction)
}

type evictResult uint8

const (
	evictOK      evictResult = iota // under the limit
	evictRunning                    // still over, a background goroutine goes on
	evictFail                       // over, and nothing can be evicted
)

// EvictorWriter is the writer OnKeyModified is given for evicted keys.
const EvictorWriter int64 = -2

// evictor is the state kept between evictions: the LRU heap of shard
// tails, the candidate pool of the sampling policies, and a cursor over
// the shards for sampling and random choice.
type evictor struct {
	mu         sync.Mutex
	tails      tailHeap
	builtAt    time.Time
	builtGen   uint64
	pool       []candidate
	cursor     int
	background atomic.Bool // a goroutine is evicting past the time limit
}

// bumpEvictGen counts FLUSHALL, FLUSHDB and SWAPDB, which invalidate the
// tail heap.
func (s *Store) bumpEvictGen() { s.evictGen.Add(1) }

// tenacityLimit is Redis's evictionTimeLimitUs: 50us per step up to 10,
// then 15% more per step, unlimited at 100.
func tenacityLimit(t int) time.Duration {
	switch {
	case t <= 10:
		return time.Duration(50*t) * time.Microsecond
	case t < 100:
		return time.Duration(500*math.Pow(1.15, float64(t-10))) * time.Microsecond
	}
	return time.Duration(math.MaxInt64)
}

// evict frees memory until under the limit or out of time or victims.
func (s *Store) evict(cfg *Eviction, extra int64, foreground bool) evictResult {
	// The sweep gate orders these deletions with the commands the AOF
	// logs, as it does the sweeper's. It is taken first: nothing here
	// holds a shard lock, and commands take it before theirs.
	defer s.passGate()()
	ev := &s.evictor
	ev.mu.Lock()
	defer ev.mu.Unlock()
	limit := tenacityLimit(cfg.Tenacity)
	start := time.Now()
	defer func() { s.observeLatency(LatencyEvictionCycle, time.Since(start)) }()
	for n := 1; ; n++ {
		if !s.overLimit(cfg, extra) {
			return evictOK // (the background goroutine may see the limit lifted)
		}
		if !s.evictOne(cfg) {
			return evictFail
		}
		if n%16 == 0 && time.Since(start) > limit {
			if foreground && ev.background.CompareAndSwap(false, true) {
				go func() {
					defer ev.background.Store(false)
					for !s.expiryFrozen(s.nowMs()) && s.evict(s.eviction.Load(), extra, false) == evictRunning {
					}
				}()
			}
			return evictRunning
		}
	}
}

// evictOne removes one key chosen by the policy, reporting false when no
// key is eligible.
func (s *Store) evictOne(cfg *Eviction) bool {
	if s.keys.Load() == 0 || (cfg.Policy.volatileOnly() && s.volatileKeys.Load() == 0) {
		return false // nothing eligible: no need to visit the shards
	}
	switch cfg.Policy {
	case AllKeysLRU:
		return s.evictLRUTail()
	case AllKeysRandom, VolatileRandom:
		return s.evictRandom(cfg.Policy == VolatileRandom)
	case VolatileLRU, AllKeysLFU, VolatileLFU, VolatileTTL:
		return s.evictFromPool(cfg)
	}
	return false
}

// evictKey removes key from a shard the caller holds, as an eviction:
// counted, and reported as KeyEvicted (the server's "evicted"
// notification, and a DEL for the AOF).
func (sh *shard) evictKey(key string, h uint64) {
	sh.writer, sh.notes = EvictorWriter, nil // no view's: its notes are not ours
	sh.remove(key, h)
	sh.uncount()
	sh.evicted.Add(1)
	sh.event(KeyEvicted, key)
}

// shardAt is shard i of the store's databases laid end to end.
func (s *Store) shardAt(i int) *shard {
	n := len(s.dbs[0].shards)
	return s.dbs[i/n].shards[i%n]
}

func (s *Store) shardCount() int { return len(s.dbs) * len(s.dbs[0].shards) }

// The exact LRU: a min-heap of shard tails by access time.

type tail struct {
	atime uint32 // the tail's access field (seconds mod 2^24: see lruBefore)
	shard int
}

type tailHeap []tail

func (h tailHeap) Len() int           { return len(h) }
func (h tailHeap) Less(i, j int) bool { return lruBefore(h[i].atime, h[j].atime) }
func (h tailHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *tailHeap) Push(x any)        { *h = append(*h, x.(tail)) }
func (h *tailHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// rebuildTails reads every shard's LRU tail.
func (s *Store) rebuildTails() {
	ev := &s.evictor
	ev.tails = ev.tails[:0]
	for i := range s.shardCount() {
		sh := s.shardAt(i)
		sh.lock()
		if _, e, ok := sh.data.items.GetOldest(); ok {
			ev.tails = append(ev.tails, tail{e.access(), i})
		}
		sh.mu.Unlock()
	}
	heap.Init(&ev.tails)
	ev.builtAt = time.Now()
	ev.builtGen = s.evictGen.Load()
}

func (s *Store) evictLRUTail() bool {
	ev := &s.evictor
	if len(ev.tails) == 0 || ev.builtGen != s.evictGen.Load() || time.Since(ev.builtAt) > time.Second {
		s.rebuildTails()
	}
	for range 2 {
		for len(ev.tails) > 0 {
			if s.evictTopTail() {
				return true
			}
		}
		// Shards that were empty when the heap was built may hold keys now.
		s.rebuildTails()
	}
	return false
}

// evictTopTail looks at the shard on top of the tail heap: it evicts that
// shard's oldest key if its access time is still the heap's, and
// otherwise puts the shard back in its place (touched since) or drops it
// (empty). It reports whether it evicted.
func (s *Store) evictTopTail() bool {
	ev := &s.evictor
	top := &ev.tails[0]
	sh := s.shardAt(top.shard)
	sh.lock()
	defer sh.mu.Unlock()
	key, e, ok := sh.data.items.GetOldest()
	switch {
	case !ok:
		heap.Pop(&ev.tails)
		return false
	case lruBefore(top.atime, e.access()):
		top.atime = e.access()
		heap.Fix(&ev.tails, 0)
		return false
	}
	sh.evictKey(key, s.hash(key))
	if _, next, ok := sh.data.items.GetOldest(); ok {
		top.atime = next.access()
		heap.Fix(&ev.tails, 0)
	} else {
		heap.Pop(&ev.tails)
	}
	return true
}

// Random eviction: the next shard holding an eligible key gives a random one.

func (s *Store) evictRandom(volatile bool) bool {
	ev := &s.evictor
	n := s.shardCount()
	for range n {
		ev.cursor = (ev.cursor + 1) % n
		sh := s.shardAt(ev.cursor)
		sh.lock()
		key, ok := sh.randomKey(volatile)
		if ok {
			sh.evictKey(key, s.hash(key))
		}
		sh.mu.Unlock()
		if ok {
			return true
		}
	}
	return false
}

// randomKey picks a key of the shard: from the TTL map (whose iteration
// Go starts at a random place) or from the scan index at a random hash.
func (sh *shard) randomKey(volatile bool) (string, bool) {
	d := sh.data
	if volatile {
		for k := range d.volatile {
			return k, true
		}
		return "", false
	}
	if d.order.Len() == 0 {
		return "", false
	}
	var key string
	ok := false
	d.order.Ascend(d.order.Item(rand.Uint64(), ""), func(it scanItem) bool {
		key, ok = it.Key(), true
		return false
	})
	if !ok {
		if min, found := d.order.Min(); found {
			key, ok = min.Key(), true
		}
	}
	return key, ok
}

// The sampling policies: a pool of the best candidates seen, as Redis's
// eviction pool (EVPOOL_SIZE 16).

const evictionPoolSize = 16

type candidate struct {
	score uint64 // higher is evicted first: idle time, 255-frequency, or time to expiry inverted
	shard int
	key   string
}

// score ranks an entry for the policy: higher goes first.
func (s *Store) score(cfg *Eviction, e *entry, nowMs int64) uint64 {
	sec := uint32(nowMs / 1000)
	switch cfg.Policy {
	case VolatileLFU, AllKeysLFU:
		return 255 - uint64(lfuDecayed(e, lfuMinutes(sec), cfg.LFUDecayTime))
	case VolatileTTL:
		return math.MaxUint64 - uint64(e.expireAt)
	}
	return uint64(lruIdle(sec, e.access()))
}

// sample adds up to cfg.Samples keys of shard i to the pool.
func (s *Store) sample(cfg *Eviction, i int, nowMs int64) {
	ev := &s.evictor
	sh := s.shardAt(i)
	sh.lock()
	defer sh.mu.Unlock()
	d := sh.data
	take := func(key string) bool {
		e, ok := d.items.Peek(key)
		if ok {
			ev.offer(candidate{s.score(cfg, &e, nowMs), i, key})
		}
		return true
	}
	n := 0
	if cfg.Policy.volatileOnly() {
		for k := range d.volatile {
			if n == cfg.Samples {
				break
			}
			take(k)
			n++
		}
		return
	}
	if d.order.Len() == 0 {
		return
	}
	visit := func(it scanItem) bool {
		take(it.Key())
		n++
		return n < cfg.Samples
	}
	d.order.Ascend(d.order.Item(rand.Uint64(), ""), visit)
	if n < cfg.Samples && n < d.order.Len() {
		d.order.Scan(visit) // wrap around from the smallest hash
	}
}

// offer puts c into the pool if it beats the pool's worst, keeping the
// pool sorted best first. A key already pooled is updated in place.
func (ev *evictor) offer(c candidate) {
	for i := range ev.pool {
		if ev.pool[i].shard == c.shard && ev.pool[i].key == c.key {
			ev.pool = append(ev.pool[:i], ev.pool[i+1:]...)
			break
		}
	}
	if len(ev.pool) == evictionPoolSize && c.score <= ev.pool[len(ev.pool)-1].score {
		return
	}
	i := 0
	for i < len(ev.pool) && ev.pool[i].score >= c.score {
		i++
	}
	c.key = clone(c.key) // the pool outlives the shard's lock
	ev.pool = append(ev.pool, candidate{})
	copy(ev.pool[i+1:], ev.pool[i:])
	ev.pool[i] = c
	if len(ev.pool) > evictionPoolSize {
		ev.pool = ev.pool[:evictionPoolSize]
	}
}

func (s *Store) evictFromPool(cfg *Eviction) bool {
	ev := &s.evictor
	n := s.shardCount()
	for tries := 0; tries < 2*n; tries++ {
		// Refill from the next shard that has anything to offer.
		nowMs := s.nowMs()
		sampled := false
		for range n {
			ev.cursor = (ev.cursor + 1) % n
			sh := s.shardAt(ev.cursor)
			sh.lock()
			has := len(sh.data.volatile) > 0 || (!cfg.Policy.volatileOnly() && sh.data.items.Len() > 0)
			sh.mu.Unlock()
			if has {
				s.sample(cfg, ev.cursor, nowMs)
				sampled = true
				break
			}
		}
		if !sampled && len(ev.pool) == 0 {
			return false // no shard holds an eligible key
		}
		// The best candidate that still exists (and still has a TTL, for
		// the volatile policies) goes; the others are ghosts.
		for len(ev.pool) > 0 {
			c := ev.pool[0]
			ev.pool = ev.pool[1:]
			sh := s.shardAt(c.shard)
			sh.lock()
			e, ok := sh.data.items.Peek(c.key)
			if ok && (!cfg.Policy.volatileOnly() || e.expireAt != 0) {
				sh.evictKey(c.key, s.hash(c.key))
				sh.mu.Unlock()
				return true
			}
			sh.mu.Unlock()
		}
	}
	return false
}

// LFU: Redis's logarithmic Morris counter (evict.c LFULogIncr and
// LFUDecrAndReturn). A new key starts at lfuInitVal so that it is not
// evicted before it has had a chance to be used; each access increments
// the counter with probability 1/((counter-lfuInitVal)*lfu-log-factor+1);
// every lfu-decay-time minutes without access takes one off.

const lfuInitVal = 5

// lfuMinutes is Redis's LFUGetTimeInMinutes: minutes, modulo 2^16, of a
// time in Unix seconds.
func lfuMinutes(sec uint32) uint16 { return uint16(sec / 60) }

// lfuFresh is a new value's LFU data at time sec: the initial counter.
func lfuFresh(sec uint32) uint32 { return uint32(lfuMinutes(sec))<<8 | lfuInitVal }

// lfuDecayed is the counter in e's LFU data after the decay due since
// its last decrement, as Redis's LFUDecrAndReturn.
func lfuDecayed(e *entry, now uint16, decayTime int) uint8 {
	counter := uint8(e.access())
	if decayTime <= 0 {
		return counter
	}
	elapsed := int(now - uint16(e.access()>>8)) // wraps as Redis's LFUTimeElapsed
	periods := elapsed / decayTime
	if periods >= int(counter) {
		return 0
	}
	return counter - uint8(periods)
}

// lfuIncr is LFULogIncr.
func lfuIncr(counter uint8, logFactor int) uint8 {
	if counter == 255 {
		return 255
	}
	base := float64(counter) - lfuInitVal
	if base < 0 {
		base = 0
	}
	if rand.Float64() < 1/(base*float64(logFactor)+1) {
		counter++
	}
	return counter
}

// lfuTouched is e's LFU data after one access at time sec, as Redis's
// updateLFU.
func lfuTouched(e *entry, sec uint32, cfg *Eviction) uint32 {
	now := lfuMinutes(sec)
	return uint32(now)<<8 | uint32(lfuIncr(lfuDecayed(e, now, cfg.LFUDecayTime), cfg.LFULogFactor))
}

// touchAccess stamps an access on e: its access time (in seconds, like
// Redis's LRU clock: a finer one would make reads store the entry again,
// it being kept by value, far more often), or under an LFU
// policy its frequency counter, as Redis's lookupKey does. It reports
// whether e changed (the caller stores it).
func (sh *shard) touchAccess(e *entry, t *opTime) bool {
	old := e.access()
	if cfg := sh.store.eviction.Load(); cfg.Policy.LFU() {
		e.setAccess(lfuTouched(e, t.lru(), cfg))
	} else {
		e.setAccess(t.lru())
	}
	return e.access() != old
}

// freshAccess is the access data of a value loaded now (RDB).
func (s *Store) freshAccess() uint32 {
	sec := uint32(s.nowMs() / 1000)
	if s.eviction.Load().Policy.LFU() {
		return lfuFresh(sec)
	}
	return sec
}

// freshAccess is the access data of a new value at time sec.
func (sh *shard) freshAccess(sec uint32) uint32 {
	if sh.store.eviction.Load().Policy.LFU() {
		return lfuFresh(sec)
	}
	return sec
}

// initAccess gives an entry written at time t its access data. A new
// value starts afresh; an overwrite under an LFU policy keeps the old
// value's counter and counts the write as one access, as Redis's
// lookupKeyWrite then dbOverwrite do.
func (sh *shard) initAccess(e *entry, old *entry, t *opTime) {
	cfg := sh.store.eviction.Load()
	switch sec := t.lru(); {
	case !cfg.Policy.LFU():
		e.setAccess(sec)
	case old == nil:
		e.setAccess(lfuFresh(sec))
	default:
		e.setAccess(lfuTouched(old, sec, cfg))
	}
}

// Frequency returns the key's LFU counter after decay, as OBJECT FREQ
// reports it, without counting an access. ok is false for a missing key.
func (db *DB) Frequency(key string) (freq int, ok bool) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	e, ok := sh.current(key, h, &t)
	if !ok {
		return 0, false
	}
	return int(lfuDecayed(&e, lfuMinutes(t.lru()), db.store.eviction.Load().LFUDecayTime)), true
}

// MemoryUsage is what MEMORY USAGE reports: the bytes key and its value
// take by the store's accounting (entry.size, the figure eviction
// counts), or false when the key does not exist. As Redis's, it looks the
// key up without expiring it. The accounting is exact, not sampled, so
// there is no SAMPLES argument here.
func (db *DB) MemoryUsage(key string) (int64, bool) {
	sh, _ := db.lockKey(key)
	defer db.unlock(sh)
	e, ok := sh.data.items.Peek(key)
	if !ok {
		return 0, false
	}
	return e.size(key), true
}

// MemoryOverhead is the part of UsedBytes that is bookkeeping rather than
// keys and values, as MEMORY STATS's overhead.hashtable.main and
// overhead.hashtable.expires: the per-key structures (LRU element, map
// slot, scan index item) and the TTL index.
func (db *DB) MemoryOverhead() (main, expires int64) {
	for _, sh := range db.shards {
		if !db.held {
			sh.lock()
		}
		main += int64(sh.data.items.Len()) * entryOverhead
		expires += int64(len(sh.data.volatile)) * volatileOverhead
		db.unlock(sh)
	}
	return main, expires
}

// forEachShard calls f with every shard of every database, holding no
// lock.
func (s *Store) forEachShard(f func(sh *shard)) {
	for _, db := range s.dbs {
		for _, sh := range db.shards {
			f(sh)
		}
	}
}
