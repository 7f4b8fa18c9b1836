package store

import (
	"math/rand/v2"
	"slices"
	"strconv"
)

// The set operations, Redis 7.0's t_set.c. Members are handed in as views
// of the caller's buffers (the set copies what it keeps) and handed out as
// strings that never change: a hash table's members are immutable strings
// shared with the set, an intset's are formatted afresh.

func createSetFor(member []byte) func() aggregate {
	return func() aggregate { return newSetFor(viewString(member)) }
}

// SAdd adds members to the set at key, creating it if needed, and returns
// how many were not there already.
func (db *DB) SAdd(key string, members ...[]byte) (int, error) {
	if len(members) == 0 {
		return 0, nil
	}
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, _, err := sh.writeAgg(key, h, &t, KindSet, createSetFor(members[0]))
	if err != nil {
		return 0, err
	}
	s := a.(*set)
	before := s.memSize()
	l := db.store.limits()
	added := 0
	for _, m := range members {
		if s.add(viewString(m), false, l) {
			added++
		}
	}
	sh.commitAgg(key, h, s, before, added > 0)
	return added, nil
}

// SRem removes members from the set at key and returns how many were
// there. The key is deleted when its last member goes.
func (db *DB) SRem(key string, members ...[]byte) (int, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, ok, err := sh.writeAgg(key, h, &t, KindSet, nil)
	if !ok || err != nil {
		return 0, err
	}
	s := a.(*set)
	before := s.memSize()
	removed := 0
	for _, m := range members {
		if s.remove(viewString(m)) {
			removed++
			if s.length() == 0 {
				break
			}
		}
	}
	sh.commitAgg(key, h, s, before, removed > 0)
	return removed, nil
}

// readSet returns the set at key for a read; nil when the key is missing.
func (db *DB) readSet(sh *shard, key string, h uint64, t *opTime) (*set, error) {
	a, ok, err := sh.readAgg(key, h, t, KindSet)
	if !ok || err != nil {
		return nil, err
	}
	return a.(*set), nil
}

// SIsMember reports whether member is in the set at key.
func (db *DB) SIsMember(key string, member []byte) (bool, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	s, err := db.readSet(sh, key, h, &t)
	if s == nil {
		return false, err
	}
	return s.contains(viewString(member)), nil
}

// SMIsMember reports, for each of members, whether it is in the set at
// key. A missing key is an empty set.
func (db *DB) SMIsMember(key string, members ...[]byte) ([]bool, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	s, err := db.readSet(sh, key, h, &t)
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(members))
	if s != nil {
		for i, m := range members {
			out[i] = s.contains(viewString(m))
		}
	}
	return out, nil
}

// SCard returns the number of members of the set at key, 0 if missing.
func (db *DB) SCard(key string) (int, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	s, err := db.readSet(sh, key, h, &t)
	if s == nil {
		return 0, err
	}
	return s.length(), nil
}

// SMembers returns the members of the set at key: an intset's in
// ascending order, as Redis replies them, a hash table's in no particular
// order.
func (db *DB) SMembers(key string) ([]string, error) {
	var out []string
	err := db.SMembersFunc(key, func(n int) { out = make([]string, 0, n) },
		func(m []byte) { out = append(out, string(m)) })
	return out, err
}

// SMembersFunc calls size with the number of members of the set at key,
// then member once for each member, in SMembers's order, all under the
// key's lock: the server writes its reply this way without copying. The
// bytes passed to member are valid only during the call and must not be
// changed. Neither is called when the key is missing.
func (db *DB) SMembersFunc(key string, size func(n int), member func(m []byte)) error {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	s, err := db.readSet(sh, key, h, &t)
	if s == nil {
		return err
	}
	size(s.length())
	var buf [20]byte
	s.each(func(m setMember) bool {
		if m.isInt {
			member(strconv.AppendInt(buf[:0], m.n, 10))
		} else {
			member(viewBytes(m.s))
		}
		return true
	})
	return nil
}

// memberStrings returns the members of s in its iteration order; an
// intset's integers are formatted into one buffer.
func memberStrings(s *set) []string {
	out := make([]string, 0, s.length())
	if !s.isIntset() {
		s.each(func(m setMember) bool { out = append(out, m.s); return true })
		return out
	}
	buf := make([]byte, 0, 8*s.length())
	ends := make([]int, 0, s.length())
	s.each(func(m setMember) bool {
		buf = strconv.AppendInt(buf, m.n, 10)
		ends = append(ends, len(buf))
		return true
	})
	start := 0
	for _, end := range ends {
		out = append(out, viewString(buf[start:end:end]))
		start = end
	}
	return out
}

