package server

// AOF rewriting (BGREWRITEAOF, the automatic rewrite, CONFIG SET
// appendonly yes, the first start): a new base file holding the dataset,
// a fresh incr file for what follows, and a manifest that swaps them in
// atomically, as Redis 7's rewriteAppendOnlyFileBackground and
// backgroundRewriteDoneHandler.
//
// The cut: while the order lock is held exclusively nothing changes, so
// the new incr file starts exactly where the point-in-time snapshot
// (store.Snapshot) is taken; both happen under it, then the lock is let
// go and the base is written in the background from the snapshot, while
// clients write to the new incr file. The base is an RDB image
// (aof-use-rdb-preamble yes, persistence/rdb's writer) or the commands
// that rebuild every key (a .base.aof).

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/emberkv/ember/persistence/aof"
	"github.com/emberkv/ember/persistence/rdb"
	"github.com/emberkv/ember/store"
)

// aofRewriteItems is Redis's AOF_REWRITE_ITEMS_PER_CMD: elements per
// RPUSH/SADD/ZADD/HMSET in a base file.
const aofRewriteItems = 64

// loadRDBBase loads an RDB-format base file, replacing the keyspace once
// it has all loaded; keys whose TTL passed are kept, since later
// commands may still refer to them (Redis's RDBFLAGS_AOF_PREAMBLE).
func (s *Server) loadRDBBase(r io.Reader, file string) (rest []byte, err error) {
	defer relaxGCWhileLoading(rdbLoadGCPercent)()
	st := s.store.NewStaging()
	stats, err := rdb.Load(r, st, s.store, rdb.LoadOptions{Name: file, KeepExpired: true,
		Warn: func(msg string) { s.log.Warn(msg) }})
	if err != nil {
		return nil, err
	}
	s.store.Install(st)
	return stats.Rest, nil
}

// aofSnapshot takes the cut of an image for a base file. The caller holds
// the order lock exclusively (or nothing runs yet).
func (s *Server) aofSnapshot(rdbFormat bool) *store.Snapshot {
	if rdbFormat {
		return rdb.NewSnapshot(s.store, s.cfg.get("rdbcompression") == "yes", nil)
	}
	return s.store.Snapshot(store.SnapshotOptions{Encode: appendEntryCommands})
}

// writeBase writes the image sn holds to path: a temp file beside it,
// fsynced, renamed, the directory fsynced. It consumes sn.
func (s *Server) writeBase(path string, sn *store.Snapshot, rdbFormat bool) (int64, error) {
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf("temp-rewriteaof-bg-%d.aof", os.Getpid()))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		sn.Close()
		return 0, err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	if rdbFormat {
		_, err = rdb.Write(bw, sn, rdb.Options{Compression: s.cfg.get("rdbcompression") == "yes",
			Checksum: s.cfg.get("rdbchecksum") == "yes", AOFBase: true, UsedMem: s.usedMemory(), Workers: bgsaveWorkers()})
	} else {
		err = writeCommandImage(bw, sn, bgsaveWorkers())
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	var size int64
	if fi, serr := f.Stat(); serr == nil {
		size = fi.Size()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, err
	}
	return size, aof.SyncDir(filepath.Dir(path))
}

// writeCommandImage writes a snapshot taken with appendEntryCommands: a
// SELECT before each database's first key, then the entries' commands,
// encoded by up to workers goroutines (Snapshot.Each), written in order.
func writeCommandImage(w io.Writer, sn *store.Snapshot, workers int) error {
	defer sn.Close()
	selected := -1
	var num [20]byte
	return sn.Each(workers, func(db int, chunk []byte) error {
		defer sn.Recycle(chunk)
		if len(chunk) == 0 {
			return nil
		}
		if db != selected {
			sel := aof.AppendCommand(nil, []byte("SELECT"), strconv.AppendInt(num[:0], int64(db), 10))
			if _, err := w.Write(sel); err != nil {
				return err
			}
			selected = db
		}
		_, err := w.Write(chunk)
		return err
	})
}

