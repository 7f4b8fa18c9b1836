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
