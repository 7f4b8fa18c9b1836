package server

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emberkv/ember/store"
	"github.com/tidwall/redcon"
)

// client is one connection's state.
type client struct {
	srv   *Server
	req   *requestConn // nil for connections not accepted by Serve (tests)
	id    int64
	addr  string
	laddr string

	w replyWriter
	// getRoom takes GET's value when it is no longer than an integer's
	// digits (cmdGet), until the reply has copied it.
	getRoom [24]byte
	dbIndex int
	db      *store.DB // the selected database; a held view inside EXEC
	authed  bool
	closing bool
	created time.Time
	// preCommandOOM: when the command began, memory was over maxmemory
	// with nothing left to evict (Redis's server.pre_command_oom_state),
	// for scripts that may not write then.
	preCommandOOM bool

	// info is what CLIENT LIST shows and other goroutines read.
	mu      sync.Mutex
	name    string
	libName string
	libVer  string

	lastInteraction atomic.Int64 // monoNow at the end of the last batch, ns
	killed          atomic.Bool
	shown           shownState // what other connections may read

	multi  *multiState
	inExec *store.Locked // the shards EXEC holds while it runs

	// Pub/Sub and MONITOR (pubsub.go, outbound.go, monitor.go).
	out      *outbound   // set once the client subscribes or monitors
	subs     *clientSubs // nil until the first subscription
	redacted []int       // arguments MONITOR must not show
	// wakeLater are the writers of subscribers this client's batch
	// published to, to wake when the batch ends (wakeWriters).
	wakeLater []*outbound

	// CLIENT REPLY: replyOff is OFF; replySkip silences the running
	// command (the one after SKIP), replySkipNext the next one.
	replyOff, replySkip, replySkipNext bool
	replyMark                          int // where the running command's reply starts in w.buf

	args      [][]byte // the request being dispatched
	softSince int64    // see outbound.softSince: for a client without one

	// Client-side caching (tracking.go). trackFlags and trackRedirect are
	// read by other goroutines; they change under the tracking registry's
	// lock, as do trackRedir and trackPrefixes. trackCaching (CLIENT
	// CACHING) and trackPending are the client's own.
	trackFlags    atomic.Uint32
	trackRedirect atomic.Int64
	trackRedir    *client
	trackPrefixes []string // sorted
	trackCaching  bool
	trackPending  []pendingInvalidation
	// views are the client's views of the databases: they record in
	// notes what an operation did (a key emptied, for "del" events) and,
	// for a tracking client, name it as the writer (see tracking.go).
	views      []*store.DB
	trackViews []*store.DB // views naming this client as the writer
	notes      store.OpNotes
	outShared  atomic.Pointer[outbound] // out, for other goroutines
	outMu      sync.Mutex               // guards starting an outbound, and outLeaving
	outLeaving bool                     // leave has begun: no outbound may start
	gone       atomic.Bool              // the connection has ended

	// scriptCaller is, on the scripts' client, the client whose script
	// is running the command (nil on every other client).
	scriptCaller *client
	// holdsScripts: the client kept the scripts' locks after its script,
	// its next request being read already (script.go).
	holdsScripts bool
	// inRead is set while the reader's read writes the replies
	// (writeRepliesIdle), closeWanted once closeConn was called;
	// endChunkFn and writeRepliesFn are the method values next is given,
	// made once.
	inRead, closeWanted atomic.Bool
	endChunkFn          func()
	writeRepliesFn      func() error
	aof                 clientAOF   // the running unit's effects (aof.go)
	inCall              atomic.Bool // inside a top-level command, for CONFIG SET appendonly yes

	lastCmd *command // the last top-level command dispatch looked up
	// clock is when the running batch's last command ended (monoNow), 0
	// between batches; see dispatch.
	clock time.Duration
	// batchStats: the connection's own goroutine runs every call, so its
	// commandstats gather in pending and reach the shared counters once
	// per batch (flush) or change of command, instead of three atomic
	// adds on lines both cores write for every command.
	batchStats bool
	pending    pendingStats

	blocked atomic.Bool // parked in a blocking command (flag b)
	parked  bool        // the running command parked (block), so it fills no key now
	readied []blockKey  // keys the running command filled beyond its own (other databases, a script's)
	watch   store.Watch
	watched []watchedKey

	// blockedFor is how long the running command was parked, which its
	// latency figures leave out (latency.go).
	blockedFor time.Duration
	blockedOut bool // it blocked and was not served: no latency sample
	errMark    int  // w.errors when the last call's failure was counted
}

