package store

import (
	"math"
	"strconv"
	"unsafe"

	"github.com/emberkv/ember/internal/dict"
	"github.com/emberkv/ember/internal/listpack"
	"github.com/emberkv/ember/internal/zindex"
)

// zset is the value of a sorted set. As Redis 7.0 it has two encodings:
//
//   - "listpack" while it is small (zset-max-listpack-entries elements, no
//     member longer than zset-max-listpack-value bytes): one listpack of
//     member, score, member, score... sorted by score then member, the
//     scores written as t_zset.c's zzlInsertAt does (an integer entry when
//     the score is integral, else the %.17g text);
//   - "skiplist" after that: an order-statistic index (zindex, a counted
//     B-tree standing in for Redis's zskiplist) and a member → score hash
//     table. Both hold the same member string, so a member costs one
//     allocation.
//
// A listpack set that outgrows a threshold is converted once and stays
// converted, as in Redis (zsetAdd, zsetTypeMaybeConvert).
type zset struct {
	lp   []byte // the listpack encoding, while idx is nil
	idx  *zindex.Tree
	dict *dict.Dict[float64]
}

const zsetOverhead = 48

func newZSetListpack() *zset { return &zset{lp: listpack.New(32)} }

func newZSetSkiplist(hint int) *zset {
	return &zset{idx: &zindex.Tree{}, dict: dict.New[float64](hint)}
}

func (z *zset) length() int {
	if z.idx != nil {
		return z.idx.Len()
	}
	return listpack.Count(z.lp) / 2
}

func (z *zset) encoding() string {
	if z.idx != nil {
		return "skiplist"
	}
	return "listpack"
}

func (z *zset) memSize() int64 {
	if z.idx != nil {
		return zsetOverhead + z.dict.MemSize() + z.idx.MemSize()
	}
	return zsetOverhead + int64(cap(z.lp))
}

func (z *zset) clone() aggregate {
	if z.idx == nil {
		return &zset{lp: append([]byte(nil), z.lp...)}
	}
	c := newZSetSkiplist(z.length())
	z.idx.Ascend(0, func(it zindex.Item) bool {
		c.dict.SetOwned(it.Member, it.Score)
		c.idx.Insert(it.Score, it.Member)
		return true
	})
	return c
}

// --- scores in a listpack -------------------------------------------------

// double2ll is Redis's: whether f is an integer that a long long holds
// exactly, within ±LLONG_MAX/2. -0 passes, as 0, which is why a listpack
// loses the sign of a zero score and a skiplist keeps it.
func double2ll(f float64) (int64, bool) {
	if f < -(math.MaxInt64/2) || f > math.MaxInt64/2 {
		return 0, false
	}
	n := int64(f)
	return n, float64(n) == f
}