// appendEntryCommands is the store.EntryEncoder of a .base.aof: the
// commands that rebuild one key, as Redis's rewriteAppendOnlyFileRio
// (SET, RPUSH, SADD, ZADD or HMSET with at most 64 elements each, then
// PEXPIREAT for a TTL). It runs under the key's shard lock and copies
// what it is shown straight into buf.
func appendEntryCommands(buf []byte, v *store.EntryView) []byte {
	key := []byte(v.Key)
	var num [32]byte
	if v.Kind == store.KindString {
		buf = aof.AppendCommand(buf, []byte("SET"), key, v.Str())
	} else {
		var name string
		per := 1 // bulks per element
		switch v.Kind {
		case store.KindList:
			name = "RPUSH"
		case store.KindSet:
			name = "SADD"
		case store.KindZSet:
			name, per = "ZADD", 2
		case store.KindHash:
			name, per = "HMSET", 2
		}
		left := v.Len()
		inBatch := 0
		elem := func(parts ...[]byte) {
			if inBatch == 0 {
				n := min(left, aofRewriteItems)
				buf = append(buf, '*')
				buf = strconv.AppendInt(buf, int64(2+n*per), 10)
				buf = append(buf, '\r', '\n')
				buf = appendBulk(buf, []byte(name))
				buf = appendBulk(buf, key)
				inBatch = n
			}
			for _, p := range parts {
				buf = appendBulk(buf, p)
			}
			inBatch--
			left--
		}
		switch v.Kind {
		case store.KindList:
			v.ListEach(func(e []byte) bool { elem(e); return left > 0 })
		case store.KindSet:
			v.SetEach(func(m []byte) bool { elem(m); return left > 0 })
		case store.KindZSet:
			v.ZSetEach(func(m []byte, score float64) bool {
				elem(formatScore(num[:0], score), m)
				return left > 0
			})
		case store.KindHash:
			v.HashEach(func(f, val []byte) bool { elem(f, val); return left > 0 })
		}
	}
	if v.ExpireAt != 0 {
		buf = aof.AppendCommand(buf, []byte("PEXPIREAT"), key, strconv.AppendInt(num[:0], v.ExpireAt, 10))
	}
	return buf
}

func appendBulk(b, p []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(p)), 10)
	b = append(b, '\r', '\n')
	b = append(b, p...)
	return append(b, '\r', '\n')
}

// formatScore is a score as Redis's rioWriteBulkDouble prints it (%.17g),
// with inf and -inf as Redis parses them.
func formatScore(b []byte, f float64) []byte {
	switch {
	case f > 1.7976931348623157e308:
		return append(b, "inf"...)
	case f < -1.7976931348623157e308:
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, f, 'g', 17, 64)
}

// aofRewrite is BGREWRITEAOF's work, run on its own goroutine. On failure
// the old files stay in the manifest with the new incr file after them,
// and the rewrite is retried later, with a growing delay.
func (s *Server) aofRewrite() error {
	if !s.aof.rewriting.CompareAndSwap(false, true) {
		return errors.New(errRewriteInProgress)
	}
	return s.aofRewriteClaimed()
}

// aofRewriteClaimed is aofRewrite once a.rewriting has been set by the
// caller.
func (s *Server) aofRewriteClaimed() error {
	a := &s.aof
	defer a.rewriting.Store(false)
	a.scheduled.Store(false)
	start := time.Now()
	a.rewriteStart.Store(start.UnixMilli())
	s.log.Info("Background append only file rewriting started")

	err := s.aofRewriteOnce()
	a.lastRewriteSec.Store(int64(time.Since(start).Seconds()) + 1)
	a.rewriteStart.Store(0)
	a.mu.Lock()
	if err != nil {
		a.rewriteFailures++
		// As Redis's AOF_REWRITE_LIMITE_THRESHOLD: after 3 failures in a
		// row, wait a minute before the next automatic attempt, doubling
		// up to an hour.
		if a.rewriteFailures >= 3 {
			delay := time.Minute << min(a.rewriteFailures-3, 6)
			a.nextRetry = time.Now().Add(min(delay, time.Hour))
		}
		a.mu.Unlock()
		a.lastRewriteFailed.Store(true)
		s.log.Warn("Background AOF rewrite failed", slog.String("err", err.Error()))
		return err
	}
	a.rewriteFailures = 0
	a.nextRetry = time.Time{}
	a.mu.Unlock()
	a.lastRewriteFailed.Store(false)
	a.rewrites.Add(1)
	s.log.Info("Background AOF rewrite finished successfully")
	return nil
}

