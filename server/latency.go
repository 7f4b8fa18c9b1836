package server

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emberkv/ember/internal/hdrhist"
)

// What a finished command leaves for latency monitoring: a sample in its
// latency histogram (INFO latencystats, LATENCY HISTOGRAM) while
// latency-tracking is on, an entry in the SLOWLOG, and a "command" or
// "fast-command" event for LATENCY when it ran for at least
// latency-monitor-threshold milliseconds, as Redis 7.0.15's call() does.
// The store, the AOF writer and the server add their own events
// (expire-cycle, eviction-cycle, aof-write, aof-fsync-always).

// latencySamples is how many samples an event keeps (LATENCY_TS_LEN).
const latencySamples = 160

// latencyState is the server's latency monitoring.
type latencyState struct {
	tracking    atomic.Bool                         // latency-tracking
	percentiles atomic.Pointer[[]float64]           // latency-tracking-info-percentiles
	hists       []atomic.Pointer[hdrhist.Histogram] // by command id; nil until first called
	thresholdMs atomic.Int64                        // latency-monitor-threshold

	mu     sync.Mutex
	events []*latencyEvent // in the order they first happened
}

// latencyEvent is one event's time series, as Redis's latencyTimeSeries:
// the newest sample per second, the last latencySamples seconds that had
// one.
type latencyEvent struct {
	name    string
	next    int // where the next sample goes
	max     uint32
	samples [latencySamples]latencySample
}

type latencySample struct {
	unix    int32 // 0: unused
	latency uint32
}

func (l *latencyState) init(commands int) {
	l.hists = make([]atomic.Pointer[hdrhist.Histogram], commands)
	l.tracking.Store(true)
	p := []float64{50, 99, 99.9}
	l.percentiles.Store(&p)
}

// recordCall is the hook in call(): usec is how long cmd ran, not
// counting time blocked. It takes no lock and allocates nothing unless
// the command is slow enough to log.
func (c *client) recordCall(cmd *command, args [][]byte, usec int64) {
	if c.blockedOut {
		// As Redis: a blocked command that times out (or that CLIENT
		// UNBLOCK ends) is logged only when served, so never.
		c.blockedOut = false
		return
	}
	l := &c.srv.latency
	if l.tracking.Load() {
		h := l.hists[cmd.id].Load()
		if h == nil {
			h = l.histogram(cmd.id)
		}
		// Microseconds, as Redis records them. A connection's equal
		// samples gather (pendingStats) like its calls.
		if c.batchStats {
			c.pending.sample(h, usec*1000)
		} else {
			h.Record(usec * 1000)
		}
	}
	if c.srv.slowlog.wants(usec) && cmd.flags&flagSkipSlowlog == 0 {
		c.srv.slowlog.push(c, args, usec)
	}
	if t := l.thresholdMs.Load(); t > 0 && usec/1000 >= t {
		event := "command"
		if cmd.flags&flagFast != 0 {
			event = "fast-command"
		}
		c.srv.latencyEvent(event, usec/1000)
	}
}

// histogram returns command id's histogram, creating it.
func (l *latencyState) histogram(id int) *hdrhist.Histogram {
	h := new(hdrhist.Histogram)
	if l.hists[id].CompareAndSwap(nil, h) {
		return h
	}
	return l.hists[id].Load()
}

// resetHistograms is CONFIG RESETSTAT's part: commands called before
// leave INFO latencystats, as Redis frees their histograms.
func (l *latencyState) resetHistograms() {
	for i := range l.hists {
		l.hists[i].Store(nil)
	}
}

// noteBlocked adds the time since t (a monoNow reading) to the running
// command's blocked time, which its latency figures leave out, as Redis
// counts a blocked command's time only while it runs.
func (c *client) noteBlocked(since time.Duration) { c.blockedFor += monoNow() - since }

// runMicros is how long the command that ran from start to end (monoNow
// readings) took, in whole microseconds, not counting the time it spent
// blocked.
func (c *client) runMicros(start, end time.Duration) int64 {
	d := end - start - c.blockedFor
	c.blockedFor = 0
	return int64(max(d, 0) / time.Microsecond)
}

// latencyObserve is what the store and the AOF writer call with the
// duration of a cycle or an I/O: it becomes an event sample when over
// latency-monitor-threshold.
func (s *Server) latencyObserve(event string, d time.Duration) {
	if t := s.latency.thresholdMs.Load(); t > 0 {
		if ms := d.Milliseconds(); ms >= t {
			s.latencyEvent(event, ms)
		}
	}
}

