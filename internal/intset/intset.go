// Package intset reads and writes Redis's intset, byte for byte as Redis
// 7.0 lays it out, so that the RDB writer can put one into a dump file as it
// is and redis-server loads it.
//
// An intset is one byte slice holding a set of integers, sorted:
//
//	encoding  uint32, little-endian: bytes per element, 2, 4 or 8
//	length    uint32, little-endian: the number of elements
//	elements  length signed integers of that width, little-endian, ascending
//
// As Redis, adding a value too wide for the encoding widens every element
// (an upgrade), and removing values never narrows it again.
//
// Functions that change an intset return it, possibly moved, as append does,
// and grow its capacity as append would. Every function but Validate
// expects a well-formed intset: check one from an untrusted source with
// Validate(is, true) first.
package intset

import (
	"encoding/binary"
	"math"
	"slices"
)

const (
	headerSize = 8
	enc16      = 2
	enc32      = 4
	enc64      = 8
)

// New returns an empty intset, 16-bit encoded as Redis's intsetNew.
func New() []byte {
	is := make([]byte, headerSize)
	binary.LittleEndian.PutUint32(is, enc16)
	return is
}

// Len returns the number of elements.
func Len(is []byte) int {
	return int(binary.LittleEndian.Uint32(is[4:]))
}

// Encoding returns the bytes per element: 2, 4 or 8.
func Encoding(is []byte) int {
	return int(binary.LittleEndian.Uint32(is))
}

// BlobLen returns the intset's length in bytes, from its header.
func BlobLen(is []byte) int {
	return headerSize + Len(is)*Encoding(is)
}

// Get returns the i-th smallest element, counting from 0.
func Get(is []byte, i int) int64 {
	return get(is, Encoding(is), i)
}

func get(is []byte, enc, i int) int64 {
	p := is[headerSize+i*enc:]
	switch enc {
	case enc16:
		return int64(int16(binary.LittleEndian.Uint16(p)))
	case enc32:
		return int64(int32(binary.LittleEndian.Uint32(p)))
	}
	return int64(binary.LittleEndian.Uint64(p))
}

func set(is []byte, enc, i int, v int64) {
	p := is[headerSize+i*enc:]
	switch enc {
	case enc16:
		binary.LittleEndian.PutUint16(p, uint16(v))
	case enc32:
		binary.LittleEndian.PutUint32(p, uint32(v))
	default:
		binary.LittleEndian.PutUint64(p, uint64(v))
	}
}

// encodingFor is the narrowest encoding that holds v, as Redis's
// _intsetValueEncoding.
func encodingFor(v int64) int {
	switch {
	case v < math.MinInt32 || v > math.MaxInt32:
		return enc64
	case v < math.MinInt16 || v > math.MaxInt16:
		return enc32
	}
	return enc16
}

// Find returns the position of v and true, or, if v is absent, the position
// where it would go and false. It is a binary search, as Redis's
// intsetSearch, that first rules out values outside the range held.
func Find(is []byte, v int64) (int, bool) {
	enc, n := Encoding(is), Len(is)
	if n == 0 {
		return 0, false
	}
	if encodingFor(v) > enc {
		// Too wide for any element: it belongs before them all or after.
		if v < 0 {
			return 0, false
		}
		return n, false
	}
	if v > get(is, enc, n-1) {
		return n, false
	}
	if v < get(is, enc, 0) {
		return 0, false
	}
	lo, hi := 0, n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if get(is, enc, mid) < v {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < n && get(is, enc, lo) == v
}

// Contains reports whether v is in the set.
func Contains(is []byte, v int64) bool {
	_, ok := Find(is, v)
	return ok
}

// Add inserts v and reports whether it was absent.
func Add(is []byte, v int64) ([]byte, bool) {
	enc, n := Encoding(is), Len(is)
	if venc := encodingFor(v); venc > enc {
		return upgradeAndAdd(is, venc, v), true
	}
	pos, found := Find(is, v)
	if found {
		return is, false
	}
	is = resize(is, enc, n+1)
	start := headerSize + pos*enc
	copy(is[start+enc:], is[start:headerSize+n*enc])
	set(is, enc, pos, v)
	return is, true
}

// upgradeAndAdd widens every element to enc and adds v, which, being too
// wide for the old encoding, is smaller or larger than them all.
func upgradeAndAdd(is []byte, enc int, v int64) []byte {
	old, n := Encoding(is), Len(is)
	is = resize(is, enc, n+1)
	shift := 0
	if v < 0 {
		shift = 1
	}
	// Back to front, so that no element is overwritten before it is read.
	for i := n - 1; i >= 0; i-- {
		set(is, enc, i+shift, get(is, old, i))
	}
	if v < 0 {
		set(is, enc, 0, v)
	} else {
		set(is, enc, n, v)
	}
	binary.LittleEndian.PutUint32(is, uint32(enc))
	return is
}

// Remove deletes v and reports whether it was present. The encoding stays
// as it was, as in Redis.
func Remove(is []byte, v int64) ([]byte, bool) {
	pos, found := Find(is, v)
	if !found {
		return is, false
	}
	enc, n := Encoding(is), Len(is)
	start := headerSize + pos*enc
	copy(is[start:], is[start+enc:headerSize+n*enc])
	return resize(is, enc, n-1), true
}

// resize sets the length to n elements of enc bytes, growing the slice as
// append does.
func resize(is []byte, enc, n int) []byte {
	if n > math.MaxUint32 {
		panic("intset: too many elements")
	}
	size := headerSize + n*enc
	if size > len(is) {
		is = slices.Grow(is, size-len(is))
	}
	is = is[:size]
	binary.LittleEndian.PutUint32(is[4:], uint32(n))
	return is
}

// Validate reports whether is is a well-formed intset, as Redis's
// intsetValidateIntegrity: a known encoding, and a length that accounts for
// every byte. As Redis, it rejects an empty intset, which no RDB file holds:
// Validate is for intsets read from outside. With deep set it also checks
// that the elements ascend strictly (sorted, no duplicates). It never reads
// outside is.
func Validate(is []byte, deep bool) bool {
	if len(is) < headerSize {
		return false
	}
	enc := binary.LittleEndian.Uint32(is)
	if enc != enc16 && enc != enc32 && enc != enc64 {
		return false
	}
	n := uint64(binary.LittleEndian.Uint32(is[4:]))
	if headerSize+n*uint64(enc) != uint64(len(is)) || n == 0 {
		return false
	}
	if !deep {
		return true
	}
	prev := get(is, int(enc), 0)
	for i := 1; i < int(n); i++ {
		cur := get(is, int(enc), i)
		if cur <= prev {
			return false
		}
		prev = cur
	}
	return true
}
