package store

import (
	"bytes"
	"math"
	"math/big"
	"slices"
	"strings"
)

// SortOptions are the options of SORT and SORT_RO, as the server parsed
// them.
type SortOptions struct {
	// By is the BY pattern, when HasBy; without one SORT sorts by the
	// elements themselves. A pattern without '*' (BY nosort, say) means
	// "do not sort".
	By    []byte
	HasBy bool
	// Get are the GET patterns, in order; "#" is the element itself.
	Get [][]byte
	// Offset and Count are LIMIT's; Count < 0 means every element.
	Offset, Count int64
	Desc          bool
	Alpha         bool
}

// Sort sorts the list, set or sorted set at key as Redis 7.0's SORT does
// (sort.c sortCommandGeneric) and writes the result out under the lock:
// begin gets the number of replies, then fn each one (ok false for a GET
// pattern naming nothing: a nil reply). v is valid only during the call.
// A missing key sorts as an empty list. On an error neither is called.
//
// When BY or a GET pattern may reach other keys, every shard of the
// database is held for the whole sort, so the source and the keys the
// patterns name are read atomically.
func (db *DB) Sort(key string, opt *SortOptions, begin func(n int), fn func(v []byte, ok bool)) error {
	unlock := db.lockForSort(key, "", false, opt)
	defer unlock()
	s := sorter{db: db, t: db.newOpTime(), opt: opt}
	if err := s.run(key); err != nil {
		return err
	}
	if len(opt.Get) == 0 {
		begin(s.end - s.start + 1)
	} else {
		begin(len(opt.Get) * (s.end - s.start + 1))
	}
	for j := s.start; j <= s.end; j++ {
		obj := s.vec[j].obj
		if len(opt.Get) == 0 {
			fn(obj, true)
		}
		for _, p := range opt.Get {
			v, ok := s.lookup(p, obj)
			fn(v, ok)
		}
	}
	return nil
}

// SortStore is SORT ... STORE dst: the result (GET patterns naming nothing
// give empty strings) replaces whatever dst held, as a list with no TTL;
// an empty result deletes dst. It returns the number of elements stored.
func (db *DB) SortStore(key string, opt *SortOptions, dst string) (int, error) {
	unlock := db.lockForSort(key, dst, true, opt)
	defer unlock()
	s := sorter{db: db, t: db.newOpTime(), opt: opt, store: true}
	if err := s.run(key); err != nil {
		return 0, err
	}
	a := db.newList()()
	ql := a.(*listValue).ql
	for j := s.start; j <= s.end; j++ {
		obj := s.vec[j].obj
		if len(opt.Get) == 0 {
			ql.PushTail(obj)
		}
		for _, p := range opt.Get {
			v, _ := s.lookup(p, obj)
			ql.PushTail(v)
		}
	}
	h := db.store.hash(dst)
	db.shardOf(h).replaceWithAgg(dst, h, &s.t, a)
	return ql.Len(), nil
}

// lockForSort takes what a sort needs: only the shards of key and dst when
// no pattern can name another key, else every shard of the database (in
// their fixed order, so it cannot deadlock with other callers).
func (db *DB) lockForSort(key, dst string, withDst bool, opt *SortOptions) func() {
	reaches := opt.HasBy && patternHasStar(opt.By)
	for _, p := range opt.Get {
		reaches = reaches || (!isHashPattern(p) && patternHasStar(p))
	}
	if reaches {
		db.lockAllShards()
		return db.unlockAllShards
	}
	var room keyRoom
	keys := []string{key}
	if withDst {
		keys = append(keys, dst)
	}
	_, order := db.lockKeys(keys, &room)
	return func() { db.unlockShards(order) }
}

// cString is what C's string functions see of b: up to its first NUL.
// Redis reads patterns with strchr and strstr, and compares elements with
// strcoll, which all stop there.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

func patternHasStar(p []byte) bool { return bytes.IndexByte(cString(p), '*') >= 0 }

// isHashPattern reports whether p is "#", the element itself.
func isHashPattern(p []byte) bool { c := cString(p); return len(c) == 1 && c[0] == '#' }

// sortItem is one element of the vector being sorted (redisSortObject).
type sortItem struct {
	obj    []byte
	score  float64
	cmp    []byte // the BY value, for ALPHA with BY
	hasCmp bool
}

type sorter struct {
	db    *DB
	t     opTime
	opt   *SortOptions
	store bool // STORE: ALPHA compares bytes, not with strcoll

	vec        []sortItem
	start, end int
	arena      []byte // the elements' and weights' bytes
	keyBuf     []byte
}