// latencyEvent adds a sample of ms milliseconds to event, as Redis's
// latencyAddSample: one sample per second, the highest of that second.
func (s *Server) latencyEvent(event string, ms int64) {
	now := int32(s.clockNow().Unix())
	lat := uint32(min(ms, 1<<32-1))
	l := &s.latency
	l.mu.Lock()
	defer l.mu.Unlock()
	var ev *latencyEvent
	for _, e := range l.events {
		if e.name == event {
			ev = e
			break
		}
	}
	if ev == nil {
		ev = &latencyEvent{name: event}
		l.events = append(l.events, ev)
	}
	ev.max = max(ev.max, lat)
	prev := &ev.samples[(ev.next+latencySamples-1)%latencySamples]
	if prev.unix == now {
		prev.latency = max(prev.latency, lat)
		return
	}
	ev.samples[ev.next] = latencySample{unix: now, latency: lat}
	ev.next = (ev.next + 1) % latencySamples
}

// eventCopy returns a copy of the named event (exact case, as Redis's
// lookup), or false.
func (l *latencyState) eventCopy(name string) (latencyEvent, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.events {
		if e.name == name {
			return *e, true
		}
	}
	return latencyEvent{}, false
}

// allEvents returns copies of every event.
func (l *latencyState) allEvents() []latencyEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]latencyEvent, len(l.events))
	for i, e := range l.events {
		out[i] = *e
	}
	return out
}

// reset drops the event named (any case, as Redis), or every event when
// name is "", and returns how many it dropped.
func (l *latencyState) reset(name string, all bool) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	kept := l.events[:0]
	n := 0
	for _, e := range l.events {
		if all || strings.EqualFold(e.name, name) {
			n++
			continue
		}
		kept = append(kept, e)
	}
	clear(l.events[len(kept):])
	l.events = kept
	return n
}

// applyLatency is CONFIG SET of the latency and slowlog parameters.
func applyLatency(s *Server, cfg *Config) {
	get := func(name string) string { return cfg.value(paramIndex[name]) }
	n, _ := strconv.ParseInt(get("latency-monitor-threshold"), 10, 64)
	s.latency.thresholdMs.Store(n)
	s.latency.tracking.Store(get("latency-tracking") == "yes")
	var ps []float64
	for _, f := range strings.Fields(get("latency-tracking-info-percentiles")) {
		p, _ := strconv.ParseFloat(f, 64)
		ps = append(ps, p)
	}
	s.latency.percentiles.Store(&ps)
	n, _ = strconv.ParseInt(get("slowlog-log-slower-than"), 10, 64)
	s.slowlog.slowerThan.Store(n)
	n, _ = strconv.ParseInt(get("slowlog-max-len"), 10, 64)
	s.slowlog.maxLen.Store(n)
}

// infoLatencyStats is INFO latencystats: each command's percentiles, in
// microseconds, for the commands called since the start (or RESETSTAT).
func (s *Server) infoLatencyStats(c *client, b *infoBuilder) {
	if !s.latency.tracking.Load() {
		return
	}
	ps := *s.latency.percentiles.Load()
	var snap hdrhist.Snapshot
	for _, cmd := range s.commandsByName() {
		h := s.latency.hists[cmd.id].Load()
		if h == nil {
			continue
		}
		h.Load(&snap)
		line := make([]byte, 0, 96)
		line = append(line, "latency_percentiles_usec_"...)
		line = append(line, cmd.name...)
		line = append(line, ':')
		for i, p := range ps {
			if i > 0 {
				line = append(line, ',')
			}
			line = append(line, 'p')
			line = append(line, percentileLabel(p)...)
			line = append(line, '=')
			line = strconv.AppendFloat(line, float64(snap.ValueAtPercentile(p))/1000, 'f', 3, 64)
		}
		line = append(line, '\r', '\n')
		b.Write(line)
	}
}

// percentileLabel prints p as Redis does: "%f" with the trailing zeros
// (and a trailing point) trimmed, so 50 and 99.9 read "50" and "99.9".
func percentileLabel(p float64) string {
	s := strconv.FormatFloat(p, 'f', 6, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// commandsByName lists every command and subcommand by name, the order
// Ember's INFO commandstats and latencystats use (Redis's is its hash
// table's).
func (s *Server) commandsByName() []*command {
	cmds := append([]*command(nil), s.all...)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	return cmds
}
