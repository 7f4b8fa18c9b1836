package store

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"unsafe"

	"github.com/emberkv/ember/internal/dict"
	"github.com/emberkv/ember/internal/listpack"
	"github.com/emberkv/ember/internal/memsize"
	"github.com/emberkv/ember/internal/redisnum"
)

// hash is the value of a hash key, in one of Redis 7.0's two encodings:
//
//   - "listpack": while it is small (hash-max-listpack-entries pairs, no
//     field or value longer than hash-max-listpack-value bytes), one flat
//     listpack of field, value, field, value... in insertion order, byte
//     for byte Redis's, so that the RDB writer can dump it as it is;
//   - "hashtable": a dict.Dict keyed by field. Each pair is ONE allocation
//     holding the field's bytes followed by the value's: the dict's key is
//     a string viewing the first part, its value a string viewing the rest.
//     The allocation is never written after it is made (an HSET of an
//     existing field replaces the pair), so the views are true immutable
//     strings, and a clone can share them.
//
// As in Redis, a hash converts from listpack to hashtable once and never
// back (t_hash.c hashTypeConvert).
type hash struct {
	lp    []byte // the listpack encoding; nil once converted
	pairs int    // number of pairs in lp: its header stops counting at 65535

	ht       *dict.Dict[string] // the hashtable encoding, nil before
	valBytes int                // what the pairs in ht take beyond their fields (see pairExtra), for memSize
}

// hashOverhead is what a hash costs beyond its encoding: the struct and the
// interface's pointer to it.
const hashOverhead = int64(unsafe.Sizeof(hash{})) + 16

// lpSafetySize is Redis's LISTPACK_MAX_SAFETY_SIZE: a listpack about to grow
// past 1 GB is converted first (lpSafeToAdd).
const lpSafetySize = 1 << 30

func newHash() aggregate { return &hash{lp: listpack.New(0)} }

// pairExtra is what a value adds to its field in the pair's one
// allocation (newPair), by the allocator's size classes; the dict counts
// the field as if alone.
func pairExtra(field, value int) int { return memsize.Alloc(field+value) - memsize.Alloc(field) }

func (h *hash) memSize() int64 {
	if h.ht != nil {
		return hashOverhead + h.ht.MemSize() + int64(h.valBytes)
	}
	return hashOverhead + int64(cap(h.lp))
}

func (h *hash) length() int {
	if h.ht != nil {
		return h.ht.Len()
	}
	return h.pairs
}

func (h *hash) encoding() string {
	if h.ht != nil {
		return "hashtable"
	}
	return "listpack"
}

func (h *hash) clone() aggregate {
	if h.ht != nil {
		// The pairs' memory is never written, so the copy shares it.
		return &hash{ht: h.ht.Clone(), valBytes: h.valBytes}
	}
	return &hash{lp: append([]byte(nil), h.lp...), pairs: h.pairs}
}

// newPair copies field and value into one allocation and returns views of
// its two parts.
func newPair(field, value []byte) (f, v string) {
	buf := make([]byte, len(field)+len(value))
	copy(buf, field)
	copy(buf[len(field):], value)
	s := unsafe.String(unsafe.SliceData(buf), len(buf))
	return s[:len(field)], s[len(field):]
}

// storedBytes views a string the store owns as bytes, for callbacks and copies;
// nobody may write through it.
func storedBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// convert turns the listpack into a hashtable (hashTypeConvertListpack).
func (h *hash) convert() {
	if h.ht != nil {
		return
	}
	d := dict.New[string](h.pairs)
	var fb, vb [20]byte
	for f := listpack.First(h.lp); f >= 0; {
		v := listpack.Next(h.lp, f)
		fk, vk := newPair(lpValue(fb[:0], h.lp, f), lpValue(vb[:0], h.lp, v))
		d.SetOwned(fk, vk)
		h.valBytes += pairExtra(len(fk), len(vk))
		f = listpack.Next(h.lp, v)
	}
	h.ht, h.lp, h.pairs = d, nil, 0
}

// lpValue returns the entry at off as bytes: a view of lp for a string, the
// decimal form in buf for an integer.
func lpValue(buf []byte, lp []byte, off int) []byte {
	s, n, isInt := listpack.Get(lp, off)
	if isInt {
		return strconv.AppendInt(buf, n, 10)
	}
	return s
}

