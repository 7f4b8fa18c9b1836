package server

import (
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/emberkv/ember/internal/redisnum"
	"github.com/emberkv/ember/persistence/rdb"
	"github.com/emberkv/ember/store"
)

// The persistence commands: snapshots (SAVE, BGSAVE, LASTSAVE), SHUTDOWN,
// and DUMP/RESTORE, whose payloads are RDB values. Flags, ACL categories
// and key positions are Redis 7.0.15's.
var persistCommands = []*command{
	{name: "save", arity: 1, flags: parseFlags("admin noscript no_async_loading no_multi"), acl: acl("admin slow dangerous"), group: "server", since: "1.0.0",
		summary: "Writes a point-in-time image of every database to the dump file, and waits for it.", handler: cmdSave},
	{name: "bgsave", arity: -1, flags: parseFlags("admin noscript no_async_loading"), acl: acl("admin slow dangerous"), group: "server", since: "1.0.0",
		summary: "Writes a point-in-time image of every database to the dump file, in the background.", handler: cmdBgsave},
	{name: "lastsave", arity: 1, flags: parseFlags("loading stale fast"), acl: acl("admin fast dangerous"), group: "server", since: "1.0.0",
		summary: "Returns when the data was last saved, as a Unix time.", handler: cmdLastSave},
	{name: "shutdown", arity: -1, flags: parseFlags("admin noscript loading stale no_multi allow_busy"), acl: acl("admin slow dangerous"), group: "server", since: "1.0.0",
		summary: "Stops the server, saving first when save points are configured.", handler: cmdShutdown},
	{name: "dump", arity: 2, flags: parseFlags("readonly"), acl: acl("keyspace read slow"), firstKey: 1, lastKey: 1, step: 1, group: "generic", since: "2.6.0",
		summary: "Serializes a key's value in RDB format, with a version and a checksum.", handler: cmdDump},
	{name: "restore", arity: -4, flags: parseFlags("write denyoom"), acl: acl("keyspace write slow dangerous"), firstKey: 1, lastKey: 1, step: 1, group: "generic", since: "2.6.0",
		summary: "Creates a key from a DUMP payload.", handler: cmdRestore},
}

func cmdSave(c *client, args [][]byte) {
	if err := c.srv.saveNow(); err != nil {
		if err.Error() == errBgsaveInProgress {
			c.w.error(errBgsaveInProgress)
			return
		}
		c.w.error(errBareErr)
		return
	}
	c.w.ok()
}

// BGSAVE [SCHEDULE]. Inside EXEC the save is scheduled, as Redis does:
// there the transaction holds shards the cut would wait for.
func cmdBgsave(c *client, args [][]byte) {
	if len(args) > 2 || len(args) == 2 && !strings.EqualFold(string(args[1]), "schedule") {
		c.w.error(errSyntax)
		return
	}
	p := &c.srv.persist
	if c.inExec != nil {
		// Atomics only: persist.mu is never taken under shard locks.
		if p.bgInProgress.Load() {
			c.w.error(errBgsaveInProgress)
			return
		}
		p.bgScheduled.Store(true)
		c.w.simple("Background saving scheduled")
		return
	}
	if err := c.srv.startBgsave(); err != nil {
		c.w.error(errBgsaveInProgress)
		return
	}
	c.w.simple("Background saving started")
}

func cmdLastSave(c *client, args [][]byte) { c.w.int(c.srv.persist.lastSave.Load()) }

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: the options are checked as
// Redis checks them. With save points (or SAVE, and unless NOSAVE) the
// dump file is written first; if that fails the server keeps running
// unless FORCE. A shutdown never waits for replicas in Ember (there are
// none), so NOW changes nothing and ABORT finds nothing to abort. The
// client gets no reply: its connection closes.
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
		c.w.error(errNoShutdownInProgress)
		return
	}
	// As Redis: past busy-reply-threshold only SHUTDOWN NOSAVE stops the
	// server (and the script).
	if !nosave && c.srv.scripts.busyNow() {
		c.w.error(c.srv.scripts.busyError())
		return
	}
	c.srv.log.Info("User requested shutdown...", slog.Int64("client", c.id))
	if err := c.srv.shutdownSave(save, nosave, force); err != nil {
		c.w.error(errShutdownFailed)
		return
	}
	c.closing = true
	c.srv.scripts.abort() // SHUTDOWN NOSAVE stops a busy script
	c.srv.requestShutdown()
}

func cmdDump(c *client, args [][]byte) {
	compress := c.srv.cfg.get("rdbcompression") == "yes"
	var payload []byte
	if !c.db.View(keyOf(args[1]), func(v *store.EntryView) { payload = rdb.AppendDump(nil, v, compress) }) {
		c.w.null()
		return
	}
	c.w.bulk(payload)
}

// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ
// frequency], checked in Redis's order: options, an existing key, the
// TTL, the payload. FREQ is accepted and checked; Ember keeps no LFU
// counter yet, so it is not applied.
func cmdRestore(c *client, args [][]byte) {
	var replace, absTTL bool
	idle, freq := int64(-1), int64(-1)
	for j := 4; j < len(args); j++ {
		more := len(args) - j - 1
		switch a := strings.ToLower(string(args[j])); {
		case a == "replace":
			replace = true
		case a == "absttl":
			absTTL = true
		case a == "idletime" && more >= 1 && freq == -1:
			n, ok := redisnum.ParseInt(args[j+1])
			if !ok {
				c.w.error(errNotInteger)
				return
			}
			if n < 0 {
				c.w.error(errInvalidIdle)
				return
			}
			idle = n
			j++
		case a == "freq" && more >= 1 && idle == -1:
			n, ok := redisnum.ParseInt(args[j+1])
			if !ok {
				c.w.error(errNotInteger)
				return
			}
			if n < 0 || n > 255 {
				c.w.error(errInvalidFreq)
				return
			}
			freq = n
			j++
		default:
			c.w.error(errSyntax)
			return
		}
	}
	key := keyOf(args[1])
	if !replace && c.db.Exists(key) > 0 {
		c.w.error(errBusyKey)
		return
	}
	ttl, ok := redisnum.ParseInt(args[2])
	if !ok {
		c.w.error(errNotInteger)
		return
	}
	if ttl < 0 {
		c.w.error(errInvalidTTL)
		return
	}
	v, err := rdb.DecodeDump(c.srv.store, args[3])
	if err != nil {
		if errors.Is(err, rdb.ErrPayloadVersion) {
			c.w.error(errBadPayload)
		} else {
			c.w.error(errBadDataFormat)
		}
		return
	}
	if ttl != 0 && !absTTL {
		ttl += c.srv.store.NowMs()
	}
	idleMs := int64(0)
	if idle > 0 {
		idleMs = idle * int64(time.Second/time.Millisecond)
	}
	replaced, err := c.db.Restore(key, v, ttl, replace, idleMs, int(freq))
	if errors.Is(err, store.ErrBusyKey) {
		c.w.error(errBusyKey)
		return
	}
	if err != nil {
		c.w.error(errBadDataFormat)
		return
	}
	if ttl != 0 && ttl <= c.srv.store.NowMs() {
		// Already expired: nothing was stored, a replaced key is gone.
		if replaced {
			c.notify(nkGeneric, "del", args[1])
		}
		c.w.ok()
		return
	}
	c.notify(nkGeneric, "restore", args[1])
	c.w.ok()
}
