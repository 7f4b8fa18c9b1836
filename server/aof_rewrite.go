package server

// AOF rewriting (BGREWRITEAOF, the automatic rewrite, CONFIG SET
// appendonly yes): a new base file that holds the dataset, a fresh incr
// file for what follows, and a manifest that swaps them in atomically.
//
// The cut: while the order lock is held exclusively nothing changes, so
// the new incr file starts exactly where the base's image is taken. This
// first version writes the base image (as commands: a .base.aof) while
// holding the lock, so clients wait for the dump; with the point-in-time
// snapshot of store/snapshot.go the lock is held only to take the
// snapshot and switch files, and the dump runs in the background.

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
	"github.com/emberkv/ember/store"
)

// aofRewriteItems is Redis's AOF_REWRITE_ITEMS_PER_CMD: elements per
// RPUSH/SADD/ZADD/HMSET in a base file.
const aofRewriteItems = 64

// errNoRDBLoader: an RDB base cannot be read until the RDB reader exists.
var errNoRDBLoader = errors.New("an RDB base file needs the RDB reader (persistence/rdb), which this build lacks")

// loadRDBBase loads an RDB-format base file. Replaced by the RDB reader.
func (s *Server) loadRDBBase(r io.Reader, file string) error {
	return errNoRDBLoader
}

// writeBaseLocked writes the whole dataset as commands to path (through a
// temp file, fsynced, renamed, the directory fsynced). Nothing may change
// the store meanwhile: the caller holds the order lock exclusively, or
// nothing runs yet.
func (s *Server) writeBaseLocked(path string) error {
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf("temp-rewriteaof-%d.aof", os.Getpid()))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	err = s.dumpCommands(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return aof.SyncDir(filepath.Dir(path))
}

// dumpCommands writes every key as the commands that rebuild it, as
// Redis's rewriteAppendOnlyFileRio: SELECT per non-empty database, then
// per key SET, RPUSH, SADD, ZADD or HMSET (64 elements a command), and
// PEXPIREAT for a TTL.
func (s *Server) dumpCommands(w io.Writer) error {
	var buf []byte
	flush := func() error {
		if len(buf) < 64<<10 {
			return nil
		}
		_, err := w.Write(buf)
		buf = buf[:0]
		return err
	}
	var num [32]byte
	for i := 0; i < s.store.Databases(); i++ {
		db := s.store.DB(i)
		selected := false
		var cursor uint64
		for {
			next, keys := db.Scan(cursor, store.ScanOptions{Count: 1000})
			for _, key := range keys {
				kind := db.Type(key)
				if kind == store.KindNone {
					continue
				}
				if !selected {
					buf = aof.AppendCommand(buf, []byte("SELECT"), strconv.AppendInt(num[:0], int64(i), 10))
					selected = true
				}
				var err error
				buf, err = appendKeyCommands(buf, db, key, kind)
				if err != nil {
					return fmt.Errorf("rewriting key %q: %w", key, err)
				}
				if at := db.ExpireTime(key); at > 0 {
					buf = aof.AppendCommand(buf, []byte("PEXPIREAT"), []byte(key), strconv.AppendInt(num[:0], at, 10))
				}
				if err := flush(); err != nil {
					return err
				}
			}
			if next == 0 {
				break
			}
			cursor = next
		}
	}
	_, err := w.Write(buf)
	return err
}

// appendKeyCommands appends the commands that rebuild one key.
func appendKeyCommands(buf []byte, db *store.DB, key string, kind store.Kind) ([]byte, error) {
	k := []byte(key)
	var batch [][]byte
	var name []byte
	emit := func() {
		if len(batch) > 0 {
			buf = aof.AppendCommand(buf, append([][]byte{name, k}, batch...)...)
			batch = batch[:0]
		}
	}
	add := func(items ...[]byte) {
		for _, it := range items {
			batch = append(batch, append([]byte(nil), it...))
		}
		if len(batch) >= aofRewriteItems*len(items) {
			emit()
		}
	}
	var err error
	switch kind {
	case store.KindString:
		v, ok, gerr := db.Get(key)
		if gerr != nil || !ok {
			return buf, gerr
		}
		return aof.AppendCommand(buf, []byte("SET"), k, v), nil
	case store.KindList:
		name = []byte("RPUSH")
		err = db.LRangeFunc(key, 0, -1, func(int) {}, func(v []byte) { add(v) })
	case store.KindSet:
		name = []byte("SADD")
		err = db.SMembersFunc(key, func(int) {}, func(m []byte) { add(m) })
	case store.KindZSet:
		name = []byte("ZADD")
		spec := &store.ZRangeSpec{By: store.ZByRank, Start: 0, Stop: -1, Count: -1}
		err = db.ZRangeFunc(key, spec, func(int) {}, func(m []byte, score float64) {
			add(strconv.AppendFloat(nil, score, 'g', 17, 64), m)
		})
	case store.KindHash:
		name = []byte("HMSET")
		_, err = db.HGetAllFunc(key, func(int) {}, func(f, v []byte) { add(f, v) })
	}
	emit()
	return buf, err
}

