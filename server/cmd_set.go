package server

import (
	"math"
	"strconv"
	"strings"

	"github.com/emberkv/ember/internal/redisnum"
	"github.com/emberkv/ember/store"
)

// The set commands. Name, arity, flags, ACL categories and key positions
// are those COMMAND INFO reports in Redis 7.0.15. Replies follow t_set.c:
// SMEMBERS, SINTER, SUNION, SDIFF and SPOP with a count answer RESP3 sets,
// SRANDMEMBER with a count an array.
var setCommands = []*command{
	{name: "sadd", arity: -3, flags: parseFlags("write denyoom fast"), acl: acl("write set fast"), firstKey: 1, lastKey: 1, step: 1, group: "set", since: "1.0.0",
		summary: "Adds members to a set, creating it if needed.", handler: cmdSAdd},
	{name: "srem", arity: -3, flags: parseFlags("write fast"), acl: acl("write set fast"), firstKey: 1, lastKey: 1, step: 1, group: "set", since: "1.0.0",
		summary: "Removes members from a set; the key goes with the last one.", handler: cmdSRem},
	{name: "sismember", arity: 3, flags: parseFlags("readonly fast"), acl: acl("read set fast"), firstKey: 1, lastKey: 1, step: 1, group: "set", since: "1.0.0",
		summary: "Tells whether a value is a member of a set.", handler: cmdSIsMember},
	{name: "smismember", arity: -3, flags: parseFlags("readonly fast"), acl: acl("read set fast"), firstKey: 1, lastKey: 1, step: 1, group: "set", since: "6.2.0",
		summary: "Tells, for each of several values, whether it is a member of a set.", handler: cmdSMIsMember},
	{name: "smembers", arity: 2, flags: parseFlags("readonly"), acl: acl("read set slow"), firstKey: 1, lastKey: 1, step: 1, group: "set", since: "1.0.0",
		summary: "Lists every member of a set.", handler: cmdSMembers},
	{name: "scard", arity: 2, flags: parseFlags("readonly fast"), acl: acl("read set fast"), firstKey: 1, lastKey: 1, step: 1, group: "set", since: "1.0.0",
		summary: "Counts the members of a set.", handler: cmdSCard},
	{name: "spop", arity: -2, flags: parseFlags("write fast"), acl: acl("write set fast"), firstKey: 1, lastKey: 1, step: 1, group: "set", since: "1.0.0",
		summary: "Removes and answers random members of a set.", handler: cmdSPop},
	{name: "srandmember", arity: -2, flags: parseFlags("readonly"), acl: acl("read set slow"), firstKey: 1, lastKey: 1, step: 1, group: "set", since: "1.0.0",
		summary: "Answers random members of a set; a negative count allows repeats.", handler: cmdSRandMember},
	{name: "smove", arity: 4, flags: parseFlags("write fast"), acl: acl("write set fast"), firstKey: 1, lastKey: 2, step: 1, group: "set", since: "1.0.0",
		summary: "Moves a member from one set to another in one atomic step.", handler: cmdSMove},
	{name: "sinter", arity: -2, flags: parseFlags("readonly"), acl: acl("read set slow"), firstKey: 1, lastKey: -1, step: 1, group: "set", since: "1.0.0",
		summary: "Answers the members common to several sets.", handler: cmdSInter},
	{name: "sintercard", arity: -3, flags: parseFlags("readonly movablekeys"), acl: acl("read set slow"), group: "set", since: "7.0.0",
		summary: "Counts the members common to several sets, optionally up to a limit.", handler: cmdSInterCard},
	{name: "sinterstore", arity: -3, flags: parseFlags("write denyoom"), acl: acl("write set slow"), firstKey: 1, lastKey: -1, step: 1, group: "set", since: "1.0.0",
		summary: "Stores the members common to several sets at a key.", handler: cmdSInterStore},
	{name: "sunion", arity: -2, flags: parseFlags("readonly"), acl: acl("read set slow"), firstKey: 1, lastKey: -1, step: 1, group: "set", since: "1.0.0",
		summary: "Answers the members of any of several sets.", handler: cmdSUnion},
	{name: "sunionstore", arity: -3, flags: parseFlags("write denyoom"), acl: acl("write set slow"), firstKey: 1, lastKey: -1, step: 1, group: "set", since: "1.0.0",
		summary: "Stores the members of any of several sets at a key.", handler: cmdSUnionStore},
	{name: "sdiff", arity: -2, flags: parseFlags("readonly"), acl: acl("read set slow"), firstKey: 1, lastKey: -1, step: 1, group: "set", since: "1.0.0",
		summary: "Answers the members of the first set that are in none of the others.", handler: cmdSDiff},
	{name: "sdiffstore", arity: -3, flags: parseFlags("write denyoom"), acl: acl("write set slow"), firstKey: 1, lastKey: -1, step: 1, group: "set", since: "1.0.0",
		summary: "Stores the members of the first set that are in none of the others at a key.", handler: cmdSDiffStore},
	{name: "sscan", arity: -3, flags: parseFlags("readonly"), acl: acl("read set slow"), firstKey: 1, lastKey: 1, step: 1, group: "set", since: "2.8.0",
		summary: "Walks the members of a set a few at a time with a cursor.", handler: cmdSScan},
}

