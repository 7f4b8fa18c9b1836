package rdb

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/emberkv/ember/store"
)

// tempSeq numbers the temporary files of saves that may run at once (a
// BGSAVE and an AOF rewrite's base, say).
var tempSeq atomic.Int64

// SaveFile writes sn to path durably, as Redis's rdbSave: into a
// temporary file beside it (temp-<pid>-<n>.rdb), which is fsynced,
// renamed over path, and whose directory is fsynced, so that a crash at
// any moment leaves either the old file or the new one, whole. It
// consumes sn.
func SaveFile(path string, sn *store.Snapshot, opts Options) (Stats, error) {
	dir := filepath.Dir(path)
	tmp := filepath.Join(dir, fmt.Sprintf("temp-%d-%d.rdb", os.Getpid(), tempSeq.Add(1)))
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		sn.Close()
		return Stats{}, fmt.Errorf("Failed opening the temp RDB file %s (in server root dir %s) for saving: %w", filepath.Base(tmp), dir, err)
	}
	st, err := Write(f, sn, opts)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		began := time.Now()
		os.Remove(tmp)
		if opts.Latency != nil {
			opts.Latency("rdb-unlink-temp-file", time.Since(began))
		}
		return st, fmt.Errorf("Write error saving DB on disk: %w", err)
	}
	return st, nil
}

// syncDir fsyncs a directory, so that a rename in it is durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// LoadFile loads the RDB file at path into s, replacing every database's
// contents only once the whole file has loaded and checked: a file that
// fails anywhere leaves s as it was. opts.Name and opts.Size default to
// the path and the file's size.
func LoadFile(path string, s *store.Store, opts LoadOptions) (LoadStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return LoadStats{}, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && opts.Size == 0 {
		opts.Size = fi.Size()
	}
	if opts.Name == "" {
		opts.Name = path
	}
	st := s.NewStaging()
	stats, err := Load(f, st, s, opts)
	if err != nil {
		return stats, err
	}
	s.Install(st)
	return stats, nil
}
