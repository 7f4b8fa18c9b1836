package server

import (
	"runtime/debug"
	"testing"
)

// gcPercent reads the collector's GOGC.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// The latest load running sets GOGC, and the last to end puts back what
// was there before the first, however the loads nest or overlap.
func TestRelaxGCWhileLoading(t *testing.T) {
	t.Setenv("GOGC", "") // the operator's GOGC would leave the collector alone
	defer debug.SetGCPercent(debug.SetGCPercent(77))
	want := func(step string, p int) {
		t.Helper()
		if got := gcPercent(); got != p {
			t.Fatalf("%s: GOGC %d, want %d", step, got, p)
		}
	}
	// An AOF whose RDB base loads inside its replay.
	endAOF := relaxGCWhileLoading(aofLoadGCPercent)
	want("replay", aofLoadGCPercent)
	endBase := relaxGCWhileLoading(rdbLoadGCPercent)
	want("base", rdbLoadGCPercent)
	endBase()
	want("replay after the base", aofLoadGCPercent)
	endAOF()
	want("after", 77)

	// Two servers' loads overlapping, the first ending first.
	endA := relaxGCWhileLoading(rdbLoadGCPercent)
	endB := relaxGCWhileLoading(aofLoadGCPercent)
	endA()
	want("the second alone", aofLoadGCPercent)
	endB()
	want("after both", 77)

	t.Setenv("GOGC", "50")
	end := relaxGCWhileLoading(rdbLoadGCPercent)
	want("under the operator's GOGC", 77)
	end()
}
