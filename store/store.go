package store

import (
	"hash/maphash"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emberkv/ember/internal/hll"
)

// Clock tells the store what time it is. Tests replace it to control expiry.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the wall clock, the default.
var SystemClock Clock = systemClock{}

// Options configure a Store. The zero value of every field means its default.
type Options struct {
	// Databases is the number of numbered databases (SELECT 0..n-1). Default 16.
	Databases int
	// Shards is the number of shards per database, rounded up to a power of
	// two. Default 64.
	Shards int
	// Clock supplies the time for expiry. Default SystemClock.
	Clock Clock
	// SweepInterval is how often the active sweeper runs, as Redis's hz 10
	// does. Default 100ms. A negative value disables the sweeper; expired
	// keys are then reclaimed only when touched or by Sweep.
	SweepInterval time.Duration
	// EncodingLimits are the thresholds of the compact encodings. Default
	// DefaultEncodingLimits(), Redis's.
	EncodingLimits *EncodingLimits
	// OnKeyEvent, if set, is told of what happens to keys inside the
	// store (see KeyEvent): the server turns these into keyspace
	// notifications. Default none. SetOnKeyEvent changes it later.
	OnKeyEvent func(db int, ev KeyEvent, key string)
	// OnKeyModified, if set, is called with every key whose value changes
	// (written, deleted, expired), with the writer of the DB view the
	// change came through (DB.WithWriter; 0 for a view without one, and
	// SweeperWriter for the store's own sweeper).
	// It runs with the key's shard locked, so it must be quick and must
	// not call the store: the server queues what it has to send. Default
	// none; SetOnKeyModified changes it later.
	OnKeyModified func(writer int64, key string)
}

// EncodingLimits are the sizes up to which aggregates keep a compact
// encoding, Redis's directives of the same names. An aggregate that
// outgrows one is converted once and stays converted, as in Redis.
type EncodingLimits struct {
	HashMaxListpackEntries int // hash-max-listpack-entries
	HashMaxListpackValue   int // hash-max-listpack-value (bytes)
	SetMaxIntsetEntries    int // set-max-intset-entries
	ZSetMaxListpackEntries int // zset-max-listpack-entries
	ZSetMaxListpackValue   int // zset-max-listpack-value (bytes)
	// ListMaxListpackSize is list-max-listpack-size: a positive value is
	// the most entries a list node holds; -1 to -5 limit a node to 4, 8,
	// 16, 32 or 64 KB.
	ListMaxListpackSize int
	// HLLSparseMaxBytes is hll-sparse-max-bytes: the longest a sparse
	// HyperLogLog string grows before it turns dense.
	HLLSparseMaxBytes int
}

// DefaultEncodingLimits are Redis 7.0's defaults.
func DefaultEncodingLimits() EncodingLimits {
	return EncodingLimits{
		HashMaxListpackEntries: 512,
		HashMaxListpackValue:   64,
		SetMaxIntsetEntries:    512,
		ZSetMaxListpackEntries: 128,
		ZSetMaxListpackValue:   64,
		ListMaxListpackSize:    -2,
		HLLSparseMaxBytes:      hll.DefaultSparseMaxBytes,
	}
}

// SetEncodingLimits changes the thresholds, as CONFIG SET does; values
// already stored keep their encoding until they next grow.
func (s *Store) SetEncodingLimits(l EncodingLimits) { s.encLimits.Store(&l) }

// EncodingLimits returns the thresholds in force.
func (s *Store) EncodingLimits() EncodingLimits { return *s.encLimits.Load() }

// SetMaxStringSize changes how long APPEND, SETRANGE, SETBIT and BITFIELD
// may make a string, as CONFIG SET proto-max-bulk-len does (default
// MaxStringSize). Strings already longer are left as they are.
func (s *Store) SetMaxStringSize(n int64) { s.maxString.Store(n) }

// maxStringSize is the limit SetMaxStringSize set.
func (s *Store) maxStringSize() int64 { return s.maxString.Load() }

// limits is EncodingLimits for the store's own use, without a copy.
func (s *Store) limits() *EncodingLimits { return s.encLimits.Load() }

