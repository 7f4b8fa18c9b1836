package store

import (
	"math"
	"slices"

	"github.com/emberkv/ember/internal/dict"
)

// setSource reads a set (set.go) as a sorted set whose scores are all 1,
// as Redis's zuiInitIterator does for ZUNION, ZINTER and ZDIFF.
type setSource struct{ s *set }

func (ss setSource) length() int { return ss.s.length() }

func (ss setSource) eachMember(fn func(member []byte) bool) {
	var buf [24]byte
	ss.s.each(func(m setMember) bool { return fn(m.appendTo(buf[:0])) })
}

func (ss setSource) hasMember(member []byte) bool { return ss.s.contains(stringView(member)) }

// ZSetOp is the operation of ZCombine.
type ZSetOp uint8

const (
	ZUnion ZSetOp = iota
	ZInter
	ZDiff
)

// ZAggregate is how ZUNION and ZINTER combine the scores of a member.
type ZAggregate uint8

const (
	ZAggSum ZAggregate = iota
	ZAggMin
	ZAggMax
)

// ZCombineSpec describes a ZUNION, ZINTER or ZDIFF: keys of sorted sets or
// sets, Weights (nil: all 1; ignored by ZDiff) and the aggregate.
type ZCombineSpec struct {
	Op        ZSetOp
	Keys      []string
	Weights   []float64
	Aggregate ZAggregate
}

// zsrc is one input of the algebra.
type zsrc struct {
	z      *zset
	set    *setSource
	weight float64
}

func (s *zsrc) length() int {
	switch {
	case s.z != nil:
		return s.z.length()
	case s.set != nil:
		return s.set.length()
	}
	return 0
}

func (s *zsrc) each(fn func(m []byte, score float64) bool) {
	switch {
	case s.z != nil:
		s.z.ascend(0, fn)
	case s.set != nil:
		s.set.eachMember(func(m []byte) bool { return fn(m, 1) })
	}
}

func (s *zsrc) find(m []byte) (float64, bool) {
	switch {
	case s.z != nil:
		return s.z.score(m)
	case s.set != nil:
		return 1, s.set.hasMember(m)
	}
	return 0, false
}

// aggregate is zunionInterAggregate: a SUM that is NaN (inf + -inf) is 0.
func (a ZAggregate) apply(target *float64, v float64) {
	switch a {
	case ZAggSum:
		*target += v
		if math.IsNaN(*target) {
			*target = 0
		}
	case ZAggMin:
		if v < *target {
			*target = v
		}
	case ZAggMax:
		if v > *target {
			*target = v
		}
	}
}

// sources looks up the inputs under the held shards. Any key that is not
// a sorted set or a set is ErrWrongType, as Redis checks before anything.
func (db *DB) sources(spec *ZCombineSpec, hashes []uint64, t *opTime, off int) ([]zsrc, error) {
	src := make([]zsrc, len(spec.Keys))
	for i, k := range spec.Keys {
		src[i].weight = 1
		if spec.Weights != nil {
			src[i].weight = spec.Weights[i]
		}
		sh := db.shardOf(hashes[off+i])
		e, ok := sh.lookup(k, hashes[off+i], t)
		if !ok {
			continue
		}
		switch e.kind() {
		case KindZSet:
			src[i].z = e.agg().(*zset)
		case KindSet:
			src[i].set = &setSource{e.agg().(*set)}
		default:
			return nil, ErrWrongType
		}
	}
	if spec.Op != ZDiff {
		// Smallest first, as Redis's qsort by cardinality (glibc's is a
		// stable merge sort, and the order decides floating-point sums).
		slices.SortStableFunc(src, func(a, b zsrc) int { return a.length() - b.length() })
	}
	return src, nil
}

