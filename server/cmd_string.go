package server

import (
	"fmt"
	"math"
	"sync"
	"unsafe"

	"github.com/emberkv/ember/internal/redisnum"
	"github.com/emberkv/ember/store"
)

// The string commands. Name, arity, flags, ACL categories and key positions
// are those COMMAND INFO reports in Redis 7.0.15.
var stringCommands = []*command{
	{name: "get", arity: 2, flags: parseFlags("readonly fast"), acl: acl("read string fast"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "1.0.0",
		summary: "Reads the string stored at a key.", handler: cmdGet},
	{name: "set", arity: -3, flags: parseFlags("write denyoom"), acl: acl("write string slow"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "1.0.0",
		summary: "Stores a string at a key, replacing any value, with optional TTL and conditions.", handler: cmdSet},
	{name: "setnx", arity: 3, flags: parseFlags("write denyoom fast"), acl: acl("write string fast"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "1.0.0",
		summary: "Stores a string at a key unless the key exists.", handler: cmdSetNX},
	{name: "setex", arity: 4, flags: parseFlags("write denyoom"), acl: acl("write string slow"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "2.0.0",
		summary: "Stores a string at a key with a TTL in seconds.", handler: cmdSetEX},
	{name: "psetex", arity: 4, flags: parseFlags("write denyoom"), acl: acl("write string slow"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "2.6.0",
		summary: "Stores a string at a key with a TTL in milliseconds.", handler: cmdPSetEX},
	{name: "getset", arity: 3, flags: parseFlags("write denyoom fast"), acl: acl("write string fast"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "1.0.0",
		summary: "Stores a string at a key and answers the string it replaced.", handler: cmdGetSet},
	{name: "getdel", arity: 2, flags: parseFlags("write fast"), acl: acl("write string fast"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "6.2.0",
		summary: "Reads the string at a key and deletes the key.", handler: cmdGetDel},
	{name: "getex", arity: -2, flags: parseFlags("write fast"), acl: acl("write string fast"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "6.2.0",
		summary: "Reads the string at a key and changes or drops its TTL.", handler: cmdGetEx},
	{name: "mget", arity: -2, flags: parseFlags("readonly fast"), acl: acl("read string fast"), firstKey: 1, lastKey: -1, step: 1, group: "string", since: "1.0.0",
		summary: "Reads the strings at several keys in one atomic step.", handler: cmdMGet},
	{name: "mset", arity: -3, flags: parseFlags("write denyoom"), acl: acl("write string slow"), firstKey: 1, lastKey: -1, step: 2, group: "string", since: "1.0.1",
		summary: "Stores strings at several keys in one atomic step.", handler: cmdMSet},
	{name: "msetnx", arity: -3, flags: parseFlags("write denyoom"), acl: acl("write string slow"), firstKey: 1, lastKey: -1, step: 2, group: "string", since: "1.0.1",
		summary: "Stores strings at several keys in one atomic step, only if none exists.", handler: cmdMSetNX},
	{name: "append", arity: 3, flags: parseFlags("write denyoom fast"), acl: acl("write string fast"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "2.0.0",
		summary: "Adds bytes to the end of a string, creating it if needed.", handler: cmdAppend},
	{name: "strlen", arity: 2, flags: parseFlags("readonly fast"), acl: acl("read string fast"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "2.2.0",
		summary: "Tells the length of the string at a key.", handler: cmdStrLen},
	{name: "incr", arity: 2, flags: parseFlags("write denyoom fast"), acl: acl("write string fast"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "1.0.0",
		summary: "Adds one to the integer at a key (missing counts as 0).", handler: cmdIncr},
	{name: "decr", arity: 2, flags: parseFlags("write denyoom fast"), acl: acl("write string fast"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "1.0.0",
		summary: "Subtracts one from the integer at a key (missing counts as 0).", handler: cmdDecr},
	{name: "incrby", arity: 3, flags: parseFlags("write denyoom fast"), acl: acl("write string fast"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "1.0.0",
		summary: "Adds an integer to the integer at a key (missing counts as 0).", handler: cmdIncrBy},
	{name: "decrby", arity: 3, flags: parseFlags("write denyoom fast"), acl: acl("write string fast"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "1.0.0",
		summary: "Subtracts an integer from the integer at a key (missing counts as 0).", handler: cmdDecrBy},
	{name: "incrbyfloat", arity: 3, flags: parseFlags("write denyoom fast"), acl: acl("write string fast"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "2.6.0",
		summary: "Adds a decimal number to the number at a key (missing counts as 0).", handler: cmdIncrByFloat},
	{name: "getrange", arity: 4, flags: parseFlags("readonly"), acl: acl("read string slow"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "2.4.0",
		summary: "Reads a byte range of the string at a key.", handler: cmdGetRange},
	{name: "setrange", arity: 4, flags: parseFlags("write denyoom"), acl: acl("write string slow"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "2.2.0",
		summary: "Writes bytes into the string at a key from an offset, padding with zeros.", handler: cmdSetRange},
	{name: "substr", arity: 4, flags: parseFlags("readonly"), acl: acl("read string slow"), firstKey: 1, lastKey: 1, step: 1, group: "string", since: "1.0.0",
		summary: "Reads a byte range of the string at a key (the old name of GETRANGE).", handler: cmdGetRange},
	{name: "lcs", arity: -3, flags: parseFlags("readonly"), acl: acl("read string slow"), firstKey: 1, lastKey: 2, step: 1, group: "string", since: "7.0.0",
		summary: "Finds the longest common subsequence of two strings.", handler: cmdLCS},
}

// keyOf views an argument as a string without copying. The store copies
// any key it keeps, so the view never outlives the command.
func keyOf(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func cmdGet(c *client, args [][]byte) {
	// A value as short as an integer's digits is copied, not lent: a
	// counter shown after each INCR then stays writable in place
	// (store.DB.GetInto).
	v, ok, err := c.db.GetInto(keyOf(args[1]), c.getRoom[:0])
	switch {
	case err != nil:
		c.storeError(err)
	case !ok:
		c.w.null()
	default:
		c.w.bulk(v)
	}
}

// The options of SET and GETEX, as Redis's parseExtendedStringArgumentsOrReply
// knows them.
const (
	optNX = 1 << iota
	optXX
	optGet
	optKeepTTL
	optPersist
	optEX
	optPX
	optEXAT
	optPXAT

	optAnyExpire = optEX | optPX | optEXAT | optPXAT
)

// stringOption is one option word: the flag it sets, the flags it cannot
// follow, whether it takes the expire time as its argument, and whether
// SET (or else GETEX) accepts it.
type stringOption struct {
	word     string
	flag     int
	excludes int
	takesArg bool
	forSet   bool
	forGetEx bool
}

// A repeated option is allowed, as in Redis (SET k v EX 1 EX 2 keeps the
// last time); what conflicts is an option with a different one.
var stringOptions = []stringOption{
	{word: "nx", flag: optNX, excludes: optXX, forSet: true},
	{word: "xx", flag: optXX, excludes: optNX, forSet: true},
	{word: "get", flag: optGet, forSet: true},
	{word: "keepttl", flag: optKeepTTL, excludes: optPersist | optAnyExpire, forSet: true},
	{word: "persist", flag: optPersist, excludes: optKeepTTL | optAnyExpire, forGetEx: true},
	{word: "ex", flag: optEX, excludes: optKeepTTL | optPersist | optAnyExpire&^optEX, takesArg: true, forSet: true, forGetEx: true},
	{word: "px", flag: optPX, excludes: optKeepTTL | optPersist | optAnyExpire&^optPX, takesArg: true, forSet: true, forGetEx: true},
	{word: "exat", flag: optEXAT, excludes: optKeepTTL | optPersist | optAnyExpire&^optEXAT, takesArg: true, forSet: true, forGetEx: true},
	{word: "pxat", flag: optPXAT, excludes: optKeepTTL | optPersist | optAnyExpire&^optPXAT, takesArg: true, forSet: true, forGetEx: true},
}

// parseStringOptions reads the options of SET (forSet) or GETEX from
// args[from:]. It returns the flags and the expire time argument, or ok
// false for Redis's syntax error.
func parseStringOptions(args [][]byte, from int, forSet bool) (flags int, expire []byte, ok bool) {
	for j := from; j < len(args); j++ {
		// Redis compares options as C strings: "NX\x00junk" reads as NX.
		word := cString(args[j], len(args[j]))
		hasNext := j+1 < len(args)
		matched := false
		for i := range stringOptions {
			o := &stringOptions[i]
			if !optionIs(word, o.word) || flags&o.excludes != 0 ||
				(forSet && !o.forSet) || (!forSet && !o.forGetEx) || (o.takesArg && !hasNext) {
				continue
			}
			flags |= o.flag
			if o.takesArg {
				j++
				expire = args[j]
			}
			matched = true
			break
		}
		if !matched {
			return 0, nil, false
		}
	}
	return flags, expire, true
}

// optionIs compares an option argument with a lower-case ASCII word,
// ignoring case.
func optionIs(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range b {
		ch := b[i]
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != lower[i] {
			return false
		}
	}
	return true
}

// stringExpireAt turns the time of SET, SETEX, PSETEX or GETEX into an
// absolute Unix time in ms, as Redis's getExpireMillisecondsOrReply: the
// time must be positive, and neither the conversion to ms nor adding the
// current time (by the store's clock, the one that decides expiry) may
// overflow. On failure it returns the error text to answer, naming cmd.
func stringExpireAt(c *client, arg []byte, flags int, cmd string) (int64, string) {
	ms, ok := redisnum.ParseInt(arg)
	if !ok {
		return 0, errNotInteger
	}
	seconds := flags&(optEX|optEXAT) != 0
	if ms <= 0 || (seconds && ms > math.MaxInt64/1000) {
		return 0, fmt.Sprintf(errInvalidExpire, cmd)
	}
	if seconds {
		ms *= 1000
	}
	if flags&(optEX|optPX) != 0 {
		now := c.srv.store.NowMs()
		if ms > math.MaxInt64-now {
			return 0, fmt.Sprintf(errInvalidExpire, cmd)
		}
		ms += now
	}
	return ms, ""
}

func cmdSet(c *client, args [][]byte) {
	key := keyOf(args[1])
	if len(args) == 3 {
		c.db.Set(key, args[2], store.SetOptions{Owned: c.req.owns(args[2])})
		c.notify(nkString, "set", args[1])
		c.w.ok()
		return
	}
	flags, expire, ok := parseStringOptions(args, 3, true)
	if !ok {
		c.w.error(errSyntax)
		return
	}
	opt := store.SetOptions{KeepTTL: flags&optKeepTTL != 0, Get: flags&optGet != 0, Owned: c.req.owns(args[2])}
	switch {
	case flags&optNX != 0:
		opt.Mode = store.SetNX
	case flags&optXX != 0:
		opt.Mode = store.SetXX
	}
	if expire != nil {
		at, msg := stringExpireAt(c, expire, flags, "set")
		if msg != "" {
			c.w.error(msg)
			return
		}
		opt.ExpireAt = at
	}
	res, err := c.db.Set(key, args[2], opt)
	if opt.Get && err == nil && !res.HadOld {
		c.notify(nkKeyMiss, "keymiss", args[1]) // GET's read found nothing
	}
	if res.Written {
		c.notify(nkString, "set", args[1])
		if opt.ExpireAt != 0 {
			c.notify(nkGeneric, "expire", args[1])
		}
	}
	switch {
	case err != nil:
		c.storeError(err)
	case opt.Get && res.HadOld:
		c.w.bulk(res.Old)
	case opt.Get || !res.Written:
		// SET ... GET answers the old value whether or not it wrote; a
		// SET blocked by NX or XX answers nil.
		c.w.null()
	default:
		c.w.ok()
	}
}

func cmdSetNX(c *client, args [][]byte) {
	res, err := c.db.Set(keyOf(args[1]), args[2], store.SetOptions{Mode: store.SetNX, Owned: c.req.owns(args[2])})
	if res.Written {
		c.notify(nkString, "set", args[1])
	}
	switch {
	case err != nil:
		c.storeError(err)
	case res.Written:
		c.w.int(1)
	default:
		c.w.int(0)
	}
}

func cmdSetEX(c *client, args [][]byte)  { setWithTTL(c, args, optEX, "setex") }
func cmdPSetEX(c *client, args [][]byte) { setWithTTL(c, args, optPX, "psetex") }

// setWithTTL is SETEX and PSETEX: key, time, value.
func setWithTTL(c *client, args [][]byte, unit int, name string) {
	at, msg := stringExpireAt(c, args[2], unit, name)
	if msg != "" {
		c.w.error(msg)
		return
	}
	if _, err := c.db.Set(keyOf(args[1]), args[3], store.SetOptions{ExpireAt: at, Owned: c.req.owns(args[3])}); err != nil {
		c.storeError(err)
		return
	}
	c.notify(nkString, "set", args[1])
	c.notify(nkGeneric, "expire", args[1])
	c.w.ok()
}

// cmdGetSet is GETSET: SET ... GET, which also clears the TTL.
func cmdGetSet(c *client, args [][]byte) {
	res, err := c.db.Set(keyOf(args[1]), args[2], store.SetOptions{Get: true, Owned: c.req.owns(args[2])})
	if err == nil && !res.HadOld {
		c.notify(nkKeyMiss, "keymiss", args[1])
	}
	if res.Written {
		c.notify(nkString, "set", args[1])
	}
	switch {
	case err != nil:
		c.storeError(err)
	case res.HadOld:
		c.w.bulk(res.Old)
	default:
		c.w.null()
	}
}

func cmdGetDel(c *client, args [][]byte) {
	v, ok, err := c.db.GetDel(keyOf(args[1]))
	switch {
	case ok:
		c.notify(nkGeneric, "del", args[1])
	case err == nil:
		c.notify(nkKeyMiss, "keymiss", args[1])
	}
	answerString(c, v, ok, err)
}

// answerString answers a string that may be missing.
func answerString(c *client, v []byte, ok bool, err error) {
	switch {
	case err != nil:
		c.storeError(err)
	case !ok:
		c.w.null()
	default:
		c.w.bulk(v)
	}
}

func cmdGetEx(c *client, args [][]byte) {
	key := keyOf(args[1])
	flags, expire, ok := parseStringOptions(args, 2, false)
	if !ok {
		c.w.error(errSyntax)
		return
	}
	opt := store.GetExOptions{Persist: flags&optPersist != 0}
	if expire != nil {
		at, msg := stringExpireAt(c, expire, flags, "getex")
		if msg != "" {
			// Redis looks the key up before it checks the time: a missing
			// key is answered nil and another type WRONGTYPE, whatever
			// the time says.
			if _, ok, err := c.db.Get(key); err != nil || !ok {
				answerString(c, nil, ok, err)
				return
			}
			c.w.error(msg)
			return
		}
		opt.ExpireAt = at
	}
	v, ok, change, err := c.db.GetExChange(key, opt)
	switch change {
	case store.TTLDeleted: // as Redis: a time already past deletes the key
		c.notify(nkGeneric, "del", args[1])
	case store.TTLSet:
		c.notify(nkGeneric, "expire", args[1])
	case store.TTLRemoved:
		c.notify(nkGeneric, "persist", args[1])
	}
	answerString(c, v, ok, err)
}

// multiScratch is room for the keys and values of one MGET, MSET or
// MSETNX, lent by a pool so that those commands allocate no lists.
type multiScratch struct {
	keys []string
	vals [][]byte
}

var multiPool = sync.Pool{New: func() any { return new(multiScratch) }}

// getScratch takes room from the pool, with args[from], args[from+step],
// ... as its keys.
func getScratch(args [][]byte, from, step int) *multiScratch {
	sc := multiPool.Get().(*multiScratch)
	for i := from; i < len(args); i += step {
		sc.keys = append(sc.keys, keyOf(args[i]))
	}
	return sc
}

// putScratch returns room to the pool, cleared so that the pool keeps no
// request buffer or value alive.
func putScratch(sc *multiScratch) {
	if cap(sc.keys) > 1024 || cap(sc.vals) > 1024 {
		return // an unusually long command: let its room go
	}
	clear(sc.keys)
	clear(sc.vals)
	sc.keys, sc.vals = sc.keys[:0], sc.vals[:0]
	multiPool.Put(sc)
}

func cmdMGet(c *client, args [][]byte) {
	sc := getScratch(args, 1, 1)
	defer putScratch(sc)
	sc.vals = c.db.AppendMGet(sc.vals, sc.keys)
	c.w.array(len(sc.vals))
	for _, v := range sc.vals {
		if v == nil {
			c.w.null()
		} else {
			c.w.bulk(v)
		}
	}
}

// msetScratch splits MSET's and MSETNX's arguments into keys and values,
// or answers Redis's arity error when a key has no value.
func msetScratch(c *client, args [][]byte, name string) (*multiScratch, bool) {
	if len(args)%2 == 0 {
		c.w.error(fmt.Sprintf(errWrongArity, name))
		return nil, false
	}
	sc := getScratch(args, 1, 2)
	for i := 2; i < len(args); i += 2 {
		sc.vals = append(sc.vals, args[i])
	}
	return sc, true
}

func cmdMSet(c *client, args [][]byte) {
	sc, ok := msetScratch(c, args, "mset")
	if !ok {
		return
	}
	defer putScratch(sc)
	if c.notifies(nkString | nkNew) {
		c.db.MSetFunc(sc.keys, sc.vals, func(i int) { c.notify(nkString, "set", args[1+2*i]) })
	} else {
		c.db.MSet(sc.keys, sc.vals)
	}
	c.w.ok()
}

func cmdMSetNX(c *client, args [][]byte) {
	sc, ok := msetScratch(c, args, "msetnx")
	if !ok {
		return
	}
	defer putScratch(sc)
	var done bool
	if c.notifies(nkString | nkNew) {
		done = c.db.MSetNXFunc(sc.keys, sc.vals, func(i int) { c.notify(nkString, "set", args[1+2*i]) })
	} else {
		done = c.db.MSetNX(sc.keys, sc.vals)
	}
	if done {
		c.w.int(1)
	} else {
		c.w.int(0)
	}
}

func cmdAppend(c *client, args [][]byte) {
	n, err := c.db.Append(keyOf(args[1]), args[2])
	if err == nil {
		c.notify(nkString, "append", args[1])
	}
	answerInt(c, int64(n), err)
}

func cmdStrLen(c *client, args [][]byte) {
	n, err := c.db.StrLen(keyOf(args[1]))
	answerInt(c, int64(n), err)
}

// answerInt answers an integer, or the store's error.
func answerInt(c *client, n int64, err error) {
	if err != nil {
		c.storeError(err)
		return
	}
	c.w.int(n)
}

func cmdIncr(c *client, args [][]byte) { incrBy(c, args[1], 1) }
func cmdDecr(c *client, args [][]byte) { incrBy(c, args[1], -1) }

func cmdIncrBy(c *client, args [][]byte) {
	by, ok := redisnum.ParseInt(args[2])
	if !ok {
		c.w.error(errNotInteger)
		return
	}
	incrBy(c, args[1], by)
}

func cmdDecrBy(c *client, args [][]byte) {
	by, ok := redisnum.ParseInt(args[2])
	if !ok {
		c.w.error(errNotInteger)
		return
	}
	// As Redis: the smallest int64 has no negation.
	if by == math.MinInt64 {
		c.w.error(errDecrementOverflow)
		return
	}
	incrBy(c, args[1], -by)
}

func incrBy(c *client, key []byte, by int64) {
	v, err := c.db.IncrBy(keyOf(key), by)
	if err == nil {
		c.notify(nkString, "incrby", key)
	}
	answerInt(c, v, err)
}

func cmdIncrByFloat(c *client, args [][]byte) {
	v, err := c.db.IncrByFloat(keyOf(args[1]), args[2])
	if err != nil {
		c.storeError(err)
		return
	}
	c.notify(nkString, "incrbyfloat", args[1])
	c.w.bulk(v)
}

// cmdGetRange is GETRANGE and its old name SUBSTR. Both offsets are
// checked before the key is read, as in Redis; a missing key reads as "".
func cmdGetRange(c *client, args [][]byte) {
	start, ok1 := redisnum.ParseInt(args[2])
	end, ok2 := redisnum.ParseInt(args[3])
	if !ok1 || !ok2 {
		c.w.error(errNotInteger)
		return
	}
	v, err := c.db.GetRange(keyOf(args[1]), start, end)
	if err != nil {
		c.storeError(err)
		return
	}
	c.w.bulk(v)
}

func cmdSetRange(c *client, args [][]byte) {
	offset, ok := redisnum.ParseInt(args[2])
	if !ok {
		c.w.error(errNotInteger)
		return
	}
	n, err := c.db.SetRange(keyOf(args[1]), offset, args[3])
	if err == nil && len(args[3]) > 0 {
		c.notify(nkString, "setrange", args[1])
	}
	answerInt(c, int64(n), err)
}

// cmdLCS is LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]. As in
// Redis, the keys' types are checked before the options, and a missing key
// reads as "".
func cmdLCS(c *client, args [][]byte) {
	vals, err := c.db.GetStrings(keyOf(args[1]), keyOf(args[2]))
	if err != nil {
		if err == store.ErrWrongType {
			c.w.error(errLCSKeysTypes)
		} else {
			c.storeError(err)
		}
		return
	}
	a, b := vals[0], vals[1]
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(args); j++ {
		opt := cString(args[j], len(args[j]))
		switch {
		case optionIs(opt, "idx"):
			getIdx = true
		case optionIs(opt, "len"):
			getLen = true
		case optionIs(opt, "withmatchlen"):
			withMatchLen = true
		case optionIs(opt, "minmatchlen") && j+1 < len(args):
			n, ok := redisnum.ParseInt(args[j+1])
			if !ok {
				c.w.error(errNotInteger)
				return
			}
			minMatchLen = max(n, 0)
			j++
		default:
			c.w.error(errSyntax)
			return
		}
	}
	if getIdx && getLen {
		c.w.error(errLCSOptions)
		return
	}
	// Redis refuses a table bigger than proto-max-bulk-len.
	cells := uint64(len(a)+1) * uint64(len(b)+1)
	if cells*4 > uint64(c.srv.maxBulk.Load()) {
		c.w.error(errLCSTooMuchMemory)
		return
	}
	r := longestCommonSubsequence(a, b, getIdx || !getLen, getIdx)
	switch {
	case getIdx:
		c.w.mapHeader(2)
		c.w.bulkString("matches")
		n := 0
		for _, m := range r.matches {
			if m.len() >= minMatchLen {
				n++
			}
		}
		c.w.array(n)
		for _, m := range r.matches {
			if m.len() < minMatchLen {
				continue
			}
			if withMatchLen {
				c.w.array(3)
			} else {
				c.w.array(2)
			}
			c.w.array(2)
			c.w.int(m.aStart)
			c.w.int(m.aEnd)
			c.w.array(2)
			c.w.int(m.bStart)
			c.w.int(m.bEnd)
			if withMatchLen {
				c.w.int(m.len())
			}
		}
		c.w.bulkString("len")
		c.w.int(int64(r.length))
	case getLen:
		c.w.int(int64(r.length))
	default:
		c.w.bulk(r.text)
	}
}

// lcsMatch is one run of the subsequence found in both strings, by
// inclusive byte offsets.
type lcsMatch struct {
	aStart, aEnd, bStart, bEnd int64
}

func (m lcsMatch) len() int64 { return m.aEnd - m.aStart + 1 }

type lcsResult struct {
	length  uint32
	text    []byte     // the subsequence itself, when asked for
	matches []lcsMatch // its runs from the end of the strings backward, when asked for
}

// longestCommonSubsequence fills the dynamic-programming table of common
// subsequence lengths, then walks it back from the end to recover the
// subsequence and the runs it makes, in the order Redis reports them.
func longestCommonSubsequence(a, b []byte, wantText, wantMatches bool) lcsResult {
	alen, blen := len(a), len(b)
	width := blen + 1
	// table[i*width+j] is the length of the LCS of a[:i] and b[:j].
	table := make([]uint32, (alen+1)*width)
	for i := 1; i <= alen; i++ {
		row, prev := table[i*width:(i+1)*width], table[(i-1)*width:i*width]
		for j := 1; j <= blen; j++ {
			switch {
			case a[i-1] == b[j-1]:
				row[j] = prev[j-1] + 1
			case prev[j] > row[j-1]:
				row[j] = prev[j]
			default:
				row[j] = row[j-1]
			}
		}
	}
	res := lcsResult{length: table[alen*width+blen]}
	if !wantText && !wantMatches {
		return res
	}
	text := make([]byte, res.length)
	idx := res.length
	// A run being tracked; inRun false means none yet.
	var run lcsMatch
	inRun := false
	for i, j := alen, blen; i > 0 && j > 0; {
		emit := false
		if a[i-1] == b[j-1] {
			text[idx-1] = a[i-1]
			if !inRun {
				run = lcsMatch{int64(i - 1), int64(i - 1), int64(j - 1), int64(j - 1)}
				inRun = true
			} else {
				// Walking back, matches are always contiguous: the run
				// grows toward the start of both strings.
				run.aStart--
				run.bStart--
			}
			// A run that reached the start of either string is complete.
			if run.aStart == 0 || run.bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if table[(i-1)*width+j] > table[i*width+j-1] {
				i--
			} else {
				j--
			}
			emit = inRun
		}
		if emit {
			if wantMatches {
				res.matches = append(res.matches, run)
			}
			inRun = false
		}
	}
	if wantText {
		res.text = text
	}
	return res
}
