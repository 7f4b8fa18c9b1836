package hll

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/emberkv/ember/internal/testenv"
)

// The registers Redis 7.0.15 sets for one element (PFADD x a, then
// PFDEBUG DECODE x: "Z:12711 v:2,1 Z:3672"), and the opcodes of all three.
func TestPatLen(t *testing.T) {
	tests := []struct {
		elem  string
		index int
		count uint8
	}{
		{"a", 12711, 2},
		{"b", 15780, 1},
		{"c", 8436, 1},
	}
	for _, tt := range tests {
		if idx, cnt := PatLen([]byte(tt.elem)); idx != tt.index || cnt != tt.count {
			t.Errorf("PatLen(%q) = %d, %d; Redis %d, %d", tt.elem, idx, cnt, tt.index, tt.count)
		}
	}
	s := New()
	for _, tt := range tests {
		s.Add([]byte(tt.elem), DefaultSparseMaxBytes)
	}
	if got := string(s.AppendDecode(nil)); got != "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603" {
		t.Errorf("decode = %q", got)
	}
}

func TestCheck(t *testing.T) {
	empty := New()
	sparse := empty.Bytes()
	dense := New()
	dense.ToDense()
	tests := []struct {
		name string
		b    []byte
		ok   bool
	}{
		{"new", sparse, true},
		{"dense", dense.Bytes(), true},
		{"empty", nil, false},
		{"short", sparse[:15], false},
		{"header only", sparse[:16], true},
		{"magic", append([]byte("HYLl"), sparse[4:]...), false},
		{"encoding 2", append(append([]byte("HYLL"), 2), sparse[5:]...), false},
		{"dense too long", append(bytes.Clone(dense.Bytes()), 0), false},
		{"dense too short", dense.Bytes()[:DenseSize-1], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Check(tt.b); (err == nil) != tt.ok {
				t.Errorf("Check = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

// registers decodes any valid sketch into plain registers.
func registers(t *testing.T, s Sketch) [Registers]uint8 {
	t.Helper()
	var u Union
	if err := u.Merge(s.Bytes()); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestModel adds random elements to a sketch and to plain registers (the
// model), across the sparse-to-dense promotion, checking after each step
// that they agree and that the sparse string stays canonical: it covers
// every register exactly once and no two adjacent VALs could be merged.
func TestModel(t *testing.T) {
	for _, sparseMax := range []int{0, 100, DefaultSparseMaxBytes, 1 << 20} {
		t.Run(strconv.Itoa(sparseMax), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(sparseMax), 7))
			s := New()
			var model [Registers]uint8
			var elem [8]byte
			for i := range 20000 {
				binary.LittleEndian.PutUint64(elem[:], rng.Uint64())
				idx, cnt := PatLen(elem[:])
				wantChange := cnt > model[idx]
				model[idx] = max(model[idx], cnt)
				before := bytes.Clone(s.Bytes())
				changed, err := s.Add(elem[:], sparseMax)
				if err != nil || changed != wantChange {
					t.Fatalf("step %d: Add = %v, %v; want change %v", i, changed, err, wantChange)
				}
				if !changed && !bytes.Equal(before, s.Bytes()) {
					t.Fatalf("step %d: unchanged sketch changed its bytes", i)
				}
				if !s.Dense() && len(s.Bytes()) > max(sparseMax, HeaderSize+2) {
					t.Fatalf("step %d: sparse sketch of %d bytes", i, len(s.Bytes()))
				}
				if i%97 == 0 || i < 200 {
					if got := registers(t, s); got != model {
						t.Fatalf("step %d: registers differ from the model", i)
					}
					if !s.Dense() {
						checkCanonical(t, s.Bytes())
					}
				}
			}
		})
	}
}

func checkCanonical(t *testing.T, b []byte) {
	t.Helper()
	lastVal, lastLen := -1, 0
	for p := HeaderSize; p < len(b); {
		c := b[p]
		switch {
		case isZero(c):
			lastVal = -1
			p++
		case isXZero(c):
			lastVal = -1
			p += 2
		default:
			if valValue(c) == lastVal && lastLen+valLen(c) <= valMaxLen {
				t.Fatalf("mergeable VALs at %d", p)
			}
			lastVal, lastLen = valValue(c), valLen(c)
			p++
		}
	}
}

// TestOpenNeverWrites: a sketch opened on bytes changes a copy.
func TestOpenNeverWrites(t *testing.T) {
	base := New()
	for i := range 3000 {
		base.Add([]byte(strconv.Itoa(i)), DefaultSparseMaxBytes)
	}
	fresh := New()
	for _, b := range [][]byte{fresh.Bytes(), base.Bytes()} {
		orig := bytes.Clone(b)
		s, err := Open(b)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 100 {
			s.Add([]byte("x"+strconv.Itoa(i)), DefaultSparseMaxBytes)
		}
		s.Count()
		s.Invalidate()
		s.ToDense()
		if !bytes.Equal(orig, b) {
			t.Fatal("Open's bytes were written to")
		}
	}
}

func TestCountCaches(t *testing.T) {
	s := New()
	if n, _ := s.Count(); n != 0 {
		t.Fatalf("empty count %d", n)
	}
	for i := range 1000 {
		s.Add([]byte(strconv.Itoa(i)), DefaultSparseMaxBytes)
	}
	s.Invalidate()
	n, err := s.Count()
	if err != nil || n < 990 || n > 1010 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	if s.Bytes()[cacheByte]&staleBit != 0 || binary.LittleEndian.Uint64(s.Bytes()[8:16]) != n {
		t.Fatal("count not cached")
	}
	cached, _ := Open(s.Bytes())
	if m, _ := cached.Count(); m != n || cached.Modified() {
		t.Fatalf("cached Count = %d, modified %v", m, cached.Modified())
	}
	dense := s
	dense.ToDense()
	dense.Invalidate()
	if m, _ := dense.Count(); m != n {
		t.Fatalf("dense count %d, sparse %d", m, n)
	}
}

func TestSelfTest(t *testing.T) {
	if testing.Short() || testenv.RaceEnabled {
		t.Skip("ten million elements")
	}
	if err := SelfTest(DefaultSparseMaxBytes); err != nil {
		t.Fatal(err)
	}
}