// appendScoreText appends the text zzlInsertAt writes for a score: an
// integer when double2ll allows, else d2string's %.17g (inf, -inf).
func appendScoreText(dst []byte, f float64) []byte {
	if n, ok := double2ll(f); ok {
		return strconv.AppendInt(dst, n, 10)
	}
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

func bytesView(s string) []byte  { return unsafe.Slice(unsafe.StringData(s), len(s)) }
func stringView(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// lpScore reads the score entry at off.
func lpScore(lp []byte, off int) float64 {
	s, n, isInt := listpack.Get(lp, off)
	if isInt {
		return float64(n)
	}
	f, _ := strconv.ParseFloat(stringView(s), 64)
	return f
}

// lpMember reads the member entry at off as bytes; an integer entry is
// formatted into buf.
func lpMember(lp []byte, off int, buf *[24]byte) []byte {
	s, n, isInt := listpack.Get(lp, off)
	if isInt {
		return strconv.AppendInt(buf[:0], n, 10)
	}
	return s
}

// lpFind returns the offset of member's entry, or -1.
func (z *zset) lpFind(member []byte) int {
	return listpack.Find(z.lp, listpack.First(z.lp), member, 1)
}

// lpInsert inserts (member, score) at its place in the order, as zzlInsert.
func (z *zset) lpInsert(member []byte, score float64) {
	lp := z.lp
	off := listpack.First(lp)
	var buf [24]byte
	for off >= 0 {
		soff := listpack.Next(lp, off)
		s := lpScore(lp, soff)
		if s > score || (s == score && string(lpMember(lp, off, &buf)) > string(member)) {
			break
		}
		off = listpack.Next(lp, soff)
	}
	if off < 0 {
		off = listpack.Terminator(lp)
	}
	lp = listpack.Insert(lp, off, member)
	var sbuf [32]byte
	lp = listpack.Insert(lp, off+listpack.EntrySize(member), appendScoreText(sbuf[:0], score))
	z.lp = lp
}

// toSkiplist converts a listpack set, as zsetConvert.
func (z *zset) toSkiplist() {
	n := z.length()
	s := newZSetSkiplist(n + 1)
	z.lpAscend(0, func(m []byte, score float64) bool {
		member := string(m)
		s.dict.SetOwned(member, score)
		s.idx.Insert(score, member)
		return true
	})
	*z = *s
}

// --- encoding-independent operations ----------------------------------------

// score returns member's score.
func (z *zset) score(member []byte) (float64, bool) {
	if z.idx != nil {
		return z.dict.Get(stringView(member))
	}
	off := z.lpFind(member)
	if off < 0 {
		return 0, false
	}
	return lpScore(z.lp, listpack.Next(z.lp, off)), true
}

// insertNew adds a member known to be absent, converting first when the
// listpack would outgrow a limit (zsetAdd's check before zzlInsert).
func (z *zset) insertNew(member []byte, score float64, lim *EncodingLimits) {
	if z.idx == nil {
		if z.length()+1 > lim.ZSetMaxListpackEntries || len(member) > lim.ZSetMaxListpackValue {
			z.toSkiplist()
		} else {
			z.lpInsert(member, score)
			return
		}
	}
	m := string(member)
	z.dict.SetOwned(m, score)
	z.idx.Insert(score, m)
}

// updateScore changes the score of a member that is there.
func (z *zset) updateScore(member []byte, old, score float64) {
	if z.idx != nil {
		*z.dict.Ptr(stringView(member)) = score
		// Re-insert the string the tree and the dict share, not a copy.
		it, _ := z.idx.Remove(old, stringView(member))
		z.idx.Insert(score, it.Member)
		return
	}
	off := z.lpFind(member)
	z.lp = listpack.DeleteRange(z.lp, off, 2)
	z.lpInsert(member, score)
}

// remove deletes member and reports whether it was there.
func (z *zset) remove(member []byte) bool {
	if z.idx != nil {
		score, ok := z.dict.Delete(stringView(member))
		if ok {
			z.idx.Delete(score, stringView(member))
		}
		return ok
	}
	off := z.lpFind(member)
	if off < 0 {
		return false
	}
	z.lp = listpack.DeleteRange(z.lp, off, 2)
	return true
}

// rank returns member's 0-based rank in ascending order.
func (z *zset) rank(member []byte) (int, float64, bool) {
	if z.idx != nil {
		score, ok := z.dict.Get(stringView(member))
		if !ok {
			return 0, 0, false
		}
		r, _ := z.idx.Rank(score, stringView(member))
		return r, score, true
	}
	r := 0
	for off := listpack.First(z.lp); off >= 0; r++ {
		soff := listpack.Next(z.lp, off)
		if listpack.Equal(z.lp, off, member) {
			return r, lpScore(z.lp, soff), true
		}
		off = listpack.Next(z.lp, soff)
	}
	return 0, 0, false
}

// ascend calls fn for the elements from rank from upwards until fn
// returns false. member is valid only during the call.
func (z *zset) ascend(from int, fn func(member []byte, score float64) bool) {
	if z.idx != nil {
		z.idx.Ascend(from, func(it zindex.Item) bool { return fn(bytesView(it.Member), it.Score) })
		return
	}
	z.lpAscend(from, fn)
}

func (z *zset) lpAscend(from int, fn func(member []byte, score float64) bool) {
	lp := z.lp
	var buf [24]byte
	for off := listpack.Seek(lp, 2*from); off >= 0; {
		soff := listpack.Next(lp, off)
		if !fn(lpMember(lp, off, &buf), lpScore(lp, soff)) {
			return
		}
		off = listpack.Next(lp, soff)
	}
}

// descend calls fn for the elements from rank from downwards.
func (z *zset) descend(from int, fn func(member []byte, score float64) bool) {
	if z.idx != nil {
		z.idx.Descend(from, func(it zindex.Item) bool { return fn(bytesView(it.Member), it.Score) })
		return
	}
	lp := z.lp
	var buf [24]byte
	for off := listpack.Seek(lp, 2*from); off >= 0; {
		soff := listpack.Next(lp, off)
		if !fn(lpMember(lp, off, &buf), lpScore(lp, soff)) {
			return
		}
		off = listpack.Prev(lp, off)
		if off >= 0 {
			off = listpack.Prev(lp, off)
		}
	}
}

// scoreRank is the number of elements with a score below bound, or at most
// bound with inclusive.
func (z *zset) scoreRank(bound float64, inclusive bool) int {
	if z.idx != nil {
		return z.idx.ScoreRank(bound, inclusive)
	}
	n := 0
	z.lpAscend(0, func(_ []byte, s float64) bool {
		if s < bound || (inclusive && s == bound) {
			n++
			return true
		}
		return false
	})
	return n
}

// lexRank is scoreRank for a member bound (meaningful when all scores are
// equal, as ZRANGEBYLEX requires).
func (z *zset) lexRank(bound []byte, inclusive bool) int {
	if z.idx != nil {
		return z.idx.LexRank(stringView(bound), inclusive)
	}
	n := 0
	z.lpAscend(0, func(m []byte, _ float64) bool {
		if string(m) < string(bound) || (inclusive && string(m) == string(bound)) {
			n++
			return true
		}
		return false
	})
	return n
}

// removeRanks deletes the elements of ranks [lo, hi].
func (z *zset) removeRanks(lo, hi int) {
	if hi < lo {
		return
	}
	if z.idx == nil {
		z.lp = listpack.DeleteRange(z.lp, listpack.Seek(z.lp, 2*lo), 2*(hi-lo+1))
		return
	}
	items := make([]zindex.Item, 0, hi-lo+1)
	z.idx.Ascend(lo, func(it zindex.Item) bool {
		items = append(items, it)
		return len(items) < hi-lo+1
	})
	for _, it := range items {
		z.idx.Delete(it.Score, it.Member)
		z.dict.Delete(it.Member)
	}
}
