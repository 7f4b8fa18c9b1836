package hll

import "encoding/binary"

// Union is a HyperLogLog as plain registers, one byte each: where PFCOUNT
// of several keys and PFMERGE take the maximum of their inputs' registers
// (Redis's HLL_RAW encoding, never stored). The zero value is empty.
type Union [Registers]uint8

// Merge raises the union's registers to those of the HLL string b, which
// must have passed Check, as Redis's hllMerge. ErrCorrupt means b's sparse
// registers are malformed; the union may then be partly merged.
func (u *Union) Merge(b []byte) error {
	if b[4] == encDense {
		// Four registers in every three bytes.
		r := b[HeaderSize:DenseSize]
		for i, j := 0, 0; j+3 <= len(r); i, j = i+4, j+3 {
			w := uint(r[j]) | uint(r[j+1])<<8 | uint(r[j+2])<<16
			u[i] = max(u[i], uint8(w&regMax))
			u[i+1] = max(u[i+1], uint8(w>>6&regMax))
			u[i+2] = max(u[i+2], uint8(w>>12&regMax))
			u[i+3] = max(u[i+3], uint8(w>>18&regMax))
		}
		return nil
	}
	i := 0
	for p := HeaderSize; p < len(b); {
		c := b[p]
		switch {
		case isZero(c):
			i += zeroLen(c)
			p++
		case isXZero(c):
			i += xzeroLen(b, p)
			p += 2
		default:
			n, v := valLen(c), uint8(valValue(c))
			if i+n > Registers {
				return ErrCorrupt
			}
			for ; n > 0; n-- {
				u[i] = max(u[i], v)
				i++
			}
			p++
		}
	}
	if i != Registers {
		return ErrCorrupt
	}
	return nil
}

// Count estimates the union's cardinality, as hllCount of an HLL_RAW.
func (u *Union) Count() uint64 {
	var histo [64]int
	for i := 0; i < len(u); i += 8 {
		if binary.LittleEndian.Uint64(u[i:]) == 0 {
			histo[0] += 8 // a common case in small unions, as Redis skips it
			continue
		}
		for _, v := range u[i : i+8] {
			histo[v&63]++
		}
	}
	return estimate(&histo)
}

// SetUnion raises the sketch's registers to the union's, as PFMERGE writes
// its result: register by register, so that a sparse sketch may turn dense
// on the way (past sparseMax bytes, or for a register above 32). The cache
// is then stale.
func (s *Sketch) SetUnion(u *Union, sparseMax int) {
	if s.b[4] == encDense {
		s.own()
		r := s.b[HeaderSize:DenseSize]
		for i, j := 0, 0; j+3 <= len(r); i, j = i+4, j+3 {
			w := uint(r[j]) | uint(r[j+1])<<8 | uint(r[j+2])<<16
			w = uint(max(uint8(w&regMax), u[i])) |
				uint(max(uint8(w>>6&regMax), u[i+1]))<<6 |
				uint(max(uint8(w>>12&regMax), u[i+2]))<<12 |
				uint(max(uint8(w>>18&regMax), u[i+3]))<<18
			r[j], r[j+1], r[j+2] = byte(w), byte(w>>8), byte(w>>16)
		}
		s.Invalidate()
		return
	}
	for i, v := range u {
		if v != 0 {
			// A sparse destination is one of the inputs and already
			// decoded, so setting its registers cannot fail.
			s.set(i, v, sparseMax)
		}
	}
	s.Invalidate()
}