// The SPOP strategy threshold, Redis's SPOP_MOVE_STRATEGY_MUL: when what
// remains is small next to what is popped, the remaining members are
// moved to a new set instead.
const spopMoveStrategyMul = 5

// SPop removes up to count random members from the set at key and returns
// them, as SPOP with a count; the AOF logs them as SREM. As Redis, a count
// at least the set's size pops the whole set (in SUNION's order: ascending
// for integers) and deletes the key. A count of 0 pops nothing but still
// fails on a key of another kind.
func (db *DB) SPop(key string, count int) ([]string, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, ok, err := sh.writeAgg(key, h, &t, KindSet, nil)
	if !ok || err != nil || count <= 0 {
		return nil, err
	}
	s := a.(*set)
	before := s.memSize()
	l := db.store.limits()
	size := s.length()
	var out []string
	switch remaining := size - count; {
	case remaining <= 0:
		// spopWithCountCommand replies with sunionDiffGenericCommand of
		// the one set: in the order of a union built from an intset.
		if !s.isIntset() && s.length() <= maxIntsetLen(l) {
			out = memberStrings(unionOf([]*set{s}, l))
		} else {
			out = memberStrings(s)
		}
		s.is, s.ht = intsetEmpty(), nil
	case remaining*spopMoveStrategyMul > count:
		out = make([]string, 0, count)
		for range count {
			m := s.random()
			out = append(out, m.String())
			m.removeFrom(s)
		}
	default:
		// Move the members that stay to a new set, created as
		// setTypeCreate does for the first of them, and pop what is
		// left of the old one.
		var kept *set
		for range remaining {
			m := s.random()
			str := m.String()
			if kept == nil {
				kept = newSetFor(str)
			}
			kept.add(str, true, l)
			m.removeFrom(s)
		}
		out = memberStrings(s)
		*s = *kept
	}
	sh.commitAgg(key, h, s, before, true)
	return out, nil
}

// intsetEmpty is the contents of a set emptied in place, about to be
// deleted by commitAgg.
func intsetEmpty() []byte { return newIntsetSet().is }

// The SRANDMEMBER strategy threshold, Redis's SRANDMEMBER_SUB_STRATEGY_MUL.
const srandmemberSubStrategyMul = 3

// SRandMember returns random members of the set at key, as SRANDMEMBER
// with a count: a positive count gives distinct members, at most the whole
// set (in its iteration order, ascending for an intset, when count covers
// it); a negative count gives -count members that may repeat. A missing
// key gives none.
func (db *DB) SRandMember(key string, count int) ([]string, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	s, err := db.readSet(sh, key, h, &t)
	if s == nil || count == 0 {
		return nil, err
	}
	size := s.length()
	if count < 0 || count == 1 {
		n := count
		if n < 0 {
			n = -n
		}
		// Room for a reasonable count only: a huge one grows as it goes,
		// as Redis's reply does.
		out := make([]string, 0, min(n, 1<<16))
		for range n {
			out = append(out, s.random().String())
		}
		return out, nil
	}
	if count >= size {
		return memberStrings(s), nil
	}
	// Redis picks the members through a temporary dict and replies in its
	// order: random either way. Few members: sample without repeats.
	// Many: drop random members from a copy of all of them.
	if count*srandmemberSubStrategyMul > size {
		all := memberStrings(s)
		rand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		return all[:count:count], nil
	}
	seen := make(map[string]struct{}, count)
	out := make([]string, 0, count)
	for len(out) < count {
		m := s.random().String()
		if _, dup := seen[m]; !dup {
			seen[m] = struct{}{}
			out = append(out, m)
		}
	}
	return out, nil
}

// SMove moves member from the set at src to the set at dst, atomically, as
// SMOVE: false when src is missing or lacks member. dst is created when
// missing; either key holding another kind fails with ErrWrongType (unless
// src is missing, which Redis checks first). When src and dst are the same
// key it only reports whether member is there.
func (db *DB) SMove(src, dst string, member []byte) (bool, error) {
	return db.SMoveFunc(src, dst, member, nil)
}

