package server

// What a write command logs to the AOF: its arguments, unless Redis 7.0
// logs another form that replays to the same state (rewriteClientCommand*
// in t_string.c, expire.c, t_hash.c). Rewrites that depend on what the
// command found are read back from the store after it ran: the order
// lock is still held, so nothing changed since. Handlers whose effect is
// not visible afterwards (SPOP's members, which key a pop served) log it
// themselves with c.propagate.

import (
	"bytes"
	"strconv"

	"github.com/emberkv/ember/internal/redisnum"
	"github.com/emberkv/ember/store"
)

var (
	nameSet       = []byte("SET")
	nameHSet      = []byte("HSET")
	namePXAT      = []byte("PXAT")
	namePExpireAt = []byte("PEXPIREAT")
	namePersist   = []byte("PERSIST")
	nameKeepTTL   = []byte("KEEPTTL")
	nameSRem      = []byte("SREM")
)

// logEffect logs the effect of a write command that changed something.
func logEffect(c *client, cmd *command, args [][]byte) {
	if rw := effectRewrites[cmd.name]; rw != nil {
		rw(c, args)
		return
	}
	c.propagate(args...)
}

// effectRewrites are the commands whose logged form differs from the
// request.
var effectRewrites map[string]func(c *client, args [][]byte)

func init() {
	effectRewrites = map[string]func(c *client, args [][]byte){
		"set":          effectSet,
		"setex":        effectSetEx,
		"psetex":       effectSetEx,
		"getex":        effectGetEx,
		"getdel":       func(c *client, args [][]byte) { c.propagate(delName, args[1]) },
		"getset":       func(c *client, args [][]byte) { c.propagate(nameSet, args[1], args[2]) },
		"incrbyfloat":  effectIncrByFloat,
		"hincrbyfloat": effectHIncrByFloat,
		"expire":       effectExpire,
		"pexpire":      effectExpire,
		"expireat":     effectExpire,
		"pexpireat":    effectExpire,
		"restore":      effectRestore,
	}
}

// pxatOf is the key's absolute expiry in ms as the store holds it, or
// ok false when the key is gone or has none.
func pxatOf(c *client, key []byte) (int64, bool) {
	// Read without expiring: a key whose time passed between the write
	// and this read (a PX of 1 ms and a busy machine) would be removed
	// here, its DEL logged before the write being logged.
	at := c.db.StoredExpireAt(keyOf(key))
	return at, at > 0
}

func msBytes(ms int64) []byte { return strconv.AppendInt(nil, ms, 10) }

// effectSet: SET with EX/PX/EXAT/PXAT is logged as SET key value PXAT
// <abs ms> (its other options dropped, as Redis); SET ... GET without an
// expiry loses its GET; anything else is logged as it came.
func effectSet(c *client, args [][]byte) {
	expiry := -1
	hasGet := false
	for i := 3; i < len(args); i++ {
		switch {
		case eqFold(args[i], "ex"), eqFold(args[i], "px"), eqFold(args[i], "exat"), eqFold(args[i], "pxat"):
			expiry = i
			i++
		case eqFold(args[i], "get"):
			hasGet = true
		}
	}
	if expiry >= 0 {
		// An absolute time is the argument itself (reading the key back
		// would expire one set in the past, and log a DEL Redis does not);
		// a relative one is what the store computed.
		opt := args[expiry]
		var at int64
		if eqFold(opt, "exat") || eqFold(opt, "pxat") {
			at = absMs(c, opt, args[expiry+1])
		} else if a, ok := pxatOf(c, args[1]); ok {
			at = a
		} else {
			at = absMs(c, opt, args[expiry+1])
		}
		c.propagate(nameSet, args[1], args[2], namePXAT, msBytes(at))
		return
	}
	if hasGet {
		out := make([][]byte, 0, len(args))
		for j, a := range args {
			if j >= 3 && eqFold(a, "get") {
				continue
			}
			out = append(out, a)
		}
		c.propagate(out...)
		return
	}
	c.propagate(args...)
}

// absMs turns an expiry option into an absolute time in ms: EXAT and
// PXAT as given, EX and PX from now (for a key whose expiry has already
// passed, so the store no longer shows it).
func absMs(c *client, opt, val []byte) int64 {
	n, _ := redisnum.ParseInt(val)
	now := c.srv.store.NowMs()
	switch {
	case eqFold(opt, "ex"):
		return now + n*1000
	case eqFold(opt, "px"):
		return now + n
	case eqFold(opt, "exat"):
		return n * 1000
	}
	return n
}

