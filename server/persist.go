package server

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emberkv/ember/persistence/rdb"
)

// The persistence errors, Redis's texts.
const (
	errMisconf = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
		"Commands that may modify the data set are disabled, because this instance is configured to report errors " +
		"during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs " +
		"for details about the RDB error."
	errLoading          = "LOADING Redis is loading the dataset in memory"
	errBgsaveInProgress = "ERR Background save already in progress"
	errBareErr          = "ERR" // Redis's shared.err, SAVE's reply when the save fails
	errBadPayload       = "ERR DUMP payload version or checksum are wrong"
	errBadDataFormat    = "ERR Bad data format"
	errBusyKey          = "BUSYKEY Target key name already exists."
	errInvalidTTL       = "ERR Invalid TTL value, must be >= 0"
	errInvalidIdle      = "ERR Invalid IDLETIME value, must be >= 0"
	errInvalidFreq      = "ERR Invalid FREQ value, must be >= 0 and <= 255"
)

// bgsaveRetryDelay is Redis's CONFIG_BGSAVE_RETRY_DELAY: after a failed
// background save, save points wait this long before trying again.
const bgsaveRetryDelay = 5 * time.Second

// bgsaveWorkers is how many goroutines serialize a background save (and
// an AOF rewrite's RDB base): two at most, and always one processor left
// to the clients, as Redis's forked child takes one core and leaves its
// parent the rest. On two processors that is one. There, at 1M keys
// under a SET load from two clients (scripts/bench-durability.sh, medians
// of two runs), two goroutines made BGSAVE 1.11-1.39 s against 1.37-1.82
// with one (Redis 1.22-1.61) and BGREWRITEAOF 0.65-0.69 against
// 0.96-1.02; the longest request during the BGSAVE was 29-38 ms against
// 23-36, rounds overlapping: the measurement does not decide, the rule
// does.
func bgsaveWorkers() int { return max(1, min(2, runtime.GOMAXPROCS(0)-1)) }

// persistState is the RDB side of the server: save points, the changes
// since the last save, the background save, loading at start-up. Its
// figures are what INFO persistence shows.
type persistState struct {
	// mu guards bg, saving and lastBgTry. It is never taken while shard
	// locks are held (inside EXEC), and never held while a save writes:
	// a save's snapshot takes shard locks, so either would deadlock.
	mu sync.Mutex
	// bg is the background save in progress, nil when none.
	bg        *bgSave
	saving    bool // a SAVE (foreground) is writing
	lastBgTry time.Time

	bgScheduled atomic.Bool // a BGSAVE asked for inside EXEC waits for the cron

	dirtyBase    atomic.Int64 // changes() at the last successful save
	dirtyAdj     atomic.Int64 // what Redis counts beyond the store's changed keys (dirty.go)
	lastSave     atomic.Int64 // Unix seconds of the last successful save
	bgStatusErr  atomic.Bool  // the last background save failed
	lastBgSecs   atomic.Int64 // how long the last background save took; -1 before any
	saves        atomic.Int64 // rdb_saves
	bgInProgress atomic.Bool
	bgStart      atomic.Int64 // Unix seconds the background save began

	// Loading at start-up.
	loading     atomic.Bool
	loadStart   atomic.Int64 // Unix seconds
	loadTotal   atomic.Int64 // bytes of the file
	loadRead    atomic.Int64 // bytes read so far
	loadKeys    atomic.Int64 // rdb_last_load_keys_loaded
	loadExpired atomic.Int64 // rdb_last_load_keys_expired
	loadDone    chan struct{}
	loadErr     error // set before loadDone closes

	stopCron chan struct{}
}

// bgSave is one background save.
type bgSave struct {
	start       time.Time
	dirtyBefore int64
	done        chan struct{}
}

func (p *persistState) init(start time.Time) {
	// As Redis at start-up: the data counts as saved when the server started.
	p.lastSave.Store(start.Unix())
	p.lastBgSecs.Store(-1)
	p.loadDone = make(chan struct{})
	p.stopCron = make(chan struct{})
}

// rdbPath is dir/dbfilename, where the dump file lives.
func (s *Server) rdbPath() string {
	return filepath.Join(s.cfg.get("dir"), s.cfg.get("dbfilename"))
}

// savePoint is one "save <seconds> <changes>" pair.
type savePoint struct{ seconds, changes int64 }

