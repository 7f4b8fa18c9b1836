package hll

// Union is a HyperLogLog as plain registers, one byte each: where PFCOUNT
// of several keys and PFMERGE take the maximum of their inputs' registers
// (Redis's HLL_RAW encoding, never stored). The zero value is empty.
type Union [Registers]uint8

// Merge raises the union's registers to those of the HLL string b, which
// must have passed Check, as Redis's hllMerge. ErrCorrupt means b's sparse
// registers are malformed; the union may then be partly merged.
func (u *Union) Merge(b []byte) error {
	if b[4] == encDense {
		r := b[HeaderSize:]
		for i := range u {
			if v := denseGet(r, i); v > u[i] {
				u[i] = v
			}
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
	for _, v := range u {
		histo[v&63]++
	}
	return estimate(&histo)
}

// SetUnion raises the sketch's registers to the union's, as PFMERGE writes
// its result: register by register, so that a sparse sketch may turn dense
// on the way (past sparseMax bytes, or for a register above 32). The cache
// is then stale.
func (s *Sketch) SetUnion(u *Union, sparseMax int) {
	for i, v := range u {
		if v != 0 {
			// A sparse destination is one of the inputs and already
			// decoded, so setting its registers cannot fail.
			s.set(i, v, sparseMax)
		}
	}
	s.Invalidate()
}
