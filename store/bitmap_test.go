package store_test

import (
	"bytes"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/emberkv/ember/store"
)

func TestSetBitGetBit(t *testing.T) {
	tests := []struct {
		name    string
		initial string // "<nil>": no key
		offset  uint64
		on      bool
		wantOld bool
		want    string
	}{
		{"new key, bit 0", "<nil>", 0, true, false, "\x80"},
		{"new key, bit 7", "<nil>", 7, true, false, "\x01"},
		{"new key, bit 8 pads", "<nil>", 8, true, false, "\x00\x80"},
		{"clear on a new key creates it", "<nil>", 20, false, false, "\x00\x00\x00"},
		{"set a set bit", "\xff", 3, true, true, "\xff"},
		{"clear a set bit", "\xff", 3, false, true, "\xef"},
		{"grow an existing string", "a", 15, true, false, "a\x01"},
		{"empty string", "", 0, true, false, "\x80"},
		{"high bit of a high byte", "\x00\xfe", 15, true, false, "\x00\xff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := newTestDB(t)
			if tt.initial != "<nil>" {
				db.Set("k", []byte(tt.initial), store.SetOptions{})
			}
			old, err := db.SetBit("k", tt.offset, tt.on)
			if err != nil || old != tt.wantOld {
				t.Fatalf("SetBit = %v, %v; want %v", old, err, tt.wantOld)
			}
			if got := mustGet(t, db, "k"); got != tt.want {
				t.Fatalf("value %q, want %q", got, tt.want)
			}
			bit, err := db.GetBit("k", tt.offset)
			if err != nil || bit != tt.on {
				t.Fatalf("GetBit = %v, %v; want %v", bit, err, tt.on)
			}
			if info, _ := db.Object("k"); info.Encoding != "raw" {
				t.Fatalf("encoding %q, want raw", info.Encoding)
			}
		})
	}
}

func TestBitErrors(t *testing.T) {
	db, _ := newTestDB(t)
	db.RPush("list", []byte("x"))
	if _, err := db.SetBit("list", 0, true); err != store.ErrWrongType {
		t.Fatalf("SetBit on a list: %v", err)
	}
	if _, err := db.GetBit("list", 0); err != store.ErrWrongType {
		t.Fatalf("GetBit on a list: %v", err)
	}
	if _, err := db.SetBit("k", 1<<32, true); err != store.ErrBitOffset {
		t.Fatalf("SetBit at 2^32: %v", err)
	}
	if _, err := db.BitField("k", []store.BitFieldOp{{Kind: store.BitFieldGet, Bits: 64}}, nil); err != store.ErrBitFieldType {
		t.Fatalf("BITFIELD u64: %v", err)
	}
	if _, err := db.BitOp(store.BitOr, "d", "k", "list"); err != store.ErrWrongType {
		t.Fatalf("BitOp with a list: %v", err)
	}
	if n := db.Exists("k", "d"); n != 0 {
		t.Fatalf("a failed command left %d keys", n)
	}
}

// TestMaxStringSize: the offset limit follows SetMaxStringSize, as it
// follows proto-max-bulk-len in Redis.
func TestMaxStringSize(t *testing.T) {
	s := store.New(store.Options{SweepInterval: -1})
	t.Cleanup(s.Close)
	s.SetMaxStringSize(1 << 20)
	db := s.DB(0)
	if _, err := db.SetBit("k", 8<<20-1, true); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetBit("k", 8<<20, true); err != store.ErrBitOffset {
		t.Fatalf("past the limit: %v", err)
	}
	if _, err := db.Append("k", []byte("x")); err != store.ErrTooLarge {
		t.Fatalf("APPEND past the limit: %v", err)
	}
}

// TestBitmapViewsStayIntact: a value handed out by GET is never changed
// by a later bit command, which changes the bytes in place only while no
// view of them is out.
func TestBitmapViewsStayIntact(t *testing.T) {
	db, _ := newTestDB(t)
	db.SetBit("k", 0, true)
	v1, _, _ := db.Get("k")
	db.SetBit("k", 1, true)
	db.SetBit("k", 2, true)
	v2, _, _ := db.Get("k")
	db.BitField("k", []store.BitFieldOp{{Kind: store.BitFieldSet, Bits: 8, Value: 0}}, nil)
	vals := db.MGet([]string{"k"})
	db.SetBit("k", 7, true)
	v3, _, _ := db.GetEx("k", store.GetExOptions{})
	db.SetBit("k", 6, true)
	if string(v1) != "\x80" || string(v2) != "\xe0" || string(vals[0]) != "\x00" || string(v3) != "\x01" {
		t.Fatalf("views changed: %q %q %q %q", v1, v2, vals[0], v3)
	}
	if got := mustGet(t, db, "k"); got != "\x03" {
		t.Fatalf("value %q", got)
	}
}

