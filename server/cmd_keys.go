package server

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/emberkv/ember/internal/redisnum"
	"github.com/emberkv/ember/store"
)

// The generic commands: those that work on keys of any type. Flags, ACL
// categories and key positions are those COMMAND INFO reports in Redis
// 7.0.15. KEYS, SCAN and RANDOMKEY read the whole selected database, and
// MOVE and COPY reach another one: their scope tells EXEC to lock more than
// their key arguments.
var keyCommands = []*command{
	{name: "del", arity: -2, flags: parseFlags("write"), acl: acl("keyspace write slow"), firstKey: 1, lastKey: -1, step: 1, group: "generic", since: "1.0.0",
		summary: "Removes keys and counts how many existed.", handler: cmdDel},
	{name: "unlink", arity: -2, flags: parseFlags("write fast"), acl: acl("keyspace write fast"), firstKey: 1, lastKey: -1, step: 1, group: "generic", since: "4.0.0",
		summary: "Removes keys like DEL; Ember frees memory the same way for both.", handler: cmdDel},
	{name: "exists", arity: -2, flags: parseFlags("readonly fast"), acl: acl("keyspace read fast"), firstKey: 1, lastKey: -1, step: 1, group: "generic", since: "1.0.0",
		summary: "Counts how many of the given keys exist.", handler: cmdExists},
	{name: "type", arity: 2, flags: parseFlags("readonly fast"), acl: acl("keyspace read fast"), firstKey: 1, lastKey: 1, step: 1, group: "generic", since: "1.0.0",
		summary: "Names the type of the value a key holds.", handler: cmdType},
	{name: "expire", arity: -3, flags: parseFlags("write fast"), acl: acl("keyspace write fast"), firstKey: 1, lastKey: 1, step: 1, group: "generic", since: "1.0.0",
		summary: "Gives a key a time to live, in seconds.", handler: cmdExpire},
	{name: "pexpire", arity: -3, flags: parseFlags("write fast"), acl: acl("keyspace write fast"), firstKey: 1, lastKey: 1, step: 1, group: "generic", since: "2.6.0",
		summary: "Gives a key a time to live, in milliseconds.", handler: cmdPExpire},
	{name: "expireat", arity: -3, flags: parseFlags("write fast"), acl: acl("keyspace write fast"), firstKey: 1, lastKey: 1, step: 1, group: "generic", since: "1.2.0",
		summary: "Makes a key expire at a Unix time, in seconds.", handler: cmdExpireAt},
	{name: "pexpireat", arity: -3, flags: parseFlags("write fast"), acl: acl("keyspace write fast"), firstKey: 1, lastKey: 1, step: 1, group: "generic", since: "2.6.0",
		summary: "Makes a key expire at a Unix time, in milliseconds.", handler: cmdPExpireAt},
	{name: "ttl", arity: 2, flags: parseFlags("readonly fast"), acl: acl("keyspace read fast"), firstKey: 1, lastKey: 1, step: 1, group: "generic", since: "1.0.0",
		summary: "Tells how many seconds a key has left to live.", handler: cmdTTL},
	{name: "pttl", arity: 2, flags: parseFlags("readonly fast"), acl: acl("keyspace read fast"), firstKey: 1, lastKey: 1, step: 1, group: "generic", since: "2.6.0",
		summary: "Tells how many milliseconds a key has left to live.", handler: cmdPTTL},
	{name: "expiretime", arity: 2, flags: parseFlags("readonly fast"), acl: acl("keyspace read fast"), firstKey: 1, lastKey: 1, step: 1, group: "generic", since: "7.0.0",
		summary: "Tells the Unix time, in seconds, at which a key expires.", handler: cmdExpireTime},
	{name: "pexpiretime", arity: 2, flags: parseFlags("readonly fast"), acl: acl("keyspace read fast"), firstKey: 1, lastKey: 1, step: 1, group: "generic", since: "7.0.0",
		summary: "Tells the Unix time, in milliseconds, at which a key expires.", handler: cmdPExpireTime},
	{name: "persist", arity: 2, flags: parseFlags("write fast"), acl: acl("keyspace write fast"), firstKey: 1, lastKey: 1, step: 1, group: "generic", since: "2.2.0",
		summary: "Drops a key's time to live so it lasts until deleted.", handler: cmdPersist},
	{name: "keys", arity: 2, flags: parseFlags("readonly"), acl: acl("keyspace read slow dangerous"), scope: scopeDB, group: "generic", since: "1.0.0",
		summary: "Lists every key that matches a glob pattern.", handler: cmdKeys},
	{name: "scan", arity: -2, flags: parseFlags("readonly"), acl: acl("keyspace read slow"), scope: scopeDB, group: "generic", since: "2.8.0",
		summary: "Walks the keyspace a few keys at a time with a cursor.", handler: cmdScan},
	{name: "randomkey", arity: 1, flags: parseFlags("readonly"), acl: acl("keyspace read slow"), scope: scopeDB, group: "generic", since: "1.0.0",
		summary: "Picks a key at random.", handler: cmdRandomKey},
	{name: "rename", arity: 3, flags: parseFlags("write"), acl: acl("keyspace write slow"), firstKey: 1, lastKey: 2, step: 1, group: "generic", since: "1.0.0",
		summary: "Gives a key a new name, replacing any key already there.", handler: cmdRename},
	{name: "renamenx", arity: 3, flags: parseFlags("write fast"), acl: acl("keyspace write fast"), firstKey: 1, lastKey: 2, step: 1, group: "generic", since: "1.0.0",
		summary: "Gives a key a new name unless that name is taken.", handler: cmdRenameNX},
	{name: "copy", arity: -3, flags: parseFlags("write denyoom"), acl: acl("keyspace write slow"), firstKey: 1, lastKey: 2, step: 1, scope: scopeAll, group: "generic", since: "6.2.0",
		summary: "Duplicates a key's value under another name, optionally in another database.", handler: cmdCopy},
	{name: "move", arity: 3, flags: parseFlags("write fast"), acl: acl("keyspace write fast"), firstKey: 1, lastKey: 1, step: 1, scope: scopeAll, group: "generic", since: "1.0.0",
		summary: "Moves a key into another database unless it exists there.", handler: cmdMove},
	{name: "touch", arity: -2, flags: parseFlags("readonly fast"), acl: acl("keyspace read fast"), firstKey: 1, lastKey: -1, step: 1, group: "generic", since: "3.2.1",
		summary: "Marks keys as just used and counts those that exist.", handler: cmdTouch},
	{name: "object", arity: -2, acl: acl("slow"), group: "generic", since: "2.2.3",
		summary: "Groups the commands that inspect how a value is stored.", handler: cmdContainer,
		subs: subs(
			&command{name: "object|help", arity: 2, flags: parseFlags("loading stale"), acl: acl("keyspace slow"), group: "generic", since: "6.2.0",
				summary: "Lists OBJECT's subcommands.", handler: cmdObjectHelp},
			&command{name: "object|encoding", arity: 3, flags: parseFlags("readonly"), acl: acl("keyspace read slow"), firstKey: 2, lastKey: 2, step: 1, group: "generic", since: "2.2.3",
				summary: "Names the encoding Redis would use for a value.", handler: cmdObjectEncoding},
			&command{name: "object|freq", arity: 3, flags: parseFlags("readonly"), acl: acl("keyspace read slow"), firstKey: 2, lastKey: 2, step: 1, group: "generic", since: "4.0.0",
				summary: "Reports a key's access frequency (LFU policies only).", handler: cmdObjectFreq},
			&command{name: "object|idletime", arity: 3, flags: parseFlags("readonly"), acl: acl("keyspace read slow"), firstKey: 2, lastKey: 2, step: 1, group: "generic", since: "2.2.3",
				summary: "Reports how many seconds since a key was last used.", handler: cmdObjectIdleTime},
			&command{name: "object|refcount", arity: 3, flags: parseFlags("readonly"), acl: acl("keyspace read slow"), firstKey: 2, lastKey: 2, step: 1, group: "generic", since: "2.2.3",
				summary: "Reports how many references Redis would hold to a value.", handler: cmdObjectRefCount},
		)},
}

