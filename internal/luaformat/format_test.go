package luaformat

import (
	"testing"

	"github.com/emberkv/ember/internal/luatest"

	lua "github.com/yuin/gopher-lua"
)

// The values are Redis 7.0.15's for the same calls (server's
// testdata/diff/scripting.txt compares them against a live server).
func TestFormat(t *testing.T) {
	tests := []struct{ call, want string }{
		{`'%d-%s', 5, 'x'`, "5-x"},
		{`'%5.2f', 3.14159`, " 3.14"},
		{`'%x %X %o %u', -1, -255, -8, -1`, "ffffffffffffffff FFFFFFFFFFFFFF01 1777777777777777777770 18446744073709551615"},
		{`'%#x %#X %#o %#x', 255, 255, 8, 0`, "0xff 0XFF 010 0"},
		{`'%+x % x', 255, 255`, "ff ff"},
		{`'%5c|%-3c|', 65, 66`, "    A|B  |"},
		{`'%c', 256 + 65`, "A"},
		{`'%f %e %g', 1/0, -1/0, 0/0`, "inf -inf -nan"},
		{`'%5.1f|%-6E|%+G', 1/0, 1/0, 1/0`, "  inf|INF   |+INF"},
		{`'%g %g %g %g', 100000, 1000000, 1e-4, 1e-5`, "100000 1e+06 0.0001 1e-05"},
		{`'%.0g %.g %#g %#.3e %#f', 123, 0.5, 1, 2, 3`, "1e+02 0.5 1.00000 2.000e+00 3.000000"},
		{`'%.3d|%08.3f|%-8.2e|', 7, -3.14159, 12345`, "007|-003.142|1.23e+04|"},
		{`'%d %d', 2^53, -2^63`, "9007199254740992 -9223372036854775808"},
		{`'%d', '0x10'`, "16"},
		{`'%s', 12.5`, "12.5"},
		{`'%s|%5s|%-5s|%.2s', 'a', 'b', 'c', 'def'`, "a|    b|c    |de"},
		{`'%q', 'a\nb\0c'`, "\"a\\\nb\\000c\""},
		{`'%q', 'tab\there\r\\"'`, "\"tab\there\\r\\\\\\\"\""},
		{`'%%'`, "%"},
		{`'no items', 1, 2`, "no items"},
	}
	errs := []struct{ call, want string }{
		{`'%s', nil`, "bad argument #2 to 'format' (string expected, got nil)"},
		{`'%d', 'x'`, "bad argument #2 to 'format' (number expected, got string)"},
		{`'%s %s', 1.5, true`, "bad argument #3 to 'format' (string expected, got boolean)"},
		{`'%d'`, "bad argument #2 to 'format' (no value)"},
		{`'%z', 1`, "invalid option '%z' to 'format'"},
		{`'abc%', 1`, "invalid option '%' to 'format'"},
		{`'%-+ #0-d', 1`, "invalid format (repeated flags)"},
		{`'%123d', 1`, "invalid format (width or precision too long)"},
		{`'%1.123f', 1`, "invalid format (width or precision too long)"},
	}
	cases := make([]luatest.Case, len(tests))
	for i, tc := range tests {
		cases[i] = luatest.Case{Code: "return s.format(" + tc.call + ")", Want: tc.want}
	}
	errCases := make(map[string]string, len(errs))
	for _, tc := range errs {
		errCases["s.format("+tc.call+")"] = tc.want
	}
	luatest.Run(t, "s", func(L *lua.LState) *lua.LTable {
		t := L.NewTable()
		t.RawSetString("format", L.NewFunction(Format))
		return t
	}, cases, errCases)
}
