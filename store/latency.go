package store

import "time"

// The store's latency events, named as Redis's LATENCY command names them.
const (
	// LatencyExpireCycle is one tick of the active expiry sweeper
	// (Redis's activeExpireCycle).
	LatencyExpireCycle = "expire-cycle"
	// LatencyEvictionCycle is one run of eviction, in the foreground for
	// a command or in the background after it (Redis's performEvictions).
	LatencyEvictionCycle = "eviction-cycle"
)

// SetOnLatency sets (or, with nil, clears) the function told how long
// each of the store's cycles took, with the event's name, for the
// server's latency monitor. It runs on the goroutine of the cycle, with
// no shard lock held, once per cycle; it must be quick and must not call
// the store.
func (s *Store) SetOnLatency(fn func(event string, d time.Duration)) {
	if fn == nil {
		s.onLatency.Store(nil)
		return
	}
	s.onLatency.Store(&fn)
}

func (s *Store) observeLatency(event string, d time.Duration) {
	if fn := s.onLatency.Load(); fn != nil {
		(*fn)(event, d)
	}
}