// tryConversion is Redis's hashTypeTryConversion: before HSET, HMSET or
// HSETNX adds anything, a field or value longer than hash-max-listpack-value
// (or a listpack that would pass 1 GB) converts the hash.
func (h *hash) tryConversion(l *EncodingLimits, args [][]byte) {
	if h.ht != nil {
		return
	}
	sum := 0
	for _, a := range args {
		if len(a) > l.HashMaxListpackValue {
			h.convert()
			return
		}
		sum += len(a)
	}
	if len(h.lp)+sum > lpSafetySize {
		h.convert()
		return
	}
	// Room for all the entries at once: appending pair by pair would copy
	// the listpack at every growth, as a Go slice grows by copying where
	// Redis's realloc mostly grows in place, and that garbage stays in a
	// loading server's RSS until the collector runs.
	if h.pairs+len(args)/2 <= l.HashMaxListpackEntries {
		need := 0
		for _, a := range args {
			need += listpack.EntrySize(a)
		}
		h.lp = slices.Grow(h.lp, need)
	}
}

// find returns the offset of field's entry in the listpack, or -1.
func (h *hash) find(field []byte) int {
	return listpack.Find(h.lp, listpack.First(h.lp), field, 1)
}

// set stores value for field and reports whether the field is new, as
// Redis's hashTypeSet: a field or value too long for the listpack converts
// it first (the HINCRBY* path, which skips tryConversion), and a listpack
// holding more than hash-max-listpack-entries pairs after the change is
// converted.
func (h *hash) set(l *EncodingLimits, field, value []byte) bool {
	if h.ht == nil && (len(field) > l.HashMaxListpackValue || len(value) > l.HashMaxListpackValue) {
		h.convert()
	}
	if h.ht != nil {
		// A new allocation for every change: the old pair may still be
		// shared with a clone. The field is stored as a view of the new
		// pair too, so that the old one is no longer referenced.
		fk, vk := newPair(field, value)
		h.valBytes += pairExtra(len(fk), len(vk))
		if old, existed := h.ht.Replace(fk, vk); existed {
			h.valBytes -= pairExtra(len(fk), len(old))
			return false
		}
		h.ht.SetOwned(fk, vk)
		return true
	}
	if f := h.find(field); f >= 0 {
		h.lp = listpack.Replace(h.lp, listpack.Next(h.lp, f), value)
		return false
	}
	h.lp = listpack.Append(h.lp, field)
	h.lp = listpack.Append(h.lp, value)
	h.pairs++
	if h.pairs > l.HashMaxListpackEntries {
		h.convert()
	}
	return true
}

