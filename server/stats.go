package server

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emberkv/ember/internal/hdrhist"
	"github.com/emberkv/ember/store"
)

// commandStats are one command's figures for INFO commandstats.
type commandStats struct {
	calls, usec, rejected, failed atomic.Int64
}

// pendingStats are one connection's calls not yet added to the shared
// counters: those of its last command, and the commands processed.
type pendingStats struct {
	cmd         *commandStats
	calls, usec int64
	processed   int64
	// A run of equal latency samples (most fast commands take 0 or 1
	// us): n samples of v in hist.
	hist *hdrhist.Histogram
	v, n int64
}

// sample counts a latency sample of v ns for the histogram h.
func (p *pendingStats) sample(h *hdrhist.Histogram, v int64) {
	if h == p.hist && v == p.v {
		p.n++
		return
	}
	p.flushSample()
	p.hist, p.v, p.n = h, v, 1
}

func (p *pendingStats) flushSample() {
	if p.n != 0 {
		p.hist.RecordN(p.v, p.n)
		p.hist, p.n = nil, 0
	}
}

// add counts a call of the command whose figures are st.
func (p *pendingStats) add(s *serverStats, st *commandStats, usec int64) {
	if p.cmd != st {
		p.flushCommand()
		p.cmd = st
	}
	p.calls++
	p.usec += usec
	p.processed++
	if p.processed >= 1024 { // a long batch still shows in INFO as it runs
		p.flush(s)
	}
}

func (p *pendingStats) flushCommand() {
	if p.calls != 0 {
		p.cmd.calls.Add(p.calls)
		p.cmd.usec.Add(p.usec)
		p.calls, p.usec = 0, 0
	}
}

// flush adds what is pending to the shared counters.
func (p *pendingStats) flush(s *serverStats) {
	p.flushCommand()
	p.flushSample()
	if p.processed != 0 {
		s.commandsProcessed.Add(p.processed)
		p.processed = 0
	}
}

// serverStats are the counters INFO stats reports.
type serverStats struct {
	commands            []commandStats
	commandsProcessed   atomic.Int64
	connectionsReceived atomic.Int64
	rejectedConnections atomic.Int64

	errMu  sync.Mutex
	errors map[string]int64 // error code ("ERR", "WRONGTYPE") -> count

	store      *store.Store // its hit, miss and expiry counters
	replID     string       // master_replid, fixed at start
	peakMemory atomic.Int64 // the highest used_memory seen

	ops opsMeter
}

// countError counts an error reply by its code, for INFO errorstats.
func (st *serverStats) countError(msg string) {
	code := msg
	if i := strings.IndexByte(msg, ' '); i >= 0 {
		code = msg[:i]
	}
	st.errMu.Lock()
	if st.errors == nil {
		st.errors = make(map[string]int64)
	}
	st.errors[code]++
	st.errMu.Unlock()
}

// totalErrors is total_error_replies: every error reply counted.
func (st *serverStats) totalErrors() int64 {
	st.errMu.Lock()
	defer st.errMu.Unlock()
	var n int64
	for _, v := range st.errors {
		n += v
	}
	return n
}

// reset is CONFIG RESETSTAT.
func (st *serverStats) reset() {
	for i := range st.commands {
		c := &st.commands[i]
		c.calls.Store(0)
		c.usec.Store(0)
		c.rejected.Store(0)
		c.failed.Store(0)
	}
	st.commandsProcessed.Store(0)
	st.connectionsReceived.Store(0)
	st.rejectedConnections.Store(0)
	st.errMu.Lock()
	st.errors = nil
	st.errMu.Unlock()
	if st.store != nil {
		st.store.ResetCounters()
	}
	st.ops.reset()
}

// instantaneousOps is instantaneous_ops_per_sec.
func (st *serverStats) instantaneousOps() int64 { return st.ops.rate() }

// opsMeter measures commands per second as Redis's serverCron does: a
// sample every opsSampleEvery, the figure the mean of the last opsSamples.
type opsMeter struct {
	mu       sync.Mutex
	samples  [opsSamples]int64
	next     int
	lastOps  int64
	lastTime time.Time
}

const (
	opsSamples     = 16
	opsSampleEvery = 100 * time.Millisecond
)

// sample records the rate since the previous sample, given the total of
// commands processed so far.
func (m *opsMeter) sample(now time.Time, total int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.lastTime.IsZero() && now.After(m.lastTime) {
		rate := int64(0)
		if total > m.lastOps {
			rate = (total - m.lastOps) * int64(time.Second) / int64(now.Sub(m.lastTime))
		}
		m.samples[m.next] = rate
		m.next = (m.next + 1) % opsSamples
	}
	m.lastOps, m.lastTime = total, now
}

func (m *opsMeter) rate() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	var sum int64
	for _, r := range m.samples {
		sum += r
	}
	return sum / opsSamples
}

func (m *opsMeter) reset() {
	m.mu.Lock()
	m.samples = [opsSamples]int64{}
	m.lastTime = time.Time{}
	m.mu.Unlock()
}

// statsLoop samples the ops rate and the memory peak until the server
// shuts down, Redis's serverCron for those figures. When the process is
// the server's alone (calibrate: Config.ManageGoMemoryLimit), it also
// measures the heap the keys take after each collection (calibrateHeap).
func (s *Server) statsLoop(calibrate bool) {
	t := time.NewTicker(opsSampleEvery)
	defer t.Stop()
	hc := newHeapCalibration()
	for {
		select {
		case <-s.shutdown:
			return
		case now := <-t.C:
			s.stats.ops.sample(now, s.stats.commandsProcessed.Load())
			if calibrate {
				s.calibrateHeap(hc)
			}
			s.usedMemory()
		}
	}
}

func newRunID() string {
	var b [20]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