// keysOf views arguments as keys, without copying them.
func keysOf(args [][]byte) []string {
	keys := make([]string, len(args))
	for i, a := range args {
		keys[i] = keyOf(a)
	}
	return keys
}

// cmdContainer answers a container command called without a subcommand.
// Dispatch never gets here (the container's arity needs a subcommand,
// which dispatch resolves), but a row must not have a nil handler.
func cmdContainer(c *client, args [][]byte) {
	c.w.error(fmt.Sprintf(errWrongArity, strings.ToLower(string(args[0]))))
}

// cmdDel is DEL and UNLINK: Ember frees memory as it goes, so UNLINK has
// nothing to do in the background.
func cmdDel(c *client, args [][]byte) {
	if !c.notifies(nkGeneric) {
		c.w.int(int64(c.db.Del(keysOf(args[1:])...)))
		return
	}
	n := c.db.DelFunc(keysOf(args[1:]), func(i int) { c.notify(nkGeneric, "del", args[1+i]) })
	c.w.int(int64(n))
}

func cmdExists(c *client, args [][]byte) {
	if c.notifies(nkKeyMiss) {
		// As Redis's lookupKeyRead: each missing key is a "keymiss".
		n := 0
		for _, k := range args[1:] {
			if c.db.Exists(keyOf(k)) == 1 {
				n++
			} else {
				c.notify(nkKeyMiss, "keymiss", k)
			}
		}
		c.w.int(int64(n))
		return
	}
	c.w.int(int64(c.db.Exists(keysOf(args[1:])...)))
}

