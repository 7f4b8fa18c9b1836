package store

import (
	"sync"
	"testing"
	"time"
)

// TestOnLatency: a sweeper tick and an eviction run each report their
// duration once, under Redis's event names.
func TestOnLatency(t *testing.T) {
	s := New(Options{SweepInterval: -1, Clock: NewManualClock(time.Unix(1e9, 0))})
	defer s.Close()
	var mu sync.Mutex
	seen := map[string]int{}
	s.SetOnLatency(func(event string, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if d < 0 {
			t.Errorf("%s: negative duration %v", event, d)
		}
		seen[event]++
	})
	s.sweepCycle(100 * time.Millisecond)
	cfg := DefaultEviction()
	s.evict(&cfg, 0, true)
	mu.Lock()
	got := map[string]int{LatencyExpireCycle: seen[LatencyExpireCycle], LatencyEvictionCycle: seen[LatencyEvictionCycle]}
	mu.Unlock()
	if got[LatencyExpireCycle] != 1 || got[LatencyEvictionCycle] != 1 || len(seen) != 2 {
		t.Errorf("events %v, want one expire-cycle and one eviction-cycle", seen)
	}
	s.SetOnLatency(nil)
	s.sweepCycle(100 * time.Millisecond) // no function: nothing to call
}