// combine computes the result as a new skiplist set, and the longest
// member, as zunionInterDiffGenericCommand. With cardOnly it only counts,
// up to limit (0: no limit).
func combine(spec *ZCombineSpec, src []zsrc, cardOnly bool, limit int) (*zset, int, int) {
	out := newZSetSkiplist(0)
	maxLen, card := 0, 0
	add := func(m []byte, s float64) {
		k := string(m)
		out.dict.SetOwned(k, s)
		out.idx.Insert(s, k)
		maxLen = max(maxLen, len(m))
	}
	switch spec.Op {
	case ZInter:
		if len(src) == 0 || src[0].length() == 0 {
			break
		}
		src[0].each(func(m []byte, s float64) bool {
			score := src[0].weight * s
			if math.IsNaN(score) {
				score = 0
			}
			j := 1
			for ; j < len(src); j++ {
				// As Redis, only the first input's weighted score has
				// NaN replaced by 0 before it is aggregated.
				v, ok := src[j].find(m)
				if !ok {
					break
				}
				spec.Aggregate.apply(&score, v*src[j].weight)
			}
			if j < len(src) {
				return true
			}
			if cardOnly {
				card++
				return limit == 0 || card < limit
			}
			add(m, score)
			return true
		})
	case ZUnion:
		acc := dict.New[float64](0)
		var order []string
		for i := range src {
			src[i].each(func(m []byte, s float64) bool {
				score := src[i].weight * s
				if math.IsNaN(score) {
					score = 0
				}
				if p := acc.Ptr(stringView(m)); p != nil {
					spec.Aggregate.apply(p, score)
				} else {
					k := string(m)
					acc.SetOwned(k, score)
					order = append(order, k)
				}
				return true
			})
		}
		for _, k := range order {
			s, _ := acc.Get(k)
			out.dict.SetOwned(k, s)
			out.idx.Insert(s, k)
			maxLen = max(maxLen, len(k))
		}
	case ZDiff:
		if len(src) == 0 {
			break
		}
		src[0].each(func(m []byte, s float64) bool {
			for _, o := range src[1:] {
				if _, ok := o.find(m); ok {
					return true
				}
			}
			add(m, s)
			return true
		})
	}
	return out, maxLen, card
}

// ZCombine computes ZUNION, ZINTER or ZDIFF and returns the result in
// order.
func (db *DB) ZCombine(spec *ZCombineSpec) ([]ZMember, error) {
	var room keyRoom
	hashes, order := db.lockKeys(spec.Keys, &room)
	defer db.unlockShards(order)
	t := db.newOpTime()
	src, err := db.sources(spec, hashes, &t, 0)
	if err != nil {
		return nil, err
	}
	z, _, _ := combine(spec, src, false, 0)
	out := make([]ZMember, 0, z.length())
	z.ascend(0, func(m []byte, s float64) bool { out = append(out, ZMember{string(m), s}); return true })
	return out, nil
}

// ZCombineStore stores the result of ZUNION, ZINTER or ZDIFF at dst
// (ZUNIONSTORE...), replacing whatever it held; an empty result deletes
// dst. It returns the result's length.
func (db *DB) ZCombineStore(dst string, spec *ZCombineSpec) (int, error) {
	var room keyRoom
	keys := append([]string{dst}, spec.Keys...)
	hashes, order := db.lockKeys(keys, &room)
	defer db.unlockShards(order)
	t := db.newOpTime()
	src, err := db.sources(spec, hashes, &t, 1)
	if err != nil {
		return 0, err
	}
	z, maxLen, _ := combine(spec, src, false, 0)
	lim := db.store.limits()
	// As zsetConvertToListpackIfNeeded: a small result is stored as a
	// listpack.
	if n := z.length(); n > 0 && n <= lim.ZSetMaxListpackEntries && maxLen <= lim.ZSetMaxListpackValue {
		lp := newZSetListpack()
		z.ascend(0, func(m []byte, s float64) bool { lp.lpInsert(m, s); return true })
		z = lp
	}
	db.shardOf(hashes[0]).replaceWithAgg(dst, hashes[0], &t, z)
	return z.length(), nil
}

// ZInterCard returns the size of the intersection of keys, counting no
// further than limit when limit > 0 (ZINTERCARD).
func (db *DB) ZInterCard(keys []string, limit int) (int, error) {
	var room keyRoom
	hashes, order := db.lockKeys(keys, &room)
	defer db.unlockShards(order)
	t := db.newOpTime()
	spec := &ZCombineSpec{Op: ZInter, Keys: keys}
	src, err := db.sources(spec, hashes, &t, 0)
	if err != nil {
		return 0, err
	}
	_, _, card := combine(spec, src, true, limit)
	return card, nil
}

// ZCheckCombineTypes reports ErrWrongType when one of keys holds neither a
// sorted set nor a set: ZUNION and its kin check this before they parse
// their options, as Redis.
func (db *DB) ZCheckCombineTypes(keys []string) error {
	var room keyRoom
	hashes, order := db.lockKeys(keys, &room)
	defer db.unlockShards(order)
	t := db.newOpTime()
	for i, k := range keys {
		e, ok := db.shardOf(hashes[i]).current(k, hashes[i], &t)
		if ok && e.kind() != KindZSet && e.kind() != KindSet {
			return ErrWrongType
		}
	}
	return nil
}
