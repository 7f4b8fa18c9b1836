package server

// The append-only file, server side: what goes into it, in what order,
// and when a reply may go out.
//
//   - Effects, not requests, as Redis 7.0's propagate: each command that
//     changed something (the store reported a modified key) is logged
//     in the form that replays to the same state. SET ... EX becomes SET
//     ... PXAT, EXPIRE becomes PEXPIREAT (or DEL when the time has
//     passed), a served blocking pop its non-blocking form, SPOP the
//     SREMs of the members it chose (aof_effects.go). Keys that expire or
//     are evicted are logged as DEL when the store reports them.
//   - One execution unit (a command from the wire, EXEC, a script)
//     collects its effects in the client (c.aof.ops); at its end they go
//     to the file in one append, wrapped in MULTI/EXEC when there are
//     several, and preceded by SELECT when the database differs from the
//     file's last one, as Redis's propagatePendingCommands and
//     feedAppendOnlyFile.
//   - Order: the file must list changes in the order they happened to
//     each key. Ember runs commands in parallel, so while the AOF is on,
//     a unit that may write holds s.aof.order exclusively from before its
//     first change until its effects are appended, and every other
//     command holds it shared (reads may expire keys, whose DELs must not
//     overtake a writer's effects). The store's active expiry takes it
//     too (store.SetSweepGate). Writes are therefore serialised while the
//     AOF is on, as they are in Redis; reads still run in parallel.
//   - Durability: the append returns a ticket; the client waits for it
//     before its replies leave (flush), so with appendfsync always no
//     reply acknowledges a write that is not on disk, and the flusher
//     commits the writes of every client waiting at once in one fsync.

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emberkv/ember/persistence/aof"
)

// Error texts of the AOF.
const (
	// As Redis's processCommand when aof_last_write_status is C_ERR.
	errMisconfAOF = "MISCONF Errors writing to the AOF file: %s"
	// As Redis's bgrewriteaofCommand.
	errRewriteInProgress = "ERR Background append only file rewriting already in progress"
	msgRewriteStarted    = "Background append only file rewriting started"
	msgRewriteScheduled  = "Background append only file rewriting scheduled"
)

// aofState is the server's append-only file.
type aofState struct {
	on    atomic.Bool  // appendonly yes and the file is open
	order sync.RWMutex // see the file comment

	// file is the incr file appends go to; nil while the AOF is off.
	file atomic.Pointer[aofFile]

	mu       sync.Mutex // guards what follows, and switching files
	manifest *aof.Manifest
	dir      string // the appenddirname directory, absolute
	prefix   string // appendfilename

	// Counters that tell whether a command changed anything: keys the
	// store reported modified, and how many of those were expiries or
	// evictions (logged as DEL on their own).
	touches atomic.Int64
	gone    atomic.Int64

	// gen changes whenever the AOF is switched on or off, so a rewrite
	// that began before can tell its manifest is no longer current.
	gen atomic.Int64

	// INFO persistence.
	rewriting         atomic.Bool
	scheduled         atomic.Bool
	rewriteStart      atomic.Int64 // Unix ms
	lastRewriteSec    atomic.Int64 // seconds + 1; 0 before the first
	lastRewriteFailed atomic.Bool
	rewrites          atomic.Int64
	baseSize          atomic.Int64 // the base file's size after the last rewrite
	rewriteFailures   int          // consecutive, for the backoff; under mu
	nextRetry         time.Time    // under mu
}

// aofFile is one incr file being appended to.
type aofFile struct {
	w *aof.Writer
	// selected is the database the file's last command ran in (Redis's
	// aof_selected_db); -1 at the start, so the file begins with a
	// SELECT. It changes only inside w.AppendFunc, under the writer's
	// lock.
	selected int
	// timestamps is aof-timestamp-enabled; ts the second of the last
	// annotation (under the writer's lock).
	timestamps atomic.Bool
	ts         int64
}

