// Package zindex is the ordered index of a large sorted set: a counted
// B-tree of (score, member) pairs ordered by score, then by member bytes,
// as Redis's zskiplist. Every node knows how many items its subtree holds,
// so rank queries (ZRANK), access by rank (ZRANGE 1000 1100) and the rank
// of a score or lex bound (ZRANGEBYSCORE, ZCOUNT, ZLEXCOUNT) are O(log n).
//
// Items are stored inline in the nodes' arrays: the collector sees one
// pointer per element (its member string) and one per node, where a
// skiplist has a node object, its level array and its member per element.
package zindex

import (
	"unsafe"

	"github.com/emberkv/ember/internal/memsize"
)

// Item is one element: a score and a member.
type Item struct {
	Score  float64
	Member string
}

// less is Redis's order of a sorted set: by score, then by member bytes
// (zslInsert's sdscmp). -0 and 0 are equal scores, as with C's <.
func (a Item) less(b Item) bool {
	return a.Score < b.Score || (a.Score == b.Score && a.Member < b.Member)
}

const (
	maxItems = 64
	minItems = maxItems / 2
)

type node struct {
	items []Item  // sorted; cap maxItems+1 (a node overflows by one before it splits)
	kids  []*node // nil on leaves, else len(items)+1
	size  int     // items in this subtree
}

// Tree is a counted B-tree. Its zero value is an empty tree. It is not
// safe for concurrent use.
type Tree struct {
	root *node
}

// Len is the number of items.
func (t *Tree) Len() int {
	if t.root == nil {
		return 0
	}
	return t.root.size
}

func newNode(leaf bool) *node {
	n := &node{items: make([]Item, 0, maxItems+1)}
	if !leaf {
		n.kids = make([]*node, 0, maxItems+2)
	}
	return n
}

// find returns the index of the first item >= it, and whether that item
// equals it.
func (n *node) find(it Item) (int, bool) {
	lo, hi := 0, len(n.items)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if n.items[m].less(it) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(n.items) && !it.less(n.items[lo])
}

// Insert adds (score, member). It reports false, changing nothing, when
// exactly that pair is already there. The caller keeps members unique (a
// sorted set changes a member's score by Delete then Insert).
func (t *Tree) Insert(score float64, member string) bool {
	it := Item{score, member}
	if t.root == nil {
		t.root = newNode(true)
	}
	if !t.root.insert(it) {
		return false
	}
	if len(t.root.items) > maxItems {
		old := t.root
		med, right := old.split()
		t.root = newNode(false)
		t.root.items = append(t.root.items, med)
		t.root.kids = append(t.root.kids, old, right)
		t.root.size = old.size + right.size + 1
	}
	return true
}

func (n *node) insert(it Item) bool {
	i, found := n.find(it)
	if found {
		return false
	}
	if n.kids == nil {
		n.items = append(n.items, Item{})
		copy(n.items[i+1:], n.items[i:])
		n.items[i] = it
		n.size++
		return true
	}
	k := n.kids[i]
	if !k.insert(it) {
		return false
	}
	n.size++
	if len(k.items) > maxItems {
		med, right := k.split()
		n.items = append(n.items, Item{})
		copy(n.items[i+1:], n.items[i:])
		n.items[i] = med
		n.kids = append(n.kids, nil)
		copy(n.kids[i+2:], n.kids[i+1:])
		n.kids[i+1] = right
	}
	return true
}

// split moves the upper half of n to a new node and returns the median
// item, which the parent takes.
func (n *node) split() (Item, *node) {
	mid := len(n.items) / 2
	med := n.items[mid]
	right := newNode(n.kids == nil)
	right.items = append(right.items, n.items[mid+1:]...)
	clear(n.items[mid:]) // drop the moved members for the collector
	n.items = n.items[:mid]
	right.size = len(right.items)
	if n.kids != nil {
		right.kids = append(right.kids, n.kids[mid+1:]...)
		clear(n.kids[mid+1:])
		n.kids = n.kids[:mid+1]
		for _, k := range right.kids {
			right.size += k.size
		}
	}
	n.size -= right.size + 1
	return med, right
}

// Delete removes (score, member) and reports whether it was there.
func (t *Tree) Delete(score float64, member string) bool {
	_, ok := t.Remove(score, member)
	return ok
}