// savePoints parses the save directive in force.
func (s *Server) savePoints() []savePoint {
	f := strings.Fields(s.cfg.get("save"))
	var out []savePoint
	for i := 0; i+1 < len(f); i += 2 {
		sec, _ := strconv.ParseInt(f[i], 10, 64)
		ch, _ := strconv.ParseInt(f[i+1], 10, 64)
		out = append(out, savePoint{sec, ch})
	}
	return out
}

// dirty is rdb_changes_since_last_save.
func (s *Server) dirty() int64 { return s.changes() - s.persist.dirtyBase.Load() }

func (s *Server) rdbOptions() rdb.Options {
	return rdb.Options{
		Compression: s.cfg.get("rdbcompression") == "yes",
		Checksum:    s.cfg.get("rdbchecksum") == "yes",
		UsedMem:     s.usedMemory(),
		RedisVer:    RedisVersion,
		Functions:   s.scripts.libraryCodes(),
		Latency:     s.latencyObserve,
	}
}

// writesRefused is Redis's writeCommandsDeniedByDiskError for RDB: with
// stop-writes-on-bgsave-error and save points, a failed background save
// refuses writes (and PING) until a save succeeds.
func (s *Server) writesRefused() bool {
	return s.persist.bgStatusErr.Load() && s.cfg.get("stop-writes-on-bgsave-error") == "yes" && s.cfg.get("save") != ""
}

// misconfRefused reports, as Redis's processCommand, whether cmd gets
// MISCONF: a write (or PING, or an EXEC of writes) after a failed save.
func (c *client) misconfRefused(cmd *command) bool {
	if !c.srv.writesRefused() {
		return false
	}
	if cmd.flags&flagWrite != 0 || cmd.name == "ping" {
		return true
	}
	return cmd.name == "exec" && c.multi != nil && c.multi.hasFlag(flagWrite)
}

// loadingRefused reports, as Redis's processCommand, whether cmd gets
// LOADING: a command not flagged loading (or an EXEC of such) while the
// dataset loads.
func (c *client) loadingRefused(cmd *command) bool {
	if !c.srv.persist.loading.Load() {
		return false
	}
	return cmd.flags&flagLoading == 0 || cmd.name == "exec" && c.multi != nil && !c.multi.allHaveFlag(flagLoading)
}

// saveNow is SAVE: a point-in-time image written to the dump file while
// the server goes on serving every other client (Go cannot fork; see
// docs/persistence.md). Only the caller waits.
func (s *Server) saveNow() error {
	p := &s.persist
	p.mu.Lock()
	if p.bg != nil || p.saving {
		p.mu.Unlock()
		return errors.New(errBgsaveInProgress)
	}
	p.saving = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.saving = false
		p.mu.Unlock()
	}()
	p.saves.Add(1)
	before := s.changes()
	sn := rdb.NewSnapshot(s.store, s.cfg.get("rdbcompression") == "yes", nil)
	opts := s.rdbOptions()
	// The client waits for the file, as for Redis's SAVE, which blocks
	// every client: serialize on every core.
	opts.Workers = runtime.GOMAXPROCS(0)
	if _, err := rdb.SaveFile(s.rdbPath(), sn, opts); err != nil {
		s.log.Warn(err.Error())
		return err
	}
	s.log.Info("DB saved on disk")
	p.dirtyBase.Store(before)
	p.lastSave.Store(time.Now().Unix())
	p.bgStatusErr.Store(false)
	return nil
}

// startBgsave is BGSAVE: the cut is taken now, before the reply, so that
// anything the client writes after the reply is not in the file; the
// file is written in the background.
func (s *Server) startBgsave() error {
	p := &s.persist
	p.mu.Lock()
	defer p.mu.Unlock()
	return s.startBgsaveLocked()
}

func (s *Server) startBgsaveLocked() error {
	p := &s.persist
	if p.bg != nil || p.saving {
		return errors.New(errBgsaveInProgress)
	}
	p.saves.Add(1)
	p.bgScheduled.Store(false)
	bg := &bgSave{start: time.Now(), dirtyBefore: s.changes(), done: make(chan struct{})}
	p.lastBgTry = bg.start
	sn := rdb.NewSnapshot(s.store, s.cfg.get("rdbcompression") == "yes", nil)
	p.bg = bg
	p.bgStart.Store(bg.start.Unix())
	p.bgInProgress.Store(true)
	path, opts := s.rdbPath(), s.rdbOptions()
	opts.Workers = bgsaveWorkers()
	s.log.Info("Background saving started")
	go func() {
		_, err := rdb.SaveFile(path, sn, opts)
		s.bgsaveDone(bg, err, sn.LongestShard())
	}()
	return nil
}

