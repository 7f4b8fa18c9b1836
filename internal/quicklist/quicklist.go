// Package quicklist is Redis 7.0's list encoding: a doubly linked chain of
// nodes, each a listpack (internal/listpack) of a bounded size, so that a
// list of a million short elements costs little more than its bytes and a
// push or pop at either end touches one small listpack.
//
// It follows quicklist.c of Redis 7.0.15 closely: the same fill rules
// (list-max-listpack-size: a positive fill caps the entries of a node, -1 to
// -5 cap its bytes at 4 to 64 KB, with an 8 KB safety limit on count-capped
// nodes), the same split of a full node on an insert in its middle and the
// same merge of neighbours afterwards, and nodes of their own ("plain"
// nodes) for elements of packed_threshold (1 GB) or more. Node compression
// (list-compress-depth) is not implemented: Redis's default is 0, off.
//
// Why a linked list of nodes rather than a slice of them: it is what Redis
// does, so every rule above reads the same here as in quicklist.c; pushes,
// pops, splits and merges each relink a node or two in O(1). It costs the
// collector two pointers per node, and a node holds up to 8 KB of elements
// by default, so a million short elements make some two thousand nodes.
//
// Values are binary-safe byte strings. A listpack stores a value that reads
// as a canonical integer as an integer; readers get it back as the same
// decimal text.
package quicklist

import (
	"encoding/binary"
	"unsafe"

	"github.com/emberkv/ember/internal/listpack"
)

// The limits of quicklist.c.
const (
	// sizeSafetyLimit caps a count-limited node (positive fill) at 8 KB.
	sizeSafetyLimit = 8192
	// sizeEstimateOverhead is what an insert adds beyond the value's length
	// in Redis's estimate of a node's new size.
	sizeEstimateOverhead = 8
	// fillMax and fillMin are quicklistSetFill's bounds.
	fillMax = 1<<15 - 1
	fillMin = -5
	// DefaultFill is list-max-listpack-size's default, 8 KB nodes.
	DefaultFill  = -2
	lpHeaderSize = 6 // a listpack's total-bytes and count
	lpCountMax   = 65535
)

// packedThreshold is the element size from which an element gets a node of
// its own, as Redis's packed_threshold (1 GB); a variable so that tests can
// lower it.
var packedThreshold = 1 << 30

// optimizationLevel is the byte limit of a node for fill -1 .. -5.
var optimizationLevel = [...]int{4096, 8192, 16384, 32768, 65536}

// node is one listpack of the chain. count is the listpack's entry count,
// kept here so that index walks read no listpack header.
type node struct {
	prev, next *node
	lp         []byte
	count      int
	// plain marks a node made for one large element (Redis's
	// QUICKLIST_NODE_CONTAINER_PLAIN). It still holds a listpack of that
	// one entry; it is never inserted into nor merged.
	plain bool
}

// nodeOverhead is what a node costs besides its listpack's bytes.
const nodeOverhead = int64(unsafe.Sizeof(node{}))

// List is a quicklist. The zero value is not ready: use New.
type List struct {
	head, tail *node
	count      int   // elements
	nodes      int   // nodes
	fill       int   // list-max-listpack-size at creation
	bytes      int64 // the listpacks' capacities plus nodeOverhead per node
}

// New returns an empty list whose nodes follow fill (list-max-listpack-size),
// clamped to Redis's range as quicklistSetFill does. As in Redis, a list
// keeps the fill it was created with.
func New(fill int) *List {
	return &List{fill: min(max(fill, fillMin), fillMax)}
}

// Len returns the number of elements.
func (l *List) Len() int { return l.count }

// Nodes returns the number of nodes.
func (l *List) Nodes() int { return l.nodes }

// Fill returns the list's fill (list-max-listpack-size).
func (l *List) Fill() int { return l.fill }

// MemSize returns the bytes the list takes: its listpacks' allocations and
// node structs. It is O(1).
func (l *List) MemSize() int64 { return int64(unsafe.Sizeof(List{})) + l.bytes }

