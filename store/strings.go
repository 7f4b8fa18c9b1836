package store

import (
	"math/big"
	"strconv"
	"unsafe"

	"github.com/emberkv/ember/internal/redisnum"
)

// MaxStringSize is Redis's proto-max-bulk-len default: no string may grow
// beyond it by APPEND, SETRANGE, SETBIT or BITFIELD unless
// Store.SetMaxStringSize changes the limit.
const MaxStringSize = 512 * 1024 * 1024

// Get returns the string at key. ok is false when the key does not exist.
func (db *DB) Get(key string) (val []byte, ok bool, err error) {
	return db.GetInto(key, nil)
}

// GetInto is Get for a caller with room of its own: a value that fits in
// buf's capacity is copied there under the lock and returned in buf, and
// the store's bytes are not lent, so a counter stays writable in place
// (IncrBy); a longer value is a view, as Get returns it. buf's room may
// be reused once the caller is done with the value.
func (db *DB) GetInto(key string, buf []byte) (val []byte, ok bool, err error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	e, ok := sh.lookup(key, h, &t)
	if !ok {
		return nil, false, nil
	}
	if e.kind() != KindString {
		return nil, false, ErrWrongType
	}
	if b := e.str(); cap(buf) > 0 && len(b) <= cap(buf) {
		return append(buf[:0], b...), true, nil
	}
	sh.lend(key, &e)
	return capped(e.str()), true, nil
}

// capped limits a value handed out to its length: a value built by APPEND
// has spare capacity that a later APPEND fills in place, and a caller who
// appended to the slice it was given would otherwise write into it.
func capped(b []byte) []byte { return b[:len(b):len(b)] }

// SetMode is the condition of a SET.
type SetMode uint8

const (
	SetAlways SetMode = iota
	SetNX             // only if the key does not exist
	SetXX             // only if the key exists
)

// SetOptions are SET's options. ExpireAt is an absolute time in Unix
// milliseconds; zero means the key will have no TTL unless KeepTTL is set.
type SetOptions struct {
	Mode     SetMode
	ExpireAt int64
	KeepTTL  bool
	Get      bool // the caller wants the old value: it must be a string
	// Owned hands val over: the store keeps it as it is instead of a
	// copy, and the caller must never use or change it again (the server
	// gives a big argument it read into a buffer of its own).
	Owned bool
}

// SetResult tells what a Set did.
type SetResult struct {
	Old     []byte // the previous value, when Get was asked and there was one
	HadOld  bool
	Written bool
}

// Set stores a copy of val at key, as SET does.
func (db *DB) Set(key string, val []byte, opt SetOptions) (SetResult, error) {
	// The store keeps its own copy (callers, the server among them, pass
	// views of buffers they reuse), made before the lock: allocating may
	// make this goroutine help the collector mark, or wait for it when
	// the heap is at its goal, which under the lock would stall every
	// reader of the shard (128 KiB values overwritten on a big heap).
	if !opt.Owned {
		val = own(val)
	}
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	return db.setLocked(sh, h, key, val, opt)
}

// setLocked sets key to val, a copy the store may keep.
func (db *DB) setLocked(sh *shard, h uint64, key string, val []byte, opt SetOptions) (SetResult, error) {
	t := db.newOpTime()
	var res SetResult
	cur, exists := sh.current(key, h, &t)
	if opt.Get && exists {
		if cur.kind() != KindString {
			return res, ErrWrongType
		}
		res.Old, res.HadOld = capped(cur.str()), true
		sh.lend(key, &cur) // NX with GET may keep the value it answers
	}
	if (opt.Mode == SetNX && exists) || (opt.Mode == SetXX && !exists) {
		return res, nil
	}
	// A small value is the store's alone (see flagOwned), so that the
	// next SET of one as long may write over it.
	var flags uint32
	if len(val) <= overwriteMax {
		flags = flagOwned
	}
	e := stringEntry(val, flags)
	e.expireAt = opt.ExpireAt
	if opt.KeepTTL && exists {
		e.expireAt = cur.expireAt
	}
	res.Written = true
	// A time already past (SET ... PXAT in the past) stores the key all
	// the same, as Redis: it is gone for every reader, and reclaimed (and
	// reported expired) when next touched or swept.
	if !exists {
		sh.put(key, h, e, nil, &t)
		return res, nil
	}
	sh.initAccess(&e, &cur, &t)
	if overwritable(&cur, &e, len(val)) {
		// The new bytes go over the old ones, and the stored entry stays
		// as it is: storing it again costs the LRU's map lookup and the
		// move to the front of its list (cache misses on the neighbours),
		// a tenth of SET's time at -P 16 on 100k keys. The move is
		// skipped only when the access data is unchanged (the same
		// second), as a read skips it (touchAccess).
		sh.saveKey(key, h)
		copy(cur.str(), val)
		sh.touch(key)
		return res, nil
	}
	sh.putWithAccess(key, h, e, &cur)
	return res, nil
}

