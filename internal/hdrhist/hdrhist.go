// Package hdrhist is a fixed-size, pointer-free HDR ("high dynamic range")
// histogram of durations in nanoseconds, laid out exactly as the one Redis
// 7.0 keeps per command for INFO latencystats and LATENCY HISTOGRAM: values
// from 1 ns to 1 s, two significant figures (hdr_init(1, 1000000000, 2) in
// Redis's deps/hdr_histogram).
//
// The layout, from the HDR definition: values below 256 have a counter
// each; above that, every power-of-two range [2^k, 2^(k+1)) is split into
// 128 equal sub-buckets, so a recorded value is known to within 1/128 of
// itself. With values up to 1e9 that takes 23 buckets and 3072 counters.
//
// Record is one atomic add and never allocates, so that any number of
// goroutines may record at once without a lock. Readers take a Snapshot:
// a copy of the counters that percentiles and the cumulative distribution
// are computed from.
package hdrhist

import (
	"math/bits"
	"sync/atomic"
)

// The configuration Redis uses (server.h LATENCY_HISTOGRAM_*).
const (
	// Lowest and Highest bound what Record keeps: a value outside is
	// clamped to them, as Redis's updateCommandLatencyHistogram does.
	Lowest  = 1
	Highest = 1_000_000_000

	// 2 significant figures: single-unit resolution up to 2*10^2, so
	// sub-buckets of 2^8 = 256 counters, the upper half of each used by
	// every bucket after the first.
	subBucketHalfCountMagnitude = 7
	subBucketHalfCount          = 1 << subBucketHalfCountMagnitude // 128
	subBucketCount              = 2 * subBucketHalfCount           // 256
	subBucketMask               = subBucketCount - 1
	// bucketCount is how many doublings of subBucketCount cover Highest:
	// 256<<22 = 1073741824 is the first value past 1e9.
	bucketCount = 23
	// CountsLen is the number of counters.
	CountsLen = (bucketCount + 1) * subBucketHalfCount // 3072
)

// Histogram counts recorded values. The zero value is empty and ready;
// it must not be copied once in use.
type Histogram struct {
	counts [CountsLen]atomic.Int64
}

// Record counts one value of v nanoseconds, clamped to [Lowest, Highest].
func (h *Histogram) Record(v int64) {
	if v < Lowest {
		v = Lowest
	} else if v > Highest {
		v = Highest
	}
	h.counts[indexOf(v)].Add(1)
}

// RecordN counts n values of v nanoseconds at once: what a caller that
// gathered equal samples adds in one step.
func (h *Histogram) RecordN(v, n int64) {
	if v < Lowest {
		v = Lowest
	} else if v > Highest {
		v = Highest
	}
	h.counts[indexOf(v)].Add(n)
}

// Reset empties the histogram. Values recorded while it runs may survive.
func (h *Histogram) Reset() {
	for i := range h.counts {
		h.counts[i].Store(0)
	}
}

// Snapshot is a copy of a histogram's counters, to read from.
type Snapshot struct {
	Counts [CountsLen]int64
	Total  int64
}

// Load copies h's counters into s.
func (h *Histogram) Load(s *Snapshot) {
	s.Total = 0
	for i := range h.counts {
		n := h.counts[i].Load()
		s.Counts[i] = n
		s.Total += n
	}
}

// bucketOf is the power-of-two bucket v falls in (0 for v < 256).
func bucketOf(v int64) int {
	pow2ceiling := 64 - bits.LeadingZeros64(uint64(v|subBucketMask))
	return pow2ceiling - (subBucketHalfCountMagnitude + 1)
}

// indexOf is the counter v is counted in.
func indexOf(v int64) int {
	b := bucketOf(v)
	sub := int(v >> b)
	return (b+1)<<subBucketHalfCountMagnitude + sub - subBucketHalfCount
}

// ValueAt is the lowest value counted in counter i.
func ValueAt(i int) int64 {
	b := i>>subBucketHalfCountMagnitude - 1
	sub := i&(subBucketHalfCount-1) + subBucketHalfCount
	if b < 0 {
		sub -= subBucketHalfCount
		b = 0
	}
	return int64(sub) << b
}

// rangeSize is how many values share v's counter.
func rangeSize(v int64) int64 { return 1 << bucketOf(v) }

// LowestEquivalent is the lowest value counted with v.
func LowestEquivalent(v int64) int64 {
	b := bucketOf(v)
	return (v >> b) << b
}

// HighestEquivalent is the highest value counted with v.
func HighestEquivalent(v int64) int64 {
	return LowestEquivalent(v) + rangeSize(v) - 1
}

// ValueAtPercentile is the value below or at which p percent of the
// recorded values fall, reported as the highest value of its counter (the
// lowest for p = 0), as hdr_value_at_percentile does. An empty snapshot
// answers 0.
func (s *Snapshot) ValueAtPercentile(p float64) int64 {
	want := min(p, 100.0)
	count := int64(want/100*float64(s.Total) + 0.5)
	count = max(count, 1)
	var v int64
	var sum int64
	for i, n := range s.Counts {
		sum += n
		if sum >= count {
			v = ValueAt(i)
			break
		}
	}
	if p == 0 {
		return LowestEquivalent(v)
	}
	return HighestEquivalent(v)
}

// Cumulative calls fn for each power-of-two step of values, from first on,
// with the highest value the step reaches and the count of values at or
// below it, while values remain beyond the previous step: the walk of
// hdr_iter_log_init(first, base 2) that Redis's LATENCY HISTOGRAM makes.
// A step reports the highest value of the counter holding its level, so
// the level 1024 reports 1031; the last step past Highest reports the top
// of the last counter.
func (s *Snapshot) Cumulative(first int64, fn func(highest, cumulative int64)) {
	if first < Lowest {
		first = Lowest
	}
	var cum int64
	next := 0 // the next counter to add
	for level := first; cum < s.Total; level *= 2 {
		at := indexOf(LowestEquivalent(level))
		if bucketOf(level) >= bucketCount {
			at = CountsLen - 1
		}
		for ; next <= at; next++ {
			cum += s.Counts[next]
		}
		fn(HighestEquivalent(ValueAt(at)), cum)
		if at == CountsLen-1 {
			return
		}
	}
}
