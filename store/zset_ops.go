package store

import (
	"math"
	"math/rand/v2"

	"github.com/emberkv/ember/internal/redisnum"
)

// ZMember is one element of a sorted set.
type ZMember struct {
	Member string
	Score  float64
}

// ZAddFlags are ZADD's options.
type ZAddFlags uint8

const (
	ZAddNX   ZAddFlags = 1 << iota // only add new members
	ZAddXX                         // only update existing members
	ZAddGT                         // only update when the new score is greater
	ZAddLT                         // only update when the new score is less
	ZAddIncr                       // add the score to the current one (ZINCRBY)
)

// ZAddResult tells what a ZAdd did.
type ZAddResult struct {
	Added   int // new members
	Updated int // members whose score changed
	// Processed is false when ZAddIncr's single element was skipped by NX,
	// XX, GT or LT (ZADD INCR then replies nil). Score is its new score.
	Processed bool
	Score     float64
}

// ZAdd adds or updates members with Redis's zsetAdd semantics. The caller
// has checked the flag combinations (NX with XX, GT, LT; GT with LT; INCR
// with one pair), as ZADD replies with its own errors for them. An INCR
// that would make a score NaN fails with ErrNaNScore.
func (db *DB) ZAdd(key string, flags ZAddFlags, pairs []ZMember) (ZAddResult, error) {
	var res ZAddResult
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	lim := db.store.limits()
	var create func() aggregate
	if flags&ZAddXX == 0 && len(pairs) > 0 {
		// As zaddGenericCommand: a new set starts as a skiplist when the
		// listpack is disabled or the first member is already too long.
		create = func() aggregate {
			if lim.ZSetMaxListpackEntries == 0 || len(pairs[0].Member) > lim.ZSetMaxListpackValue {
				return newZSetSkiplist(len(pairs))
			}
			return newZSetListpack()
		}
	}
	a, ok, err := sh.writeAgg(key, h, &t, KindZSet, create)
	if err != nil || !ok {
		return res, err
	}
	z := a.(*zset)
	before := z.memSize()
	for _, p := range pairs {
		if err = z.add(bytesView(p.Member), p.Score, flags, lim, &res); err != nil {
			break
		}
	}
	sh.commitAgg(key, h, z, before, res.Added+res.Updated > 0)
	sh.countElements(res.Added + res.Updated)
	return res, err
}

// add is zsetAdd for one member.
func (z *zset) add(member []byte, score float64, flags ZAddFlags, lim *EncodingLimits, res *ZAddResult) error {
	cur, exists := z.score(member)
	if !exists {
		if flags&ZAddXX != 0 {
			return nil
		}
		z.insertNew(member, score, lim)
		res.Added++
		res.Processed, res.Score = true, score
		return nil
	}
	if flags&ZAddNX != 0 {
		return nil
	}
	if flags&ZAddIncr != 0 {
		score += cur
		if math.IsNaN(score) {
			return ErrNaNScore
		}
	}
	if (flags&ZAddLT != 0 && score >= cur) || (flags&ZAddGT != 0 && score <= cur) {
		return nil
	}
	res.Processed, res.Score = true, score
	// As Redis: 0 and -0 are the same score, so -0 does not replace 0.
	if score != cur {
		z.updateScore(member, cur, score)
		res.Updated++
	}
	return nil
}

// ZIncrBy adds incr to member's score (0 when absent) and returns the new
// score, as ZINCRBY.
func (db *DB) ZIncrBy(key string, incr float64, member string) (float64, error) {
	res, err := db.ZAdd(key, ZAddIncr, []ZMember{{member, incr}})
	return res.Score, err
}

// readZSet looks up the sorted set at key for a read, under the held
// shard. z is nil when the key does not exist.
func (db *DB) readZSet(sh *shard, key string, h uint64, t *opTime) (*zset, error) {
	a, ok, err := sh.readAgg(key, h, t, KindZSet)
	if !ok {
		return nil, err
	}
	return a.(*zset), nil
}

// ZScore returns member's score.
func (db *DB) ZScore(key, member string) (score float64, ok bool, err error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	z, err := db.readZSet(sh, key, h, &t)
	if z == nil {
		return 0, false, err
	}
	score, ok = z.score(bytesView(member))
	return score, ok, nil
}

// ZMScore returns the scores of members, NaN for a member that is not
// there (a score is never NaN).
func (db *DB) ZMScore(key string, members []string) ([]float64, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	z, err := db.readZSet(sh, key, h, &t)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(members))
	for i, m := range members {
		out[i] = math.NaN()
		if z != nil {
			if s, ok := z.score(bytesView(m)); ok {
				out[i] = s
			}
		}
	}
	return out, nil
}

// ZCard returns the number of members (0 for a missing key).
func (db *DB) ZCard(key string) (int, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	z, err := db.readZSet(sh, key, h, &t)
	if z == nil {
		return 0, err
	}
	return z.length(), nil
}