// writer returns the writer appends go to, or nil.
func (a *aofState) writer() *aof.Writer {
	if f := a.file.Load(); f != nil {
		return f.w
	}
	return nil
}

// clientAOF is a client's part: the effects of the running unit.
type clientAOF struct {
	// unitOf, when set, is the client whose unit this client's commands
	// belong to: the scripting engine sets it on the client that runs a
	// script's commands to the script's caller (aofRunFor), so that their
	// effects are logged as the script's, in one MULTI/EXEC, and no order
	// lock is taken again (the caller holds it).
	unitOf   *client
	active   bool   // this unit collects effects (the AOF was on at its start)
	locked   uint8  // 0, orderShared or orderExclusive: what this client holds
	depth    int    // nesting of call: EXEC's commands, a script's
	explicit bool   // the running command logged its own effects
	ops      []byte // RESP commands
	opEnds   []aofOp
	// ticket is what to wait for before the replies go out: an offset
	// in ticketW's file.
	ticket  int64
	ticketW *aof.Writer
}

type aofOp struct {
	db  int
	end int // offset in ops after this command
}

const (
	orderShared    = 1
	orderExclusive = 2
)

// aofPrepare runs before a top-level command: it takes the order lock
// the command needs while the AOF is on.
func (c *client) aofPrepare(cmd *command) {
	a := &c.srv.aof
	if !a.on.Load() {
		return
	}
	// Admin commands too: CONFIG SET appendonly no and SHUTDOWN close the
	// file, which must not happen under a unit that is logging.
	if cmd.flags&(flagWrite|flagMayReplicate|flagAdmin) != 0 || cmd.name == "exec" {
		a.order.Lock()
		c.aof.locked = orderExclusive
	} else {
		a.order.RLock()
		c.aof.locked = orderShared
	}
	c.aof.active = true
}

// aofRelease lets go of the order lock (at the end of a unit, or before
// a blocking command parks: the waiter's pops are logged by the writer
// that serves it).
func (c *client) aofRelease() {
	switch c.aof.locked {
	case orderExclusive:
		c.srv.aof.order.Unlock()
	case orderShared:
		c.srv.aof.order.RUnlock()
	}
	c.aof.locked = 0
}

// aofBefore and aofAfter bracket a write command's handler: when it
// changed something and logged nothing itself, its effect is logged.
func (c *client) aofBefore() (touches, gone int64, explicit bool) {
	a := &c.srv.aof
	explicit = c.aof.explicit
	c.aof.explicit = false
	return a.touches.Load(), a.gone.Load(), explicit
}

func (c *client) aofAfter(cmd *command, args [][]byte, touches, gone int64, explicit bool, failed bool) {
	a := &c.srv.aof
	if !c.aof.explicit {
		changed := a.touches.Load()-touches > a.gone.Load()-gone
		if changed || forcedPropagation(cmd) && !failed {
			logEffect(c, cmd, args)
		}
	}
	c.aof.explicit = explicit
}

// forcedPropagation: commands Redis propagates when they succeed even if
// no key changed (forceCommandPropagation in flushdb/flushall; swapdb and
// the FUNCTION commands that change the libraries count as dirty), since
// what they change is not in the keyspace.
func forcedPropagation(cmd *command) bool {
	switch cmd.name {
	case "flushdb", "flushall", "swapdb",
		"function|load", "function|delete", "function|flush", "function|restore":
		return true
	}
	return false
}

// aofRunFor makes c's commands part of caller's unit until aofRunDone:
// for the client a script's commands run on (see clientAOF.unitOf).
func (c *client) aofRunFor(caller *client) { c.aof.unitOf = caller }

// aofRunDone ends aofRunFor.
func (c *client) aofRunDone() { c.aof.unitOf = nil }

// unit is the client whose unit c's commands belong to.
func (c *client) unit() *client {
	if u := c.aof.unitOf; u != nil {
		return u
	}
	return c
}

