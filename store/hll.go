package store

import "github.com/emberkv/ember/internal/hll"

// HyperLogLogs are strings in Redis's own layout (internal/hll), so GET,
// SET, DUMP and RDB files move them between Ember and Redis. Each command
// reads the string, changes it and stores it back under the same lock,
// keeping the TTL. As the bit commands do (see flagOwned), it changes
// the bytes in place when no view of them is out of the store, and a
// private copy otherwise (a value handed out by GET may still be read
// after the lock is released); the copy is the store's own from then on.
// A dense HLL is 12 KB: copying it at every PFADD that raised a register,
// and at every PFCOUNT that cached a new count, was most of their cost.

// openHLL reads the entry at key as a HyperLogLog, as Redis's
// isHLLObjectOrReply: ErrWrongType for another type, ErrNotHLL for a
// string that is not an HLL.
func openHLL(e entry) (hll.Sketch, error) {
	if e.kind() != KindString {
		return hll.Sketch{}, ErrWrongType
	}
	open := hll.Open
	if e.owned() {
		open = hll.OpenInPlace
	}
	s, err := open(e.str())
	if err != nil {
		return hll.Sketch{}, ErrNotHLL
	}
	return s, nil
}

// storeHLL writes a sketch back to key. A sketch left unchanged still
// makes the string "raw", as Redis's dbUnshareStringValue does, but
// without counting as a change (WATCH is not disturbed).
func (sh *shard) storeHLL(key string, h uint64, t *opTime, cur entry, exists bool, s *hll.Sketch) {
	switch {
	case s.Modified():
		// The sketch's bytes are the store's alone: the next command may
		// change them in place, until a read lends them out.
		e := stringEntry(s.Bytes(), flagRaw|flagOwned)
		e.expireAt = cur.expireAt
		if exists {
			sh.put(key, h, e, &cur, t)
		} else {
			sh.put(key, h, e, nil, t)
		}
	case !cur.raw():
		cur.set(flagRaw, true)
		sh.data.items.Add(key, cur)
	}
}

// PFAdd adds elems to the HyperLogLog at key, creating it if missing, as
// PFADD. It reports whether the key was created or any register changed
// (the cached count is then stale). ErrCorruptHLL leaves the changes of
// the elements before the one that failed, as in Redis.
func (db *DB) PFAdd(key string, elems ...[]byte) (bool, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	cur, exists := sh.current(key, h, &t)
	sh.saveKey(key, h) // an owned sketch changes in place
	var s hll.Sketch
	updated := !exists
	changes := 0
	if updated {
		changes = 1 // as Redis counts a new sketch
	}
	if exists {
		var err error
		if s, err = openHLL(cur); err != nil {
			return false, err
		}
	} else {
		s = hll.New()
	}
	sparseMax := db.store.limits().HLLSparseMaxBytes
	for _, el := range elems {
		changed, err := s.Add(el, sparseMax)
		if err != nil {
			sh.storeHLL(key, h, &t, cur, exists, &s)
			return false, ErrCorruptHLL
		}
		updated = updated || changed
		if changed {
			changes++
		}
	}
	if updated {
		s.Invalidate()
	}
	sh.storeHLL(key, h, &t, cur, exists, &s)
	sh.countElements(changes)
	return updated, nil
}

// PFCount estimates the number of distinct elements added to the
// HyperLogLog at the key, or to the union of those at several keys, as
// PFCOUNT; a missing key counts as empty. For one key the cached count is
// used, or computed and cached in the string (a change WATCH sees, as in
// Redis); several keys are merged into a temporary and left alone. The
// count is Redis's reply, a long long: an estimate beyond its range (only
// hand-made registers give one) reads as the minimum int64, as in Redis.
func (db *DB) PFCount(keys ...string) (int64, error) {
	if len(keys) == 1 {
		return db.pfCountOne(keys[0])
	}
	var room keyRoom
	hashes, order := db.lockKeys(keys, &room)
	defer db.unlockShards(order)
	t := db.newOpTime()
	var u hll.Union
	for i, k := range keys {
		e, ok := db.shardOf(hashes[i]).lookup(k, hashes[i], &t)
		if !ok {
			continue
		}
		s, err := openHLL(e)
		if err != nil {
			return 0, err
		}
		if u.Merge(s.Bytes()) != nil {
			return 0, ErrCorruptHLL
		}
	}
	return int64(u.Count()), nil
}

func (db *DB) pfCountOne(key string) (int64, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	cur, ok := sh.lookup(key, h, &t)
	if !ok {
		return 0, nil
	}
	sh.saveKey(key, h) // the cached count may be written in place
	s, err := openHLL(cur)
	if err != nil {
		return 0, err
	}
	card, err := s.Count()
	if err != nil {
		return 0, ErrCorruptHLL
	}
	sh.storeHLL(key, h, &t, cur, true, &s)
	return int64(card), nil
}

// PFMerge stores at dst the union of the HyperLogLogs at dst and srcs, as
// PFMERGE: dst is created if missing and keeps its TTL otherwise. As in
// Redis 7.0, the result is dense when any input is dense, and otherwise
// sparse as long as it fits hll-sparse-max-bytes.
func (db *DB) PFMerge(dst string, srcs ...string) error {
	var keysRoom [multiKeyRoom]string
	keys := append(append(keysRoom[:0], dst), srcs...)
	var room keyRoom
	hashes, order := db.lockKeys(keys, &room)
	defer db.unlockShards(order)
	t := db.newOpTime()
	var u hll.Union
	dense := false
	for i, k := range keys {
		e, ok := db.shardOf(hashes[i]).lookup(k, hashes[i], &t)
		if !ok {
			continue
		}
		s, err := openHLL(e)
		if err != nil {
			return err
		}
		dense = dense || s.Dense()
		if u.Merge(s.Bytes()) != nil {
			return ErrCorruptHLL
		}
	}
	sh, h := db.shardOf(hashes[0]), hashes[0]
	cur, exists := sh.writeLookup(dst, h, &t) // counts the access: replaceString keeps it
	sh.saveKey(dst, h)                        // an owned sketch changes in place
	var s hll.Sketch
	if exists {
		s, _ = openHLL(cur) // checked above
	} else {
		s = hll.New()
	}
	if dense {
		// Cannot fail: a sparse dst was decoded by the merge above.
		s.ToDense()
	}
	s.SetUnion(&u, db.store.limits().HLLSparseMaxBytes)
	sh.replaceString(dst, h, &t, cur, exists, s.Bytes(), flagRaw)
	return nil
}

// PFDebug runs fn on the HyperLogLog at key under the key's lock, for
// PFDEBUG, and stores the sketch back if fn changed it (TODENSE, GETREG).
// fn may write a reply: nothing it is given outlives the call.
// ErrNoSuchKey when the key is missing.
func (db *DB) PFDebug(key string, fn func(s *hll.Sketch) error) error {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	cur, ok := sh.current(key, h, &t)
	if !ok {
		return ErrNoSuchKey
	}
	sh.saveKey(key, h) // PFDEBUG TODENSE changes it in place
	s, err := openHLL(cur)
	if err != nil {
		return err
	}
	err = fn(&s)
	sh.storeHLL(key, h, &t, cur, true, &s)
	if err == hll.ErrCorrupt {
		return ErrCorruptHLL
	}
	return err
}