// run loads the source into the vector, sorts it and settles the range to
// output, as sortCommandGeneric up to its output loop.
func (s *sorter) run(key string) error {
	db, opt := s.db, s.opt
	h := db.store.hash(key)
	sh := db.shardOf(h)
	e, exists := sh.lookup(key, h, &s.t)
	kind := KindList
	if exists {
		kind = e.kind()
		if kind != KindList && kind != KindSet && kind != KindZSet {
			return ErrWrongType
		}
	}
	var sortBy []byte // the pattern to read weights with, if any
	dontSort := opt.HasBy && !patternHasStar(opt.By)
	if opt.HasBy && !dontSort {
		sortBy = opt.By
	}
	alpha := opt.Alpha
	// As Redis: a set has no order of its own, so SORT ... BY nosort STORE
	// sorts it anyway (lexicographically), for the stored list to be the
	// same on replicas. (Redis does the same for scripts.)
	if dontSort && kind == KindSet && s.store {
		dontSort, alpha, sortBy = false, true, nil
	}
	// As Redis, SORT converts a listpack sorted set to a skiplist for good.
	if kind == KindZSet {
		z := e.agg().(*zset)
		if z.idx == nil {
			before := z.memSize()
			z.toSkiplist()
			sh.account(z.memSize() - before)
		}
	}

	n := 0
	if exists {
		n = e.agg().length()
	}
	start := min(max(opt.Offset, 0), int64(n))
	count := min(max(opt.Count, -1), int64(n))
	end := int64(n) - 1
	if count >= 0 {
		end = start + count - 1
	}
	if start >= int64(n) {
		start, end = int64(n)-1, int64(n)-2
	}
	end = min(end, int64(n)-1)
	s.start, s.end = int(start), int(end)

	if exists {
		s.load(e.agg(), kind, dontSort)
	}
	if dontSort {
		return nil
	}

	bad := false
	for j := range s.vec {
		it := &s.vec[j]
		byVal := it.obj
		if sortBy != nil {
			v, ok := s.lookup(sortBy, it.obj)
			if !ok {
				continue
			}
			byVal = v
		}
		if alpha {
			if sortBy != nil {
				it.cmp, it.hasCmp = s.keep(byVal), true
			}
			continue
		}
		score, ok := sortWeight(byVal)
		it.score = score
		if !ok {
			bad = true
		}
	}
	if bad {
		return ErrSortNotDouble
	}
	cmp := s.comparator(alpha, sortBy != nil)
	if sortBy != nil && (s.start != 0 || s.end != len(s.vec)-1) {
		pqsort(s.vec, cmp, s.start, s.end)
	} else {
		// glibc's qsort, which Redis calls, is a stable merge sort.
		slices.SortStableFunc(s.vec, func(a, b sortItem) int { return cmp(&a, &b) })
	}
	return nil
}

// load fills the vector from the source. With dontSort a list or sorted
// set yields only the range to output, in its own order (reversed for
// DESC), and start/end are moved onto the vector, as Redis does.
func (s *sorter) load(a aggregate, kind Kind, dontSort bool) {
	n := a.length()
	ranged := dontSort && kind != KindSet
	if ranged {
		want := s.end - s.start + 1
		s.vec = make([]sortItem, 0, max(want, 0))
		if want > 0 {
			s.loadRange(a, kind, want)
		}
		s.end -= s.start
		s.start = 0
		if want <= 0 {
			// Redis moves them only when the range is not empty; the
			// output is empty either way.
			s.start, s.end = 0, -1
		}
		return
	}
	s.vec = make([]sortItem, 0, n)
	switch kind {
	case KindList:
		it := a.(*listValue).ql.IterAt(0, true)
		var num [20]byte
		for it.Next() {
			s.add(iterValue(&it, num[:0]))
		}
	case KindSet:
		var num [20]byte
		a.(*set).each(func(m setMember) bool {
			if m.isInt {
				s.add(m.appendTo(num[:0]))
			} else {
				s.add(bytesView(m.s))
			}
			return true
		})
	case KindZSet:
		a.(*zset).ascend(0, func(member []byte, _ float64) bool {
			s.add(member)
			return true
		})
	}
}