func cmdSAdd(c *client, args [][]byte) {
	n, err := c.db.SAdd(keyOf(args[1]), args[2:]...)
	if n > 0 {
		c.notify(nkSet, "sadd", args[1])
	}
	answerInt(c, int64(n), err)
}

func cmdSRem(c *client, args [][]byte) {
	n, err := c.db.SRem(keyOf(args[1]), args[2:]...)
	if n > 0 {
		c.notify(nkSet, "srem", args[1])
		c.notifyDelIfGone(args[1])
	}
	answerInt(c, int64(n), err)
}

func cmdSIsMember(c *client, args [][]byte) {
	ok, err := c.db.SIsMember(keyOf(args[1]), args[2])
	if err != nil {
		c.storeError(err)
		return
	}
	c.w.int(boolInt(ok))
}

func cmdSMIsMember(c *client, args [][]byte) {
	found, err := c.db.SMIsMember(keyOf(args[1]), args[2:]...)
	if err != nil {
		c.storeError(err)
		return
	}
	c.w.array(len(found))
	for _, ok := range found {
		c.w.int(boolInt(ok))
	}
}

// cmdSMembers writes the reply under the key's lock, member by member,
// without copying the set. In Redis 7.0 SMEMBERS is SINTER of one key: a
// missing key is an empty set.
func cmdSMembers(c *client, args [][]byte) {
	written := false
	err := c.db.SMembersFunc(keyOf(args[1]),
		func(n int) { c.w.setHeader(n); written = true },
		func(m []byte) { c.w.bulk(m) })
	switch {
	case err != nil:
		c.storeError(err)
	case !written:
		c.w.setHeader(0)
	}
}

func cmdSCard(c *client, args [][]byte) {
	n, err := c.db.SCard(keyOf(args[1]))
	answerInt(c, int64(n), err)
}

// cmdSPop is SPOP key [count]. As spopWithCountCommand, the count is read
// before the key (any bad count is "must be positive"), and the reply is
// a set, empty for a missing key or a count of 0.
func cmdSPop(c *client, args [][]byte) {
	if len(args) > 3 {
		c.w.error(errSyntax)
		return
	}
	key := keyOf(args[1])
	if len(args) == 2 {
		popped, err := c.db.SPop(key, 1)
		if len(popped) > 0 {
			c.notify(nkSet, "spop", args[1])
			c.notifyDelIfGone(args[1])
		}
		c.propagateSPop(args[1], popped, false)
		switch {
		case err != nil:
			c.storeError(err)
		case len(popped) == 0:
			c.w.null()
		default:
			c.w.bulkString(popped[0])
		}
		return
	}
	n, ok := redisnum.ParseInt(args[2])
	if !ok || n < 0 {
		c.w.error(errNotPositive)
		return
	}
	popped, err := c.db.SPop(key, int(n))
	if err != nil {
		c.storeError(err)
		return
	}
	if len(popped) > 0 {
		c.notify(nkSet, "spop", args[1])
		c.notifyDelIfGone(args[1])
	}
	c.propagateSPop(args[1], popped, true)
	c.writeSet(popped)
}

