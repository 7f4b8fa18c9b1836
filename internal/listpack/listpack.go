// Package listpack reads and writes Redis's listpack, byte for byte as Redis
// 7.0 lays it out, so that the RDB writer can put a listpack into a dump file
// as it is and redis-server loads it.
//
// A listpack is one byte slice:
//
//	total-bytes  uint32, little-endian: the length of the whole listpack
//	count        uint16, little-endian: the number of entries; 65535 means
//	             "too many to count here", and a reader walks the entries
//	entry ...
//	0xFF         the terminator
//
// An entry is an encoding byte (with, for strings, more length bytes), the
// data, and then a "backlen": the length of encoding plus data, written so
// that it can be read from its last byte backwards, which is how iteration
// runs from the tail. The backlen is 1 to 5 bytes of 7 bits each; the byte
// nearest the data holds the most significant group and has its high bit
// clear, every later byte has its high bit set, so a reader walking leftwards
// stops at the first byte whose high bit is clear.
//
// The encoding byte says what follows:
//
//	0xxxxxxx                 an integer 0..127 in the byte itself
//	10LLLLLL                 a string of up to 63 bytes
//	110xxxxx xxxxxxxx        a 13-bit two's complement integer, high bits first
//	1110LLLL LLLLLLLL        a string of up to 4095 bytes, length high bits first
//	0xF0 + 4 bytes           a string, 32-bit little-endian length
//	0xF1/0xF2/0xF3/0xF4      a 16/24/32/64-bit little-endian integer follows
//
// As Redis does, a value given as a string that reads as a canonical int64
// (no sign but a leading '-', no leading zeros, no spaces, not "-0") is
// stored as the smallest integer encoding that holds it, and the smallest
// string encoding otherwise.
//
// The functions here take the listpack as a []byte and address entries by
// their byte offset. Functions that change it return the listpack, which may
// have moved, as append does; they grow its capacity as append would. Every
// function but Validate expects a well-formed listpack: check one from an
// untrusted source with Validate(lp, true) first.
package listpack

import "encoding/binary"

const (
	headerSize = 6
	terminator = 0xFF
	// countUnknown in the header means the count did not fit; as Redis,
	// Count then walks the entries.
	countUnknown = 65535
)

// New returns an empty listpack with room for capHint bytes.
func New(capHint int) []byte {
	lp := make([]byte, headerSize+1, max(capHint, headerSize+1))
	binary.LittleEndian.PutUint32(lp, headerSize+1)
	lp[headerSize] = terminator
	return lp
}

// Bytes returns the total length the header records.
func Bytes(lp []byte) int {
	return int(binary.LittleEndian.Uint32(lp))
}

// Count returns the number of entries. When the header holds 65535, as Redis
// writes for a count that does not fit, it walks the entries.
func Count(lp []byte) int {
	if c := binary.LittleEndian.Uint16(lp[4:]); c != countUnknown {
		return int(c)
	}
	return walkCount(lp)
}

func walkCount(lp []byte) int {
	n := 0
	for off := headerSize; lp[off] != terminator; off += entrySize(lp, off) {
		n++
	}
	return n
}

// Terminator returns the offset of the 0xFF that ends the listpack: Insert
// there appends.
func Terminator(lp []byte) int {
	return len(lp) - 1
}

// First returns the offset of the first entry, or -1 if there is none.
func First(lp []byte) int {
	if lp[headerSize] == terminator {
		return -1
	}
	return headerSize
}

// Last returns the offset of the last entry, or -1 if there is none.
func Last(lp []byte) int {
	return Prev(lp, len(lp)-1)
}

// Next returns the offset of the entry after the one at off, or -1 if that
// was the last.
func Next(lp []byte, off int) int {
	if lp[off] == terminator {
		return -1
	}
	off += entrySize(lp, off)
	if lp[off] == terminator {
		return -1
	}
	return off
}

// Prev returns the offset of the entry before the one at off (or before the
// terminator), or -1 if off is the first.
func Prev(lp []byte, off int) int {
	if off <= headerSize {
		return -1
	}
	l, ok := readBacklen(lp, off-1)
	if !ok {
		return -1
	}
	return off - l - backlenSize(l)
}

// Seek returns the offset of the entry at index, counted from 0 at the head,
// or from -1 at the tail if index is negative; -1 if there is no such entry.
// As Redis's lpSeek, it walks from whichever end is nearer.
func Seek(lp []byte, index int) int {
	c := int(binary.LittleEndian.Uint16(lp[4:]))
	forward := index >= 0
	if c != countUnknown {
		if index < 0 {
			index += c
		}
		if index < 0 || index >= c {
			return -1
		}
		forward = index <= c/2
		if !forward {
			index -= c
		}
	}
	if forward {
		off := First(lp)
		for ; index > 0 && off >= 0; index-- {
			off = Next(lp, off)
		}
		return off
	}
	off := Last(lp)
	for ; index < -1 && off >= 0; index++ {
		off = Prev(lp, off)
	}
	return off
}
