package store

import (
	"errors"
	"math"

	"github.com/emberkv/ember/internal/intset"
	"github.com/emberkv/ember/internal/listpack"
	"github.com/emberkv/ember/internal/quicklist"
	"github.com/emberkv/ember/internal/redisnum"
	"github.com/emberkv/ember/internal/zindex"
)

// The errors of building and restoring whole values.
var (
	// ErrCorruptValue: compact bytes (a listpack, an intset) that fail
	// validation, or elements that break the type's rules (a duplicate
	// member, a NaN score, a listpack with an odd number of entries).
	ErrCorruptValue = errors.New("store: corrupt value")
	// ErrEmptyValue: a value with no elements, which no key may hold.
	ErrEmptyValue = errors.New("store: empty value")
	// ErrBusyKey: RESTORE without REPLACE, or a loader, met a key that
	// exists already.
	ErrBusyKey = errors.New("store: target key name already exists")
)

// Value is a whole value built outside the store, by the RDB loader or
// RESTORE, then stored with DB.Restore or Staging.Add. Build it with one
// of Store's New* constructors and that type's methods; it follows the
// store's encoding limits as Redis's rdbLoadObject does, so that a loaded
// value has the encoding Redis would give it. A Value is used once.
type Value struct {
	kind Kind
	str  []byte
	agg  aggregate
	lim  *EncodingLimits
}

// Kind is the value's type.
func (v *Value) Kind() Kind { return v.kind }

// Len is the number of elements (pairs of a hash) or a string's length.
func (v *Value) Len() int {
	if v.kind == KindString {
		return len(v.str)
	}
	return v.agg.length()
}

// Encoding is the OBJECT ENCODING the value will have.
func (v *Value) Encoding() string {
	if v.kind == KindString {
		enc, _ := stringEncoding(stringEntry(v.str, 0))
		return enc
	}
	return v.agg.encoding()
}

// NewString returns a string value holding b, which it keeps.
func (s *Store) NewString(b []byte) *Value {
	if b == nil {
		b = []byte{}
	}
	return &Value{kind: KindString, str: b}
}

// NewList returns an empty list value, whose nodes follow
// list-max-listpack-size.
func (s *Store) NewList() *Value {
	l := s.limits()
	return &Value{kind: KindList, agg: &listValue{ql: quicklist.New(l.ListMaxListpackSize)}, lim: l}
}

// ListPush appends elem at the tail (RDB's plain list type).
func (v *Value) ListPush(elem []byte) {
	v.agg.(*listValue).ql.PushTail(elem)
}

// ListAppendListpack appends a quicklist node as it is (RDB's quicklist
// v2 PACKED node), after a deep validation; an empty listpack is skipped,
// as Redis does. The value keeps lp.
func (v *Value) ListAppendListpack(lp []byte) error {
	if !listpack.Validate(lp, true) {
		return ErrCorruptValue
	}
	if listpack.Count(lp) == 0 {
		return nil
	}
	v.agg.(*listValue).ql.AppendListpack(lp)
	return nil
}

// ListAppendPlain appends elem as a node of its own (a PLAIN node).
func (v *Value) ListAppendPlain(elem []byte) {
	v.agg.(*listValue).ql.AppendPlain(elem)
}

// NewSet returns an empty set value for about hint members: a hash
// table from the start when hint exceeds set-max-intset-entries, an
// intset otherwise (converted by the first non-integer member), as
// Redis's loader.
func (s *Store) NewSet(hint int) *Value {
	l := s.limits()
	if hint > maxIntsetLen(l) {
		// The hint comes from a file: presize for at most 64k members,
		// and let the table grow with the members actually read.
		return &Value{kind: KindSet, agg: newHashSet(min(hint, 1<<16)), lim: l}
	}
	return &Value{kind: KindSet, agg: newIntsetSet(), lim: l}
}

// SetAdd adds member; a duplicate is ErrCorruptValue.
func (v *Value) SetAdd(member []byte) error {
	if !v.agg.(*set).add(string(member), true, v.lim) {
		return ErrCorruptValue
	}
	return nil
}