// shownState mirrors the parts of a client's state that CLIENT LIST and
// CLIENT KILL show for other connections, which must not read the
// client's own fields. publish refreshes it after each command, storing
// only what changed.
type shownState struct {
	cmd     atomic.Pointer[command] // the last command looked up; nil if unknown
	db      atomic.Int32
	multi   atomic.Int32 // -1 outside MULTI, else the commands queued
	resp    atomic.Int32
	noEvict atomic.Bool

	sub, psub, ssub atomic.Int32 // subscriptions: channels, patterns, shard channels
	monitor         atomic.Bool  // in MONITOR mode (flag O)
	replyOff        atomic.Bool  // CLIENT REPLY OFF, which MONITOR lines obey
}

func (c *client) publish() {
	if db := int32(c.dbIndex); c.shown.db.Load() != db {
		c.shown.db.Store(db)
	}
	multi := int32(-1)
	if c.multi != nil {
		multi = int32(len(c.multi.cmds))
	}
	if c.shown.multi.Load() != multi {
		c.shown.multi.Store(multi)
	}
	resp := int32(2)
	if c.w.resp3 {
		resp = 3
	}
	if c.shown.resp.Load() != resp {
		c.shown.resp.Store(resp)
	}
}

type watchedKey struct {
	db  int
	key string
}

func (c *client) needsAuth() bool {
	return !c.authed && c.srv.password() != ""
}

func (c *client) setAuthed(v bool) {
	c.authed = v
	if c.req != nil {
		c.req.needAuth.Store(c.needsAuth())
	}
}

// monoBase anchors monoNow.
var monoBase = time.Now()

// monoNow reads the monotonic clock alone, for timing commands: cheaper
// than time.Now, which reads the wall clock too.
func monoNow() time.Duration { return time.Since(monoBase) }

