// Package dict is the hash table behind Ember's hashes, sets and sorted sets
// once they outgrow their compact encodings. It is Redis's dict (src/dict.c):
// 2^n buckets chosen by the low n bits of a key's hash, so that Scan can walk
// the buckets with Redis's reverse-binary cursor and keep HSCAN/SSCAN/ZSCAN's
// guarantee across resizes, which Go maps cannot give.
//
// # Layout
//
// Redis chains a heap node per element. Here every element lives inline in
// one dense slice, items, and a bucket is only the index of the first item of
// its chain; each item holds the index of the next. So the whole table is two
// heap objects: heads, a []uint32 the garbage collector never scans, and
// items, in which the only pointers are the keys' bytes and whatever V holds.
// An element costs its item (hash, link, key header, value: 40 bytes for a
// string value) plus 4 to 8 bytes of bucket head, and no allocation of its own.
//
// Deleting an element moves the last item into its slot, so items has no
// holes: All walks a plain slice and Random is exactly uniform. Bucket
// membership depends only on the hash, not on an item's position, so moving
// items never disturbs the scan guarantee.
//
// # Resizing
//
// The table doubles when Len exceeds the number of buckets and shrinks to the
// smallest power of two holding Len (at least 4 buckets) when Len falls below
// an eighth of them. Unlike Redis, which rehashes a bucket at a time, a resize
// here relinks every item at once: one pass over items with no key hashed
// again (each item keeps 32 bits of its hash). That keeps Scan to a single
// table, at the price of a pause in the Set or Delete that crosses a
// threshold: 10 to 30 ms at a million elements (BenchmarkRelink), well under
// a millisecond at the tens of thousands a large hash usually holds.
//
// A Dict is not safe for concurrent use. The zero Dict is empty and ready.
package dict

import (
	"hash/maphash"
	"math"
	"strings"
	"unsafe"
)

// seed is one per process: cursors are only meaningful within a process, as
// in Redis, whose dict hash seed is also chosen at startup.
var seed = maphash.MakeSeed()

// minBuckets is the smallest table, as Redis's DICT_HT_INITIAL_SIZE.
const minBuckets = 4

// maxLen keeps every index+1 representable in a link.
const maxLen = math.MaxUint32 - 1

// link is an index into Dict.items plus one; 0 ends a chain, so a freshly
// made heads slice is a table of empty buckets.
type link uint32

// item is one element. hash and next come first so a chain walk that rejects
// on hash reads only the start of each item.
type item[V any] struct {
	hash uint32 // low 32 bits of the key's hash; enough for 2^32 buckets
	next link
	key  string
	val  V
}

// Dict is a hash table from string keys to values of type V.
type Dict[V any] struct {
	heads    []link // 2^n bucket heads
	items    []item[V]
	keyBytes int // sum of len(key), for MemSize
}

// New returns an empty Dict with room for sizeHint elements before its first
// resize.
func New[V any](sizeHint int) *Dict[V] {
	return &Dict[V]{
		heads: make([]link, bucketsFor(sizeHint)),
		items: make([]item[V], 0, max(sizeHint, 0)),
	}
}

// bucketsFor is the smallest table size holding n elements without growing.
func bucketsFor(n int) int {
	b := minBuckets
	for b < n {
		b <<= 1
	}
	return b
}

func hashOf(key string) uint32 {
	return uint32(maphash.String(seed, key))
}

// Len is the number of elements.
func (d *Dict[V]) Len() int { return len(d.items) }

// Buckets is the number of buckets: a power of two, at least 4 once the Dict
// has held an element.
func (d *Dict[V]) Buckets() int { return len(d.heads) }

func (d *Dict[V]) mask() uint32 { return uint32(len(d.heads) - 1) }

// find returns the index in items of key, whose hash is h, or -1.
func (d *Dict[V]) find(key string, h uint32) int {
	if len(d.heads) == 0 {
		return -1
	}
	for l := d.heads[h&d.mask()]; l != 0; {
		it := &d.items[l-1]
		if it.hash == h && it.key == key {
			return int(l - 1)
		}
		l = it.next
	}
	return -1
}

// Get returns the value stored for key. key may alias memory the caller
// reuses: Get keeps no reference to it and does not allocate.
func (d *Dict[V]) Get(key string) (V, bool) {
	if i := d.find(key, hashOf(key)); i >= 0 {
		return d.items[i].val, true
	}
	var zero V
	return zero, false
}

