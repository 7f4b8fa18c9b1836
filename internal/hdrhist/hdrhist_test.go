package hdrhist

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestLayout checks counters and their ranges against values worked out
// by hand from the HDR definition (2 significant figures: one counter per
// value below 256, then 128 counters per power of two).
func TestLayout(t *testing.T) {
	tests := []struct {
		v               int64
		index           int
		lowest, highest int64
	}{
		{1, 1, 1, 1},
		{255, 255, 255, 255},
		{256, 256, 256, 257},
		{257, 256, 256, 257},
		{1000, 506, 1000, 1003},
		{1024, 512, 1024, 1031},
		{1031, 512, 1024, 1031},
		{1032, 513, 1032, 1039},
		{1_000_000, 1780, 999424, 1003519},
		{Highest, 3054, 998244352, 1002438655},
	}
	for _, tt := range tests {
		t.Run(strconv.FormatInt(tt.v, 10), func(t *testing.T) {
			if got := indexOf(tt.v); got != tt.index {
				t.Errorf("indexOf = %d, want %d", got, tt.index)
			}
			if got := LowestEquivalent(tt.v); got != tt.lowest {
				t.Errorf("LowestEquivalent = %d, want %d", got, tt.lowest)
			}
			if got := HighestEquivalent(tt.v); got != tt.highest {
				t.Errorf("HighestEquivalent = %d, want %d", got, tt.highest)
			}
			if got := ValueAt(tt.index); got != tt.lowest {
				t.Errorf("ValueAt(%d) = %d, want %d", tt.index, got, tt.lowest)
			}
		})
	}
	if got := indexOf(HighestEquivalent(Highest)); got >= CountsLen {
		t.Errorf("the top of Highest's counter falls outside: index %d", got)
	}
}

// TestAgainstRedis replays vectors computed by Redis's own hdr_histogram
// (testdata/README): percentiles and the log walk must agree exactly.
func TestAgainstRedis(t *testing.T) {
	f, err := os.Open("testdata/redis_hdr.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	cases := 0
	for line := 1; sc.Scan(); line++ {
		in, out, ok := strings.Cut(sc.Text(), "#")
		if !ok {
			t.Fatalf("line %d: no #", line)
		}
		var h Histogram
		for _, f := range strings.Fields(in)[1:] {
			v, _ := strconv.ParseInt(f, 10, 64)
			h.Record(v)
		}
		var s Snapshot
		h.Load(&s)
		var got strings.Builder
		for i, p := range []float64{0, 50, 99, 99.9, 100} {
			if i > 0 {
				got.WriteByte(' ')
			}
			fmt.Fprint(&got, s.ValueAtPercentile(p))
		}
		got.WriteString(" |")
		s.Cumulative(1024, func(highest, cum int64) { fmt.Fprintf(&got, " %d:%d", highest, cum) })
		if got.String() != out {
			t.Errorf("line %d:\n got %s\nwant %s", line, got.String(), out)
		}
		cases++
	}
	if cases < 30 {
		t.Fatalf("only %d cases read", cases)
	}
}

func TestEmpty(t *testing.T) {
	var h Histogram
	var s Snapshot
	h.Load(&s)
	if s.Total != 0 || s.ValueAtPercentile(50) != 0 {
		t.Errorf("empty: total %d, p50 %d", s.Total, s.ValueAtPercentile(50))
	}
	s.Cumulative(1024, func(int64, int64) { t.Error("a step of an empty histogram") })
	h.Record(5)
	h.Reset()
	h.Load(&s)
	if s.Total != 0 {
		t.Errorf("after Reset: total %d", s.Total)
	}
}

// TestConcurrentRecord: goroutines recording at once lose no count.
func TestConcurrentRecord(t *testing.T) {
	const workers, each = 4, 10000
	var h Histogram
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				h.Record(int64(w*each + i))
			}
		}()
	}
	wg.Wait()
	var s Snapshot
	h.Load(&s)
	if s.Total != workers*each {
		t.Errorf("total %d, want %d", s.Total, workers*each)
	}
}

func TestRecordAllocs(t *testing.T) {
	var h Histogram
	if n := testing.AllocsPerRun(100, func() { h.Record(12345) }); n != 0 {
		t.Errorf("Record allocates %v times", n)
	}
}

func BenchmarkRecord(b *testing.B) {
	var h Histogram
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Record(int64(i&0xfffff) * 1000)
	}
}
