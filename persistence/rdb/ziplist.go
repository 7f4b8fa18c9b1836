package rdb

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// Redis before 7.0 kept small lists, hashes and sorted sets as ziplists,
// and Redis 2.4 small hashes as zipmaps; 7.0 still loads both, so Ember
// reads them (and writes neither). Both readers check every length
// against the blob, as ziplistValidateIntegrity and
// zipmapValidateIntegrity do.

var errCompact = errors.New("malformed compact encoding")

const (
	zlHeader = 10 // zlbytes, zltail (4 bytes each), zllen (2)
	zlEnd    = 0xFF
)

// ziplistEach calls fn with every entry of the ziplist zl (integers as
// decimal text), after checking its structure.
func ziplistEach(zl []byte, fn func(e []byte)) error {
	if len(zl) < zlHeader+1 || binary.LittleEndian.Uint32(zl) != uint32(len(zl)) || zl[len(zl)-1] != zlEnd {
		return errCompact
	}
	tail := int(binary.LittleEndian.Uint32(zl[4:]))
	declared := int(binary.LittleEndian.Uint16(zl[8:]))
	off, count, prevLen, last := zlHeader, 0, 0, -1
	for zl[off] != zlEnd {
		start := off
		// prevlen: 1 byte, or 0xFE and 4 bytes.
		var pl int
		if zl[off] < 0xFE {
			pl = int(zl[off])
			off++
		} else if zl[off] == 0xFE {
			if off+5 > len(zl) {
				return errCompact
			}
			pl = int(binary.LittleEndian.Uint32(zl[off+1:]))
			off += 5
		} else {
			return errCompact
		}
		if pl != prevLen {
			return errCompact
		}
		if off >= len(zl) {
			return errCompact
		}
		enc := zl[off]
		var val []byte
		var n int64
		isInt := true
		need := 0
		switch {
		case enc>>6 == 0:
			need, isInt = int(enc&0x3f), false
			off++
		case enc>>6 == 1:
			if off+2 > len(zl) {
				return errCompact
			}
			need, isInt = int(enc&0x3f)<<8|int(zl[off+1]), false
			off += 2
		case enc == 0x80:
			if off+5 > len(zl) {
				return errCompact
			}
			need, isInt = int(binary.BigEndian.Uint32(zl[off+1:])), false
			off += 5
		case enc == 0xC0:
			need = 2
			off++
		case enc == 0xD0:
			need = 4
			off++
		case enc == 0xE0:
			need = 8
			off++
		case enc == 0xF0:
			need = 3
			off++
		case enc == 0xFE:
			need = 1
			off++
		case enc >= 0xF1 && enc <= 0xFD:
			n = int64(enc&0x0f) - 1
			off++
		default:
			return errCompact
		}
		if need < 0 || off+need >= len(zl) {
			return errCompact
		}
		p := zl[off : off+need]
		if isInt {
			switch enc {
			case 0xC0:
				n = int64(int16(binary.LittleEndian.Uint16(p)))
			case 0xD0:
				n = int64(int32(binary.LittleEndian.Uint32(p)))
			case 0xE0:
				n = int64(binary.LittleEndian.Uint64(p))
			case 0xF0:
				n = int64(int32(uint32(p[0])<<8|uint32(p[1])<<16|uint32(p[2])<<24) >> 8)
			case 0xFE:
				n = int64(int8(p[0]))
			}
			val = strconv.AppendInt(nil, n, 10)
		} else {
			val = append([]byte(nil), p...)
		}
		off += need
		fn(val)
		last = start
		prevLen = off - start
		count++
	}
	if off != len(zl)-1 {
		return errCompact
	}
	if (count > 0 && last != tail) || (count == 0 && tail != zlHeader) {
		return errCompact
	}
	if declared != 0xFFFF && declared != count {
		return errCompact
	}
	return nil
}

// zipmapEach calls fn with each field and value of the zipmap zm (Redis
// 2.4's small hash): a count byte, then entries of length, field, length,
// free byte count, value and free bytes, then 0xFF.
func zipmapEach(zm []byte, fn func(f, v []byte) error) error {
	if len(zm) < 2 || zm[len(zm)-1] != 0xFF {
		return errCompact
	}
	off := 1
	readLen := func() (int, bool) {
		if off >= len(zm) {
			return 0, false
		}
		b := zm[off]
		if b < 254 {
			off++
			return int(b), true
		}
		if b == 254 && off+5 <= len(zm) {
			n := int(binary.LittleEndian.Uint32(zm[off+1:]))
			off += 5
			return n, true
		}
		return 0, false
	}
	for off < len(zm) && zm[off] != 0xFF {
		fl, ok := readLen()
		if !ok || fl < 0 || off+fl > len(zm) {
			return errCompact
		}
		f := append([]byte(nil), zm[off:off+fl]...)
		off += fl
		vl, ok := readLen()
		if !ok || vl < 0 || off >= len(zm) {
			return errCompact
		}
		free := int(zm[off])
		off++
		if off+vl+free > len(zm) {
			return errCompact
		}
		v := append([]byte(nil), zm[off:off+vl]...)
		off += vl + free
		if err := fn(f, v); err != nil {
			return err
		}
	}
	if off != len(zm)-1 {
		return errCompact
	}
	return nil
}