// overwriteMax is the longest value a SET writes over the old one's bytes
// in place. Past it, the second copy costs more than storing the entry.
const overwriteMax = 512

// overwritable reports whether SET may write n bytes over cur's string in
// place instead of storing e: cur is the store's alone, as long and not
// longer than overwriteMax, unboxed and with no flags e lacks, and e
// changes neither its TTL nor its access data.
func overwritable(cur, e *entry, n int) bool {
	return cur.kind() == KindString && cur.writableAs(0) && !cur.has(flagBoxed) &&
		n <= overwriteMax && len(cur.str()) == n &&
		cur.expireAt == e.expireAt && cur.access() == e.access()
}

// own copies a value the store is about to keep, exactly sized, and never
// nil (an empty string is a value, not an absence).
func own(val []byte) []byte {
	b := make([]byte, len(val))
	copy(b, val)
	return b
}

// ownAll copies every value, as own, into dst (before a lock, as Set).
func ownAll(vals [][]byte, dst [][]byte) [][]byte {
	for _, v := range vals {
		dst = append(dst, own(v))
	}
	return dst
}

// multiKeyRoom is how many keys MGET, MSET and MSETNX lock with arrays on
// the stack; more keys cost two allocations.
const multiKeyRoom = 16

// MSet sets keys[i] to vals[i] for every i, atomically, as MSET does; a key
// named twice gets its last value.
func (db *DB) MSet(keys []string, vals [][]byte) { db.MSetFunc(keys, vals, nil) }

// MSetFunc is MSet that calls set(i) right after it stores keys[i], while
// the keys' shards are held (so set must not call the store): keyspace
// notifications report each key in turn, as Redis's MSET.
func (db *DB) MSetFunc(keys []string, vals [][]byte, set func(i int)) {
	vals = ownAll(vals, make([][]byte, 0, multiKeyRoom))
	var room keyRoom
	hashes, order := db.lockKeys(keys, &room)
	defer db.unlockShards(order)
	for i, k := range keys {
		db.setLocked(db.shardOf(hashes[i]), hashes[i], k, vals[i], SetOptions{})
		if set != nil {
			set(i)
		}
	}
}

// MSetNX sets every pair only if none of the keys exists, atomically.
func (db *DB) MSetNX(keys []string, vals [][]byte) bool { return db.MSetNXFunc(keys, vals, nil) }

// MSetNXFunc is MSetNX calling set(i) as MSetFunc does.
func (db *DB) MSetNXFunc(keys []string, vals [][]byte, set func(i int)) bool {
	vals = ownAll(vals, make([][]byte, 0, multiKeyRoom))
	var room keyRoom
	hashes, order := db.lockKeys(keys, &room)
	defer db.unlockShards(order)
	t := db.newOpTime()
	for i, k := range keys {
		if _, ok := db.shardOf(hashes[i]).current(k, hashes[i], &t); ok {
			return false
		}
	}
	for i, k := range keys {
		db.setLocked(db.shardOf(hashes[i]), hashes[i], k, vals[i], SetOptions{})
		if set != nil {
			set(i)
		}
	}
	return true
}

// MGet returns the values of keys atomically; a missing key, or one that is
// not a string, gives nil.
func (db *DB) MGet(keys []string) [][]byte {
	return db.AppendMGet(make([][]byte, 0, len(keys)), keys)
}

