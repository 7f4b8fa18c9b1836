// Package hashorder keeps a set of keys in the order of their hashes, for
// a SCAN cursor (the next hash to visit) that stays valid however the set
// changes, as Redis's reverse-binary cursor over its hash table.
//
// Hashes are uniform, so a sorted array cut into buckets by the hash's top
// bits needs no tree: the bucket is found by a shift, and an insert or a
// lookup searches and moves only the bucket's few items. A balanced tree
// takes a dozen comparisons, a cache miss each on a big index, for the
// same work. When the items outgrow the buckets (16 a bucket on average),
// each bucket splits in two by the next bit of the hash, which keeps the
// order. The index never shrinks but on Reset.
//
// Every key of an index shares its hash's top skip bits (a shard's keys
// share the bits that picked the shard). An item keeps the 32 bits below
// those, which order the keys, and the key by its bytes' address and a
// 32-bit length: 16 bytes, where a 64-bit hash and a string header took
// 24. The index holds
// the key's bytes, not a copy, so a caller passes the string it keeps
// itself.
package hashorder

import (
	"iter"
	"math"
	"sort"
	"strings"
	"unsafe"
)

// Item is one key and 32 bits of its hash. Items order by Hash, then key.
// Make items with Index.Item; the zero Item with a Hash set is a pivot
// before every key of that Hash.
type Item struct {
	key *byte  // the key's bytes, or a *string if n is longKeyLen
	n   uint32 // len(key)
	// Hash is the 32 bits of the key's hash right below the index's top
	// skip bits: what orders the keys of one index.
	Hash uint32
}

// A key of longKey bytes or more (4 GiB, where proto-max-bulk-len allows
// it) does not fit n: its item points to a string header of its own,
// which costs the one allocation only such keys need. A variable, so that
// a test can try the path without a 4 GiB key.
var longKey uint64 = math.MaxUint32

const longKeyLen = math.MaxUint32 // n of an item whose key points to a string

// Key is the item's key: the string the item was made from.
func (it Item) Key() string {
	if it.n == longKeyLen {
		return *(*string)(unsafe.Pointer(it.key))
	}
	return unsafe.String(it.key, it.n)
}

// Compare orders a and b as the index does: -1, 0 or +1.
func Compare(a, b Item) int {
	switch {
	case a.Hash < b.Hash:
		return -1
	case a.Hash > b.Hash:
		return 1
	}
	return strings.Compare(a.Key(), b.Key())
}

func less(a, b Item) bool {
	return a.Hash < b.Hash || a.Hash == b.Hash && a.Key() < b.Key()
}

func equal(a, b Item) bool {
	return a.Hash == b.Hash && a.n == b.n && (a.key == b.key || a.Key() == b.Key())
}

// perBucket is the average bucket size at which the buckets double.
const perBucket = 16

// Index is an ordered set of items. The zero value is not ready: use New.
type Index struct {
	skip    uint     // top hash bits all keys share
	bits    uint     // log2(len(buckets)), at most 32 and 64-skip
	buckets [][]Item // each sorted; bucket i holds the items whose Hash starts with the bits of i
	n       int
}

// New returns an empty index whose keys all share their hashes' top skip
// bits (0 to 63).
func New(skip uint) *Index {
	return &Index{skip: skip, buckets: make([][]Item, 1)}
}

// Item returns the item of key, whose 64-bit hash is h. The item refers
// to key's bytes: they must stay as they are while the item is in the
// index. With key "", it is the pivot before every key of its Hash.
func (x *Index) Item(h uint64, key string) Item {
	it := Item{key: unsafe.StringData(key), n: uint32(len(key)), Hash: uint32(h << x.skip >> 32)}
	if uint64(len(key)) >= longKey {
		it.key, it.n = longKeyHeader(key), longKeyLen
	}
	return it
}

// longKeyHeader puts key's string header on the heap, for an item of a
// key too long for Item.n.
func longKeyHeader(key string) *byte {
	p := new(string)
	*p = key
	return (*byte)(unsafe.Pointer(p))
}

// Bits returns the bits of the 64-bit hash that it keeps, in their place:
// the 32 bits below the top skip bits (all of those there are, when skip
// is 32 or more), the rest 0. Ordered as the items are.
func (x *Index) Bits(it Item) uint64 {
	return uint64(it.Hash) << 32 >> x.skip
}

// Len is the number of items.
func (x *Index) Len() int { return x.n }

// Reset empties the index.
func (x *Index) Reset() {
	x.bits, x.buckets, x.n = 0, make([][]Item, 1), 0
}

func (x *Index) bucketOf(hash uint32) int {
	if x.bits == 0 {
		return 0
	}
	return int(hash >> (32 - x.bits))
}

