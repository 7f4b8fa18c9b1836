package store

import (
	"math"
	"unsafe"

	"github.com/emberkv/ember/internal/memsize"
)

// entry is one key's value, kept by value in the shard's LRU. It is 24
// bytes, so that golang-lru's list element holding it (72 bytes of its
// own) takes the 96-byte size class: an entry with a slice and an
// interface in it took 56, and the element 128. Like Redis's robj, it
// packs the type, a few flags and a 24-bit access field into one word.
type entry struct {
	// p is the value, by kind: a string's first byte (n of them), the
	// *[]byte of a boxed string, or the *listValue, *set, *zset or *hash.
	// One pointer where a slice and an interface took three: the
	// collector reads one word an entry.
	p        unsafe.Pointer
	expireAt int64  // absolute Unix ms; 0 means no expiry
	n        uint32 // a plain (unboxed) string's length
	meta     uint32 // the kind, the flags and the access data: see below
}

// The bits of entry.meta.
const (
	// The low 24 bits hold the access data, as Redis's lru field: the
	// last access in seconds modulo 2^24 (a clock that wraps every 194
	// days, as Redis's LRU clock), or under an LFU policy the minutes
	// (mod 2^16) of the last decrement << 8 | the counter.
	accessMask = 1<<24 - 1
	kindShift  = 24 // then 3 bits of Kind
	kindMask   = 7

	// flagRaw: a string built in place (APPEND, SETRANGE, bit writes)
	// keeps the encoding "raw", as in Redis.
	flagRaw = 1 << 27
	// flagUnshared: a COPY of a small integer; Redis gives it its own
	// object, so OBJECT REFCOUNT tells it apart.
	flagUnshared = 1 << 28
	// flagOwned: the store holds the only reference to the string's
	// bytes. No view of them has left the store since a bit command or
	// INCR last copied them, so SETBIT, BITFIELD, the HLL commands and
	// INCR may change them in place. Every read that hands out a view of
	// the string calls lend, which clears it.
	flagOwned = 1 << 29
	// flagBoxed: p is a *[]byte, for a string that keeps spare capacity
	// (a raw one grown by APPEND: appends stay amortized O(1)) or is
	// longer than n can say.
	flagBoxed = 1 << 30
)

// emptyString is where an empty string's p points: an existing empty
// string reads as a non-nil empty slice, a missing one as nil.
var emptyString [1]byte

// stringEntry is an entry holding b, with the given flags (flagRaw,
// flagOwned, flagUnshared). The entry keeps b itself, not a copy.
func stringEntry(b []byte, flags uint32) entry {
	e := entry{meta: uint32(KindString)<<kindShift | flags}
	e.setStr(b)
	return e
}

// aggEntry is an entry holding the aggregate a; its type gives the kind.
func aggEntry(a aggregate) entry {
	var p unsafe.Pointer
	var k Kind
	switch v := a.(type) {
	case *listValue:
		p, k = unsafe.Pointer(v), KindList
	case *set:
		p, k = unsafe.Pointer(v), KindSet
	case *zset:
		p, k = unsafe.Pointer(v), KindZSet
	case *hash:
		p, k = unsafe.Pointer(v), KindHash
	default:
		panic("store: not an aggregate")
	}
	return entry{p: p, meta: uint32(k) << kindShift}
}

func (e *entry) kind() Kind { return Kind(e.meta >> kindShift & kindMask) }

// str is a string's bytes: nil for a missing key or another kind.
func (e *entry) str() []byte {
	switch {
	case e.meta&flagBoxed != 0:
		return *(*[]byte)(e.p)
	case e.p == nil || e.kind() != KindString:
		return nil
	}
	return unsafe.Slice((*byte)(e.p), e.n)
}

// setStr makes b the string's bytes. A raw string keeps b's spare
// capacity for the next append, in a box; any other drops it (a SET's
// value has none, being copied to its length).
func (e *entry) setStr(b []byte) {
	if len(b) > math.MaxUint32 || e.meta&flagRaw != 0 && cap(b) > len(b) {
		box := new([]byte)
		*box = b
		e.p, e.n = unsafe.Pointer(box), 0
		e.meta |= flagBoxed
		return
	}
	e.meta &^= flagBoxed
	e.n = uint32(len(b))
	if len(b) == 0 {
		e.p = unsafe.Pointer(&emptyString[0])
		return
	}
	e.p = unsafe.Pointer(unsafe.SliceData(b))
}

// agg is the entry's aggregate, or nil for a string or no entry.
func (e *entry) agg() aggregate {
	switch e.kind() {
	case KindList:
		return (*listValue)(e.p)
	case KindSet:
		return (*set)(e.p)
	case KindZSet:
		return (*zset)(e.p)
	case KindHash:
		return (*hash)(e.p)
	}
	return nil
}

func (e *entry) has(flag uint32) bool { return e.meta&flag != 0 }

func (e *entry) set(flag uint32, on bool) {
	if on {
		e.meta |= flag
	} else {
		e.meta &^= flag
	}
}

// writableAs reports whether e's string may be written over where it
// lies, the entry kept as it is: the store alone holds the bytes
// (flagOwned), and e's other string flags are exactly raw (flagRaw or
// 0), as the entry the writer would otherwise store.
func (e *entry) writableAs(raw uint32) bool {
	return e.meta&(flagRaw|flagOwned|flagUnshared) == raw|flagOwned
}

func (e *entry) raw() bool      { return e.has(flagRaw) }
func (e *entry) owned() bool    { return e.has(flagOwned) }
func (e *entry) unshared() bool { return e.has(flagUnshared) }

// access is the 24-bit access data (see accessMask).
func (e *entry) access() uint32 { return e.meta & accessMask }

func (e *entry) setAccess(v uint32) { e.meta = e.meta&^accessMask | v&accessMask }

// lruIdle is the seconds from an access stamped at (mod 2^24) to the
// time now (Unix seconds), as Redis's estimateObjectIdleTime. An access
// that reads as up to an hour ahead (stamped by a client whose clock
// read came later than the caller's) is no idle time, not 194 days.
func lruIdle(now, at uint32) uint32 {
	d := (now - at) & accessMask
	if d > accessMask-3600 {
		return 0
	}
	return d
}

// lruBefore tells whether access a came before b, both stamped mod 2^24:
// the wrapping comparison of serial numbers, right while the two are
// within 97 days of each other.
func lruBefore(a, b uint32) bool { return int32((a-b)<<8) < 0 }

// boxOverhead is a boxed string's *[]byte.
const boxOverhead = 24

// size is what the key and its value take, by the allocator's sizes, for
// usedBytes: the figure eviction and used_memory count.
func (e *entry) size(key string) int64 {
	n := int64(memsize.Alloc(len(key)) + entryOverhead)
	if e.expireAt != 0 {
		n += volatileOverhead
	}
	if a := e.agg(); a != nil {
		return n + a.memSize()
	}
	if e.has(flagBoxed) {
		n += boxOverhead
	}
	return n + int64(memsize.Alloc(len(e.str())))
}
