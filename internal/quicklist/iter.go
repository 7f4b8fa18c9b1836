package quicklist

import "github.com/emberkv/ember/internal/listpack"

// Iter walks a list from an index towards the tail or the head, and can
// delete the element it is on and go on walking (LREM), or insert next to
// it or replace it and stop (LINSERT, LSET). It is a value: making one
// allocates nothing.
//
//	for it := l.IterAt(0, true); it.Next(); {
//		if it.Equal(v) {
//			it.Delete()
//		}
//	}
type Iter struct {
	l       *List
	n       *node
	off     int  // byte offset in n.lp of the current entry
	forward bool // towards the tail
	// pending says that off already addresses the entry Next is to
	// return: the start, or the entry after one Delete removed.
	pending bool
}

// IterAt returns an iterator whose first Next yields element i (negative:
// from the tail), then the elements after it (forward) or before it. With
// i out of range, Next returns false at once.
func (l *List) IterAt(i int, forward bool) Iter {
	it := Iter{l: l, forward: forward}
	i, ok := l.normalize(i)
	if !ok {
		return it
	}
	n, j := l.locate(i)
	it.n, it.off, it.pending = n, listpack.Seek(n.lp, j), true
	return it
}

// Next moves to the next element and reports whether there is one.
func (it *Iter) Next() bool {
	if it.n == nil {
		return false
	}
	switch {
	case it.pending:
		it.pending = false
	case it.forward:
		it.off = listpack.Next(it.n.lp, it.off)
	default:
		it.off = listpack.Prev(it.n.lp, it.off)
	}
	for it.off < 0 || it.off == listpack.Terminator(it.n.lp) {
		if it.forward {
			it.n = it.n.next
		} else {
			it.n = it.n.prev
		}
		if it.n == nil {
			return false
		}
		if it.forward {
			it.off = listpack.First(it.n.lp)
		} else {
			it.off = listpack.Last(it.n.lp)
		}
	}
	return true
}

// Value returns the current element: a string, which aliases the list and
// is valid until it next changes, or an integer with isInt set.
func (it *Iter) Value() (s []byte, n int64, isInt bool) {
	return listpack.Get(it.n.lp, it.off)
}

// Append appends the current element to dst, an integer as its decimal
// text.
func (it *Iter) Append(dst []byte) []byte {
	return listpack.AppendValue(dst, it.n.lp, it.off)
}

// Equal reports whether the current element equals v.
func (it *Iter) Equal(v []byte) bool { return listpack.Equal(it.n.lp, it.off, v) }

// Delete removes the current element; the next Next yields the element
// that followed it in the iterator's direction. As quicklistDelEntry.
func (it *Iter) Delete() {
	n := it.n
	prev, next := n.prev, n.next
	if it.l.deleteAt(n, it.off) {
		// The node went with its last element: go on from its neighbour.
		if it.forward {
			it.n = next
			if next != nil {
				it.off, it.pending = listpack.First(next.lp), true
			}
		} else {
			it.n = prev
			if prev != nil {
				it.off, it.pending = listpack.Last(prev.lp), true
			}
		}
		return
	}
	// off now addresses the entry after the deleted one (or the
	// terminator): forward, that is the next; backward, Prev of it is.
	it.pending = it.forward
}

// Insert adds v before or after the current element. The iterator is
// done afterwards (its Next returns false), as Redis resets its iterator
// after an insert.
func (it *Iter) Insert(v []byte, after bool) {
	it.l.insert(it.n, it.off, v, after)
	it.n = nil
}

// Replace sets the current element to v, as quicklistReplaceEntry. The
// iterator is done afterwards.
func (it *Iter) Replace(v []byte) {
	l, n := it.l, it.n
	it.n = nil
	switch {
	case !n.plain && !isLarge(len(v)):
		// As Redis, in place, even when that takes the node past its fill.
		l.setLP(n, listpack.Replace(n.lp, it.off, v))
	case n.plain && isLarge(len(v)):
		l.setLP(n, listpack.Replace(n.lp, it.off, v))
	case n.plain:
		l.insert(n, it.off, v, true)
		l.unlinkNode(n)
	default:
		// A large element in a packed node: it goes after the old one, in a
		// node of its own, and the old one (now last of its node) goes.
		l.insert(n, it.off, v, true)
		l.deleteAt(n, listpack.Last(n.lp))
	}
}
