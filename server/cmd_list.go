package server

import (
	"fmt"
	"strings"

	"github.com/emberkv/ember/internal/redisnum"
	"github.com/emberkv/ember/store"
)

// The list commands, but the blocking ones (BLPOP, BRPOP, BLMOVE,
// BRPOPLPUSH, BLMPOP), which build on the same store operations. Name,
// arity, flags, ACL categories and key positions are those COMMAND INFO
// reports in Redis 7.0.15.
var listCommands = []*command{
	{name: "lpush", arity: -3, flags: parseFlags("write denyoom fast"), acl: acl("write list fast"), firstKey: 1, lastKey: 1, step: 1, group: "list", since: "1.0.0",
		summary: "Adds elements at the head of a list, creating it if needed.", handler: cmdLPush},
	{name: "rpush", arity: -3, flags: parseFlags("write denyoom fast"), acl: acl("write list fast"), firstKey: 1, lastKey: 1, step: 1, group: "list", since: "1.0.0",
		summary: "Adds elements at the tail of a list, creating it if needed.", handler: cmdRPush},
	{name: "lpushx", arity: -3, flags: parseFlags("write denyoom fast"), acl: acl("write list fast"), firstKey: 1, lastKey: 1, step: 1, group: "list", since: "2.2.0",
		summary: "Adds elements at the head of a list, only if the list exists.", handler: cmdLPushX},
	{name: "rpushx", arity: -3, flags: parseFlags("write denyoom fast"), acl: acl("write list fast"), firstKey: 1, lastKey: 1, step: 1, group: "list", since: "2.2.0",
		summary: "Adds elements at the tail of a list, only if the list exists.", handler: cmdRPushX},
	{name: "lpop", arity: -2, flags: parseFlags("write fast"), acl: acl("write list fast"), firstKey: 1, lastKey: 1, step: 1, group: "list", since: "1.0.0",
		summary: "Removes and answers the first elements of a list.", handler: cmdLPop},
	{name: "rpop", arity: -2, flags: parseFlags("write fast"), acl: acl("write list fast"), firstKey: 1, lastKey: 1, step: 1, group: "list", since: "1.0.0",
		summary: "Removes and answers the last elements of a list.", handler: cmdRPop},
	{name: "llen", arity: 2, flags: parseFlags("readonly fast"), acl: acl("read list fast"), firstKey: 1, lastKey: 1, step: 1, group: "list", since: "1.0.0",
		summary: "Tells the number of elements of a list.", handler: cmdLLen},
	{name: "lrange", arity: 4, flags: parseFlags("readonly"), acl: acl("read list slow"), firstKey: 1, lastKey: 1, step: 1, group: "list", since: "1.0.0",
		summary: "Reads a range of elements of a list by index.", handler: cmdLRange},
	{name: "lindex", arity: 3, flags: parseFlags("readonly"), acl: acl("read list slow"), firstKey: 1, lastKey: 1, step: 1, group: "list", since: "1.0.0",
		summary: "Reads one element of a list by index.", handler: cmdLIndex},
	{name: "lset", arity: 4, flags: parseFlags("write denyoom"), acl: acl("write list slow"), firstKey: 1, lastKey: 1, step: 1, group: "list", since: "1.0.0",
		summary: "Replaces one element of a list by index.", handler: cmdLSet},
	{name: "linsert", arity: 5, flags: parseFlags("write denyoom"), acl: acl("write list slow"), firstKey: 1, lastKey: 1, step: 1, group: "list", since: "2.2.0",
		summary: "Inserts an element before or after the first element equal to a pivot.", handler: cmdLInsert},
	{name: "lrem", arity: 4, flags: parseFlags("write"), acl: acl("write list slow"), firstKey: 1, lastKey: 1, step: 1, group: "list", since: "1.0.0",
		summary: "Removes elements equal to a value, from the head or the tail.", handler: cmdLRem},
	{name: "ltrim", arity: 4, flags: parseFlags("write"), acl: acl("write list slow"), firstKey: 1, lastKey: 1, step: 1, group: "list", since: "1.0.0",
		summary: "Keeps only a range of elements of a list, deleting the rest.", handler: cmdLTrim},
	{name: "lpos", arity: -3, flags: parseFlags("readonly"), acl: acl("read list slow"), firstKey: 1, lastKey: 1, step: 1, group: "list", since: "6.0.6",
		summary: "Finds the indexes of elements equal to a value.", handler: cmdLPos},
	{name: "lmove", arity: 5, flags: parseFlags("write denyoom"), acl: acl("write list slow"), firstKey: 1, lastKey: 2, step: 1, group: "list", since: "6.2.0",
		summary: "Moves an element from one end of a list to one end of another.", handler: cmdLMove},
	{name: "rpoplpush", arity: 3, flags: parseFlags("write denyoom"), acl: acl("write list slow"), firstKey: 1, lastKey: 2, step: 1, group: "list", since: "1.2.0",
		summary: "Moves the last element of a list to the head of another.", handler: cmdRPopLPush},
	// Its keys follow numkeys: COMMAND GETKEYS finds them by its key spec,
	// and MULTI locks everything for a movable-keys command.
	{name: "lmpop", arity: -4, flags: parseFlags("write movablekeys"), acl: acl("write list slow"), group: "list", since: "7.0.0",
		summary: "Pops elements from the first non-empty list among several keys.", handler: cmdLMPop},
}