// bgsaveDone records a finished background save, as Redis's
// backgroundSaveDoneHandler.
func (s *Server) bgsaveDone(bg *bgSave, err error, longest time.Duration) {
	p := &s.persist
	p.mu.Lock()
	p.lastBgSecs.Store(int64(time.Since(bg.start).Seconds()))
	if err != nil {
		s.log.Warn(err.Error())
		s.log.Warn("Background saving error")
		p.bgStatusErr.Store(true)
	} else {
		s.log.Info("DB saved on disk", slog.Duration("longest_shard_pause", longest))
		s.log.Info("Background saving terminated with success")
		p.dirtyBase.Store(bg.dirtyBefore)
		p.lastSave.Store(time.Now().Unix())
		p.bgStatusErr.Store(false)
	}
	p.bg = nil
	p.bgInProgress.Store(false)
	p.mu.Unlock()
	close(bg.done)
}

// waitBgsave waits for the background save in progress, if any.
func (s *Server) waitBgsave() {
	s.persist.mu.Lock()
	bg := s.persist.bg
	s.persist.mu.Unlock()
	if bg != nil {
		<-bg.done
	}
}

// afterFlushAll does what Redis 7.0's FLUSHALL does for the dump file:
// with save points configured it saves the emptied dataset at once, so
// that a restart does not bring the flushed keys back. A background save
// in progress (whose image predates the flush) finishes first, where
// Redis kills its child. Inside EXEC, whose locks the save's cut would
// wait for, the save is scheduled instead.
func (s *Server) afterFlushAll(inExec bool) {
	if s.cfg.get("save") == "" {
		return
	}
	if inExec {
		s.persist.bgScheduled.Store(true)
		return
	}
	s.waitBgsave()
	s.saveNow()
}

// saveCron is Redis's serverCron check of the save points, ten times a
// second: a BGSAVE when enough changes are old enough, or when one was
// scheduled.
func (s *Server) saveCron() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.shutdown:
			return
		case <-t.C:
		}
		if s.persist.loading.Load() {
			continue
		}
		s.checkSavePoints(time.Now())
	}
}

func (s *Server) checkSavePoints(now time.Time) {
	p := &s.persist
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bg != nil || p.saving {
		return
	}
	if p.bgScheduled.Load() {
		s.startBgsaveLocked()
		return
	}
	dirty := s.dirty()
	since := now.Unix() - p.lastSave.Load()
	for _, sp := range s.savePoints() {
		if dirty >= sp.changes && since > sp.seconds && (now.Sub(p.lastBgTry) > bgsaveRetryDelay || !p.bgStatusErr.Load()) {
			s.log.Info(fmt.Sprintf("%d changes in %d seconds. Saving...", sp.changes, sp.seconds))
			s.startBgsaveLocked()
			return
		}
	}
}

// loadAtStart loads the dump file, as Redis's loadDataFromDisk, while the
// server already accepts connections (answering LOADING). A missing file
// is an empty dataset; a damaged one is fatal: the server stops, as
// Redis exits, rather than serve a partial dataset.
func (s *Server) loadAtStart() {
	p := &s.persist
	defer close(p.loadDone)
	if loadHook != nil {
		loadHook()
	}
	path := s.rdbPath()
	fi, err := os.Stat(path)
	start := time.Now()
	p.loadStart.Store(start.Unix())
	if err == nil {
		p.loadTotal.Store(fi.Size())
	}
	lastLog := start
	defer relaxGCWhileLoading(rdbLoadGCPercent)()
	stats, err := rdb.LoadFile(path, s.store, rdb.LoadOptions{
		Warn:       func(msg string) { s.log.Warn(msg) },
		OnFunction: s.scripts.loadLibrary,
		Progress: func(n int64) {
			p.loadRead.Store(n)
			// A large file says how far it got, every few seconds.
			if total := p.loadTotal.Load(); total > 0 && time.Since(lastLog) >= 2*time.Second {
				lastLog = time.Now()
				s.log.Info(fmt.Sprintf("Loading RDB: %d of %d bytes (%.1f%%)", n, total, float64(n)*100/float64(total)))
			}
		},
	})
	if err != nil {
		p.loadErr = err
		s.log.Error(fmt.Sprintf("Fatal error loading the DB: %v. Exiting.", err))
		p.loading.Store(false)
		s.fatal(err)
		return
	}
	p.loadKeys.Store(int64(stats.Keys))
	p.loadExpired.Store(int64(stats.Expired))
	if v := stats.Aux["redis-ver"]; v != "" {
		s.log.Info("Loading RDB produced by version " + v)
	}
	if ctime, err := strconv.ParseInt(stats.Aux["ctime"], 10, 64); err == nil {
		s.log.Info(fmt.Sprintf("RDB age %d seconds", time.Now().Unix()-ctime))
	}
	if mem, err := strconv.ParseInt(stats.Aux["used-mem"], 10, 64); err == nil {
		s.log.Info(fmt.Sprintf("RDB memory usage when created %.2f Mb", float64(mem)/(1024*1024)))
	}
	s.log.Info(fmt.Sprintf("Done loading RDB, keys loaded: %d, keys expired: %d.", stats.Keys, stats.Expired))
	s.log.Info(fmt.Sprintf("DB loaded from disk: %.3f seconds", time.Since(start).Seconds()))
	// As Redis: the data on disk is the data in memory.
	p.dirtyBase.Store(s.changes())
	p.loading.Store(false)
}

