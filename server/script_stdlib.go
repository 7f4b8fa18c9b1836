package server

import (
	"strconv"
	"strings"

	"github.com/emberkv/ember/internal/luaargs"

	lua "github.com/yuin/gopher-lua"
)

// Where gopher-lua's standard library answers what Lua 5.1's would
// refuse, or the other way round, scripts written against Ember would
// break on Redis: these wrappers put Lua 5.1's checks in front of
// gopher-lua's functions (lbaselib.c, lstrlib.c, ltablib.c), each found
// by the differential suite (testdata/diff/scripting.txt).
func (vm *luaVM) installLua51Checks(G *lua.LTable) {
	L := vm.L
	str := G.RawGetString("string").(*lua.LTable)
	for _, name := range []string{"find", "match", "gmatch", "gsub"} {
		orig := str.RawGetString(name).(*lua.LFunction)
		str.RawSetString(name, withUpvalues(L, orig, lua51Pattern(name, orig)))
	}
	str.RawSetString("char", L.NewFunction(luaStringChar))
	tableLib := G.RawGetString("table").(*lua.LTable)
	// table.insert writes with rawset, which would add the element to a
	// proxy itself, where the next script would find it: refused, as
	// Redis's read-only tables refuse it.
	insert := tableLib.RawGetString("insert").(*lua.LFunction)
	tableLib.RawSetString("insert", L.NewFunction(func(L *lua.LState) int {
		if _, ok := vm.proxies[luaargs.Table(L, 1, "insert")]; ok {
			L.Error(lua.LString(msgReadonlyTable), 0)
		}
		if n := L.GetTop(); n != 2 && n != 3 {
			L.RaiseError("wrong number of arguments to 'insert'") // ltablib.c's tinsert
		}
		return insert.GFunction(L)
	}))
	G.RawSetString("collectgarbage", L.NewFunction(luaCollectGarbage))
	G.RawSetString("assert", L.NewFunction(luaAssert))
	co := G.RawGetString("coroutine").(*lua.LTable)
	yield := co.RawGetString("yield").(*lua.LFunction)
	co.RawSetString("yield", L.NewFunction(func(L *lua.LState) int {
		if L == vm.L {
			// The script's own state is no coroutine: Lua 5.1's words,
			// without a position, as lua_yield raises them.
			L.Error(lua.LString("attempt to yield across metamethod/C-call boundary"), 0)
		}
		return yield.GFunction(L)
	}))
}

// withUpvalues makes f, which calls orig's Go function, a closure with
// orig's upvalues: gopher-lua's gmatch, for one, finds its iterator in
// an upvalue of the running closure.
func withUpvalues(L *lua.LState, orig *lua.LFunction, f lua.LGFunction) *lua.LFunction {
	up := make([]lua.LValue, len(orig.Upvalues))
	for i, u := range orig.Upvalues {
		up[i] = u.Value()
	}
	return L.NewClosure(f, up...)
}

// lua51Pattern puts Lua 5.1's str_find_aux and str_gsub checks in front
// of gopher-lua's find, match, gmatch or gsub:
//   - the malformed patterns Lua refuses and gopher-lua's matcher takes
//     for literal text, a trailing '%' and an unclosed '[' (find with
//     plain set compares no pattern);
//   - find's and match's init: negative counts from the end, and past the
//     end it is the end (gopher-lua answers no match there, Lua matches an
//     empty pattern after the last byte);
//   - gsub's replacement escapes (gsubReplacement).
func lua51Pattern(name string, orig *lua.LFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		plain := name == "find" && L.GetTop() >= 4 && lua.LVAsBool(L.Get(4))
		if p, ok := L.Get(2).(lua.LString); ok && !plain {
			if msg := malformedPattern(string(p)); msg != "" {
				L.RaiseError("%s", msg)
			}
		}
		switch name {
		case "find", "match":
			if L.GetTop() >= 3 && L.Get(3) != lua.LNil {
				s := luaargs.String(L, 1, name)
				init := luaargs.Int(L, 3, name)
				if init < 0 {
					init = max(len(s)+init+1, 0)
				}
				init = min(max(init, 1), len(s)+1)
				if init == len(s)+1 && len(s) > 0 {
					return matchAtEnd(L, name, orig, len(s))
				}
				L.Replace(3, lua.LNumber(init))
			}
		case "gsub":
			if r, ok := L.Get(3).(lua.LString); ok && strings.IndexByte(string(r), '%') >= 0 {
				L.Replace(3, lua.LString(gsubReplacement(string(r))))
			}
		}
		return orig.GFunction(L)
	}
}