// NewSetIntset returns a set holding is, an intset (RDB's intset type),
// validated deeply (sorted, no duplicates); it becomes a hash table when
// it has more members than set-max-intset-entries, as in Redis. The value
// keeps is.
func (s *Store) NewSetIntset(is []byte) (*Value, error) {
	if !intset.Validate(is, true) {
		return nil, ErrCorruptValue
	}
	l := s.limits()
	st := &set{is: is}
	if intset.Len(is) > l.SetMaxIntsetEntries {
		st.convert()
	}
	return &Value{kind: KindSet, agg: st, lim: l}, nil
}

// NewSetListpack returns a set holding the members of lp (Redis 7.2's
// set listpack, RDB type 20). Redis 7.0 has no listpack sets, so the
// members are added one by one: an intset when they are all integers
// and few enough, a hash table otherwise.
func (s *Store) NewSetListpack(lp []byte) (*Value, error) {
	if !listpack.Validate(lp, true) {
		return nil, ErrCorruptValue
	}
	v := s.NewSet(listpack.Count(lp))
	var buf [24]byte
	for off := listpack.First(lp); off >= 0; off = listpack.Next(lp, off) {
		if err := v.SetAdd(lpMember(lp, off, &buf)); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// NewHash returns an empty hash value for hint pairs: a hash table from
// the start when hint exceeds hash-max-listpack-entries, as Redis.
func (s *Store) NewHash(hint int) *Value {
	l := s.limits()
	h := &hash{lp: listpack.New(0)}
	if hint > l.HashMaxListpackEntries {
		h.convert()
	}
	return &Value{kind: KindHash, agg: h, lim: l}
}

// HashSet adds a field and its value; a duplicate field is
// ErrCorruptValue. A field or value longer than hash-max-listpack-value
// converts the hash, as Redis's loader.
func (v *Value) HashSet(field, value []byte) error {
	if !v.agg.(*hash).set(v.lim, field, value) {
		return ErrCorruptValue
	}
	return nil
}

// NewHashListpack returns a hash holding lp, a listpack of field, value
// pairs (RDB's hash listpack type), validated deeply, with no duplicate
// field; a hash table when it has more pairs than
// hash-max-listpack-entries, as in Redis. The value keeps lp.
func (s *Store) NewHashListpack(lp []byte) (*Value, error) {
	if !validPairs(lp) {
		return nil, ErrCorruptValue
	}
	l := s.limits()
	h := &hash{lp: lp, pairs: listpack.Count(lp) / 2}
	if h.pairs > l.HashMaxListpackEntries {
		h.convert()
	}
	return &Value{kind: KindHash, agg: h, lim: l}, nil
}

// NewZSet returns an empty sorted set value for about hint members.
// Members are collected in the skiplist encoding and converted to a
// listpack by Done when small enough, as Redis's loader does ("convert
// after loading, since sorted sets are not stored ordered").
func (s *Store) NewZSet(hint int) *Value {
	return &Value{kind: KindZSet, agg: newZSetSkiplist(min(hint, 1<<16)), lim: s.limits()}
}

// ZAdd adds a member with its score; a duplicate member or a NaN score
// is ErrCorruptValue.
func (v *Value) ZAdd(member []byte, score float64) error {
	z := v.agg.(*zset)
	if math.IsNaN(score) {
		return ErrCorruptValue
	}
	m := string(member)
	if !z.dict.SetOwned(m, score) {
		return ErrCorruptValue
	}
	z.idx.Insert(score, m)
	return nil
}

// NewZSetListpack returns a sorted set holding lp, a listpack of member,
// score pairs (RDB's zset listpack type), validated deeply, with no
// duplicate member; a skiplist when it has more members than
// zset-max-listpack-entries. The value keeps lp.
func (s *Store) NewZSetListpack(lp []byte) (*Value, error) {
	if !validPairs(lp) {
		return nil, ErrCorruptValue
	}
	// Every score must read as a number, or later reads would see 0.
	for off := listpack.First(lp); off >= 0; {
		soff := listpack.Next(lp, off)
		if sb, _, isInt := listpack.Get(lp, soff); !isInt {
			if f, ok := redisnum.ParseFloat(sb); !ok || math.IsNaN(f) {
				return nil, ErrCorruptValue
			}
		}
		off = listpack.Next(lp, soff)
	}
	l := s.limits()
	z := &zset{lp: lp}
	if z.length() > l.ZSetMaxListpackEntries {
		z.toSkiplist()
	}
	return &Value{kind: KindZSet, agg: z, lim: l}, nil
}

// done finishes a value before it is stored: a sorted set built with ZAdd
// becomes a listpack when its members are few and short enough, as
// rdbLoadObject's conversion after loading. It returns ErrEmptyValue for
// a value with no elements.
func (v *Value) done() error {
	if v.kind == KindString {
		return nil
	}
	if v.agg.length() == 0 {
		return ErrEmptyValue
	}
	if z, ok := v.agg.(*zset); ok && z.idx != nil && z.idx.Len() <= v.lim.ZSetMaxListpackEntries {
		maxLen, total := 0, 0
		z.idx.Ascend(0, func(it zindex.Item) bool {
			maxLen = max(maxLen, len(it.Member))
			total += len(it.Member)
			return true
		})
		if maxLen <= v.lim.ZSetMaxListpackValue && total < lpSafetySize {
			lp := listpack.New(total + 16*z.idx.Len())
			var sbuf [32]byte
			z.idx.Ascend(0, func(it zindex.Item) bool {
				lp = listpack.Append(lp, bytesView(it.Member))
				lp = listpack.Append(lp, appendScoreText(sbuf[:0], it.Score))
				return true
			})
			*z = zset{lp: lp}
		}
	}
	return nil
}

// validPairs validates a listpack of pairs deeply: well formed, an even
// number of entries, and no duplicate among the first of each pair, as
// Redis's lpPairsValidateIntegrityAndDups.
func validPairs(lp []byte) bool {
	if !listpack.Validate(lp, true) {
		return false
	}
	n := listpack.Count(lp)
	if n%2 != 0 {
		return false
	}
	seen := make(map[string]struct{}, n/2)
	var buf [24]byte
	for off := listpack.First(lp); off >= 0; {
		k := string(lpMember(lp, off, &buf))
		if _, dup := seen[k]; dup {
			return false
		}
		seen[k] = struct{}{}
		off = listpack.Next(lp, listpack.Next(lp, off))
	}
	return true
}

// newEntry makes the entry a finished value is stored as.
func (v *Value) newEntry(expireAt int64, atime uint32) entry {
	e := stringEntry(v.str, flagOwned)
	if v.kind != KindString {
		e = aggEntry(v.agg)
	}
	e.expireAt = expireAt
	e.setAccess(atime)
	return e
}

// Restore stores v at key with the given expiry (absolute Unix ms, 0 for
// none), as RESTORE does: ErrBusyKey when the key exists and replace is
// false. As Redis's objectSetLRUOrLFU, idleMs, when positive, backdates
// the key's last access (RESTORE IDLETIME) under an LRU policy, and freq,
// when not negative, is its LFU counter (RESTORE FREQ) under an LFU
// policy; each is ignored under the other. An expiry already past deletes
// the key (with replace) and stores nothing, as Redis. It reports whether
// a key was replaced.
func (db *DB) Restore(key string, v *Value, expireAt int64, replace bool, idleMs int64, freq int) (bool, error) {
	if err := v.done(); err != nil {
		return false, err
	}
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	old, exists := sh.current(key, h, &t)
	if exists && !replace {
		return false, ErrBusyKey
	}
	if expireAt != 0 && expireAt <= t.now() {
		if exists {
			sh.remove(key, h)
		}
		return exists, nil
	}
	// A new object, as Redis's dbAdd after RESTORE: fresh access data
	// (or IDLETIME's, or FREQ's), not the replaced value's.
	sec := t.lru()
	access := sh.freshAccess(sec)
	switch lfu := sh.store.eviction.Load().Policy.LFU(); {
	case lfu && freq >= 0:
		access = uint32(lfuMinutes(sec))<<8 | uint32(min(freq, 255))
	case !lfu && idleMs > 0:
		access = sec - uint32(min(idleMs/1000, int64(sec)))
	}
	e := v.newEntry(expireAt, access)
	if exists {
		sh.putWithAccess(key, h, e, &old)
	} else {
		sh.putWithAccess(key, h, e, nil)
	}
	return exists, nil
}