// propagate logs args as one effect of the running unit, in the client's
// current database: the hook for handlers whose effect is not their
// request (SPOP's SREMs, a pop served at once). A script's commands need
// no call of their own: run through call, with aofRunFor, they are logged
// as any command. It is a no-op when the AOF is off.
func (c *client) propagate(args ...[]byte) {
	u := c.unit()
	if !u.aof.active {
		return
	}
	c.aof.explicit = true
	u.aof.ops = aof.AppendCommand(u.aof.ops, args...)
	u.aof.opEnds = append(u.aof.opEnds, aofOp{db: c.dbIndex, end: len(u.aof.ops)})
}

// propagateNothing marks the running command as logged: its handler
// decided it has no effect to log.
func (c *client) propagateNothing() {
	if c.unit().aof.active {
		c.aof.explicit = true
	}
}

// aofFlushUnit appends the unit's effects to the file: one command as it
// is, several inside MULTI/EXEC.
func (c *client) aofFlushUnit() {
	if len(c.aof.opEnds) == 0 {
		return
	}
	ops, ends := c.aof.ops, c.aof.opEnds
	if f := c.srv.aof.file.Load(); f != nil {
		t := f.w.AppendFunc(func(b []byte) []byte {
			wrap := len(ends) > 1
			if wrap {
				b = f.before(b, ends[0].db)
				b = append(b, "*1\r\n$5\r\nMULTI\r\n"...)
			}
			start := 0
			for _, op := range ends {
				b = f.before(b, op.db)
				b = append(b, ops[start:op.end]...)
				start = op.end
			}
			if wrap {
				b = f.before(b, ends[len(ends)-1].db)
				b = append(b, "*1\r\n$4\r\nEXEC\r\n"...)
			}
			return b
		})
		c.setTicket(f.w, t)
	}
	c.aof.ops = c.aof.ops[:0]
	c.aof.opEnds = c.aof.opEnds[:0]
	if cap(c.aof.ops) > 1<<20 {
		c.aof.ops = nil
	}
}

// before appends what goes before a command in database db, as Redis's
// feedAppendOnlyFile: a "#TS:<unix seconds>" annotation when
// aof-timestamp-enabled is on and the second changed, then a SELECT when
// db is not the file's current database. It runs inside AppendFunc.
func (f *aofFile) before(b []byte, db int) []byte {
	if f.timestamps.Load() {
		if now := time.Now().Unix(); now > f.ts {
			f.ts = now
			b = append(b, "#TS:"...)
			b = strconv.AppendInt(b, now, 10)
			b = append(b, '\r', '\n')
		}
	}
	return f.selectIn(b, db)
}

// selectIn appends a SELECT when db is not the file's current database.
func (f *aofFile) selectIn(b []byte, db int) []byte {
	if db == f.selected {
		return b
	}
	f.selected = db
	var num [20]byte
	return aof.AppendCommand(b, []byte("SELECT"), strconv.AppendInt(num[:0], int64(db), 10))
}

// feedNow appends one command at once, outside any unit: the DEL of a
// key that expired or was evicted, and the pops of blocked clients a
// writer served (after the writer's own effects, as in Redis).
// It returns the ticket to wait on (0 when the AOF is off).
func (s *Server) aofFeedNow(db int, args ...[]byte) (*aof.Writer, int64) {
	f := s.aof.file.Load()
	if f == nil {
		return nil, 0
	}
	return f.w, f.w.AppendFunc(func(b []byte) []byte {
		b = f.before(b, db)
		return aof.AppendCommand(b, args...)
	})
}

// propagateServed logs the pop done for a blocking client c. Served on
// its own goroutine, within its unit (block's last try before parking),
// it is the unit's effect; served by a writer while c is parked (its
// fields may then be written, as its reply is), it goes to the file at
// once, after the writer's effects, and c's reply waits for it.
func (c *client) propagateServed(db int, args ...[]byte) {
	if c.aof.active {
		c.aof.explicit = true
		c.aof.ops = aof.AppendCommand(c.aof.ops, args...)
		c.aof.opEnds = append(c.aof.opEnds, aofOp{db: db, end: len(c.aof.ops)})
		return
	}
	if w, t := c.srv.aofFeedNow(db, args...); w != nil {
		c.setTicket(w, t)
	}
}

