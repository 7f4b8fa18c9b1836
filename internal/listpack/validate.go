package listpack

import "encoding/binary"

// Validate reports whether lp is a well-formed listpack, as Redis's
// lpValidateIntegrity: the header's total equals len(lp) and the last byte
// is the terminator. With deep set it also walks every entry, checking its
// encoding, that it lies inside lp, that its backlen matches, and that the
// header's count (unless 65535) is the number of entries. It never reads
// outside lp, whatever lp holds.
func Validate(lp []byte, deep bool) bool {
	size := len(lp)
	if size < headerSize+1 || uint64(binary.LittleEndian.Uint32(lp)) != uint64(size) || lp[size-1] != terminator {
		return false
	}
	if !deep {
		return true
	}
	last := size - 1
	count := 0
	off := headerSize
	for lp[off] != terminator {
		next, ok := validateEntry(lp, off, last)
		if !ok {
			return false
		}
		off = next
		count++
	}
	if off != last {
		return false
	}
	c := int(binary.LittleEndian.Uint16(lp[4:]))
	return c == countUnknown || c == count
}

// validateEntry checks the entry at off, as Redis's lpValidateNext, and
// returns the offset after it. last is the offset of the terminator: no
// entry may reach it.
func validateEntry(lp []byte, off, last int) (int, bool) {
	b := lp[off]
	var lenBytes int // the encoding byte and any length bytes
	switch {
	case b < 0xE0 || (b >= enc16BitInt && b <= enc64BitInt):
		lenBytes = 1
	case b < 0xF0:
		lenBytes = 2
	case b == enc32BitStr:
		lenBytes = 5
	default:
		return 0, false
	}
	if off+lenBytes > last {
		return 0, false
	}
	l := uint64(encodedLen(lp, off))
	if l > uint64(last-off) {
		return 0, false
	}
	bl := uint64(backlenSize(int(l)))
	if l+bl > uint64(last-off) {
		return 0, false
	}
	next := off + int(l+bl)
	got, ok := readBacklen(lp, next-1)
	if !ok || uint64(got) != l {
		return 0, false
	}
	return next, true
}
