package store

import (
	"github.com/emberkv/ember/internal/hashorder"
	"math"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Kind is the type of value a key holds.
type Kind uint8

const (
	KindNone Kind = iota
	KindString
	KindList
	KindSet
	KindZSet
	KindHash
)

// String is the name TYPE replies with.
func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindList:
		return "list"
	case KindSet:
		return "set"
	case KindZSet:
		return "zset"
	case KindHash:
		return "hash"
	}
	return "none"
}

// entryOverhead is what one key costs beyond its key's and value's bytes:
// the LRU's list element (golang-lru's Entry holding the 24-byte entry by
// value: 96 bytes), the LRU map's slot (24 bytes and a control byte, at a
// load between 44% and 88%: 28 to 57 bytes) and the scan index's item in
// its hash bucket (16 bytes and the bucket's room to grow: about 22-24,
// internal/hashorder). Calibrated against the Go heap by
// TestAccountingMatchesHeap: 203 bytes per 32-byte string key at 100k
// keys, 223 at 1M, where the maps happen to be less full; 164 sits
// between.
const entryOverhead = 164

// volatileOverhead is what a TTL adds: the key's slot in the TTL map.
const volatileOverhead = 32

// scanItem orders a shard's keys by hash, so a SCAN cursor (the next hash
// to visit) stays valid however the keyspace changes (internal/hashorder).
type scanItem = hashorder.Item

// shardData is what SWAPDB exchanges between two databases' shards.
type shardData struct {
	items     *simplelru.LRU[string, entry]
	order     *hashorder.Index
	volatile  map[string]struct{} // keys with a TTL, sampled by the sweeper
	usedBytes int64
}

// newShardData is an empty shard of a store whose shards are picked by
// the top skip bits of the keys' hashes.
func newShardData(skip uint) *shardData {
	items, _ := simplelru.NewLRU[string, entry](math.MaxInt, nil)
	return &shardData{
		items:    items,
		order:    hashorder.New(skip),
		volatile: make(map[string]struct{}),
	}
}

type shard struct {
	mu      sync.Mutex
	store   *Store
	dbIndex int // the database this shard belongs to, for OnKeyEvent
	data    *shardData
	// writer is who holds the lock to change the shard (DB.WithWriter),
	// passed to OnKeyModified; set by every DB method as it takes the lock.
	writer  int64
	notes   *OpNotes            // the OpNotes of the view that holds the lock, if any
	watched map[string][]*Watch // stays with the database index across SWAPDB

	// scratch holds a value popped while the lock is held (PopFunc), so
	// that a pop whose reply is written under the lock allocates nothing.
	scratch []byte
	// intText is room to print a listpack's integer field and value for a
	// callback (hash reads): a buffer on the stack would escape to the
	// heap through the callback, and one in each hash would cost every
	// small hash 40 bytes.
	intText intText

	// snaps are the snapshots this shard is pending for: serialized by
	// the first lock after their cut (see Snapshot). Guarded by mu.
	snaps []snapMark

	// Counters for INFO, changed under mu but read without it.
	hits, misses, expired, evicted atomic.Int64
	// changes counts the keys changed (every touch), for the save
	// points' count of changes (Redis's server.dirty).
	changes atomic.Int64
	// usedPending are changes to the used bytes not yet in Store.used
	// (see account).
	usedPending atomic.Int64

	// The next shard's lock lies past this line, not on it: the two
	// cores lock different shards without sharing a cache line.
	_ cacheLinePad
}

func newShard(s *Store, db int) *shard {
	return &shard{store: s, dbIndex: db, data: newShardData(s.shardBits())}
}

// Watch is one client's set of WATCHed keys; it becomes dirty when any of
// them changes.
type Watch struct {
	dirty atomic.Bool
}

// Dirty reports whether a watched key changed since the watch began.
func (w *Watch) Dirty() bool { return w.dirty.Load() }

// Reset clears the dirty flag, for reuse after EXEC, DISCARD or UNWATCH.
func (w *Watch) Reset() { w.dirty.Store(false) }

// touch marks the watchers of key dirty and tells OnKeyModified: the key
// changed. With no OnKeyModified it costs one atomic load.
func (sh *shard) touch(key string) {
	sh.changes.Add(1)
	if sh.notes != nil {
		sh.notes.Changes++
	}
	if f := sh.store.onModified.Load(); f != nil {
		(*f)(sh.writer, key)
	}
	if len(sh.watched) == 0 {
		return
	}
	for _, w := range sh.watched[key] {
		w.dirty.Store(true)
	}
}

// touchWatchedIfExists marks watched keys that exist in d, as Redis does
// when a database is flushed or swapped.
func (sh *shard) touchWatchedIfExists(d *shardData) {
	for key, ws := range sh.watched {
		if d.items.Contains(key) {
			for _, w := range ws {
				w.dirty.Store(true)
			}
		}
	}
}

// peek returns a live entry without changing its recency. Expired entries
// count as absent, but are left for the caller to remove.
func (sh *shard) peek(key string, t *opTime) (entry, bool) {
	e, ok := sh.data.items.Peek(key)
	if !ok || (e.expireAt != 0 && e.expireAt <= t.now()) {
		return entry{}, false
	}
	return e, true
}