// Remove is Delete that also returns the item as the tree held it, so that
// a caller can re-insert the same member string under a new score
// (ZINCRBY) without copying it.
func (t *Tree) Remove(score float64, member string) (Item, bool) {
	if t.root == nil {
		return Item{}, false
	}
	old, ok := t.root.delete(Item{score, member})
	if !ok {
		return Item{}, false
	}
	if len(t.root.items) == 0 {
		if t.root.kids != nil {
			t.root = t.root.kids[0]
		} else {
			t.root = nil
		}
	}
	return old, true
}

func (n *node) delete(it Item) (Item, bool) {
	i, found := n.find(it)
	if n.kids == nil {
		if !found {
			return Item{}, false
		}
		old := n.items[i]
		n.removeItem(i)
		n.size--
		return old, true
	}
	var old Item
	if found {
		// An inner item is replaced by its predecessor, the largest item
		// of the subtree on its left.
		old = n.items[i]
		n.items[i] = n.kids[i].deleteMax()
	} else {
		var ok bool
		if old, ok = n.kids[i].delete(it); !ok {
			return Item{}, false
		}
	}
	n.size--
	if len(n.kids[i].items) < minItems {
		n.rebalance(i)
	}
	return old, true
}

func (n *node) deleteMax() Item {
	if n.kids == nil {
		it := n.items[len(n.items)-1]
		n.removeItem(len(n.items) - 1)
		n.size--
		return it
	}
	i := len(n.kids) - 1
	it := n.kids[i].deleteMax()
	n.size--
	if len(n.kids[i].items) < minItems {
		n.rebalance(i)
	}
	return it
}

func (n *node) removeItem(i int) {
	copy(n.items[i:], n.items[i+1:])
	n.items[len(n.items)-1] = Item{}
	n.items = n.items[:len(n.items)-1]
}

func (n *node) removeKid(i int) {
	copy(n.kids[i:], n.kids[i+1:])
	n.kids[len(n.kids)-1] = nil
	n.kids = n.kids[:len(n.kids)-1]
}

// rebalance fixes kids[i], which has fewer than minItems items: it borrows
// an item from a sibling that can spare one, or merges with a sibling.
func (n *node) rebalance(i int) {
	k := n.kids[i]
	switch {
	case i > 0 && len(n.kids[i-1].items) > minItems:
		left := n.kids[i-1]
		k.items = append(k.items, Item{})
		copy(k.items[1:], k.items)
		k.items[0] = n.items[i-1]
		n.items[i-1] = left.items[len(left.items)-1]
		left.removeItem(len(left.items) - 1)
		moved := 1
		if k.kids != nil {
			last := left.kids[len(left.kids)-1]
			left.removeKid(len(left.kids) - 1)
			k.kids = append(k.kids, nil)
			copy(k.kids[1:], k.kids)
			k.kids[0] = last
			moved += last.size
		}
		left.size -= moved
		k.size += moved
	case i < len(n.kids)-1 && len(n.kids[i+1].items) > minItems:
		right := n.kids[i+1]
		k.items = append(k.items, n.items[i])
		n.items[i] = right.items[0]
		right.removeItem(0)
		moved := 1
		if k.kids != nil {
			first := right.kids[0]
			right.removeKid(0)
			k.kids = append(k.kids, first)
			moved += first.size
		}
		right.size -= moved
		k.size += moved
	default:
		if i == len(n.kids)-1 {
			i--
		}
		left, right := n.kids[i], n.kids[i+1]
		left.items = append(left.items, n.items[i])
		left.items = append(left.items, right.items...)
		left.kids = append(left.kids, right.kids...)
		left.size += 1 + right.size
		n.removeItem(i)
		n.removeKid(i + 1)
	}
}

// Rank returns the 0-based rank of (score, member) and whether it is in
// the tree; when it is not, rank is the number of items before it.
func (t *Tree) Rank(score float64, member string) (rank int, ok bool) {
	it := Item{score, member}
	for n := t.root; n != nil; {
		i, found := n.find(it)
		if n.kids == nil {
			return rank + i, found
		}
		for _, k := range n.kids[:i] {
			rank += k.size
		}
		rank += i
		if found {
			return rank + n.kids[i].size, true
		}
		n = n.kids[i]
	}
	return rank, false
}

