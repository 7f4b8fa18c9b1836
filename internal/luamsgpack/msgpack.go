// Package luamsgpack is the "cmsgpack" library Redis bundles for its Lua
// scripts (lua-cmsgpack 0.4): MessagePack pack and unpack, for gopher-lua.
//
// As lua-cmsgpack on Lua 5.1: a number that is an integer packs as the
// smallest integer type, else as a float when float32 holds it exactly,
// else as a double; a table whose keys are exactly 1..n packs as an
// array, anything else as a map; tables nested deeper than 16 pack as
// nil. Map order is gopher-lua's table order.
package luamsgpack

import (
	"encoding/binary"
	"math"

	"github.com/emberkv/ember/internal/luaargs"
	lua "github.com/yuin/gopher-lua"
)

const maxNesting = 16

// New returns the cmsgpack table for L.
func New(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(pack))
	t.RawSetString("unpack", L.NewFunction(unpack))
	t.RawSetString("unpack_one", L.NewFunction(unpackOne))
	t.RawSetString("unpack_limit", L.NewFunction(unpackLimit))
	t.RawSetString("_NAME", lua.LString("cmsgpack"))
	t.RawSetString("_VERSION", lua.LString("lua-cmsgpack 0.4.0"))
	t.RawSetString("_COPYRIGHT", lua.LString("Copyright (C) 2012, Salvatore Sanfilippo"))
	t.RawSetString("_DESCRIPTION", lua.LString("MessagePack C implementation for Lua"))
	return t
}

func pack(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		luaargs.Error(L, 0, "pack", "MessagePack pack needs input.")
	}
	var b []byte
	for i := 1; i <= n; i++ {
		b = encode(b, L.Get(i), 0)
	}
	L.Push(lua.LString(b))
	return 1
}

func encode(b []byte, v lua.LValue, level int) []byte {
	switch v := v.(type) {
	case lua.LString:
		return appendString(b, string(v))
	case lua.LBool:
		if v {
			return append(b, 0xc3)
		}
		return append(b, 0xc2)
	case lua.LNumber:
		f := float64(v)
		if !math.IsInf(f, 0) && f >= -9.223372036854775808e18 && f < 9.223372036854775808e18 && float64(int64(f)) == f {
			return appendInt(b, int64(f))
		}
		if float64(float32(f)) == f || math.IsNaN(f) {
			b = append(b, 0xca)
			return binary.BigEndian.AppendUint32(b, math.Float32bits(float32(f)))
		}
		b = append(b, 0xcb)
		return binary.BigEndian.AppendUint64(b, math.Float64bits(f))
	case *lua.LTable:
		if level == maxNesting {
			return append(b, 0xc0)
		}
		if n, ok := arrayLength(v); ok {
			b = appendHeader(b, n, 0x90, 16, 0xdc, 0xdd)
			for i := 1; i <= n; i++ {
				b = encode(b, v.RawGetInt(i), level+1)
			}
			return b
		}
		n := 0
		v.ForEach(func(_, _ lua.LValue) { n++ })
		b = appendHeader(b, n, 0x80, 16, 0xde, 0xdf)
		v.ForEach(func(k, val lua.LValue) {
			b = encode(b, k, level+1)
			b = encode(b, val, level+1)
		})
		return b
	}
	return append(b, 0xc0)
}

// arrayLength reports whether t's keys are exactly 1..n.
func arrayLength(t *lua.LTable) (int, bool) {
	count, max := 0, 0
	ok := true
	t.ForEach(func(k, _ lua.LValue) {
		n, isNum := k.(lua.LNumber)
		f := float64(n)
		if !isNum || f <= 0 || f != math.Trunc(f) || f > math.MaxInt32 {
			ok = false
			return
		}
		if int(f) > max {
			max = int(f)
		}
		count++
	})
	return max, ok && max == count
}