// matchAtEnd is find or match from just past the last byte, where only
// an empty match can be: gopher-lua's matcher finds none there, so the
// pattern is tried on the empty string and find's positions moved to
// the end. (A position capture would still count from the empty string.)
func matchAtEnd(L *lua.LState, name string, orig *lua.LFunction, n int) int {
	L.Replace(1, lua.LString(""))
	L.Replace(3, lua.LNumber(1))
	base := L.GetTop()
	got := orig.GFunction(L)
	if name == "find" && got >= 2 {
		for i := 1; i <= 2; i++ {
			if v, ok := L.Get(base + i).(lua.LNumber); ok {
				L.Replace(base+i, v+lua.LNumber(n))
			}
		}
	}
	return got
}

// malformedPattern is lstrlib.c's classEnd errors for p, or "".
func malformedPattern(p string) string {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '%':
			if i+1 == len(p) {
				return "malformed pattern (ends with '%')"
			}
			i++
		case '[':
			j := i + 1
			if j < len(p) && p[j] == '^' {
				j++
			}
			// The first character of a set is itself, ']' too.
			for first := true; ; first = false {
				if j >= len(p) {
					return "malformed pattern (missing ']')"
				}
				c := p[j]
				j++
				if c == ']' && !first {
					break
				}
				if c == '%' {
					if j >= len(p) {
						return "malformed pattern (missing ']')"
					}
					j++
				}
			}
			i = j - 1
		}
	}
	return ""
}

