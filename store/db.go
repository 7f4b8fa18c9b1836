package store

import "slices"

// DB is one numbered database. Its methods lock the shards they touch,
// except on a view obtained from Locked.DB, whose shards are already held.
type DB struct {
	store  *Store
	index  int
	shards []*shard
	held   bool
	// writer is who the changes made through this view are attributed to,
	// for OnKeyModified (see WithWriter); 0 for none.
	writer int64
	notes  *OpNotes // see WithNotes; nil for none
}

// OpNotes collects what the operations made through a view did besides
// their results, for a caller that reports events in Redis's order after
// an operation returns, and carries one thing to them, the time a script
// froze (Now). Only the goroutine using the view may use it.
type OpNotes struct {
	// Emptied is set when an operation deleted a list, set, sorted set
	// or hash because it removed its last element (Redis's "del" event
	// after "lpop", "srem", ...). The caller clears it.
	Emptied bool
	// Changes counts the changes of keys the view's operations made, as
	// Store.Changes counts them (a new aggregate counts two: its creation
	// and its first elements). The caller clears it.
	Changes int64
	// Elements counts the elements operations changed where Redis's
	// commands add those to server.dirty rather than one for the key:
	// LTRIM's removed, ZADD's added and updated, PFADD's elements that
	// changed the sketch (and one for a new sketch), BITFIELD's writes
	// that changed a field or went to a string that grew. The caller
	// clears it.
	Elements int64
	// Now, when not 0, is the time (Unix ms) the operations through the
	// view take as the present, instead of reading the clock: a script
	// sees its start time throughout, so that a key cannot expire in the
	// middle of it, as Redis's scriptTimeSnapshot. The caller sets it.
	Now int64
}

// newOpTime is the time of one operation through db: its notes' Now if
// set, else the clock, read when first needed.
func (db *DB) newOpTime() opTime {
	t := opTime{s: db.store}
	if db.notes != nil && db.notes.Now != 0 && !db.store.loading.Load() {
		t.ms = db.notes.Now
	}
	return t
}

// Notes returns the OpNotes of a view made by WithNotes, else nil.
func (db *DB) Notes() *OpNotes { return db.notes }

// WithNotes returns a view of the database whose operations record in n
// what they did (see OpNotes). The view shares everything else with db.
func (db *DB) WithNotes(n *OpNotes) *DB {
	v := *db
	v.notes = n
	return &v
}

// WithWriter returns a view of the database whose changes OnKeyModified
// reports as made by writer (the server passes a client's id), so that a
// change can be told apart from other clients' without a lookup. The view
// shares everything else with db.
func (db *DB) WithWriter(writer int64) *DB {
	if db.writer == writer {
		return db
	}
	v := *db
	v.writer = writer
	return &v
}

// claim records, in a shard the caller holds, who is about to change it.
func (db *DB) claim(sh *shard) { sh.writer, sh.notes = db.writer, db.notes }

// Index returns the database number.
func (db *DB) Index() int { return db.index }

// lockKey locks and returns the shard holding key, with the key's hash.
func (db *DB) lockKey(key string) (*shard, uint64) {
	h := db.store.hash(key)
	sh := db.shards[h>>db.store.shift]
	if !db.held {
		sh.lock()
	} else {
		mustBeHeld(sh)
	}
	db.claim(sh)
	return sh, h
}

// mustBeHeld guards views from Locked: reaching a shard the caller did not
// lock would be a data race, so it fails loudly instead.
func mustBeHeld(sh *shard) {
	if sh.mu.TryLock() {
		sh.mu.Unlock()
		panic("store: a locked view reached a shard it does not hold")
	}
}
func (db *DB) unlock(sh *shard) {
	if !db.held {
		sh.mu.Unlock()
	}
}

// keyRoom is room on a caller's stack for the hashes and shard order of an
// operation on a few keys, so that MGET or MSET of a few keys allocates
// nothing.
type keyRoom struct {
	hashes [multiKeyRoom]uint64
	order  [multiKeyRoom]int
}

// lockKeys locks the shards holding keys (lockShards says how, without
// deadlock), and returns the keys' hashes and the locked shard indexes,
// ascending, for unlockShards. They live in room when it is not
// nil and large enough.
func (db *DB) lockKeys(keys []string, room *keyRoom) ([]uint64, []int) {
	var hashes []uint64
	var order []int
	if room != nil && len(keys) <= multiKeyRoom {
		hashes, order = room.hashes[:len(keys)], room.order[:len(keys)]
	} else {
		hashes, order = make([]uint64, len(keys)), make([]int, len(keys))
	}
	for i, k := range keys {
		hashes[i] = db.store.hash(k)
		order[i] = int(hashes[i] >> db.store.shift)
	}
	slices.Sort(order)
	order = slices.Compact(order)
	switch {
	case db.held:
		for _, i := range order {
			mustBeHeld(db.shards[i])
		}
	case len(order) == 1:
		db.shards[order[0]].lock()
	default:
		db.store.wide.RLock() // several shards (wide.go)
		db.lockShards(order)
	}
	for _, i := range order {
		db.claim(db.shards[i])
	}
	return hashes, order
}

// lockShards takes the shards of order (ascending) without waiting for
// one while it holds another: it waits for one shard holding nothing,
// then tries the others; if one is taken, it lets go of what it holds and
// waits for that one instead. Taking them one after the other in order
// made a convoy: a caller that held its first shards while it waited for
// a later one made everyone who wanted those wait as well.
func (db *DB) lockShards(order []int) {
	wait := 0 // the one to wait for
	for {
		db.shards[order[wait]].mu.Lock()
		taken := -1
		for j, i := range order {
			if j != wait && !db.shards[i].mu.TryLock() {
				taken = j
				break
			}
		}
		if taken < 0 {
			return
		}
		for j := 0; j < taken; j++ {
			if j != wait {
				db.shards[order[j]].mu.Unlock()
			}
		}
		db.shards[order[wait]].mu.Unlock()
		wait = taken
	}
}