// dispatch runs one command from the wire: Redis's processCommand.
func (c *client) dispatch(args [][]byte) {
	c.blockedFor = 0 // what a command held back and then queued or refused left
	// A pipelined batch runs back to back: the previous command's end is
	// this one's start, which saves a clock reading per command (its time
	// then includes parsing this request, a few hundred nanoseconds).
	// flush ends the batch.
	now := c.clock
	if now == 0 {
		now = monoNow()
	}
	c.args = args
	// A pipeline mostly repeats one command: comparing the name with the
	// last one's is cheaper than the table's lowercasing and hashing.
	cmd := c.lastCmd
	if cmd == nil || !nameIs(args[0], cmd.name) {
		cmd = c.srv.table.lookupName(args[0])
		c.lastCmd = cmd
	}
	if cmd == nil {
		c.shown.cmd.Store(nil)
		c.reject(nil, unknownCommandError(args))
		return
	}
	if cmd.subs != nil && len(args) >= 2 {
		sub := cmd.subs[strings.ToLower(string(args[1]))]
		if sub == nil {
			c.shown.cmd.Store(nil)
			// As Redis: no command was found, so none counts it rejected.
			c.reject(nil, fmt.Sprintf(errUnknownSubcommand, cString(args[1], 128), strings.ToUpper(cmd.name)))
			return
		}
		cmd = sub
	}
	if c.shown.cmd.Load() != cmd { // a pointer store costs a write barrier
		c.shown.cmd.Store(cmd)
	}
	if c.holdsScripts && (!c.isScriptCall(cmd) || c.srv.pause.active.Load() != 0 || c.srv.aof.on.Load() ||
		c.srv.store.OverMaxMemory(baseMemory)) {
		c.releaseScripts() // before anything that may wait
	}
	if !cmd.arityOK(len(args)) {
		c.reject(cmd, fmt.Sprintf(errWrongArity, cmd.name))
		return
	}
	if c.needsAuth() && cmd.flags&flagNoAuth == 0 {
		c.reject(cmd, errNoAuth)
		return
	}
	if msg := c.srv.errorOverride(); msg != "" {
		c.w.error(msg)
		return
	}
	// As Redis's processCommand: while a script is busy, only allow_busy
	// commands run. This comes before any lock (eviction's too), since the script holds
	// them; Redis skips eviction while a script is busy.
	if c.srv.scripts.running.Load() && cmd.flags&flagAllowBusy == 0 && c.srv.scripts.busyNow() {
		c.reject(cmd, c.srv.scripts.busyError())
		return
	}
	if c.refusedForMemory(cmd) {
		c.reject(cmd, errOOM)
		return
	}
	// As Redis's processCommand: MISCONF after a failed save, then the
	// Pub/Sub context, then LOADING (persist.go).
	if c.misconfRefused(cmd) {
		c.reject(cmd, errMisconf)
		return
	}
	// As Redis: a RESP2 connection in Pub/Sub mode may only (un)subscribe,
	// ping, quit or reset; RESP3 has no such limit.
	if !c.w.resp3 && c.subCount() > 0 && !cmd.allowedWhileSubscribed() {
		c.reject(cmd, fmt.Sprintf(errPubSubContext, cmd.name))
		return
	}
	if c.loadingRefused(cmd) {
		c.reject(cmd, errLoading)
		return
	}
	// As Redis's processCommand: a pause holds the command back here,
	// before MULTI queues it.
	if c.srv.pause.active.Load() != 0 && !c.postpone(cmd) {
		c.closing = true
		return
	}
	// As Redis's processCommand: after an AOF write error, writes are
	// refused (queued ones too) until the disk recovers.
	if msg := c.srv.aofDeniesWrites(); msg != "" && c.isWriteForMisconf(cmd) {
		c.reject(cmd, msg)
		return
	}
	if c.multi != nil && !cmd.runsInMulti() {
		if cmd.flags&flagNoMulti != 0 {
			c.reject(cmd, errCommandInMulti)
			return
		}
		c.multi.queue(cmd, args)
		c.w.simple("QUEUED")
		return
	}
	c.call(cmd, args, now)
}

// runsInMulti: the commands MULTI runs at once instead of queueing.
func (cmd *command) runsInMulti() bool {
	switch cmd.name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return true
	}
	return false
}