// SMoveFunc is SMove telling report what happened, in Redis's order, while
// the keys' shards are held (so report must not call the store): first the
// removal from src (srcGone: src was left empty and deleted), then, if the
// member was not in dst already, its addition (added). A move that does
// not happen reports nothing.
func (db *DB) SMoveFunc(src, dst string, member []byte, report func(srcGone, added bool, step int)) (bool, error) {
	var room keyRoom
	keys := [2]string{src, dst}
	hashes, order := db.lockKeys(keys[:], &room)
	defer db.unlockShards(order)
	t := db.newOpTime()
	ssh, dsh := db.shardOf(hashes[0]), db.shardOf(hashes[1])
	sa, ok, err := ssh.writeAgg(src, hashes[0], &t, KindSet, nil)
	if !ok && err == nil {
		return false, nil
	}
	if _, _, derr := dsh.peekAgg(dst, hashes[1], &t, KindSet); err != nil || derr != nil {
		return false, ErrWrongType
	}
	m := viewString(member)
	s := sa.(*set)
	if src == dst {
		return s.contains(m), nil
	}
	before := s.memSize()
	if !s.remove(m) {
		return false, nil
	}
	ssh.commitAgg(src, hashes[0], s, before, true)
	if report != nil {
		report(s.length() == 0, false, 0)
	}
	da, _, _ := dsh.writeAgg(dst, hashes[1], &t, KindSet, createSetFor(member))
	d := da.(*set)
	before = d.memSize()
	added := d.add(m, false, db.store.limits())
	dsh.commitAgg(dst, hashes[1], d, before, added)
	if report != nil && added {
		report(false, true, 1)
	}
	return true, nil
}

// lockedSets locks the shards of keys and looks up the sets of
// keys[skip:] for a read (nil for a missing key), as sinterGenericCommand
// and sunionDiffGenericCommand do: a key of another kind fails the whole
// operation with ErrWrongType, wherever it is in the list. The caller
// calls db.unlockShards(order) even on error.
func (db *DB) lockedSets(keys []string, skip int, room *keyRoom) (sets []*set, order []int, err error) {
	hashes, order := db.lockKeys(keys, room)
	t := db.newOpTime()
	sets = make([]*set, len(keys)-skip)
	for i, k := range keys[skip:] {
		h := hashes[skip+i]
		sets[i], err = db.readSet(db.shardOf(h), k, h, &t)
		if err != nil {
			return nil, order, err
		}
	}
	return sets, order, nil
}

// interOf walks the members of the smallest set that are in every other
// one, as sinterGenericCommand, until fn returns false. No set may be nil.
func interOf(sets []*set, fn func(m setMember) bool) {
	sorted := slices.Clone(sets)
	// Redis qsorts by cardinality; glibc's qsort is a stable merge sort.
	slices.SortStableFunc(sorted, func(a, b *set) int { return a.length() - b.length() })
	first := sorted[0]
	first.each(func(m setMember) bool {
		for _, o := range sorted[1:] {
			if o != first && !m.in(o) {
				return true
			}
		}
		return fn(m)
	})
}

// unionOf builds the union of sets (nil ones are empty) as
// sunionDiffGenericCommand does: into a new intset that converts as it
// grows, so the result's encoding and order are Redis's.
func unionOf(sets []*set, l *EncodingLimits) *set {
	dst := newIntsetSet()
	for _, s := range sets {
		if s == nil {
			continue
		}
		s.each(func(m setMember) bool { m.addTo(dst, l); return true })
	}
	return dst
}

// diffOf builds the members of sets[0] in none of the others, with the
// algorithm sunionDiffGenericCommand would choose: which one decides the
// result's encoding (the second adds every member of the first set before
// removing, so it can convert where the first would not).
func diffOf(sets []*set, l *EncodingLimits) *set {
	dst := newIntsetSet()
	first := sets[0]
	if first == nil {
		return dst
	}
	for _, s := range sets[1:] {
		if s == first {
			return dst // the same key again: the difference is empty
		}
	}
	oneWork, twoWork := 0, 0
	for _, s := range sets {
		if s != nil {
			oneWork += first.length()
			twoWork += s.length()
		}
	}
	if oneWork/2 <= twoWork {
		// Algorithm 1: test each member of the first set against the
		// others, the largest first.
		others := slices.Clone(sets[1:])
		slices.SortStableFunc(others, func(a, b *set) int { return setLen(b) - setLen(a) })
		first.each(func(m setMember) bool {
			for _, o := range others {
				if o != nil && m.in(o) {
					return true
				}
			}
			m.addTo(dst, l)
			return true
		})
		return dst
	}
	// Algorithm 2: add the first set, remove the others.
	n := 0
	for i, s := range sets {
		if s == nil {
			continue
		}
		s.each(func(m setMember) bool {
			if i == 0 {
				if m.addTo(dst, l) {
					n++
				}
			} else if m.removeFrom(dst) {
				n--
			}
			return true
		})
		if n == 0 {
			break
		}
	}
	return dst
}

func setLen(s *set) int {
	if s == nil {
		return 0
	}
	return s.length()
}