// Ptr returns a pointer to the value stored for key, for updating it in
// place, or nil if key is absent. The pointer is valid until the next Set,
// SetOwned or Delete on d.
func (d *Dict[V]) Ptr(key string) *V {
	if i := d.find(key, hashOf(key)); i >= 0 {
		return &d.items[i].val
	}
	return nil
}

// Set stores v for key and reports whether key is new. A new key is copied,
// so key may be a view of a buffer the caller reuses; an existing key keeps
// its stored copy and only its value changes.
func (d *Dict[V]) Set(key string, v V) (added bool) {
	return d.set(key, v, true)
}

// SetOwned is Set for a key the caller will never modify (an ordinary Go
// string, or one it already copied): a new key is stored without a copy.
func (d *Dict[V]) SetOwned(key string, v V) (added bool) {
	return d.set(key, v, false)
}

func (d *Dict[V]) set(key string, v V, clone bool) bool {
	h := hashOf(key)
	if i := d.find(key, h); i >= 0 {
		d.items[i].val = v
		return false
	}
	if len(d.items) >= maxLen {
		panic("dict: too many elements")
	}
	if clone {
		key = strings.Clone(key)
	}
	if len(d.heads) == 0 {
		d.heads = make([]link, minBuckets)
	}
	b := h & d.mask()
	d.items = append(d.items, item[V]{hash: h, next: d.heads[b], key: key, val: v})
	d.heads[b] = link(len(d.items))
	d.keyBytes += len(key)
	if len(d.items) > len(d.heads) {
		d.relink(len(d.heads) * 2)
	}
	return true
}

// Delete removes key and returns the value it had.
func (d *Dict[V]) Delete(key string) (V, bool) {
	var zero V
	if len(d.heads) == 0 {
		return zero, false
	}
	h := hashOf(key)
	for p := &d.heads[h&d.mask()]; *p != 0; {
		i := int(*p - 1)
		it := &d.items[i]
		if it.hash != h || it.key != key {
			p = &it.next
			continue
		}
		v := it.val
		*p = it.next
		d.keyBytes -= len(it.key)
		d.fillHole(i)
		d.shrinkIfSparse()
		return v, true
	}
	return zero, false
}

// fillHole moves the last item into slot i, already unlinked from its chain,
// so that items stays dense.
func (d *Dict[V]) fillHole(i int) {
	last := len(d.items) - 1
	if i != last {
		moved := d.items[last]
		p := &d.heads[moved.hash&d.mask()]
		for int(*p) != last+1 {
			p = &d.items[*p-1].next
		}
		*p = link(i + 1)
		d.items[i] = moved
	}
	d.items[last] = item[V]{} // drop the key and value for the collector
	d.items = d.items[:last]
}

// shrinkIfSparse halves the table, as many times as needed, once fewer than
// an eighth of the buckets would be used (Redis's HASHTABLE_MIN_FILL), and
// gives back the items' spare capacity at the same time.
func (d *Dict[V]) shrinkIfSparse() {
	n := len(d.heads)
	if n <= minBuckets || len(d.items) >= n/8 {
		return
	}
	b := bucketsFor(len(d.items))
	if cap(d.items) > 2*b {
		items := make([]item[V], len(d.items), b)
		copy(items, d.items)
		d.items = items
	}
	d.relink(b)
}

// relink rebuilds the chains for a table of n buckets. Items stay where they
// are; only heads and the next links change.
func (d *Dict[V]) relink(n int) {
	heads := make([]link, n)
	mask := uint32(n - 1)
	for i := range d.items {
		it := &d.items[i]
		b := it.hash & mask
		it.next = heads[b]
		heads[b] = link(i + 1)
	}
	d.heads = heads
}

// Clone returns a copy of d that shares nothing mutable with it. Keys are
// immutable strings and are shared; values are copied by assignment, so a V
// that holds pointers still points at the same memory.
func (d *Dict[V]) Clone() *Dict[V] {
	c := &Dict[V]{keyBytes: d.keyBytes}
	if d.heads != nil {
		c.heads = make([]link, len(d.heads))
		copy(c.heads, d.heads)
	}
	if d.items != nil {
		c.items = make([]item[V], len(d.items))
		copy(c.items, d.items)
	}
	return c
}

// MemSize estimates the bytes d holds: its bucket heads, its items (including
// spare capacity) and its keys' bytes as stored, without allocator rounding.
// Memory that values point to is not counted.
func (d *Dict[V]) MemSize() int64 {
	var it item[V]
	return int64(unsafe.Sizeof(*d)) +
		int64(cap(d.heads))*int64(unsafe.Sizeof(link(0))) +
		int64(cap(d.items))*int64(unsafe.Sizeof(it)) +
		int64(d.keyBytes)
}
