package store

import "encoding/binary"

// BITFIELD reads and writes integers of 1 to 64 bits at any bit offset of
// a string, most significant bit first, as bitops.c's bitfieldGeneric.

// BitFieldOpKind is what one BITFIELD operation does.
type BitFieldOpKind uint8

const (
	BitFieldGet    BitFieldOpKind = iota
	BitFieldSet                   // answers the old value
	BitFieldIncrBy                // answers the new value
)

// Overflow is BITFIELD's OVERFLOW mode for the SET and INCRBY after it.
type Overflow uint8

const (
	OverflowWrap Overflow = iota // modular arithmetic (the default)
	OverflowSat                  // clamp to the type's minimum or maximum
	OverflowFail                 // leave the field as it is and answer nil
)

// BitFieldOp is one operation of a BITFIELD: a field of Bits bits (1..64
// signed, 1..63 unsigned, as Redis replies with signed 64-bit integers) at
// bit Offset. Value is SET's value or INCRBY's increment.
type BitFieldOp struct {
	Kind     BitFieldOpKind
	Signed   bool
	Bits     uint8
	Offset   uint64
	Value    int64
	Overflow Overflow
}

// BitFieldResult is one operation's answer; Nil when OVERFLOW FAIL kept
// the operation from writing.
type BitFieldResult struct {
	Value int64
	Nil   bool
}

// BitField runs ops on the string at key in order and appends their
// answers to dst, as BITFIELD does. Only GETs leave a missing key missing;
// otherwise the string is created or padded with zero bytes up to the
// farthest field written, even when OVERFLOW FAIL then writes nothing. A
// field past proto-max-bulk-len bytes fails with ErrBitOffset, a bad type
// with ErrBitFieldType, before anything is done.
func (db *DB) BitField(key string, ops []BitFieldOp, dst []BitFieldResult) ([]BitFieldResult, error) {
	res, _, err := db.BitFieldChanged(key, ops, dst)
	return res, err
}

// BitFieldChanged is BitField also telling whether a write changed the
// string (a field took a new value, or the string was created or grown),
// when Redis reports "setbit".
func (db *DB) BitFieldChanged(key string, ops []BitFieldOp, dst []BitFieldResult) (_ []BitFieldResult, changed bool, err error) {
	readonly := true
	var size uint64 // the bytes the writes reach
	for _, op := range ops {
		if op.Bits < 1 || op.Bits > 64 || (!op.Signed && op.Bits > 63) {
			return dst, false, ErrBitFieldType
		}
		if !db.bitOffsetOK(op.Offset) {
			return dst, false, ErrBitOffset
		}
		if op.Kind != BitFieldGet {
			readonly = false
			size = max(size, (op.Offset+uint64(op.Bits)-1)>>3+1)
		}
	}
	sh, h := db.lockKey(key)
	defer db.unlock(sh)
	t := db.newOpTime()
	if readonly {
		e, ok := sh.lookup(key, h, &t)
		if ok && e.kind() != KindString {
			return dst, false, ErrWrongType
		}
		for _, op := range ops {
			dst = append(dst, BitFieldResult{Value: getField(e.str(), op.Offset, op.Bits, op.Signed)})
		}
		return dst, false, nil
	}
	// The last field may end past the offset limit: Redis grows the string
	// to it all the same.
	cur, exists, buf, grew, err := db.writableBitmap(sh, h, key, &t, int(size))
	if err != nil {
		return dst, false, err
	}
	writes := 0 // the writes that changed a field, or wrote to a string that grew
	for _, op := range ops {
		if op.Kind == BitFieldGet {
			dst = append(dst, BitFieldResult{Value: getField(buf, op.Offset, op.Bits, op.Signed)})
			continue
		}
		old := getField(buf, op.Offset, op.Bits, op.Signed)
		var nv, answer int64
		var overflow bool
		if op.Signed {
			if op.Kind == BitFieldIncrBy {
				nv, overflow = signedOverflow(old, op.Value, op.Bits, op.Overflow)
				if !overflow {
					nv = old + op.Value
				}
				answer = nv
			} else {
				nv, overflow = signedOverflow(op.Value, 0, op.Bits, op.Overflow)
				if !overflow {
					nv = op.Value
				}
				answer = old
			}
		} else {
			var u uint64
			if op.Kind == BitFieldIncrBy {
				u, overflow = unsignedOverflow(uint64(old), op.Value, op.Bits, op.Overflow)
				if !overflow {
					u = uint64(old) + uint64(op.Value)
				}
				answer = int64(u)
			} else {
				u, overflow = unsignedOverflow(uint64(op.Value), 0, op.Bits, op.Overflow)
				if !overflow {
					u = uint64(op.Value)
				}
				answer = old
			}
			nv = int64(u)
		}
		if overflow && op.Overflow == OverflowFail {
			dst = append(dst, BitFieldResult{Nil: true})
			continue
		}
		dst = append(dst, BitFieldResult{Value: answer})
		setField(buf, op.Offset, op.Bits, uint64(nv))
		// As Redis, a string that grew counts as changed.
		if grew || nv != old {
			changed = true
			writes++
		}
	}
	sh.commitBitmap(key, h, &t, cur, exists, buf, changed)
	sh.countElements(writes) // Redis's changes
	return dst, changed, nil
}

