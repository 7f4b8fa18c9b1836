package server

import (
	"github.com/emberkv/ember/store"
)

// The blocking list commands. Each first runs as its non-blocking form;
// only when every key is empty does the client wait (blocking.go), unless
// it runs inside MULTI/EXEC, where it answers at once as on timeout, as
// Redis's CLIENT_DENY_BLOCKING does. Their arity, flags, ACL categories
// and key positions are Redis 7.0.15's.
var blockingListCommands = []*command{
	{name: "blpop", arity: -3, flags: parseFlags("write noscript blocking"), acl: acl("write list slow blocking"), firstKey: 1, lastKey: -2, step: 1, group: "list", since: "2.0.0",
		summary: "Pops the first element of the first non-empty list, waiting for one if all are empty.", handler: cmdBLPop},
	{name: "brpop", arity: -3, flags: parseFlags("write noscript blocking"), acl: acl("write list slow blocking"), firstKey: 1, lastKey: -2, step: 1, group: "list", since: "2.0.0",
		summary: "Pops the last element of the first non-empty list, waiting for one if all are empty.", handler: cmdBRPop},
	{name: "blmove", arity: 6, flags: parseFlags("write denyoom noscript blocking"), acl: acl("write list slow blocking"), firstKey: 1, lastKey: 2, step: 1, group: "list", since: "6.2.0",
		summary: "Moves an element from one list to another, waiting for one if the source is empty.", handler: cmdBLMove},
	{name: "brpoplpush", arity: 4, flags: parseFlags("write denyoom noscript blocking"), acl: acl("write list slow blocking"), firstKey: 1, lastKey: 2, step: 1, group: "list", since: "2.2.0",
		summary: "Moves the last element of a list to the head of another, waiting for one if the source is empty.", handler: cmdBRPopLPush},
	{name: "blmpop", arity: -5, flags: parseFlags("write blocking movablekeys"), acl: acl("write list slow blocking"), group: "list", since: "7.0.0",
		summary: "Pops elements from the first non-empty list, waiting for one if all are empty.", handler: cmdBLMPop},
}

func cmdBLPop(c *client, args [][]byte) { blockingListPop(c, args, store.ListLeft) }
func cmdBRPop(c *client, args [][]byte) { blockingListPop(c, args, store.ListRight) }

// blockingListPop is BLPOP and BRPOP: the timeout is read first, then the
// keys in order, as Redis's blockingPopGenericCommand.
func blockingListPop(c *client, args [][]byte, end store.ListEnd) {
	deadline, ok := c.parseBlockTimeout(args[len(args)-1])
	if !ok {
		return
	}
	listPopOrBlock(c, args[1:len(args)-1], end, 1, false, deadline, func(key string, vals [][]byte) {
		writeKeyAndValue(c, key, vals[0])
	})
}

// listPopOrBlock is what the blocking list pops share, as Redis's
// blockingPopGenericCommand: pop count elements now from the first of keys
// that holds a list (a key of another type before it answers WRONGTYPE);
// inside MULTI answer as on timeout; else wait until a write fills one of
// keys. write answers the key and what was popped from it. The AOF gets
// the pop as LPOP or RPOP, with the number popped when counted (BLMPOP),
// as Redis logs it.
func listPopOrBlock(c *client, keys [][]byte, end store.ListEnd, count int, counted bool, deadline int64, write func(key string, vals [][]byte)) {
	popName := "LPOP"
	if end == store.ListRight {
		popName = "RPOP"
	}
	key, vals, err := c.db.LMPop(keysOf(keys), end, count)
	switch {
	case err != nil:
		c.storeError(err)
		return
	case vals != nil:
		c.srv.notifyPop(c.db, key, end)
		c.propagatePop(popName, key, len(vals), counted)
		write(key, vals)
		return
	}
	if c.inExec != nil {
		c.w.nullArray()
		return
	}
	c.blockOrClose(keys, store.KindList, deadline, func(db *store.DB, key string, _ *[]blockKey) bool {
		vals, err := listPop(db, key, end, count)
		if err != nil || len(vals) == 0 {
			return false
		}
		c.srv.notifyPop(db, key, end)
		c.propagateServed(db.Index(), servedPopArgs(popName, key, len(vals), counted)...)
		write(key, vals)
		return true
	})
}

