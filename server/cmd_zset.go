package server

import (
	"fmt"
	"math"
	"strings"
	"unsafe"

	"github.com/emberkv/ember/internal/redisnum"
	"github.com/emberkv/ember/store"
)

// The sorted set commands, as t_zset.c in Redis 7.0.15. Name, arity,
// flags, ACL categories and key positions are those COMMAND INFO reports.
var zsetCommands = []*command{
	{name: "zadd", arity: -4, flags: parseFlags("write denyoom fast"), acl: acl("write sortedset fast"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "1.2.0",
		summary: "Adds members with scores to a sorted set, or updates their scores.", handler: cmdZAdd},
	{name: "zincrby", arity: 4, flags: parseFlags("write denyoom fast"), acl: acl("write sortedset fast"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "1.2.0",
		summary: "Adds to the score of a member of a sorted set.", handler: cmdZIncrBy},
	{name: "zscore", arity: 3, flags: parseFlags("readonly fast"), acl: acl("read sortedset fast"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "1.2.0",
		summary: "Reads the score of a member of a sorted set.", handler: cmdZScore},
	{name: "zmscore", arity: -3, flags: parseFlags("readonly fast"), acl: acl("read sortedset fast"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "6.2.0",
		summary: "Reads the scores of several members of a sorted set.", handler: cmdZMScore},
	{name: "zcard", arity: 2, flags: parseFlags("readonly fast"), acl: acl("read sortedset fast"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "1.2.0",
		summary: "Tells how many members a sorted set has.", handler: cmdZCard},
	{name: "zrank", arity: 3, flags: parseFlags("readonly fast"), acl: acl("read sortedset fast"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "2.0.0",
		summary: "Tells the position of a member in a sorted set, lowest score first.", handler: cmdZRank},
	{name: "zrevrank", arity: 3, flags: parseFlags("readonly fast"), acl: acl("read sortedset fast"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "2.0.0",
		summary: "Tells the position of a member in a sorted set, highest score first.", handler: cmdZRevRank},
	{name: "zcount", arity: 4, flags: parseFlags("readonly fast"), acl: acl("read sortedset fast"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "2.0.0",
		summary: "Counts the members of a sorted set within a score range.", handler: cmdZCount},
	{name: "zlexcount", arity: 4, flags: parseFlags("readonly fast"), acl: acl("read sortedset fast"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "2.8.9",
		summary: "Counts the members of a sorted set within a lexicographical range.", handler: cmdZLexCount},
	{name: "zrange", arity: -4, flags: parseFlags("readonly"), acl: acl("read sortedset slow"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "1.2.0",
		summary: "Reads a range of a sorted set by rank, score or member.", handler: cmdZRange},
	{name: "zrangestore", arity: -5, flags: parseFlags("write denyoom"), acl: acl("write sortedset slow"), firstKey: 1, lastKey: 2, step: 1, group: "sorted_set", since: "6.2.0",
		summary: "Stores a range of a sorted set at another key.", handler: cmdZRangeStore},
	{name: "zrangebyscore", arity: -4, flags: parseFlags("readonly"), acl: acl("read sortedset slow"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "1.0.5",
		summary: "Reads the members of a sorted set within a score range.", handler: cmdZRangeByScore},
	{name: "zrevrangebyscore", arity: -4, flags: parseFlags("readonly"), acl: acl("read sortedset slow"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "2.2.0",
		summary: "Reads the members of a sorted set within a score range, highest first.", handler: cmdZRevRangeByScore},
	{name: "zrangebylex", arity: -4, flags: parseFlags("readonly"), acl: acl("read sortedset slow"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "2.8.9",
		summary: "Reads the members of a sorted set within a lexicographical range.", handler: cmdZRangeByLex},
	{name: "zrevrangebylex", arity: -4, flags: parseFlags("readonly"), acl: acl("read sortedset slow"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "2.8.9",
		summary: "Reads the members of a sorted set within a lexicographical range, highest first.", handler: cmdZRevRangeByLex},
	{name: "zrevrange", arity: -4, flags: parseFlags("readonly"), acl: acl("read sortedset slow"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "1.2.0",
		summary: "Reads a range of a sorted set by rank, highest score first.", handler: cmdZRevRange},
	{name: "zrem", arity: -3, flags: parseFlags("write fast"), acl: acl("write sortedset fast"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "1.2.0",
		summary: "Removes members from a sorted set.", handler: cmdZRem},
	{name: "zremrangebyrank", arity: 4, flags: parseFlags("write"), acl: acl("write sortedset slow"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "2.0.0",
		summary: "Removes the members of a sorted set within a rank range.", handler: cmdZRemRangeByRank},
	{name: "zremrangebyscore", arity: 4, flags: parseFlags("write"), acl: acl("write sortedset slow"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "1.2.0",
		summary: "Removes the members of a sorted set within a score range.", handler: cmdZRemRangeByScore},
	{name: "zremrangebylex", arity: 4, flags: parseFlags("write"), acl: acl("write sortedset slow"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "2.8.9",
		summary: "Removes the members of a sorted set within a lexicographical range.", handler: cmdZRemRangeByLex},
	{name: "zpopmin", arity: -2, flags: parseFlags("write fast"), acl: acl("write sortedset fast"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "5.0.0",
		summary: "Removes and answers the members with the lowest scores.", handler: cmdZPopMin},
	{name: "zpopmax", arity: -2, flags: parseFlags("write fast"), acl: acl("write sortedset fast"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "5.0.0",
		summary: "Removes and answers the members with the highest scores.", handler: cmdZPopMax},
	{name: "zmpop", arity: -4, flags: parseFlags("write movablekeys"), acl: acl("write sortedset slow"), group: "sorted_set", since: "7.0.0",
		summary: "Pops members from the first non-empty sorted set of several keys.", handler: cmdZMPop},
	{name: "zunion", arity: -3, flags: parseFlags("readonly movablekeys"), acl: acl("read sortedset slow"), group: "sorted_set", since: "6.2.0",
		summary: "Answers the union of sorted sets.", handler: cmdZUnion},
	{name: "zinter", arity: -3, flags: parseFlags("readonly movablekeys"), acl: acl("read sortedset slow"), group: "sorted_set", since: "6.2.0",
		summary: "Answers the intersection of sorted sets.", handler: cmdZInter},
	{name: "zdiff", arity: -3, flags: parseFlags("readonly movablekeys"), acl: acl("read sortedset slow"), group: "sorted_set", since: "6.2.0",
		summary: "Answers the members of the first sorted set that no other has.", handler: cmdZDiff},
	{name: "zunionstore", arity: -4, flags: parseFlags("write denyoom movablekeys"), acl: acl("write sortedset slow"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "2.0.0",
		summary: "Stores the union of sorted sets at a key.", handler: cmdZUnionStore},
	{name: "zinterstore", arity: -4, flags: parseFlags("write denyoom movablekeys"), acl: acl("write sortedset slow"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "2.0.0",
		summary: "Stores the intersection of sorted sets at a key.", handler: cmdZInterStore},
	{name: "zdiffstore", arity: -4, flags: parseFlags("write denyoom movablekeys"), acl: acl("write sortedset slow"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "6.2.0",
		summary: "Stores the difference of sorted sets at a key.", handler: cmdZDiffStore},
	{name: "zintercard", arity: -3, flags: parseFlags("readonly movablekeys"), acl: acl("read sortedset slow"), group: "sorted_set", since: "7.0.0",
		summary: "Counts the members of the intersection of sorted sets.", handler: cmdZInterCard},
	{name: "zrandmember", arity: -2, flags: parseFlags("readonly"), acl: acl("read sortedset slow"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "6.2.0",
		summary: "Answers random members of a sorted set.", handler: cmdZRandMember},
	{name: "zscan", arity: -3, flags: parseFlags("readonly"), acl: acl("read sortedset slow"), firstKey: 1, lastKey: 1, step: 1, group: "sorted_set", since: "2.8.0",
		summary: "Walks the members of a sorted set a few at a time with a cursor.", handler: cmdZScan},
}

// zmember writes one element of a reply: member, then its score when
// withScores, as a [member, score] pair in RESP3 (Redis's nested arrays).
func (c *client) zmember(m []byte, score float64, withScores bool) {
	if withScores && c.w.resp3 {
		c.w.array(2)
	}
	c.w.bulk(m)
	if withScores {
		c.w.double(score)
	}
}

// zheader writes the array header of n elements.
func (c *client) zheader(n int, withScores bool) {
	if withScores && !c.w.resp3 {
		c.w.array(2 * n)
	} else {
		c.w.array(n)
	}
}

func (c *client) zmembers(ms []store.ZMember, withScores bool) {
	c.zheader(len(ms), withScores)
	for _, m := range ms {
		c.zmember(bytesOf(m.Member), m.Score, withScores)
	}
}

// bytesOf views a string the store returned as bytes, without a copy.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// zaddGeneric is zaddGenericCommand: ZADD, and ZINCRBY as ZADD INCR (so
// ZINCRBY parses options too, as Redis: "ZINCRBY k nx m" is a syntax
// error).
func zaddGeneric(c *client, args [][]byte, flags store.ZAddFlags) {
	ch := false
	i := 2
	for ; i < len(args); i++ {
		switch o := keyOf(args[i]); {
		case strings.EqualFold(o, "nx"):
			flags |= store.ZAddNX
		case strings.EqualFold(o, "xx"):
			flags |= store.ZAddXX
		case strings.EqualFold(o, "ch"):
			ch = true
		case strings.EqualFold(o, "incr"):
			flags |= store.ZAddIncr
		case strings.EqualFold(o, "gt"):
			flags |= store.ZAddGT
		case strings.EqualFold(o, "lt"):
			flags |= store.ZAddLT
		default:
			goto parsed
		}
	}
parsed:
	elements := len(args) - i
	if elements%2 != 0 || elements == 0 {
		c.w.error(errSyntax)
		return
	}
	has := func(f store.ZAddFlags) bool { return flags&f != 0 }
	if has(store.ZAddNX) && has(store.ZAddXX) {
		c.w.error(errZAddXXNX)
		return
	}
	if (has(store.ZAddGT) && has(store.ZAddNX)) || (has(store.ZAddLT) && has(store.ZAddNX)) || (has(store.ZAddGT) && has(store.ZAddLT)) {
		c.w.error(errZAddGTLTNX)
		return
	}
	incr := has(store.ZAddIncr)
	if incr && elements > 2 {
		c.w.error(errZAddIncrPair)
		return
	}
	pairs := make([]store.ZMember, elements/2)
	for j := range pairs {
		s, ok := store.ParseScore(args[i+2*j])
		if !ok {
			c.w.error(errNotFloat)
			return
		}
		pairs[j] = store.ZMember{Member: keyOf(args[i+2*j+1]), Score: s}
	}
	res, err := c.db.ZAdd(keyOf(args[1]), flags, pairs)
	if res.Added+res.Updated > 0 {
		if incr {
			c.notify(nkZset, "zincr", args[1])
		} else {
			c.notify(nkZset, "zadd", args[1])
		}
	}
	switch {
	case err != nil:
		c.storeError(err)
	case incr && res.Processed:
		c.w.double(res.Score)
	case incr:
		c.w.null()
	case ch:
		c.w.int(int64(res.Added + res.Updated))
	default:
		c.w.int(int64(res.Added))
	}
}

func cmdZAdd(c *client, args [][]byte)    { zaddGeneric(c, args, 0) }
func cmdZIncrBy(c *client, args [][]byte) { zaddGeneric(c, args, store.ZAddIncr) }

func cmdZScore(c *client, args [][]byte) {
	s, ok, err := c.db.ZScore(keyOf(args[1]), keyOf(args[2]))
	switch {
	case err != nil:
		c.storeError(err)
	case !ok:
		c.w.null()
	default:
		c.w.double(s)
	}
}

func cmdZMScore(c *client, args [][]byte) {
	members := make([]string, len(args)-2)
	for i := range members {
		members[i] = keyOf(args[i+2])
	}
	scores, err := c.db.ZMScore(keyOf(args[1]), members)
	if err != nil {
		c.storeError(err)
		return
	}
	c.w.array(len(scores))
	for _, s := range scores {
		if math.IsNaN(s) {
			c.w.null()
		} else {
			c.w.double(s)
		}
	}
}

func cmdZCard(c *client, args [][]byte) {
	n, err := c.db.ZCard(keyOf(args[1]))
	answerInt(c, int64(n), err)
}

func zrank(c *client, args [][]byte, rev bool) {
	r, _, ok, err := c.db.ZRank(keyOf(args[1]), keyOf(args[2]), rev)
	switch {
	case err != nil:
		c.storeError(err)
	case !ok:
		c.w.null()
	default:
		c.w.int(int64(r))
	}
}

func cmdZRank(c *client, args [][]byte)    { zrank(c, args, false) }
func cmdZRevRank(c *client, args [][]byte) { zrank(c, args, true) }

func cmdZCount(c *client, args [][]byte) {
	r, ok := store.ParseScoreRange(args[2], args[3])
	if !ok {
		c.w.error(errZMinMaxFloat)
		return
	}
	n, err := c.db.ZCount(keyOf(args[1]), r)
	answerInt(c, int64(n), err)
}

func cmdZLexCount(c *client, args [][]byte) {
	r, ok := store.ParseLexRange(args[2], args[3])
	if !ok {
		c.w.error(errZMinMaxLex)
		return
	}
	n, err := c.db.ZLexCount(keyOf(args[1]), r)
	answerInt(c, int64(n), err)
}

// zrangeKind is what a ZRANGE-family command fixes before parsing: the
// unified ZRANGE leaves both open (auto).
type zrangeKind struct {
	by      store.ZRangeBy
	byFixed bool
	rev     bool
	revAuto bool
}

// parseZRange is zrangeGenericCommand's parsing: args[from] is the source
// key, then min, max and options. It answers the error itself.
func parseZRange(c *client, args [][]byte, from int, storing bool, k zrangeKind) (spec store.ZRangeSpec, withScores, ok bool) {
	spec.Count = -1
	limited := false
	by, byAuto := k.by, !k.byFixed
	byChosen := false
	rev := k.rev
	for j := from + 3; j < len(args); j++ {
		left := len(args) - j - 1
		switch o := keyOf(args[j]); {
		case !storing && strings.EqualFold(o, "withscores"):
			withScores = true
		case strings.EqualFold(o, "limit") && left >= 2:
			off, ok1 := redisnum.ParseInt(args[j+1])
			if !ok1 {
				c.w.error(errNotInteger)
				return spec, false, false
			}
			cnt, ok2 := redisnum.ParseInt(args[j+2])
			if !ok2 {
				c.w.error(errNotInteger)
				return spec, false, false
			}
			spec.Offset, spec.Count, limited = off, cnt, true
			j += 2
		case k.revAuto && strings.EqualFold(o, "rev"):
			rev = true
		case byAuto && !byChosen && strings.EqualFold(o, "bylex"):
			by, byChosen = store.ZByLex, true
		case byAuto && !byChosen && strings.EqualFold(o, "byscore"):
			by, byChosen = store.ZByScore, true
		default:
			c.w.error(errSyntax)
			return spec, false, false
		}
	}
	// As Redis, "LIMIT 0 -1" counts as no LIMIT: opt_limit stays -1.
	if limited && spec.Count == -1 {
		limited = false
	}
	if limited && by == store.ZByRank {
		c.w.error(errZLimitRank)
		return spec, false, false
	}
	if withScores && by == store.ZByLex {
		c.w.error(errZWithScoresLex)
		return spec, false, false
	}
	minArg, maxArg := args[from+1], args[from+2]
	if rev && by != store.ZByRank {
		minArg, maxArg = maxArg, minArg // given as max, min
	}
	spec.By, spec.Rev = by, rev
	switch by {
	case store.ZByRank:
		start, ok1 := redisnum.ParseInt(minArg)
		stop, ok2 := redisnum.ParseInt(maxArg)
		if !ok1 || !ok2 {
			c.w.error(errNotInteger)
			return spec, false, false
		}
		spec.Start, spec.Stop = start, stop
	case store.ZByScore:
		r, ok := store.ParseScoreRange(minArg, maxArg)
		if !ok {
			c.w.error(errZMinMaxFloat)
			return spec, false, false
		}
		spec.Score = r
	case store.ZByLex:
		r, ok := store.ParseLexRange(minArg, maxArg)
		if !ok {
			c.w.error(errZMinMaxLex)
			return spec, false, false
		}
		spec.Lex = r
	}
	return spec, withScores, true
}

func zrangeReply(c *client, args [][]byte, k zrangeKind) {
	spec, withScores, ok := parseZRange(c, args, 1, false, k)
	if !ok {
		return
	}
	err := c.db.ZRangeFunc(keyOf(args[1]), &spec,
		func(n int) { c.zheader(n, withScores) },
		func(m []byte, s float64) { c.zmember(m, s, withScores) })
	if err != nil {
		c.storeError(err)
	}
}

func cmdZRange(c *client, args [][]byte) { zrangeReply(c, args, zrangeKind{revAuto: true}) }
func cmdZRevRange(c *client, args [][]byte) {
	zrangeReply(c, args, zrangeKind{byFixed: true, rev: true})
}
func cmdZRangeByScore(c *client, args [][]byte) {
	zrangeReply(c, args, zrangeKind{by: store.ZByScore, byFixed: true})
}
func cmdZRevRangeByScore(c *client, args [][]byte) {
	zrangeReply(c, args, zrangeKind{by: store.ZByScore, byFixed: true, rev: true})
}
func cmdZRangeByLex(c *client, args [][]byte) {
	zrangeReply(c, args, zrangeKind{by: store.ZByLex, byFixed: true})
}
func cmdZRevRangeByLex(c *client, args [][]byte) {
	zrangeReply(c, args, zrangeKind{by: store.ZByLex, byFixed: true, rev: true})
}

func cmdZRangeStore(c *client, args [][]byte) {
	spec, _, ok := parseZRange(c, args, 2, true, zrangeKind{revAuto: true})
	if !ok {
		return
	}
	existed := c.notifyStoreBefore(args[1])
	n, err := c.db.ZRangeStore(keyOf(args[1]), keyOf(args[2]), &spec)
	c.notifyStore(nkZset, "zrangestore", args[1], n, existed, err)
	answerInt(c, int64(n), err)
}

func cmdZRem(c *client, args [][]byte) {
	members := make([]string, len(args)-2)
	for i := range members {
		members[i] = keyOf(args[i+2])
	}
	n, err := c.db.ZRem(keyOf(args[1]), members)
	if n > 0 {
		c.notify(nkZset, "zrem", args[1])
		c.notifyDelIfGone(args[1])
	}
	answerInt(c, int64(n), err)
}

func zremRange(c *client, args [][]byte, spec *store.ZRangeSpec) {
	n, err := c.db.ZRemRange(keyOf(args[1]), spec)
	if n > 0 {
		c.notify(nkZset, [...]string{store.ZByRank: "zremrangebyrank", store.ZByScore: "zremrangebyscore", store.ZByLex: "zremrangebylex"}[spec.By], args[1])
		c.notifyDelIfGone(args[1])
	}
	answerInt(c, int64(n), err)
}

func cmdZRemRangeByRank(c *client, args [][]byte) {
	start, ok1 := redisnum.ParseInt(args[2])
	stop, ok2 := redisnum.ParseInt(args[3])
	if !ok1 || !ok2 {
		c.w.error(errNotInteger)
		return
	}
	zremRange(c, args, &store.ZRangeSpec{By: store.ZByRank, Start: start, Stop: stop})
}

func cmdZRemRangeByScore(c *client, args [][]byte) {
	r, ok := store.ParseScoreRange(args[2], args[3])
	if !ok {
		c.w.error(errZMinMaxFloat)
		return
	}
	zremRange(c, args, &store.ZRangeSpec{By: store.ZByScore, Score: r})
}

func cmdZRemRangeByLex(c *client, args [][]byte) {
	r, ok := store.ParseLexRange(args[2], args[3])
	if !ok {
		c.w.error(errZMinMaxLex)
		return
	}
	zremRange(c, args, &store.ZRangeSpec{By: store.ZByLex, Lex: r})
}

// zpop is zpopMinMaxCommand: a flat array, or in RESP3 with a count
// nested [member, score] pairs.
func zpop(c *client, args [][]byte, highest bool) {
	if len(args) > 3 {
		c.w.error(errSyntax)
		return
	}
	count := int64(-1)
	if len(args) == 3 {
		// As getPositiveLongFromObjectOrReply: one message for both.
		n, ok := redisnum.ParseInt(args[2])
		if !ok || n < 0 {
			c.w.error(errZPositive)
			return
		}
		count = n
	}
	if count == 0 {
		// As Redis: the type is checked, nothing is popped.
		if _, err := c.db.ZCard(keyOf(args[1])); err != nil {
			c.storeError(err)
			return
		}
		c.w.array(0)
		return
	}
	popped, err := c.db.ZPop(keyOf(args[1]), highest, int(min(max(count, 1), math.MaxInt32)))
	if err != nil {
		c.storeError(err)
		return
	}
	if len(popped) > 0 {
		c.srv.notifyZPop(c.db, keyOf(args[1]), highest)
	}
	nested := c.w.resp3 && count != -1
	if nested {
		c.w.array(len(popped))
	} else {
		c.w.array(2 * len(popped))
	}
	for _, p := range popped {
		if nested {
			c.w.array(2)
		}
		c.w.bulkString(p.Member)
		c.w.double(p.Score)
	}
}

func cmdZPopMin(c *client, args [][]byte) { zpop(c, args, false) }
func cmdZPopMax(c *client, args [][]byte) { zpop(c, args, true) }

func cmdZMPop(c *client, args [][]byte) {
	keys, max, count, ok := parseZMPop(c, args, 1)
	if !ok {
		return
	}
	key, popped, err := c.db.ZMPop(keys, max, count)
	if len(popped) > 0 {
		c.srv.notifyZPop(c.db, key, max)
		// As Redis: logged as ZPOPMIN/ZPOPMAX key <number popped>.
		if max {
			c.propagatePop("ZPOPMAX", key, len(popped), true)
		} else {
			c.propagatePop("ZPOPMIN", key, len(popped), true)
		}
	}
	switch {
	case err != nil:
		c.storeError(err)
	case key == "" && popped == nil:
		c.w.nullArray()
	default:
		writeZMPop(c, key, popped)
	}
}

// parseZMPop reads "numkeys key [key ...] MIN|MAX [COUNT count]" from
// args[numkeysIdx:], as Redis's zmpopGenericCommand, for ZMPOP and BZMPOP.
// It answers the error itself when ok is false.
func parseZMPop(c *client, args [][]byte, numkeysIdx int) (keys []string, max bool, count int, ok bool) {
	numkeys, isInt := redisnum.ParseInt(args[numkeysIdx])
	if !isInt || numkeys < 1 {
		c.w.error(errZNumKeysPositive)
		return nil, false, 0, false
	}
	whereIdx := int64(numkeysIdx) + 1 + numkeys
	if whereIdx >= int64(len(args)) || whereIdx < 0 {
		c.w.error(errSyntax)
		return nil, false, 0, false
	}
	switch w := keyOf(args[whereIdx]); {
	case strings.EqualFold(w, "min"):
	case strings.EqualFold(w, "max"):
		max = true
	default:
		c.w.error(errSyntax)
		return nil, false, 0, false
	}
	n := int64(-1)
	for j := int(whereIdx) + 1; j < len(args); j++ {
		if n == -1 && strings.EqualFold(keyOf(args[j]), "count") && j+1 < len(args) {
			j++
			v, isInt := redisnum.ParseInt(args[j])
			if !isInt || v < 1 {
				c.w.error(errZCountPositive)
				return nil, false, 0, false
			}
			n = v
			continue
		}
		c.w.error(errSyntax)
		return nil, false, 0, false
	}
	if n == -1 {
		n = 1
	}
	keys = make([]string, numkeys)
	for i := range keys {
		keys[i] = keyOf(args[numkeysIdx+1+i])
	}
	return keys, max, int(min(n, math.MaxInt32)), true
}

// writeZMPop is the reply of ZMPOP and BZMPOP: the key, then the
// [member, score] pairs popped from it.
func writeZMPop(c *client, key string, popped []store.ZMember) {
	c.w.array(2)
	c.w.bulkString(key)
	c.w.array(len(popped))
	for _, p := range popped {
		c.w.array(2)
		c.w.bulkString(p.Member)
		c.w.double(p.Score)
	}
}

// parseZCombine is zunionInterDiffGenericCommand's parsing; numIdx is the
// position of numkeys. The keys' types are checked (by the store) before
// the options, as in Redis, so a WRONGTYPE wins over a syntax error: the
// caller passes check to run the lookup first.
func parseZCombine(c *client, args [][]byte, numIdx int, op store.ZSetOp, storing, cardOnly bool) (spec store.ZCombineSpec, withScores bool, limit int, ok bool) {
	numkeys, ok1 := redisnum.ParseInt(args[numIdx])
	if !ok1 {
		c.w.error(errNotInteger)
		return
	}
	if numkeys < 1 {
		c.w.error(fmt.Sprintf(errZAtLeastOneKey, strings.ToLower(keyOf(args[0]))))
		return
	}
	if numkeys > int64(len(args)-numIdx-1) {
		c.w.error(errSyntax)
		return
	}
	spec.Op = op
	spec.Keys = make([]string, numkeys)
	for i := range spec.Keys {
		spec.Keys[i] = keyOf(args[numIdx+1+i])
	}
	if err := c.db.ZCheckCombineTypes(spec.Keys); err != nil {
		c.storeError(err)
		return
	}
	for j := numIdx + 1 + int(numkeys); j < len(args); {
		remaining := len(args) - j
		o := keyOf(args[j])
		switch {
		case op != store.ZDiff && !cardOnly && remaining >= int(numkeys)+1 && strings.EqualFold(o, "weights"):
			j++
			spec.Weights = make([]float64, numkeys)
			for i := range spec.Weights {
				w, okw := store.ParseScore(args[j])
				if !okw {
					c.w.error(errZWeightFloat)
					return
				}
				spec.Weights[i] = w
				j++
			}
		case op != store.ZDiff && !cardOnly && remaining >= 2 && strings.EqualFold(o, "aggregate"):
			switch a := keyOf(args[j+1]); {
			case strings.EqualFold(a, "sum"):
				spec.Aggregate = store.ZAggSum
			case strings.EqualFold(a, "min"):
				spec.Aggregate = store.ZAggMin
			case strings.EqualFold(a, "max"):
				spec.Aggregate = store.ZAggMax
			default:
				c.w.error(errSyntax)
				return
			}
			j += 2
		case !storing && !cardOnly && strings.EqualFold(o, "withscores"):
			withScores = true
			j++
		case cardOnly && remaining >= 2 && strings.EqualFold(o, "limit"):
			n, okn := redisnum.ParseInt(args[j+1])
			if !okn || n < 0 {
				c.w.error(errZLimitNegative)
				return
			}
			limit = int(min(n, math.MaxInt32))
			j += 2
		default:
			c.w.error(errSyntax)
			return
		}
	}
	return spec, withScores, limit, true
}

func zcombine(c *client, args [][]byte, op store.ZSetOp) {
	spec, withScores, _, ok := parseZCombine(c, args, 1, op, false, false)
	if !ok {
		return
	}
	res, err := c.db.ZCombine(&spec)
	if err != nil {
		c.storeError(err)
		return
	}
	c.zmembers(res, withScores)
}

func zcombineStore(c *client, args [][]byte, op store.ZSetOp) {
	spec, _, _, ok := parseZCombine(c, args, 2, op, true, false)
	if !ok {
		return
	}
	existed := c.notifyStoreBefore(args[1])
	n, err := c.db.ZCombineStore(keyOf(args[1]), &spec)
	c.notifyStore(nkZset, [...]string{store.ZUnion: "zunionstore", store.ZInter: "zinterstore", store.ZDiff: "zdiffstore"}[op], args[1], n, existed, err)
	answerInt(c, int64(n), err)
}

func cmdZUnion(c *client, args [][]byte)      { zcombine(c, args, store.ZUnion) }
func cmdZInter(c *client, args [][]byte)      { zcombine(c, args, store.ZInter) }
func cmdZDiff(c *client, args [][]byte)       { zcombine(c, args, store.ZDiff) }
func cmdZUnionStore(c *client, args [][]byte) { zcombineStore(c, args, store.ZUnion) }
func cmdZInterStore(c *client, args [][]byte) { zcombineStore(c, args, store.ZInter) }
func cmdZDiffStore(c *client, args [][]byte)  { zcombineStore(c, args, store.ZDiff) }

func cmdZInterCard(c *client, args [][]byte) {
	spec, _, limit, ok := parseZCombine(c, args, 1, store.ZInter, false, true)
	if !ok {
		return
	}
	n, err := c.db.ZInterCard(spec.Keys, limit)
	answerInt(c, int64(n), err)
}

func cmdZRandMember(c *client, args [][]byte) {
	key := keyOf(args[1])
	if len(args) == 2 {
		ms, err := c.db.ZRandMember(key, 1, true)
		switch {
		case err != nil:
			c.storeError(err)
		case len(ms) == 0:
			c.w.null()
		default:
			c.w.bulkString(ms[0].Member)
		}
		return
	}
	l, ok := redisnum.ParseInt(args[2])
	if !ok {
		c.w.error(errNotInteger)
		return
	}
	if l == math.MinInt64 {
		c.w.error(errZRandRange)
		return
	}
	withScores := false
	if len(args) > 4 || (len(args) == 4 && !strings.EqualFold(keyOf(args[3]), "withscores")) {
		c.w.error(errSyntax)
		return
	} else if len(args) == 4 {
		withScores = true
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			c.w.error(errZValueRange)
			return
		}
	}
	unique := l >= 0
	count := l
	if count < 0 {
		count = -count
	}
	ms, err := c.db.ZRandMember(key, int(min(count, math.MaxInt32)), unique)
	if err != nil {
		c.storeError(err)
		return
	}
	c.zmembers(ms, withScores)
}

func cmdZScan(c *client, args [][]byte) {
	scanElements(c, args, store.KindZSet, func(key string, cursor uint64, opt elementScanOptions) error {
		next, ms, err := c.db.ZScan(key, cursor, opt.match, opt.count)
		if err == nil {
			writeScanReply(c, next, 2*len(ms))
			for _, m := range ms {
				c.w.bulkString(m[0])
				c.w.bulkString(m[1])
			}
		}
		return err
	})
}