// search returns the position of the first item of bucket b not less
// than it. The bucket's hashes are spread evenly over its range, so the
// position is first guessed from where it.Hash falls in that range and
// looked for a few items either side; only if it is not there does a
// binary search of the rest follow (keys sharing a hash, or an index
// whose buckets cannot split). The guess lands on the item's cache line
// where a binary search touched two or three of a 16-item bucket's four:
// BenchmarkGet 51 ns to 39.
func (x *Index) search(b []Item, it Item) int {
	if len(b) == 0 {
		return 0
	}
	// The hash bits below the bucket's own, as a fraction of its range.
	off := uint64(it.Hash) << x.bits & math.MaxUint32
	i := int(off * uint64(len(b)) >> 32)
	if i < len(b) && less(b[i], it) {
		lo := i + 1 // the answer is past i
		for end := min(lo+guessWalk, len(b)); lo < end; lo++ {
			if !less(b[lo], it) {
				return lo
			}
		}
		return lo + binarySearch(b[lo:], it)
	}
	hi := i // the answer is i or before
	for end := max(hi-guessWalk, 0); hi > end; hi-- {
		if less(b[hi-1], it) {
			return hi
		}
	}
	return binarySearch(b[:hi], it)
}

// guessWalk is how many items search looks at beside its guess.
const guessWalk = 4

// binarySearch returns the position of the first item of b not less
// than it.
func binarySearch(b []Item, it Item) int {
	lo, hi := 0, len(b)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if less(b[m], it) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// Set adds it, or replaces the equal item; it reports whether one was
// there.
func (x *Index) Set(it Item) (replaced bool) {
	bi := x.bucketOf(it.Hash)
	b := x.buckets[bi]
	i := x.search(b, it)
	if i < len(b) && equal(b[i], it) {
		b[i] = it
		return true
	}
	b = append(b, Item{})
	copy(b[i+1:], b[i:])
	b[i] = it
	x.buckets[bi] = b
	x.n++
	if x.n > perBucket*len(x.buckets) && x.bits < 32 && x.skip+x.bits < 64 {
		x.grow()
	}
	return false
}

// grow doubles the buckets: bucket i splits into 2i (the next hash bit 0)
// and 2i+1 (bit 1), each already sorted.
func (x *Index) grow() {
	next := make([][]Item, 2*len(x.buckets))
	bit := uint32(1) << (31 - x.bits) // the hash bit below the current bucket bits
	for i, b := range x.buckets {
		cut := sort.Search(len(b), func(j int) bool { return b[j].Hash&bit != 0 })
		// Exact-size copies: the halves must not share an array, or an
		// insert into the first would write over the second.
		next[2*i] = append([]Item(nil), b[:cut]...)
		next[2*i+1] = append([]Item(nil), b[cut:]...)
	}
	x.buckets = next
	x.bits++
}

// Get returns the item equal to it: the one the index holds, with the
// key's bytes it was given.
func (x *Index) Get(it Item) (Item, bool) {
	b := x.buckets[x.bucketOf(it.Hash)]
	if i := x.search(b, it); i < len(b) && equal(b[i], it) {
		return b[i], true
	}
	return Item{}, false
}

// Delete removes the item equal to it, reporting whether there was one.
func (x *Index) Delete(it Item) bool {
	bi := x.bucketOf(it.Hash)
	b := x.buckets[bi]
	i := x.search(b, it)
	if i == len(b) || !equal(b[i], it) {
		return false
	}
	copy(b[i:], b[i+1:])
	b[len(b)-1] = Item{} // drop the key's reference
	b = b[:len(b)-1]
	if len(b) == 0 {
		b = nil
	}
	x.buckets[bi] = b
	x.n--
	return true
}

// Ascend calls fn with every item not less than pivot, in order, until fn
// returns false. fn must not change the index.
func (x *Index) Ascend(pivot Item, fn func(Item) bool) {
	bi := x.bucketOf(pivot.Hash)
	b := x.buckets[bi]
	for _, it := range b[x.search(b, pivot):] {
		if !fn(it) {
			return
		}
	}
	for _, b := range x.buckets[bi+1:] {
		for _, it := range b {
			if !fn(it) {
				return
			}
		}
	}
}

// Scan calls fn with every item, in order, until fn returns false.
func (x *Index) Scan(fn func(Item) bool) {
	for _, b := range x.buckets {
		for _, it := range b {
			if !fn(it) {
				return
			}
		}
	}
}

// Min returns the first item.
func (x *Index) Min() (Item, bool) {
	for _, b := range x.buckets {
		if len(b) > 0 {
			return b[0], true
		}
	}
	return Item{}, false
}

// GetAt returns the item at position i in the order (0 <= i < Len), in
// time proportional to the number of buckets.
func (x *Index) GetAt(i int) (Item, bool) {
	if i < 0 || i >= x.n {
		return Item{}, false
	}
	for _, b := range x.buckets {
		if i < len(b) {
			return b[i], true
		}
		i -= len(b)
	}
	return Item{}, false
}

// Load adds n items, as Set does each, with the buckets sized for them
// first: items given in the index's order only append to their buckets.
func (x *Index) Load(n int, items iter.Seq[Item]) {
	for want := (x.n + n) / perBucket; x.bits < 32 && x.skip+x.bits < 64 && len(x.buckets) < want; {
		x.grow()
	}
	for it := range items {
		x.Set(it)
	}
}