func appendHeader(b []byte, n int, fix byte, fixMax int, h16, h32 byte) []byte {
	switch {
	case n < fixMax:
		return append(b, fix|byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, h16), uint16(n))
	default:
		return binary.BigEndian.AppendUint32(append(b, h32), uint32(n))
	}
}

func appendString(b []byte, s string) []byte {
	switch n := len(s); {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n <= 0xff:
		b = append(b, 0xd9, byte(n))
	case n <= 0xffff:
		b = binary.BigEndian.AppendUint16(append(b, 0xda), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xdb), uint32(n))
	}
	return append(b, s...)
}

func appendInt(b []byte, n int64) []byte {
	if n >= 0 {
		switch {
		case n <= 127:
			return append(b, byte(n))
		case n <= 0xff:
			return append(b, 0xcc, byte(n))
		case n <= 0xffff:
			return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(n))
		case n <= 0xffffffff:
			return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(n))
		}
		return binary.BigEndian.AppendUint64(append(b, 0xcf), uint64(n))
	}
	switch {
	case n >= -32:
		return append(b, byte(int8(n)))
	case n >= -128:
		return append(b, 0xd0, byte(int8(n)))
	case n >= -32768:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(int16(n)))
	case n >= -2147483648:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(int32(n)))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(n))
}

type decodeErr int

const (
	errNone decodeErr = iota
	errEOF
	errBadFormat
)

type cursor struct {
	L   *lua.LState
	s   string
	p   int
	err decodeErr
}

func (c *cursor) need(n int) bool {
	if len(c.s)-c.p < n {
		c.err = errEOF
		return false
	}
	return true
}

func (c *cursor) u16(at int) int { return int(binary.BigEndian.Uint16([]byte(c.s[at : at+2]))) }
func (c *cursor) u32(at int) uint32 {
	return binary.BigEndian.Uint32([]byte(c.s[at : at+4]))
}
func (c *cursor) u64(at int) uint64 { return binary.BigEndian.Uint64([]byte(c.s[at : at+8])) }

func (c *cursor) decode() lua.LValue {
	if !c.need(1) {
		return lua.LNil
	}
	t := c.s[c.p]
	switch {
	case t <= 0x7f:
		c.p++
		return lua.LNumber(t)
	case t >= 0xe0:
		c.p++
		return lua.LNumber(int8(t))
	case t&0xe0 == 0xa0:
		n := int(t & 0x1f)
		return c.str(1, n)
	case t&0xf0 == 0x90:
		c.p++
		return c.array(int(t & 0xf))
	case t&0xf0 == 0x80:
		c.p++
		return c.hash(int(t & 0xf))
	}
	fixed := func(n int) bool {
		if !c.need(1 + n) {
			return false
		}
		return true
	}
	at := c.p + 1
	switch t {
	case 0xcc, 0xd0:
		if !fixed(1) {
			return lua.LNil
		}
		c.p += 2
		if t == 0xcc {
			return lua.LNumber(c.s[at])
		}
		return lua.LNumber(int8(c.s[at]))
	case 0xcd, 0xd1:
		if !fixed(2) {
			return lua.LNil
		}
		c.p += 3
		if t == 0xcd {
			return lua.LNumber(c.u16(at))
		}
		return lua.LNumber(int16(c.u16(at)))
	case 0xce, 0xd2:
		if !fixed(4) {
			return lua.LNil
		}
		c.p += 5
		if t == 0xce {
			return lua.LNumber(c.u32(at))
		}
		return lua.LNumber(int32(c.u32(at)))
	case 0xcf, 0xd3:
		if !fixed(8) {
			return lua.LNil
		}
		c.p += 9
		if t == 0xcf {
			return lua.LNumber(c.u64(at))
		}
		return lua.LNumber(int64(c.u64(at)))
	case 0xc0:
		c.p++
		return lua.LNil
	case 0xc3:
		c.p++
		return lua.LTrue
	case 0xc2:
		c.p++
		return lua.LFalse
	case 0xca:
		if !fixed(4) {
			return lua.LNil
		}
		c.p += 5
		return lua.LNumber(math.Float32frombits(c.u32(at)))
	case 0xcb:
		if !fixed(8) {
			return lua.LNil
		}
		c.p += 9
		return lua.LNumber(math.Float64frombits(c.u64(at)))
	case 0xd9:
		if !fixed(1) {
			return lua.LNil
		}
		return c.str(2, int(c.s[at]))
	case 0xda:
		if !fixed(2) {
			return lua.LNil
		}
		return c.str(3, c.u16(at))
	case 0xdb:
		if !fixed(4) {
			return lua.LNil
		}
		return c.str(5, int(c.u32(at)))
	case 0xdc:
		if !fixed(2) {
			return lua.LNil
		}
		c.p += 3
		return c.array(c.u16(at))
	case 0xdd:
		if !fixed(4) {
			return lua.LNil
		}
		c.p += 5
		return c.array(int(c.u32(at)))
	case 0xde:
		if !fixed(2) {
			return lua.LNil
		}
		c.p += 3
		return c.hash(c.u16(at))
	case 0xdf:
		if !fixed(4) {
			return lua.LNil
		}
		c.p += 5
		return c.hash(int(c.u32(at)))
	}
	c.err = errBadFormat
	return lua.LNil
}