// loadRange loads want elements of a list or sorted set from start, from
// the tail for DESC.
func (s *sorter) loadRange(a aggregate, kind Kind, want int) {
	n := a.length()
	from := s.start
	if s.opt.Desc {
		from = n - s.start - 1
	}
	take := func(v []byte) bool {
		s.add(v)
		return len(s.vec) < want
	}
	switch kind {
	case KindList:
		it := a.(*listValue).ql.IterAt(from, !s.opt.Desc)
		var num [20]byte
		for it.Next() && take(iterValue(&it, num[:0])) {
		}
	case KindZSet:
		z := a.(*zset)
		fn := func(member []byte, _ float64) bool { return take(member) }
		if s.opt.Desc {
			z.descend(from, fn)
		} else {
			z.ascend(from, fn)
		}
	}
}

// add appends a copy of v to the vector. Copies go to one arena; the
// views are fixed up when it grows.
func (s *sorter) add(v []byte) {
	s.vec = append(s.vec, sortItem{obj: s.keep(v)})
}

// keep copies v into memory of the sorter's own. A fresh block per growth
// keeps earlier views valid.
func (s *sorter) keep(v []byte) []byte {
	if len(s.arena)+len(v) > cap(s.arena) {
		s.arena = make([]byte, 0, max(4096, 2*cap(s.arena), len(v)))
	}
	s.arena = append(s.arena, v...)
	return s.arena[len(s.arena)-len(v) : len(s.arena) : len(s.arena)]
}

// lookup is Redis's lookupKeyByPattern: "#" is subst itself; otherwise
// the first '*' of the pattern is replaced by subst, and the key named is
// read as a string, or, when the pattern goes on with "->field", as that
// field of a hash. A pattern without '*', a missing key, a key of another
// type or a missing field give ok false. v is valid until the next lookup
// (or for as long as the lock is held, for a string's value).
func (s *sorter) lookup(pattern, subst []byte) (v []byte, ok bool) {
	c := cString(pattern)
	if len(c) == 1 && c[0] == '#' {
		return subst, true
	}
	star := bytes.IndexByte(c, '*')
	if star < 0 {
		return nil, false
	}
	var field []byte
	if f := bytes.Index(c[star+1:], []byte("->")); f >= 0 && star+1+f+2 < len(c) {
		field = pattern[star+1+f+2:]
	}
	post := len(pattern) - star - 1
	if field != nil {
		post -= len(field) + 2
	}
	k := append(s.keyBuf[:0], pattern[:star]...)
	k = append(k, subst...)
	k = append(k, pattern[star+1:star+1+post]...)
	s.keyBuf = k
	key := viewString(k)
	h := s.db.store.hash(key)
	sh := s.db.shardOf(h)
	e, found := sh.lookup(key, h, &s.t)
	if !found {
		return nil, false
	}
	if field == nil {
		if e.kind() != KindString {
			return nil, false
		}
		return e.str(), true
	}
	if e.kind() != KindHash {
		return nil, false
	}
	hv := e.agg().(*hash)
	var out []byte
	found = hv.get(&sh.intText, field, func(val []byte) { out = val })
	return out, found
}

// comparator is sortCompare.
func (s *sorter) comparator(alpha, byPattern bool) func(a, b *sortItem) int {
	sign := 1
	if s.opt.Desc {
		sign = -1
	}
	// Without STORE, ALPHA compares with strcoll, which in the C and
	// C.UTF-8 locales is strcmp: bytes up to the first NUL.
	text := func(a, b []byte) int { return bytes.Compare(cString(a), cString(b)) }
	if s.store {
		text = bytes.Compare
	}
	switch {
	case !alpha:
		return func(a, b *sortItem) int {
			switch {
			case a.score > b.score:
				return sign
			case a.score < b.score:
				return -sign
			}
			// Equal weights: the elements decide, byte by byte, so that
			// the result does not depend on the sort.
			return sign * bytes.Compare(a.obj, b.obj)
		}
	case byPattern:
		return func(a, b *sortItem) int {
			switch {
			case !a.hasCmp && !b.hasCmp:
				return 0
			case !a.hasCmp:
				return -sign
			case !b.hasCmp:
				return sign
			}
			return sign * text(a.cmp, b.cmp)
		}
	default:
		return func(a, b *sortItem) int { return sign * text(a.obj, b.obj) }
	}
}