// refRange is BITCOUNT's and BITPOS's range worked out bit by bit: the
// first and last bit it covers, and whether it is empty.
func refRange(n int64, r *store.BitRange) (first, last int64) {
	if r == nil {
		return 0, n*8 - 1
	}
	total := n
	if r.Bits {
		total = n * 8
	}
	start, end := r.Start, r.End
	if r.OpenEnd {
		end = total - 1
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), min(max(end, 0), total-1)
	if !r.Bits {
		return start * 8, end*8 + 7
	}
	return start, end
}

func refBit(p []byte, i int64) bool { return p[i/8]&(0x80>>(i%8)) != 0 }

func refBitCount(p []byte, r *store.BitRange) int64 {
	if r != nil && r.Start < 0 && r.End < 0 && r.Start > r.End {
		return 0
	}
	first, last := refRange(int64(len(p)), r)
	var n int64
	for i := first; i <= last; i++ {
		if refBit(p, i) {
			n++
		}
	}
	return n
}

func refBitPos(p []byte, bit bool, r *store.BitRange) int64 {
	first, last := refRange(int64(len(p)), r)
	if first > last {
		return -1
	}
	for i := first; i <= last; i++ {
		if refBit(p, i) == bit {
			return i
		}
	}
	// Past the end of the string a clear bit is found, unless an end
	// was given.
	if !bit && (r == nil || r.OpenEnd) {
		return last + 1
	}
	return -1
}

// randomBitmap makes strings with long runs of zeros and ones, so that
// the word-at-a-time paths and the ragged edges are both exercised.
func randomBitmap(rng *rand.Rand) []byte {
	p := make([]byte, rng.IntN(70))
	fill := byte(0)
	for i := range p {
		switch rng.IntN(10) {
		case 0:
			fill = 0
		case 1:
			fill = 0xff
		case 2:
			fill = byte(rng.Uint32())
		}
		p[i] = fill
		if rng.IntN(8) == 0 {
			p[i] = byte(rng.Uint32())
		}
	}
	return p
}

func randomRange(rng *rand.Rand, n int) *store.BitRange {
	if rng.IntN(6) == 0 {
		return nil
	}
	r := &store.BitRange{Bits: rng.IntN(2) == 0, OpenEnd: rng.IntN(4) == 0}
	span := int64(n + 3)
	if r.Bits {
		span = int64(n*8 + 10)
	}
	r.Start = rng.Int64N(2*span+1) - span
	r.End = rng.Int64N(2*span+1) - span
	return r
}

func TestBitCountBitPosAgainstReference(t *testing.T) {
	db, _ := newTestDB(t)
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range 20000 {
		p := randomBitmap(rng)
		db.Set("k", p, store.SetOptions{})
		r := randomRange(rng, len(p))
		if r == nil || !r.OpenEnd {
			got, err := db.BitCount("k", r)
			if want := refBitCount(p, r); err != nil || got != want {
				t.Fatalf("%d: BITCOUNT %x %+v = %d, %v; want %d", i, p, r, got, err, want)
			}
		}
		bit := rng.IntN(2) == 0
		got, err := db.BitPos("k", bit, r)
		if want := refBitPos(p, bit, r); err != nil || got != want {
			t.Fatalf("%d: BITPOS %x %v %+v = %d, %v; want %d", i, p, bit, r, got, err, want)
		}
	}
}

func TestBitCountBitPosMissing(t *testing.T) {
	db, _ := newTestDB(t)
	if n, err := db.BitCount("none", nil); n != 0 || err != nil {
		t.Fatalf("BITCOUNT of a missing key: %d, %v", n, err)
	}
	if n, _ := db.BitPos("none", false, nil); n != 0 {
		t.Fatalf("BITPOS 0 of a missing key: %d", n)
	}
	if n, _ := db.BitPos("none", true, nil); n != -1 {
		t.Fatalf("BITPOS 1 of a missing key: %d", n)
	}
}