// AppendMGet is MGet appending the values to dst, for a caller that reuses
// one slice across calls. An empty value is non-nil, so nil always means
// missing.
func (db *DB) AppendMGet(dst [][]byte, keys []string) [][]byte {
	var room keyRoom
	hashes, order := db.lockKeys(keys, &room)
	defer db.unlockShards(order)
	t := db.newOpTime()
	for i, k := range keys {
		sh := db.shardOf(hashes[i])
		e, ok := sh.lookup(k, hashes[i], &t)
		if ok && e.kind() == KindString {
			sh.lend(k, &e)
			dst = append(dst, nonNil(e.str()))
		} else {
			dst = append(dst, nil)
		}
	}
	return dst
}

// emptyValue stands for an empty string where nil would mean "missing".
var emptyValue = []byte{}

// nonNil is capped(b), with an empty value as a non-nil empty slice.
func nonNil(b []byte) []byte {
	if b == nil {
		return emptyValue[:0:0]
	}
	return capped(b)
}

// GetDel returns the string at key and deletes it.
func (db *DB) GetDel(key string) ([]byte, bool, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	e, ok := sh.current(key, h, &t)
	if !ok {
		return nil, false, nil
	}
	if e.kind() != KindString {
		return nil, false, ErrWrongType
	}
	sh.remove(key, h)
	return capped(e.str()), true, nil
}

// GetExOptions say what GETEX does to the TTL: Persist removes it, a
// non-zero ExpireAt (Unix ms) sets it, otherwise it is left alone.
type GetExOptions struct {
	ExpireAt int64
	Persist  bool
}

// GetEx returns the string at key and changes its TTL.
func (db *DB) GetEx(key string, opt GetExOptions) ([]byte, bool, error) {
	v, ok, _, err := db.GetExChange(key, opt)
	return v, ok, err
}

// GetExChange is GetEx that also tells what it did to the key's TTL
// (GETEX ... PERSIST on a key without one changes nothing, and Redis
// reports no event for it).
func (db *DB) GetExChange(key string, opt GetExOptions) (val []byte, ok bool, change TTLChange, err error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	e, ok := sh.lookup(key, h, &t)
	if !ok {
		return nil, false, TTLUnchanged, nil
	}
	if e.kind() != KindString {
		return nil, false, TTLUnchanged, ErrWrongType
	}
	sh.lend(key, &e)
	switch {
	case opt.ExpireAt != 0 && opt.ExpireAt <= t.now():
		sh.remove(key, h)
		change = TTLDeleted
	case opt.ExpireAt != 0:
		ne := e
		ne.expireAt = opt.ExpireAt
		sh.putWithAccess(key, h, ne, &e) // the read above counted the access
		change = TTLSet
	case opt.Persist && e.expireAt != 0:
		ne := e
		ne.expireAt = 0
		sh.putWithAccess(key, h, ne, &e)
		change = TTLRemoved
	}
	return capped(e.str()), true, change, nil
}

// GetStrings returns the strings at keys, nil for a missing key, reading
// them all atomically. It fails with ErrWrongType if any key holds another
// kind of value. LCS reads its two keys with it.
func (db *DB) GetStrings(keys ...string) ([][]byte, error) {
	var room keyRoom
	hashes, order := db.lockKeys(keys, &room)
	defer db.unlockShards(order)
	t := db.newOpTime()
	out := make([][]byte, len(keys))
	for i, k := range keys {
		sh := db.shardOf(hashes[i])
		e, ok := sh.lookup(k, hashes[i], &t)
		if !ok {
			continue
		}
		if e.kind() != KindString {
			return nil, ErrWrongType
		}
		sh.lend(k, &e)
		out[i] = capped(e.str())
	}
	return out, nil
}

// stringFor returns the string at key for a read-modify-write, with
// exists false when there is none. It counts the access, as Redis's
// lookupKeyWrite, even when the command then fails (on the type, say).
func (db *DB) stringFor(sh *shard, h uint64, key string, t *opTime) (entry, bool, error) {
	e, ok := sh.writeLookup(key, h, t)
	if !ok {
		return entry{}, false, nil
	}
	if e.kind() != KindString {
		return entry{}, false, ErrWrongType
	}
	return e, true, nil
}