// At returns the item of the given 0-based rank, which must be in
// [0, Len()).
func (t *Tree) At(rank int) Item {
	if rank < 0 || rank >= t.Len() {
		panic("zindex: rank out of range")
	}
	n := t.root
	for n.kids != nil {
		for j, k := range n.kids {
			if rank < k.size {
				n = k
				break
			}
			rank -= k.size
			if rank == 0 {
				return n.items[j]
			}
			rank--
		}
	}
	return n.items[rank]
}

// countBefore returns how many items satisfy before, a predicate true on a
// prefix of the order (all items before some point, none after).
func (t *Tree) countBefore(before func(Item) bool) int {
	rank := 0
	for n := t.root; n != nil; {
		lo, hi := 0, len(n.items)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if before(n.items[m]) {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if n.kids == nil {
			return rank + lo
		}
		for _, k := range n.kids[:lo] {
			rank += k.size
		}
		rank += lo
		n = n.kids[lo]
	}
	return rank
}

// ScoreRank returns the number of items whose score is below bound, or,
// with inclusive, at most bound. So the first item with score >= min is at
// ScoreRank(min, false), the first with score > min at ScoreRank(min,
// true), and the last with score <= max at ScoreRank(max, true)-1.
func (t *Tree) ScoreRank(bound float64, inclusive bool) int {
	if inclusive {
		return t.countBefore(func(it Item) bool { return it.Score <= bound })
	}
	return t.countBefore(func(it Item) bool { return it.Score < bound })
}

// LexRank is ScoreRank for a member bound, for the lex ranges of a sorted
// set whose items all have the same score (ZRANGEBYLEX is only defined
// then, as in Redis): the number of items whose member is below bound, or
// with inclusive, at most bound.
func (t *Tree) LexRank(bound string, inclusive bool) int {
	if inclusive {
		return t.countBefore(func(it Item) bool { return it.Member <= bound })
	}
	return t.countBefore(func(it Item) bool { return it.Member < bound })
}

// Ascend calls fn for the items from rank from upwards, in order, until fn
// returns false.
func (t *Tree) Ascend(from int, fn func(Item) bool) {
	if t.root != nil && from >= 0 && from < t.root.size {
		t.root.ascend(from, fn)
	}
}

// ascend calls fn on the items of n's subtree, skipping the first skip.
func (n *node) ascend(skip int, fn func(Item) bool) bool {
	if n.kids == nil {
		for _, it := range n.items[skip:] {
			if !fn(it) {
				return false
			}
		}
		return true
	}
	for j, k := range n.kids {
		if skip < k.size {
			if !k.ascend(skip, fn) {
				return false
			}
			skip = 0
		} else {
			skip -= k.size
		}
		if j < len(n.items) {
			if skip > 0 {
				skip--
			} else if !fn(n.items[j]) {
				return false
			}
		}
	}
	return true
}

// Descend calls fn for the items from rank from downwards, in reverse
// order, until fn returns false.
func (t *Tree) Descend(from int, fn func(Item) bool) {
	if t.root != nil && from >= 0 && from < t.root.size {
		t.root.descend(t.root.size-1-from, fn)
	}
}

// descend calls fn on the items of n's subtree in reverse order, skipping
// the last skip.
func (n *node) descend(skip int, fn func(Item) bool) bool {
	if n.kids == nil {
		for i := len(n.items) - 1 - skip; i >= 0; i-- {
			if !fn(n.items[i]) {
				return false
			}
		}
		return true
	}
	for j := len(n.kids) - 1; j >= 0; j-- {
		k := n.kids[j]
		if skip < k.size {
			if !k.descend(skip, fn) {
				return false
			}
			skip = 0
		} else {
			skip -= k.size
		}
		if j > 0 {
			if skip > 0 {
				skip--
			} else if !fn(n.items[j-1]) {
				return false
			}
		}
	}
	return true
}

// nodeBytes is what one node takes: its header and its share of its
// parent's kids, and its items array of maxItems+1, which the allocator
// rounds up to a size class.
var nodeBytes = int64(80 + memsize.Alloc((maxItems+1)*int(unsafe.Sizeof(Item{}))))

// MemSize estimates the bytes the tree's nodes take (not the members'
// bytes, which the caller shares with its own map and counts once). It is
// O(1): the node count is derived from the item count, nodes being on
// average about 3/4 full.
func (t *Tree) MemSize() int64 {
	// A node's header, its share of its parent's kids, and its items
	// array of maxItems+1, which the allocator rounds up to a size class.
	return int64(t.Len()/(maxItems*3/4)+1) * nodeBytes
}
