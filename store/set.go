package store

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"unsafe"

	"github.com/emberkv/ember/internal/dict"
	"github.com/emberkv/ember/internal/intset"
	"github.com/emberkv/ember/internal/redisnum"
)

// set is the value of a set, encoded as Redis 7.0's t_set.c encodes it: an
// intset (a sorted array of integers, one flat byte slice) while every
// member is an integer Redis's string2ll accepts and there are at most
// set-max-intset-entries of them, and a hash table ever after. Redis 7.0
// has no listpack sets (7.2 added them), so neither has Ember.
//
// Exactly one of is and ht is in use: is while the set is an intset, ht
// once it was converted. A set never converts back, as in Redis.
type set struct {
	is []byte
	ht *dict.Dict[struct{}]
}

// setHeader approximates the fixed cost of a set beyond its members.
const setHeader = int64(unsafe.Sizeof(set{}))

// maxIntsetLen is set-max-intset-entries as setTypeAdd reads it: capped at
// 2^30 entries "due to intset internals".
func maxIntsetLen(l *EncodingLimits) int { return min(max(l.SetMaxIntsetEntries, 0), 1<<30) }

func newIntsetSet() *set { return &set{is: intset.New()} }

func newHashSet(hint int) *set { return &set{ht: dict.New[struct{}](hint)} }

// newSetFor is Redis's setTypeCreate: the empty set that first receives
// member is an intset if member is an integer, a hash table otherwise.
func newSetFor(member string) *set {
	if _, ok := redisnum.ParseIntString(member); ok {
		return newIntsetSet()
	}
	return newHashSet(0)
}

func (s *set) memSize() int64 {
	if s.ht != nil {
		return setHeader + s.ht.MemSize()
	}
	return setHeader + int64(cap(s.is))
}

func (s *set) length() int {
	if s.ht != nil {
		return s.ht.Len()
	}
	return intset.Len(s.is)
}

func (s *set) encoding() string {
	if s.ht != nil {
		return "hashtable"
	}
	return "intset"
}

// clone keeps the encoding, as Redis's setTypeDup for COPY.
func (s *set) clone() aggregate {
	if s.ht != nil {
		return &set{ht: s.ht.Clone()}
	}
	return &set{is: slices.Clone(s.is)}
}

// isIntset reports whether the set is still an intset.
func (s *set) isIntset() bool { return s.ht == nil }

// add is Redis's setTypeAdd: it reports whether member is new. An intset
// becomes a hash table when member is not an integer, or when it grows
// beyond set-max-intset-entries. owned says member is a string the set
// may keep as is (a member of another set); otherwise it is copied.
func (s *set) add(member string, owned bool, l *EncodingLimits) bool {
	if s.ht == nil {
		v, ok := redisnum.ParseIntString(member)
		if ok {
			var added bool
			s.is, added = intset.Add(s.is, v)
			if added && intset.Len(s.is) > maxIntsetLen(l) {
				s.convert()
			}
			return added
		}
		s.convert()
	}
	if owned {
		return s.ht.SetOwned(member, struct{}{})
	}
	return s.ht.Set(member, struct{}{})
}

// addInt adds an integer member, as add(strconv.FormatInt(v)) does without
// formatting it while the set is an intset.
func (s *set) addInt(v int64, l *EncodingLimits) bool {
	if s.ht == nil {
		var added bool
		s.is, added = intset.Add(s.is, v)
		if added && intset.Len(s.is) > maxIntsetLen(l) {
			s.convert()
		}
		return added
	}
	var buf [20]byte
	return s.ht.Set(viewString(strconv.AppendInt(buf[:0], v, 10)), struct{}{})
}

// convert turns an intset into a hash table presized for its members, as
// setTypeConvert.
func (s *set) convert() {
	n := intset.Len(s.is)
	ht := dict.New[struct{}](n)
	for i := range n {
		ht.SetOwned(strconv.FormatInt(intset.Get(s.is, i), 10), struct{}{})
	}
	s.is, s.ht = nil, ht
}

// remove is setTypeRemove: it reports whether member was there.
func (s *set) remove(member string) bool {
	if s.ht != nil {
		_, ok := s.ht.Delete(member)
		return ok
	}
	v, ok := redisnum.ParseIntString(member)
	if !ok {
		return false
	}
	var removed bool
	s.is, removed = intset.Remove(s.is, v)
	return removed
}

// contains is setTypeIsMember.
func (s *set) contains(member string) bool {
	if s.ht != nil {
		_, ok := s.ht.Get(member)
		return ok
	}
	v, ok := redisnum.ParseIntString(member)
	return ok && intset.Contains(s.is, v)
}

// containsInt is contains for an integer member, formatted only when the
// set is a hash table.
func (s *set) containsInt(v int64) bool {
	if s.ht == nil {
		return intset.Contains(s.is, v)
	}
	var buf [20]byte
	_, ok := s.ht.Get(viewString(strconv.AppendInt(buf[:0], v, 10)))
	return ok
}

// setMember is one member as an iteration yields it: an intset's integer,
// or a hash table's string.
type setMember struct {
	s     string
	n     int64
	isInt bool
}

// String formats an integer member; a string member is returned as is.
func (m setMember) String() string {
	if m.isInt {
		return strconv.FormatInt(m.n, 10)
	}
	return m.s
}

// appendTo appends the member's bytes to b.
func (m setMember) appendTo(b []byte) []byte {
	if m.isInt {
		return strconv.AppendInt(b, m.n, 10)
	}
	return append(b, m.s...)
}

// in reports whether the member is in o, comparing integers directly when
// both sides are intsets (sinterGenericCommand's fast path).
func (m setMember) in(o *set) bool {
	if m.isInt {
		return o.containsInt(m.n)
	}
	return o.contains(m.s)
}

// addTo adds the member to o, as setTypeAdd of its string form.
func (m setMember) addTo(o *set, l *EncodingLimits) bool {
	if m.isInt {
		return o.addInt(m.n, l)
	}
	return o.add(m.s, true, l)
}

// removeFrom removes the member from o.
func (m setMember) removeFrom(o *set) bool {
	if m.isInt {
		if o.ht == nil {
			var removed bool
			o.is, removed = intset.Remove(o.is, m.n)
			return removed
		}
		var buf [20]byte
		_, ok := o.ht.Delete(viewString(strconv.AppendInt(buf[:0], m.n, 10)))
		return ok
	}
	return o.remove(m.s)
}

// each calls fn for every member until it returns false: an intset's in
// ascending order, a hash table's in its own order. fn must not change s.
func (s *set) each(fn func(m setMember) bool) {
	if s.ht != nil {
		for k := range s.ht.All() {
			if !fn(setMember{s: k}) {
				return
			}
		}
		return
	}
	for i := range intset.Len(s.is) {
		if !fn(setMember{n: intset.Get(s.is, i), isInt: true}) {
			return
		}
	}
}

// random returns a member chosen uniformly; s must not be empty.
func (s *set) random() setMember {
	if s.ht != nil {
		k, _, _ := s.ht.Random(nil)
		return setMember{s: k}
	}
	return setMember{n: intset.Get(s.is, rand.IntN(intset.Len(s.is))), isInt: true}
}

// viewString views b as a string without copying, for lookups that keep
// no reference to it (and for Set, which copies a new key).
func viewString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// viewBytes views s as bytes without copying; the bytes must not be
// changed.
func viewBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