func (db *DB) unlockShards(order []int) {
	if db.held {
		return
	}
	for i := len(order) - 1; i >= 0; i-- {
		db.shards[order[i]].mu.Unlock()
	}
	if len(order) > 1 {
		db.store.wide.RUnlock()
	}
}

// lockAllShards locks every shard of the database.
func (db *DB) lockAllShards() {
	if !db.held {
		db.store.wide.RLock() // several shards (wide.go)
	}
	for _, sh := range db.shards {
		if !db.held {
			sh.lock()
		}
		db.claim(sh)
	}
}

func (db *DB) unlockAllShards() {
	if db.held {
		return
	}
	for i := len(db.shards) - 1; i >= 0; i-- {
		db.shards[i].mu.Unlock()
	}
	db.store.wide.RUnlock()
}

func (db *DB) shardOf(h uint64) *shard { return db.shards[h>>db.store.shift] }

// lockPair locks the shards of two keys that may live in different
// databases, in the store's fixed order (database, then shard).
func lockPair(a *DB, ka string, b *DB, kb string) (sa *shard, ha uint64, sb *shard, hb uint64, unlock func()) {
	ha, hb = a.store.hash(ka), b.store.hash(kb)
	sa, sb = a.shardOf(ha), b.shardOf(hb)
	if a.held && b.held {
		a.claim(sa)
		a.claim(sb)
		return sa, ha, sb, hb, func() {}
	}
	if sa == sb {
		sa.lock()
		a.claim(sa)
		return sa, ha, sb, hb, sa.mu.Unlock
	}
	// Two shards: ordered with the other callers holding several
	// (wide.go); exclusively when they are in two databases.
	if a.index != b.index {
		a.store.wide.Lock()
	} else {
		a.store.wide.RLock()
	}
	first, second := sa, sb
	if a.index > b.index || (a.index == b.index && ha>>a.store.shift > hb>>b.store.shift) {
		first, second = sb, sa
	}
	first.lock()
	second.lock()
	a.claim(sa)
	a.claim(sb)
	return sa, ha, sb, hb, func() {
		second.mu.Unlock()
		first.mu.Unlock()
		if a.index != b.index {
			a.store.wide.Unlock()
		} else {
			a.store.wide.RUnlock()
		}
	}
}

// Size returns the number of keys, counting keys that expired but were not
// reclaimed yet, as Redis's DBSIZE does.
func (db *DB) Size() int {
	db.lockAllShards()
	defer db.unlockAllShards()
	n := 0
	for _, sh := range db.shards {
		n += sh.data.items.Len()
	}
	return n
}

// KeyspaceStats are the counts INFO keyspace reports.
type KeyspaceStats struct {
	Keys    int
	Expires int
	AvgTTL  int64 // average remaining TTL in ms of keys with one
}

// Stats returns the database's key counts. Shards are visited one at a time,
// so the figures are approximate under concurrent writes.
func (db *DB) Stats() KeyspaceStats {
	var st KeyspaceStats
	for _, sh := range db.shards {
		if !db.held {
			sh.lock()
		}
		st.Keys += sh.data.items.Len()
		st.Expires += len(sh.data.volatile)
		db.unlock(sh)
	}
	return st
}

// UsedBytes estimates the memory the database's keys and values take.
func (db *DB) UsedBytes() int64 {
	var n int64
	for _, sh := range db.shards {
		if !db.held {
			sh.lock()
		}
		n += sh.data.usedBytes
		db.unlock(sh)
	}
	return n
}

// Flush removes every key, as FLUSHDB does. Watchers of existing keys are
// notified.
func (db *DB) Flush() {
	db.lockAllShards()
	defer db.unlockAllShards()
	db.flushLocked()
}

func (db *DB) flushLocked() {
	db.store.bumpEvictGen()
	for _, sh := range db.shards {
		sh.saveAll()
		sh.touchWatchedIfExists(sh.data)
		sh.account(-sh.data.usedBytes)
		db.store.keys.Add(-int64(sh.data.items.Len()))
		db.store.volatileKeys.Add(-int64(len(sh.data.volatile)))
		sh.changes.Add(int64(sh.data.items.Len()))
		sh.data = newShardData(db.store.shardBits())
	}
}

// UsedBytes estimates the memory all databases' keys and values take.
func (s *Store) UsedBytes() int64 {
	var n int64
	for _, db := range s.dbs {
		n += db.UsedBytes()
	}
	return n
}

// Watch registers w on key, for WATCH. A key that has already expired is
// reclaimed first, so that its removal does not count as a change.
func (db *DB) Watch(key string, w *Watch) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	sh.current(key, h, &t)
	if sh.watched == nil {
		sh.watched = make(map[string][]*Watch)
	}
	key = clone(key)
	sh.watched[key] = append(sh.watched[key], w)
}

// Unwatch removes w from key.
func (db *DB) Unwatch(key string, w *Watch) {
	sh, _ := db.lockKey(key)
	defer db.unlock(sh)
	ws := sh.watched[key]
	for i, x := range ws {
		if x == w {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(sh.watched, key)
	} else {
		sh.watched[key] = ws
	}
}

// ExpireWatched reclaims key if its TTL has passed, so that a watched key
// that expired since WATCH makes EXEC fail, as in Redis.
func (db *DB) ExpireWatched(key string) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	sh.current(key, h, &t)
}