// ZRank returns member's 0-based rank, counted from the highest score when
// rev (ZREVRANK), and its score.
func (db *DB) ZRank(key, member string, rev bool) (rank int, score float64, ok bool, err error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	z, err := db.readZSet(sh, key, h, &t)
	if z == nil {
		return 0, 0, false, err
	}
	rank, score, ok = z.rank(bytesView(member))
	if ok && rev {
		rank = z.length() - 1 - rank
	}
	return rank, score, ok, nil
}

// ZCount returns the number of members whose score is in r.
func (db *DB) ZCount(key string, r ScoreRange) (int, error) {
	return db.zcount(key, &ZRangeSpec{By: ZByScore, Score: r, Count: -1})
}

// ZLexCount returns the number of members in the lex range r.
func (db *DB) ZLexCount(key string, r LexRange) (int, error) {
	return db.zcount(key, &ZRangeSpec{By: ZByLex, Lex: r, Count: -1})
}

func (db *DB) zcount(key string, spec *ZRangeSpec) (int, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	z, err := db.readZSet(sh, key, h, &t)
	if z == nil {
		return 0, err
	}
	lo, hi := z.ranks(spec)
	return max(0, hi-lo+1), nil
}

// ZRangeFunc calls begin with the number of elements of the range, then fn
// for each, in the range's order, all while the key's shard is held: the
// server writes its reply from there with no copy. member is valid only
// during the call to fn. A missing key is an empty range.
func (db *DB) ZRangeFunc(key string, spec *ZRangeSpec, begin func(n int), fn func(member []byte, score float64)) error {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	z, err := db.readZSet(sh, key, h, &t)
	if err != nil {
		return err
	}
	if z == nil {
		begin(0)
		return nil
	}
	z.walkRange(spec, begin, fn)
	return nil
}

// ZRange returns a copy of the elements of a range.
func (db *DB) ZRange(key string, spec *ZRangeSpec) ([]ZMember, error) {
	var out []ZMember
	err := db.ZRangeFunc(key, spec, func(n int) { out = make([]ZMember, 0, n) },
		func(m []byte, s float64) { out = append(out, ZMember{string(m), s}) })
	return out, err
}

// ZRangeStore stores the range of src at dst, replacing whatever dst held
// (a missing src or an empty range deletes dst), and returns its length.
func (db *DB) ZRangeStore(dst, src string, spec *ZRangeSpec) (int, error) {
	var room keyRoom
	keys := []string{dst, src}
	hashes, order := db.lockKeys(keys, &room)
	defer db.unlockShards(order)
	t := db.newOpTime()
	ssh := db.shardOf(hashes[1])
	a, ok, err := ssh.readAgg(src, hashes[1], &t, KindZSet)
	if err != nil {
		return 0, err
	}
	lim := db.store.limits()
	var out *zset
	if ok {
		z := a.(*zset)
		z.walkRange(spec, func(n int) {
			// As zrangeResultBeginStore: a rank range knows its length and
			// starts as a skiplist past the limit; score and lex ranges
			// start as a listpack and convert as they grow.
			if spec.By == ZByRank && n > lim.ZSetMaxListpackEntries {
				out = newZSetSkiplist(n)
			} else {
				out = newZSetListpack()
			}
		}, func(m []byte, s float64) {
			out.insertNew(m, s, lim)
		})
	}
	dsh := db.shardOf(hashes[0])
	if out == nil || out.length() == 0 {
		dsh.replaceWithAgg(dst, hashes[0], &t, nil)
		return 0, nil
	}
	dsh.replaceWithAgg(dst, hashes[0], &t, out)
	return out.length(), nil
}

// ZRem removes members and returns how many were there.
func (db *DB) ZRem(key string, members []string) (int, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, ok, err := sh.writeAgg(key, h, &t, KindZSet, nil)
	if !ok {
		return 0, err
	}
	z := a.(*zset)
	before := z.memSize()
	n := 0
	for _, m := range members {
		if z.remove(bytesView(m)) {
			n++
		}
	}
	sh.commitAgg(key, h, z, before, n > 0)
	return n, nil
}

// ZRemRange removes the elements of a range (ZREMRANGEBYRANK, BYSCORE,
// BYLEX: spec's Rev, Offset and Count are ignored) and returns how many.
func (db *DB) ZRemRange(key string, spec *ZRangeSpec) (int, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	a, ok, err := sh.writeAgg(key, h, &t, KindZSet, nil)
	if !ok {
		return 0, err
	}
	z := a.(*zset)
	before := z.memSize()
	s := *spec
	s.Rev, s.Offset, s.Count = false, 0, -1
	lo, hi := z.ranks(&s)
	z.removeRanks(lo, hi)
	sh.commitAgg(key, h, z, before, hi >= lo)
	return max(0, hi-lo+1), nil
}

// ZPop removes and returns up to count members with the lowest scores, or
// the highest with max (ZPOPMIN, ZPOPMAX), in the order popped.
func (db *DB) ZPop(key string, max bool, count int) ([]ZMember, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	return zpopLocked(sh, key, h, &t, max, count)
}