// The collector's GOGC while a dataset loads. An RDB file names each key
// once, so a load's garbage is bounded by what it keeps: the maps' old
// tables as they grow, and the reader's pieces (1M small keys: about
// 130 MB made against 235 MB kept). A collection during it marks a heap
// that only grew and frees little, so rdbLoadGCPercent turns the
// collector off until the load ends (a soft memory limit, maxmemory's
// through applyEviction, still starts one): the start-up load of 1M
// keys took 0.77-0.82 s at off, 0.85-0.88 at GOGC 1000, 1.06-1.14 at 400,
// with 4% more RSS at off than at 400. An AOF's commands may overwrite
// the same keys without end, so its replay keeps collecting, at 400:
// collecting when the heap has grown 5x rather than 2x since the last one
// cut the CPU a load costs by 40-50% (persistence/rdb's BenchmarkLoad1M:
// 2.5-2.8 s of CPU for 1M keys at GOGC 100, 1.3-2.0 s at 400).
const (
	rdbLoadGCPercent = -1
	aofLoadGCPercent = 400
)

// loadGC holds the loads running (a test process runs many servers, and
// an AOF's RDB base loads inside its replay): the latest one's setting
// holds, and the last to end puts back what was there before the first.
var loadGC struct {
	sync.Mutex
	active []*int
	old    int
}

// relaxGCWhileLoading sets the collector's GOGC to percent until the
// returned function runs, unless GOGC is set in the environment (the
// operator's choice); after the last load, it starts a collection.
func relaxGCWhileLoading(percent int) (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	p := &percent
	loadGC.Lock()
	if prev := debug.SetGCPercent(percent); len(loadGC.active) == 0 {
		loadGC.old = prev
	}
	loadGC.active = append(loadGC.active, p)
	loadGC.Unlock()
	return func() {
		loadGC.Lock()
		loadGC.active = slices.DeleteFunc(loadGC.active, func(q *int) bool { return q == p })
		if n := len(loadGC.active); n == 0 {
			debug.SetGCPercent(loadGC.old)
			// Collect the load's garbage now and give its pages back, or
			// an idle server keeps them: at 1M keys, RSS 409 MB after the
			// load against 274 after this (the next collection would
			// come with the first clients' requests anyway).
			go debug.FreeOSMemory()
		} else {
			debug.SetGCPercent(*loadGC.active[n-1])
		}
		loadGC.Unlock()
	}
}

// loadHook, when set (by tests), runs before the dump file loads, so that
// a test can watch the server while it is loading.
var loadHook func()

// Loaded is closed once the dataset has loaded at start-up (at once when
// there was nothing to load); LoadError then tells whether it failed.
func (s *Server) Loaded() <-chan struct{} { return s.persist.loadDone }

// LoadError is why loading the dump file at start-up failed, nil if it
// did not (or has not finished).
func (s *Server) LoadError() error {
	select {
	case <-s.persist.loadDone:
		return s.persist.loadErr
	default:
		return nil
	}
}

// shutdownSave saves before the server stops, as Redis's
// prepareForShutdown: when save points are configured (unless nosave),
// or when asked to (save). A failure stops the shutdown unless force.
func (s *Server) shutdownSave(save, nosave, force bool) error {
	if nosave || (!save && s.cfg.get("save") == "") {
		return nil
	}
	if s.persist.loading.Load() {
		return nil // nothing complete to save, as Redis while loading
	}
	s.waitBgsave()
	s.log.Info("Saving the final RDB snapshot before exiting.")
	if err := s.saveNow(); err != nil {
		if force {
			s.log.Warn("Error trying to save the DB. Exit anyway.")
			return nil
		}
		s.log.Warn("Error trying to save the DB, can't exit.")
		return err
	}
	return nil
}

