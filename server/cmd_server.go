package server

import (
	"log/slog"
	"math"
	"strconv"
	"strings"

	"github.com/emberkv/ember/internal/redisnum"
)

var serverCommands = []*command{
	{name: "info", arity: -1, flags: parseFlags("loading stale"), acl: acl("slow dangerous"), scope: scopeAll, group: "server", since: "1.0.0",
		summary: "Reports the server's state and statistics, by section.", handler: cmdInfo},
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
	{name: "lastsave", arity: 1, flags: parseFlags("loading stale fast"), acl: acl("admin fast dangerous"), group: "server", since: "1.0.0",
		summary: "Returns when the data was last saved, as a Unix time.", handler: cmdLastSave},
	{name: "shutdown", arity: -1, flags: parseFlags("admin noscript loading stale no_multi allow_busy"), acl: acl("admin slow dangerous"), group: "server", since: "1.0.0",
		summary: "Stops the server.", handler: cmdShutdown},
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
func cmdLastSave(c *client, args [][]byte) { c.w.int(c.srv.lastSaveUnix()) }

func (s *Server) lastSaveUnix() int64 { return s.start.Unix() }

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: the options are checked as
// Redis checks them. Ember has no persistence yet, so there is nothing to
// save or to wait for: the server stops at once and the client gets no
// reply, its connection closing. SHUTDOWN SAVE fails (unless FORCE), since
// the save it asks for cannot happen.
func cmdShutdown(c *client, args [][]byte) {
	var nosave, save, force, abort, now bool
	for _, a := range args[1:] {
		switch strings.ToLower(string(a)) {
		case "nosave":
			nosave = true
		case "save":
			save = true
		case "now":
			now = true
		case "force":
			force = true
		case "abort":
			abort = true
		default:
			c.w.error(errSyntax)
			return
		}
	}
	if (abort && (nosave || save || now || force)) || (nosave && save) {
		c.w.error(errSyntax)
		return
	}
	if abort {
		// A shutdown never waits in Ember, so none can be in progress.
		c.w.error(errNoShutdownInProgress)
		return
	}
	if save && !force {
		c.srv.log.Warn("SHUTDOWN SAVE refused: this server has no persistence to save with")
		c.w.error(errShutdownFailed)
		return
	}
	c.srv.log.Info("User requested shutdown...", slog.Int64("client", c.id))
	c.closing = true
	c.srv.scripts.abort() // SHUTDOWN NOSAVE stops a busy script
	c.srv.requestShutdown()
}