// gsubReplacement rewrites a gsub replacement string from Lua 5.1's
// escapes to gopher-lua's: Lua's add_s writes the byte after a '%' that
// is not a digit ("%x" is "x"), and a '%' at the very end escapes the
// string's terminating NUL; gopher-lua keeps "%x" as it is. "%0"-"%9"
// and "%%" mean the same to both.
func gsubReplacement(r string) string {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		c := r[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		switch {
		case i == len(r):
			b.WriteByte(0)
		case r[i] == '%' || isDigitByte(r[i]):
			b.WriteByte('%')
			b.WriteByte(r[i])
		default:
			b.WriteByte(r[i])
		}
	}
	return b.String()
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

// luaStringChar is Lua 5.1's string.char: each argument a byte's value.
func luaStringChar(L *lua.LState) int {
	n := L.GetTop()
	var b strings.Builder
	b.Grow(n)
	for i := 1; i <= n; i++ {
		c := luaargs.Int(L, i, "char")
		if c < 0 || c > 255 {
			luaargs.Error(L, i, "char", "invalid value")
		}
		b.WriteByte(byte(c))
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// luaAssert is Lua 5.1's assert: its message takes the position of the
// function that called it (none when that is pcall, say).
func luaAssert(L *lua.LState) int {
	if L.GetTop() == 0 {
		luaargs.Error(L, 1, "assert", "value expected")
	}
	if lua.LVAsBool(L.Get(1)) {
		return L.GetTop()
	}
	msg := "assertion failed!"
	if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
		msg = luaargs.String(L, 2, "assert")
	}
	L.Error(lua.LString(luaWhere(L, 1)+msg), 0)
	return 0
}

// quoteArgError puts Lua 5.1's quotes around the function's name in a
// gopher-lua argument error ("bad argument #1 to tonumber (...)" is
// "bad argument #1 to 'tonumber' (...)" in Lua's luaL_argerror), the
// wording of every check gopher-lua's own library functions make.
func quoteArgError(msg string) string {
	i := strings.Index(msg, "bad argument #")
	if i < 0 {
		return msg
	}
	j := i + len("bad argument #")
	for j < len(msg) && isDigitByte(msg[j]) {
		j++
	}
	rest, ok := strings.CutPrefix(msg[j:], " to ")
	if !ok {
		return msg
	}
	n := 0
	for n < len(rest) && (rest[n] == '_' || rest[n] == '.' || isDigitByte(rest[n]) ||
		(rest[n]|0x20 >= 'a' && rest[n]|0x20 <= 'z')) {
		n++
	}
	if n == 0 || !strings.HasPrefix(rest[n:], " (") || !luaBuiltinNames[rest[:n]] {
		return msg // quoted already (luaargs), or not one of gopher-lua's
	}
	return msg[:j] + " to '" + rest[:n] + "'" + rest[n:]
}

// luaBuiltinNames are the functions of gopher-lua's base, string, table,
// math and coroutine libraries, whose argument errors quoteArgError
// rewrites: a script's own message that looks the same is left alone.
var luaBuiltinNames = func() map[string]bool {
	names := map[string]bool{}
	for _, n := range strings.Fields(`assert collectgarbage error getmetatable ipairs load loadstring next
		pairs pcall rawequal rawget rawset select setmetatable tonumber tostring type unpack xpcall
		byte char dump find format gfind gmatch gsub len lower match rep reverse sub upper
		concat foreach foreachi getn insert maxn remove setn sort
		abs acos asin atan atan2 ceil cos cosh deg exp floor fmod frexp ldexp log log10 max min mod modf
		pow rad random randomseed sin sinh sqrt tan tanh
		create resume running status wrap yield`) {
		names[n] = true
	}
	return names
}()

// luaCollectGarbage is Lua 5.1's collectgarbage with its answers' types:
// Go's collector does the work, so "collect", "stop" and "restart" do
// nothing and answer 0, "step" answers that no cycle ended, "count" the
// Lua heap in KB, which Ember does not measure (0, as gcinfo), and
// "setpause" and "setstepmul" Lua's default of 200 as the value before.
func luaCollectGarbage(L *lua.LState) int {
	opt := "collect"
	switch v := L.Get(1).(type) {
	case lua.LString:
		opt = string(v)
	case lua.LNumber:
		opt = formatLuaNumber(float64(v))
	case *lua.LNilType:
	default:
		L.ArgError(1, "string expected, got "+v.Type().String())
	}
	switch opt {
	case "collect", "stop", "restart", "count":
		L.Push(lua.LNumber(0))
	case "step":
		L.Push(lua.LFalse)
	case "setpause", "setstepmul":
		L.Push(lua.LNumber(200))
	default:
		// luaL_checkoption's words, quotes and all.
		L.Error(lua.LString(luaWhere(L, 1)+"bad argument #1 to 'collectgarbage' (invalid option '"+opt+"')"), 0)
	}
	return 1
}

// luaWhere is Lua 5.1's luaL_where for a Go function's caller at level
// (1: the Lua function that called it): "source:line: " for a Lua
// function, "" for a Go one or past the stack. gopher-lua's own skips Go
// functions to the next Lua one, so pcall(error, 'x') would name the
// script's line where Lua names none.
func luaWhere(L *lua.LState, level int) string {
	dbg, ok := L.GetStack(level)
	if !ok {
		return ""
	}
	if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil || dbg.What == "G" || dbg.CurrentLine <= 0 {
		return ""
	}
	return dbg.Source + ":" + strconv.Itoa(dbg.CurrentLine) + ": "
}
