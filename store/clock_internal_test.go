package store

import (
	"testing"
	"time"
)

// TestWallMsIsTimeNow: the direct wall-clock read agrees with time.Now,
// and a store on SystemClock uses it.
func TestWallMsIsTimeNow(t *testing.T) {
	for range 1000 {
		before := time.Now().UnixMilli()
		w := wallMs()
		after := time.Now().UnixMilli()
		if w < before || w > after {
			t.Fatalf("wallMs %d outside [%d, %d]", w, before, after)
		}
	}
	sys := New(Options{SweepInterval: -1})
	defer sys.Close()
	if !sys.wall {
		t.Errorf("a store on the default clock does not read it directly")
	}
	manual := New(Options{Clock: NewManualClock(time.Unix(1, 0)), SweepInterval: -1})
	defer manual.Close()
	if manual.wall || manual.nowMs() != 1000 {
		t.Errorf("a store on a manual clock: wall %v, now %d", manual.wall, manual.nowMs())
	}
}
