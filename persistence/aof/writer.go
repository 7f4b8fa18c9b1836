package aof

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Fsync is the appendfsync policy.
type Fsync uint8

const (
	// FsyncEverySec: written before the reply, fsynced once a second in
	// the background. A crash loses at most about two seconds of writes.
	FsyncEverySec Fsync = iota
	// FsyncAlways: a write is acknowledged only once it is on disk.
	FsyncAlways
	// FsyncNo: written before the reply, flushed when the OS decides.
	FsyncNo
)

// ParseFsync reads a policy as redis.conf spells it.
func ParseFsync(s string) (Fsync, bool) {
	switch s {
	case "everysec":
		return FsyncEverySec, true
	case "always":
		return FsyncAlways, true
	case "no":
		return FsyncNo, true
	}
	return 0, false
}

func (p Fsync) String() string {
	switch p {
	case FsyncAlways:
		return "always"
	case FsyncNo:
		return "no"
	}
	return "everysec"
}

// ErrClosed is returned by Wait on a closed writer.
var ErrClosed = errors.New("aof: writer closed")

// File is the part of *os.File the writer uses, so tests can inject
// failing disks.
type File interface {
	Write(p []byte) (int, error)
	Sync() error
	Truncate(size int64) error
	Close() error
}

// Writer appends to one incr file. Append copies the bytes into a shared
// buffer and returns a ticket. Wait(ticket) returns once the ticket's
// bytes are written (everysec, no) or on disk (always): the first waiter
// that finds the buffer unwritten lets the other ready goroutines run
// once (they append meanwhile), becomes the flusher, takes the whole
// buffer, writes it (and with FsyncAlways fsyncs it) while the next batch
// accumulates behind it, then wakes everyone it covered. That is group
// commit with no hand-off to another goroutine: N clients waiting at once
// cost one write and one fsync, not N. A background loop writes what
// nobody waits for (DELs of expired keys) within a few milliseconds, and
// retries after a failed write.
type Writer struct {
	mu      sync.Mutex
	cond    *sync.Cond // broadcast when written or synced move, or err changes
	f       File
	raw     *rawFile // f's descriptor for raw writes, nil if it has none
	policy  Fsync
	buf     []byte // appended, not yet handed to the flusher
	spare   []byte
	end     int64 // offset after the last Append (the next ticket's base)
	written int64 // offset written to the file
	synced  int64 // offset known to be on disk
	size    int64 // the file's size before this writer's first append
	err     error // the last write or fsync error; nil once one succeeds
	// failed is err != nil, for Err without the lock: every write
	// command asks it (MISCONF), and the answer is nearly always no.
	failed atomic.Bool
	errAt  time.Time
	closed bool
	// flushing is set while one goroutine writes a batch; the others
	// wait on cond. closing is set once Close has begun: nobody else
	// starts a batch, Close writes what is left.
	flushing bool
	closing  bool

	// everysec bookkeeping, as Redis's aof_fsync_offset and the
	// "fsync is taking too long" warning.
	syncing      bool
	syncStart    time.Time
	lastSlowWarn time.Time

	// appendfsync always: until when the fsync is not raw (syncAlways),
	// and how many of each kind ran, for the tests. The flusher's alone.
	rawSyncOff           time.Time
	rawSyncs, plainSyncs int

	now     func() time.Time
	warn    func(string)
	latency func(event string, d time.Duration)
	timed   func() bool   // whether to time for latency; never nil
	done    chan struct{} // closed when syncLoop ends
	flushed chan struct{} // closed when flushLoop ends
	stop    chan struct{}
}