// effectSetEx: SETEX and PSETEX are logged as SET key value PXAT.
func effectSetEx(c *client, args [][]byte) {
	at, ok := pxatOf(c, args[1])
	if !ok {
		opt := []byte("ex")
		if eqFold(args[0], "psetex") {
			opt = []byte("px")
		}
		at = absMs(c, opt, args[2])
	}
	c.propagate(nameSet, args[1], args[3], namePXAT, msBytes(at))
}

// effectGetEx: GETEX with an expiry is PEXPIREAT (or DEL when an
// absolute time has passed), with PERSIST it is PERSIST.
func effectGetEx(c *client, args [][]byte) {
	for i := 2; i < len(args); i++ {
		if eqFold(args[i], "persist") {
			c.propagate(namePersist, args[1])
			return
		}
	}
	if at, ok := pxatOf(c, args[1]); ok {
		c.propagate(namePExpireAt, args[1], msBytes(at))
		return
	}
	c.propagate(delName, args[1])
}

// effectIncrByFloat: as Redis, SET key <new value> KEEPTTL, so that
// replay does not depend on float formatting.
func effectIncrByFloat(c *client, args [][]byte) {
	v, ok, err := c.db.Get(keyOf(args[1]))
	if err != nil || !ok {
		c.propagate(args...)
		return
	}
	c.propagate(nameSet, args[1], bytes.Clone(v), nameKeepTTL)
}

// effectHIncrByFloat: HSET key field <new value>.
func effectHIncrByFloat(c *client, args [][]byte) {
	v, ok, err := c.db.HGet(keyOf(args[1]), args[2])
	if err != nil || !ok {
		c.propagate(args...)
		return
	}
	c.propagate(nameHSet, args[1], args[2], bytes.Clone(v))
}

// effectExpire: EXPIRE, PEXPIRE and EXPIREAT are logged as PEXPIREAT
// with the absolute time and the same options; a time that has passed
// deleted the key, logged as DEL. PEXPIREAT keeps its own argument.
func effectExpire(c *client, args [][]byte) {
	at, ok := pxatOf(c, args[1])
	if !ok {
		c.propagate(delName, args[1])
		return
	}
	out := make([][]byte, 0, len(args))
	out = append(out, namePExpireAt, args[1])
	if eqFold(args[0], "pexpireat") {
		out = append(out, args[2])
	} else {
		out = append(out, msBytes(at))
	}
	out = append(out, args[3:]...)
	c.propagate(out...)
}

// effectRestore: RESTORE with a relative TTL is logged with the absolute
// time and ABSTTL; one whose time had passed (it only deleted the key it
// replaced) as DEL, as Redis's restoreCommand.
func effectRestore(c *client, args [][]byte) {
	ttl, _ := redisnum.ParseInt(args[2])
	if ttl == 0 {
		c.propagate(args...)
		return
	}
	at, ok := pxatOf(c, args[1])
	if !ok {
		c.propagate(delName, args[1])
		return
	}
	for _, a := range args[4:] {
		if eqFold(a, "absttl") {
			c.propagate(args...)
			return
		}
	}
	out := append([][]byte(nil), args...)
	out[2] = msBytes(at)
	c.propagate(append(out, []byte("ABSTTL"))...)
}

// propagatePop logs a pop served from key: name key, with the count of
// elements popped when the command had a COUNT form (LMPOP, BLMPOP,
// ZMPOP, BZMPOP), as Redis logs those.
func (c *client) propagatePop(name string, key string, n int, counted bool) {
	if counted {
		c.propagate([]byte(name), []byte(key), strconv.AppendInt(nil, int64(n), 10))
		return
	}
	c.propagate([]byte(name), []byte(key))
}

// servedPopArgs is the same for a blocked client served by a writer.
func servedPopArgs(name string, key string, n int, counted bool) [][]byte {
	if counted {
		return [][]byte{[]byte(name), []byte(key), strconv.AppendInt(nil, int64(n), 10)}
	}
	return [][]byte{[]byte(name), []byte(key)}
}

// propagateSPop logs SPOP: one SREM for SPOP key, DEL when a count took
// the whole set, else one SREM per member (wrapped in MULTI/EXEC with
// the rest of the unit), as spopWithCountCommand.
func (c *client) propagateSPop(key []byte, popped []string, counted bool) {
	if !c.unit().aof.active {
		return
	}
	if len(popped) == 0 {
		c.propagateNothing()
		return
	}
	if counted && c.db.Type(keyOf(key)) == store.KindNone {
		c.propagate(delName, key)
		return
	}
	for _, m := range popped {
		c.propagate(nameSRem, key, []byte(m))
	}
}

func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if b[i]|0x20 != s[i]|0x20 {
			return false
		}
	}
	return true
}
