package dict

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestScanEmpty(t *testing.T) {
	for _, d := range []*Dict[int]{{}, New[int](100)} {
		if c := d.Scan(0, func(string, int) { t.Fatal("fn called on an empty Dict") }); c != 0 {
			t.Fatalf("Scan of an empty Dict returned cursor %d", c)
		}
	}
}

// TestScanStableTable checks the walk itself: with no changes between calls
// it takes one call per bucket, names each bucket once, and yields each
// element exactly once.
func TestScanStableTable(t *testing.T) {
	tests := []struct {
		n        int
		resizing bool // scan mid-resize, over both tables
	}{{1, false}, {4, false}, {5, false}, {5, true}, {100, false}, {1000, false}, {1025, true}, {5000, false}, {5000, true}}
	for _, tt := range tests {
		n := tt.n
		t.Run(strconv.Itoa(n)+map[bool]string{true: " resizing"}[tt.resizing], func(t *testing.T) {
			d := New[int](0)
			for i := range n {
				d.Set(strconv.Itoa(i), i)
			}
			if !tt.resizing {
				settle(d)
			}
			if (d.old != nil) != tt.resizing {
				t.Fatalf("resizing = %v, want %v", d.old != nil, tt.resizing)
			}
			wantCalls := d.Buckets()
			if d.old != nil {
				wantCalls = min(len(d.old), d.Buckets())
			}
			buckets := map[uint64]bool{}
			seen := map[string]int{}
			cursor, calls := uint64(0), 0
			for {
				if buckets[cursor] {
					t.Fatalf("cursor %d named twice", cursor)
				}
				buckets[cursor] = true
				cursor = d.Scan(cursor, func(k string, _ int) { seen[k]++ })
				calls++
				if cursor == 0 {
					break
				}
				if cursor >= uint64(d.Buckets()) {
					t.Fatalf("cursor %d out of %d buckets", cursor, d.Buckets())
				}
			}
			if calls != wantCalls {
				t.Fatalf("%d calls, want %d", calls, wantCalls)
			}
			if len(seen) != n {
				t.Fatalf("Scan yielded %d distinct keys, want %d", len(seen), n)
			}
			for k, c := range seen {
				if c != 1 {
					t.Fatalf("Scan yielded %q %d times", k, c)
				}
			}
		})
	}
}

// TestScanGuarantee is HSCAN's promise: an element present from the first
// Scan call to the last is returned at least once, however much the table
// grows and shrinks in between. Between every two calls the test inserts and
// deletes other elements to move the table's size along a schedule.
func TestScanGuarantee(t *testing.T) {
	const churnMax = 10000 // 16384 buckets
	tests := []struct {
		name   string
		stable int
		// target is how many other elements to hold before call step.
		target func(r *rand.Rand, step int) int
		// the scan must see the table at least this small and this big.
		minBuckets, maxBuckets int
	}{
		{
			name:       "grows from 4 to 16384 buckets",
			stable:     3,
			target:     func(_ *rand.Rand, step int) int { return min(churnMax, 8*step*step) },
			minBuckets: 4, maxBuckets: 16384,
		},
		{
			name:       "shrinks from 16384 to 4 buckets",
			stable:     3,
			target:     func(_ *rand.Rand, step int) int { return max(0, churnMax-step*50) },
			minBuckets: 4, maxBuckets: 16384,
		},
		{
			name:   "jumps between 4 and 16384 buckets",
			stable: 3,
			target: func(r *rand.Rand, step int) int {
				switch r.IntN(4) {
				case 0:
					return 0
				case 1:
					return r.IntN(40)
				case 2:
					return churnMax
				}
				return r.IntN(churnMax)
			},
			minBuckets: 4, maxBuckets: 16384,
		},
		{
			name:   "oscillates gradually",
			stable: 200,
			target: func(_ *rand.Rand, step int) int {
				phase := step % 400 // a triangle wave: 0 up to 10000 and back
				if phase > 200 {
					phase = 400 - phase
				}
				return phase * churnMax / 200
			},
			minBuckets: 256, maxBuckets: 16384,
		},
		{
			name:       "small changes around 1024 buckets",
			stable:     100,
			target:     func(r *rand.Rand, step int) int { return 850 + r.IntN(200) },
			minBuckets: 1024, maxBuckets: 2048,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sawMin, sawMax := false, false
			for seed := range uint64(10) {
				r := rand.New(rand.NewPCG(seed, 7))
				d := New[int](0)
				churn := []string{} // the other elements, to delete at random
				nextChurn := 0
				setChurn := func(n int) {
					for len(churn) < n {
						k := "c" + strconv.Itoa(nextChurn)
						nextChurn++
						d.Set(k, -1)
						churn = append(churn, k)
					}
					for len(churn) > n {
						i := r.IntN(len(churn))
						d.Delete(churn[i])
						churn[i] = churn[len(churn)-1]
						churn = churn[:len(churn)-1]
					}
				}
				setChurn(tt.target(r, 0))
				for i := range tt.stable {
					d.Set("s"+strconv.Itoa(i), i)
				}
				seen := make([]bool, tt.stable)
				cursor, step := uint64(0), 0
				for {
					sawMin = sawMin || d.Buckets() <= tt.minBuckets
					sawMax = sawMax || d.Buckets() >= tt.maxBuckets
					cursor = d.Scan(cursor, func(k string, v int) {
						if _, ok := d.Get(k); !ok {
							t.Fatalf("Scan yielded %q, which is absent", k)
						}
						if v >= 0 {
							seen[v] = true
						}
					})
					if cursor == 0 {
						break
					}
					step++
					setChurn(tt.target(r, step))
				}
				checkInvariants(t, d)
				for i, ok := range seen {
					if !ok {
						t.Fatalf("seed %d: stable element s%d never returned in %d calls", seed, i, step+1)
					}
				}
			}
			if !sawMin || !sawMax {
				t.Fatalf("scans never saw the table at %d buckets (%v) or at %d (%v)", tt.minBuckets, sawMin, tt.maxBuckets, sawMax)
			}
		})
	}
}