func isLarge(sz int) bool { return sz >= packedThreshold }

// sizeMeetsOptimization is _quicklistNodeSizeMeetsOptimizationRequirement:
// for a negative fill, whether sz is within that fill's byte limit.
func sizeMeetsOptimization(sz, fill int) bool {
	if fill >= 0 {
		return false
	}
	i := -fill - 1
	return i < len(optimizationLevel) && sz <= optimizationLevel[i]
}

// allowInsert is _quicklistNodeAllowInsert: whether n takes one more element
// of sz bytes.
func (l *List) allowInsert(n *node, sz int) bool {
	if n == nil || n.plain || isLarge(sz) {
		return false
	}
	newSz := len(n.lp) + sz + sizeEstimateOverhead
	switch {
	case sizeMeetsOptimization(newSz, l.fill):
		return true
	case newSz > sizeSafetyLimit:
		return false
	}
	return n.count < l.fill
}

// allowMerge is _quicklistNodeAllowMerge.
func (l *List) allowMerge(a, b *node) bool {
	if a == nil || b == nil || a.plain || b.plain {
		return false
	}
	// Redis's estimate of the merged size: one header and terminator fewer
	// (11 is the ziplist's, kept by Redis for listpacks).
	sz := len(a.lp) + len(b.lp) - 11
	switch {
	case sizeMeetsOptimization(sz, l.fill):
		return true
	case sz > sizeSafetyLimit:
		return false
	}
	return a.count+b.count <= l.fill
}

// setLP replaces n's listpack, keeping the byte count exact.
func (l *List) setLP(n *node, lp []byte) {
	l.bytes += int64(cap(lp) - cap(n.lp))
	n.lp = lp
}

// newNode returns a detached node holding v alone.
func (l *List) newNode(v []byte, plain bool) *node {
	lp := listpack.New(lpHeaderSize + 1 + listpack.EntrySize(v))
	lp = listpack.Append(lp, v)
	n := &node{lp: lp, count: 1, plain: plain}
	l.bytes += int64(cap(lp)) + nodeOverhead
	return n
}

// linkNode is __quicklistInsertNode: puts n before or after old (old nil:
// the list is empty).
func (l *List) linkNode(old, n *node, after bool) {
	if after {
		n.prev = old
		if old != nil {
			n.next = old.next
			if old.next != nil {
				old.next.prev = n
			}
			old.next = n
		}
		if l.tail == old {
			l.tail = n
		}
	} else {
		n.next = old
		if old != nil {
			n.prev = old.prev
			if old.prev != nil {
				old.prev.next = n
			}
			old.prev = n
		}
		if l.head == old {
			l.head = n
		}
	}
	if l.nodes == 0 {
		l.head, l.tail = n, n
	}
	l.nodes++
}

// unlinkNode is __quicklistDelNode: removes n and its elements.
func (l *List) unlinkNode(n *node) {
	if n.next != nil {
		n.next.prev = n.prev
	}
	if n.prev != nil {
		n.prev.next = n.next
	}
	if n == l.tail {
		l.tail = n.prev
	}
	if n == l.head {
		l.head = n.next
	}
	l.nodes--
	l.count -= n.count
	l.bytes -= int64(cap(n.lp)) + nodeOverhead
	n.prev, n.next, n.lp = nil, nil, nil
}

// compact gives a node that just filled up a listpack of its exact size:
// appends leave up to a quarter of spare capacity, which a full node will
// not use. This keeps a long list near one byte of memory per byte of
// listpack, as jemalloc's size classes do for Redis.
func (l *List) compact(n *node) {
	if n == nil || cap(n.lp)-len(n.lp) <= 64 {
		return
	}
	lp := make([]byte, len(n.lp))
	copy(lp, n.lp)
	l.setLP(n, lp)
}