// setTicket records that the client's replies wait for offset t of w. A
// ticket of a previous file (a rewrite switched files meanwhile) is
// waited for first: that file was synced as it closed, so it is quick.
func (c *client) setTicket(w *aof.Writer, t int64) {
	if c.aof.ticketW != nil && c.aof.ticketW != w {
		c.aof.ticketW.Wait(c.aof.ticket)
		c.aof.ticket = 0
	}
	c.aof.ticketW = w
	c.aof.ticket = max(c.aof.ticket, t)
}

var delName = []byte("DEL")

// aofKeyGone is told of keys the store removed by itself (expiry,
// eviction): they are logged as DEL, as Redis's propagateDeletion.
func (s *Server) aofKeyGone(db int, key string) {
	if !s.aof.on.Load() {
		return
	}
	s.aof.gone.Add(1)
	s.aofFeedNow(db, delName, []byte(key))
}

// aofKeyModified counts changes, to tell whether a command did anything.
func (s *Server) aofKeyModified() {
	if s.aof.on.Load() {
		s.aof.touches.Add(1)
	}
}

// aofWait blocks until the client's logged writes are durable enough to
// acknowledge (written; with always, fsynced). It reports false when the
// write failed: the replies must not go out.
func (c *client) aofWait() bool {
	w, t := c.aof.ticketW, c.aof.ticket
	if w == nil {
		return true
	}
	c.aof.ticketW, c.aof.ticket = nil, 0
	if err := w.Wait(t); err != nil {
		c.srv.log.Warn("AOF write failed: the client's replies are withheld and its connection closed",
			slog.Int64("id", c.id), slog.String("err", err.Error()))
		return false
	}
	return true
}

// aofDeniesWrites is Redis's writeCommandsDeniedByDiskError for the AOF:
// after a failed write or fsync, commands that write (and PING, as
// Redis) get MISCONF until a write succeeds again.
func (s *Server) aofDeniesWrites() string {
	if !s.aof.on.Load() {
		return ""
	}
	w := s.aof.writer()
	if w == nil {
		return ""
	}
	if err := w.Err(); err != nil {
		return fmt.Sprintf(errMisconfAOF, errnoText(err))
	}
	return ""
}

// isWriteForMisconf is Redis's is_write_command for the disk-error check:
// a write command, or EXEC of a transaction that queued one.
func (c *client) isWriteForMisconf(cmd *command) bool {
	if cmd.flags&flagWrite != 0 || cmd.name == "ping" {
		return true
	}
	if cmd.name == "exec" && c.multi != nil {
		for _, q := range c.multi.cmds {
			if q.cmd.flags&flagWrite != 0 {
				return true
			}
		}
	}
	return false
}

// aofConfig reads the AOF's parameters.
type aofConfig struct {
	dir, dirname, prefix string
	fsync                aof.Fsync
	loadTruncated        bool
	rdbPreamble          bool
}

func (s *Server) aofConfig() aofConfig {
	cfg := s.cfg.load()
	get := func(n string) string { return cfg.value(paramIndex[n]) }
	dir := get("dir")
	if dir == "" {
		dir = "."
	}
	fs, _ := aof.ParseFsync(get("appendfsync"))
	return aofConfig{
		dir: dir, dirname: get("appenddirname"), prefix: get("appendfilename"),
		fsync: fs, loadTruncated: get("aof-load-truncated") == "yes", rdbPreamble: get("aof-use-rdb-preamble") == "yes",
	}
}

// aofEnabled reports appendonly yes in the configuration.
func (s *Server) aofEnabled() bool { return s.cfg.get("appendonly") == "yes" }

