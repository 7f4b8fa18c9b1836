// Package dict is the hash table behind Ember's hashes, sets and sorted sets
// once they outgrow their compact encodings. It is Redis's dict (src/dict.c):
// 2^n buckets chosen by the low n bits of a key's hash, so that Scan can walk
// the buckets with Redis's reverse-binary cursor and keep HSCAN/SSCAN/ZSCAN's
// guarantee across resizes, which Go maps cannot give.
//
// # Layout
//
// Redis chains a heap node per element. Here every element lives inline in
// one dense array of items, and a bucket is only the index of the first item
// of its chain; each item holds the index of the next. So the table is a few
// heap objects however many elements it holds: heads, a []uint32 the garbage
// collector never scans, and the items in chunks of 1024 (see slab), in
// which the only pointers are the keys' bytes and whatever V holds. An
// element costs its item (hash, link, key header, value: 40 bytes for a
// string value) plus 4 to 8 bytes of bucket head, and no allocation of its
// own.
//
// Deleting an element moves the last item into its slot, so the items have
// no holes: All walks them in order and Random is exactly uniform. Bucket
// membership depends only on the hash, not on an item's position, so moving
// items never disturbs the scan guarantee.
//
// # Resizing
//
// The table doubles when Len exceeds the number of buckets and shrinks to the
// smallest power of two holding Len (at least 4 buckets) when Len falls below
// an eighth of them. As in Redis, a resize is incremental, so no single call
// pauses to relink a million items (10 to 30 ms, BenchmarkRelink): the new
// table is made empty, and every Set and Delete moves one more bucket of the
// old table into it (a bucket needs no key hashed again: each item keeps 32
// bits of its hash). Get never moves anything, so concurrent readers need
// only a read lock. Unlike Redis, which puts every new key in the new table,
// a key's table is a function of its hash: old buckets below oldNext have
// moved, so a key whose old bucket is below oldNext is in the new table and
// any other in the old one. Each lookup therefore searches one chain.
//
// A Dict is not safe for concurrent use while it is modified; Get, Ptr, Len,
// Scan, All and Random only read. The zero Dict is empty and ready.
package dict

import (
	"hash/maphash"
	"math"
	"strings"
	"unsafe"

	"github.com/emberkv/ember/internal/memsize"
)

// seed is one per process: cursors are only meaningful within a process, as
// in Redis, whose dict hash seed is also chosen at startup.
var seed = maphash.MakeSeed()

// minBuckets is the smallest table, as Redis's DICT_HT_INITIAL_SIZE.
const minBuckets = 4

// maxLen keeps every index+1 representable in a link.
const maxLen = math.MaxUint32 - 1

// link is an index into a Dict's items plus one; 0 ends a chain, so a freshly
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
	heads    []link // 2^n bucket heads; during a resize, the new table
	old      []link // during a resize, the table being emptied into heads
	oldNext  int    // old[:oldNext] have moved to heads and are empty
	items    slab[V]
	keyBytes int // what the keys' bytes occupy (size classes), for MemSize
}

