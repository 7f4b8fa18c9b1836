// Package luaargs checks the arguments of Go functions called from Lua
// and words their errors as Lua 5.1's lauxlib does ("bad argument #1 to
// 'band' (number expected, got no value)"), which gopher-lua's own
// checks do not: the libraries Redis bundles are compared byte for byte.
package luaargs

import (
	"fmt"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Error raises luaL_argerror's message for argument n of function fn.
func Error(L *lua.LState, n int, fn, msg string) {
	L.RaiseError("bad argument #%d to '%s' (%s)", n, fn, msg)
}

// typeName is luaL_typename, with "no value" for a missing argument.
func typeName(L *lua.LState, n int) string {
	if n > L.GetTop() {
		return "no value"
	}
	v := L.Get(n)
	if _, ok := v.(*lua.LUserData); ok {
		return "userdata"
	}
	return v.Type().String()
}

func typeError(L *lua.LState, n int, fn, want string) {
	Error(L, n, fn, fmt.Sprintf("%s expected, got %s", want, typeName(L, n)))
}

// Number is luaL_checknumber: a number, or a string that reads as one.
func Number(L *lua.LState, n int, fn string) float64 {
	switch v := L.Get(n).(type) {
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		if f, ok := ParseNumber(string(v)); ok {
			return f
		}
	}
	typeError(L, n, fn, "number")
	return 0
}

// ParseNumber reads a string as Lua 5.1's lua_str2number: a decimal
// number or a hexadecimal integer, with surrounding spaces.
func ParseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		u, err := strconv.ParseUint(h, 16, 64)
		return float64(u), err == nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// Int is luaL_checkint: Number truncated.
func Int(L *lua.LState, n int, fn string) int { return int(Number(L, n, fn)) }

// OptInt is luaL_optint: def when the argument is missing or nil.
func OptInt(L *lua.LState, n int, fn string, def int) int {
	if n > L.GetTop() || L.Get(n) == lua.LNil {
		return def
	}
	return Int(L, n, fn)
}

// String is luaL_checklstring: a string, or a number as Lua prints it.
func String(L *lua.LState, n int, fn string) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return strconv.FormatFloat(float64(v), 'g', 14, 64)
	}
	typeError(L, n, fn, "string")
	return ""
}

// Table is luaL_checktype(L, n, LUA_TTABLE).
func Table(L *lua.LState, n int, fn string) *lua.LTable {
	if t, ok := L.Get(n).(*lua.LTable); ok {
		return t
	}
	typeError(L, n, fn, "table")
	return nil
}
