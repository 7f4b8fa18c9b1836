package hll

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
)

// Encoding names the sketch's encoding as PFDEBUG ENCODING does.
func (s *Sketch) Encoding() string {
	if s.b[4] == encDense {
		return "dense"
	}
	return "sparse"
}

// AppendDecode appends the sparse opcodes in PFDEBUG DECODE's notation
// ("z:len" ZERO, "Z:len" XZERO, "v:value,len" VAL), separated by spaces.
// The sketch must be sparse.
func (s *Sketch) AppendDecode(dst []byte) []byte {
	b := s.b
	start := len(dst)
	for p := HeaderSize; p < len(b); {
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		c := b[p]
		switch {
		case isZero(c):
			dst = append(dst, "z:"...)
			dst = strconv.AppendInt(dst, int64(zeroLen(c)), 10)
			p++
		case isXZero(c):
			dst = append(dst, "Z:"...)
			dst = strconv.AppendInt(dst, int64(xzeroLen(b, p)), 10)
			p += 2
		default:
			dst = append(dst, "v:"...)
			dst = strconv.AppendInt(dst, int64(valValue(c)), 10)
			dst = append(dst, ',')
			dst = strconv.AppendInt(dst, int64(valLen(c)), 10)
			p++
		}
	}
	return dst
}

// SelfTest is PFSELFTEST: the dense registers keep what is written to
// them without disturbing their neighbours, and sketches of growing sets
// (1 to 10 million elements, a sparse and a dense one side by side) agree
// and stay within six standard errors. The error's text is Redis's reply.
func SelfTest(sparseMax int) error {
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	dense := make([]byte, DenseSize)
	regs := dense[HeaderSize:]
	var want [Registers]uint8
	for range 1000 {
		for i := range want {
			want[i] = uint8(rng.Uint32() & regMax)
			denseSet(regs, i, want[i])
		}
		for i := range want {
			if v := denseGet(regs, i); v != want[i] {
				return fmt.Errorf("TESTFAILED Register %d should be %d but is %d", i, want[i], v)
			}
		}
	}

	clear(regs)
	copy(dense, "HYLL")
	d := Sketch{b: dense, owned: true}
	sp := New()
	relerr := 1.04 / math.Sqrt(Registers)
	checkpoint := int64(1)
	seed := rng.Uint64()
	var ele [8]byte
	for j := int64(1); j <= 10000000; j++ {
		v := uint64(j) ^ seed
		for k := range ele {
			ele[k] = byte(v >> (8 * k))
		}
		d.Add(ele[:], sparseMax)
		sp.Add(ele[:], sparseMax)
		if j != checkpoint {
			continue
		}
		if j < int64(sparseMax/2) && sp.Dense() {
			return fmt.Errorf("TESTFAILED sparse encoding not used")
		}
		dc, sc := d.estimate(), sp.estimate()
		if dc != sc {
			return fmt.Errorf("TESTFAILED dense/sparse disagree")
		}
		abserr := checkpoint - int64(dc)
		maxerr := uint64(math.Ceil(relerr * 6 * float64(checkpoint)))
		// As Redis: at 10 a collision is likely enough to allow for it.
		if j == 10 {
			maxerr = 1
		}
		if abserr < 0 {
			abserr = -abserr
		}
		if abserr > int64(maxerr) {
			return fmt.Errorf("TESTFAILED Too big error. card:%d abserr:%d", checkpoint, abserr)
		}
		checkpoint *= 10
	}
	return nil
}

// estimate is a fresh estimate whatever the cache holds; a malformed
// sparse sketch counts what it decodes.
func (s *Sketch) estimate() uint64 {
	var histo [64]int
	if s.b[4] == encDense {
		denseHisto(s.b[HeaderSize:], &histo)
	} else {
		sparseHisto(s.b[HeaderSize:], &histo)
	}
	return estimate(&histo)
}
