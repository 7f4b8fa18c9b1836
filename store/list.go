package store

import (
	"strconv"

	"github.com/emberkv/ember/internal/quicklist"
)

// listValue is a list: always a quicklist, whose OBJECT ENCODING is
// "quicklist" at any size, as in Redis 7.0 (7.2 added a listpack encoding
// for small lists).
type listValue struct {
	ql *quicklist.List
}

func (l *listValue) memSize() int64   { return l.ql.MemSize() + 8 }
func (l *listValue) length() int      { return l.ql.Len() }
func (l *listValue) encoding() string { return "quicklist" }
func (l *listValue) clone() aggregate { return &listValue{ql: l.ql.Clone()} }
func (db *DB) newList() func() aggregate {
	return func() aggregate {
		// As Redis: a list keeps the list-max-listpack-size it was made with.
		return &listValue{ql: quicklist.New(db.store.limits().ListMaxListpackSize)}
	}
}

// ListEnd names an end of a list: the LEFT (head) or RIGHT (tail) of LMOVE
// and LMPOP.
type ListEnd uint8

const (
	ListLeft  ListEnd = iota // the head, where LPUSH adds and LPOP takes
	ListRight                // the tail, where RPUSH adds and RPOP takes
)

// LPush adds vals at the head of the list at key, one after the other (so
// the last ends up first), creating the list if needed. It returns the
// list's new length.
func (db *DB) LPush(key string, vals ...[]byte) (int, error) {
	return db.push(key, ListLeft, true, vals)
}

// RPush adds vals at the tail of the list at key, creating the list if
// needed. It returns the list's new length.
func (db *DB) RPush(key string, vals ...[]byte) (int, error) {
	return db.push(key, ListRight, true, vals)
}

// LPushX is LPush only when the list exists; it returns 0 otherwise.
func (db *DB) LPushX(key string, vals ...[]byte) (int, error) {
	return db.push(key, ListLeft, false, vals)
}

// RPushX is RPush only when the list exists; it returns 0 otherwise.
func (db *DB) RPushX(key string, vals ...[]byte) (int, error) {
	return db.push(key, ListRight, false, vals)
}

func (db *DB) push(key string, end ListEnd, create bool, vals [][]byte) (int, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	var mk func() aggregate
	if create {
		mk = db.newList()
	}
	a, ok, err := sh.writeAgg(key, h, &t, KindList, mk)
	if err != nil || !ok {
		return 0, err
	}
	l := a.(*listValue)
	before := a.memSize()
	for _, v := range vals {
		pushEnd(l.ql, end, v)
	}
	n := l.ql.Len()
	sh.commitAgg(key, h, a, before, len(vals) > 0)
	return n, nil
}

func pushEnd(ql *quicklist.List, end ListEnd, v []byte) {
	if end == ListLeft {
		ql.PushHead(v)
	} else {
		ql.PushTail(v)
	}
}

// LPop removes up to count elements from the head of the list at key and
// returns copies of them, head first. It returns nil when the key does not
// exist, and an empty non-nil slice for a count of 0 on an existing list
// (LPOP key 0 answers an empty array, LPOP missing 0 a null one).
func (db *DB) LPop(key string, count int) ([][]byte, error) {
	return db.pop(key, ListLeft, count)
}

// RPop removes up to count elements from the tail of the list at key and
// returns copies of them, tail first; see LPop.
func (db *DB) RPop(key string, count int) ([][]byte, error) {
	return db.pop(key, ListRight, count)
}

func (db *DB) pop(key string, end ListEnd, count int) ([][]byte, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	return db.popLocked(sh, h, key, end, count, &t)
}

func (db *DB) popLocked(sh *shard, h uint64, key string, end ListEnd, count int, t *opTime) ([][]byte, error) {
	a, ok, err := sh.writeAgg(key, h, t, KindList, nil)
	if err != nil || !ok {
		return nil, err
	}
	if count <= 0 {
		return [][]byte{}, nil
	}
	l := a.(*listValue)
	before := a.memSize()
	out := popN(l.ql, end, count)
	sh.commitAgg(key, h, a, before, true)
	return out, nil
}