// reserve makes room in n's listpack for add more bytes before a push.
// A Go slice grows by about a quarter at these sizes, copying itself each
// time (Redis's realloc mostly grows in place): a node that fills to 8 KB
// that way leaves some four times its size in garbage, which a loading
// server carries as RSS until the collector runs, and then one more copy
// to compact it. Doubling, capped at the node's byte limit, leaves about
// one node's worth, and a node that fills up ends at its limit, already
// compact.
func (l *List) reserve(n *node, v []byte) {
	// An entry takes at most 5 bytes of encoding and 5 of backlen beyond v:
	// only a push that may not fit pays for EntrySize's exact count.
	if len(n.lp)+len(v)+10 <= cap(n.lp) {
		return
	}
	need := len(n.lp) + listpack.EntrySize(v)
	if need <= cap(n.lp) {
		return
	}
	limit := sizeSafetyLimit
	if l.fill < 0 {
		limit = optimizationLevel[min(-l.fill, len(optimizationLevel))-1]
	}
	lp := make([]byte, len(n.lp), min(max(2*cap(n.lp), need), max(limit, need)))
	copy(lp, n.lp)
	l.setLP(n, lp)
}

// PushHead adds v at the head.
func (l *List) PushHead(v []byte) {
	if isLarge(len(v)) {
		l.linkNode(l.head, l.newNode(v, true), false)
		l.count++
		return
	}
	if l.allowInsert(l.head, len(v)) {
		l.reserve(l.head, v)
		l.setLP(l.head, listpack.Prepend(l.head.lp, v))
		l.head.count++
	} else {
		l.compact(l.head)
		l.linkNode(l.head, l.newNode(v, false), false)
	}
	l.count++
}

// PushTail adds v at the tail.
func (l *List) PushTail(v []byte) {
	if isLarge(len(v)) {
		l.linkNode(l.tail, l.newNode(v, true), true)
		l.count++
		return
	}
	if l.allowInsert(l.tail, len(v)) {
		l.reserve(l.tail, v)
		l.setLP(l.tail, listpack.Append(l.tail.lp, v))
		l.tail.count++
	} else {
		l.compact(l.tail)
		l.linkNode(l.tail, l.newNode(v, false), true)
	}
	l.count++
}

// deleteAt is quicklistDelIndex: removes the entry at byte offset off of n,
// and n itself if that empties it. It reports whether n went.
func (l *List) deleteAt(n *node, off int) bool {
	if n.count == 1 {
		l.unlinkNode(n)
		return true
	}
	l.setLP(n, listpack.Delete(n.lp, off))
	n.count--
	l.count--
	return false
}

// PopHead removes the head element and appends it to dst; ok is false when
// the list is empty.
func (l *List) PopHead(dst []byte) ([]byte, bool) {
	if l.head == nil {
		return dst, false
	}
	off := listpack.First(l.head.lp)
	dst = listpack.AppendValue(dst, l.head.lp, off)
	l.deleteAt(l.head, off)
	return dst, true
}

// PopTail removes the tail element and appends it to dst; ok is false when
// the list is empty.
func (l *List) PopTail(dst []byte) ([]byte, bool) {
	if l.tail == nil {
		return dst, false
	}
	off := listpack.Last(l.tail.lp)
	dst = listpack.AppendValue(dst, l.tail.lp, off)
	l.deleteAt(l.tail, off)
	return dst, true
}

// locate returns the node holding element i (0 <= i < Len) and the index of
// the element in it, walking from the nearer end as
// quicklistGetIteratorAtIdx does.
func (l *List) locate(i int) (*node, int) {
	if i <= (l.count-1)/2 {
		acc := 0
		for n := l.head; n != nil; n = n.next {
			if acc+n.count > i {
				return n, i - acc
			}
			acc += n.count
		}
	} else {
		acc := 0 // elements after the current node
		for n := l.tail; n != nil; n = n.prev {
			if acc+n.count > l.count-1-i {
				return n, i - (l.count - acc - n.count)
			}
			acc += n.count
		}
	}
	panic("quicklist: index out of range")
}

