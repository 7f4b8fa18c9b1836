package server

import (
	"fmt"
	"math"

	"github.com/emberkv/ember/internal/redisnum"
	"github.com/emberkv/ember/store"
)

// The hash commands. Name, arity, flags, ACL categories and key positions
// are those COMMAND INFO reports in Redis 7.0.15.
var hashCommands = []*command{
	{name: "hset", arity: -4, flags: parseFlags("write denyoom fast"), acl: acl("write hash fast"), firstKey: 1, lastKey: 1, step: 1, group: "hash", since: "2.0.0",
		summary: "Sets fields of a hash to values, creating the hash if needed; answers how many fields are new.", handler: cmdHSet},
	{name: "hmset", arity: -4, flags: parseFlags("write denyoom fast"), acl: acl("write hash fast"), firstKey: 1, lastKey: 1, step: 1, group: "hash", since: "2.0.0",
		summary: "Sets fields of a hash to values (the old form of HSET, answering OK).", handler: cmdHSet},
	{name: "hsetnx", arity: 4, flags: parseFlags("write denyoom fast"), acl: acl("write hash fast"), firstKey: 1, lastKey: 1, step: 1, group: "hash", since: "2.0.0",
		summary: "Sets a field of a hash only if the field does not exist.", handler: cmdHSetNX},
	{name: "hget", arity: 3, flags: parseFlags("readonly fast"), acl: acl("read hash fast"), firstKey: 1, lastKey: 1, step: 1, group: "hash", since: "2.0.0",
		summary: "Reads the value of a field of a hash.", handler: cmdHGet},
	{name: "hmget", arity: -3, flags: parseFlags("readonly fast"), acl: acl("read hash fast"), firstKey: 1, lastKey: 1, step: 1, group: "hash", since: "2.0.0",
		summary: "Reads the values of several fields of a hash.", handler: cmdHMGet},
	{name: "hdel", arity: -3, flags: parseFlags("write fast"), acl: acl("write hash fast"), firstKey: 1, lastKey: 1, step: 1, group: "hash", since: "2.0.0",
		summary: "Removes fields from a hash, and the hash with its last field.", handler: cmdHDel},
	{name: "hexists", arity: 3, flags: parseFlags("readonly fast"), acl: acl("read hash fast"), firstKey: 1, lastKey: 1, step: 1, group: "hash", since: "2.0.0",
		summary: "Tells whether a field exists in a hash.", handler: cmdHExists},
	{name: "hlen", arity: 2, flags: parseFlags("readonly fast"), acl: acl("read hash fast"), firstKey: 1, lastKey: 1, step: 1, group: "hash", since: "2.0.0",
		summary: "Tells how many fields a hash has.", handler: cmdHLen},
	{name: "hstrlen", arity: 3, flags: parseFlags("readonly fast"), acl: acl("read hash fast"), firstKey: 1, lastKey: 1, step: 1, group: "hash", since: "3.2.0",
		summary: "Tells the length of the value of a field of a hash.", handler: cmdHStrLen},
	{name: "hkeys", arity: 2, flags: parseFlags("readonly"), acl: acl("read hash slow"), firstKey: 1, lastKey: 1, step: 1, group: "hash", since: "2.0.0",
		summary: "Lists the fields of a hash.", handler: cmdHKeys},
	{name: "hvals", arity: 2, flags: parseFlags("readonly"), acl: acl("read hash slow"), firstKey: 1, lastKey: 1, step: 1, group: "hash", since: "2.0.0",
		summary: "Lists the values of a hash.", handler: cmdHVals},
	{name: "hgetall", arity: 2, flags: parseFlags("readonly"), acl: acl("read hash slow"), firstKey: 1, lastKey: 1, step: 1, group: "hash", since: "2.0.0",
		summary: "Reads every field and value of a hash.", handler: cmdHGetAll},
	{name: "hincrby", arity: 4, flags: parseFlags("write denyoom fast"), acl: acl("write hash fast"), firstKey: 1, lastKey: 1, step: 1, group: "hash", since: "2.0.0",
		summary: "Adds an integer to the integer in a field of a hash (missing counts as 0).", handler: cmdHIncrBy},
	{name: "hincrbyfloat", arity: 4, flags: parseFlags("write denyoom fast"), acl: acl("write hash fast"), firstKey: 1, lastKey: 1, step: 1, group: "hash", since: "2.6.0",
		summary: "Adds a decimal number to the number in a field of a hash (missing counts as 0).", handler: cmdHIncrByFloat},
	{name: "hrandfield", arity: -2, flags: parseFlags("readonly"), acl: acl("read hash slow"), firstKey: 1, lastKey: 1, step: 1, group: "hash", since: "6.2.0",
		summary: "Picks random fields of a hash, distinct or with repeats, optionally with their values.", handler: cmdHRandField},
	{name: "hscan", arity: -3, flags: parseFlags("readonly"), acl: acl("read hash slow"), firstKey: 1, lastKey: 1, step: 1, group: "hash", since: "2.8.0",
		summary: "Walks the fields and values of a hash a few at a time with a cursor.", handler: cmdHScan},
}

