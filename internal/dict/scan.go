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
	if d.items.n == 0 {
		return 0
	}
	if d.old == nil {
		mask := uint64(len(d.heads) - 1)
		d.visit(d.heads[cursor&mask], fn)
		return nextCursor(cursor, mask)
	}
	// During a resize an element is in one table or the other, so visit
	// the cursor's bucket in the smaller table and every bucket of the
	// larger that it splits into, as dictScan does: the walk is then the
	// one it would be over the smaller table alone.
	small, large := d.old, d.heads
	if len(small) > len(large) {
		small, large = large, small
	}
	m0, m1 := uint64(len(small)-1), uint64(len(large)-1)
	d.visit(small[cursor&m0], fn)
	for {
		d.visit(large[cursor&m1], fn)
		cursor = nextCursor(cursor, m1)
		if cursor&(m0^m1) == 0 { // back to the first of the split buckets
			return cursor
		}
	}
}

// nextCursor increments the bits of cursor under mask in reverse order.
// Setting the bits above the mask first makes the increment carry through
// them and leave them zero, so the next cursor is always below the size.
func nextCursor(cursor, mask uint64) uint64 {
	return bits.Reverse64(bits.Reverse64(cursor|^mask) + 1)
}

func (d *Dict[V]) visit(l link, fn func(key string, v V)) {
	for l != 0 {
		it := d.items.at(int(l - 1))
		fn(it.key, it.val)
		l = it.next
	}
}

// All yields every element once, in no particular order. The loop body may
// Delete the key it was given, but must not otherwise modify d.
func (d *Dict[V]) All() iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		// Walking backwards makes deleting the current element safe:
		// Delete fills its slot with the last item, which was already
		// yielded.
		for i := d.items.n - 1; i >= 0; i-- {
			if i >= d.items.n {
				continue
			}
			it := d.items.at(i)
			if !yield(it.key, it.val) {
				return
			}
		}
	}
}

// Random returns an element chosen uniformly, or false if d is empty.
// intN(n) must return a number in [0, n), as math/rand/v2's IntN or
// (*rand.Rand).IntN do; nil means rand.IntN. Since the items are dense, this is
// exactly fair, where Redis's dictGetFairRandomKey only approximates it by
// sampling buckets.
func (d *Dict[V]) Random(intN func(n int) int) (key string, v V, ok bool) {
	if d.items.n == 0 {
		return "", v, false
	}
	if intN == nil {
		intN = rand.IntN
	}
	it := d.items.at(intN(d.items.n))
	return it.key, it.val, true
}