func cmdTouch(c *client, args [][]byte) {
	c.w.int(int64(c.db.Touch(keysOf(args[1:])...)))
}

func cmdType(c *client, args [][]byte) {
	c.w.simple(c.db.Type(keyOf(args[1])).String())
}

func cmdExpire(c *client, args [][]byte)    { expireGeneric(c, args, "expire", 1000, true) }
func cmdPExpire(c *client, args [][]byte)   { expireGeneric(c, args, "pexpire", 1, true) }
func cmdExpireAt(c *client, args [][]byte)  { expireGeneric(c, args, "expireat", 1000, false) }
func cmdPExpireAt(c *client, args [][]byte) { expireGeneric(c, args, "pexpireat", 1, false) }

// expireGeneric is Redis's expireGenericCommand: options first, then the
// number, then the overflow checks, then the key. unitMs is 1000 for
// seconds; relative adds the current time.
func expireGeneric(c *client, args [][]byte, name string, unitMs int64, relative bool) {
	cond, ok := parseExpireCond(c, args[3:])
	if !ok {
		return
	}
	when, ok := redisnum.ParseInt(args[2])
	if !ok {
		c.w.error(errNotInteger)
		return
	}
	if unitMs != 1 {
		if when > math.MaxInt64/unitMs || when < math.MinInt64/unitMs {
			c.w.error(fmt.Sprintf(errInvalidExpire, name))
			return
		}
		when *= unitMs
	}
	if relative {
		base := c.srv.store.NowMs()
		if when > math.MaxInt64-base {
			c.w.error(fmt.Sprintf(errInvalidExpire, name))
			return
		}
		when += base
	}
	switch c.db.ExpireAtChange(keyOf(args[1]), when, cond) {
	case store.TTLUnchanged:
		c.w.int(0)
		return
	case store.TTLDeleted:
		// As Redis: a time already past deletes the key.
		c.notify(nkGeneric, "del", args[1])
	default:
		c.notify(nkGeneric, "expire", args[1])
	}
	c.w.int(1)
}