func cmdLPush(c *client, args [][]byte) {
	n, err := c.db.LPush(keyOf(args[1]), args[2:]...)
	if n > 0 {
		c.notify(nkList, "lpush", args[1])
	}
	answerInt(c, int64(n), err)
}

func cmdRPush(c *client, args [][]byte) {
	n, err := c.db.RPush(keyOf(args[1]), args[2:]...)
	if n > 0 {
		c.notify(nkList, "rpush", args[1])
	}
	answerInt(c, int64(n), err)
}

func cmdLPushX(c *client, args [][]byte) {
	n, err := c.db.LPushX(keyOf(args[1]), args[2:]...)
	if n > 0 {
		c.notify(nkList, "lpush", args[1])
	}
	answerInt(c, int64(n), err)
}

func cmdRPushX(c *client, args [][]byte) {
	n, err := c.db.RPushX(keyOf(args[1]), args[2:]...)
	if n > 0 {
		c.notify(nkList, "rpush", args[1])
	}
	answerInt(c, int64(n), err)
}

func cmdLPop(c *client, args [][]byte) { popCommand(c, args, store.ListLeft) }
func cmdRPop(c *client, args [][]byte) { popCommand(c, args, store.ListRight) }

// popCommand is LPOP and RPOP key [count], as Redis's popGenericCommand:
// without a count, one element as a bulk string (null when the key is
// missing); with one, an array (a null array when the key is missing, an
// empty one for a count of 0).
func popCommand(c *client, args [][]byte, end store.ListEnd) {
	if len(args) > 3 {
		c.w.error(fmt.Sprintf(errWrongArity, strings.ToLower(string(args[0]))))
		return
	}
	count, hasCount := int64(1), len(args) == 3
	if hasCount {
		var ok bool
		if count, ok = positiveLong(c, args[2], ""); !ok {
			return
		}
	}
	popped := 0
	found, err := c.db.PopFunc(keyOf(args[1]), end, int(min(count, 1<<31)), func(n int) {
		popped = n
		if hasCount {
			c.w.array(n)
		}
	}, c.w.bulk)
	if popped > 0 {
		c.srv.notifyPop(c.db, keyOf(args[1]), end)
	}
	switch {
	case err != nil:
		c.storeError(err)
	case !found && hasCount:
		c.w.nullArray()
	case !found:
		c.w.null()
	}
}

// positiveLong parses a count as Redis's getPositiveLongFromObjectOrReply:
// msg (or Redis's default) answers both a non-integer and a negative one.
func positiveLong(c *client, arg []byte, msg string) (int64, bool) {
	n, ok := redisnum.ParseInt(arg)
	if !ok || n < 0 {
		if msg == "" {
			msg = errNotPositive
		}
		c.w.error(msg)
		return 0, false
	}
	return n, true
}

func writeBulks(c *client, vals [][]byte) {
	c.w.array(len(vals))
	for _, v := range vals {
		c.w.bulk(v)
	}
}

func cmdLLen(c *client, args [][]byte) {
	n, err := c.db.LLen(keyOf(args[1]))
	answerInt(c, int64(n), err)
}