// WriterOptions configure a Writer.
type WriterOptions struct {
	Fsync Fsync
	// Size is the file's current size (what is already in it).
	Size int64
	// Warn receives Redis's warnings (slow fsync, write errors).
	Warn func(string)
	// RetryEvery is how often a failed write is retried; 1s if 0.
	RetryEvery time.Duration
	// Latency, if set, is told how long each write and each fsync of
	// appendfsync always took, under Redis's latency event names:
	// "aof-write" and, for the same write, "aof-write-pending-fsync"
	// (a background fsync was running) or "aof-write-alone"; and
	// "aof-fsync-always".
	Latency func(event string, d time.Duration)
	// LatencyOn, if set, says whether Latency wants figures now; the
	// writer reads the clock for them only then, as Redis's
	// latencyStartMonitor does with latency-monitor-threshold 0.
	LatencyOn func() bool
}

// NewWriter starts a writer appending to f.
func NewWriter(f File, o WriterOptions) *Writer {
	w := &Writer{f: f, policy: o.Fsync, end: o.Size, written: o.Size, synced: o.Size, size: o.Size,
		now: time.Now, warn: o.Warn, latency: o.Latency, done: make(chan struct{}), flushed: make(chan struct{}), stop: make(chan struct{})}
	w.timed = o.LatencyOn
	if w.timed == nil {
		on := w.latency != nil
		w.timed = func() bool { return on }
	}
	if w.warn == nil {
		w.warn = func(string) {}
	}
	w.cond = sync.NewCond(&w.mu)
	w.raw = newRawFile(f)
	retry := o.RetryEvery
	if retry == 0 {
		retry = time.Second
	}
	go w.flushLoop(retry)
	if o.Fsync == FsyncEverySec {
		go w.syncLoop()
	} else {
		close(w.done)
	}
	return w
}

// OpenFile opens (creating it if needed) an incr file for appending.
func OpenFile(path string) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// Append adds p (one or more RESP commands) and returns the ticket to
// wait on. It copies p, so the caller may reuse it.
func (w *Writer) Append(p []byte) int64 {
	w.mu.Lock()
	w.buf = append(w.buf, p...)
	w.end += int64(len(p))
	t := w.end
	w.mu.Unlock()
	return t
}

// AppendFunc lets fn append to the shared buffer in place, under the
// writer's lock, and returns the ticket: the server formats its commands
// straight into the buffer (one copy) and keeps state that must follow
// the file's order, such as the database last SELECTed, inside fn.
func (w *Writer) AppendFunc(fn func(b []byte) []byte) int64 {
	w.mu.Lock()
	before := len(w.buf)
	w.buf = fn(w.buf)
	w.end += int64(len(w.buf) - before)
	t := w.end
	w.mu.Unlock()
	return t
}

// Wait blocks until the bytes up to ticket are written (and, with
// FsyncAlways, fsynced). It returns the write or fsync error that keeps
// them from being so, at once rather than after the retry: the caller
// must not acknowledge the write.
func (w *Writer) Wait(ticket int64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	yielded := false
	for {
		if w.durable(ticket) {
			return nil
		}
		if w.err != nil {
			return w.err
		}
		if w.closed {
			return ErrClosed
		}
		if !w.flushing && !w.closing && len(w.buf) > 0 {
			if !yielded {
				// Let the goroutines that are ready to run go first:
				// those serving other clients append their writes
				// meanwhile, and one write(2) then takes them all, as
				// Redis writes once per pass of its event loop. With
				// nothing else to run, Gosched returns at once.
				yielded = true
				w.mu.Unlock()
				runtime.Gosched()
				w.mu.Lock()
				continue
			}
			w.flushLocked()
			continue
		}
		w.cond.Wait()
	}
}

// durable reports whether ticket is as durable as the policy asks.
func (w *Writer) durable(ticket int64) bool {
	if w.policy == FsyncAlways {
		return w.synced >= ticket
	}
	return w.written >= ticket
}

