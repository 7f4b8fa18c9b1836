package store

// aggregate is the value of a list, set, sorted set or hash. Unlike a
// string it is changed in place, under its shard's lock: an HSET on a hash
// of a million fields changes one field, never copies the hash. Each type
// lives in a file of its own (list.go, set.go, zset.go, hash.go) and keeps
// a compact encoding while it is small, as Redis does.
type aggregate interface {
	// memSize is what the value takes in memory, in bytes, for usedBytes.
	// It must be cheap (O(1)): it is read before and after every change.
	memSize() int64
	// length is the number of elements; an aggregate of length 0 is
	// deleted, as in Redis.
	length() int
	// encoding is the name OBJECT ENCODING reports, Redis 7.0's.
	encoding() string
	// clone is a deep copy, for COPY.
	clone() aggregate
}

// readAgg returns the aggregate of the given kind at key for a read,
// marking the key as used. ok is false when the key does not exist; err is
// ErrWrongType when it holds another kind.
func (sh *shard) readAgg(key string, h uint64, t *opTime, kind Kind) (a aggregate, ok bool, err error) {
	e, ok := sh.lookup(key, h, t)
	if !ok {
		return nil, false, nil
	}
	if e.kind() != kind {
		return nil, false, ErrWrongType
	}
	return e.agg(), true, nil
}

// peekAgg is readAgg without the recency update and without counting a
// hit or miss, for the read side of commands that also write (the source
// of SINTERSTORE, say, as Redis's lookupKeyWrite) or that must not touch
// keys.
func (sh *shard) peekAgg(key string, h uint64, t *opTime, kind Kind) (aggregate, bool, error) {
	e, ok := sh.current(key, h, t)
	if !ok {
		return nil, false, nil
	}
	if e.kind() != kind {
		return nil, false, ErrWrongType
	}
	return e.agg(), true, nil
}

// writeAgg returns the aggregate of the given kind at key, about to be
// changed in place. When the key does not exist and create is not nil, a
// new empty aggregate from create is stored there first (an empty
// aggregate is never visible to others: the caller fills it, and
// commitAgg deletes it if it stays empty).
//
// The caller notes a.memSize() before changing a and calls commitAgg
// after.
func (sh *shard) writeAgg(key string, h uint64, t *opTime, kind Kind, create func() aggregate) (aggregate, bool, error) {
	e, ok := sh.writeLookup(key, h, t)
	if ok {
		if e.kind() != kind {
			return nil, false, ErrWrongType
		}
		sh.saveKey(key, h) // the caller changes it in place
		return e.agg(), true, nil
	}
	if create == nil {
		return nil, false, nil
	}
	a := create()
	sh.put(key, h, aggEntry(a), nil, t)
	return a, true, nil
}

// commitAgg records an in-place change of the aggregate at key: the
// change in its size, and watchers, when changed is true (writeAgg has
// counted the access). An aggregate left empty is deleted. Call it once
// per change, with the memSize read before the change.
func (sh *shard) commitAgg(key string, h uint64, a aggregate, sizeBefore int64, changed bool) {
	sh.account(a.memSize() - sizeBefore)
	if a.length() == 0 {
		sh.remove(key, h)
		if sh.notes != nil {
			sh.notes.Emptied = true
		}
		return
	}
	if changed {
		sh.touch(key) // writeAgg counted the access
	}
}

// replaceWithAgg stores a new aggregate at key, replacing whatever was
// there (the *STORE commands, SORT ... STORE). An empty a deletes the key
// instead, as Redis does. The TTL of a replaced key is dropped. It reports
// whether the key existed before.
func (sh *shard) replaceWithAgg(key string, h uint64, t *opTime, a aggregate) bool {
	old, exists := sh.current(key, h, t)
	if a == nil || a.length() == 0 {
		if exists {
			sh.remove(key, h)
		}
		return exists
	}
	e := aggEntry(a)
	if exists {
		sh.put(key, h, e, &old, t)
	} else {
		sh.put(key, h, e, nil, t)
	}
	return exists
}