// fieldView views bytes as a string for a lookup that keeps no reference.
func fieldView(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// get calls fn with the value of field, a view valid only during the call.
func (h *hash) get(num *intText, field []byte, fn func(v []byte)) bool {
	if h.ht != nil {
		v, ok := h.ht.Get(fieldView(field))
		if ok {
			fn(storedBytes(v))
		}
		return ok
	}
	f := h.find(field)
	if f < 0 {
		return false
	}
	fn(lpValue(num[1][:0], h.lp, listpack.Next(h.lp, f)))
	return true
}

// appendValue appends the value of field to dst.
func (h *hash) appendValue(dst []byte, field []byte) ([]byte, bool) {
	if h.ht != nil {
		v, ok := h.ht.Get(fieldView(field))
		return append(dst, v...), ok
	}
	f := h.find(field)
	if f < 0 {
		return dst, false
	}
	return listpack.AppendValue(dst, h.lp, listpack.Next(h.lp, f)), true
}

func (h *hash) exists(field []byte) bool {
	if h.ht != nil {
		_, ok := h.ht.Get(fieldView(field))
		return ok
	}
	return h.find(field) >= 0
}

// del removes field and reports whether it was there.
func (h *hash) del(field []byte) bool {
	if h.ht != nil {
		old, ok := h.ht.Delete(fieldView(field))
		if ok {
			h.valBytes -= pairExtra(len(field), len(old))
		}
		return ok
	}
	f := h.find(field)
	if f < 0 {
		return false
	}
	h.lp = listpack.DeleteRange(h.lp, f, 2)
	h.pairs--
	return true
}

// each calls fn for every pair in order (insertion order for a listpack,
// the table's for a hashtable) until it returns false. The views are valid
// only during the call.
func (h *hash) each(num *intText, fn func(field, value []byte) bool) {
	if h.ht != nil {
		for f, v := range h.ht.All() {
			if !fn(storedBytes(f), storedBytes(v)) {
				return
			}
		}
		return
	}
	for f := listpack.First(h.lp); f >= 0; {
		v := listpack.Next(h.lp, f)
		if !fn(lpValue(num[0][:0], h.lp, f), lpValue(num[1][:0], h.lp, v)) {
			return
		}
		f = listpack.Next(h.lp, v)
	}
}

// readHash returns the hash at key for a read, with the shard locked; the
// caller unlocks sh. h is nil when the key does not exist.
func (db *DB) readHash(key string) (sh *shard, h *hash, err error) {
	sh, kh := db.lockKey(key)
	t := db.newOpTime()
	a, ok, err := sh.readAgg(key, kh, &t, KindHash)
	if !ok {
		return sh, nil, err
	}
	return sh, a.(*hash), nil
}

// HSet sets fields to values, given as pairs field, value, field, value...,
// as HSET and HMSET do, and returns how many fields were new. The key is
// created if it does not exist. An odd number of arguments is the caller's
// error (Redis answers it with an arity error): the last one is ignored.
func (db *DB) HSet(key string, pairs ...[]byte) (added int, err error) {
	pairs = pairs[:len(pairs)&^1]
	if len(pairs) == 0 {
		return 0, nil
	}
	sh, kh := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, _, err := sh.writeAgg(key, kh, &t, KindHash, newHash)
	if err != nil {
		return 0, err
	}
	h := a.(*hash)
	before := h.memSize()
	l := db.store.limits()
	h.tryConversion(l, pairs)
	for i := 0; i < len(pairs); i += 2 {
		if h.set(l, pairs[i], pairs[i+1]) {
			added++
		}
	}
	sh.commitAgg(key, kh, h, before, true)
	return added, nil
}

// HSetNX sets field to value only if the field does not exist, and reports
// whether it did. As Redis's HSETNX, the key is created either way: it
// exists afterwards, holding at least this field.
func (db *DB) HSetNX(key string, field, value []byte) (bool, error) {
	sh, kh := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, _, err := sh.writeAgg(key, kh, &t, KindHash, newHash)
	if err != nil {
		return false, err
	}
	h := a.(*hash)
	before := h.memSize()
	set := !h.exists(field)
	if set {
		l := db.store.limits()
		h.tryConversion(l, [][]byte{field, value})
		h.set(l, field, value)
	}
	sh.commitAgg(key, kh, h, before, set)
	return set, nil
}

// HGet returns a copy of the value of field. ok is false when the key or
// the field does not exist.
func (db *DB) HGet(key string, field []byte) (val []byte, ok bool, err error) {
	val, ok, err = db.AppendHGet(nil, key, field)
	if ok && val == nil {
		val = []byte{}
	}
	return val, ok, err
}

// HGetFunc calls fn with the value of field, a view valid only during the
// call, holding the key's shard: the server writes HGET's reply from it
// without a copy. ok is false, and fn is not called, when the key or the
// field does not exist.
func (db *DB) HGetFunc(key string, field []byte, fn func(value []byte)) (ok bool, err error) {
	sh, h, err := db.readHash(key)
	defer db.unlock(sh)
	return h != nil && h.get(&sh.intText, field, fn), err
}

// AppendHGet appends the value of field to dst, for a caller that reuses a
// buffer (the server's HGET, SORT's BY and GET patterns).
func (db *DB) AppendHGet(dst []byte, key string, field []byte) ([]byte, bool, error) {
	sh, h, err := db.readHash(key)
	defer db.unlock(sh)
	if h == nil {
		return dst, false, err
	}
	dst, ok := h.appendValue(dst, field)
	return dst, ok, nil
}

// HMGetFunc calls fn for each of fields in order, with its index, its value
// (a view valid only during the call) and whether it exists, holding the
// key's shard: the server writes HMGET's reply from it without a copy. A
// missing key reads as an empty hash, as in Redis.
func (db *DB) HMGetFunc(key string, fields [][]byte, fn func(i int, value []byte, ok bool)) error {
	sh, h, err := db.readHash(key)
	defer db.unlock(sh)
	if err != nil {
		return err
	}
	for i, f := range fields {
		if h == nil || !h.get(&sh.intText, f, func(v []byte) { fn(i, v, true) }) {
			fn(i, nil, false)
		}
	}
	return nil
}

// HMGet returns copies of the values of fields, nil for a missing one.
func (db *DB) HMGet(key string, fields ...[]byte) ([][]byte, error) {
	out := make([][]byte, len(fields))
	err := db.HMGetFunc(key, fields, func(i int, v []byte, ok bool) {
		if ok {
			out[i] = append([]byte{}, v...)
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// HDel removes fields and returns how many existed. The key is deleted
// with its last field.
func (db *DB) HDel(key string, fields ...[]byte) (int, error) {
	sh, kh := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, ok, err := sh.writeAgg(key, kh, &t, KindHash, nil)
	if !ok {
		return 0, err
	}
	h := a.(*hash)
	before := h.memSize()
	n := 0
	for _, f := range fields {
		if h.del(f) {
			n++
			if h.length() == 0 {
				break // as Redis: the key goes, the rest is not looked at
			}
		}
	}
	sh.commitAgg(key, kh, h, before, n > 0)
	return n, nil
}

// HExists reports whether field exists in the hash at key.
func (db *DB) HExists(key string, field []byte) (bool, error) {
	sh, h, err := db.readHash(key)
	defer db.unlock(sh)
	return h != nil && h.exists(field), err
}

// HLen returns the number of fields, 0 for a missing key.
func (db *DB) HLen(key string) (int, error) {
	sh, h, err := db.readHash(key)
	defer db.unlock(sh)
	if h == nil {
		return 0, err
	}
	return h.length(), nil
}

// HStrLen returns the length of the value of field, 0 if it does not exist.
// An integer kept in a listpack counts its decimal digits, as in Redis.
func (db *DB) HStrLen(key string, field []byte) (int, error) {
	sh, h, err := db.readHash(key)
	defer db.unlock(sh)
	n := 0
	if h != nil {
		h.get(&sh.intText, field, func(v []byte) { n = len(v) })
	}
	return n, err
}

// HGetAllFunc calls start with the number of fields and then fn for each
// field and value (views valid only during the call), holding the key's
// shard: the server writes HGETALL, HKEYS and HVALS from it without a copy.
// ok is false, and neither is called, when the key does not exist.
func (db *DB) HGetAllFunc(key string, start func(n int), fn func(field, value []byte)) (ok bool, err error) {
	sh, h, err := db.readHash(key)
	defer db.unlock(sh)
	if h == nil {
		return false, err
	}
	start(h.length())
	h.each(&sh.intText, func(f, v []byte) bool { fn(f, v); return true })
	return true, nil
}

// HGetAll returns copies of every field and value, as pairs field, value,
// field, value... (insertion order while the hash is a listpack).
func (db *DB) HGetAll(key string) ([][]byte, error) {
	var c pairCopier
	ok, err := db.HGetAllFunc(key, c.start(2), func(f, v []byte) { c.add(f); c.add(v) })
	if !ok {
		return nil, err
	}
	return c.out, nil
}

// HKeys returns every field.
func (db *DB) HKeys(key string) ([]string, error) {
	var out []string
	ok, err := db.HGetAllFunc(key, func(n int) { out = make([]string, 0, n) },
		func(f, _ []byte) { out = append(out, string(f)) })
	if !ok {
		return nil, err
	}
	return out, nil
}

// HVals returns copies of every value.
func (db *DB) HVals(key string) ([][]byte, error) {
	var c pairCopier
	ok, err := db.HGetAllFunc(key, c.start(1), func(_, v []byte) { c.add(v) })
	if !ok {
		return nil, err
	}
	return c.out, nil
}

// pairCopier collects copies of many small values with few allocations: the
// bytes go into shared chunks, and each value is a capped slice of one, so
// that appending to it cannot write over its neighbour.
type pairCopier struct {
	out   [][]byte
	chunk []byte
}

func (c *pairCopier) start(perField int) func(n int) {
	return func(n int) { c.out = make([][]byte, 0, n*perField) }
}

func (c *pairCopier) add(b []byte) {
	if len(c.chunk)+len(b) > cap(c.chunk) {
		// Chunks double from 256 bytes to 64 KB: small replies stay small.
		c.chunk = make([]byte, 0, max(min(2*cap(c.chunk), 64<<10), 256, len(b)))
	}
	at := len(c.chunk)
	c.chunk = append(c.chunk, b...)
	c.out = append(c.out, c.chunk[at:len(c.chunk):len(c.chunk)])
}

// HIncrBy adds delta to the integer value of field (0 if it does not exist)
// and returns the result. It fails with ErrHashNotInteger when the value is
// not an integer, ErrOverflow when the sum would overflow.
func (db *DB) HIncrBy(key string, field []byte, delta int64) (int64, error) {
	sh, kh := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, _, err := sh.writeAgg(key, kh, &t, KindHash, newHash)
	if err != nil {
		return 0, err
	}
	h := a.(*hash)
	before := h.memSize()
	var v int64
	bad := false
	h.get(&sh.intText, field, func(b []byte) {
		var ok bool
		v, ok = redisnum.ParseInt(b)
		bad = !ok
	})
	switch {
	case bad:
		err = ErrHashNotInteger
	case (delta < 0 && v < 0 && delta < minInt64-v) || (delta > 0 && v > 0 && delta > maxInt64-v):
		err = ErrOverflow
	}
	if err != nil {
		// commitAgg drops the hash if this call just created it (which
		// cannot fail here, but keeps the rule obvious).
		sh.commitAgg(key, kh, h, before, false)
		return 0, err
	}
	v += delta
	var buf [20]byte
	h.set(db.store.limits(), field, strconv.AppendInt(buf[:0], v, 10))
	sh.commitAgg(key, kh, h, before, true)
	return v, nil
}

// HIncrByFloat adds incr (a decimal string) to the number at field with
// Redis's long double arithmetic, and returns the new value as stored. As
// Redis's HINCRBYFLOAT, incr is checked before the key: ErrNotFloat when it
// is not a number, ErrInfIncrement when it is infinite; then
// ErrHashNotFloat for a value that is not a number, ErrNaNOrInf for a
// result beyond the range.
func (db *DB) HIncrByFloat(key string, field, incr []byte) ([]byte, error) {
	by, ok := redisnum.ParseLongDouble(incr)
	if !ok {
		return nil, ErrNotFloat
	}
	if by.IsInf() {
		return nil, ErrInfIncrement
	}
	sh, kh := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, _, err := sh.writeAgg(key, kh, &t, KindHash, newHash)
	if err != nil {
		return nil, err
	}
	h := a.(*hash)
	before := h.memSize()
	base := new(big.Float)
	h.get(&sh.intText, field, func(b []byte) {
		var ok bool
		if base, ok = redisnum.ParseLongDouble(b); !ok {
			err = ErrHashNotFloat
		}
	})
	var sum *big.Float
	if err == nil {
		if base.IsInf() { // a stored "inf" plus a finite number
			err = ErrNaNOrInf
		} else if sum = redisnum.AddLongDouble(base, by); redisnum.LongDoubleOverflows(sum) {
			err = ErrNaNOrInf
		}
	}
	if err != nil {
		sh.commitAgg(key, kh, h, before, false)
		return nil, err
	}
	out := []byte(redisnum.FormatLongDouble(sum))
	h.set(db.store.limits(), field, out)
	sh.commitAgg(key, kh, h, before, true)
	return out, nil
}

// HRandField returns a copy of one field chosen at random, as HRANDFIELD
// without a count. ok is false when the key does not exist.
func (db *DB) HRandField(key string) (field []byte, ok bool, err error) {
	sh, h, err := db.readHash(key)
	defer db.unlock(sh)
	if h == nil {
		return nil, false, err
	}
	if h.ht != nil {
		f, _, _ := h.ht.Random(nil)
		return []byte(f), true, nil
	}
	off := listpack.Seek(h.lp, 2*rand.IntN(h.pairs))
	return listpack.AppendValue([]byte{}, h.lp, off), true, nil
}

// HRandFieldFunc picks fields at random as HRANDFIELD key count does: a
// count >= 0 picks min(count, HLEN) distinct fields (the whole hash, in
// order, when count reaches HLEN), a negative count picks -count fields
// that may repeat. It calls start with how many, then fn for each field
// and its value (views valid only during the call), holding the key's
// shard. ok is false, and neither is called, when the key does not exist.
func (db *DB) HRandFieldFunc(key string, count int64, start func(n int), fn func(field, value []byte)) (ok bool, err error) {
	sh, h, err := db.readHash(key)
	defer db.unlock(sh)
	if h == nil {
		return false, err
	}
	size := int64(h.length())
	switch {
	case count == 0:
		start(0)
	case count < 0:
		start(int(-count))
		h.randomWithRepeats(&sh.intText, int(-count), fn)
	case count >= size:
		start(int(size))
		h.each(&sh.intText, func(f, v []byte) bool { fn(f, v); return true })
	default:
		start(int(count))
		h.randomDistinct(&sh.intText, int(count), fn)
	}
	return true, nil
}

// HRandFields is HRandFieldFunc returning copies, as pairs field, value...
// when withValues is set, or only fields.
func (db *DB) HRandFields(key string, count int64, withValues bool) ([][]byte, error) {
	var c pairCopier
	per := 1
	if withValues {
		per = 2
	}
	_, err := db.HRandFieldFunc(key, count, c.start(per), func(f, v []byte) {
		c.add(f)
		if withValues {
			c.add(v)
		}
	})
	return c.out, err
}

// randomWithRepeats calls fn n times with a pair chosen uniformly each time.
func (h *hash) randomWithRepeats(num *intText, n int, fn func(field, value []byte)) {
	if h.ht != nil {
		for range n {
			f, v, _ := h.ht.Random(nil)
			fn(storedBytes(f), storedBytes(v))
		}
		return
	}
	// One walk to find every field, then random picks by index.
	offs := h.fieldOffsets()
	for range n {
		f := offs[rand.IntN(len(offs))]
		fn(lpValue(num[0][:0], h.lp, f), lpValue(num[1][:0], h.lp, listpack.Next(h.lp, f)))
	}
}

func (h *hash) fieldOffsets() []int {
	offs := make([]int, 0, h.pairs)
	for f := listpack.First(h.lp); f >= 0; f = listpack.Next(h.lp, listpack.Next(h.lp, f)) {
		offs = append(offs, f)
	}
	return offs
}

// randomDistinct calls fn for n distinct pairs chosen at random, n below
// the hash's length.
func (h *hash) randomDistinct(num *intText, n int, fn func(field, value []byte)) {
	size := h.length()
	if h.ht != nil && n*3 <= size {
		// Few of many (Redis's CASE 4): draw until n distinct fields.
		seen := make(map[string]struct{}, n)
		for len(seen) < n {
			f, v, _ := h.ht.Random(nil)
			if _, dup := seen[f]; dup {
				continue
			}
			seen[f] = struct{}{}
			fn(storedBytes(f), storedBytes(v))
		}
		return
	}
	// Selection sampling (Knuth's algorithm S) in one pass: each pair is
	// taken with probability needed/remaining, which picks every n-subset
	// with equal chance.
	left, need := size, n
	h.each(num, func(f, v []byte) bool {
		if rand.IntN(left) < need {
			fn(f, v)
			need--
		}
		left--
		return need > 0
	})
}

// HScan returns the pairs of the hash at key from cursor on whose field
// matches the glob pattern match ("*" matches all), as HSCAN does, and the
// cursor to continue from (0 when done). A listpack answers all its pairs
// in one call with cursor 0, as in Redis; a hashtable walks its buckets
// with Redis's reverse-binary cursor (dict.Scan) until it has count pairs
// or has visited 20*count buckets, so that every field present for the
// whole iteration is returned at least once. A count below 1 means 10.
func (db *DB) HScan(key string, cursor uint64, match string, count int) (next uint64, pairs [][]byte, err error) {
	if count <= 0 {
		count = 10
	}
	filter := match != "*"
	sh, h, err := db.readHash(key)
	defer db.unlock(sh)
	if h == nil {
		return 0, nil, err
	}
	var c pairCopier
	add := func(f, v []byte) {
		if !filter || Match(match, fieldView(f), false) {
			c.add(f)
			c.add(v)
		}
	}
	if h.ht == nil {
		h.each(&sh.intText, func(f, v []byte) bool { add(f, v); return true })
		return 0, c.out, nil
	}
	// As scanGenericCommand: the budget counts what was found before the
	// MATCH filter, and the iterations are capped at ten times the count
	// (both doubled there, as a hash yields field and value: 20 buckets a
	// pair here).
	found := 0
	for left := count * 20; ; left-- {
		cursor = h.ht.Scan(cursor, func(f, v string) {
			found++
			add(storedBytes(f), storedBytes(v))
		})
		if cursor == 0 || left == 0 || found >= count {
			break
		}
	}
	return cursor, c.out, nil
}