func writeKeyAndValue(c *client, key string, v []byte) {
	c.w.array(2)
	c.w.bulkString(key)
	c.w.bulk(v)
}

// listPop pops count elements from one end of the list at key.
func listPop(db *store.DB, key string, end store.ListEnd, count int) ([][]byte, error) {
	if end == store.ListLeft {
		return db.LPop(key, count)
	}
	return db.RPop(key, count)
}

func cmdBLMove(c *client, args [][]byte) {
	from, ok1 := listEnd(args[3])
	to, ok2 := listEnd(args[4])
	if !ok1 || !ok2 {
		c.w.error(errSyntax)
		return
	}
	deadline, ok := c.parseBlockTimeout(args[5])
	if !ok {
		return
	}
	blockingMove(c, args[1], args[2], from, to, deadline, args[3], args[4])
}

func cmdBRPopLPush(c *client, args [][]byte) {
	deadline, ok := c.parseBlockTimeout(args[3])
	if !ok {
		return
	}
	blockingMove(c, args[1], args[2], store.ListRight, store.ListLeft, deadline, nil, nil)
}

// blockingMove is BLMOVE and BRPOPLPUSH, as Redis's blmoveGenericCommand:
// a source that holds a list moves at once; a missing one blocks (inside
// MULTI it answers a null bulk, though a timeout answers a null array).
// The AOF gets LMOVE with the request's directions when it moves at once,
// LMOVE ... left|right when served later, RPOPLPUSH for BRPOPLPUSH (whose
// wherefrom/whereto are nil), as Redis.
func blockingMove(c *client, src, dst []byte, from, to store.ListEnd, deadline int64, wherefrom, whereto []byte) {
	v, ok, err := c.db.LMove(keyOf(src), keyOf(dst), from, to)
	switch {
	case err != nil:
		c.storeError(err)
		return
	case ok:
		c.srv.notifyMove(c.db, keyOf(src), keyOf(dst), from, to)
		if wherefrom == nil {
			c.propagate([]byte("RPOPLPUSH"), src, dst)
		} else {
			c.propagate([]byte("LMOVE"), src, dst, wherefrom, whereto)
		}
		c.w.bulk(v)
		return
	}
	if c.inExec != nil {
		c.w.null()
		return
	}
	dstKey := string(dst)
	c.blockOrClose([][]byte{src}, store.KindList, deadline, func(db *store.DB, key string, ready *[]blockKey) bool {
		v, ok, err := db.LMove(key, dstKey, from, to)
		switch {
		case err != nil:
			// As Redis: a destination of another type ends the wait with
			// WRONGTYPE, and nothing moves.
			c.storeError(err)
			return true
		case !ok:
			return false
		}
		c.srv.notifyMove(db, key, dstKey, from, to)
		if wherefrom == nil {
			c.propagateServed(db.Index(), []byte("RPOPLPUSH"), []byte(key), []byte(dstKey))
		} else {
			c.propagateServed(db.Index(), []byte("LMOVE"), []byte(key), []byte(dstKey), listEndName(from), listEndName(to))
		}
		c.w.bulk(v)
		*ready = append(*ready, blockKey{db: db.Index(), key: dstKey})
		return true
	})
}

// cmdBLMPop is BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT
// count]: the arguments after the timeout are read first, as Redis's
// lmpopGenericCommand, then the timeout.
func cmdBLMPop(c *client, args [][]byte) {
	keys, end, count, ok := parseListMPop(c, args, 2)
	if !ok {
		return
	}
	deadline, ok := c.parseBlockTimeout(args[1])
	if !ok {
		return
	}
	listPopOrBlock(c, keys, end, count, true, deadline, func(key string, vals [][]byte) {
		writeKeyAndBulks(c, key, vals)
	})
}

// blockOrClose blocks the client and, when its connection went away
// meanwhile, marks it to close once the command returns.
func (c *client) blockOrClose(keys [][]byte, kind store.Kind, deadline int64,
	serve func(db *store.DB, key string, ready *[]blockKey) bool) {
	if !c.block(keys, kind, deadline, serve) {
		c.closing = true
	}
}