// aofOpenAtStart is Redis's loadAppendOnlyFiles plus
// aofOpenIfNeededOnServerStart: load what the directory holds, then open
// the last incr file for appending (creating a base first when the
// directory is new, so a restart has something to load).
func (s *Server) aofOpenAtStart() error {
	ac := s.aofConfig()
	a := &s.aof
	a.dir = filepath.Join(ac.dir, ac.dirname)
	a.prefix = ac.prefix
	_, dirErr := os.Stat(a.dir)
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		return fmt.Errorf("Can't open or create append-only dir %s: %w", ac.dirname, err)
	}
	mpath := filepath.Join(a.dir, aof.ManifestName(a.prefix))
	m, err := aof.ReadManifest(mpath)
	switch {
	case errors.Is(err, os.ErrNotExist):
		m = &aof.Manifest{}
	case err != nil:
		return err
	}
	if err := s.aofUpgrade(ac, m, dirErr != nil); err != nil {
		return err
	}
	if m.Base != nil || len(m.Incr) > 0 {
		start := time.Now()
		var total int64
		for _, fi := range m.Files() {
			if st, err := os.Stat(filepath.Join(a.dir, fi.Name)); err == nil {
				total += st.Size()
			}
		}
		s.persist.loadTotal.Store(total)
		s.store.SetLoading(true)
		restoreGC := relaxGCWhileLoading(aofLoadGCPercent)
		st, err := s.replayAOF(a.dir, m, aof.LoadOptions{Truncated: ac.loadTruncated,
			Warn:     func(msg string) { s.log.Warn(msg) },
			Progress: func(n int64) { s.persist.loadRead.Store(n) },
			Loaded: func(fi aof.FileInfo, took time.Duration) {
				kind := "incr"
				if fi.Type == aof.TypeBase {
					kind = "base"
				}
				s.log.Info(fmt.Sprintf("DB loaded from %s file %s: %.3f seconds", kind, fi.Name, took.Seconds()))
			}})
		restoreGC()
		s.store.SetLoading(false)
		if err != nil {
			return err
		}
		s.log.Info(fmt.Sprintf("DB loaded from append only file: %.3f seconds", time.Since(start).Seconds()),
			slog.Int64("commands", st.Commands), slog.Int64("bytes", st.Bytes))
	}
	a.manifest = m
	if m.Base == nil && len(m.Incr) == 0 {
		fi := m.NewBase(a.prefix, ac.rdbPreamble)
		size, err := s.writeBase(filepath.Join(a.dir, fi.Name), s.aofSnapshot(ac.rdbPreamble), ac.rdbPreamble)
		if err != nil {
			return err
		}
		a.baseSize.Store(size)
		s.log.Info("Creating AOF base file " + fi.Name + " on server start")
	} else if m.Base != nil {
		if st, err := os.Stat(filepath.Join(a.dir, m.Base.Name)); err == nil {
			a.baseSize.Store(st.Size())
		}
	}
	created := len(m.Incr) == 0
	if created {
		m.NewIncr(a.prefix)
	}
	last := m.Incr[len(m.Incr)-1]
	if err := s.aofSwitchTo(last.Name, ac.fsync); err != nil {
		return err
	}
	if err := aof.WriteManifest(a.dir, aof.ManifestName(a.prefix), m); err != nil {
		return err
	}
	if created {
		s.log.Info("Creating AOF incr file " + last.Name + " on server start")
	} else {
		s.log.Info("Opening AOF incr file " + last.Name + " on server start")
	}
	s.aofInstallHooks()
	a.on.Store(true)
	return nil
}