// sortWeight parses a numeric weight as SORT does: strtod over the C
// string (so up to a NUL), leading white space allowed, nothing after the
// number, an empty string as 0, and NaN, overflow and inexact underflow
// (strtod's ERANGE) refused.
func sortWeight(b []byte) (float64, bool) {
	str := string(cString(b))
	if str == "" {
		return 0, true
	}
	f, ok := strtodWhole(str)
	if !ok || math.IsInf(f, 0) && !isInfWord(str) {
		return 0, false
	}
	if f == 0 || math.Abs(f) < 0x1p-1022 {
		// glibc sets ERANGE for a result below the normal range unless
		// it is exact.
		if !strtodExactSmall(str, f) {
			return 0, false
		}
	}
	return f, true
}

// isInfWord reports whether s spells infinity rather than overflowing.
func isInfWord(s string) bool {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	s = strings.TrimLeft(s, "+-")
	s = strings.ToLower(s)
	return s == "inf" || s == "infinity"
}

// strtodExactSmall reports whether a number parsed as zero or a subnormal
// is exactly that value (so strtod did not set ERANGE): a zero must have no
// non-zero digit, a subnormal must be exactly representable.
func strtodExactSmall(s string, f float64) bool {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	if h, ok := hexWithoutExponent(s); ok {
		s = h
	}
	x, _, err := big.ParseFloat(s, 0, 4096, big.ToNearestEven)
	if err != nil {
		return false
	}
	if f == 0 {
		return x.Sign() == 0
	}
	_, acc := x.Float64()
	return acc == big.Exact && x.Cmp(new(big.Float).SetFloat64(f)) == 0
}

// pqsort is Redis's pqsort.c, a partial quicksort (Bentley and McIlroy's,
// from NetBSD) that sorts only as much as needed for the elements from
// lrange to rrange to be in place. Redis uses it for SORT BY ... LIMIT; it
// is not stable, so elements of equal weight come out in its own order,
// which this port keeps.
func pqsort(v []sortItem, cmp func(a, b *sortItem) int, lrange, rrange int) {
	pqsortRange(v, 0, len(v), cmp, lrange, rrange)
}

// pqsortRange sorts v[lo:lo+n].
func pqsortRange(v []sortItem, lo, n int, cmp func(a, b *sortItem) int, lrange, rrange int) {
	c := func(i, j int) int { return cmp(&v[i], &v[j]) }
	swap := func(i, j int) { v[i], v[j] = v[j], v[i] }
	vecswap := func(i, j, k int) {
		for ; k > 0; k-- {
			swap(i, j)
			i++
			j++
		}
	}
	med3 := func(a, b, cc int) int {
		if c(a, b) < 0 {
			if c(b, cc) < 0 {
				return b
			}
			if c(a, cc) < 0 {
				return cc
			}
			return a
		}
		if c(b, cc) > 0 {
			return b
		}
		if c(a, cc) < 0 {
			return a
		}
		return cc
	}
	for {
		a := lo
		if n < 7 {
			for pm := a + 1; pm < a+n; pm++ {
				for pl := pm; pl > a && c(pl-1, pl) > 0; pl-- {
					swap(pl, pl-1)
				}
			}
			return
		}
		pm := a + n/2
		if n > 7 {
			pl, pn := a, a+n-1
			if n > 40 {
				d := n / 8
				pl = med3(pl, pl+d, pl+2*d)
				pm = med3(pm-d, pm, pm+d)
				pn = med3(pn-2*d, pn-d, pn)
			}
			pm = med3(pl, pm, pn)
		}
		swap(a, pm)
		pa, pb := a+1, a+1
		pc, pd := a+n-1, a+n-1
		for {
			for pb <= pc {
				r := c(pb, a)
				if r > 0 {
					break
				}
				if r == 0 {
					swap(pa, pb)
					pa++
				}
				pb++
			}
			for pb <= pc {
				r := c(pc, a)
				if r < 0 {
					break
				}
				if r == 0 {
					swap(pc, pd)
					pd--
				}
				pc--
			}
			if pb > pc {
				break
			}
			swap(pb, pc)
			pb++
			pc--
		}
		pn := a + n
		r := min(pa-a, pb-pa)
		vecswap(a, pb-r, r)
		r = min(pd-pc, pn-pd-1)
		vecswap(pb, pn-r, r)
		// Recurse into a part only if the wanted range reaches it.
		reaches := func(l, m int) bool {
			return !((lrange < l && rrange < l) || (lrange >= l+m && rrange >= l+m))
		}
		if r := pb - pa; r > 1 && reaches(a, r) {
			pqsortRange(v, a, r, cmp, lrange, rrange)
		}
		r = pd - pc
		if r <= 1 {
			return
		}
		lo, n = pn-r, r
		if !reaches(lo, n) {
			return
		}
	}
}