func cmdLRange(c *client, args [][]byte) {
	start, ok1 := redisnum.ParseInt(args[2])
	stop, ok2 := redisnum.ParseInt(args[3])
	if !ok1 || !ok2 {
		c.w.error(errNotInteger)
		return
	}
	// The elements go straight from the list to the reply buffer, under
	// the shard's lock: no copy of each.
	w := &c.w
	err := c.db.LRangeFunc(keyOf(args[1]), start, stop, w.array, w.bulk)
	if err != nil {
		c.storeError(err)
	}
}

func cmdLIndex(c *client, args [][]byte) {
	key := keyOf(args[1])
	i, ok := redisnum.ParseInt(args[2])
	if !ok {
		// As Redis: the key is looked up (once, counting a hit or a miss)
		// before the index is parsed, so a missing key or a wrong type
		// answers first. A list that exists is never empty.
		n, err := c.db.LLen(key)
		switch {
		case err != nil:
			c.storeError(err)
		case n == 0:
			c.w.null()
		default:
			c.w.error(errNotInteger)
		}
		return
	}
	v, ok, err := c.db.LIndex(key, i)
	answerString(c, v, ok, err)
}

func cmdLSet(c *client, args [][]byte) {
	key := keyOf(args[1])
	i, ok := redisnum.ParseInt(args[2])
	if !ok {
		// As Redis: a missing key or a wrong type answers before the index
		// is parsed.
		switch c.db.Type(key) {
		case store.KindNone:
			c.w.error(errNoSuchKey)
		case store.KindList:
			c.w.error(errNotInteger)
		default:
			c.w.error(errWrongType)
		}
		return
	}
	if err := c.db.LSet(key, i, args[3]); err != nil {
		c.storeError(err)
		return
	}
	c.notify(nkList, "lset", args[1])
	c.w.ok()
}

func cmdLInsert(c *client, args [][]byte) {
	var after bool
	switch {
	case strings.EqualFold(string(args[2]), "after"):
		after = true
	case strings.EqualFold(string(args[2]), "before"):
	default:
		c.w.error(errSyntax)
		return
	}
	n, err := c.db.LInsert(keyOf(args[1]), after, args[3], args[4])
	if n > 0 {
		c.notify(nkList, "linsert", args[1])
	}
	answerInt(c, int64(n), err)
}

func cmdLRem(c *client, args [][]byte) {
	count, ok := redisnum.ParseInt(args[2])
	if !ok {
		c.w.error(errNotInteger)
		return
	}
	n, err := c.db.LRem(keyOf(args[1]), count, args[3])
	if n > 0 {
		c.notify(nkList, "lrem", args[1])
		c.notifyDelIfGone(args[1])
	}
	answerInt(c, int64(n), err)
}

func cmdLTrim(c *client, args [][]byte) {
	start, ok1 := redisnum.ParseInt(args[2])
	stop, ok2 := redisnum.ParseInt(args[3])
	if !ok1 || !ok2 {
		c.w.error(errNotInteger)
		return
	}
	// As Redis, LTRIM of an existing list reports "ltrim" even when it
	// removes nothing.
	existed := c.notifies(nkList|nkGeneric) && c.db.Type(keyOf(args[1])) == store.KindList
	if err := c.db.LTrim(keyOf(args[1]), start, stop); err != nil {
		c.storeError(err)
		return
	}
	if existed {
		c.notify(nkList, "ltrim", args[1])
		c.notifyDelIfGone(args[1])
	}
	c.w.ok()
}

// cmdLPos is LPOS key element [RANK rank] [COUNT num] [MAXLEN len], its
// options parsed and checked before the key is looked at, as Redis does.
func cmdLPos(c *client, args [][]byte) {
	opt := store.LPosOptions{Rank: 1}
	hasCount := false
	for j := 3; j < len(args); j++ {
		more := j+1 < len(args)
		switch {
		case more && strings.EqualFold(string(args[j]), "rank"):
			j++
			r, ok := redisnum.ParseInt(args[j])
			if !ok {
				c.w.error(errNotInteger)
				return
			}
			if r == 0 {
				c.w.error(errLPosRankZero)
				return
			}
			opt.Rank = r
		case more && strings.EqualFold(string(args[j]), "count"):
			j++
			n, ok := positiveLong(c, args[j], errLPosCountNegative)
			if !ok {
				return
			}
			opt.Count, hasCount = n, true
		case more && strings.EqualFold(string(args[j]), "maxlen"):
			j++
			n, ok := positiveLong(c, args[j], errLPosMaxLenNegative)
			if !ok {
				return
			}
			opt.MaxLen = n
		default:
			c.w.error(errSyntax)
			return
		}
	}
	if !hasCount {
		opt.Count = 1
	}
	pos, err := c.db.LPos(keyOf(args[1]), args[2], opt)
	switch {
	case err != nil:
		c.storeError(err)
	case hasCount:
		c.w.array(len(pos))
		for _, p := range pos {
			c.w.int(p)
		}
	case len(pos) == 0:
		c.w.null()
	default:
		c.w.int(pos[0])
	}
}