// call runs a command and records its statistics.
func (c *client) call(cmd *command, args [][]byte, start time.Duration) {
	errsBefore := c.w.errors
	c.errMark = errsBefore
	if c.batchStats && cmd.readsStats {
		// What gathered goes out before a command that may read it, so
		// it sees every earlier call.
		c.pending.flush(&c.srv.stats)
	}
	// The AOF (aof.go): a top-level call takes the order lock while the
	// AOF is on; every call that writes logs its effect; the top level
	// appends the unit's effects before serving blocked clients.
	top := c.aof.depth == 0 && c.aof.unitOf == nil
	if top {
		c.inCall.Store(true)
		c.aofPrepare(cmd)
	}
	logs := c.unit().aof.active && cmd.flags&flagWrite != 0
	var touches, gone int64
	var explicit bool
	if logs {
		touches, gone, explicit = c.aofBefore()
	}
	c.aof.depth++
	c.notes.Emptied, c.notes.Changes, c.notes.Elements = false, 0, 0
	mark := len(c.w.buf)
	cmd.handler(c, args)
	c.aof.depth--
	if cmd.flags&flagWrite != 0 && c.w.errors == errsBefore && mark <= len(c.w.buf) {
		c.countDirty(cmd, args, c.w.buf[mark:]) // dirty.go
	}
	if logs {
		c.aofAfter(cmd, args, touches, gone, explicit, c.w.errors != errsBefore)
	}
	if top && c.aof.active {
		c.aofFlushUnit()
	}
	if cmd.flags&flagReadonly != 0 {
		// As Redis: what a script reads is tracked for its caller.
		tc := c
		if c.scriptCaller != nil {
			tc = c.scriptCaller
		}
		if tc.trackFlags.Load()&(trackOn|trackBcast) == trackOn {
			tc.rememberKeys(cmd, args)
		}
	}
	c.feedMonitors(cmd, args)
	// Blocked clients are served after the unit's effects are in the
	// AOF, and before the order lock goes, so that their pops follow
	// what filled the keys.
	if c.inExec == nil {
		switch {
		case c.parked:
			// A command that parked filled no key when it woke: a
			// served BLMOVE's destination was served by the writer
			// that served it. And it let go of the order lock: a pop
			// served now could be logged before the effects of the
			// writer that holds the lock and filled the key.
			c.parked = false
			c.readied = c.readied[:0]
		case cmd.flags&flagWrite != 0 || len(c.readied) > 0: // a script's keys too: EVAL is not flagged write
			c.signalWritten(cmd, args)
		}
	}
	if top {
		if c.aof.active {
			c.aof.active = false
			c.aofRelease()
		}
		c.inCall.Store(false)
	}
	end := monoNow()
	c.clock = end
	st := &c.srv.stats.commands[cmd.id]
	usec := c.runMicros(start, end)
	if c.batchStats {
		c.pending.add(&c.srv.stats, st, usec)
	} else {
		st.calls.Add(1)
		st.usec.Add(usec)
		c.srv.stats.commandsProcessed.Add(1)
	}
	// As Redis's incrCommandStatsOnError: a call failed if an error
	// reply came after the last nested call (EXEC's) was counted.
	if c.w.errors != c.errMark {
		st.failed.Add(1)
		if c.w.lastErr != "" {
			c.srv.stats.countError(c.w.lastErr)
		}
	}
	c.errMark = c.w.errors
	c.recordCall(cmd, args, usec) // SLOWLOG, LATENCY, INFO latencystats (latency.go)
	c.redacted = c.redacted[:0]
}

// reject answers a command that cannot run; inside MULTI it also dooms
// the transaction, as Redis's rejectCommand does. A rejected EXEC (wrong
// arity, NOAUTH) ends the transaction whether or not one was open, and
// its error is wrapped in EXECABORT, as Redis's execCommandAbort does.
func (c *client) reject(cmd *command, msg string) {
	if cmd != nil {
		c.srv.stats.commands[cmd.id].rejected.Add(1)
	}
	if cmd != nil && cmd.name == "exec" {
		c.discardMulti()
		c.unwatchAll()
		msg = fmt.Sprintf(errExecAbortBecause, strings.TrimPrefix(msg, "ERR "))
		defer c.feedMonitors(cmd, c.args) // as Redis's execCommandAbort
	} else if c.multi != nil {
		c.multi.failed = true
	}
	c.srv.stats.countError(msg)
	c.w.error(msg)
}

// cString is b as C's "%.*s" prints it: up to the first NUL byte, and at
// most n bytes. Redis formats names and arguments in its error replies
// that way.
func cString(b []byte, n int) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) > n {
		b = b[:n]
	}
	return b
}

// unknownCommandError formats Redis's reply for an unknown command: the
// name in its original case, then up to 128 bytes of quoted arguments.
func unknownCommandError(args [][]byte) string {
	var b strings.Builder
	for _, a := range args[1:] {
		if b.Len() >= 128 {
			break
		}
		room := 128 - b.Len() // counted before the quote, as Redis does
		b.WriteByte('\'')
		b.Write(cString(a, room))
		b.WriteString("' ")
	}
	return fmt.Sprintf(errUnknownCommand, cString(args[0], 128), b.String())
}

// serveRESP is redcon's command handler. redcon never calls it: it hands
// each connection to Ember (requestConn.Read) before reading any request.
func (s *Server) serveRESP(conn redcon.Conn, cmd redcon.Command) {
	conn.WriteError(errInternalReader)
}

