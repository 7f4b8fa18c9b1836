package listpack

import (
	"bytes"
	"encoding/binary"
	"strconv"

	"github.com/emberkv/ember/internal/redisnum"
)

// Encoding bytes; see the package comment.
const (
	enc7BitUint  = 0x00 // 0xxxxxxx
	enc6BitStr   = 0x80 // 10xxxxxx
	enc13BitInt  = 0xC0 // 110xxxxx
	enc12BitStr  = 0xE0 // 1110xxxx
	enc32BitStr  = 0xF0
	enc16BitInt  = 0xF1
	enc24BitInt  = 0xF2
	enc32BitInt  = 0xF3
	enc64BitInt  = 0xF4
	maxIntEncLen = 9
)

// encodedLen returns the length of the encoding and data of the entry at off
// (what its backlen records), 0 for a byte that begins no entry. It reads
// the length bytes of a string entry, so off must be a valid entry.
func encodedLen(lp []byte, off int) int {
	b := lp[off]
	switch {
	case b < 0x80:
		return 1
	case b < 0xC0:
		return 1 + int(b&0x3F)
	case b < 0xE0:
		return 2
	case b < 0xF0:
		return 2 + (int(b&0x0F)<<8 | int(lp[off+1]))
	}
	switch b {
	case enc32BitStr:
		return 5 + int(binary.LittleEndian.Uint32(lp[off+1:]))
	case enc16BitInt:
		return 3
	case enc24BitInt:
		return 4
	case enc32BitInt:
		return 5
	case enc64BitInt:
		return 9
	}
	return 0
}

// entrySize is the whole length of the entry at off, backlen included.
func entrySize(lp []byte, off int) int {
	l := encodedLen(lp, off)
	return l + backlenSize(l)
}