// New returns an empty Dict with room for sizeHint elements before its first
// resize.
func New[V any](sizeHint int) *Dict[V] {
	return &Dict[V]{
		heads: make([]link, bucketsFor(sizeHint)),
		items: makeSlab[V](sizeHint),
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
func (d *Dict[V]) Len() int { return d.items.n }

// Buckets is the number of buckets: a power of two, at least 4 once the Dict
// has held an element. During a resize it is the size being moved to.
func (d *Dict[V]) Buckets() int { return len(d.heads) }

// chain returns the head of the chain that holds, or would hold, the key
// whose hash is h. d must have buckets.
func (d *Dict[V]) chain(h uint32) *link {
	if d.old != nil {
		if b := int(h & uint32(len(d.old)-1)); b >= d.oldNext {
			return &d.old[b]
		}
	}
	return &d.heads[h&uint32(len(d.heads)-1)]
}

// find returns the index in items of key, whose hash is h, or -1.
func (d *Dict[V]) find(key string, h uint32) int {
	if len(d.heads) == 0 {
		return -1
	}
	for l := *d.chain(h); l != 0; {
		it := d.items.at(int(l - 1))
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
		return d.items.at(i).val, true
	}
	var zero V
	return zero, false
}

// Ptr returns a pointer to the value stored for key, for updating it in
// place, or nil if key is absent. The pointer is valid until the next Set,
// SetOwned or Delete on d.
func (d *Dict[V]) Ptr(key string) *V {
	if i := d.find(key, hashOf(key)); i >= 0 {
		return &d.items.at(i).val
	}
	return nil
}

// Replace stores v for key if key is there, together with key itself as
// the stored key (which the caller will never modify, as with SetOwned), and
// returns the value it had. A caller whose values share one allocation with
// their key (the store's hash fields) swaps both in one lookup, where Delete
// then SetOwned took two. A miss changes nothing.
func (d *Dict[V]) Replace(key string, v V) (V, bool) {
	i := d.find(key, hashOf(key))
	if i < 0 {
		var zero V
		return zero, false
	}
	it := d.items.at(i)
	old := it.val
	it.key, it.val = key, v
	return old, true
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
	if d.old != nil {
		d.step()
	}
	h := hashOf(key)
	if i := d.find(key, h); i >= 0 {
		d.items.at(i).val = v
		return false
	}
	if d.items.n >= maxLen {
		panic("dict: too many elements")
	}
	if clone {
		key = strings.Clone(key)
	}
	if len(d.heads) == 0 {
		d.heads = make([]link, minBuckets)
	}
	p := d.chain(h)
	d.items.push(item[V]{hash: h, next: *p, key: key, val: v})
	*p = link(d.items.n)
	d.keyBytes += memsize.Alloc(len(key))
	d.resizeIfNeeded()
	return true
}

// Delete removes key and returns the value it had.
func (d *Dict[V]) Delete(key string) (V, bool) {
	var zero V
	if len(d.heads) == 0 {
		return zero, false
	}
	if d.old != nil {
		// A miss changes nothing, not even the progress of a resize: the
		// store accounts a value's memory around its changes only.
		if _, ok := d.Get(key); !ok {
			return zero, false
		}
		d.step()
	}
	h := hashOf(key)
	for p := d.chain(h); *p != 0; {
		i := int(*p - 1)
		it := d.items.at(i)
		if it.hash != h || it.key != key {
			p = &it.next
			continue
		}
		v := it.val
		*p = it.next
		d.keyBytes -= memsize.Alloc(len(it.key))
		d.fillHole(i)
		d.resizeIfNeeded()
		return v, true
	}
	return zero, false
}

// fillHole moves the last item into slot i, already unlinked from its chain,
// so that the items stay dense.
func (d *Dict[V]) fillHole(i int) {
	last := d.items.n - 1
	if i != last {
		moved := d.items.at(last)
		p := d.chain(moved.hash)
		for int(*p) != last+1 {
			p = &d.items.at(int(*p - 1)).next
		}
		*p = link(i + 1)
		*d.items.at(i) = *moved
	}
	d.items.pop()
}

// resizeIfNeeded starts a resize when Len has outgrown the table or fills
// less than an eighth of it (Redis's HASHTABLE_MIN_FILL). As Redis's
// dictExpandIfNeeded and dictShrinkIfNeeded, it waits while a resize is under
// way: the moves each Set and Delete make end it soon, and the first call
// after that resizes as far as Len requires. A shrink also gives back the
// items' spare capacity.
func (d *Dict[V]) resizeIfNeeded() {
	n := len(d.heads)
	switch {
	case d.old != nil:
	case d.items.n > n:
		d.resize(bucketsFor(d.items.n))
	case n > minBuckets && d.items.n < n/8:
		b := bucketsFor(d.items.n)
		d.items.trim(b)
		d.resize(b)
	}
}

// resize starts moving the elements to an empty table of n buckets.
func (d *Dict[V]) resize(n int) {
	d.old, d.oldNext = d.heads, 0
	d.heads = make([]link, n)
	d.step()
}

// step moves a bucket of the resize under way and, if that ends it, starts
// the next resize should Len have left the new table's bounds meanwhile.
func (d *Dict[V]) step() {
	d.moveBucket()
	if d.old == nil {
		d.resizeIfNeeded()
	}
}

// moveBucket moves the next non-empty bucket of the old table to the new,
// looking at no more than 16 empty ones (Redis's dictRehash looks at ten per
// bucket it moves), and ends the resize when the old table is empty.
func (d *Dict[V]) moveBucket() {
	mask := uint32(len(d.heads) - 1)
	for range 16 {
		if d.oldNext == len(d.old) {
			break
		}
		l := d.old[d.oldNext]
		d.old[d.oldNext] = 0
		d.oldNext++
		empty := l == 0
		for l != 0 {
			it := d.items.at(int(l - 1))
			next := it.next
			b := it.hash & mask
			it.next = d.heads[b]
			d.heads[b] = l
			l = next
		}
		if !empty {
			break
		}
	}
	if d.oldNext == len(d.old) {
		d.old, d.oldNext = nil, 0
	}
}

// relink rebuilds the chains for a table of n buckets at once, ending any
// resize under way. Items stay where they are; only heads and the next links
// change. Only BenchmarkRelink uses it, to show the pause that incremental
// resizing avoids.
func (d *Dict[V]) relink(n int) {
	heads := make([]link, n)
	mask := uint32(n - 1)
	for i := range d.items.n {
		it := d.items.at(i)
		b := it.hash & mask
		it.next = heads[b]
		heads[b] = link(i + 1)
	}
	d.heads, d.old, d.oldNext = heads, nil, 0
}

// Clone returns a copy of d that shares nothing mutable with it. Keys are
// immutable strings and are shared; values are copied by assignment, so a V
// that holds pointers still points at the same memory.
func (d *Dict[V]) Clone() *Dict[V] {
	c := &Dict[V]{keyBytes: d.keyBytes, oldNext: d.oldNext}
	if d.heads != nil {
		c.heads = make([]link, len(d.heads))
		copy(c.heads, d.heads)
	}
	if d.old != nil {
		c.old = make([]link, len(d.old))
		copy(c.old, d.old)
	}
	c.items = d.items.clone()
	return c
}

// MemSize estimates the bytes d holds: its bucket heads (both tables during a
// resize), its items including spare room, and its keys' bytes as the
// allocator rounds them. Memory that values point to is not counted, and
// a Clone counts the keys it shares with the original.
func (d *Dict[V]) MemSize() int64 {
	return int64(unsafe.Sizeof(*d)) +
		int64(cap(d.heads)+cap(d.old))*int64(unsafe.Sizeof(link(0))) +
		d.items.memSize() +
		int64(d.keyBytes)
}
