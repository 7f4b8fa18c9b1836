package store

import (
	"math/rand/v2"
	"strings"
)

// Del removes keys and returns how many existed.
func (db *DB) Del(keys ...string) int { return db.DelFunc(keys, nil) }

// DelFunc is Del that calls deleted(i) for each keys[i] it removes, in
// order, while the keys' shards are held (so deleted must not call the
// store). A key named twice is removed, and reported, once.
func (db *DB) DelFunc(keys []string, deleted func(i int)) int {
	if len(keys) == 1 {
		sh, h := db.lockKey(keys[0])
		defer db.unlock(sh)
		t := db.newOpTime()
		if _, ok := sh.current(keys[0], h, &t); ok {
			sh.remove(keys[0], h)
			if deleted != nil {
				deleted(0)
			}
			return 1
		}
		return 0
	}
	var room keyRoom
	hashes, order := db.lockKeys(keys, &room)
	defer db.unlockShards(order)
	t := db.newOpTime()
	n := 0
	for i, k := range keys {
		sh := db.shardOf(hashes[i])
		if _, ok := sh.current(k, hashes[i], &t); ok {
			sh.remove(k, hashes[i])
			n++
			if deleted != nil {
				deleted(i)
			}
		}
	}
	return n
}

// Exists counts how many of keys exist; a key named twice counts twice.
// As in Redis, a key found expired is reclaimed, but no key is marked as
// used.
func (db *DB) Exists(keys ...string) int {
	var room keyRoom
	hashes, order := db.lockKeys(keys, &room)
	defer db.unlockShards(order)
	t := db.newOpTime()
	n := 0
	for i, k := range keys {
		if _, ok := db.shardOf(hashes[i]).current(k, hashes[i], &t); ok {
			n++
		}
	}
	return n
}

// Touch marks keys as recently used and counts those that exist.
func (db *DB) Touch(keys ...string) int {
	var room keyRoom
	hashes, order := db.lockKeys(keys, &room)
	defer db.unlockShards(order)
	t := db.newOpTime()
	n := 0
	for i, k := range keys {
		if _, ok := db.shardOf(hashes[i]).lookup(k, hashes[i], &t); ok {
			n++
		}
	}
	return n
}

// Type returns the kind of value at key, KindNone if absent.
func (db *DB) Type(key string) Kind {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	e, ok := sh.current(key, h, &t)
	if !ok {
		return KindNone
	}
	return e.kind()
}

// ExpireCond is the set of conditions of EXPIRE and its relatives. They
// combine as in Redis: XX|LT sets the TTL only if there is one and the new
// one is less. (Redis refuses NX with any other, and GT with LT; the store
// simply requires all of them.)
type ExpireCond uint8

const (
	ExpireAlways ExpireCond = 0
	ExpireNX     ExpireCond = 1 << (iota - 1) // only if the key has no TTL
	ExpireXX                                  // only if the key has a TTL
	ExpireGT                                  // only if the new TTL is greater (no TTL counts as infinite)
	ExpireLT                                  // only if the new TTL is less (no TTL counts as infinite)
)

// allows reports whether the conditions let a key whose expiry is cur (0:
// none) get the expiry at.
func (cond ExpireCond) allows(cur, at int64) bool {
	switch {
	case cond&ExpireNX != 0 && cur != 0:
		return false
	case cond&ExpireXX != 0 && cur == 0:
		return false
	case cond&ExpireGT != 0 && (cur == 0 || at <= cur):
		return false
	case cond&ExpireLT != 0 && cur != 0 && at >= cur:
		return false
	}
	return true
}

// ExpireAt sets key to expire at the Unix time at (ms), as PEXPIREAT does,
// and reports whether the TTL was set. As in Redis, a time that has already
// passed deletes the key (and still counts as set); the conditions are
// checked first.
func (db *DB) ExpireAt(key string, at int64, cond ExpireCond) bool {
	return db.ExpireAtChange(key, at, cond) != TTLUnchanged
}

// TTLChange tells what an operation did to a key's TTL, for the callers
// that report it (keyspace notifications: "expire", "persist", "del").
type TTLChange uint8

const (
	TTLUnchanged TTLChange = iota
	TTLSet                 // a TTL was set
	TTLRemoved             // the TTL was removed (PERSIST)
	TTLDeleted             // the time had passed: the key was deleted
)

// ExpireAtChange is ExpireAt telling whether it set the TTL or deleted
// the key.
func (db *DB) ExpireAtChange(key string, at int64, cond ExpireCond) TTLChange {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	e, ok := sh.current(key, h, &t)
	if !ok || !cond.allows(e.expireAt, at) {
		return TTLUnchanged
	}
	if at <= t.now() {
		sh.remove(key, h)
		return TTLDeleted
	}
	ne := e
	ne.expireAt = at
	sh.put(key, h, ne, &e, &t) // a write access, as Redis's lookupKeyWrite
	return TTLSet
}

// TTL states returned by PTTL and ExpireTime, as Redis's replies.
const (
	NoKey = -2 // the key does not exist
	NoTTL = -1 // the key exists and has no TTL
)