// PopFunc pops up to count elements from one end of the list at key, as
// LPOP and RPOP do, handing them to fn one by one while the shard is held:
// the server writes its reply from them without a copy. header gets the
// number of elements first. found is false when the key does not exist;
// a count of 0 pops nothing from a list that does. The value fn gets is
// valid only during the call.
func (db *DB) PopFunc(key string, end ListEnd, count int, header func(n int), fn func(v []byte)) (found bool, err error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, ok, err := sh.writeAgg(key, h, &t, KindList, nil)
	if err != nil || !ok {
		return false, err
	}
	ql := a.(*listValue).ql
	count = min(max(count, 0), ql.Len())
	header(count)
	if count == 0 {
		return true, nil
	}
	before := a.memSize()
	for range count {
		if end == ListLeft {
			sh.scratch, _ = ql.PopHead(sh.scratch[:0])
		} else {
			sh.scratch, _ = ql.PopTail(sh.scratch[:0])
		}
		fn(sh.scratch)
	}
	if cap(sh.scratch) > 64*1024 {
		sh.scratch = nil // let a big element's buffer go
	}
	sh.commitAgg(key, h, a, before, true)
	return true, nil
}

// popN pops up to count elements from one end into one buffer: two
// allocations however many there are.
func popN(ql *quicklist.List, end ListEnd, count int) [][]byte {
	count = min(count, ql.Len())
	out := make([][]byte, count)
	var buf []byte
	ends := make([]int, count)
	for i := range count {
		if end == ListLeft {
			buf, _ = ql.PopHead(buf)
		} else {
			buf, _ = ql.PopTail(buf)
		}
		ends[i] = len(buf)
	}
	start := 0
	for i, e := range ends {
		out[i] = nonNil(buf[start:e:e])
		start = e
	}
	return out
}

// LLen returns the length of the list at key, 0 when it does not exist.
func (db *DB) LLen(key string) (int, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, ok, err := sh.readAgg(key, h, &t, KindList)
	if err != nil || !ok {
		return 0, err
	}
	return a.length(), nil
}

// listRange clamps start and stop (inclusive, negative from the tail) to a
// list of n elements as Redis's addListRangeReply does; empty is true when
// nothing is in range.
func listRange(start, stop int64, n int) (from, to int, empty bool) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if stop < 0 {
		stop += ln
	}
	start = max(start, 0)
	if start > stop || start >= ln {
		return 0, 0, true
	}
	stop = min(stop, ln-1)
	return int(start), int(stop), false
}

// LRange returns copies of the elements of the list at key from start to
// stop, inclusive, negative indexes counting from the tail (-1 the last).
func (db *DB) LRange(key string, start, stop int64) ([][]byte, error) {
	var out [][]byte
	var buf []byte
	var ends []int
	err := db.LRangeFunc(key, start, stop, func(n int) {
		out, ends = make([][]byte, 0, n), make([]int, 0, n)
	}, func(v []byte) {
		buf = append(buf, v...)
		ends = append(ends, len(buf))
	})
	s := 0
	for _, e := range ends {
		out = append(out, nonNil(buf[s:e:e]))
		s = e
	}
	if out == nil {
		out = [][]byte{}
	}
	return out, err
}

// LRangeFunc is LRange for a caller that writes the elements out as they
// come, under the lock: header gets the number of elements in range, then
// fn each element in order. v is valid only during the call to fn. With a
// missing key, header gets 0; on ErrWrongType neither is called.
func (db *DB) LRangeFunc(key string, start, stop int64, header func(n int), fn func(v []byte)) error {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, ok, err := sh.readAgg(key, h, &t, KindList)
	if err != nil {
		return err
	}
	if !ok {
		header(0)
		return nil
	}
	ql := a.(*listValue).ql
	from, to, empty := listRange(start, stop, ql.Len())
	if empty {
		header(0)
		return nil
	}
	header(to - from + 1)
	// Integers are formatted into the shard's scratch (held with the
	// lock): a buffer on the stack would escape through fn.
	it := ql.IterAt(from, true)
	for i := from; i <= to && it.Next(); i++ {
		s, n, isInt := it.Value()
		if isInt {
			sh.scratch = strconv.AppendInt(sh.scratch[:0], n, 10)
			s = sh.scratch
		}
		fn(s)
	}
	return nil
}