// cmdHSet is HSET and HMSET, which differ only in their reply (Redis tells
// them apart by the second letter of the name).
func cmdHSet(c *client, args [][]byte) {
	isHMSet := len(args[0]) > 1 && (args[0][1] == 'm' || args[0][1] == 'M')
	if len(args)%2 == 1 {
		name := "hset"
		if isHMSet {
			name = "hmset"
		}
		c.w.error(fmt.Sprintf(errWrongArity, name))
		return
	}
	n, err := c.db.HSet(keyOf(args[1]), args[2:]...)
	if err == nil {
		c.notify(nkHash, "hset", args[1])
	}
	switch {
	case err != nil:
		c.storeError(err)
	case isHMSet:
		c.w.ok()
	default:
		c.w.int(int64(n))
	}
}

func cmdHSetNX(c *client, args [][]byte) {
	set, err := c.db.HSetNX(keyOf(args[1]), args[2], args[3])
	if set {
		c.notify(nkHash, "hset", args[1])
	}
	answerInt(c, int64(boolInt(set)), err)
}

func cmdHGet(c *client, args [][]byte) {
	// The reply is written from the stored value, under the key's lock: no
	// copy.
	ok, err := c.db.HGetFunc(keyOf(args[1]), args[2], c.w.bulk)
	switch {
	case err != nil:
		c.storeError(err)
	case !ok:
		c.w.null()
	}
}

func cmdHMGet(c *client, args [][]byte) {
	fields := args[2:]
	w := &c.w
	// The reply is written while the store holds the key, so that a
	// WRONGTYPE leaves nothing behind: remember where it started.
	mark := len(w.buf)
	w.array(len(fields))
	err := c.db.HMGetFunc(keyOf(args[1]), fields, func(_ int, v []byte, ok bool) {
		if ok {
			w.bulk(v)
		} else {
			w.null()
		}
	})
	if err != nil {
		w.buf = w.buf[:mark]
		c.storeError(err)
	}
}

func cmdHDel(c *client, args [][]byte) {
	n, err := c.db.HDel(keyOf(args[1]), args[2:]...)
	if n > 0 {
		c.notify(nkHash, "hdel", args[1])
		c.notifyDelIfGone(args[1])
	}
	answerInt(c, int64(n), err)
}

func cmdHExists(c *client, args [][]byte) {
	ok, err := c.db.HExists(keyOf(args[1]), args[2])
	answerInt(c, int64(boolInt(ok)), err)
}

func cmdHLen(c *client, args [][]byte) {
	n, err := c.db.HLen(keyOf(args[1]))
	answerInt(c, int64(n), err)
}

func cmdHStrLen(c *client, args [][]byte) {
	n, err := c.db.HStrLen(keyOf(args[1]), args[2])
	answerInt(c, int64(n), err)
}

// What genericHgetallCommand writes: fields, values, or both as a map.
const (
	hashFields = 1 << iota
	hashValues
)

