package lanes

import (
	"slices"
	"testing"
)

// Each lane runs its batches in the order sent, Wait sees them all run,
// and a run batch comes back as a spare.
func TestLanesKeepOrderPerLane(t *testing.T) {
	got := make([][]int, 3)
	l := Start(3, func(lane int, b []int) { got[lane] = append(got[lane], b...) })
	want := make([][]int, 3)
	for i := range 300 {
		l.Send(i%3, []int{i})
		want[i%3] = append(want[i%3], i)
	}
	l.Wait()
	for lane := range got {
		if !slices.Equal(got[lane], want[lane]) {
			t.Fatalf("lane %d ran %v, want %v", lane, got[lane], want[lane])
		}
	}
	if _, ok := l.Spare(); !ok {
		t.Error("no spare batch after 300 runs")
	}
	l.Close()
}
