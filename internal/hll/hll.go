// Package hll is Redis 7.0's HyperLogLog, byte for byte (hyperloglog.c):
// the same string layout, the same hash, the same sparse and dense
// encodings and the same estimator, so that an HLL made by Redis reads
// here with the same count, and the other way round.
//
// An HLL is a string: the magic "HYLL", one encoding byte (0 dense, 1
// sparse), three unused bytes, an 8-byte little-endian cached cardinality
// whose top bit marks it stale, then the registers. Dense registers are
// 16384 6-bit counters packed from the least significant bit up; sparse
// ones are a run-length code of three opcodes:
//
//	ZERO   00xxxxxx           xxxxxx+1 registers (1..64) set to 0
//	XZERO  01xxxxxx yyyyyyyy  xxxxxxyyyyyyyy+1 registers (1..16384) set to 0
//	VAL    1vvvvvxx           xx+1 registers (1..4) set to vvvvv+1 (1..32)
//
// Redis reads its strings with a zero byte after the last one (an sds
// string's terminator); this package reads a byte past the end as zero
// too, so that malformed strings decode as they do in Redis, and never
// reads beyond that.
package hll

import (
	"encoding/binary"
	"errors"
	"math"
	"math/bits"
)

// The dimensions of Redis's HyperLogLog.
const (
	P                     = 14                                   // bits of the hash that pick a register
	Q                     = 64 - P                               // bits left for the run of zeros
	Registers             = 1 << P                               // 16384
	HeaderSize            = 16                                   // magic, encoding, unused, cached cardinality
	DenseSize             = HeaderSize + (Registers*regBits+7)/8 // 12304
	DefaultSparseMaxBytes = 3000                                 // hll-sparse-max-bytes' default
)

const (
	regBits = 6
	regMax  = 1<<regBits - 1

	encDense  = 0
	encSparse = 1
	encMax    = encSparse

	// The sparse opcodes' limits.
	valMaxValue  = 32
	valMaxLen    = 4
	zeroMaxLen   = 64
	xzeroMaxLen  = 16384
	xzeroBit     = 0x40
	valBit       = 0x80
	cacheByte    = 15   // card[7], whose top bit marks the cache stale
	staleBit     = 0x80 // HLL_INVALIDATE_CACHE
	murmurSeed   = 0xadc83b19
	alphaInf     = 0.721347520444481703680 // 0.5/ln(2)
	hashIndexMsk = Registers - 1
)

// The package's errors.
var (
	// ErrNotHLL: the string is not an HLL (wrong magic, unknown encoding,
	// or a dense HLL of the wrong length). Redis answers WRONGTYPE.
	ErrNotHLL = errors.New("hll: not a valid HyperLogLog string value")
	// ErrCorrupt: the sparse registers do not decode to exactly 16384
	// registers. Redis answers INVALIDOBJ.
	ErrCorrupt = errors.New("hll: corrupted HLL object")
)

// Check tells whether b passes Redis's isHLLObjectOrReply: at least a
// header, the magic, a known encoding, and the exact length when dense.
// The sparse registers are checked only when they are read.
func Check(b []byte) error {
	if len(b) < HeaderSize || b[0] != 'H' || b[1] != 'Y' || b[2] != 'L' || b[3] != 'L' ||
		b[4] > encMax || (b[4] == encDense && len(b) != DenseSize) {
		return ErrNotHLL
	}
	return nil
}

// Sketch is an HLL string being read or changed. It never writes to the
// bytes it was opened on: the first change works on a private copy, so a
// caller may open a value others still read and keep it only if changed.
type Sketch struct {
	b     []byte
	owned bool // b is the sketch's own copy, changed in place
}

// New returns an empty HLL as Redis's createHLLObject makes it: sparse,
// one XZERO opcode covering every register, and a zero cached count.
func New() Sketch {
	b := make([]byte, HeaderSize+2, HeaderSize+2+sparseSlack)
	copy(b, "HYLL")
	b[4] = encSparse
	putXZero(b[HeaderSize:], Registers)
	return Sketch{b: b, owned: true}
}

// Open reads b as an HLL, checking it as Check does. b is not copied.
func Open(b []byte) (Sketch, error) {
	if err := Check(b); err != nil {
		return Sketch{}, err
	}
	return Sketch{b: b}, nil
}

// Bytes returns the HLL string.
func (s *Sketch) Bytes() []byte { return s.b }

// Modified tells whether the sketch holds bytes other than those it was
// opened on (a new sketch counts as modified).
func (s *Sketch) Modified() bool { return s.owned }