// Store is a set of numbered databases. All its methods are safe for
// concurrent use.
type Store struct {
	dbs   []*DB
	clock Clock
	wall  bool // clock is SystemClock: nowMs reads it directly (wallMs)
	seed  maphash.Seed
	shift uint // 64 - log2(shards): the top bits of a key's hash pick its shard
	start time.Time

	// lruClock is the coarse access-time clock (Unix ms) the sweeper
	// advances; coarseLRU says it is in use (wall clock, sweeper on).
	lruClock  atomic.Int64
	coarseLRU atomic.Bool

	encLimits  atomic.Pointer[EncodingLimits]
	onEvent    atomic.Pointer[func(db int, ev KeyEvent, key string)]
	maxString  atomic.Int64 // proto-max-bulk-len: how far a string may grow
	onModified atomic.Pointer[func(writer int64, key string)]
	// sweepGate, if set, is asked before the sweeper locks a shard; see
	// SetSweepGate.
	sweepGate atomic.Pointer[func() func()]
	// onLatency is told how long background cycles took (latency.go).
	onLatency atomic.Pointer[func(event string, d time.Duration)]
	// frozenUntil holds expired keys in place until this Unix ms (see
	// FreezeExpiry); 0 when expiry runs.
	frozenUntil atomic.Int64
	// loading: see SetLoading.
	loading atomic.Bool

	eviction atomic.Pointer[Eviction]
	evictGen atomic.Uint64

	// What every write changes sits on cache lines of its own, apart
	// from the read-mostly fields above that every command reads: on
	// one line with them, each write from one core would cost the other
	// core a cache miss on its next read (false sharing).
	_ cacheLinePad
	// wide orders the callers that hold more than one shard at a time
	// (see wide.go); they take it before any shard.
	wide sync.RWMutex
	_    cacheLinePad
	// used is the sum of every shard's usedBytes, for MakeRoom's check
	// before each command; eviction holds its state in evictor.
	used atomic.Int64
	_    cacheLinePad
	// keys and volatileKeys count the keys of every database, and those
	// with a TTL, so that eviction with nothing eligible fails at once.
	keys, volatileKeys atomic.Int64
	_                  cacheLinePad

	evictor evictor
	// exceededSince is when memory went over the limit with eviction
	// failing or behind (elapsed ns + 1; 0 when not); exceededTotal sums
	// the past stretches, ns.
	exceededSince, exceededTotal atomic.Int64
	roomFailed                   atomic.Bool // the last MakeRoom over the limit found nothing to evict
	// heapScale is SetHeapScale's factor, in 1/1024ths; 0 means 1.
	heapScale atomic.Int64

	sweepStats sweepStats

	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

// cacheLinePad keeps what comes after it off the cache line (64 bytes on
// amd64 and arm64) of what comes before.
type cacheLinePad struct{ _ [64]byte }

// FreezeExpiry keeps keys whose TTL has passed in place until the store's
// clock passes until (Unix ms): reads see them as absent, but neither
// reads nor the sweeper delete them, so the dataset stays still. Redis
// does this while clients are paused (CLIENT PAUSE), so that a pause for
// a failover sees no DELs from expiry. Writes still reclaim a key they
// overwrite. 0 ends the freeze at once.
func (s *Store) FreezeExpiry(until int64) { s.frozenUntil.Store(until) }

// SetLoading marks the store as loading a log of commands (the AOF), or
// no longer. While loading nothing counts as expired, a past expiry given
// to EXPIREAT and the like is kept rather than deleting the key, and the
// sweeper waits, as Redis while server.loading (keyIsExpired and
// checkAlreadyExpired): replaying the log's absolute-time commands then
// rebuilds the state it recorded, and keys whose time has passed go once
// loading ends.
func (s *Store) SetLoading(on bool) { s.loading.Store(on) }

// expiryFrozen reports whether FreezeExpiry holds expired keys at now.
func (s *Store) expiryFrozen(now int64) bool {
	u := s.frozenUntil.Load()
	return u != 0 && now <= u
}

// New returns a store with the given options, its sweeper running unless
// disabled. Call Close to stop the sweeper.
func New(opts Options) *Store {
	if opts.Databases <= 0 {
		opts.Databases = 16
	}
	if opts.Shards <= 0 {
		opts.Shards = 64
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock
	}
	if opts.SweepInterval == 0 {
		opts.SweepInterval = 100 * time.Millisecond
	}
	logShards := bits.Len(uint(opts.Shards - 1))
	s := &Store{
		clock: opts.Clock,
		wall:  opts.Clock == SystemClock,
		seed:  maphash.MakeSeed(),
		shift: uint(64 - logShards),
		start: opts.Clock.Now(),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	limits := DefaultEncodingLimits()
	if opts.EncodingLimits != nil {
		limits = *opts.EncodingLimits
	}
	s.encLimits.Store(&limits)
	s.SetOnKeyEvent(opts.OnKeyEvent)
	s.maxString.Store(MaxStringSize)
	s.SetEviction(DefaultEviction())
	s.SetActiveExpireEffort(1)
	s.SetOnKeyModified(opts.OnKeyModified)
	nshards := 1 << logShards
	s.dbs = make([]*DB, opts.Databases)
	for i := range s.dbs {
		db := &DB{store: s, index: i, shards: make([]*shard, nshards)}
		for j := range db.shards {
			db.shards[j] = newShard(s, i)
		}
		s.dbs[i] = db
	}
	if opts.SweepInterval > 0 {
		// Only the wall clock, with a sweeper ticking at least every
		// second, gets the coarse access-time clock.
		if opts.Clock == SystemClock && opts.SweepInterval <= time.Second {
			s.lruClock.Store(s.nowMs())
			s.coarseLRU.Store(true)
		}
		go s.sweepLoop(opts.SweepInterval)
	} else {
		close(s.done)
	}
	return s
}

// SweeperWriter is the writer OnKeyModified is given for the keys the
// store's sweeper expires: no command of anyone's.
const SweeperWriter int64 = -1

// SetSweepGate installs (or, with nil, removes) gate: the active sweeper
// calls it before it locks each shard, and calls what it returns (if not
// nil) once it has unlocked the shard; eviction (MakeRoom) calls it once
// around each round of evictions. The server's append-only file
// uses it to order the sweeper's deletions with the commands it logs.
// gate must not be called with a shard lock held, so it may block.
func (s *Store) SetSweepGate(gate func() func()) {
	if gate == nil {
		s.sweepGate.Store(nil)
		return
	}
	s.sweepGate.Store(&gate)
}

// SetOnKeyModified installs (or, with nil, removes) the OnKeyModified
// callback; see Options.OnKeyModified.
func (s *Store) SetOnKeyModified(f func(writer int64, key string)) {
	if f == nil {
		s.onModified.Store(nil)
		return
	}
	s.onModified.Store(&f)
}

// Close stops the active sweeper. The data stays readable.
func (s *Store) Close() {
	s.stopOnce.Do(func() {
		s.coarseLRU.Store(false) // nothing advances it any more
		close(s.stop)
		<-s.done
	})
}

// Databases returns the number of databases.
func (s *Store) Databases() int { return len(s.dbs) }

// DB returns database i, or nil when i is out of range.
func (s *Store) DB(i int) *DB {
	if i < 0 || i >= len(s.dbs) {
		return nil
	}
	return s.dbs[i]
}

// Clock returns the store's clock.
func (s *Store) Clock() Clock { return s.clock }

// NowMs is the current time in Unix milliseconds by the store's clock,
// read the cheapest way that clock allows (gettimeofday for the system
// clock, where time.Now reads the monotonic clock too).
func (s *Store) NowMs() int64 { return s.nowMs() }

// nowMs is the current time in Unix milliseconds, by the store's clock.
func (s *Store) nowMs() int64 {
	if s.wall {
		return wallMs()
	}
	return s.clock.Now().UnixMilli()
}

func (s *Store) hash(key string) uint64 { return maphash.String(s.seed, key) }

// ShardOf returns the index of key's shard (the same in every database),
// for callers that spread work over the shards: keys of different shards
// never share a lock.
func (s *Store) ShardOf(key string) int { return int(s.hash(key) >> s.shift) }

// shardBits is how many of a hash's top bits pick its shard.
func (s *Store) shardBits() uint { return 64 - s.shift }

// lockAll locks every shard of every database, in the fixed order.
func (s *Store) lockAll() {
	s.wide.Lock()
	for _, db := range s.dbs {
		for _, sh := range db.shards {
			sh.lock()
		}
	}
}

func (s *Store) unlockAll() {
	for _, db := range s.dbs {
		for _, sh := range db.shards {
			sh.mu.Unlock()
		}
	}
	s.wide.Unlock()
}

// FlushAll empties every database, as FLUSHALL does.
func (s *Store) FlushAll() {
	s.lockAll()
	defer s.unlockAll()
	for _, db := range s.dbs {
		db.flushLocked()
	}
}

// SwapDB exchanges the contents of databases a and b, atomically with
// respect to every other operation. Clients watching keys that exist in
// either database see their transactions fail, as in Redis.
func (s *Store) SwapDB(a, b int) error {
	if s.DB(a) == nil || s.DB(b) == nil {
		return ErrDBIndex
	}
	if a == b {
		return nil
	}
	s.lockAll()
	defer s.unlockAll()
	s.swapLocked(a, b)
	return nil
}

// swapLocked exchanges two databases' contents; every shard is held.
func (s *Store) swapLocked(a, b int) {
	s.bumpEvictGen()
	da, db := s.dbs[a], s.dbs[b]
	for i := range da.shards {
		sa, sb := da.shards[i], db.shards[i]
		sa.saveAll()
		sb.saveAll()
		// As Redis: a watched key changes if it exists on either side.
		sa.touchWatchedIfExists(sa.data)
		sa.touchWatchedIfExists(sb.data)
		sb.touchWatchedIfExists(sb.data)
		sb.touchWatchedIfExists(sa.data)
		sa.data, sb.data = sb.data, sa.data
	}
}

// Counters are the store's running totals for INFO stats.
type Counters struct {
	Hits    int64 // reads that found their key (keyspace_hits)
	Misses  int64 // reads that did not (keyspace_misses)
	Expired int64 // keys removed because their TTL passed (expired_keys)
	Evicted int64 // keys removed to free memory (evicted_keys)
}

// Counters sums the counters of every shard. It takes no lock, so it is
// safe inside a transaction; under concurrent traffic the sum is a moment's
// approximation.
func (s *Store) Counters() Counters {
	var c Counters
	for _, db := range s.dbs {
		for _, sh := range db.shards {
			c.Hits += sh.hits.Load()
			c.Misses += sh.misses.Load()
			c.Expired += sh.expired.Load()
			c.Evicted += sh.evicted.Load()
		}
	}
	return c
}

// Changes is the number of key changes since the store was made: every
// write and deletion of a key counts one (a key removed by its TTL or by
// eviction does not, as in Redis), a flush counts the keys it removed. The save points compare it with its value at the last save,
// as Redis's server.dirty. It takes no lock.
func (s *Store) Changes() int64 {
	var n int64
	for _, db := range s.dbs {
		for _, sh := range db.shards {
			n += sh.changes.Load()
		}
	}
	return n
}

// ResetCounters sets every counter to zero, for CONFIG RESETSTAT.
func (s *Store) ResetCounters() {
	for _, db := range s.dbs {
		for _, sh := range db.shards {
			sh.hits.Store(0)
			sh.misses.Store(0)
			sh.expired.Store(0)
			sh.evicted.Store(0)
		}
	}
	s.exceededTotal.Store(0)
}

// Locked is a set of shards held by one caller, for running a group of
// operations atomically (a MULTI/EXEC block, say). Get database views with
// DB, and call Unlock when done. Views of a Locked must not be used to reach
// shards it does not hold.
type Locked struct {
	s      *Store
	all    bool
	held   []*shard
	views  []*DB
	writer int64
	wide   bool   // holds s.wide exclusively (its shards span databases, or a script)
	shared bool   // holds s.wide shared (several shards of one database)
	marks  []bool // LockScript: which shards (db*shards+i) are held
	notes  *OpNotes
}

// SetNotes makes the views DB returns from now on record in n what their
// operations did, as DB.WithNotes.
func (l *Locked) SetNotes(n *OpNotes) {
	l.notes = n
	for _, v := range l.views {
		if v != nil {
			v.notes = n
		}
	}
}

// SetWriter makes the views DB returns from now on attribute their
// changes to writer, as DB.WithWriter.
func (l *Locked) SetWriter(writer int64) {
	l.writer = writer
	for _, v := range l.views {
		if v != nil {
			v.writer = writer
		}
	}
}

// LockAll takes every shard of every database.
func (s *Store) LockAll() *Locked {
	s.lockAll()
	return &Locked{s: s, all: true}
}

// KeyRef names a key in a database, for LockKeys.
type KeyRef struct {
	DB  int
	Key string
}

// LockKeys takes the shards holding the given keys, in the fixed order, so
// that concurrent callers cannot deadlock.
func (s *Store) LockKeys(refs []KeyRef) *Locked {
	held := make([]*shard, 0, len(refs))
	order := make([]int, 0, len(refs))
	nshards := len(s.dbs[0].shards)
	for _, r := range refs {
		db := s.DB(r.DB)
		if db == nil {
			continue
		}
		idx := r.DB*nshards + int(s.hash(r.Key)>>s.shift)
		order = append(order, idx)
	}
	slices.Sort(order)
	order = slices.Compact(order)
	// See wide.go: several databases exclusively, several shards of one
	// database shared.
	wide := len(order) > 1 && order[0]/nshards != order[len(order)-1]/nshards
	shared := len(order) > 1 && !wide
	if wide {
		s.wide.Lock()
	} else if shared {
		s.wide.RLock()
	}
	for _, idx := range order {
		sh := s.dbs[idx/nshards].shards[idx%nshards]
		sh.lock()
		held = append(held, sh)
	}
	return &Locked{s: s, held: held, wide: wide, shared: shared}
}

// DB returns a view of database i whose operations assume their shards are
// already held.
func (l *Locked) DB(i int) *DB {
	src := l.s.DB(i)
	if src == nil {
		return nil
	}
	if l.views == nil {
		l.views = make([]*DB, len(l.s.dbs))
	}
	if l.views[i] == nil {
		v := *src
		v.held = true
		l.views[i] = &v
	}
	// A reused Locked (LockScript) refreshes what its views record.
	l.views[i].writer, l.views[i].notes = l.writer, l.notes
	return l.views[i]
}

// FlushAll empties every database, as Store.FlushAll, for a caller that
// holds every shard (a transaction running FLUSHALL). It panics when the
// Locked does not hold everything.
func (l *Locked) FlushAll() {
	if !l.all {
		panic("store: Locked.FlushAll without every shard held")
	}
	for _, db := range l.s.dbs {
		db.flushLocked()
	}
}

// SwapDB exchanges two databases, as Store.SwapDB, for a caller that holds
// every shard. It panics when the Locked does not hold everything.
func (l *Locked) SwapDB(a, b int) error {
	if !l.all {
		panic("store: Locked.SwapDB without every shard held")
	}
	if l.s.DB(a) == nil || l.s.DB(b) == nil {
		return ErrDBIndex
	}
	if a != b {
		l.s.swapLocked(a, b)
	}
	return nil
}

// All reports whether every shard is held.
func (l *Locked) All() bool { return l.all }

// Unlock releases what the Locked holds.
func (l *Locked) Unlock() {
	if l.marks != nil {
		l.release()
		return
	}
	if l.all {
		l.s.unlockAll()
		return
	}
	for i := len(l.held) - 1; i >= 0; i-- {
		l.held[i].mu.Unlock()
	}
	if l.wide {
		l.s.wide.Unlock()
	} else if l.shared {
		l.s.wide.RUnlock()
	}
}