// The blocking sorted-set commands, built the same way on ZMPop.
var blockingZSetCommands = []*command{
	{name: "bzpopmin", arity: -3, flags: parseFlags("write noscript blocking fast"), acl: acl("write sortedset fast blocking"), firstKey: 1, lastKey: -2, step: 1, group: "sorted_set", since: "5.0.0",
		summary: "Pops the lowest-scored member of the first non-empty sorted set, waiting for one if all are empty.", handler: cmdBZPopMin},
	{name: "bzpopmax", arity: -3, flags: parseFlags("write noscript blocking fast"), acl: acl("write sortedset fast blocking"), firstKey: 1, lastKey: -2, step: 1, group: "sorted_set", since: "5.0.0",
		summary: "Pops the highest-scored member of the first non-empty sorted set, waiting for one if all are empty.", handler: cmdBZPopMax},
	{name: "bzmpop", arity: -5, flags: parseFlags("write blocking movablekeys"), acl: acl("write sortedset slow blocking"), group: "sorted_set", since: "7.0.0",
		summary: "Pops members from the first non-empty sorted set, waiting for one if all are empty.", handler: cmdBZMPop},
}

func cmdBZPopMin(c *client, args [][]byte) { blockingZPop(c, args, false) }
func cmdBZPopMax(c *client, args [][]byte) { blockingZPop(c, args, true) }

// blockingZPop is BZPOPMIN and BZPOPMAX, as Redis's
// blockingGenericZpopCommand: the timeout first, then the keys in order.
// The reply is the key, the member and its score, flat.
func blockingZPop(c *client, args [][]byte, max bool) {
	deadline, ok := c.parseBlockTimeout(args[len(args)-1])
	if !ok {
		return
	}
	keys := args[1 : len(args)-1]
	zsetPopOrBlock(c, keys, keysOf(keys), max, 1, false, deadline, func(key string, popped []store.ZMember) {
		writeKeyMemberScore(c, key, popped[0])
	})
}

// zsetPopOrBlock is listPopOrBlock for the blocking sorted-set pops, as
// Redis's blockingGenericZpopCommand; names are keys as strings.
func zsetPopOrBlock(c *client, keys [][]byte, names []string, max bool, count int, counted bool, deadline int64, write func(key string, popped []store.ZMember)) {
	popName := "ZPOPMIN"
	if max {
		popName = "ZPOPMAX"
	}
	key, popped, err := c.db.ZMPop(names, max, count)
	switch {
	case err != nil:
		c.storeError(err)
		return
	case len(popped) > 0:
		c.srv.notifyZPop(c.db, key, max)
		c.propagatePop(popName, key, len(popped), counted)
		write(key, popped)
		return
	}
	if c.inExec != nil {
		c.w.nullArray()
		return
	}
	c.blockOrClose(keys, store.KindZSet, deadline, func(db *store.DB, key string, _ *[]blockKey) bool {
		popped, err := db.ZPop(key, max, count)
		if err != nil || len(popped) == 0 {
			return false
		}
		c.srv.notifyZPop(db, key, max)
		c.propagateServed(db.Index(), servedPopArgs(popName, key, len(popped), counted)...)
		write(key, popped)
		return true
	})
}

func writeKeyMemberScore(c *client, key string, m store.ZMember) {
	c.w.array(3)
	c.w.bulkString(key)
	c.w.bulkString(m.Member)
	c.w.double(m.Score)
}

// cmdBZMPop is BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]:
// the arguments after the timeout are read first, as Redis's
// zmpopGenericCommand, then the timeout.
func cmdBZMPop(c *client, args [][]byte) {
	keys, max, count, ok := parseZMPop(c, args, 2)
	if !ok {
		return
	}
	deadline, ok := c.parseBlockTimeout(args[1])
	if !ok {
		return
	}
	zsetPopOrBlock(c, args[3:3+len(keys)], keys, max, count, true, deadline, func(key string, popped []store.ZMember) {
		writeZMPop(c, key, popped)
	})
}

// listEndName is "left" or "right", as Redis's
// getStringObjectFromListPosition (its shared objects are lower case).
func listEndName(e store.ListEnd) []byte {
	if e == store.ListLeft {
		return []byte("left")
	}
	return []byte("right")
}
