package dict

import (
	"strconv"
	"testing"
)

func TestSlabChunks(t *testing.T) {
	tests := []struct {
		name       string
		grow, keep int // push grow items, then pop down to keep
		chunks     int
		firstLen   int
	}{
		{"empty", 0, 0, 0, 0},
		{"one item", 1, 1, 1, firstChunkLen},
		{"first chunk doubles", firstChunkLen + 1, firstChunkLen + 1, 1, 2 * firstChunkLen},
		{"first chunk full", chunkLen, chunkLen, 1, chunkLen},
		{"second chunk", chunkLen + 1, chunkLen + 1, 2, chunkLen},
		{"empty second chunk kept", chunkLen + 1, chunkLen, 2, chunkLen},
		{"second kept while first is half full", chunkLen + 1, chunkLen/2 + 1, 2, chunkLen},
		{"second freed once first is half empty", chunkLen + 1, chunkLen / 2, 1, chunkLen},
		{"three chunks", 2*chunkLen + 1, 2*chunkLen + 1, 3, chunkLen},
		{"third freed once second is half empty", 2*chunkLen + 1, chunkLen + chunkLen/2, 2, chunkLen},
		{"down to one chunk", 3 * chunkLen, 10, 1, chunkLen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s slab[int]
			for i := range tt.grow {
				s.push(item[int]{key: strconv.Itoa(i), val: i})
			}
			for s.n > tt.keep {
				s.pop()
			}
			if len(s.chunks) != tt.chunks || tt.chunks > 0 && len(s.chunks[0]) != tt.firstLen {
				t.Fatalf("%d chunks, the first of %d slots; want %d and %d", len(s.chunks), len(s.chunks[0]), tt.chunks, tt.firstLen)
			}
			if err := slabError(&s); err != nil {
				t.Fatal(err)
			}
			for i := range s.n {
				if it := s.at(i); it.val != i || it.key != strconv.Itoa(i) {
					t.Fatalf("item %d = %q, %d", i, it.key, it.val)
				}
			}
		})
	}
}

func TestSlabTrim(t *testing.T) {
	tests := []struct {
		name          string
		n, room, want int
	}{
		{"more than twice too long", 10, 16, 16},
		{"room below n keeps n", 10, 4, 10},
		{"not twice too long", 300, 512, 1024},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s slab[int]
			for i := range chunkLen {
				s.push(item[int]{val: i})
			}
			for s.n > tt.n {
				s.pop()
			}
			s.trim(tt.room)
			if got := len(s.chunks[0]); got != tt.want {
				t.Fatalf("first chunk has %d slots, want %d", got, tt.want)
			}
			for i := range s.n {
				if s.at(i).val != i {
					t.Fatalf("item %d lost in trim", i)
				}
			}
		})
	}
}
