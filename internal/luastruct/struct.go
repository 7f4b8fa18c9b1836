// Package luastruct is the "struct" library Redis bundles for its Lua
// scripts (Roberto Ierusalimschy's struct 0.2): pack, unpack and size of
// binary records described by a format string, for gopher-lua.
//
// Formats, as on x86-64 Linux: '<' little and '>' big endian (native is
// little), '!n' maximum alignment, 'b'/'B' char, 'h'/'H' short, 'l'/'L'
// long (8 bytes), 'T' size_t, 'i'/'I'[n] int of n bytes (default 4),
// 'f' float, 'd' double, 'c'[n] fixed string, 's' zero-terminated string,
// 'x' a zero byte, ' ' ignored. Lower-case integer options are signed.
package luastruct

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/emberkv/ember/internal/luaargs"
	lua "github.com/yuin/gopher-lua"
)

const (
	maxIntSize = 32
	maxAlign   = 8
)

// New returns the struct table for L.
func New(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(pack))
	t.RawSetString("unpack", L.NewFunction(unpack))
	t.RawSetString("size", L.NewFunction(size))
	return t
}

type header struct {
	little bool
	align  int
}

type format struct {
	fn  string // the function, for error messages
	L   *lua.LState
	s   string
	i   int
	hdr header
}