// aofRewriteOnce: the cut under the order lock, the base outside it, the
// manifest swap.
func (s *Server) aofRewriteOnce() error {
	a := &s.aof
	ac := s.aofConfig()

	a.order.Lock()
	if !a.on.Load() {
		a.order.Unlock()
		return errors.New("the AOF is off")
	}
	a.mu.Lock()
	m := a.manifest.Clone()
	a.mu.Unlock()
	// A new incr file first: if the rewrite fails, it simply follows the
	// old ones.
	incr := m.NewIncr(a.prefix)
	if err := aof.WriteManifest(a.dir, aof.ManifestName(a.prefix), m); err != nil {
		a.order.Unlock()
		return err
	}
	if err := s.aofSwitchTo(incr.Name, ac.fsync); err != nil {
		a.order.Unlock()
		return err
	}
	a.mu.Lock()
	a.manifest = m.Clone()
	a.mu.Unlock()
	s.log.Info("Creating AOF incr file " + incr.Name + " on background rewrite")
	sn := s.aofSnapshot(ac.rdbPreamble)
	gen := a.gen.Load()
	a.order.Unlock()

	next := m.Clone()
	base := next.NewBase(a.prefix, ac.rdbPreamble)
	size, err := s.writeBase(filepath.Join(a.dir, base.Name), sn, ac.rdbPreamble)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.on.Load() || a.gen.Load() != gen {
		os.Remove(filepath.Join(a.dir, base.Name))
		return errors.New("the AOF was switched off during the rewrite")
	}
	// The incr files before the cut become history; the one opened at
	// the cut (and any after it) stays live.
	cur := a.manifest.Clone()
	next.Incr = nil
	for _, fi := range cur.Incr {
		if fi.Seq < incr.Seq {
			fi.Type = aof.TypeHistory
			next.History = append(next.History, fi)
		} else {
			next.Incr = append(next.Incr, fi)
		}
	}
	if err := aof.WriteManifest(a.dir, aof.ManifestName(a.prefix), next); err != nil {
		os.Remove(filepath.Join(a.dir, base.Name))
		return err
	}
	a.manifest = next
	a.baseSize.Store(size)
	s.aofDeleteHistory()
	return nil
}

// aofRewriteOff is BGREWRITEAOF while the AOF is off: a new base from a
// snapshot, then a manifest naming it alone (the old files go).
func (s *Server) aofRewriteOff() error {
	a := &s.aof
	if !a.rewriting.CompareAndSwap(false, true) {
		return errors.New(errRewriteInProgress)
	}
	defer a.rewriting.Store(false)
	ac := s.aofConfig()
	dir := filepath.Join(ac.dir, ac.dirname)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	m, err := aof.ReadManifest(filepath.Join(dir, aof.ManifestName(ac.prefix)))
	if errors.Is(err, os.ErrNotExist) {
		m, err = &aof.Manifest{}, nil
	}
	if err != nil {
		return err
	}
	a.order.Lock()
	sn := s.aofSnapshot(ac.rdbPreamble)
	a.order.Unlock()
	base := m.NewBase(ac.prefix, ac.rdbPreamble)
	if _, err := s.writeBase(filepath.Join(dir, base.Name), sn, ac.rdbPreamble); err != nil {
		a.lastRewriteFailed.Store(true)
		return err
	}
	old := append(m.History, m.Incr...)
	m.History, m.Incr = nil, nil
	if err := aof.WriteManifest(dir, aof.ManifestName(ac.prefix), m); err != nil {
		return err
	}
	for _, h := range old {
		os.Remove(filepath.Join(dir, h.Name))
	}
	a.lastRewriteFailed.Store(false)
	a.rewrites.Add(1)
	return nil
}

// aofDeleteHistory removes the history files and drops them from the
// manifest, as Redis's aofDelHistoryFiles. a.mu is held.
func (s *Server) aofDeleteHistory() {
	a := &s.aof
	if len(a.manifest.History) == 0 {
		return
	}
	m := a.manifest.Clone()
	for _, h := range m.History {
		if err := os.Remove(filepath.Join(a.dir, h.Name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("Removing an AOF history file", slog.String("file", h.Name), slog.String("err", err.Error()))
		}
	}
	m.History = nil
	if err := aof.WriteManifest(a.dir, aof.ManifestName(a.prefix), m); err != nil {
		s.log.Warn("Persisting the AOF manifest", slog.String("err", err.Error()))
		return
	}
	a.manifest = m
}

// aofStart is CONFIG SET appendonly yes at run time, as Redis's
// startAppendOnly: a new incr file from now on, and a base of the
// dataset at this moment (written by the caller's goroutine while other
// clients go on), then the manifest naming both.
func (s *Server) aofStart() error {
	a := &s.aof
	ac := s.aofConfig()
	// The base written below counts as a rewrite in progress: a
	// BGREWRITEAOF meanwhile is refused rather than racing its manifest.
	for !a.rewriting.CompareAndSwap(false, true) {
		time.Sleep(time.Millisecond) // a BGREWRITEAOF of the AOF-off kind is finishing
	}
	defer a.rewriting.Store(false)
	a.order.Lock()
	if a.on.Load() {
		a.order.Unlock()
		return nil
	}
	s.waitQuiet()
	a.dir = filepath.Join(ac.dir, ac.dirname)
	a.prefix = ac.prefix
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		a.order.Unlock()
		return err
	}
	m, err := aof.ReadManifest(filepath.Join(a.dir, aof.ManifestName(a.prefix)))
	if errors.Is(err, os.ErrNotExist) {
		m, err = &aof.Manifest{}, nil
	}
	if err != nil {
		a.order.Unlock()
		return err
	}
	for _, old := range m.Incr {
		old.Type = aof.TypeHistory
		m.History = append(m.History, old)
	}
	m.Incr = nil
	incr := m.NewIncr(a.prefix)
	if err := s.aofSwitchTo(incr.Name, ac.fsync); err != nil {
		a.order.Unlock()
		return err
	}
	sn := s.aofSnapshot(ac.rdbPreamble)
	a.mu.Lock()
	a.manifest = m.Clone()
	a.mu.Unlock()
	s.aofInstallHooks()
	a.gen.Add(1)
	a.on.Store(true)
	a.order.Unlock()

	base := m.NewBase(a.prefix, ac.rdbPreamble)
	size, err := s.writeBase(filepath.Join(a.dir, base.Name), sn, ac.rdbPreamble)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := aof.WriteManifest(a.dir, aof.ManifestName(a.prefix), m); err != nil {
		return err
	}
	a.manifest = m
	a.baseSize.Store(size)
	s.aofDeleteHistory()
	s.log.Info("AOF enabled: base " + base.Name + ", incr " + incr.Name)
	return nil
}