// flushLocked writes the whole buffer as one batch, fsyncing it under
// FsyncAlways. It is called with mu held and !flushing; it lets go of mu
// during the I/O.
func (w *Writer) flushLocked() {
	w.flushing = true
	batch := w.buf
	w.buf = w.spare[:0]
	w.spare = nil
	start, end := w.written, w.end
	always := w.policy == FsyncAlways
	pendingFsync := w.syncing
	w.mu.Unlock()

	timed := w.timed()
	var began time.Time
	if timed {
		began = time.Now()
	}
	err := w.writeAll(batch, start, !pendingFsync)
	if timed {
		d := time.Since(began)
		if pendingFsync {
			w.latency("aof-write-pending-fsync", d)
		} else {
			w.latency("aof-write-alone", d)
		}
		w.latency("aof-write", d)
	}
	if err == nil && always {
		began = w.now()
		err = w.syncAlways()
		d := w.now().Sub(began)
		if err != nil {
			err = fmt.Errorf("fsync: %w", err)
		}
		if d > slowRawSync {
			// A disk this slow would hold a processor, and any
			// stop-the-world, as long: fsync(2) the scheduler can see
			// for a while.
			w.rawSyncOff = began.Add(d + rawSyncBackoff)
		}
		if timed {
			w.latency("aof-fsync-always", d)
		}
	}

	w.mu.Lock()
	w.flushing = false
	if err != nil {
		// Put the batch back in front of what came since, so the retry
		// writes everything in order.
		w.buf = append(batch, w.buf...)
		if w.err == nil {
			w.warn("Error writing to the AOF file: " + err.Error())
		}
		w.setErr(err)
		w.errAt = w.now()
	} else {
		if w.err != nil {
			w.warn("AOF write error looks solved, Redis can write again.")
		}
		w.setErr(nil)
		w.written = end
		if always {
			w.synced = end
		}
		w.spare = batch[:0]
	}
	w.cond.Broadcast()
}

// The group commit's fsync under appendfsync always is a raw system call
// (rawfile_linux.go) while the disk answers within slowRawSync, and
// fsync(2) through the scheduler for rawSyncBackoff after one that did
// not.
const (
	slowRawSync    = 5 * time.Millisecond
	rawSyncBackoff = 10 * time.Second
)

// syncAlways is the flusher's fsync under appendfsync always. Only the
// flusher calls it, one at a time.
//
// Why raw: a goroutine in fsync(2) through the scheduler keeps sysmon
// waking every 20 µs and gets its processor handed to another thread,
// which is woken and later parked again, on every group commit (sysmon
// alone was 8% of a SET -P 1 profile under 50 clients); the raw call
// gave about 15% more SETs a second at 15% less CPU each
// (docs/benchmarks.md). The cost: while the disk works, the flusher
// keeps its processor (the other serves the clients, most of which wait
// for this fsync anyway), and a stop-the-world waits for the fsync to
// end, a fraction of a millisecond on a healthy disk. Redis's one thread
// waits in the same fsync with everything else. A slow fsync turns the
// raw call off for a while (rawSyncOff), so that a stalling disk cannot
// hold a processor and the collector for long, time after time.
func (w *Writer) syncAlways() error {
	if w.raw == nil || w.now().Before(w.rawSyncOff) {
		w.plainSyncs++
		return w.f.Sync()
	}
	w.rawSyncs++
	return w.raw.fsync()
}

// Err returns the last write or fsync error, nil once a write succeeded
// after it (Redis's aof_last_write_status).
func (w *Writer) Err() error {
	if !w.failed.Load() {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// setErr records the last write's outcome; mu is held.
func (w *Writer) setErr(err error) {
	w.err = err
	w.failed.Store(err != nil)
}

// Size returns the bytes this writer's file holds, counting what is
// still buffered (Redis's aof_current_size for the incr file).
func (w *Writer) Size() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.end
}

// Pending returns how many appended bytes are not yet written.
func (w *Writer) Pending() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.end - w.written
}

// SetFsync changes the policy (CONFIG SET appendfsync).
func (w *Writer) SetFsync(p Fsync) {
	w.mu.Lock()
	w.policy = p
	w.mu.Unlock()
	w.cond.Broadcast()
}