// normalize turns a Redis index (negative counts from the tail) into one
// counted from the head, and reports whether it is in range.
func (l *List) normalize(i int) (int, bool) {
	if i < 0 {
		i += l.count
	}
	return i, i >= 0 && i < l.count
}

// Index appends element i (negative: from the tail, -1 the last) to dst;
// ok is false when there is no such element.
func (l *List) Index(dst []byte, i int) ([]byte, bool) {
	i, ok := l.normalize(i)
	if !ok {
		return dst, false
	}
	n, j := l.locate(i)
	return listpack.AppendValue(dst, n.lp, listpack.Seek(n.lp, j)), true
}

// Replace sets element i (negative: from the tail) to v; it reports false
// when there is no such element.
func (l *List) Replace(i int, v []byte) bool {
	it := l.IterAt(i, true)
	if !it.Next() {
		return false
	}
	it.Replace(v)
	return true
}

// DelRange removes n elements from start on (negative start: from the
// tail), or as many as there are, as quicklistDelRange. It returns how many
// went.
func (l *List) DelRange(start, n int) int {
	start, ok := l.normalize(start)
	if !ok || n <= 0 {
		return 0
	}
	extent := min(n, l.count-start)
	deleted := extent
	nd, off := l.locate(start)
	for extent > 0 {
		next := nd.next
		del := min(nd.count-off, extent)
		if del == nd.count || nd.plain {
			l.unlinkNode(nd)
		} else {
			l.setLP(nd, listpack.DeleteRange(nd.lp, listpack.Seek(nd.lp, off), del))
			nd.count -= del
			l.count -= del
		}
		extent -= del
		nd, off = next, 0
	}
	return deleted
}

// Clone returns a deep copy.
func (l *List) Clone() *List {
	c := &List{fill: l.fill}
	for n := l.head; n != nil; n = n.next {
		lp := make([]byte, len(n.lp))
		copy(lp, n.lp)
		cn := &node{lp: lp, count: n.count, plain: n.plain}
		c.linkNode(c.tail, cn, true)
		c.count += n.count
		c.bytes += int64(cap(lp)) + nodeOverhead
	}
	return c
}

// ForEachNode calls fn with each node's listpack, head to tail, until fn
// returns false; plain tells a node made for one large element (which Redis
// writes to an RDB file as a plain node, the bare element). lp must not be
// changed or kept.
func (l *List) ForEachNode(fn func(lp []byte, plain bool) bool) {
	for n := l.head; n != nil; n = n.next {
		if !fn(n.lp, n.plain) {
			return
		}
	}
}

// fromEntries builds a listpack of count entries from the bytes of whole
// entries (what lies between a listpack's header and terminator).
func fromEntries(entries []byte, count int) []byte {
	lp := make([]byte, lpHeaderSize+len(entries)+1)
	binary.LittleEndian.PutUint32(lp, uint32(len(lp)))
	binary.LittleEndian.PutUint16(lp[4:], uint16(min(count, lpCountMax)))
	copy(lp[lpHeaderSize:], entries)
	lp[len(lp)-1] = 0xFF
	return lp
}

// entries returns the entry bytes of lp between byte offsets from and to
// (to may be the terminator's offset).
func entries(lp []byte, from, to int) []byte { return lp[from:to] }

// splitNode is _quicklistSplitNode: n keeps its entries up to the one at
// index i (after) or from it on (!after); the rest go to a new detached
// node, returned.
func (l *List) splitNode(n *node, i int, after bool) *node {
	cut := i
	if after {
		cut = i + 1
	}
	off := listpack.Terminator(n.lp)
	if cut < n.count {
		off = listpack.Seek(n.lp, cut)
	}
	end := listpack.Terminator(n.lp)
	front := fromEntries(entries(n.lp, lpHeaderSize, off), cut)
	back := fromEntries(entries(n.lp, off, end), n.count-cut)
	nn := &node{}
	if after {
		// n keeps [0, i], the new node takes (i, end).
		l.setLP(n, front)
		nn.lp, nn.count = back, n.count-cut
		n.count = cut
	} else {
		// n keeps [i, end), the new node takes [0, i).
		l.setLP(n, back)
		nn.lp, nn.count = front, cut
		n.count -= cut
	}
	l.bytes += int64(cap(nn.lp)) + nodeOverhead
	return nn
}

