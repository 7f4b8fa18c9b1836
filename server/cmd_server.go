package server

import (
	"math"
	"strconv"
	"strings"

	"github.com/emberkv/ember/internal/redisnum"
)

var serverCommands = []*command{
	{name: "info", arity: -1, flags: parseFlags("loading stale"), acl: acl("slow dangerous"), scope: scopeAll, group: "server", since: "1.0.0",
		summary: "Reports the server's state and statistics, by section.", handler: cmdInfo, readsStats: true},
	{name: "dbsize", arity: 1, flags: parseFlags("readonly fast"), acl: acl("keyspace read fast"), scope: scopeDB, group: "server", since: "1.0.0",
		summary: "Counts the keys of the selected database.", handler: cmdDBSize},
	{name: "flushdb", arity: -1, flags: parseFlags("write"), acl: acl("keyspace write slow dangerous"), scope: scopeDB, group: "server", since: "1.0.0",
		summary: "Removes every key of the selected database.", handler: cmdFlushDB},
	{name: "flushall", arity: -1, flags: parseFlags("write"), acl: acl("keyspace write slow dangerous"), scope: scopeAll, group: "server", since: "1.0.0",
		summary: "Removes every key of every database.", handler: cmdFlushAll},
	{name: "swapdb", arity: 3, flags: parseFlags("write fast"), acl: acl("keyspace write fast dangerous"), scope: scopeAll, group: "server", since: "4.0.0",
		summary: "Exchanges the contents of two databases.", handler: cmdSwapDB},
	{name: "time", arity: 1, flags: parseFlags("loading stale fast"), acl: acl("fast"), group: "server", since: "2.6.0",
		summary: "Returns the server's time.", handler: cmdTime},
}

func cmdDBSize(c *client, args [][]byte) { c.w.int(int64(c.db.Size())) }

// flushArgsOK checks FLUSHDB's and FLUSHALL's only option. Ember frees a
// flushed keyspace by dropping it, so ASYNC and SYNC behave alike.
func flushArgsOK(args [][]byte) bool {
	switch len(args) {
	case 1:
		return true
	case 2:
		return strings.EqualFold(string(args[1]), "sync") || strings.EqualFold(string(args[1]), "async")
	}
	return false
}

func cmdFlushDB(c *client, args [][]byte) {
	if !flushArgsOK(args) {
		c.w.error(errSyntax)
		return
	}
	c.db.Flush()
	c.trackingFlushed()
	c.w.ok()
}

func cmdFlushAll(c *client, args [][]byte) {
	if !flushArgsOK(args) {
		c.w.error(errSyntax)
		return
	}
	if c.inExec != nil {
		c.inExec.FlushAll() // EXEC already holds every shard
	} else {
		c.srv.store.FlushAll()
	}
	c.srv.afterFlushAll(c.inExec != nil)
	c.trackingFlushed()
	c.w.ok()
}

// parseDBIndexArg reads a SWAPDB index as Redis's getIntFromObjectOrReply:
// a 64-bit integer that must also fit a C int.
func parseDBIndexArg(b []byte) (int, bool) {
	n, ok := redisnum.ParseInt(b)
	if !ok || n < math.MinInt32 || n > math.MaxInt32 {
		return 0, false
	}
	return int(n), true
}

func cmdSwapDB(c *client, args [][]byte) {
	a, ok := parseDBIndexArg(args[1])
	if !ok {
		c.w.error(errInvalidDBIndex)
		return
	}
	b, ok := parseDBIndexArg(args[2])
	if !ok {
		c.w.error(errInvalidDBIndex2)
		return
	}
	var err error
	if c.inExec != nil {
		err = c.inExec.SwapDB(a, b)
	} else {
		err = c.srv.store.SwapDB(a, b)
	}
	if err != nil {
		c.w.error(errDBIndex)
		return
	}
	c.signalDatabases(a, b)
	c.w.ok()
}

// TIME answers by the store's clock, the one expiry follows, so that a
// client computing an EXPIREAT from it agrees with the server.
func cmdTime(c *client, args [][]byte) {
	now := c.srv.store.Clock().Now()
	c.w.array(2)
	c.w.bulkString(strconv.FormatInt(now.Unix(), 10))
	c.w.bulkString(strconv.FormatInt(int64(now.Nanosecond()/1000), 10))
}

// LASTSAVE: Ember does not save yet, so the data was last "saved" when the
// server started with an empty keyspace, which is what Redis reports
// before its first save too.