// iterValue returns the iterator's element as bytes: a view of the list,
// or an integer formatted into scratch.
func iterValue(it *quicklist.Iter, scratch []byte) []byte {
	s, n, isInt := it.Value()
	if isInt {
		return strconv.AppendInt(scratch, n, 10)
	}
	return s
}

// LIndex returns a copy of element i (negative from the tail) of the list
// at key; ok is false when the key or the element does not exist.
func (db *DB) LIndex(key string, i int64) ([]byte, bool, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, ok, err := sh.readAgg(key, h, &t, KindList)
	if err != nil || !ok {
		return nil, false, err
	}
	ql := a.(*listValue).ql
	if i < -int64(ql.Len()) || i >= int64(ql.Len()) {
		return nil, false, nil
	}
	v, ok := ql.Index(nil, int(i))
	return nonNil(v), ok, nil
}

// LSet sets element i (negative from the tail) of the list at key to v. It
// returns ErrNoSuchKey when the key does not exist and ErrIndexOutOfRange
// when the element does not.
func (db *DB) LSet(key string, i int64, v []byte) error {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, ok, err := sh.writeAgg(key, h, &t, KindList, nil)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNoSuchKey
	}
	ql := a.(*listValue).ql
	if i < -int64(ql.Len()) || i >= int64(ql.Len()) {
		return ErrIndexOutOfRange
	}
	before := a.memSize()
	ql.Replace(int(i), v)
	sh.commitAgg(key, h, a, before, true)
	return nil
}

// LInsert adds v before (or, with after, after) the first element equal
// to pivot, searching from the head. It returns the new length, -1 when
// no element equals pivot, 0 when the key does not exist.
func (db *DB) LInsert(key string, after bool, pivot, v []byte) (int, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, ok, err := sh.writeAgg(key, h, &t, KindList, nil)
	if err != nil || !ok {
		return 0, err
	}
	ql := a.(*listValue).ql
	before := a.memSize()
	for it := ql.IterAt(0, true); it.Next(); {
		if it.Equal(pivot) {
			it.Insert(v, after)
			sh.commitAgg(key, h, a, before, true)
			return ql.Len(), nil
		}
	}
	return -1, nil
}

// LRem removes elements equal to v from the list at key: the first count
// from the head when count > 0, the last -count from the tail when count
// < 0, all of them when count is 0. It returns how many went.
func (db *DB) LRem(key string, count int64, v []byte) (int, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, ok, err := sh.writeAgg(key, h, &t, KindList, nil)
	if err != nil || !ok {
		return 0, err
	}
	ql := a.(*listValue).ql
	before := a.memSize()
	it := ql.IterAt(0, true)
	if count < 0 {
		// -count overflows for the most negative count; as uint64 it is
		// still the right (huge) bound.
		it = ql.IterAt(-1, false)
	}
	limit := uint64(count)
	if count < 0 {
		limit = -uint64(count)
	}
	removed := uint64(0)
	for it.Next() {
		if it.Equal(v) {
			it.Delete()
			removed++
			if removed == limit {
				break
			}
		}
	}
	sh.commitAgg(key, h, a, before, removed > 0)
	return int(removed), nil
}

// LTrim keeps only the elements from start to stop (inclusive, negative
// from the tail) of the list at key; a range with nothing in it deletes
// the key. A missing key is no error.
func (db *DB) LTrim(key string, start, stop int64) error {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, ok, err := sh.writeAgg(key, h, &t, KindList, nil)
	if err != nil || !ok {
		return err
	}
	ql := a.(*listValue).ql
	before := a.memSize()
	n := ql.Len()
	from, to, empty := listRange(start, stop, n)
	left, right := from, n-to-1
	if empty {
		left, right = n, 0
	}
	ql.DelRange(0, left)
	ql.DelRange(-right, right)
	// As Redis: LTRIM always signals the key as modified.
	sh.commitAgg(key, h, a, before, true)
	sh.countElements(left + right)
	return nil
}

// LPosOptions are LPOS's options, Redis's defaults when zero: Rank 1 (the
// first match; negative searches from the tail), Count 0 (every match),
// MaxLen 0 (the whole list).
type LPosOptions struct {
	Rank   int64
	Count  int64
	MaxLen int64
}