// replaceString stores a new string value under key, keeping its TTL;
// flags are the new entry's (flagRaw, flagOwned).
func (sh *shard) replaceString(key string, h uint64, t *opTime, cur entry, exists bool, val []byte, flags uint32) {
	e := stringEntry(val, flags)
	e.expireAt = cur.expireAt
	if exists {
		// stringFor counted the access; the new value keeps it, as
		// Redis's dbOverwrite keeps the old object's lru field.
		e.setAccess(cur.access())
		sh.putWithAccess(key, h, e, &cur)
	} else {
		sh.put(key, h, e, nil, t)
	}
}

// IncrBy adds delta to the integer at key (0 if absent), as INCRBY does.
func (db *DB) IncrBy(key string, delta int64) (int64, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	cur, exists, err := db.stringFor(sh, h, key, &t)
	if err != nil {
		return 0, err
	}
	var v int64
	if exists {
		var ok bool
		if v, ok = redisnum.ParseInt(cur.str()); !ok {
			return 0, ErrNotInteger
		}
	}
	if (delta < 0 && v < 0 && delta < minInt64-v) || (delta > 0 && v > 0 && delta > maxInt64-v) {
		return 0, ErrOverflow
	}
	v += delta
	var tmp [20]byte
	digits := strconv.AppendInt(tmp[:0], v, 10)
	if exists && cur.writableAs(0) && len(cur.str()) == len(digits) {
		// A counter no reader holds a view of, of the same number of
		// digits: written over in place, as Redis updates an integer
		// object it alone holds. The stored entry stays as it is
		// (stringFor counted the access), and so does its size.
		sh.saveKey(key, h)
		copy(cur.str(), digits)
		sh.touch(key)
		return v, nil
	}
	// A small result is Redis's shared integer, which costs no
	// allocation, unless the counter is being INCRed already (it holds a
	// shared integer, or its own copy that just changed its number of
	// digits): a counter INCRed twice is likely to be INCRed again, and
	// its own copy is then written over in place. Storing the entry again
	// instead (the LRU's map lookup and the move to the front of its
	// list) was a fifth of INCR's time at -P 16 on 100k counters
	// (docs/benchmarks.md, "Small counters in place"). A counter a reader
	// was lent a view of (MGET, say: the server's GET copies values this
	// short, GetInto) goes back to the shared form.
	if v >= 0 && v < sharedIntegers && !(exists && (cur.owned() || isSharedInt(cur.str()))) {
		sh.replaceString(key, h, &t, cur, exists, formatInt(v), 0)
		return v, nil
	}
	// The store's own copy: the next INCR may write over it.
	sh.replaceString(key, h, &t, cur, exists, append([]byte(nil), digits...), flagOwned)
	return v, nil
}

// smallInts holds the decimal forms of 0..sharedIntegers-1 back to back,
// and smallIntEnd[i] where the form of i ends: INCR on a counter below
// sharedIntegers then allocates nothing, as Redis shares those integers.
// Values are never changed in place, so sharing them is safe.
var smallInts, smallIntEnd = func() ([]byte, []uint32) {
	var digits []byte
	ends := make([]uint32, sharedIntegers)
	for i := range ends {
		digits = strconv.AppendInt(digits, int64(i), 10)
		ends[i] = uint32(len(digits))
	}
	return digits, ends
}()

// formatInt returns the decimal form of v as a value the store may keep.
func formatInt(v int64) []byte {
	if v >= 0 && v < sharedIntegers {
		start := uint32(0)
		if v > 0 {
			start = smallIntEnd[v-1]
		}
		// Capped, so that an APPEND copies instead of writing over the
		// next number.
		return smallInts[start:smallIntEnd[v]:smallIntEnd[v]]
	}
	var tmp [20]byte
	return append([]byte(nil), strconv.AppendInt(tmp[:0], v, 10)...)
}

// isSharedInt reports whether b is one of formatInt's shared integers.
func isSharedInt(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	off := uintptr(unsafe.Pointer(unsafe.SliceData(b))) - uintptr(unsafe.Pointer(unsafe.SliceData(smallInts)))
	return off < uintptr(len(smallInts))
}