func cmdHKeys(c *client, args [][]byte)   { hashGetAll(c, args[1], hashFields) }
func cmdHVals(c *client, args [][]byte)   { hashGetAll(c, args[1], hashValues) }
func cmdHGetAll(c *client, args [][]byte) { hashGetAll(c, args[1], hashFields|hashValues) }

func hashGetAll(c *client, key []byte, what int) {
	w := &c.w
	both := what == hashFields|hashValues
	ok, err := c.db.HGetAllFunc(keyOf(key), func(n int) {
		if both {
			w.mapHeader(n) // a map in RESP3, as Redis's HGETALL
		} else {
			w.array(n)
		}
	}, func(f, v []byte) {
		if what&hashFields != 0 {
			w.bulk(f)
		}
		if what&hashValues != 0 {
			w.bulk(v)
		}
	})
	switch {
	case err != nil:
		c.storeError(err)
	case !ok && both:
		w.mapHeader(0)
	case !ok:
		w.array(0)
	}
}

func cmdHIncrBy(c *client, args [][]byte) {
	// As Redis, the increment is checked before the key.
	by, ok := redisnum.ParseInt(args[3])
	if !ok {
		c.w.error(errNotInteger)
		return
	}
	v, err := c.db.HIncrBy(keyOf(args[1]), args[2], by)
	if err == nil {
		c.notify(nkHash, "hincrby", args[1])
	}
	answerInt(c, v, err)
}

func cmdHIncrByFloat(c *client, args [][]byte) {
	v, err := c.db.HIncrByFloat(keyOf(args[1]), args[2], args[3])
	if err != nil {
		c.storeError(err)
		return
	}
	c.notify(nkHash, "hincrbyfloat", args[1])
	c.w.bulk(v)
}

// cmdHRandField is HRANDFIELD key [count [WITHVALUES]], checked in Redis's
// order: the count, the option, the range WITHVALUES allows, then the key.
func cmdHRandField(c *client, args [][]byte) {
	if len(args) == 2 {
		f, ok, err := c.db.HRandField(keyOf(args[1]))
		switch {
		case err != nil:
			c.storeError(err)
		case !ok:
			c.w.null()
		default:
			c.w.bulk(f)
		}
		return
	}
	count, ok := redisnum.ParseInt(args[2])
	if !ok {
		c.w.error(errNotInteger)
		return
	}
	if count < -math.MaxInt64 {
		c.w.error(errHRandFieldRange)
		return
	}
	withValues := false
	// Redis compares the option as a C string: "WITHVALUES\x00x" is one.
	if len(args) > 4 || (len(args) == 4 && !optionIs(cString(args[3], len(args[3])), "withvalues")) {
		c.w.error(errSyntax)
		return
	}
	if len(args) == 4 {
		withValues = true
		// As Redis: the reply of RESP2 has twice as many elements.
		if count < -math.MaxInt64/2 || count > math.MaxInt64/2 {
			c.w.error(errValueOutOfRange)
			return
		}
	}
	w := &c.w
	ok, err := c.db.HRandFieldFunc(keyOf(args[1]), count, func(n int) {
		if withValues && !w.resp3 {
			w.array(2 * n)
		} else {
			w.array(n)
		}
	}, func(f, v []byte) {
		// RESP3 pairs each field with its value, RESP2 is flat.
		if withValues && w.resp3 {
			w.array(2)
		}
		w.bulk(f)
		if withValues {
			w.bulk(v)
		}
	})
	switch {
	case err != nil:
		c.storeError(err)
	case !ok:
		w.array(0)
	}
}

func cmdHScan(c *client, args [][]byte) {
	scanElements(c, args, store.KindHash, func(key string, cursor uint64, opt elementScanOptions) error {
		next, pairs, err := c.db.HScan(key, cursor, opt.match, opt.count)
		if err == nil {
			writeScanReply(c, next, len(pairs))
			for _, p := range pairs {
				c.w.bulk(p)
			}
		}
		return err
	})
}