// writeSet answers members as a set (an array in RESP2).
func (c *client) writeSet(members []string) {
	c.w.setHeader(len(members))
	for _, m := range members {
		c.w.bulkString(m)
	}
}

// cmdSRandMember is SRANDMEMBER key [count]: the count (any integer but
// the most negative) is read before the key; with it the reply is an
// array, empty for a missing key.
func cmdSRandMember(c *client, args [][]byte) {
	if len(args) > 3 {
		c.w.error(errSyntax)
		return
	}
	key := keyOf(args[1])
	if len(args) == 2 {
		picked, err := c.db.SRandMember(key, 1)
		switch {
		case err != nil:
			c.storeError(err)
		case len(picked) == 0:
			c.w.null()
		default:
			c.w.bulkString(picked[0])
		}
		return
	}
	n, ok := redisnum.ParseInt(args[2])
	if !ok {
		c.w.error(errNotInteger)
		return
	}
	if n == math.MinInt64 {
		c.w.error(errSRandMemberRange)
		return
	}
	picked, err := c.db.SRandMember(key, int(n))
	if err != nil {
		c.storeError(err)
		return
	}
	c.w.bulkStrings(picked)
}

func cmdSMove(c *client, args [][]byte) {
	// As Redis: "srem" (and "del") for the source, then "sadd" for the
	// destination if the member was not there already.
	var report func(srcGone, added bool, step int)
	if c.notifies(nkSet | nkGeneric) {
		report = func(srcGone, added bool, step int) {
			if step == 0 {
				c.notify(nkSet, "srem", args[1])
				if srcGone {
					c.notify(nkGeneric, "del", args[1])
				}
				return
			}
			c.notify(nkSet, "sadd", args[2])
		}
	}
	ok, err := c.db.SMoveFunc(keyOf(args[1]), keyOf(args[2]), args[3], report)
	if err != nil {
		c.storeError(err)
		return
	}
	c.w.int(boolInt(ok))
}

// setKeys views arguments as keys.
func setKeys(args [][]byte) []string {
	keys := make([]string, len(args))
	for i, a := range args {
		keys[i] = keyOf(a)
	}
	return keys
}

func cmdSInter(c *client, args [][]byte) {
	members, err := c.db.SInter(setKeys(args[1:])...)
	if err != nil {
		c.storeError(err)
		return
	}
	c.writeSet(members)
}

// cmdSInterCard is SINTERCARD numkeys key [key ...] [LIMIT limit], with
// sinterCardCommand's checks in its order.
func cmdSInterCard(c *client, args [][]byte) {
	numKeys, ok := redisnum.ParseInt(args[1])
	if !ok || numKeys < 1 {
		c.w.error(errNumKeysPositive)
		return
	}
	if numKeys > int64(len(args)-2) {
		c.w.error(errNumKeysTooMany)
		return
	}
	limit := int64(0)
	for i := 2 + int(numKeys); i < len(args); i++ {
		if !strings.EqualFold(keyOf(args[i]), "limit") || i+1 >= len(args) {
			c.w.error(errSyntax)
			return
		}
		i++
		if limit, ok = redisnum.ParseInt(args[i]); !ok || limit < 0 {
			c.w.error(errLimitNegative)
			return
		}
	}
	n, err := c.db.SInterCard(setKeys(args[2:2+numKeys]), int(limit))
	answerInt(c, int64(n), err)
}

func cmdSInterStore(c *client, args [][]byte) {
	existed := c.notifyStoreBefore(args[1])
	n, err := c.db.SInterStore(keyOf(args[1]), setKeys(args[2:])...)
	c.notifyStore(nkSet, "sinterstore", args[1], n, existed, err)
	c.writeStoreResult(n, err)
}

func cmdSUnion(c *client, args [][]byte) {
	members, err := c.db.SUnion(setKeys(args[1:])...)
	if err != nil {
		c.storeError(err)
		return
	}
	c.writeSet(members)
}