// serve is the connection's loop: read a request, run it, and write the
// replies of each pipelined batch in one piece once no complete request
// is left to run. It returns io.EOF when the client or the server ends the
// connection normally.
func (c *client) serve() error {
	defer c.leave()
	c.endChunkFn, c.writeRepliesFn = c.endChunk, c.writeRepliesIdle
	for {
		args, err := c.req.next(c.endChunkFn, c.writeRepliesFn)
		if err != nil {
			if c.req.failed {
				if c.req.failure != "" {
					c.w.buf = append(c.w.buf, "-"+errProtocolPrefix+c.req.failure+"\r\n"...)
				}
				c.flush()
			}
			return err
		}
		if c.killed.Load() {
			return io.EOF
		}
		if !c.run(args) || c.closing {
			c.flush()
			return io.EOF
		}
		if len(c.w.buf) > 64*1024 {
			if err := c.flush(); err != nil {
				return err
			}
		}
	}
}

// run dispatches one request. A panic is logged and ends this connection
// alone, after an error reply; every other client goes on.
func (c *client) run(args [][]byte) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			c.srv.log.Error("panic while serving a client; closing its connection",
				slog.Int64("id", c.id), slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
			c.w.buf = c.w.buf[:0]
			c.w.error(errInternal)
			ok = false
		}
	}()
	c.replyMark = len(c.w.buf)
	if c.srv.tracking.on.Load() > 0 {
		c.srv.limitTable(c)
	}
	c.dispatch(args)
	c.afterCommand()
	c.resetCachingAfter(args)
	c.publish()
	return true
}

// afterCommand drops the reply CLIENT REPLY silences, moves the reply to
// the outbound buffer of a client that has one, and, as Redis's
// resetClient, makes a SKIP apply to the next command only.
func (c *client) afterCommand() {
	if c.quiet() {
		c.w.buf = c.w.buf[:c.replyMark]
	}
	c.replySkip = c.replySkipNext
	c.replySkipNext = false
	c.afterCommandTracking()
	if c.out != nil && len(c.w.buf) > 0 && c.aof.ticket != 0 && !c.aofWait() {
		c.w.buf = c.w.buf[:0]
		c.closing = true
		return
	}
	if c.out != nil && len(c.w.buf) > 0 {
		c.pending.flush(&c.srv.stats)
		c.out.write(c.w.buf, c.w.resp3)
		c.w.buf = c.w.buf[:0]
	}
}

// quiet reports whether CLIENT REPLY silences the running command.
func (c *client) quiet() bool { return c.replyOff || c.replySkip }

// leave drops what other goroutines know of the client as its connection
// ends: its subscriptions, its place among the monitors, and then its
// outbound writer, once that has written everything.
func (c *client) leave() {
	c.pending.flush(&c.srv.stats)
	c.releaseScripts()
	c.wakeWriters()
	c.gone.Store(true)
	c.disableTracking()
	c.leavePubSub()
	c.stopMonitor()
	c.outMu.Lock()
	c.outLeaving = true
	c.outMu.Unlock()
	if c.out == nil {
		c.out = c.outShared.Load() // one another goroutine started
	}
	if c.out != nil {
		if len(c.w.buf) > 0 {
			c.out.write(c.w.buf, c.w.resp3)
			c.w.buf = c.w.buf[:0]
		}
		c.out.finish()
	}
}

// flush ends the chunk and writes the buffered replies, where the reader
// cannot wait for its socket first: the replies pass 64 KB, an error ends
// the connection. The reader's loop calls the two halves itself (next):
// endChunk once the requests read are served, which is where the
// connection's last interaction is recorded (once a batch, not once a
// command), and writeReplies when the socket has nothing more to read.
func (c *client) flush() error {
	c.endChunk()
	return c.writeReplies()
}

// writeRepliesIdle is writeReplies as the reader's read calls it, inside
// the read (sockIO.readOr). A Close of the socket from there would wait
// for that very read to end, so closeConn only asks for one while the
// read is writing, and the read then ends with errConnClosing, which
// closes the connection.
func (c *client) writeRepliesIdle() error {
	c.inRead.Store(true)
	err := c.writeReplies()
	c.inRead.Store(false)
	if err == nil && c.closeWanted.Load() {
		err = errConnClosing
	}
	return err
}

