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
// Every item of an index shares its hash's top Skip bits (a shard's keys
// share the bits that picked the shard); the buckets use the bits below.
package hashorder

import (
	"iter"
	"sort"
)

// Item is one key and its hash. Items order by Hash, then Key.
type Item struct {
	Hash uint64
	Key  string
}

func less(a, b Item) bool {
	if a.Hash != b.Hash {
		return a.Hash < b.Hash
	}
	return a.Key < b.Key
}

// perBucket is the average bucket size at which the buckets double.
const perBucket = 16

// Index is an ordered set of items. The zero value is not ready: use New.
type Index struct {
	skip    uint     // top hash bits all items share
	bits    uint     // log2(len(buckets))
	buckets [][]Item // each sorted; bucket i holds the hashes whose bits below skip start with i
	n       int
}

// New returns an empty index whose items all share their hashes' top
// skip bits (0 to 63).
func New(skip uint) *Index {
	return &Index{skip: skip, buckets: make([][]Item, 1)}
}

// Len is the number of items.
func (x *Index) Len() int { return x.n }

// Reset empties the index.
func (x *Index) Reset() {
	x.bits, x.buckets, x.n = 0, make([][]Item, 1), 0
}

func (x *Index) bucketOf(h uint64) int {
	if x.bits == 0 {
		return 0
	}
	return int((h << x.skip) >> (64 - x.bits))
}

// search returns the position of the first item of b not less than it.
func search(b []Item, it Item) int {
	return sort.Search(len(b), func(i int) bool { return !less(b[i], it) })
}

// Set adds it, or replaces the equal item; it reports whether one was
// there.
func (x *Index) Set(it Item) (replaced bool) {
	bi := x.bucketOf(it.Hash)
	b := x.buckets[bi]
	i := search(b, it)
	if i < len(b) && b[i] == it {
		b[i] = it
		return true
	}
	b = append(b, Item{})
	copy(b[i+1:], b[i:])
	b[i] = it
	x.buckets[bi] = b
	x.n++
	if x.n > perBucket*len(x.buckets) && x.skip+x.bits < 64 {
		x.grow()
	}
	return false
}

// grow doubles the buckets: bucket i splits into 2i (the next hash bit 0)
// and 2i+1 (bit 1), each already sorted.
func (x *Index) grow() {
	next := make([][]Item, 2*len(x.buckets))
	bit := uint64(1) << (63 - x.skip - x.bits) // the hash bit below the current bucket bits
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

// Get returns the item equal to it.
func (x *Index) Get(it Item) (Item, bool) {
	b := x.buckets[x.bucketOf(it.Hash)]
	if i := search(b, it); i < len(b) && b[i] == it {
		return b[i], true
	}
	return Item{}, false
}

// Delete removes the item equal to it, reporting whether there was one.
func (x *Index) Delete(it Item) bool {
	bi := x.bucketOf(it.Hash)
	b := x.buckets[bi]
	i := search(b, it)
	if i == len(b) || b[i] != it {
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
	for _, it := range b[search(b, pivot):] {
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
	for want := (x.n + n) / perBucket; x.skip+x.bits < 64 && len(x.buckets) < want; {
		x.grow()
	}
	for it := range items {
		x.Set(it)
	}
}