// SInter returns the members common to the sets at keys (a missing key is
// an empty set), in the order Redis replies them: the smallest set's.
func (db *DB) SInter(keys ...string) ([]string, error) {
	var room keyRoom
	sets, order, err := db.lockedSets(keys, 0, &room)
	defer db.unlockShards(order)
	if err != nil || slices.Contains(sets, nil) {
		return nil, err
	}
	var out []string
	interOf(sets, func(m setMember) bool { out = append(out, m.String()); return true })
	return out, nil
}

// SInterCard returns the number of members common to the sets at keys,
// counting no further than limit when limit is positive, as SINTERCARD.
func (db *DB) SInterCard(keys []string, limit int) (int, error) {
	var room keyRoom
	sets, order, err := db.lockedSets(keys, 0, &room)
	defer db.unlockShards(order)
	if err != nil || slices.Contains(sets, nil) {
		return 0, err
	}
	n := 0
	interOf(sets, func(setMember) bool {
		n++
		return limit <= 0 || n < limit
	})
	return n, nil
}

// SUnion returns the members of any of the sets at keys: ascending while
// they are all integers and few enough for an intset, as Redis.
func (db *DB) SUnion(keys ...string) ([]string, error) {
	var room keyRoom
	sets, order, err := db.lockedSets(keys, 0, &room)
	defer db.unlockShards(order)
	if err != nil {
		return nil, err
	}
	return memberStrings(unionOf(sets, db.store.limits())), nil
}

// SDiff returns the members of the set at keys[0] in none of the others.
func (db *DB) SDiff(keys ...string) ([]string, error) {
	var room keyRoom
	sets, order, err := db.lockedSets(keys, 0, &room)
	defer db.unlockShards(order)
	if err != nil {
		return nil, err
	}
	return memberStrings(diffOf(sets, db.store.limits())), nil
}

// store locks dst with keys, computes a result from their sets and stores
// it at dst, replacing any value of any kind (its TTL goes too); an empty
// result deletes dst. It returns the result's size.
func (db *DB) storeSetResult(dst string, keys []string, compute func(sets []*set, l *EncodingLimits) *set) (int, error) {
	var room keyRoom
	sets, order, err := db.lockedSets(append([]string{dst}, keys...), 1, &room)
	defer db.unlockShards(order)
	if err != nil {
		return 0, err
	}
	res := compute(sets, db.store.limits())
	h := db.store.hash(dst)
	t := db.newOpTime()
	if res.length() == 0 {
		db.shardOf(h).replaceWithAgg(dst, h, &t, nil)
		return 0, nil
	}
	db.shardOf(h).replaceWithAgg(dst, h, &t, res)
	return res.length(), nil
}

// SInterStore stores the intersection of the sets at keys at dst, as
// SINTERSTORE, and returns its size. The result starts as an intset, so it
// is one whenever its members allow, whatever the sources' encodings.
func (db *DB) SInterStore(dst string, keys ...string) (int, error) {
	return db.storeSetResult(dst, keys, func(sets []*set, l *EncodingLimits) *set {
		res := newIntsetSet()
		if !slices.Contains(sets, nil) {
			interOf(sets, func(m setMember) bool { m.addTo(res, l); return true })
		}
		return res
	})
}

// SUnionStore stores the union of the sets at keys at dst, as SUNIONSTORE.
func (db *DB) SUnionStore(dst string, keys ...string) (int, error) {
	return db.storeSetResult(dst, keys, unionOf)
}

// SDiffStore stores the difference of the sets at keys at dst, as
// SDIFFSTORE.
func (db *DB) SDiffStore(dst string, keys ...string) (int, error) {
	return db.storeSetResult(dst, keys, diffOf)
}

// SScan returns members of the set at key from cursor on that match the
// glob pattern match ("*" matches all), with the next cursor, 0 when done.
// As Redis: an intset answers everything at once with cursor 0; a hash
// table visits about count members per call, with Redis's guarantee that
// a member present throughout a full iteration is returned at least once.
func (db *DB) SScan(key string, cursor uint64, match string, count int) (uint64, []string, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	s, err := db.readSet(sh, key, h, &t)
	if s == nil {
		return 0, nil, err
	}
	var out []string
	if s.isIntset() {
		out = memberStrings(s)
		cursor = 0
	} else {
		// As scanGenericCommand: at most ten times count buckets, so that
		// a sparse table does not block for long.
		for iterations := count * 10; ; {
			cursor = s.ht.Scan(cursor, func(k string, _ struct{}) { out = append(out, k) })
			iterations--
			if cursor == 0 || iterations <= 0 || len(out) >= count {
				break
			}
		}
	}
	if match != "*" {
		kept := out[:0]
		for _, m := range out {
			if Match(match, m, false) {
				kept = append(kept, m)
			}
		}
		out = kept
	}
	return cursor, out, nil
}