// PTTL returns the remaining time to live of key in ms, or NoKey / NoTTL.
// Like Redis's TTL it does not count as an access to the key.
func (db *DB) PTTL(key string) int64 {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	e, ok := sh.current(key, h, &t)
	switch {
	case !ok:
		return NoKey
	case e.expireAt == 0:
		return NoTTL
	}
	return max(e.expireAt-t.now(), 0)
}

// ExpireTime returns the absolute expiry of key in Unix ms, or NoKey / NoTTL.
func (db *DB) ExpireTime(key string) int64 {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	return expireTimeOf(sh.current(key, h, &t))
}

// StoredExpireAt is ExpireTime without lazy expiry: the absolute time
// stored for key even when it has passed. It removes nothing, so that
// logging what a write just stored (its PXAT) never logs a DEL first.
func (db *DB) StoredExpireAt(key string) int64 {
	sh, _ := db.lockKey(key)
	defer db.unlock(sh)
	return expireTimeOf(sh.data.items.Peek(key))
}

// expireTimeOf is ExpireTime's answer for a lookup's result.
func expireTimeOf(e entry, ok bool) int64 {
	switch {
	case !ok:
		return NoKey
	case e.expireAt == 0:
		return NoTTL
	}
	return e.expireAt
}

// Persist removes the TTL of key and reports whether there was one.
func (db *DB) Persist(key string) bool {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	e, ok := sh.current(key, h, &t)
	if !ok || e.expireAt == 0 {
		return false
	}
	ne := e
	ne.expireAt = 0
	sh.put(key, h, ne, &e, &t)
	return true
}

// Keys returns the keys matching a glob pattern, as KEYS does.
func (db *DB) Keys(pattern string) []string {
	db.lockAllShards()
	defer db.unlockAllShards()
	t := db.newOpTime()
	all := pattern == "*"
	var out []string
	for _, sh := range db.shards {
		sh.data.order.Scan(func(it scanItem) bool {
			k := it.Key()
			if _, ok := sh.peek(k, &t); ok && (all || Match(pattern, k, false)) {
				out = append(out, k)
			}
			return true
		})
	}
	return out
}

// ScanOptions filter a SCAN. Count is how many keys to visit, a hint as in
// Redis (default 10); Match and Type filter what is returned.
type ScanOptions struct {
	Match string // a glob pattern; "" or "*" returns every key
	Count int
	Type  Kind // only keys holding this kind; KindNone: any kind
}

// ParseKind returns the kind TYPE names name, in any case, as SCAN's TYPE
// option takes it. "none" is not a kind a key can hold.
func ParseKind(name string) (Kind, bool) {
	for k := KindNone + 1; k.String() != KindNone.String(); k++ {
		if strings.EqualFold(k.String(), name) {
			return k, true
		}
	}
	return KindNone, false
}

// Scan visits keys in hash order from cursor and returns the next cursor (0
// when the iteration is complete) and the keys found.
//
// Each shard keeps its keys ordered by hash, and a cursor is the hash to
// resume from, so one call returns every key whose hash lies between its
// cursor and the next, as they are while the shard is held. Every key
// present for a whole iteration is therefore returned at least once,
// however the keyspace changes meanwhile, and keys that are added or
// deleted may or may not be, as Redis guarantees.
//
// Cursors are hashes shifted right by one bit, so that they fit in a
// signed 64-bit integer: some clients parse SCAN's cursor as one.
func (db *DB) Scan(cursor uint64, opt ScanOptions) (uint64, []string) {
	if opt.Count <= 0 {
		opt.Count = 10
	}
	t := db.newOpTime()
	shift := db.store.shift
	from := cursor << 1 // the first hash to visit
	filter := opt.Match != "" && opt.Match != "*"
	var out []string
	visited := 0
	startShard := int(from >> shift)
	for si := startShard; si < len(db.shards); si++ {
		base := uint64(si) << shift // the shard's first hash (0 for shard 0 and for a lone shard)
		pivot := from
		if si != startShard {
			pivot = base
			if visited >= opt.Count {
				// Not 0: only the first shard starts at hash 0.
				return base >> 1, out
			}
		}
		sh := db.shards[si]
		if !db.held {
			sh.lock()
		} else {
			mustBeHeld(sh)
		}
		db.claim(sh)
		var next, last uint64
		done := true
		order := sh.data.order
		order.Ascend(order.Item(pivot, ""), func(it scanItem) bool {
			// An item keeps the 32 bits of its key's hash below the
			// shard's bits: its cursor is the least hash with those bits
			// (>> 1), and order.Item of that hash is a pivot right
			// before the item and any other keys that share the bits.
			c := (base | order.Bits(it)) >> 1
			// Stop only between two different cursors: a cursor cannot
			// point into a run of keys that share it. (visited reaches
			// Count only once a key of this shard was visited, so last is
			// set by then.)
			if visited >= opt.Count && c != last {
				next, done = c, false
				return false
			}
			last = c
			visited++
			k := it.Key()
			e, ok := sh.peek(k, &t)
			switch {
			case !ok:
			case opt.Type != KindNone && e.kind() != opt.Type:
			case filter && !Match(opt.Match, k, false):
			default:
				out = append(out, k)
			}
			return true
		})
		db.unlock(sh)
		if !done {
			return next, out
		}
	}
	return 0, out
}