// aofUpgrade moves a Redis 6 single-file AOF (appendfilename in dir)
// into the directory as its base, as Redis 7's loadAppendOnlyFiles and
// aofUpgradePrepare do: when the directory did not exist, or its manifest
// names no file, or names only a base of that name that is not in the
// directory yet (an upgrade that crashed half way). The manifest is
// written first, then the file moved, so that a crash between the two
// retries the upgrade at the next start. The base keeps its old name
// (Redis's manifest says "file appendonly.aof seq 1 type b"); whether it
// holds commands or an RDB preamble and commands, the loader reads it by
// its content.
func (s *Server) aofUpgrade(ac aofConfig, m *aof.Manifest, noDir bool) error {
	old := filepath.Join(ac.dir, ac.prefix)
	if st, err := os.Stat(old); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	inDir := filepath.Join(s.aof.dir, ac.prefix)
	_, inDirErr := os.Stat(inDir)
	empty := m.Base == nil && len(m.Incr) == 0
	halfDone := m.Base != nil && len(m.Incr) == 0 && m.Base.Name == ac.prefix && inDirErr != nil
	if !noDir && !empty && !halfDone {
		return nil
	}
	*m = aof.Manifest{Base: &aof.FileInfo{Name: ac.prefix, Seq: 1, Type: aof.TypeBase}}
	if err := aof.WriteManifest(s.aof.dir, aof.ManifestName(ac.prefix), m); err != nil {
		return err
	}
	if err := os.Rename(old, inDir); err != nil {
		return fmt.Errorf("Error trying to move the old AOF file %s into dir %s: %w", ac.prefix, ac.dirname, err)
	}
	s.log.Info(fmt.Sprintf("Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).", ac.prefix, ac.dirname))
	return nil
}

// aofLoadAtStart is the AOF's part of loading at start-up, on its own
// goroutine while clients are answered LOADING: load, open for
// appending. A file that does not load is fatal, as Redis exits rather
// than serve a partial dataset.
func (s *Server) aofLoadAtStart() {
	p := &s.persist
	defer close(p.loadDone)
	p.loadStart.Store(time.Now().Unix())
	if err := s.aofOpenAtStart(); err != nil {
		p.loadErr = err
		s.log.Error(fmt.Sprintf("Fatal error loading the AOF: %v. Exiting.", err))
		p.loading.Store(false)
		s.fatal(err)
		return
	}
	// As Redis: what is on disk is what is in memory.
	p.dirtyBase.Store(s.changes())
	p.loading.Store(false)
}

// aofSwitchTo makes name (in the AOF directory) the file appends go to,
// closing the previous writer after it wrote everything. The caller
// holds the order lock exclusively or nothing runs yet.
func (s *Server) aofSwitchTo(name string, fs aof.Fsync) error {
	a := &s.aof
	f, size, err := aof.OpenFile(filepath.Join(a.dir, name))
	if err != nil {
		return fmt.Errorf("Can't open the append-only file %s: %w", name, err)
	}
	w := aof.NewWriter(f, aof.WriterOptions{Fsync: fs, Size: size, Warn: func(msg string) { s.log.Warn(msg) }, Latency: s.latencyObserve,
		LatencyOn: func() bool { return s.latency.thresholdMs.Load() > 0 }})
	nf := &aofFile{w: w, selected: -1}
	nf.timestamps.Store(s.cfg.get("aof-timestamp-enabled") == "yes")
	old := a.file.Swap(nf)
	if old != nil {
		if err := old.w.Close(); err != nil {
			s.log.Warn("Closing the previous AOF incr file", slog.String("err", err.Error()))
		}
	}
	return nil
}

// aofInstallHooks connects the store's reports of changes and the sweep
// gate.
func (s *Server) aofInstallHooks() {
	if !s.tracking.hooked.Load() {
		s.store.SetOnKeyModified(s.keyModified)
		s.tracking.hooked.Store(true)
	}
	s.store.SetSweepGate(func() func() {
		if !s.aof.on.Load() {
			return nil
		}
		s.aof.order.Lock()
		return s.aof.order.Unlock
	})
}