// LPos returns the indexes (counted from the head) of elements equal to v
// in the list at key, as LPOS does: skipping the first |Rank|-1 matches,
// at most Count of them, looking at no more than MaxLen elements. It
// returns nil when the key does not exist. A caller without COUNT passes
// Count 1 and reads the first index, if any.
func (db *DB) LPos(key string, v []byte, opt LPosOptions) ([]int64, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, ok, err := sh.readAgg(key, h, &t, KindList)
	if err != nil || !ok {
		return nil, err
	}
	ql := a.(*listValue).ql
	rank, forward := opt.Rank, true
	if rank == 0 {
		rank = 1
	}
	if rank < 0 {
		// As Redis, -rank of the most negative rank stays negative, and
		// then every match qualifies.
		rank, forward = -rank, false
	}
	start := 0
	if !forward {
		start = -1
	}
	n := int64(ql.Len())
	out := []int64{}
	var index, matches int64
	for it := ql.IterAt(start, forward); it.Next() && (opt.MaxLen == 0 || index < opt.MaxLen); index++ {
		if !it.Equal(v) {
			continue
		}
		matches++
		if matches >= rank {
			pos := index
			if !forward {
				pos = n - index - 1
			}
			out = append(out, pos)
			if opt.Count != 0 && matches-rank+1 >= opt.Count {
				break
			}
		}
	}
	return out, nil
}

// LMove pops an element from one end of the list at src and pushes it at
// one end of the list at dst, atomically, creating dst if needed; src and
// dst may be the same list (a rotation). It returns a copy of the element;
// ok is false when src does not exist. ErrWrongType when either key holds
// another type, and then nothing changes.
func (db *DB) LMove(src, dst string, from, to ListEnd) ([]byte, bool, error) {
	ss, hs, ds, hd, unlock := lockPair(db, src, db, dst)
	defer unlock()
	t := db.newOpTime()
	return db.lmoveLocked(ss, hs, src, ds, hd, dst, from, to, &t)
}

func (db *DB) lmoveLocked(ss *shard, hs uint64, src string, ds *shard, hd uint64, dst string, from, to ListEnd, t *opTime) ([]byte, bool, error) {
	sa, ok, err := ss.writeAgg(src, hs, t, KindList, nil)
	if err != nil || !ok {
		return nil, false, err
	}
	// As Redis: the destination's type is checked before anything pops.
	if _, _, err := ds.peekAgg(dst, hd, t, KindList); err != nil {
		return nil, false, err
	}
	sl := sa.(*listValue)
	sBefore := sa.memSize()
	var v []byte
	if from == ListLeft {
		v, _ = sl.ql.PopHead(nil)
	} else {
		v, _ = sl.ql.PopTail(nil)
	}
	v = nonNil(v)
	if src == dst {
		pushEnd(sl.ql, to, v)
		ss.commitAgg(src, hs, sa, sBefore, true)
		return v, true, nil
	}
	da, _, _ := ds.writeAgg(dst, hd, t, KindList, db.newList())
	dBefore := da.memSize()
	pushEnd(da.(*listValue).ql, to, v)
	ds.commitAgg(dst, hd, da, dBefore, true)
	ss.commitAgg(src, hs, sa, sBefore, true)
	return v, true, nil
}

// LMPop pops up to count elements from one end of the first non-empty list
// among keys, as LMPOP does, and returns that key with copies of the
// elements. vals is nil when every key is missing. A key of another type
// before the first list found gives ErrWrongType.
func (db *DB) LMPop(keys []string, from ListEnd, count int) (key string, vals [][]byte, err error) {
	var room keyRoom
	hashes, order := db.lockKeys(keys, &room)
	defer db.unlockShards(order)
	t := db.newOpTime()
	for i, k := range keys {
		sh := db.shardOf(hashes[i])
		if _, ok, err := sh.peekAgg(k, hashes[i], &t, KindList); err != nil {
			return "", nil, err
		} else if !ok {
			continue
		}
		vals, err := db.popLocked(sh, hashes[i], k, from, max(count, 1), &t)
		return k, vals, err
	}
	return "", nil, nil
}