// mergeInto appends b's entries to a and drops b, as lpMerge and
// _quicklistListpackMerge do; it returns a.
func (l *List) mergeInto(a, b *node) *node {
	ea := entries(a.lp, lpHeaderSize, listpack.Terminator(a.lp))
	eb := entries(b.lp, lpHeaderSize, listpack.Terminator(b.lp))
	buf := make([]byte, 0, len(ea)+len(eb))
	buf = append(append(buf, ea...), eb...)
	count := a.count + b.count
	l.setLP(a, fromEntries(buf, count))
	// unlinkNode subtracts b's count from the list's; the elements stay.
	l.count += b.count
	a.count = count
	l.unlinkNode(b)
	return a
}

// mergeAround is _quicklistMergeNodes: after a split next to center, merge
// whichever neighbours now fit together.
func (l *List) mergeAround(center *node) {
	var prev, prevPrev, next, nextNext *node
	if center.prev != nil {
		prev = center.prev
		prevPrev = prev.prev
	}
	if center.next != nil {
		next = center.next
		nextNext = next.next
	}
	if l.allowMerge(prev, prevPrev) {
		l.mergeInto(prevPrev, prev)
	}
	if l.allowMerge(next, nextNext) {
		l.mergeInto(next, nextNext)
	}
	target := center
	if l.allowMerge(center, center.prev) {
		target = l.mergeInto(center.prev, center)
	}
	if l.allowMerge(target, target.next) {
		l.mergeInto(target, target.next)
	}
}

// insert is _quicklistInsert: adds v before or after the entry at byte
// offset off of n.
func (l *List) insert(n *node, off int, v []byte, after bool) {
	sz := len(v)
	full := !l.allowInsert(n, sz)
	atTail := after && listpack.Next(n.lp, off) < 0
	atHead := !after && off == lpHeaderSize
	availNext := atTail && l.allowInsert(n.next, sz)
	availPrev := atHead && l.allowInsert(n.prev, sz)

	if isLarge(sz) {
		if n.plain || atTail || atHead {
			l.linkNode(n, l.newNode(v, true), after)
		} else {
			nn := l.splitNode(n, l.indexOf(n, off), after)
			big := l.newNode(v, true)
			l.linkNode(n, big, after)
			l.linkNode(big, nn, after)
		}
		l.count++
		return
	}

	switch {
	case !full:
		at := off
		if after {
			at = off + entrySize(n.lp, off)
		}
		l.setLP(n, listpack.Insert(n.lp, at, v))
		n.count++
	case atTail && availNext:
		l.setLP(n.next, listpack.Prepend(n.next.lp, v))
		n.next.count++
	case atHead && availPrev:
		l.setLP(n.prev, listpack.Append(n.prev.lp, v))
		n.prev.count++
	case atTail || atHead:
		l.linkNode(n, l.newNode(v, false), after)
	default:
		// A full node, inserting in its middle: split it and put v at the
		// cut, then merge what fits, as Redis does.
		nn := l.splitNode(n, l.indexOf(n, off), after)
		if after {
			l.setLP(nn, listpack.Prepend(nn.lp, v))
		} else {
			l.setLP(nn, listpack.Append(nn.lp, v))
		}
		nn.count++
		l.linkNode(n, nn, after)
		l.mergeAround(n)
	}
	l.count++
}

// indexOf returns the index in n of the entry at byte offset off.
func (l *List) indexOf(n *node, off int) int {
	i := 0
	for o := listpack.First(n.lp); o != off; o = listpack.Next(n.lp, o) {
		i++
	}
	return i
}

// entrySize is the bytes of the entry at off.
func entrySize(lp []byte, off int) int {
	if next := listpack.Next(lp, off); next >= 0 {
		return next - off
	}
	return listpack.Terminator(lp) - off
}