func zpopLocked(sh *shard, key string, h uint64, t *opTime, max bool, count int) ([]ZMember, error) {
	a, ok, err := sh.writeAgg(key, h, t, KindZSet, nil)
	if !ok || count <= 0 {
		return nil, err
	}
	z := a.(*zset)
	before := z.memSize()
	n := min(count, z.length())
	out := make([]ZMember, 0, n)
	collect := func(m []byte, s float64) bool {
		out = append(out, ZMember{string(m), s})
		return len(out) < n
	}
	if max {
		z.descend(z.length()-1, collect)
		z.removeRanks(z.length()-n, z.length()-1)
	} else {
		z.ascend(0, collect)
		z.removeRanks(0, n-1)
	}
	sh.commitAgg(key, h, z, before, n > 0)
	return out, nil
}

// ZMPop pops up to count members from the first of keys that holds a
// non-empty sorted set, as ZMPOP (and the lead's BZMPOP), and returns that
// key; key is "" when every key is missing. A key of another type met
// before a non-empty set is ErrWrongType.
func (db *DB) ZMPop(keys []string, max bool, count int) (key string, popped []ZMember, err error) {
	var room keyRoom
	hashes, order := db.lockKeys(keys, &room)
	defer db.unlockShards(order)
	t := db.newOpTime()
	for i, k := range keys {
		sh := db.shardOf(hashes[i])
		a, ok, err := sh.peekAgg(k, hashes[i], &t, KindZSet)
		if err != nil {
			return "", nil, err
		}
		if ok && a.length() > 0 {
			popped, err = zpopLocked(sh, k, hashes[i], &t, max, count)
			return k, popped, err
		}
	}
	return "", nil, nil
}

// ZRandMember returns random members, as ZRANDMEMBER key count: with
// unique, min(count, size) distinct members; otherwise count members drawn
// independently (a negative count in Redis's syntax).
func (db *DB) ZRandMember(key string, count int, unique bool) ([]ZMember, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	z, err := db.readZSet(sh, key, h, &t)
	if z == nil || count <= 0 {
		return nil, err
	}
	size := z.length()
	at := func(r int) ZMember {
		var m ZMember
		z.ascend(r, func(b []byte, s float64) bool { m = ZMember{string(b), s}; return false })
		return m
	}
	if !unique {
		out := make([]ZMember, count)
		for i := range out {
			if z.idx != nil {
				it := z.idx.At(rand.IntN(size))
				out[i] = ZMember{it.Member, it.Score}
			} else {
				out[i] = at(rand.IntN(size))
			}
		}
		return out, nil
	}
	if count >= size {
		// As Redis's case 1: the whole set, in its order.
		out := make([]ZMember, 0, size)
		z.ascend(0, func(b []byte, s float64) bool { out = append(out, ZMember{string(b), s}); return true })
		return out, nil
	}
	// Distinct ranks, chosen by a partial Fisher-Yates over a sparse map.
	picked := make(map[int]int, count)
	out := make([]ZMember, count)
	for i := range count {
		j := i + rand.IntN(size-i)
		vi, ok := picked[i]
		if !ok {
			vi = i
		}
		vj, ok := picked[j]
		if !ok {
			vj = j
		}
		picked[i], picked[j] = vj, vi
		out[i] = at(vj)
	}
	return out, nil
}

// ZScan returns the elements of one step of a ZSCAN from cursor, as
// member and score text pairs, keeping members that match the glob
// pattern match ("*" keeps every member, "" only the empty one, as SScan),
// and the next cursor (0 when done).
// As Redis, a listpack set is returned whole in one step, its scores as the
// listpack holds them (an integer, or %.17g text); a skiplist is walked by
// its hash table's reverse-binary cursor, about count members a step.
func (db *DB) ZScan(key string, cursor uint64, match string, count int) (uint64, [][2]string, error) {
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	z, err := db.readZSet(sh, key, h, &t)
	if z == nil {
		return 0, nil, err
	}
	if count <= 0 {
		count = 10
	}
	filter := match != "*"
	var out [][2]string
	if z.idx == nil {
		var sbuf [32]byte
		z.ascend(0, func(b []byte, s float64) bool {
			if !filter || Match(match, stringView(b), false) {
				out = append(out, [2]string{string(b), string(appendScoreText(sbuf[:0], s))})
			}
			return true
		})
		return 0, out, nil
	}
	// As scanGenericCommand: stop after count elements or count*10 buckets.
	for maxIter := count * 10; ; {
		cursor = z.dict.Scan(cursor, func(m string, s float64) {
			if !filter || Match(match, m, false) {
				out = append(out, [2]string{clone(m), redisnum.FormatDouble(s)})
			}
		})
		maxIter--
		if cursor == 0 || maxIter <= 0 || len(out) >= count {
			break
		}
	}
	return cursor, out, nil
}

// ZMembers returns every member in order, for SORT and tests.
func (db *DB) ZMembers(key string) ([]ZMember, error) {
	return db.ZRange(key, &ZRangeSpec{By: ZByRank, Start: 0, Stop: -1, Count: -1})
}