// RandomKey returns a random live key, as RANDOMKEY does.
func (db *DB) RandomKey() (string, bool) {
	t := db.newOpTime()
	start := rand.IntN(len(db.shards))
	for i := range db.shards {
		sh := db.shards[(start+i)%len(db.shards)]
		if !db.held {
			sh.lock()
		}
		db.claim(sh)
		// A few tries skip keys that expired and wait for the sweeper.
		for try := 0; try < 16 && sh.data.order.Len() > 0; try++ {
			it, _ := sh.data.order.GetAt(rand.IntN(sh.data.order.Len()))
			k := it.Key()
			if _, ok := sh.current(k, db.store.hash(k), &t); ok {
				db.unlock(sh)
				return k, true
			}
		}
		db.unlock(sh)
	}
	return "", false
}

// Rename moves the value at src to dst, replacing dst (or, with nx, only if
// dst does not exist). It returns ErrNoSuchKey when src does not exist, and
// whether the rename happened.
func (db *DB) Rename(src, dst string, nx bool) (bool, error) {
	ss, hs, ds, hd, unlock := lockPair(db, src, db, dst)
	defer unlock()
	t := db.newOpTime()
	e, ok := ss.current(src, hs, &t)
	if !ok {
		return false, ErrNoSuchKey
	}
	old, dstExists := ds.current(dst, hd, &t)
	if nx && dstExists {
		return false, nil
	}
	if src == dst {
		return true, nil
	}
	ss.remove(src, hs)
	if dstExists {
		ds.putWithAccess(dst, hd, e, &old)
		ds.event(KeyCreated, dst) // Redis deletes dst and adds it anew
	} else {
		ds.putWithAccess(dst, hd, e, nil)
	}
	return true, nil
}

// Copy copies the value at src to dstKey in dst, as COPY does. It reports
// whether the copy was made: not when src is missing, or dstKey exists and
// replace is false.
func (db *DB) Copy(src string, dst *DB, dstKey string, replace bool) bool {
	ss, hs, ds, hd, unlock := lockPair(db, src, dst, dstKey)
	defer unlock()
	t := db.newOpTime()
	e, ok := ss.current(src, hs, &t)
	if !ok {
		return false
	}
	old, exists := ds.current(dstKey, hd, &t)
	if exists && !replace {
		return false
	}
	if db.index == dst.index && src == dstKey {
		return false
	}
	// A new object, as Redis's copy, never a shared one: fresh access
	// data, not src's nor the replaced value's.
	var ne entry
	if a := e.agg(); a != nil {
		ne = aggEntry(a.clone())
	} else {
		ne = stringEntry(append([]byte(nil), e.str()...), e.meta&flagRaw|flagUnshared|flagOwned)
	}
	ne.expireAt = e.expireAt
	ne.setAccess(ds.freshAccess(t.lru()))
	e = ne
	if exists {
		ds.putWithAccess(dstKey, hd, e, &old)
		ds.event(KeyCreated, dstKey) // Redis deletes dstKey and adds it anew
	} else {
		ds.putWithAccess(dstKey, hd, e, nil)
	}
	return true
}

// Move moves key to database dst if it does not exist there, as MOVE does.
func (db *DB) Move(key string, dst *DB) bool {
	ss, hs, ds, hd, unlock := lockPair(db, key, dst, key)
	defer unlock()
	t := db.newOpTime()
	e, ok := ss.current(key, hs, &t)
	if !ok {
		return false
	}
	if _, exists := ds.current(key, hd, &t); exists {
		return false
	}
	ss.remove(key, hs)
	ds.putWithAccess(key, hd, e, nil)
	return true
}

// ObjectInfo is what OBJECT reports about a key.
type ObjectInfo struct {
	Kind     Kind
	Encoding string
	IdleMs   int64
	Shared   bool // a small integer Redis would keep as a shared object
	// Freq is the LFU counter after decay (OBJECT FREQ); it counts
	// accesses only while an LFU policy is in force, as Redis's.
	Freq int
}

// Object returns what OBJECT reports about key, without touching it.
func (db *DB) Object(key string) (ObjectInfo, bool) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	e, ok := sh.current(key, h, &t)
	if !ok {
		return ObjectInfo{}, false
	}
	info := ObjectInfo{Kind: e.kind()}
	info.IdleMs = int64(lruIdle(t.lru(), e.access())) * 1000
	info.Freq = int(lfuDecayed(&e, lfuMinutes(t.lru()), db.store.eviction.Load().LFUDecayTime))
	if e.kind() == KindString {
		info.Encoding, info.Shared = stringEncoding(e)
	} else {
		info.Encoding = e.agg().encoding()
	}
	return info, true
}
