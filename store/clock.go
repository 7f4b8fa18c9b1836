package store

import (
	"sync"
	"time"
)

// ManualClock is a Clock that moves only when told to: tests and embedders
// use it to control expiry instead of sleeping. It is safe for concurrent
// use (the sweeper reads it from its own goroutine).
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock stopped at start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start.Round(0)}
}

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock by d (backwards if d is negative).
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t.Round(0)
	c.mu.Unlock()
}

// opTime reads the store's clock at most once per operation, and only when
// the operation needs the exact time: an entry with a TTL, or a TTL to
// set. Reads and writes of keys without a TTL need none, which matters on
// the hot path (a clock read costs about as much as a map lookup).
type opTime struct {
	s  *Store
	ms int64 // 0 until read
}

// now is the current time in Unix milliseconds, read once.
func (t *opTime) now() int64 {
	if t.ms == 0 {
		if t.s.loading.Load() {
			t.ms = 1 // before every expiry: nothing has expired (SetLoading)
		} else {
			t.ms = t.s.nowMs()
		}
	}
	return t.ms
}

// lru is the time to stamp an access with (OBJECT IDLETIME, and the
// recency eviction will use). On the wall clock it is a coarse clock the
// sweeper advances every tick, as Redis's LRU clock advances in its cron;
// on any other clock it is exact, so tests see exact idle times.
func (t *opTime) lru() uint32 {
	if t.s.coarseLRU.Load() {
		return uint32(t.s.lruClock.Load() / 1000)
	}
	return uint32(t.now() / 1000)
}