// fieldWindow loads the 9 bytes of p from byte i (zeros past its end) as
// a big-endian 128-bit number hi:lo, the ninth byte at the top of lo.
func fieldWindow(p []byte, i uint64) (hi, lo uint64) {
	var w [16]byte
	if i < uint64(len(p)) {
		copy(w[:9], p[i:])
	}
	return binary.BigEndian.Uint64(w[:]), binary.BigEndian.Uint64(w[8:])
}

// getField reads the width-bit field at bit offset of p, past its end as
// zeros, sign-extended when signed.
func getField(p []byte, offset uint64, width uint8, signed bool) int64 {
	hi, lo := fieldWindow(p, offset>>3)
	w := uint(width)
	m := ^uint64(0) >> (64 - w)
	// r is the field's lowest bit in hi:lo, counted from the bottom.
	r := 128 - uint(offset&7) - w
	var v uint64
	if r >= 64 {
		v = hi >> (r - 64) & m
	} else {
		v = (hi<<(64-r) | lo>>r) & m
	}
	if signed && w < 64 && v&(1<<(w-1)) != 0 {
		v |= ^uint64(0) << w
	}
	return int64(v)
}

// setField writes the low width bits of v at bit offset of p, which holds
// every byte the field touches.
func setField(p []byte, offset uint64, width uint8, v uint64) {
	i := offset >> 3
	hi, lo := fieldWindow(p, i)
	w := uint(width)
	m := ^uint64(0) >> (64 - w)
	v &= m
	r := 128 - uint(offset&7) - w
	if r >= 64 {
		hi = hi&^(m<<(r-64)) | v<<(r-64)
	} else { // the field runs into the ninth byte
		hi = hi&^(m>>(64-r)) | v>>(64-r)
		lo = lo&^(m<<r) | v<<r
	}
	var out [16]byte
	binary.BigEndian.PutUint64(out[:], hi)
	binary.BigEndian.PutUint64(out[8:], lo)
	copy(p[i:], out[:9]) // the bytes past the field are written back unchanged
}

// unsignedOverflow is checkUnsignedBitfieldOverflow: whether value+incr
// leaves the range of a width-bit unsigned integer (a value already out
// of it, for SET, counts too), and the result WRAP or SAT gives then.
func unsignedOverflow(value uint64, incr int64, width uint8, mode Overflow) (uint64, bool) {
	maxv := uint64(1)<<width - 1
	maxIncr := int64(maxv - value)
	minIncr := -int64(value)
	var limit uint64 // SAT's answer
	switch {
	case value > maxv || (incr > 0 && incr > maxIncr):
		limit = maxv
	case incr < 0 && incr < minIncr:
		limit = 0
	default:
		return 0, false
	}
	if mode == OverflowWrap {
		limit = (value + uint64(incr)) & maxv
	}
	return limit, true
}

// signedOverflow is checkSignedBitfieldOverflow, with its arithmetic:
// Redis computes the headroom in two's complement, so a SET far below the
// range of a narrow type can count as an overflow rather than an
// underflow, and SAT then answers the maximum.
func signedOverflow(value, incr int64, width uint8, mode Overflow) (int64, bool) {
	maxv := int64(uint64(1)<<(width-1) - 1)
	minv := -maxv - 1
	maxIncr := int64(uint64(maxv) - uint64(value))
	minIncr := minv - value
	var limit int64
	switch {
	case value > maxv || (width != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr):
		limit = maxv
	case value < minv || (width != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr):
		limit = minv
	default:
		return 0, false
	}
	if mode == OverflowWrap {
		c := uint64(value) + uint64(incr)
		if width < 64 {
			if c&(1<<(width-1)) != 0 {
				c |= ^uint64(0) << width
			} else {
				c &^= ^uint64(0) << width
			}
		}
		limit = int64(c)
	}
	return limit, true
}