func newFormat(L *lua.LState, fn string) *format {
	return &format{fn: fn, L: L, s: luaargs.String(L, 1, fn), hdr: header{little: true, align: 1}}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (f *format) num(def int) int {
	if f.i >= len(f.s) || !isDigit(f.s[f.i]) {
		return def
	}
	a := 0
	for f.i < len(f.s) && isDigit(f.s[f.i]) {
		d := int(f.s[f.i] - '0')
		if a > (math.MaxInt32/10) || a*10 > math.MaxInt32-d {
			f.L.RaiseError("integral size overflow")
		}
		a = a*10 + d
		f.i++
	}
	return a
}

func (f *format) optSize(opt byte) int {
	switch opt {
	case 'B', 'b':
		return 1
	case 'H', 'h':
		return 2
	case 'L', 'l', 'T', 'd':
		return 8
	case 'f':
		return 4
	case 'x':
		return 1
	case 'c':
		return f.num(1)
	case 'i', 'I':
		sz := f.num(4)
		if sz > maxIntSize {
			f.L.RaiseError("integral size %d is larger than limit of %d", sz, maxIntSize)
		}
		return sz
	}
	return 0
}

func (f *format) toAlign(n int, opt byte, size int) int {
	if size == 0 || opt == 'c' {
		return 0
	}
	if size > f.hdr.align {
		size = f.hdr.align
	}
	return (size - (n & (size - 1))) & (size - 1)
}

func (f *format) control(opt byte) {
	switch opt {
	case ' ':
	case '>':
		f.hdr.little = false
	case '<':
		f.hdr.little = true
	case '!':
		a := f.num(maxAlign)
		if a <= 0 || a&(a-1) != 0 {
			f.L.RaiseError("alignment %d is not a power of 2", a)
		}
		f.hdr.align = a
	default:
		luaargs.Error(f.L, 1, f.fn, fmt.Sprintf("invalid format option '%c'", opt))
	}
}

func isInt(opt byte) bool {
	switch opt {
	case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
		return true
	}
	return false
}

func pack(L *lua.LState) int {
	f := newFormat(L, "pack")
	arg := 2
	var out []byte
	for f.i < len(f.s) {
		opt := f.s[f.i]
		f.i++
		size := f.optSize(opt)
		for n := f.toAlign(len(out), opt, size); n > 0; n-- {
			out = append(out, 0)
		}
		switch {
		case isInt(opt):
			n := float64(lua.LNumber(luaargs.Number(L, arg, f.fn)))
			arg++
			var v uint64
			if n < 0 {
				v = uint64(int64(n))
			} else {
				v = uint64(n)
			}
			buf := make([]byte, size)
			for i := 0; i < size && i < 8; i++ {
				b := byte(v >> (8 * i))
				if f.hdr.little {
					buf[i] = b
				} else {
					buf[size-1-i] = b
				}
			}
			out = append(out, buf...)
		case opt == 'x':
			out = append(out, 0)
		case opt == 'f':
			v := math.Float32bits(float32(lua.LNumber(luaargs.Number(L, arg, f.fn))))
			arg++
			if f.hdr.little {
				out = binary.LittleEndian.AppendUint32(out, v)
			} else {
				out = binary.BigEndian.AppendUint32(out, v)
			}
		case opt == 'd':
			v := math.Float64bits(float64(lua.LNumber(luaargs.Number(L, arg, f.fn))))
			arg++
			if f.hdr.little {
				out = binary.LittleEndian.AppendUint64(out, v)
			} else {
				out = binary.BigEndian.AppendUint64(out, v)
			}
		case opt == 'c' || opt == 's':
			s := luaargs.String(L, arg, f.fn)
			arg++
			n := size
			if n == 0 || opt == 's' {
				n = len(s)
			}
			if len(s) < n {
				luaargs.Error(L, arg, f.fn, "string too short")
			}
			out = append(out, s[:n]...)
			if opt == 's' {
				out = append(out, 0)
			}
		default:
			f.control(opt)
		}
	}
	L.Push(lua.LString(out))
	return 1
}

func unpack(L *lua.LState) int {
	f := newFormat(L, "unpack")
	data := luaargs.String(L, 2, f.fn)
	pos := luaargs.OptInt(L, 3, f.fn, 1)
	if pos <= 0 {
		luaargs.Error(L, 3, f.fn, "offset must be 1 or greater")
	}
	pos--
	var results []lua.LValue
	for f.i < len(f.s) {
		opt := f.s[f.i]
		f.i++
		size := f.optSize(opt)
		pos += f.toAlign(pos, opt, size)
		if size > len(data) || pos > len(data)-size {
			luaargs.Error(L, 2, f.fn, "data string too short")
		}
		switch {
		case isInt(opt):
			var v uint64
			for i := 0; i < size; i++ {
				var b byte
				if f.hdr.little {
					b = data[pos+size-1-i]
				} else {
					b = data[pos+i]
				}
				v = v<<8 | uint64(b)
			}
			if opt >= 'a' && opt <= 'z' && size > 0 && size < 8 {
				if mask := ^uint64(0) << (size*8 - 1); v&mask != 0 {
					v |= mask
				}
				results = append(results, lua.LNumber(int64(v)))
			} else if opt >= 'a' && opt <= 'z' {
				results = append(results, lua.LNumber(int64(v)))
			} else {
				results = append(results, lua.LNumber(v))
			}
		case opt == 'x':
		case opt == 'f':
			var v uint32
			if f.hdr.little {
				v = binary.LittleEndian.Uint32([]byte(data[pos : pos+4]))
			} else {
				v = binary.BigEndian.Uint32([]byte(data[pos : pos+4]))
			}
			results = append(results, lua.LNumber(math.Float32frombits(v)))
		case opt == 'd':
			var v uint64
			if f.hdr.little {
				v = binary.LittleEndian.Uint64([]byte(data[pos : pos+8]))
			} else {
				v = binary.BigEndian.Uint64([]byte(data[pos : pos+8]))
			}
			results = append(results, lua.LNumber(math.Float64frombits(v)))
		case opt == 'c':
			if size == 0 {
				var last lua.LNumber
				ok := false
				if n := len(results); n > 0 {
					last, ok = results[n-1].(lua.LNumber)
				}
				if !ok {
					L.RaiseError("format 'c0' needs a previous size")
				}
				results = results[:len(results)-1]
				size = int(last)
				if size < 0 || size > len(data) || pos > len(data)-size {
					luaargs.Error(L, 2, f.fn, "data string too short")
				}
			}
			results = append(results, lua.LString(data[pos:pos+size]))
		case opt == 's':
			end := -1
			for i := pos; i < len(data); i++ {
				if data[i] == 0 {
					end = i
					break
				}
			}
			if end < 0 {
				L.RaiseError("unfinished string in data")
			}
			size = end - pos + 1
			results = append(results, lua.LString(data[pos:end]))
		default:
			f.control(opt)
		}
		pos += size
	}
	for _, r := range results {
		L.Push(r)
	}
	L.Push(lua.LNumber(pos + 1))
	return len(results) + 1
}

func size(L *lua.LState) int {
	f := newFormat(L, "size")
	pos := 0
	for f.i < len(f.s) {
		opt := f.s[f.i]
		f.i++
		size := f.optSize(opt)
		pos += f.toAlign(pos, opt, size)
		if opt == 's' {
			luaargs.Error(L, 1, f.fn, "option 's' has no fixed size")
		} else if opt == 'c' && size == 0 {
			luaargs.Error(L, 1, f.fn, "option 'c0' has no fixed size")
		}
		if !isAlnum(opt) {
			f.control(opt)
		}
		pos += size
	}
	L.Push(lua.LNumber(pos))
	return 1
}

func isAlnum(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