// Dense tells whether the sketch uses the dense encoding.
func (s *Sketch) Dense() bool { return s.b[4] == encDense }

// sparseSlack is the room a private copy keeps for a sparse update, which
// grows the string by at most 3 bytes.
const sparseSlack = 8

// own makes b the sketch's own copy before a change.
func (s *Sketch) own() {
	if s.owned {
		return
	}
	nb := make([]byte, len(s.b), len(s.b)+sparseSlack)
	copy(nb, s.b)
	s.b, s.owned = nb, true
}

// Invalidate marks the cached cardinality stale (HLL_INVALIDATE_CACHE).
func (s *Sketch) Invalidate() {
	if s.b[cacheByte]&staleBit == 0 {
		s.own()
		s.b[cacheByte] |= staleBit
	}
}

// Add adds elem as PFADD does, and tells whether a register changed. A
// sparse sketch that grows past sparseMax bytes (hll-sparse-max-bytes),
// or needs a register above 32, becomes dense. ErrCorrupt means the sparse
// registers are malformed; changes made by earlier calls remain, as in
// Redis.
func (s *Sketch) Add(elem []byte, sparseMax int) (bool, error) {
	index, count := PatLen(elem)
	return s.set(index, count, sparseMax)
}

// set raises register index to count if it is lower.
func (s *Sketch) set(index int, count uint8, sparseMax int) (bool, error) {
	if s.b[4] == encDense {
		r := s.b[HeaderSize:]
		if count <= denseGet(r, index) {
			return false, nil
		}
		s.own()
		denseSet(s.b[HeaderSize:], index, count)
		return true, nil
	}
	return s.sparseSet(index, count, sparseMax)
}

// PatLen hashes elem as Redis's hllPatLen: the register it falls in, and
// the length of the run of zeros (plus the closing one) in the rest of its
// hash, 1 to Q+1.
func PatLen(elem []byte) (index int, count uint8) {
	h := MurmurHash64A(elem, murmurSeed)
	index = int(h & hashIndexMsk)
	h >>= P
	h |= 1 << Q // the run ends by bit Q at the latest
	return index, uint8(bits.TrailingZeros64(h) + 1)
}