// bgRewrite is BGREWRITEAOF's work: cut over to a new incr file, write a
// new base, then swap the manifest. On failure the old files stay in the
// manifest (with the new incr file after them), and a retry comes later.
func (s *Server) aofRewrite() error {
	a := &s.aof
	if !a.rewriting.CompareAndSwap(false, true) {
		return errors.New(errRewriteInProgress)
	}
	defer a.rewriting.Store(false)
	a.scheduled.Store(false)
	start := time.Now()
	a.rewriteStart.Store(start.UnixMilli())
	s.log.Info("Background append only file rewriting started")

	err := s.aofRewriteCut()
	secs := int64(time.Since(start).Seconds())
	a.lastRewriteSec.Store(secs)
	a.rewriteStart.Store(0)
	a.mu.Lock()
	if err != nil {
		a.rewriteFailures++
		// As Redis's AOF_REWRITE_LIMITE_THRESHOLD: after 3 failures in a
		// row, wait a minute, then longer each time, up to an hour.
		if a.rewriteFailures >= 3 {
			delay := time.Minute << min(a.rewriteFailures-3, 6)
			a.nextRetry = time.Now().Add(min(delay, time.Hour))
		}
		a.mu.Unlock()
		a.lastRewriteOK.Store(false)
		s.log.Warn("Background AOF rewrite failed", slog.String("err", err.Error()))
		return err
	}
	a.rewriteFailures = 0
	a.nextRetry = time.Time{}
	a.mu.Unlock()
	a.lastRewriteOK.Store(true)
	a.rewrites.Add(1)
	s.log.Info("Background AOF rewrite finished successfully")
	return nil
}

// aofRewriteCut does the rewrite under the exclusive order lock.
func (s *Server) aofRewriteCut() error {
	a := &s.aof
	a.order.Lock()
	defer a.order.Unlock()
	if !a.on.Load() {
		return errors.New("the AOF is off")
	}
	ac := s.aofConfig()
	a.mu.Lock()
	m := a.manifest.Clone()
	a.mu.Unlock()
	// A new incr file first, as Redis's rewriteAppendOnlyFileBackground:
	// if the rewrite fails, it simply follows the old ones.
	incr := m.NewIncr(a.prefix)
	if err := aof.WriteManifest(a.dir, aof.ManifestName(a.prefix), m); err != nil {
		return err
	}
	if err := s.aofSwitchTo(incr.Name, ac.fsync); err != nil {
		return err
	}
	a.mu.Lock()
	a.manifest = m.Clone()
	a.mu.Unlock()
	s.log.Info("Creating AOF incr file " + incr.Name + " on background rewrite")

	next := m.Clone()
	base := next.NewBase(a.prefix, false)
	if err := s.writeBaseLocked(filepath.Join(a.dir, base.Name)); err != nil {
		return err
	}
	// The incr files before the cut become history; only the new one
	// stays live.
	for _, old := range next.Incr[:len(next.Incr)-1] {
		old.Type = aof.TypeHistory
		next.History = append(next.History, old)
	}
	next.Incr = next.Incr[len(next.Incr)-1:]
	if err := aof.WriteManifest(a.dir, aof.ManifestName(a.prefix), next); err != nil {
		os.Remove(filepath.Join(a.dir, base.Name))
		return err
	}
	// History files are deleted and dropped from the manifest, as
	// Redis's aofDelHistoryFiles.
	for _, h := range next.History {
		if err := os.Remove(filepath.Join(a.dir, h.Name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("Removing an AOF history file", slog.String("file", h.Name), slog.String("err", err.Error()))
		}
	}
	next.History = nil
	if err := aof.WriteManifest(a.dir, aof.ManifestName(a.prefix), next); err != nil {
		return err
	}
	if fi, err := os.Stat(filepath.Join(a.dir, base.Name)); err == nil {
		a.baseSize.Store(fi.Size())
	}
	a.mu.Lock()
	a.manifest = next
	a.mu.Unlock()
	return nil
}

// aofStart is CONFIG SET appendonly yes at run time, as Redis's
// startAppendOnly: write a base of the current dataset, open a new incr
// file, persist the manifest.
func (s *Server) aofStart() error {
	a := &s.aof
	a.order.Lock()
	defer a.order.Unlock()
	if a.on.Load() {
		return nil
	}
	s.waitQuiet()
	ac := s.aofConfig()
	a.dir = filepath.Join(ac.dir, ac.dirname)
	a.prefix = ac.prefix
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		return err
	}
	m, err := aof.ReadManifest(filepath.Join(a.dir, aof.ManifestName(a.prefix)))
	if errors.Is(err, os.ErrNotExist) {
		m, err = &aof.Manifest{}, nil
	}
	if err != nil {
		return err
	}
	base := m.NewBase(a.prefix, false)
	if err := s.writeBaseLocked(filepath.Join(a.dir, base.Name)); err != nil {
		return err
	}
	for _, old := range m.Incr {
		old.Type = aof.TypeHistory
		m.History = append(m.History, old)
	}
	m.Incr = nil
	incr := m.NewIncr(a.prefix)
	if err := s.aofSwitchTo(incr.Name, ac.fsync); err != nil {
		return err
	}
	for _, h := range m.History {
		os.Remove(filepath.Join(a.dir, h.Name))
	}
	m.History = nil
	if err := aof.WriteManifest(a.dir, aof.ManifestName(a.prefix), m); err != nil {
		return err
	}
	a.manifest = m
	s.aofInstallHooks()
	a.on.Store(true)
	s.log.Info("AOF enabled: base " + base.Name + ", incr " + incr.Name)
	return nil
}

// aofStop is CONFIG SET appendonly no: flush, fsync, close. The caller
// (CONFIG SET, an admin command) holds the order lock exclusively.
func (s *Server) aofStop() error {
	return s.aofClose()
}

// waitQuiet waits until no client is inside a command it started before
// the AOF was switched on (it would not be logged and might not be in
// the base). The caller holds the order lock exclusively, so commands
// starting now wait for it.
func (s *Server) waitQuiet() {
	s.mu.Lock()
	clients := make([]*client, 0, len(s.clients))
	for _, c := range s.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	for _, c := range clients {
		for c.inCall.Load() && !c.switchingAOF() {
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
