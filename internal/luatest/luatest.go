// Package luatest runs the table-driven tests of the Lua libraries Ember
// bundles for scripts (internal/luacjson, luamsgpack, luastruct): each
// case's code runs in a fresh gopher-lua state holding just the library.
package luatest

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// Case is a function body whose return value, as a Lua string, must be
// Want. An alias of a plain struct, so that tables of cases can be
// written {code, want} without field names.
type Case = struct{ Code, Want string }

// Run opens the library under name in a new state, runs every case, then
// every code of errs, each of which must fail with an error containing
// its text.
func Run(t *testing.T, name string, open func(*lua.LState) *lua.LTable, cases []Case, errs map[string]string) {
	t.Helper()
	L := lua.NewState()
	defer L.Close()
	L.SetGlobal(name, open(L))
	for _, tc := range cases {
		if err := L.DoString("r = (function() " + tc.Code + " end)()"); err != nil {
			t.Errorf("%s: %v", tc.Code, err)
			continue
		}
		if got := L.GetGlobal("r").String(); got != tc.Want {
			t.Errorf("%s = %q, want %q", tc.Code, got, tc.Want)
		}
	}
	for code, want := range errs {
		if err := L.DoString(code); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", code, err, want)
		}
	}
}
