// Package luabit is the "bit" library Redis bundles for its Lua scripts
// (LuaBitOp 1.0): bitwise operations on 32-bit integers, for gopher-lua.
//
// As LuaBitOp on a double-number Lua: an argument is rounded to the
// nearest integer and taken modulo 2^32, and every result is a signed
// 32-bit number.
package luabit

import (
	"math"

	"github.com/emberkv/ember/internal/luaargs"

	lua "github.com/yuin/gopher-lua"
)

// New returns the bit table for L.
func New(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	for name, f := range map[string]lua.LGFunction{
		"tobit":   unary("tobit", func(b uint32) uint32 { return b }),
		"bnot":    unary("bnot", func(b uint32) uint32 { return ^b }),
		"bswap":   unary("bswap", func(b uint32) uint32 { return b>>24 | (b>>8)&0xff00 | (b&0xff00)<<8 | b<<24 }),
		"band":    variadic("band", func(a, b uint32) uint32 { return a & b }),
		"bor":     variadic("bor", func(a, b uint32) uint32 { return a | b }),
		"bxor":    variadic("bxor", func(a, b uint32) uint32 { return a ^ b }),
		"lshift":  shift("lshift", func(b uint32, n uint) uint32 { return b << n }),
		"rshift":  shift("rshift", func(b uint32, n uint) uint32 { return b >> n }),
		"arshift": shift("arshift", func(b uint32, n uint) uint32 { return uint32(int32(b) >> n) }),
		"rol":     shift("rol", func(b uint32, n uint) uint32 { return b<<n | b>>(32-n) }),
		"ror":     shift("ror", func(b uint32, n uint) uint32 { return b>>n | b<<(32-n) }),
		"tohex":   tohex,
	} {
		t.RawSetString(name, L.NewFunction(f))
	}
	return t
}

// Bits converts a Lua number as LuaBitOp's barg: rounded half to even,
// then modulo 2^32.
func Bits(f float64) uint32 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	f = math.RoundToEven(f)
	m := math.Mod(f, 4294967296)
	if m < 0 {
		m += 4294967296
	}
	return uint32(m)
}

func arg(L *lua.LState, i int, fn string) uint32 { return Bits(luaargs.Number(L, i, fn)) }

func push(L *lua.LState, b uint32) int {
	L.Push(lua.LNumber(int32(b)))
	return 1
}

func unary(fn string, op func(b uint32) uint32) lua.LGFunction {
	return func(L *lua.LState) int { return push(L, op(arg(L, 1, fn))) }
}

func variadic(fn string, op func(a, b uint32) uint32) lua.LGFunction {
	return func(L *lua.LState) int {
		b := arg(L, 1, fn)
		for i := 2; i <= L.GetTop(); i++ {
			b = op(b, arg(L, i, fn))
		}
		return push(L, b)
	}
}

func shift(fn string, op func(b uint32, n uint) uint32) lua.LGFunction {
	return func(L *lua.LState) int {
		b := arg(L, 1, fn)
		n := uint(arg(L, 2, fn) & 31)
		return push(L, op(b, n))
	}
}

func tohex(L *lua.LState) int {
	b := arg(L, 1, "tohex")
	n := int32(8)
	if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
		n = int32(arg(L, 2, "tohex"))
	}
	digits := "0123456789abcdef"
	if n < 0 {
		n = -n
		digits = "0123456789ABCDEF"
	}
	if n > 8 {
		n = 8
	}
	buf := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		buf[i] = digits[b&15]
		b >>= 4
	}
	L.Push(lua.LString(buf))
	return 1
}