// lookup returns a live entry and marks it recently used; an expired entry
// is removed on the way (lazy expiry).
func (sh *shard) lookup(key string, h uint64, t *opTime) (entry, bool) {
	d := sh.data
	e, ok := d.items.Peek(key) // the move to the front, if any, is touchAccess's
	if !ok {
		sh.misses.Add(1)
		sh.event(KeyMissed, key)
		return entry{}, false
	}
	if e.expireAt != 0 && e.expireAt <= t.now() {
		if !sh.store.expiryFrozen(t.now()) {
			sh.expire(key, h)
		}
		sh.misses.Add(1)
		sh.event(KeyMissed, key)
		return entry{}, false
	}
	sh.hits.Add(1)
	if sh.touchAccess(&e, t) {
		d.items.Add(key, e)
	}
	return e, true
}

// writeLookup returns a live entry for a caller about to change it in
// place, and counts the access, as Redis's lookupKeyWrite: its access
// data is stamped (and, when that changes, the key moves to the front of
// the recency order), whether or not the command then changes anything
// (or fails on the type), but no hit or miss is counted. An expired
// entry is removed.
func (sh *shard) writeLookup(key string, h uint64, t *opTime) (entry, bool) {
	d := sh.data
	e, ok := d.items.Peek(key) // the move to the front, if any, is touchAccess's
	if !ok {
		return entry{}, false
	}
	if e.expireAt != 0 && e.expireAt <= t.now() {
		sh.expire(key, h)
		return entry{}, false
	}
	if sh.touchAccess(&e, t) {
		d.items.Add(key, e)
	}
	return e, true
}

// current returns a live entry for a caller about to overwrite it: no
// recency update (put does that), but an expired entry is removed first so
// that the write sees the key as absent.
func (sh *shard) current(key string, h uint64, t *opTime) (entry, bool) {
	e, ok := sh.data.items.Peek(key)
	if !ok {
		return entry{}, false
	}
	if e.expireAt != 0 && e.expireAt <= t.now() {
		sh.expire(key, h)
		return entry{}, false
	}
	return e, true
}

// put stores e under key as a write at time t, which gives it its access
// data (initAccess). key must not be a transient string; the caller
// clones it when inserting. old is the entry replaced, nil for a new key.
func (sh *shard) put(key string, h uint64, e entry, old *entry, t *opTime) {
	sh.putQuiet(key, h, e, old, t)
	sh.touch(key)
}

// putQuiet is put without telling the key's watchers: for a write that
// leaves the value as it was (SETBIT of a bit to the value it has), which
// Redis does not signal.
func (sh *shard) putQuiet(key string, h uint64, e entry, old *entry, t *opTime) {
	sh.initAccess(&e, old, t)
	sh.place(key, h, e, old)
}

// putWithAccess stores e with the access data it carries: RENAME and MOVE
// bring a value over with its own, as Redis's dbAdd of the same object;
// COPY and RESTORE give a new one fresh data (freshAccess); GETEX keeps
// the access its read just counted.
func (sh *shard) putWithAccess(key string, h uint64, e entry, old *entry) {
	sh.place(key, h, e, old)
	sh.touch(key)
}

// place puts e in the shard's structures and accounting.
func (sh *shard) place(key string, h uint64, e entry, old *entry) {
	sh.saveKey(key, h)
	d := sh.data
	if old == nil {
		key = clone(key)
		d.order.Set(d.order.Item(h, key))
		sh.store.keys.Add(1)
	} else {
		sh.account(-old.size(key))
		if old.expireAt != 0 && e.expireAt == 0 {
			delete(d.volatile, key)
			sh.store.volatileKeys.Add(-1)
		}
	}
	if e.expireAt != 0 && (old == nil || old.expireAt == 0) {
		// A map insert keeps the string it is given: for a key already
		// present, use the shard's own copy, never the caller's view.
		if old != nil {
			if it, ok := d.order.Get(d.order.Item(h, key)); ok {
				key = it.Key()
			}
		}
		d.volatile[key] = struct{}{}
		sh.store.volatileKeys.Add(1)
	}
	sh.account(e.size(key))
	d.items.Add(key, e)
	if old == nil {
		sh.event(KeyCreated, key)
	}
}

// expire removes key, whose TTL has passed, and reports it.
func (sh *shard) expire(key string, h uint64) {
	sh.remove(key, h)
	sh.uncount()
	sh.expired.Add(1)
	sh.event(KeyExpired, key)
}

// countElements adds n to the notes' Elements (see OpNotes).
func (sh *shard) countElements(n int) {
	if sh.notes != nil {
		sh.notes.Elements += int64(n)
	}
}

// uncount takes back the change remove just counted (Store.Changes), for
// a key removed by its TTL or by eviction: as Redis's server.dirty, that
// is no change to save.
func (sh *shard) uncount() {
	sh.changes.Add(-1)
	if sh.notes != nil {
		sh.notes.Changes--
	}
}

// lend is called by every read that hands a view of a string's bytes out
// of the store (GET and its relatives): from then on a bit command must
// copy the bytes before changing them (see flagOwned).
func (sh *shard) lend(key string, e *entry) {
	if e.owned() {
		e.set(flagOwned, false)
		sh.data.items.Add(key, *e)
	}
}

// remove deletes key if present and reports whether it was.
func (sh *shard) remove(key string, h uint64) bool {
	d := sh.data
	e, ok := d.items.Peek(key)
	if !ok {
		return false
	}
	sh.saveKey(key, h)
	d.items.Remove(key)
	d.order.Delete(d.order.Item(h, key))
	sh.store.keys.Add(-1)
	if e.expireAt != 0 {
		delete(d.volatile, key)
		sh.store.volatileKeys.Add(-1)
	}
	sh.account(-e.size(key))
	sh.touch(key)
	return true
}

// clone copies a key the shard is about to keep; callers may pass strings
// that alias reusable buffers.
func clone(s string) string { return strings.Clone(s) }

// intText holds two integers printed as text.
type intText = [2][20]byte
