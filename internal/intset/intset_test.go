package intset

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func build(vs ...int64) []byte {
	is := New()
	for _, v := range vs {
		is, _ = Add(is, v)
	}
	return is
}

func elements(is []byte) []int64 {
	out := make([]int64, Len(is))
	for i := range out {
		out[i] = Get(is, i)
	}
	return out
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// TestGolden compares with bytes worked out by hand from Redis 7.0's format.
func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		vs   []int64
		want []byte
	}{
		{"empty", nil, mustHex("02000000 00000000")},
		{"16-bit, sorted on insert", []int64{3, -1, 2}, mustHex("02000000 03000000 ffff 0200 0300")},
		{"duplicates ignored", []int64{5, 5, 5}, mustHex("02000000 01000000 0500")},
		{"upgraded to 32-bit by 32768", []int64{1, 32768}, mustHex("04000000 02000000 01000000 00800000")},
		{"upgraded to 32-bit by -32769", []int64{1, -32769}, mustHex("04000000 02000000 ff7fffff 01000000")},
		{"upgraded to 64-bit by 2^31", []int64{-2, 2147483648}, mustHex(
			"08000000 02000000 feffffffffffffff 0000008000000000")},
		{"int64 limits", []int64{math.MaxInt64, math.MinInt64}, mustHex(
			"08000000 02000000 0000000000000080 ffffffffffffff7f")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := build(tt.vs...); !bytes.Equal(got, tt.want) {
				t.Errorf("got  % x\nwant % x", got, tt.want)
			}
		})
	}
}

func TestEncodingUpgrades(t *testing.T) {
	tests := []struct {
		v    int64
		want int
	}{
		{0, 2}, {32767, 2}, {-32768, 2}, {32768, 4}, {-32769, 4},
		{2147483647, 4}, {-2147483648, 4}, {2147483648, 8}, {-2147483649, 8},
		{math.MaxInt64, 8}, {math.MinInt64, 8},
	}
	for _, tt := range tests {
		is := build(-5, 0, 7)
		is, added := Add(is, tt.v)
		if want := !slices.Contains([]int64{-5, 0, 7}, tt.v); added != want {
			t.Errorf("Add(%d) added = %v", tt.v, added)
		}
		if Encoding(is) != tt.want {
			t.Errorf("after Add(%d), encoding %d, want %d", tt.v, Encoding(is), tt.want)
		}
		if !Contains(is, tt.v) || !Contains(is, -5) || !Contains(is, 7) || !Validate(is, true) {
			t.Errorf("after Add(%d): %v", tt.v, elements(is))
		}
		if len(is) != BlobLen(is) || BlobLen(is) != 8+Len(is)*tt.want {
			t.Errorf("BlobLen %d, len %d", BlobLen(is), len(is))
		}
		// As Redis: removing the wide value keeps the wide encoding.
		is, removed := Remove(is, tt.v)
		if !removed || Encoding(is) != tt.want {
			t.Errorf("Remove(%d) = %v, encoding %d", tt.v, removed, Encoding(is))
		}
	}
}

func TestFindAndContains(t *testing.T) {
	is := build(-100, -3, 0, 8, 40000)
	tests := []struct {
		v     int64
		pos   int
		found bool
	}{
		{-100, 0, true}, {-3, 1, true}, {0, 2, true}, {8, 3, true}, {40000, 4, true},
		{-101, 0, false}, {-50, 1, false}, {1, 3, false}, {40001, 5, false},
		{math.MinInt64, 0, false}, {math.MaxInt64, 5, false},
	}
	for _, tt := range tests {
		pos, found := Find(is, tt.v)
		if pos != tt.pos || found != tt.found || Contains(is, tt.v) != tt.found {
			t.Errorf("Find(%d) = %d %v, want %d %v", tt.v, pos, found, tt.pos, tt.found)
		}
	}
	if pos, found := Find(New(), 1); pos != 0 || found {
		t.Errorf("Find in empty = %d %v", pos, found)
	}
	if _, removed := Remove(New(), 1); removed {
		t.Errorf("removed from an empty set")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		is      []byte
		shallow bool // what the header-only check says
		deep    bool
	}{
		{"good", build(1, 2, 3), true, true},
		{"good 64", build(math.MinInt64, 0, math.MaxInt64), true, true},
		{"empty, as Redis rejects", New(), false, false},
		{"nil", nil, false, false},
		{"short header", []byte{2, 0, 0, 0, 1}, false, false},
		{"bad encoding", mustHex("03000000 01000000 000000"), false, false},
		{"length too big", mustHex("02000000 02000000 0100"), false, false},
		{"length too small", mustHex("02000000 01000000 0100 0200"), false, false},
		{"length overflows", mustHex("08000000 ffffffff 0100000000000000"), false, false},
		{"unsorted", mustHex("02000000 02000000 0200 0100"), true, false},
		{"duplicate", mustHex("02000000 02000000 0100 0100"), true, false},
		{"wider than needed is fine", mustHex("04000000 02000000 01000000 02000000"), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Validate(tt.is, false); got != tt.shallow {
				t.Errorf("Validate(shallow) = %v", got)
			}
			if got := Validate(tt.is, true); got != tt.deep {
				t.Errorf("Validate(deep) = %v", got)
			}
		})
	}
}