// backlenSize is how many bytes Redis's lpEncodeBacklen uses for l. Its
// limits are 2^(7k)-1 exclusive, not inclusive, from two bytes up, and the
// bytes must be exactly Redis's.
func backlenSize(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// putBacklen writes l as backlenSize(l) bytes at the start of dst: the most
// significant group first with its high bit clear, then the others with it set.
func putBacklen(dst []byte, l int) int {
	n := backlenSize(l)
	for i := n - 1; i >= 0; i-- {
		dst[i] = byte(l&127) | 128
		l >>= 7
	}
	dst[0] &= 127
	return n
}

// readBacklen decodes the backlen whose last byte is at end, reading
// leftwards as Redis's lpDecodeBacklen: at most 5 bytes, stopping at one
// whose high bit is clear.
func readBacklen(lp []byte, end int) (int, bool) {
	var v uint64
	for shift := 0; ; shift += 7 {
		if shift > 28 || end < 0 {
			return 0, false
		}
		c := lp[end]
		v |= uint64(c&127) << shift
		if c&128 == 0 {
			return int(v), true
		}
		end--
	}
}

// decode reads the entry at off: a string (aliasing lp, its capacity capped
// so that an append to it cannot write into lp) or an integer, and the
// entry's whole size.
func decode(lp []byte, off int) (s []byte, n int64, isInt bool, size int) {
	b := lp[off]
	var l int // encoding + data
	switch {
	case b < 0x80:
		return nil, int64(b), true, 2
	case b < 0xC0:
		l = 1 + int(b&0x3F)
		s = lp[off+1 : off+l : off+l]
	case b < 0xE0:
		u := uint64(b&0x1F)<<8 | uint64(lp[off+1])
		return nil, int64(u<<51) >> 51, true, 3
	case b < 0xF0:
		l = 2 + (int(b&0x0F)<<8 | int(lp[off+1]))
		s = lp[off+2 : off+l : off+l]
	case b == enc32BitStr:
		l = 5 + int(binary.LittleEndian.Uint32(lp[off+1:]))
		s = lp[off+5 : off+l : off+l]
	case b == enc16BitInt:
		return nil, int64(int16(binary.LittleEndian.Uint16(lp[off+1:]))), true, 4
	case b == enc24BitInt:
		u := uint32(lp[off+1]) | uint32(lp[off+2])<<8 | uint32(lp[off+3])<<16
		return nil, int64(int32(u<<8) >> 8), true, 5
	case b == enc32BitInt:
		return nil, int64(int32(binary.LittleEndian.Uint32(lp[off+1:]))), true, 6
	case b == enc64BitInt:
		return nil, int64(binary.LittleEndian.Uint64(lp[off+1:])), true, 10
	default:
		panic("listpack: no entry at offset " + strconv.Itoa(off))
	}
	return s, 0, false, l + backlenSize(l)
}

// Get returns the entry at off: its string, which aliases lp, or its integer
// with isInt set.
func Get(lp []byte, off int) (s []byte, n int64, isInt bool) {
	s, n, isInt, _ = decode(lp, off)
	return s, n, isInt
}

// AppendValue appends the entry at off to dst as a string, an integer in
// decimal.
func AppendValue(dst []byte, lp []byte, off int) []byte {
	s, n, isInt, _ := decode(lp, off)
	if isInt {
		return strconv.AppendInt(dst, n, 10)
	}
	return append(dst, s...)
}

// Equal reports whether the entry at off, read as a string, equals v. An
// integer entry is compared as an integer, without formatting it: it can
// only equal a v that parses, canonically, to the same integer.
func Equal(lp []byte, off int, v []byte) bool {
	s, n, isInt, _ := decode(lp, off)
	if !isInt {
		return bytes.Equal(s, v)
	}
	x, ok := redisnum.ParseInt(v)
	return ok && x == n
}

// Find returns the offset of the first entry at or after off that equals v,
// comparing only every (skip+1)th entry (skip 1 looks at the fields of a
// field/value listpack), or -1. As Redis's lpFind, v is parsed as an integer
// once, not once per entry.
func Find(lp []byte, off int, v []byte, skip int) int {
	if off < 0 {
		return -1
	}
	x, vIsInt := redisnum.ParseInt(v)
	for skipped := 0; lp[off] != terminator; skipped-- {
		if skipped > 0 {
			off += entrySize(lp, off)
			continue
		}
		s, n, isInt, size := decode(lp, off)
		if isInt {
			if vIsInt && n == x {
				return off
			}
		} else if len(s) == len(v) && string(s) == string(v) {
			return off
		}
		off += size
		skipped = skip + 1
	}
	return -1
}

// EntrySize returns the bytes an entry for v takes: encoding, data and
// backlen. Callers use it to decide, as Redis does with
// hash-max-listpack-value and the like, when to convert to another encoding.
func EntrySize(v []byte) int {
	var head [maxIntEncLen]byte
	l, _ := encodeHead(&head, v)
	return l + backlenSize(l)
}

// encodeHead writes to head the entry encoding Redis's lpEncodeGetType picks
// for v: the whole integer encoding if v reads as an int64, else the string
// header. It returns the length of encoding plus data, and whether it is an
// integer (then head holds the whole entry but its backlen).
func encodeHead(head *[maxIntEncLen]byte, v []byte) (int, bool) {
	if n, ok := redisnum.ParseInt(v); ok {
		return encodeInt(head, n), true
	}
	l := len(v)
	switch {
	case l < 64:
		head[0] = enc6BitStr | byte(l)
		return 1 + l, false
	case l < 4096:
		head[0] = enc12BitStr | byte(l>>8)
		head[1] = byte(l)
		return 2 + l, false
	case uint64(l) <= 0xFFFFFFFF:
		head[0] = enc32BitStr
		binary.LittleEndian.PutUint32(head[1:], uint32(l))
		return 5 + l, false
	}
	panic("listpack: string too long")
}

// encodeInt writes the smallest integer encoding of n to head, as Redis's
// lpEncodeIntegerGetType, and returns its length.
func encodeInt(head *[maxIntEncLen]byte, n int64) int {
	switch {
	case n >= 0 && n <= 127:
		head[0] = byte(n)
		return 1
	case n >= -4096 && n <= 4095:
		u := uint16(n) & 0x1FFF
		head[0] = enc13BitInt | byte(u>>8)
		head[1] = byte(u)
		return 2
	case n >= -32768 && n <= 32767:
		head[0] = enc16BitInt
		binary.LittleEndian.PutUint16(head[1:], uint16(n))
		return 3
	case n >= -8388608 && n <= 8388607:
		head[0] = enc24BitInt
		head[1], head[2], head[3] = byte(n), byte(n>>8), byte(n>>16)
		return 4
	case n >= -2147483648 && n <= 2147483647:
		head[0] = enc32BitInt
		binary.LittleEndian.PutUint32(head[1:], uint32(n))
		return 5
	}
	head[0] = enc64BitInt
	binary.LittleEndian.PutUint64(head[1:], uint64(n))
	return 9
}
