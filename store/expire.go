package store

import "time"

// The active sweeper follows Redis's activeExpireCycle: sample keys that
// have a TTL, reclaim the expired ones, and keep going in a shard while a
// good share of the sample had expired, within a small time budget per
// shard so that no shard is held for long.
const (
	sweepSample    = 20                     // keys sampled per step, as Redis
	sweepRepeatPct = 25                     // repeat while more than this share expired
	sweepBudget    = 500 * time.Microsecond // longest a shard is held per pass
)

func (s *Store) sweepLoop(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if s.coarseLRU.Load() {
				s.lruClock.Store(s.nowMs())
			}
			s.sweep(false)
		}
	}
}

// Sweep reclaims every key whose TTL has passed, in every database, at
// once. Tests that move a manual clock call it to see what the active
// sweeper would eventually do. It returns the number of keys removed.
func (s *Store) Sweep() int {
	return s.sweep(true)
}

func (s *Store) sweep(full bool) int {
	if s.expiryFrozen(s.nowMs()) {
		return 0 // as Redis's activeExpireCycle during a client pause
	}
	n := 0
	for _, db := range s.dbs {
		for _, sh := range db.shards {
			sh.mu.Lock()
			sh.writer = SweeperWriter
			if len(sh.data.volatile) > 0 {
				n += sh.sweepExpired(s, s.nowMs(), full)
			}
			sh.mu.Unlock()
		}
	}
	return n
}

// sweepExpired reclaims expired keys of one shard, holding its lock.
func (sh *shard) sweepExpired(s *Store, now int64, full bool) int {
	removed := 0
	if full {
		for key := range sh.data.volatile {
			if e, ok := sh.data.items.Peek(key); ok && e.expireAt <= now {
				sh.expire(key, s.hash(key))
				removed++
			}
		}
		return removed
	}
	start := time.Now()
	for {
		sampled, expired := 0, 0
		// Go randomizes where map iteration starts: a cheap random sample.
		for key := range sh.data.volatile {
			if sampled == sweepSample {
				break
			}
			sampled++
			if e, ok := sh.data.items.Peek(key); ok && e.expireAt <= now {
				sh.expire(key, s.hash(key))
				expired++
			}
		}
		removed += expired
		if sampled == 0 || expired*100 <= sampled*sweepRepeatPct || time.Since(start) > sweepBudget {
			return removed
		}
	}
}