func TestBitOp(t *testing.T) {
	tests := []struct {
		name string
		op   store.BitOpKind
		srcs []string // "<nil>" stands for a missing key
		want string   // "<nil>": the destination is deleted
	}{
		{"and", store.BitAnd, []string{"\xff\x0f\xf0", "\x0f\x0f"}, "\x0f\x0f\x00"},
		{"or", store.BitOr, []string{"\xf0", "\x0f\x01"}, "\xff\x01"},
		{"xor", store.BitXor, []string{"\xff\xff", "\x0f", "\x01\x01"}, "\xf1\xfe"},
		{"not", store.BitNot, []string{"\x0f\x00"}, "\xf0\xff"},
		{"and with a missing key", store.BitAnd, []string{"\xff", "<nil>"}, "\x00"},
		{"or of missing keys", store.BitOr, []string{"<nil>", "<nil>"}, "<nil>"},
		{"not of an empty string", store.BitNot, []string{""}, "<nil>"},
		{"long and", store.BitAnd, []string{string(bytes.Repeat([]byte{0xf3}, 37)), string(bytes.Repeat([]byte{0x3f}, 35))},
			string(bytes.Repeat([]byte{0x33}, 35)) + "\x00\x00"},
		{"long not", store.BitNot, []string{string(bytes.Repeat([]byte{0x0f}, 19))}, string(bytes.Repeat([]byte{0xf0}, 19))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := newTestDB(t)
			db.Set("dest", []byte("old"), store.SetOptions{ExpireAt: 1 << 50})
			var keys []string
			for i, s := range tt.srcs {
				k := fmt.Sprint("src", i)
				if s != "<nil>" {
					db.Set(k, []byte(s), store.SetOptions{})
				}
				keys = append(keys, k)
			}
			n, err := db.BitOp(tt.op, "dest", keys...)
			if err != nil {
				t.Fatal(err)
			}
			got := mustGet(t, db, "dest")
			if got != tt.want {
				t.Fatalf("dest %q, want %q", got, tt.want)
			}
			if tt.want != "<nil>" && n != int64(len(tt.want)) || tt.want == "<nil>" && n != 0 {
				t.Fatalf("length %d", n)
			}
			if ttl := db.PTTL("dest"); tt.want != "<nil>" && ttl != -1 {
				t.Fatalf("the destination kept its TTL: %d", ttl)
			}
		})
	}
}

// refField is a BITFIELD field read and written bit by bit.
func refGetField(p []byte, off uint64, w uint8, signed bool) int64 {
	var v uint64
	for i := uint64(0); i < uint64(w); i++ {
		v <<= 1
		if b := off + i; b/8 < uint64(len(p)) && refBit(p, int64(b)) {
			v |= 1
		}
	}
	if signed && w < 64 && v>>(w-1) == 1 {
		v |= math.MaxUint64 << w
	}
	return int64(v)
}

func refSetField(p []byte, off uint64, w uint8, v uint64) {
	for i := uint64(0); i < uint64(w); i++ {
		b := off + i
		mask := byte(0x80) >> (b % 8)
		if v>>(uint64(w)-1-i)&1 == 1 {
			p[b/8] |= mask
		} else {
			p[b/8] &^= mask
		}
	}
}

// refOverflow applies op's overflow mode to the exact value x for a field
// of op's type: the value to store, or ok false for FAIL out of range.
func refOverflow(op store.BitFieldOp, x *big.Int) (uint64, bool) {
	lo, hi := new(big.Int), new(big.Int).Lsh(big.NewInt(1), uint(op.Bits))
	if op.Signed {
		lo.Neg(new(big.Int).Rsh(hi, 1))
		hi.Rsh(hi, 1)
	}
	hi.Sub(hi, big.NewInt(1))
	if x.Cmp(lo) >= 0 && x.Cmp(hi) <= 0 {
		return new(big.Int).And(x, big.NewInt(-1).SetUint64(math.MaxUint64)).Uint64(), true
	}
	switch op.Overflow {
	case store.OverflowFail:
		return 0, false
	case store.OverflowSat:
		if x.Sign() < 0 {
			return uint64(lo.Int64()), true
		}
		return hi.Uint64(), true
	}
	mod := new(big.Int).Lsh(big.NewInt(1), uint(op.Bits))
	return new(big.Int).Mod(x, mod).Uint64(), true // the low bits
}