// parseExpireCond reads EXPIRE's NX, XX, GT and LT, answering Redis's
// error when it cannot.
func parseExpireCond(c *client, opts [][]byte) (store.ExpireCond, bool) {
	var cond store.ExpireCond
	for _, o := range opts {
		switch s := keyOf(o); {
		case strings.EqualFold(s, "nx"):
			cond |= store.ExpireNX
		case strings.EqualFold(s, "xx"):
			cond |= store.ExpireXX
		case strings.EqualFold(s, "gt"):
			cond |= store.ExpireGT
		case strings.EqualFold(s, "lt"):
			cond |= store.ExpireLT
		default:
			c.w.error(fmt.Sprintf(errUnsupportedOption, o))
			return 0, false
		}
	}
	if cond&store.ExpireNX != 0 && cond != store.ExpireNX {
		c.w.error(errExpireOptions)
		return 0, false
	}
	if cond&store.ExpireGT != 0 && cond&store.ExpireLT != 0 {
		c.w.error(errGTLTNX)
		return 0, false
	}
	return cond, true
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// msToSeconds rounds as Redis's TTL and EXPIRETIME do, (ms+500)/1000,
// without overflowing near the largest time; the negative states (no key,
// no TTL) pass through.
func msToSeconds(ms int64) int64 {
	if ms < 0 {
		return ms
	}
	return ms/1000 + (ms%1000+500)/1000
}

func cmdTTL(c *client, args [][]byte) {
	c.w.int(msToSeconds(c.db.PTTL(keyOf(args[1]))))
}

func cmdPTTL(c *client, args [][]byte) {
	c.w.int(c.db.PTTL(keyOf(args[1])))
}

func cmdExpireTime(c *client, args [][]byte) {
	c.w.int(msToSeconds(c.db.ExpireTime(keyOf(args[1]))))
}

func cmdPExpireTime(c *client, args [][]byte) {
	c.w.int(c.db.ExpireTime(keyOf(args[1])))
}

func cmdPersist(c *client, args [][]byte) {
	done := c.db.Persist(keyOf(args[1]))
	if done {
		c.notify(nkGeneric, "persist", args[1])
	}
	c.w.int(boolInt(done))
}

func cmdKeys(c *client, args [][]byte) {
	c.w.bulkStrings(c.db.Keys(keyOf(args[1])))
}

// parseScanCursor reads a SCAN cursor as Redis does with strtoul: an
// optional sign (a negative cursor wraps around), decimal digits, nothing
// after them; no leading space; the empty string is 0. Like C, it stops
// at a NUL byte.
func parseScanCursor(b []byte) (uint64, bool) {
	if i := strings.IndexByte(keyOf(b), 0); i >= 0 {
		b = b[:i]
	}
	if len(b) == 0 {
		return 0, true
	}
	switch b[0] {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return 0, false
	}
	neg := false
	digits := b
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		digits = b[1:]
	}
	v, err := strconv.ParseUint(keyOf(digits), 10, 64)
	if err != nil { // ParseUint takes no second sign
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// cmdScan is SCAN cursor [MATCH pattern] [COUNT n] [TYPE type]. Ember's
// cursors are not Redis's (see store.DB.Scan), but give the same
// guarantees; a client treats them as opaque.
func cmdScan(c *client, args [][]byte) {
	cursor, ok := parseScanCursor(args[1])
	if !ok {
		c.w.error(errInvalidCursor)
		return
	}
	var opt store.ScanOptions
	matchEmpty, typeUnknown := false, false
	for i := 2; i < len(args); i += 2 {
		name := keyOf(args[i])
		switch {
		case i+1 >= len(args):
			c.w.error(errSyntax)
			return
		case strings.EqualFold(name, "count"):
			n, ok := redisnum.ParseInt(args[i+1])
			if !ok {
				c.w.error(errNotInteger)
				return
			}
			if n < 1 {
				c.w.error(errSyntax)
				return
			}
			opt.Count = int(min(n, math.MaxInt32))
		case strings.EqualFold(name, "match"):
			// The store reads "" as no pattern; for Redis it is a
			// pattern that only the empty key matches.
			opt.Match = keyOf(args[i+1])
			matchEmpty = opt.Match == ""
		case strings.EqualFold(name, "type"):
			// As Redis 7.0: a name that is no type matches no key.
			opt.Type, ok = store.ParseKind(keyOf(args[i+1]))
			typeUnknown = !ok
		default:
			c.w.error(errSyntax)
			return
		}
	}
	next, keys := c.db.Scan(cursor, opt)
	if matchEmpty || typeUnknown {
		kept := keys[:0]
		for _, k := range keys {
			if matchEmpty && k == "" && !typeUnknown {
				kept = append(kept, k)
			}
		}
		keys = kept
	}
	c.w.array(2)
	var tmp [20]byte
	c.w.bulk(strconv.AppendUint(tmp[:0], next, 10))
	c.w.bulkStrings(keys)
}

func cmdRandomKey(c *client, args [][]byte) {
	k, ok := c.db.RandomKey()
	if !ok {
		c.w.null()
		return
	}
	c.w.bulkString(k)
}

func cmdRename(c *client, args [][]byte) {
	if _, err := c.db.Rename(keyOf(args[1]), keyOf(args[2]), false); err != nil {
		c.storeError(err)
		return
	}
	notifyRename(c, args)
	c.w.ok()
}

func cmdRenameNX(c *client, args [][]byte) {
	done, err := c.db.Rename(keyOf(args[1]), keyOf(args[2]), true)
	if err != nil {
		c.storeError(err)
		return
	}
	if done {
		notifyRename(c, args)
	}
	c.w.int(boolInt(done))
}

// notifyRename reports a rename that happened; as Redis, renaming a key to
// itself reports nothing.
func notifyRename(c *client, args [][]byte) {
	if string(args[1]) != string(args[2]) {
		c.notify(nkGeneric, "rename_from", args[1])
		c.notify(nkGeneric, "rename_to", args[2])
	}
}

// parseDBIndex reads a database number as Redis's MOVE and COPY do: an
// int (getIntFromObjectOrReply), then a database that exists.
func (c *client) parseDBIndex(b []byte) (int, bool) {
	n, ok := redisnum.ParseInt(b)
	if !ok {
		c.w.error(errNotInteger)
		return 0, false
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		c.w.error(errIntRange)
		return 0, false
	}
	if n < 0 || n >= int64(c.srv.store.Databases()) {
		c.w.error(errDBIndex)
		return 0, false
	}
	return int(n), true
}

// cmdCopy is COPY source destination [DB n] [REPLACE].
func cmdCopy(c *client, args [][]byte) {
	dst, replace := c.dbIndex, false
	for i := 3; i < len(args); i++ {
		switch opt := keyOf(args[i]); {
		case strings.EqualFold(opt, "replace"):
			replace = true
		case strings.EqualFold(opt, "db") && i+1 < len(args):
			n, ok := c.parseDBIndex(args[i+1])
			if !ok {
				return
			}
			dst = n
			i++
		default:
			c.w.error(errSyntax)
			return
		}
	}
	src, dstKey := keyOf(args[1]), keyOf(args[2])
	if dst == c.dbIndex && src == dstKey {
		c.w.error(errSameObject)
		return
	}
	if c.notifies(nkKeyMiss) && c.db.Exists(src) == 0 {
		c.notify(nkKeyMiss, "keymiss", args[1]) // as Redis's lookupKeyRead of the source
	}
	copied := c.db.Copy(src, c.dbAt(dst), dstKey, replace)
	if copied && dst != c.dbIndex {
		c.signalKey(dst, dstKey)
	}
	if copied {
		c.notifyIn(dst, nkGeneric, "copy_to", args[2])
	}
	c.w.int(boolInt(copied))
}

func cmdMove(c *client, args [][]byte) {
	dst, ok := c.parseDBIndex(args[2])
	if !ok {
		return
	}
	if dst == c.dbIndex {
		c.w.error(errSameObject)
		return
	}
	moved := c.db.Move(keyOf(args[1]), c.dbAt(dst))
	if moved {
		c.signalKey(dst, string(args[1]))
		c.notify(nkGeneric, "move_from", args[1])
		c.notifyIn(dst, nkGeneric, "move_to", args[1])
	}
	c.w.int(boolInt(moved))
}

func cmdObjectHelp(c *client, args [][]byte) {
	c.writeHelp("OBJECT",
		"ENCODING <key>",
		"    Name the encoding Redis would use for the value at <key>.",
		"FREQ <key>",
		"    The access frequency of <key>; needs an LFU maxmemory-policy.",
		"IDLETIME <key>",
		"    Seconds since <key> was last read or written.",
		"REFCOUNT <key>",
		"    How many references Redis would hold to the value at <key>.",
	)
}

// objectLookup answers null for a missing key, as every OBJECT
// subcommand does before anything else.
func objectLookup(c *client, key []byte) (store.ObjectInfo, bool) {
	info, ok := c.db.Object(keyOf(key))
	if !ok {
		c.w.null()
	}
	return info, ok
}

func cmdObjectEncoding(c *client, args [][]byte) {
	if info, ok := objectLookup(c, args[2]); ok {
		c.w.bulkString(info.Encoding)
	}
}

// cmdObjectFreq and cmdObjectIdleTime: as Redis, the frequency is kept
// only under an LFU policy and the idle time only under the others, and
// each subcommand refuses under the wrong one.
func cmdObjectFreq(c *client, args [][]byte) {
	if info, ok := objectLookup(c, args[2]); ok {
		if !c.srv.store.Eviction().Policy.LFU() {
			c.w.error(errFreqNoLFU)
			return
		}
		c.w.int(int64(info.Freq))
	}
}

func cmdObjectIdleTime(c *client, args [][]byte) {
	if info, ok := objectLookup(c, args[2]); ok {
		if c.srv.store.Eviction().Policy.LFU() {
			c.w.error(errIdleTimeLFU)
			return
		}
		c.w.int(info.IdleMs / 1000)
	}
}

// sharedRefCount is the refcount Redis reports for its shared objects
// (OBJ_SHARED_REFCOUNT, INT_MAX): small integers are shared.
const sharedRefCount = math.MaxInt32

func cmdObjectRefCount(c *client, args [][]byte) {
	if info, ok := objectLookup(c, args[2]); ok {
		if info.Shared {
			c.w.int(sharedRefCount)
			return
		}
		c.w.int(1)
	}
}