const (
	maxInt64 = 1<<63 - 1
	minInt64 = -1 << 63
)

// IncrByFloat adds incr (a decimal string) to the number at key with
// Redis's long double arithmetic, and returns the new value as stored.
// As Redis, it checks the key's type, then its value, then incr.
func (db *DB) IncrByFloat(key string, incr []byte) ([]byte, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	cur, exists, err := db.stringFor(sh, h, key, &t)
	if err != nil {
		return nil, err
	}
	base := new(big.Float)
	if exists {
		var ok bool
		if base, ok = redisnum.ParseLongDouble(cur.str()); !ok {
			return nil, ErrNotFloat
		}
	}
	by, ok := redisnum.ParseLongDouble(incr)
	if !ok {
		return nil, ErrNotFloat
	}
	// An infinite operand makes the sum infinite or NaN (inf + -inf, which
	// big.Float refuses with a panic): Redis rejects both.
	if base.IsInf() || by.IsInf() {
		return nil, ErrNaNOrInf
	}
	sum := redisnum.AddLongDouble(base, by)
	if redisnum.LongDoubleOverflows(sum) {
		return nil, ErrNaNOrInf
	}
	out := []byte(redisnum.FormatLongDouble(sum))
	sh.replaceString(key, h, &t, cur, exists, out, 0)
	return out, nil
}

// Append appends val to the string at key and returns the new length.
func (db *DB) Append(key string, val []byte) (int, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	cur, exists, err := db.stringFor(sh, h, key, &t)
	if err != nil {
		return 0, err
	}
	if int64(len(cur.str()))+int64(len(val)) > db.store.maxStringSize() {
		return 0, ErrTooLarge
	}
	// Bytes past the old length are not visible to anyone holding the old
	// value, so growing in place is safe; the visible bytes never change.
	nv := append(cur.str(), val...)
	if !exists {
		// Never nil, even when empty: nil would read as a missing value.
		nv = append(make([]byte, 0, len(val)), val...)
	}
	sh.replaceString(key, h, &t, cur, exists, nv, flagRaw)
	return len(nv), nil
}

// StrLen returns the length of the string at key, 0 if absent. Unlike
// Get it hands out no view of the bytes, so a bitmap stays writable in
// place (see flagOwned).
func (db *DB) StrLen(key string) (int, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	e, ok := sh.lookup(key, h, &t)
	if !ok {
		return 0, nil
	}
	if e.kind() != KindString {
		return 0, ErrWrongType
	}
	return len(e.str()), nil
}

// GetRange returns the substring between start and end inclusive, with
// negative offsets counting from the end, as GETRANGE does.
func (db *DB) GetRange(key string, start, end int64) ([]byte, error) {
	v, _, err := db.Get(key)
	if err != nil {
		return nil, err
	}
	n := int64(len(v))
	// As Redis: a negative start and end both before the string is empty.
	if start < 0 && end < 0 && start > end {
		return nil, nil
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if end < 0 {
		end = 0
	}
	if end >= n {
		end = n - 1
	}
	if n == 0 || start > end {
		return nil, nil
	}
	return capped(v[start : end+1]), nil
}

// SetRange overwrites the string at key from offset with val, padding with
// zero bytes, and returns the new length.
func (db *DB) SetRange(key string, offset int64, val []byte) (int, error) {
	if offset < 0 {
		return 0, ErrOffsetOutOfRange
	}
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	cur, exists, err := db.stringFor(sh, h, key, &t)
	if err != nil {
		return 0, err
	}
	if len(val) == 0 {
		return len(cur.str()), nil
	}
	// Written so that a huge offset cannot overflow the sum.
	if offset > db.store.maxStringSize()-int64(len(val)) {
		return 0, ErrTooLarge
	}
	size := len(cur.str())
	if need := int(offset) + len(val); need > size {
		size = need
	}
	// Copy on write: readers may still hold the old value.
	nv := make([]byte, size)
	copy(nv, cur.str())
	copy(nv[offset:], val)
	sh.replaceString(key, h, &t, cur, exists, nv, flagRaw)
	return len(nv), nil
}
