package memsize

import "testing"

func TestAlloc(t *testing.T) {
	tests := []struct{ n, want int }{
		{0, 0}, {1, 8}, {8, 8}, {9, 16}, {17, 24}, {33, 48}, {1000, 1024},
		{1560, 1792}, {32768, 32768}, {32769, 40960}, {100000, 106496},
	}
	for _, tc := range tests {
		if got := Alloc(tc.n); got != tc.want {
			t.Errorf("Alloc(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}

// The tables give, for every size up to the largest class, the first
// class at least that large.
func TestAllocEverySmallSize(t *testing.T) {
	for n := 1; n <= int(classes[len(classes)-1]); n++ {
		want := 0
		for _, c := range classes {
			if int(c) >= n {
				want = int(c)
				break
			}
		}
		if got := Alloc(n); got != want {
			t.Fatalf("Alloc(%d) = %d, want %d", n, got, want)
		}
	}
}

func BenchmarkAlloc(b *testing.B) {
	sum := 0
	for i := range b.N {
		sum += Alloc(i & 4095)
	}
	if sum < 0 {
		b.Fatal(sum)
	}
}