func cmdSUnionStore(c *client, args [][]byte) {
	existed := c.notifyStoreBefore(args[1])
	n, err := c.db.SUnionStore(keyOf(args[1]), setKeys(args[2:])...)
	c.notifyStore(nkSet, "sunionstore", args[1], n, existed, err)
	c.writeStoreResult(n, err)
}

func cmdSDiff(c *client, args [][]byte) {
	members, err := c.db.SDiff(setKeys(args[1:])...)
	if err != nil {
		c.storeError(err)
		return
	}
	c.writeSet(members)
}

func cmdSDiffStore(c *client, args [][]byte) {
	existed := c.notifyStoreBefore(args[1])
	n, err := c.db.SDiffStore(keyOf(args[1]), setKeys(args[2:])...)
	c.notifyStore(nkSet, "sdiffstore", args[1], n, existed, err)
	c.writeStoreResult(n, err)
}

func (c *client) writeStoreResult(n int, err error) {
	if err != nil {
		c.storeError(err)
		return
	}
	c.w.int(int64(n))
}

// elementScanOptions are the options of SSCAN (and HSCAN, ZSCAN): MATCH
// and COUNT, as Redis's scanGenericCommand reads them for a key. Match is
// "*" when none is given; Redis treats "*" as no pattern, and "" as one
// that only the empty member matches.
type elementScanOptions struct {
	match string
	count int
}

// parseElementScanOptions reads args (the options after the cursor) and
// answers the error itself when it returns false. TYPE, which SCAN takes,
// is a syntax error here.
func (c *client) parseElementScanOptions(args [][]byte) (elementScanOptions, bool) {
	opt := elementScanOptions{match: "*", count: 10}
	for i := 0; i < len(args); i += 2 {
		name := keyOf(args[i])
		switch {
		case i+1 >= len(args):
			c.w.error(errSyntax)
			return opt, false
		case strings.EqualFold(name, "count"):
			n, ok := redisnum.ParseInt(args[i+1])
			if !ok {
				c.w.error(errNotInteger)
				return opt, false
			}
			if n < 1 {
				c.w.error(errSyntax)
				return opt, false
			}
			opt.count = int(min(n, math.MaxInt32))
		case strings.EqualFold(name, "match"):
			opt.match = keyOf(args[i+1])
		default:
			c.w.error(errSyntax)
			return opt, false
		}
	}
	return opt, true
}

func cmdSScan(c *client, args [][]byte) {
	scanElements(c, args, store.KindSet, func(key string, cursor uint64, opt elementScanOptions) error {
		next, members, err := c.db.SScan(key, cursor, opt.match, opt.count)
		if err == nil {
			writeScanReply(c, next, len(members))
			for _, m := range members {
				c.w.bulkString(m)
			}
		}
		return err
	})
}

// scanElements is HSCAN, SSCAN and ZSCAN, as Redis's scanGenericCommand
// for a key: the cursor is checked first, then the key (a missing key
// answers an empty scan whatever the options), then the options; scan
// runs the store's scan and writes the reply with writeScanReply.
func scanElements(c *client, args [][]byte, kind store.Kind, scan func(key string, cursor uint64, opt elementScanOptions) error) {
	cursor, ok := parseScanCursor(args[2])
	if !ok {
		c.w.error(errInvalidCursor)
		return
	}
	key := keyOf(args[1])
	switch c.db.Type(key) {
	case store.KindNone:
		writeScanReply(c, 0, 0)
		return
	case kind:
	default:
		c.w.error(errWrongType)
		return
	}
	opt, ok := c.parseElementScanOptions(args[3:])
	if !ok {
		return
	}
	if err := scan(key, cursor, opt); err != nil {
		c.storeError(err)
	}
}

// writeScanReply starts a scan's reply: the next cursor, then an array of
// n elements that the caller writes.
func writeScanReply(c *client, next uint64, n int) {
	c.w.array(2)
	var tmp [20]byte
	c.w.bulk(strconv.AppendUint(tmp[:0], next, 10))
	c.w.array(n)
}
