package store

import (
	"math"
	"sync/atomic"
	"time"
)

// The active sweeper follows Redis's activeExpireCycle (slow cycle): each
// tick (hz), visit the shards in turn, resuming where the last tick
// stopped; in each, sample keys that have a TTL, reclaim the expired ones,
// and sample again while more than an acceptable share of the sample had
// expired; stop when the tick's time budget, a share of the tick, is
// spent. active-expire-effort (1..10) raises the sample size, the budget
// and lowers the acceptable share, as in Redis:
//
//	keys per sample  20 + 5*(effort-1)
//	budget           (25 + 2*(effort-1))% of the tick
//	acceptable stale 10 - (effort-1) %
const (
	sweepSample     = 20 // keys sampled per step at effort 1, as Redis
	sweepTimePerc   = 25 // % of each tick the sweeper may take at effort 1
	sweepStalePerc  = 10 // repeat in a shard while more than this % expired
	sweepCheckEvery = 16 // steps between looks at the clock
)

// sweepStats are the sweeper's figures for INFO stats.
type sweepStats struct {
	effort    atomic.Int32  // active-expire-effort, 1..10
	interval  atomic.Int64  // the tick (hz), ns; the loop resets its ticker when it changes
	cpu       atomic.Int64  // time spent sweeping, ns (expire_cycle_cpu_milliseconds)
	capped    atomic.Int64  // ticks that ran out of time (expired_time_cap_reached_count)
	stalePerc atomic.Uint64 // float64 bits: running average of the expired share (expired_stale_perc)
	next      int           // the shard the next tick starts at (sweeper goroutine only)
}

// SetActiveExpireEffort sets active-expire-effort, 1 to 10 (clamped).
func (s *Store) SetActiveExpireEffort(n int) { s.sweepStats.effort.Store(int32(min(max(n, 1), 10))) }

// SetSweepInterval changes how often the active sweeper runs, as CONFIG
// SET hz does (hz 10 is 100ms). It has no effect on a store created
// without a sweeper.
func (s *Store) SetSweepInterval(d time.Duration) {
	if d > 0 {
		s.sweepStats.interval.Store(int64(d))
	}
}

// SweepStats are the active sweeper's running figures, Redis's INFO
// stats fields.
type SweepStats struct {
	CPU          time.Duration // expire_cycle_cpu_milliseconds
	TimeCapped   int64         // expired_time_cap_reached_count
	StalePercent float64       // expired_stale_perc
}

// SweepStats returns the sweeper's figures.
func (s *Store) SweepStats() SweepStats {
	return SweepStats{
		CPU:          time.Duration(s.sweepStats.cpu.Load()),
		TimeCapped:   s.sweepStats.capped.Load(),
		StalePercent: math.Float64frombits(s.sweepStats.stalePerc.Load()),
	}
}

func (s *Store) sweepLoop(every time.Duration) {
	defer close(s.done)
	s.sweepStats.interval.Store(int64(every))
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if d := time.Duration(s.sweepStats.interval.Load()); d != every {
				every = d
				t.Reset(every)
			}
			if s.coarseLRU.Load() {
				s.lruClock.Store(s.nowMs())
			}
			s.sweepCycle(every)
		}
	}
}

// Sweep reclaims every key whose TTL has passed, in every database, at
// once. Tests that move a manual clock call it to see what the active
// sweeper would eventually do. It returns the number of keys removed.
func (s *Store) Sweep() int {
	if s.expiryFrozen(s.nowMs()) || s.loading.Load() {
		return 0 // as Redis's activeExpireCycle during a client pause or loading
	}
	n := 0
	for i := range s.shardCount() {
		release := s.passGate()
		sh := s.shardAt(i)
		sh.lock()
		sh.writer = SweeperWriter
		now := s.nowMs()
		for key := range sh.data.volatile {
			if e, ok := sh.data.items.Peek(key); ok && e.expireAt <= now {
				sh.expire(key, s.hash(key))
				n++
			}
		}
		sh.mu.Unlock()
		release()
	}
	return n
}

// passGate asks the sweep gate (SetSweepGate) before a shard is locked to
// remove keys, and returns what to call once it is unlocked.
func (s *Store) passGate() func() {
	if g := s.sweepGate.Load(); g != nil {
		if release := (*g)(); release != nil {
			return release
		}
	}
	return func() {}
}

// sweepCycle is one tick of the active sweeper.
func (s *Store) sweepCycle(tick time.Duration) {
	if s.expiryFrozen(s.nowMs()) || s.loading.Load() {
		return // as Redis's activeExpireCycle during a client pause or loading
	}
	st := &s.sweepStats
	effort := int(max(st.effort.Load(), 1)) - 1
	perLoop := sweepSample + sweepSample/4*effort
	budget := tick * time.Duration(sweepTimePerc+2*effort) / 100
	acceptable := sweepStalePerc - effort
	start := time.Now()
	deadline := start.Add(budget)
	n := s.shardCount()
	sampledTotal, expiredTotal := 0, 0
	capped := false
	for visited := 0; visited < n && !capped; visited++ {
		i := st.next
		st.next = (st.next + 1) % n
		release := s.passGate()
		sh := s.shardAt(i)
		sh.lock()
		sh.writer = SweeperWriter
		for step := 1; len(sh.data.volatile) > 0; step++ {
			sampled, expired := sh.sweepSample(s, s.nowMs(), perLoop)
			sampledTotal += sampled
			expiredTotal += expired
			if step%sweepCheckEvery == 0 && time.Now().After(deadline) {
				capped = true
				break
			}
			if sampled == 0 || expired*100 <= sampled*acceptable {
				break
			}
		}
		sh.mu.Unlock()
		release()
		if !capped && visited%sweepCheckEvery == 0 && time.Now().After(deadline) {
			capped = true
		}
	}
	elapsed := time.Since(start)
	s.observeLatency(LatencyExpireCycle, elapsed)
	st.cpu.Add(int64(elapsed))
	if capped {
		st.capped.Add(1)
	}
	// As Redis: a running average weighted 5% to this tick's share.
	cur := 0.0
	if sampledTotal > 0 {
		cur = float64(expiredTotal) * 100 / float64(sampledTotal)
	}
	old := math.Float64frombits(st.stalePerc.Load())
	st.stalePerc.Store(math.Float64bits(cur*0.05 + old*0.95))
}

// sweepSample looks at up to n keys with a TTL of the shard (Go starts a
// map's iteration at a random place: a cheap random sample) and
// reclaims the expired ones.
func (sh *shard) sweepSample(s *Store, now int64, n int) (sampled, expired int) {
	for key := range sh.data.volatile {
		if sampled == n {
			break
		}
		sampled++
		if e, ok := sh.data.items.Peek(key); ok && e.expireAt <= now {
			sh.expire(key, s.hash(key))
			expired++
		}
	}
	return sampled, expired
}