// aofClose writes and fsyncs what is pending and closes the file, for a
// clean shutdown.
func (s *Server) aofClose() error {
	a := &s.aof
	a.on.Store(false)
	a.gen.Add(1)
	f := a.file.Swap(nil)
	if f == nil {
		return nil
	}
	return f.w.Close()
}

func isCommandName(b []byte, name string) bool {
	if len(b) != len(name) {
		return false
	}
	for i := range b {
		if b[i]|0x20 != name[i] {
			return false
		}
	}
	return true
}

func lowerASCII(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return string(out)
}

// applyAppendOnly is CONFIG SET appendonly: yes starts the AOF (a base of
// the current data first), no stops it, as Redis's startAppendOnly and
// stopAppendOnly. At start-up New opens it instead.
func applyAppendOnly(s *Server, cfg *Config) {
	want := cfg.value(paramIndex["appendonly"]) == "yes"
	switch on := s.aof.on.Load(); {
	case want && !on:
		if err := s.aofStart(); err != nil {
			s.log.Warn("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation", slog.String("err", err.Error()))
		}
	case !want && on:
		if err := s.aofStop(); err != nil {
			s.log.Warn("Stopping the AOF", slog.String("err", err.Error()))
		}
	}
}

// applyAppendFsync is CONFIG SET appendfsync.
func applyAppendFsync(s *Server, cfg *Config) {
	fs, _ := aof.ParseFsync(cfg.value(paramIndex["appendfsync"]))
	if w := s.aof.writer(); w != nil {
		w.SetFsync(fs)
	}
}

// infoAOF writes INFO persistence's aof_* fields, from aof_enabled to
// aof_last_cow_size, as Redis 7.0's genRedisInfoString.
func (s *Server) infoAOF(b *infoBuilder) {
	a := &s.aof
	b.field("aof_enabled", boolInt(a.on.Load()))
	b.field("aof_rewrite_in_progress", boolInt(a.rewriting.Load()))
	b.field("aof_rewrite_scheduled", boolInt(a.scheduled.Load()))
	b.field("aof_last_rewrite_time_sec", a.lastRewriteSec.Load()-1)
	cur := int64(-1)
	if start := a.rewriteStart.Load(); start != 0 {
		cur = (time.Now().UnixMilli() - start) / 1000
	}
	b.field("aof_current_rewrite_time_sec", cur)
	b.field("aof_last_bgrewrite_status", okErr(!a.lastRewriteFailed.Load()))
	b.field("aof_rewrites", a.rewrites.Load())
	a.mu.Lock()
	failures := a.rewriteFailures
	a.mu.Unlock()
	w := a.writer()
	b.field("aof_rewrites_consecutive_failures", failures)
	b.field("aof_last_write_status", okErr(w == nil || w.Err() == nil))
	// Go cannot fork: a rewrite copies nothing on write beyond what the
	// snapshot serializes, so there is no copy-on-write size to report.
	b.field("aof_last_cow_size", 0)
}

// infoAOFSizes writes the fields Redis adds after module_fork_last_cow_size
// while the AOF is on.
func (s *Server) infoAOFSizes(b *infoBuilder) {
	a := &s.aof
	if !a.on.Load() {
		return
	}
	w := a.writer()
	var pending int64
	if w != nil {
		pending = w.Pending()
	}
	b.field("aof_current_size", s.aofCurrentSize())
	b.field("aof_base_size", a.baseSize.Load())
	b.field("aof_pending_rewrite", boolInt(a.scheduled.Load()))
	b.field("aof_buffer_length", pending)
	b.field("aof_pending_bio_fsync", 0)
	b.field("aof_delayed_fsync", 0)
}

func okErr(ok bool) string {
	if ok {
		return "ok"
	}
	return "err"
}

// applyAOFTimestamps is CONFIG SET aof-timestamp-enabled.
func applyAOFTimestamps(s *Server, cfg *Config) {
	if f := s.aof.file.Load(); f != nil {
		f.timestamps.Store(cfg.value(paramIndex["aof-timestamp-enabled"]) == "yes")
	}
}