// listEnd parses LEFT or RIGHT.
func listEnd(arg []byte) (store.ListEnd, bool) {
	switch {
	case strings.EqualFold(string(arg), "left"):
		return store.ListLeft, true
	case strings.EqualFold(string(arg), "right"):
		return store.ListRight, true
	}
	return 0, false
}

func cmdLMove(c *client, args [][]byte) {
	from, ok1 := listEnd(args[3])
	to, ok2 := listEnd(args[4])
	if !ok1 || !ok2 {
		c.w.error(errSyntax)
		return
	}
	lmove(c, args[1], args[2], from, to)
}

func cmdRPopLPush(c *client, args [][]byte) {
	lmove(c, args[1], args[2], store.ListRight, store.ListLeft)
}

func lmove(c *client, src, dst []byte, from, to store.ListEnd) {
	v, ok, err := c.db.LMove(keyOf(src), keyOf(dst), from, to)
	if ok {
		c.srv.notifyMove(c.db, keyOf(src), keyOf(dst), from, to)
	}
	answerString(c, v, ok, err)
}

// cmdLMPop is LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count], parsed
// as Redis's lmpopGenericCommand.
func cmdLMPop(c *client, args [][]byte) {
	keys, end, count, ok := parseListMPop(c, args, 1)
	if !ok {
		return
	}
	key, vals, err := c.db.LMPop(keysOf(keys), end, count)
	if len(vals) > 0 {
		c.srv.notifyPop(c.db, key, end)
		// As Redis: logged as LPOP/RPOP key <number popped>.
		if end == store.ListLeft {
			c.propagatePop("LPOP", key, len(vals), true)
		} else {
			c.propagatePop("RPOP", key, len(vals), true)
		}
	}
	switch {
	case err != nil:
		c.storeError(err)
	case vals == nil:
		c.w.nullArray()
	default:
		writeKeyAndBulks(c, key, vals)
	}
}

// writeKeyAndBulks is the reply of LMPOP and BLMPOP: the key, then the
// elements popped from it.
func writeKeyAndBulks(c *client, key string, vals [][]byte) {
	c.w.array(2)
	c.w.bulkString(key)
	writeBulks(c, vals)
}

// parseListMPop reads "numkeys key [key ...] LEFT|RIGHT [COUNT count]"
// from args[numkeysIdx:], as Redis's lmpopGenericCommand, for LMPOP and
// BLMPOP. It answers the error itself when ok is false.
func parseListMPop(c *client, args [][]byte, numkeysIdx int) (keys [][]byte, end store.ListEnd, count int, ok bool) {
	numkeys, isInt := redisnum.ParseInt(args[numkeysIdx])
	if !isInt || numkeys <= 0 {
		c.w.error(errNumKeysPositive)
		return nil, 0, 0, false
	}
	if numkeys >= int64(len(args)) { // also keeps whereIdx from overflowing
		c.w.error(errSyntax)
		return nil, 0, 0, false
	}
	whereIdx := numkeysIdx + 1 + int(numkeys)
	if whereIdx >= len(args) {
		c.w.error(errSyntax)
		return nil, 0, 0, false
	}
	end, ok = listEnd(args[whereIdx])
	if !ok {
		c.w.error(errSyntax)
		return nil, 0, 0, false
	}
	n := int64(-1)
	for j := whereIdx + 1; j < len(args); j++ {
		if n == -1 && j+1 < len(args) && strings.EqualFold(string(args[j]), "count") {
			j++
			v, isInt := redisnum.ParseInt(args[j])
			if !isInt || v <= 0 {
				c.w.error(errCountPositive)
				return nil, 0, 0, false
			}
			n = v
			continue
		}
		c.w.error(errSyntax)
		return nil, 0, 0, false
	}
	return args[numkeysIdx+1 : whereIdx], end, int(min(max(n, 1), 1<<31)), true
}