// checkModel compares is with the sorted, unique model.
func checkModel(t *testing.T, is []byte, model []int64) {
	t.Helper()
	if got := elements(is); !slices.Equal(got, model) {
		t.Fatalf("elements %v, want %v", got, model)
	}
	if len(model) > 0 && !Validate(is, true) {
		t.Fatalf("Validate fails: % x", is)
	}
	if len(is) != BlobLen(is) {
		t.Fatalf("len %d, BlobLen %d", len(is), BlobLen(is))
	}
	// The bytes are those of a fresh intset given the same values and the
	// widest encoding seen (no downgrade).
	fresh := New()
	binary.LittleEndian.PutUint32(fresh, uint32(Encoding(is)))
	for _, v := range model {
		fresh, _ = Add(fresh, v)
	}
	if !bytes.Equal(fresh, is) {
		t.Fatalf("bytes % x, fresh % x", is, fresh)
	}
}

// applyOp adds or removes v on both the intset and the model.
func applyOp(t *testing.T, is []byte, model []int64, add bool, v int64) ([]byte, []int64) {
	t.Helper()
	pos, found := slices.BinarySearch(model, v)
	if add {
		is, added := Add(is, v)
		if added == found {
			t.Fatalf("Add(%d) = %v, model had it: %v", v, added, found)
		}
		if !found {
			model = slices.Insert(model, pos, v)
		}
		return is, model
	}
	is, removed := Remove(is, v)
	if removed != found {
		t.Fatalf("Remove(%d) = %v, model had it: %v", v, removed, found)
	}
	if found {
		model = slices.Delete(model, pos, pos+1)
	}
	return is, model
}

func TestModelRandom(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 11))
		is, model := New(), []int64(nil)
		// Mostly small values so that removes hit; now and then a wide one.
		for range 2000 {
			v := int64(r.IntN(200)) - 100
			switch r.IntN(20) {
			case 0:
				v = r.Int64() >> r.IntN(64)
			case 1:
				v = -(r.Int64() >> r.IntN(64))
			}
			is, model = applyOp(t, is, model, r.IntN(3) != 0, v)
			checkModel(t, is, model)
		}
	}
}

// FuzzIntset checks that Validate never panics on arbitrary bytes (and that
// what it accepts can be read), then runs the input as operations against a
// model.
func FuzzIntset(f *testing.F) {
	f.Add(build(1, 2, 3))
	f.Add([]byte{0, 5, 1, 0x80, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) {
		Validate(data, false)
		if Validate(data, true) {
			for i := range Len(data) {
				if v := Get(data, i); !Contains(data, v) {
					t.Fatalf("Contains(%d) false", v)
				}
			}
		}
		is, model := New(), []int64(nil)
		for len(data) >= 2 {
			op, width := data[0], int(data[1]%8)+1
			data = data[2:]
			if width > len(data) {
				break
			}
			var buf [8]byte
			copy(buf[:], data[:width])
			data = data[width:]
			// Sign-extend a width-byte value, so small negatives are common.
			v := int64(binary.LittleEndian.Uint64(buf[:])<<(64-8*width)) >> (64 - 8*width)
			is, model = applyOp(t, is, model, op&1 == 0, v)
			checkModel(t, is, model)
		}
	})
}

func BenchmarkAdd(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	is := New()
	for i := 0; b.Loop(); i++ {
		if i%512 == 0 {
			is = append(is[:0], New()...)
		}
		is, _ = Add(is, int64(r.IntN(100000)))
	}
}

func BenchmarkContains512(b *testing.B) {
	is := New()
	for i := range 512 {
		is, _ = Add(is, int64(i*97))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Contains(is, int64(i%60000))
	}
}

func BenchmarkRemoveAdd512(b *testing.B) {
	is := New()
	for i := range 512 {
		is, _ = Add(is, int64(i*97))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		v := int64(i%512) * 97
		is, _ = Remove(is, v)
		is, _ = Add(is, v)
	}
}