// flushLoop writes what was appended but nobody waits for, every few
// milliseconds, and retries a failed write every retry.
func (w *Writer) flushLoop(retry time.Duration) {
	defer close(w.flushed)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var nextTry time.Time
	for {
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
		w.mu.Lock()
		if w.err != nil && w.now().Before(nextTry) {
			w.mu.Unlock()
			continue
		}
		if !w.flushing && !w.closing && len(w.buf) > 0 {
			w.flushLocked()
			if w.err != nil {
				nextTry = w.now().Add(retry)
			}
		}
		w.mu.Unlock()
	}
}

// writeAll writes b at offset start; after a short or failed write it
// cuts the file back to start (as Redis's flushAppendOnlyFile does), so a
// retry does not leave half a command in the middle of the file.
func (w *Writer) writeAll(b []byte, start int64, raw bool) error {
	var n int
	var err error
	if raw && w.raw != nil {
		n, err = w.raw.write(b)
	} else {
		n, err = w.f.Write(b)
	}
	if err == nil && n < len(b) {
		err = errors.New("short write")
	}
	if err != nil {
		if n > 0 {
			if terr := w.f.Truncate(start); terr != nil {
				w.warn("Could not remove short write from the append-only file. Redis may refuse to load the AOF the next time it starts. ftruncate: " + terr.Error())
			}
		}
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// syncLoop is everysec's background fsync: once a second, fsync what has
// been written. When an fsync is still running a second later, new
// writes go ahead without waiting for it, and Redis's warning is logged
// (at most every few seconds).
func (w *Writer) syncLoop() {
	defer close(w.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
		}
		w.mu.Lock()
		target := w.written
		need := target > w.synced && w.policy == FsyncEverySec
		w.mu.Unlock()
		if !need {
			continue
		}
		w.mu.Lock()
		w.syncing, w.syncStart = true, w.now()
		w.mu.Unlock()
		err := w.f.Sync()
		w.mu.Lock()
		w.syncing = false
		if err != nil {
			if w.err == nil {
				w.warn("Error fsyncing the AOF file: " + err.Error())
			}
			w.setErr(fmt.Errorf("fsync: %w", err))
		} else if target > w.synced {
			w.synced = target
		}
		w.cond.Broadcast()
		w.mu.Unlock()
	}
}

// SlowFsync reports whether the background fsync has been running for
// more than two seconds, logging Redis's warning when it has (at most
// once every 5 s). The server calls it once a second.
func (w *Writer) SlowFsync() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.syncing || w.now().Sub(w.syncStart) < 2*time.Second {
		return false
	}
	if w.now().Sub(w.lastSlowWarn) >= 5*time.Second {
		w.lastSlowWarn = w.now()
		w.warn("Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.")
	}
	return true
}

// Sync writes and fsyncs everything appended so far (for a clean
// shutdown or before switching files).
func (w *Writer) Sync() error {
	t := w.Size()
	if err := w.Wait(t); err != nil {
		return err
	}
	w.mu.Lock()
	written := w.written
	w.mu.Unlock()
	if err := w.f.Sync(); err != nil {
		return err
	}
	w.mu.Lock()
	if written > w.synced {
		w.synced = written
	}
	w.mu.Unlock()
	return nil
}

// Close flushes what it can, fsyncs, stops the goroutines and closes the
// file.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closing {
		w.mu.Unlock()
		return nil
	}
	w.closing = true
	for w.flushing {
		w.cond.Wait()
	}
	for len(w.buf) > 0 && w.err == nil {
		w.flushLocked()
	}
	err := w.err
	written := w.written
	w.mu.Unlock()
	if err == nil {
		if err = w.f.Sync(); err == nil {
			w.mu.Lock()
			w.synced = max(w.synced, written)
			w.mu.Unlock()
		}
	}
	w.mu.Lock()
	w.closed = true
	w.cond.Broadcast()
	w.mu.Unlock()
	close(w.stop)
	<-w.done
	<-w.flushed
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}