// aofStop is CONFIG SET appendonly no: flush, fsync, close. The caller
// (CONFIG SET, an admin command) holds the order lock exclusively.
func (s *Server) aofStop() error {
	return s.aofClose()
}

// waitQuiet waits until no client is inside a command it started before
// the AOF was switched on (it would be neither logged nor surely in the
// base). The caller holds the order lock exclusively, so commands
// starting now wait for it.
func (s *Server) waitQuiet() {
	s.mu.Lock()
	clients := make([]*client, 0, len(s.clients))
	for _, c := range s.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	for _, c := range clients {
		// A client parked in a blocking command has done nothing yet; the
		// writer that serves it will log its pop.
		for c.inCall.Load() && !c.blocked.Load() && !c.switchingAOF() {
			time.Sleep(50 * time.Microsecond)
		}
	}
}

// switchingAOF reports whether the client is the one running CONFIG SET
// (which is switching the AOF on): it is not waited for.
func (c *client) switchingAOF() bool {
	cmd := c.shown.cmd.Load()
	return cmd != nil && cmd.name == "config|set"
}

// aofCron runs once a second while the server lives, as the AOF part of
// Redis's serverCron: the slow-fsync warning, and the automatic rewrite
// when the AOF has grown by auto-aof-rewrite-percentage over its size
// after the last rewrite and is at least auto-aof-rewrite-min-size (or
// when a failed rewrite is due for its retry).
func (s *Server) aofCron() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-s.shutdown:
			return
		case <-t.C:
		}
		a := &s.aof
		if !a.on.Load() {
			continue
		}
		a.mu.Lock()
		retry := a.rewriteFailures > 0 && time.Now().After(a.nextRetry)
		a.mu.Unlock()
		w := a.writer()
		if w != nil {
			w.SlowFsync()
		}
		if a.rewriting.Load() {
			continue
		}
		if a.scheduled.Load() || retry || s.aofGrown() {
			go s.aofRewrite()
		}
	}
}

// aofGrown is the automatic rewrite's test.
func (s *Server) aofGrown() bool {
	perc, _ := strconv.ParseInt(s.cfg.get("auto-aof-rewrite-percentage"), 10, 64)
	minSize, _ := strconv.ParseInt(s.cfg.get("auto-aof-rewrite-min-size"), 10, 64)
	if perc <= 0 {
		return false
	}
	cur := s.aofCurrentSize()
	base := s.aof.baseSize.Load()
	if base == 0 {
		base = 1
	}
	return cur > minSize && (cur*100/base)-100 >= perc
}

// aofCurrentSize is Redis's aof_current_size: the base and every incr
// file, with what is still buffered.
func (s *Server) aofCurrentSize() int64 {
	a := &s.aof
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.manifest == nil {
		return 0
	}
	var n int64
	files := a.manifest.Files()
	w := a.writer()
	for i, fi := range files {
		if i == len(files)-1 && w != nil && fi.Type == aof.TypeIncr {
			n += w.Size()
			continue
		}
		if st, err := os.Stat(filepath.Join(a.dir, fi.Name)); err == nil {
			n += st.Size()
		}
	}
	return n
}