func (c *cursor) str(hdr, n int) lua.LValue {
	if n < 0 || !c.need(hdr+n) {
		return lua.LNil
	}
	s := c.s[c.p+hdr : c.p+hdr+n]
	c.p += hdr + n
	return lua.LString(s)
}

// array and hash grow as elements arrive, so a declared length is never
// trusted for an allocation.
func (c *cursor) array(n int) lua.LValue {
	t := c.L.NewTable()
	for i := 1; i <= n; i++ {
		v := c.decode()
		if c.err != errNone {
			return lua.LNil
		}
		t.RawSetInt(i, v)
	}
	return t
}

func (c *cursor) hash(n int) lua.LValue {
	t := c.L.NewTable()
	for i := 0; i < n; i++ {
		k := c.decode()
		if c.err != errNone {
			return lua.LNil
		}
		v := c.decode()
		if c.err != errNone {
			return lua.LNil
		}
		if k != lua.LNil {
			t.RawSet(k, v)
		}
	}
	return t
}

func unpackFull(L *lua.LState, fn string, limit, offset int) int {
	s := luaargs.String(L, 1, fn)
	if offset < 0 || limit < 0 {
		L.RaiseError("Invalid request to unpack with offset of %d and limit of %d.", offset, len(s))
	} else if offset > len(s) {
		L.RaiseError("Start offset %d greater than input length %d.", offset, len(s))
	}
	all := limit == 0 && offset == 0
	if all {
		limit = math.MaxInt32
	}
	c := &cursor{L: L, s: s, p: offset}
	var out []lua.LValue
	for cnt := 0; c.p < len(s) && cnt < limit; cnt++ {
		v := c.decode()
		switch c.err {
		case errEOF:
			L.RaiseError("Missing bytes in input.")
		case errBadFormat:
			L.RaiseError("Bad data format in input.")
		}
		out = append(out, v)
	}
	if !all {
		next := c.p
		if c.p >= len(s) {
			next = -1
		}
		L.Push(lua.LNumber(next))
	}
	for _, v := range out {
		L.Push(v)
	}
	if !all {
		return len(out) + 1
	}
	return len(out)
}

func unpack(L *lua.LState) int { return unpackFull(L, "unpack", 0, 0) }

func unpackOne(L *lua.LState) int {
	off := luaargs.OptInt(L, 2, "unpack_one", 0)
	L.SetTop(1)
	return unpackFull(L, "unpack_one", 1, off)
}

func unpackLimit(L *lua.LState) int {
	limit := luaargs.Int(L, 2, "unpack_limit")
	off := luaargs.OptInt(L, 3, "unpack_limit", 0)
	L.SetTop(1)
	return unpackFull(L, "unpack_limit", limit, off)
}