func TestBitFieldAgainstReference(t *testing.T) {
	db, _ := newTestDB(t)
	rng := rand.New(rand.NewPCG(3, 5))
	var model []byte
	exists := false
	values := []int64{0, 1, -1, 2, -2, 100, -100, math.MaxInt64, math.MinInt64 / 2, math.MaxInt32, math.MinInt32}
	for step := range 30000 {
		ops := make([]store.BitFieldOp, 1+rng.IntN(4))
		for i := range ops {
			op := store.BitFieldOp{Kind: store.BitFieldOpKind(rng.IntN(3)), Signed: rng.IntN(2) == 0, Offset: uint64(rng.IntN(200)), Overflow: store.Overflow(rng.IntN(3))}
			op.Bits = uint8(1 + rng.IntN(64))
			if !op.Signed && op.Bits == 64 {
				op.Bits = 63
			}
			op.Value = values[rng.IntN(len(values))]
			if rng.IntN(2) == 0 {
				// Around the type's range, a bit wider to overflow it.
				w := uint(min(op.Bits+1, 62))
				op.Value = rng.Int64N(1<<w) - 1<<(w-1)
			}
			ops[i] = op
		}
		// The reference: grow to the farthest write, then run the ops.
		size := len(model)
		for _, op := range ops {
			if op.Kind != store.BitFieldGet {
				size = max(size, int((op.Offset+uint64(op.Bits)-1)/8+1))
				exists = true
			}
		}
		model = append(model, make([]byte, size-len(model))...)
		var want []store.BitFieldResult
		for _, op := range ops {
			old := refGetField(model, op.Offset, op.Bits, op.Signed)
			var exact *big.Int
			switch {
			case op.Kind == store.BitFieldGet:
				want = append(want, store.BitFieldResult{Value: old})
				continue
			case op.Kind == store.BitFieldIncrBy:
				exact = new(big.Int).Add(big.NewInt(old), big.NewInt(op.Value))
			case op.Signed:
				exact = big.NewInt(op.Value)
			default:
				// An unsigned SET reads its value as a 64-bit unsigned.
				exact = new(big.Int).SetUint64(uint64(op.Value))
			}
			v, ok := refOverflow(op, exact)
			if !ok {
				want = append(want, store.BitFieldResult{Nil: true})
				continue
			}
			refSetField(model, op.Offset, op.Bits, v)
			if op.Kind == store.BitFieldIncrBy {
				want = append(want, store.BitFieldResult{Value: refGetField(model, op.Offset, op.Bits, op.Signed)})
			} else {
				want = append(want, store.BitFieldResult{Value: old})
			}
		}
		got, err := db.BitField("k", ops, nil)
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("step %d: %+v\n got %v\nwant %v", step, ops, got, want)
		}
		if v := mustGet(t, db, "k"); exists && v != string(model) || !exists && v != "<nil>" {
			t.Fatalf("step %d: value %x, want %x", step, v, model)
		}
		if rng.IntN(500) == 0 {
			db.Del("k")
			model, exists = nil, false
		}
	}
}

// TestBitFieldRedisQuirks pins results that follow from Redis's own
// arithmetic rather than from the exact value.
func TestBitFieldRedisQuirks(t *testing.T) {
	db, _ := newTestDB(t)
	set := func(signed bool, bits uint8, mode store.Overflow, v int64) int64 {
		ops := []store.BitFieldOp{
			{Kind: store.BitFieldSet, Signed: signed, Bits: bits, Value: v, Overflow: mode},
			{Kind: store.BitFieldGet, Signed: signed, Bits: bits},
		}
		res, err := db.BitField("q", ops, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res[1].Value
	}
	// The headroom max-value wraps in two's complement: a SET at or below
	// MinInt64+127 overflows upwards, so SAT stores 127.
	if got := set(true, 8, store.OverflowSat, math.MinInt64); got != 127 {
		t.Fatalf("SAT SET i8 MinInt64 = %d", got)
	}
	if got := set(true, 8, store.OverflowSat, math.MinInt64+128); got != -128 {
		t.Fatalf("SAT SET i8 MinInt64+128 = %d", got)
	}
	// An unsigned SET of a negative value is a huge unsigned one.
	if got := set(false, 8, store.OverflowSat, -1); got != 255 {
		t.Fatalf("SAT SET u8 -1 = %d", got)
	}
	// FAIL still creates the key, padded.
	db.Del("f")
	res, _ := db.BitField("f", []store.BitFieldOp{{Kind: store.BitFieldSet, Bits: 2, Value: 7, Overflow: store.OverflowFail}}, nil)
	if !res[0].Nil || mustGet(t, db, "f") != "\x00" {
		t.Fatalf("FAIL: %v, %q", res, mustGet(t, db, "f"))
	}
}

// TestBitmapConcurrentWriters runs SETBIT, GET and BITOP from several
// goroutines on shared keys, for the race detector; every bit set must be
// there at the end.
func TestBitmapConcurrentWriters(t *testing.T) {
	db, _ := newTestDB(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				off := uint64(i*4 + g)
				db.SetBit("shared", off, true)
				if v, _, _ := db.Get("shared"); len(v) < int(off/8)+1 {
					t.Errorf("short value")
				}
				db.BitCount("shared", nil)
				db.BitOp(store.BitOr, fmt.Sprint("dest", g), "shared", "other")
				db.BitField("other", []store.BitFieldOp{{Kind: store.BitFieldIncrBy, Bits: 8, Offset: uint64(g * 8), Value: 1}}, nil)
			}
		}()
	}
	wg.Wait()
	if n, _ := db.BitCount("shared", nil); n != 2000 {
		t.Fatalf("BITCOUNT %d, want 2000", n)
	}
	if got := mustGet(t, db, "other"); got != "\xf4\xf4\xf4\xf4" {
		t.Fatalf("counters %x", got)
	}
}