// closeConn closes the client's socket, so that its reader stops, or,
// while the reader's read writes the replies, has the read end. The
// order (closeWanted, then inRead; inRead, then closeWanted in
// writeRepliesIdle) makes one of the two close it.
func (c *client) closeConn() {
	if c.req == nil {
		return
	}
	c.closeWanted.Store(true)
	if !c.inRead.Load() {
		c.req.Conn.Close()
	}
}

// endChunk is what the end of the requests read so far does, whether or
// not the reader then waits: the batched statistics go out (before the
// replies: whoever reads them sees the counts), the scripts' locks are
// let go, and the writers of other clients (Pub/Sub, invalidations) are
// woken.
func (c *client) endChunk() {
	c.pending.flush(&c.srv.stats)
	if c.clock != 0 {
		c.lastInteraction.Store(int64(c.clock))
		c.clock = 0
	} else {
		c.lastInteraction.Store(int64(monoNow()))
	}
	c.releaseScripts()
	c.wakeWriters()
}

// writeReplies writes the buffered replies, once the AOF has what they
// acknowledge.
func (c *client) writeReplies() error {
	if !c.aofWait() {
		// The AOF could not take the batch's writes: nothing of the batch
		// may be acknowledged, so its replies are dropped with the
		// connection (the client sees no reply, never a false one).
		c.w.buf = c.w.buf[:0]
		c.closing = true
		c.closeConn()
		return errConnClosing
	}
	if len(c.w.buf) == 0 {
		return nil
	}
	if c.out == nil {
		c.out = c.outShared.Load() // one another goroutine started
	}
	if c.out != nil {
		c.out.write(c.w.buf, c.w.resp3)
		c.w.buf = c.w.buf[:0]
		return nil
	}
	if c.srv.obufNormalLimited.Load() {
		if c.srv.overOutputLimit(c.outputClass(), len(c.w.buf), &c.softSince) {
			c.w.buf = c.w.buf[:0]
			c.closeOverLimit()
			return errConnClosing
		}
	}
	_, err := c.req.sock.write(c.w.buf)
	if cap(c.w.buf) > 1<<20 {
		c.w.buf = nil
	} else {
		c.w.buf = c.w.buf[:0]
	}
	return err
}

// wakeWriters wakes the writers that the client's PUBLISHes left to wake
// (publishFrom). It runs whenever the client's goroutine is about to wait:
// at the end of a batch (flush), before a blocking command or a client
// pause parks it, and as the connection ends.
func (c *client) wakeWriters() {
	c.broadcastPending()
	for i, o := range c.wakeLater {
		o.signal()
		c.wakeLater[i] = nil
	}
	c.wakeLater = c.wakeLater[:0]
}

// reset is RESET: the connection returns to its state right after connect.
func (c *client) reset() {
	c.stopMonitor()
	c.discardMulti()
	c.unwatchAll()
	c.leavePubSub()
	c.disableTracking()
	c.replyOff, c.replySkipNext = false, false
	c.shown.replyOff.Store(false)
	c.selectDB(0)
	c.w.resp3 = false
	c.mu.Lock()
	c.name = ""
	c.mu.Unlock()
	c.setAuthed(c.srv.password() == "")
}

func (c *client) selectDB(i int) {
	c.dbIndex = i
	c.db = c.dbAt(i)
}

// dbAt returns database i as this client may use it now: a held view
// inside EXEC, the client's own view otherwise (see views).
func (c *client) dbAt(i int) *store.DB {
	if c.inExec != nil {
		return c.inExec.DB(i)
	}
	db := c.srv.store.DB(i)
	if db == nil {
		return nil
	}
	if c.views == nil {
		c.views = make([]*store.DB, c.srv.store.Databases())
	}
	v := c.views[i]
	if v == nil {
		v = db.WithNotes(&c.notes)
		c.views[i] = v
	}
	if !c.tracking() {
		return v
	}
	if c.trackViews == nil {
		c.trackViews = make([]*store.DB, len(c.views))
	}
	if c.trackViews[i] == nil {
		c.trackViews[i] = v.WithWriter(c.id)
	}
	return c.trackViews[i]
}