// Shutdown stops the server as SHUTDOWN does, for a signal (SIGTERM,
// SIGINT): it saves first when save points are configured, and stops
// anyway if the save fails only with force. signal names the
// shutdown-on-<signal> directive to follow ("sigterm", "sigint").
func (s *Server) Shutdown(signal string) error {
	flags := strings.Fields(s.cfg.get("shutdown-on-" + signal))
	has := func(f string) bool { return containsString(flags, f) }
	if err := s.shutdownSave(has("save"), has("nosave"), has("force")); err != nil {
		return err
	}
	return s.Close()
}

// fatal stops the server because it cannot go on (a dump file that does
// not load); ListenAndServe returns err.
func (s *Server) fatal(err error) {
	s.fatalErr.Store(&err)
	s.Close()
}

// fatalError is what fatal stopped the server with, nil if nothing did.
func (s *Server) fatalError() error {
	if p := s.fatalErr.Load(); p != nil {
		return *p
	}
	return nil
}

// infoPersistence is INFO's persistence section, every field Redis 7.0
// shows. Forks, copy-on-write and the AOF have nothing to report here.
func (s *Server) infoPersistence(c *client, b *infoBuilder) {
	p := &s.persist
	loading := p.loading.Load()
	b.field("loading", boolInt(loading))
	b.field("async_loading", 0)
	b.field("current_cow_peak", 0)
	b.field("current_cow_size", 0)
	b.field("current_cow_size_age", 0)
	b.field("current_fork_perc", "0.00")
	b.field("current_save_keys_processed", 0)
	b.field("current_save_keys_total", 0)
	b.field("rdb_changes_since_last_save", s.dirty())
	inProgress := p.bgInProgress.Load()
	b.field("rdb_bgsave_in_progress", boolInt(inProgress))
	b.field("rdb_last_save_time", p.lastSave.Load())
	status := "ok"
	if p.bgStatusErr.Load() {
		status = "err"
	}
	b.field("rdb_last_bgsave_status", status)
	b.field("rdb_last_bgsave_time_sec", p.lastBgSecs.Load())
	cur := int64(-1)
	if inProgress {
		cur = time.Now().Unix() - p.bgStart.Load()
	}
	b.field("rdb_current_bgsave_time_sec", cur)
	b.field("rdb_saves", p.saves.Load())
	b.field("rdb_last_cow_size", 0)
	b.field("rdb_last_load_keys_expired", p.loadExpired.Load())
	b.field("rdb_last_load_keys_loaded", p.loadKeys.Load())
	s.infoAOF(b)
	b.field("module_fork_in_progress", 0)
	b.field("module_fork_last_cow_size", 0)
	s.infoAOFSizes(b)
	if loading {
		total, read := p.loadTotal.Load(), p.loadRead.Load()
		perc, remaining := 0.0, int64(0)
		if total > 0 {
			perc = float64(read) / float64(total) * 100
			remaining = total - read
		}
		elapsed := time.Now().Unix() - p.loadStart.Load()
		eta := int64(1) // Redis's "fake 1 second figure" before a second passed
		if elapsed != 0 {
			eta = elapsed * remaining / (read + 1)
		}
		b.field("loading_start_time", p.loadStart.Load())
		b.field("loading_total_bytes", total)
		b.field("loading_rdb_used_mem", 0)
		b.field("loading_loaded_bytes", read)
		b.field("loading_loaded_perc", strconv.FormatFloat(perc, 'f', 2, 64))
		b.field("loading_eta_seconds", eta)
	}
}

// hasFlag reports whether a queued command has flag f (Redis's
// mstate.cmd_flags).
func (m *multiState) hasFlag(f cmdFlags) bool {
	for _, q := range m.cmds {
		if q.cmd.flags&f != 0 {
			return true
		}
	}
	return false
}

// allHaveFlag reports whether every queued command has flag f (Redis's
// mstate.cmd_inv_flags, inverted).
func (m *multiState) allHaveFlag(f cmdFlags) bool {
	for _, q := range m.cmds {
		if q.cmd.flags&f == 0 {
			return false
		}
	}
	return true
}
