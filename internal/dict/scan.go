package dict

import (
	"iter"
	"math/bits"
	"math/rand/v2"
)

// Scan calls fn for every element of the bucket that cursor names and
// returns the cursor of the next bucket, or 0 when the walk is complete.
// Start with cursor 0. As Redis's dictScan, the cursor advances by
// incrementing its reversed bits, so the high bits of a bucket index change
// fastest. When the table doubles, bucket b splits into b and b+size, which
// both come after b in that order; when it halves, the buckets merged into
// the one the cursor now names were either both visited already or both
// not. So an element present from the first call to the last is passed to fn
// at least once whatever Set and Delete do between calls; it may be passed
// more than once when the table shrinks. fn must not modify d.
func (d *Dict[V]) Scan(cursor uint64, fn func(key string, v V)) uint64 {
	if len(d.items) == 0 {
		return 0
	}
	mask := uint64(len(d.heads) - 1)
	for l := d.heads[cursor&mask]; l != 0; {
		it := &d.items[l-1]
		fn(it.key, it.val)
		l = it.next
	}
	// Set the bits above the mask so that the increment carries through
	// them and leaves them zero: the next cursor is always below the size.
	cursor |= ^mask
	cursor = bits.Reverse64(cursor)
	cursor++
	return bits.Reverse64(cursor)
}

// All yields every element once, in no particular order. The loop body may
// Delete the key it was given, but must not otherwise modify d.
func (d *Dict[V]) All() iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		// Walking backwards makes deleting the current element safe:
		// Delete fills its slot with the last item, which was already
		// yielded.
		for i := len(d.items) - 1; i >= 0; i-- {
			if i >= len(d.items) {
				continue
			}
			it := &d.items[i]
			if !yield(it.key, it.val) {
				return
			}
		}
	}
}

// Random returns an element chosen uniformly, or false if d is empty.
// intN(n) must return a number in [0, n), as math/rand/v2's IntN or
// (*rand.Rand).IntN do; nil means rand.IntN. Since items are dense, this is
// exactly fair, where Redis's dictGetFairRandomKey only approximates it by
// sampling buckets.
func (d *Dict[V]) Random(intN func(n int) int) (key string, v V, ok bool) {
	if len(d.items) == 0 {
		return "", v, false
	}
	if intN == nil {
		intN = rand.IntN
	}
	it := &d.items[intN(len(d.items))]
	return it.key, it.val, true
}