// MurmurHash64A is Austin Appleby's 64-bit MurmurHash2, in Redis's
// endian-neutral form (words read little-endian).
func MurmurHash64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ (uint64(len(key)) * m)
	for len(key) >= 8 {
		k := binary.LittleEndian.Uint64(key)
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
		key = key[8:]
	}
	if len(key) > 0 {
		for i := len(key) - 1; i >= 0; i-- {
			h ^= uint64(key[i]) << (8 * i)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// The dense registers: register i takes 6 bits from bit 6*i of r, least
// significant first (HLL_DENSE_GET_REGISTER / HLL_DENSE_SET_REGISTER). A
// register that starts at bit 0, 1 or 2 of a byte lies within it, which is
// how the last one never needs a byte past the end.

func denseGet(r []byte, i int) uint8 {
	byt, fb := i*regBits>>3, uint(i*regBits&7)
	v := uint(r[byt]) >> fb
	if fb > 8-regBits {
		v |= uint(r[byt+1]) << (8 - fb)
	}
	return uint8(v & regMax)
}

func denseSet(r []byte, i int, val uint8) {
	byt, fb := i*regBits>>3, uint(i*regBits&7)
	v := uint(val)
	r[byt] = byte(uint(r[byt])&^(regMax<<fb) | v<<fb)
	if fb > 8-regBits {
		r[byt+1] = byte(uint(r[byt+1])&^(regMax>>(8-fb)) | v>>(8-fb))
	}
}

// Register returns the value of register i (0 to Registers-1) of a dense
// sketch.
func (s *Sketch) Register(i int) uint8 { return denseGet(s.b[HeaderSize:], i) }

// The sparse opcodes.

func isZero(c byte) bool  { return c&0xc0 == 0 }
func isXZero(c byte) bool { return c&0xc0 == xzeroBit }
func isVal(c byte) bool   { return c&valBit != 0 }
func zeroLen(c byte) int  { return int(c&0x3f) + 1 }
func valValue(c byte) int { return int(c>>2&0x1f) + 1 }
func valLen(c byte) int   { return int(c&0x3) + 1 }

// xzeroLen reads the XZERO opcode at b[p]; its second byte reads as zero
// past the end, as Redis's string terminator does.
func xzeroLen(b []byte, p int) int { return (int(b[p]&0x3f)<<8 | int(at(b, p+1))) + 1 }

func at(b []byte, i int) byte {
	if i < len(b) {
		return b[i]
	}
	return 0
}

func valOp(val, n int) byte { return byte((val-1)<<2|(n-1)) | valBit }
func zeroOp(n int) byte     { return byte(n - 1) }

func putXZero(b []byte, n int) {
	b[0] = byte((n-1)>>8) | xzeroBit
	b[1] = byte((n - 1) & 0xff)
}

// appendZeros appends the shortest opcode for a run of n zero registers.
func appendZeros(seq []byte, n int) []byte {
	if n > zeroMaxLen {
		return append(seq, byte((n-1)>>8)|xzeroBit, byte((n-1)&0xff))
	}
	return append(seq, zeroOp(n))
}

// sparseSet is Redis's hllSparseSet: find the opcode covering register
// index, and if the register must grow, rewrite that opcode in place,
// splitting it into at most three, then merge neighbouring VAL opcodes of
// equal value. It promotes the sketch to dense when count does not fit a
// VAL opcode or the string would exceed sparseMax bytes.
func (s *Sketch) sparseSet(index int, count uint8, sparseMax int) (bool, error) {
	if count > valMaxValue {
		return s.promote(index, count)
	}
	b := s.b
	end := len(b)

	// Step 1: the opcode at p covers registers first..first+span-1.
	p, prev := HeaderSize, -1
	first, span, oplen := 0, 0, 0
	for p < end {
		c := b[p]
		oplen = 1
		switch {
		case isZero(c):
			span = zeroLen(c)
		case isVal(c):
			span = valLen(c)
		default:
			span = xzeroLen(b, p)
			oplen = 2
		}
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= end {
		return false, ErrCorrupt
	}
	next := p + oplen
	if next >= end {
		next = -1
	}
	c := b[p]
	runlen := span

	// Step 2: the easy cases, a VAL already as high, or a single register
	// opcode rewritten in place.
	switch {
	case isVal(c) && valValue(c) >= int(count):
		return false, nil
	case isVal(c) && runlen == 1, isZero(c) && runlen == 1:
		s.own()
		s.b[p] = valOp(int(count), 1)
		return true, s.mergeVals(prev)
	}

	// The general case: split the opcode around the register.
	var room [5]byte
	seq := room[:0]
	last := first + span - 1
	if isVal(c) {
		cur := valValue(c)
		if index != first {
			seq = append(seq, valOp(cur, index-first))
		}
		seq = append(seq, valOp(int(count), 1))
		if index != last {
			seq = append(seq, valOp(cur, last-index))
		}
	} else {
		if index != first {
			seq = appendZeros(seq, index-first)
		}
		seq = append(seq, valOp(int(count), 1))
		if index != last {
			seq = appendZeros(seq, last-index)
		}
	}

	// Step 3: put the new opcodes in place of the old one.
	delta := len(seq) - oplen
	if delta > 0 && end+delta > sparseMax {
		return s.promote(index, count)
	}
	s.own()
	b = s.b
	if delta > 0 {
		b = append(b, seq[:delta]...) // room; overwritten below
	}
	if next >= 0 {
		copy(b[next+delta:], b[next:end])
	}
	b = b[:end+delta]
	// An XZERO cut short by the end of the string overhangs it by a byte,
	// which Redis writes over its terminator: that byte is lost here too.
	copy(b[p:], seq)
	s.b = b
	return true, s.mergeVals(prev)
}

// mergeVals is step 4 of hllSparseSet: from the opcode before the one
// changed, up to 5 opcodes on, merge adjacent VAL opcodes of one value
// whose lengths fit one opcode. Then the cache is stale.
func (s *Sketch) mergeVals(prev int) error {
	b := s.b
	p := prev
	if p < 0 {
		p = HeaderSize
	}
	end := len(b)
	for scan := 5; p < end && scan > 0; scan-- {
		c := b[p]
		if isXZero(c) {
			p += 2
			continue
		}
		if isZero(c) {
			p++
			continue
		}
		if p+1 < end && isVal(b[p+1]) {
			v1, v2 := valValue(c), valValue(b[p+1])
			if n := valLen(c) + valLen(b[p+1]); v1 == v2 && n <= valMaxLen {
				b[p+1] = valOp(v1, n)
				copy(b[p:], b[p+1:end])
				end--
				b = b[:end]
				// Try the merged opcode with the one after it.
				continue
			}
		}
		p++
	}
	s.b = b
	s.b[cacheByte] |= staleBit
	return nil
}

// promote converts the sketch to dense and sets the register there.
func (s *Sketch) promote(index int, count uint8) (bool, error) {
	if err := s.ToDense(); err != nil {
		return false, err
	}
	denseSet(s.b[HeaderSize:], index, count)
	return true, nil
}

// ToDense converts a sparse sketch to the dense encoding, as Redis's
// hllSparseToDense: the header is kept (cached count and unused bytes
// included), the encoding byte becomes 0. A dense sketch is left alone.
func (s *Sketch) ToDense() error {
	if s.b[4] == encDense {
		return nil
	}
	dense := make([]byte, DenseSize)
	r := dense[HeaderSize:]
	b := s.b
	idx := 0
	for p := HeaderSize; p < len(b); {
		c := b[p]
		switch {
		case isZero(c):
			idx += zeroLen(c)
			p++
		case isXZero(c):
			idx += xzeroLen(b, p)
			p += 2
		default:
			n, v := valLen(c), uint8(valValue(c))
			if idx+n > Registers {
				return ErrCorrupt
			}
			for ; n > 0; n-- {
				denseSet(r, idx, v)
				idx++
			}
			p++
		}
	}
	if idx != Registers {
		return ErrCorrupt
	}
	copy(dense, b[:HeaderSize])
	dense[4] = encDense
	s.b, s.owned = dense, true
	return nil
}

// Count returns the cardinality as a one-key PFCOUNT does: the cached one
// when it is valid, otherwise a fresh estimate, which is then cached in the
// string (so the sketch is modified). ErrCorrupt means the sparse
// registers are malformed.
func (s *Sketch) Count() (uint64, error) {
	if s.b[cacheByte]&staleBit == 0 {
		return binary.LittleEndian.Uint64(s.b[8:HeaderSize]), nil
	}
	var histo [64]int
	if s.b[4] == encDense {
		denseHisto(s.b[HeaderSize:], &histo)
	} else if !sparseHisto(s.b[HeaderSize:], &histo) {
		return 0, ErrCorrupt
	}
	card := estimate(&histo)
	s.own()
	binary.LittleEndian.PutUint64(s.b[8:HeaderSize], card)
	return card, nil
}

// denseHisto counts the dense registers by value, four registers (three
// bytes) at a time, as hllDenseRegHisto does sixteen at a time.
func denseHisto(r []byte, histo *[64]int) {
	r = r[:Registers*regBits/8]
	for i := 0; i+3 <= len(r); i += 3 {
		w := uint(r[i]) | uint(r[i+1])<<8 | uint(r[i+2])<<16
		histo[w&regMax]++
		histo[w>>6&regMax]++
		histo[w>>12&regMax]++
		histo[w>>18&regMax]++
	}
}

// sparseHisto is hllSparseRegHisto; it reports false when the opcodes do
// not cover exactly Registers registers.
func sparseHisto(b []byte, histo *[64]int) bool {
	idx := 0
	for p := 0; p < len(b); {
		c := b[p]
		switch {
		case isZero(c):
			n := zeroLen(c)
			idx += n
			histo[0] += n
			p++
		case isXZero(c):
			n := xzeroLen(b, p)
			idx += n
			histo[0] += n
			p += 2
		default:
			n := valLen(c)
			idx += n
			histo[valValue(c)] += n
			p++
		}
	}
	return idx == Registers
}

// estimate is hllCount's estimator from a register histogram: Otmar
// Ertl's improved estimator ("New cardinality estimation algorithms for
// HyperLogLog sketches", arXiv:1702.01284), computed step by step as
// Redis's C code does. The explicit float64 conversions forbid fused
// multiply-adds, which would round differently from Redis's build.
func estimate(histo *[64]int) uint64 {
	const m = float64(Registers)
	z := float64(m * tau((m-float64(histo[Q+1]))/m))
	for j := Q; j >= 1; j-- {
		z += float64(histo[j])
		z *= 0.5
	}
	z += float64(m * sigma(float64(histo[0])/m))
	return llround(alphaInf * m * m / z)
}

// llround is the C expression (uint64_t)(double)llroundl(x) as Redis's
// x86-64 build evaluates it: a value that does not fit a long long (an
// infinite estimate when every register is past Q+1, say) becomes
// LLONG_MIN, whose conversion to uint64 is 1<<63.
func llround(x float64) uint64 {
	r := math.Round(x)
	if !(r >= -(1<<63) && r < 1<<63) {
		return 1 << 63
	}
	return uint64(int64(r))
}

// sigma is hllSigma.
func sigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		zPrime := z
		z += float64(x * y)
		y += y
		if zPrime == z {
			return z
		}
	}
}

// tau is hllTau. Redis's pow(1-x, 2) is correctly rounded, as is the
// product d*d.
func tau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		zPrime := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y)
		if zPrime == z {
			return z / 3
		}
	}
}
