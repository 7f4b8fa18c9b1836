package server

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/emberkv/ember/internal/luaargs"
	"github.com/emberkv/ember/internal/luabit"
	"github.com/emberkv/ember/internal/luacjson"
	"github.com/emberkv/ember/internal/luaformat"
	"github.com/emberkv/ember/internal/luamsgpack"
	"github.com/emberkv/ember/internal/luastruct"
	"github.com/emberkv/ember/internal/redisnum"
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// luaVM is one prepared Lua state with Redis 7.0's sandbox: only the
// allowed libraries, the redis table, and globals that scripts can read
// but never change, so that nothing leaks from one script to the next
// and states can be pooled.
//
// Redis makes the globals table read-only inside its patched Lua;
// gopher-lua has no read-only tables, so scripts see proxies instead: an
// empty table whose metatable reads through to the real one and refuses
// every write ("Attempt to modify a readonly table"). The same goes for
// each library table. rawset and rawget see through the proxies too.
type luaVM struct {
	mu          sync.Mutex // the functions' state: held while one runs or loads
	e           *scriptEngine
	L           *lua.LState
	globals     *lua.LTable // the real globals (KEYS and ARGV go here)
	env         *lua.LTable // the proxy scripts run in
	envMeta     *lua.LTable // its metatable; __index is globals, or loadAPI while a library loads
	loadAPI     *lua.LTable // what FUNCTION LOAD's code sees
	proxies     map[*lua.LTable]*lua.LTable
	metaProxies map[*lua.LTable]*lua.LTable // getmetatable's read-only views of the metatables behind proxies
	errHandler  *lua.LFunction
	fns         map[*luaScript]*lua.LFunction
	keys, argv  scriptArray // EVAL's KEYS and ARGV, reused (refill)
	keyStrs     luaStrings  // the last call's keys as Lua strings
	argStrs     luaStrings  // and its arguments
	gen         uint64
	run_        *scriptRun
	chunkNames  map[string]string // the raw names of this run's loadstring chunks, by their Lua names
	loading     *libraryLoad      // FUNCTION LOAD in progress
}

// luaGlobalsAllowed are the globals Redis 7.0.15 scripts see (checked on
// the real server: script_lua.c's allow lists name getfenv, setfenv and
// newproxy too, but they do not exist there); everything else the
// libraries define is dropped. Without getfenv no script can reach the
// real globals behind their read-only proxy.
var luaGlobalsAllowed = map[string]bool{
	"string": true, "cjson": true, "bit": true, "cmsgpack": true, "math": true, "table": true, "struct": true,
	"redis":  true,
	"xpcall": true, "tostring": true, "setmetatable": true, "next": true, "assert": true,
	"tonumber": true, "rawequal": true, "collectgarbage": true, "getmetatable": true, "rawset": true,
	"pcall": true, "coroutine": true, "type": true, "_G": true, "select": true, "unpack": true,
	"gcinfo": true, "pairs": true, "rawget": true, "loadstring": true, "ipairs": true, "_VERSION": true,
	"load": true, "error": true,
}

// luaTableCompat defines table.foreach and table.foreachi as Lua 5.1's
// ltablib.c has them (table.setn, which only fails, is Go's).
const luaTableCompat = `
function table.foreach(t, f)
  for k, v in pairs(t) do
    local r = f(k, v)
    if r ~= nil then return r end
  end
end
function table.foreachi(t, f)
  for i = 1, #t do
    local r = f(i, t[i])
    if r ~= nil then return r end
  end
end
`

func newLuaVM(e *scriptEngine, functions bool) *luaVM {
	L := lua.NewState(lua.Options{SkipOpenLibs: true, CallStackSize: 256, RegistrySize: 1024 * 4, RegistryMaxSize: 1024 * 256})
	vm := &luaVM{e: e, L: L, proxies: make(map[*lua.LTable]*lua.LTable), fns: make(map[*luaScript]*lua.LFunction)}
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.CoroutineLibName, lua.OpenCoroutine},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	// Lua 5.1's deprecated table functions, which gopher-lua lacks.
	if err := L.DoString(luaTableCompat); err != nil {
		panic("scripting: " + err.Error())
	}
	G := L.G.Global
	tableLib := G.RawGetString("table").(*lua.LTable)
	tableLib.RawSetString("setn", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("'setn' is obsolete")
		return 0
	}))
	tableLib.RawSetString("concat", L.NewFunction(luaTableConcat))
	G.RawGetString("string").(*lua.LTable).RawSetString("format", L.NewFunction(luaformat.Format))
	G.RawSetString("cjson", luacjson.New(L))
	G.RawSetString("cmsgpack", luamsgpack.New(L))
	G.RawSetString("bit", luabit.New(L))
	G.RawSetString("struct", luastruct.New(L))
	G.RawSetString("redis", vm.redisTable(false))
	G.RawSetString("gcinfo", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LNumber(0)); return 1 }))
	// Drop what Redis does not offer (print, dofile, loadfile, require,
	// module, os, io, ...).
	var drop []string
	G.ForEach(func(k, _ lua.LValue) {
		if s, ok := k.(lua.LString); !ok || !luaGlobalsAllowed[string(s)] {
			drop = append(drop, k.String())
		}
	})
	for _, k := range drop {
		G.RawSetString(k, lua.LNil)
	}
	math := G.RawGetString("math").(*lua.LTable)
	math.RawSetString("random", L.NewFunction(vm.mathRandom))
	math.RawSetString("randomseed", L.NewFunction(vm.mathRandomSeed))
	G.RawSetString("rawset", L.NewFunction(vm.rawSet))
	G.RawSetString("rawget", L.NewFunction(vm.rawGet))
	G.RawSetString("setmetatable", L.NewFunction(vm.setMetatable(G.RawGetString("setmetatable").(*lua.LFunction))))
	G.RawSetString("error", L.NewFunction(luaErrorBuiltin))
	G.RawSetString("tostring", L.NewFunction(luaToString))
	G.RawSetString("tonumber", L.NewFunction(luaToNumber))
	G.RawSetString("pcall", L.NewFunction(redisPcall))
	vm.installLua51Checks(G)
	for _, name := range []string{"next", "pairs", "ipairs"} {
		G.RawSetString(name, vm.seeThrough(G.RawGetString(name).(*lua.LFunction)))
	}
	G.RawSetString("getmetatable", L.NewFunction(vm.getMetatable(G.RawGetString("getmetatable").(*lua.LFunction))))
	G.RawSetString("loadstring", L.NewFunction(vm.namedLoad(G.RawGetString("loadstring").(*lua.LFunction), "")))
	G.RawSetString("load", L.NewFunction(vm.namedLoad(G.RawGetString("load").(*lua.LFunction), "=(load)")))
	if !functions {
		redis := G.RawGetString("redis").(*lua.LTable)
		redis.RawSetString("replicate_commands", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LTrue); return 1 }))
		redis.RawSetString("breakpoint", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LFalse); return 1 }))
		redis.RawSetString("debug", L.NewFunction(func(L *lua.LState) int { return 0 }))
	}

	// Reading a missing global is an error, as Redis's luaSetErrorMetatable.
	missing := L.NewTable()
	missing.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError(msgNoGlobal, L.ToString(2))
		return 0
	}))
	missing.RawSetString("__metatable", lua.LFalse)
	L.SetMetatable(G, missing)

	vm.runUnder(G.RawGetString("coroutine").(*lua.LTable))

	// Every library table, then the globals, behind a read-only proxy.
	for _, name := range []string{"string", "math", "table", "coroutine", "cjson", "cmsgpack", "bit", "struct", "redis"} {
		G.RawSetString(name, vm.protect(G.RawGetString(name).(*lua.LTable)))
	}
	// Strings find their methods through their metatable's __index: the
	// protected string table, or a script could change the real one
	// through getmetatable('').__index and be seen by the next. The
	// metatable itself is read-only too, as in Redis: getmetatable('')
	// answers its proxy (__metatable).
	// gopher-lua makes the string library its own metatable; Lua's are
	// two tables, and pairs(string) lists no __index.
	if lib, ok := L.GetMetatable(lua.LString("")).(*lua.LTable); ok {
		lib.RawSetString("__index", lua.LNil)
		smt := L.NewTable()
		smt.RawSetString("__index", G.RawGetString("string"))
		smt.RawSetString("__metatable", vm.protect(smt))
		L.SetMetatable(lua.LString(""), smt)
	}
	vm.globals = G
	vm.env = vm.protect(G)
	vm.envMeta = vm.env.Metatable.(*lua.LTable)
	G.RawSetString("_G", vm.env)
	L.Env = vm.env
	L.G.Global = G

	if functions {
		// While a library loads, its code sees only this redis table
		// (function_lua.c's library API).
		api := L.NewTable()
		loadRedis := vm.redisTable(true)
		L.SetMetatable(loadRedis, missing)
		api.RawSetString("redis", vm.protect(loadRedis))
		L.SetMetatable(api, missing)
		vm.loadAPI = api
	}
	vm.errHandler = L.NewFunction(vm.handleError)
	G.RawSetString("__redis__err__handler", vm.errHandler) // a global in Redis too
	return vm
}

// protect returns the read-only proxy of t.
func (vm *luaVM) protect(t *lua.LTable) *lua.LTable {
	L := vm.L
	p := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", t)
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError(msgReadonlyTable)
		return 0
	}))
	mt.RawSetString("__metatable", lua.LFalse)
	L.SetMetatable(p, mt)
	vm.proxies[p] = t
	return p
}

// seeThrough wraps next, pairs or ipairs so that a proxy is walked as
// the table behind it: pairs(_G) lists the globals, as in Redis.
// The wrapper carries the original's upvalues (pairs keeps its iterator
// in one), which the original reads from the running closure.
func (vm *luaVM) seeThrough(orig *lua.LFunction) *lua.LFunction {
	return withUpvalues(vm.L, orig, func(L *lua.LState) int {
		if t, ok := L.Get(1).(*lua.LTable); ok {
			if real, ok := vm.proxies[t]; ok {
				L.Replace(1, real)
			}
		}
		return orig.GFunction(L)
	})
}

// getMetatable is getmetatable answering for a proxy what Redis answers
// for the read-only table behind it: nil for a library, the globals'
// error metatable (read-only too) for _G.
func (vm *luaVM) getMetatable(orig *lua.LFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		if t, ok := L.Get(1).(*lua.LTable); ok {
			if real, ok := vm.proxies[t]; ok {
				mt, ok := real.Metatable.(*lua.LTable)
				if !ok {
					L.Push(lua.LNil)
					return 1
				}
				if vm.metaProxies == nil {
					vm.metaProxies = make(map[*lua.LTable]*lua.LTable)
				}
				p := vm.metaProxies[mt]
				if p == nil {
					p = vm.protect(mt)
					vm.metaProxies[mt] = p
				}
				L.Push(p)
				return 1
			}
		}
		return orig.GFunction(L)
	}
}

// namedLoad wraps loadstring or load so that the chunk is named as Lua
// 5.1 names it (luaO_chunkid): its positions read [string "..."] for a
// string, the name after '=' or '@' otherwise; def is the name when the
// script gives none (loadstring's default is the code itself). gopher-lua
// prints the name as it is given, so the wrapper gives it the formatted
// one and remembers the raw one, which Redis's error reply quotes after
// "on" (handleError).
func (vm *luaVM) namedLoad(orig *lua.LFunction, def string) lua.LGFunction {
	return func(L *lua.LState) int {
		raw := def
		if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
			raw = L.CheckString(2)
		} else if def == "" {
			raw = L.CheckString(1)
		}
		id := luaChunkID(raw)
		if id != raw && len(vm.chunkNames) < 1024 {
			if vm.chunkNames == nil {
				vm.chunkNames = make(map[string]string)
			}
			vm.chunkNames[id] = raw
		}
		L.SetTop(1)
		L.Push(lua.LString(id))
		return orig.GFunction(L)
	}
}

// luaChunkID is Lua 5.1's luaO_chunkid with its LUA_IDSIZE of 60.
func luaChunkID(source string) string {
	const idSize = 60
	switch {
	case strings.HasPrefix(source, "="):
		if len(source)-1 > idSize-1 {
			return source[1:idSize]
		}
		return source[1:]
	case strings.HasPrefix(source, "@"):
		const room = idSize - len(" '...' ") - 1
		if len(source)-1 > room {
			return "..." + source[len(source)-room:]
		}
		return source[1:]
	}
	const room = idSize - len(` [string "..."] `) - 1
	n := strings.IndexAny(source, "\n\r")
	if n < 0 {
		n = len(source)
	}
	if n > room {
		n = room
	}
	if n < len(source) {
		return `[string "` + source[:n] + `..."]`
	}
	return `[string "` + source + `"]`
}

// rawSet is rawset, refusing the proxies as Redis refuses read-only
// tables (an error without a position, as Redis's).
func (vm *luaVM) rawSet(L *lua.LState) int {
	t := L.CheckTable(1)
	if _, ok := vm.proxies[t]; ok {
		L.Error(lua.LString(msgReadonlyTable), 0)
	}
	t.RawSet(L.CheckAny(2), L.CheckAny(3))
	L.Push(t)
	return 1
}

// setMetatable is setmetatable, refusing the proxies.
func (vm *luaVM) setMetatable(orig *lua.LFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		// Lua 5.1's checks first: gopher-lua's would set the metatable of
		// every number or string for a non-table, and the next script
		// would find it.
		t := luaargs.Table(L, 1, "setmetatable")
		if mt := L.Get(2); mt != lua.LNil || L.GetTop() < 2 {
			if _, ok := mt.(*lua.LTable); !ok {
				luaargs.Error(L, 2, "setmetatable", "nil or table expected")
			}
		}
		if _, ok := vm.proxies[t]; ok {
			L.Error(lua.LString(msgReadonlyTable), 0)
		}
		return orig.GFunction(L)
	}
}

// luaErrorBuiltin is Lua 5.1's error: a string or number message gets
// the position of the level that raised it, any other value (nil too) is
// raised as it is. gopher-lua's own refuses nil and skips numbers.
func luaErrorBuiltin(L *lua.LState) int {
	obj := L.Get(1)
	level := L.OptInt(2, 1)
	switch v := obj.(type) {
	case lua.LNumber:
		obj = lua.LString(formatLuaNumber(float64(v)))
	}
	if s, ok := obj.(lua.LString); ok && level > 0 {
		obj = lua.LString(luaWhere(L, level) + string(s))
	}
	L.Error(obj, 0)
	return 0
}

// luaToString is Lua 5.1's tostring: numbers as "%.14g" (gopher-lua
// writes every digit). Concatenation with .. still uses gopher-lua's own
// form (docs/scripting.md).
func luaToString(L *lua.LState) int {
	v := L.CheckAny(1)
	if n, ok := v.(lua.LNumber); ok {
		L.Push(lua.LString(formatLuaNumber(float64(n))))
		return 1
	}
	L.Push(L.ToStringMeta(v))
	return 1
}

// luaTableConcat is Lua 5.1's table.concat: numbers as "%.14g"
// (gopher-lua's writes 1/3 as "0").
func luaTableConcat(L *lua.LState) int {
	t := L.CheckTable(1)
	sep := L.OptString(2, "")
	i := L.OptInt(3, 1)
	j := L.OptInt(4, t.Len())
	var b strings.Builder
	for k := i; k <= j; k++ {
		switch v := t.RawGetInt(k).(type) {
		case lua.LString:
			b.WriteString(string(v))
		case lua.LNumber:
			b.WriteString(formatLuaNumber(float64(v)))
		default:
			L.RaiseError("invalid value (%s) at index %d in table for 'concat'", v.Type().String(), k)
		}
		if k < j {
			b.WriteString(sep)
		}
	}
	L.Push(lua.LString(b.String()))
	return 1
}

// luaToNumber is Lua 5.1's tonumber: a decimal number, exponent
// included, or a hexadecimal one, or an integer in base 2 to 36
// (gopher-lua reads "1e2" as nothing).
func luaToNumber(L *lua.LState) int {
	v := L.CheckAny(1)
	base := L.OptInt(2, 10)
	if base == 10 {
		switch v := v.(type) {
		case lua.LNumber:
			L.Push(v)
			return 1
		case lua.LString:
			if f, ok := luaargs.ParseNumber(string(v)); ok {
				L.Push(lua.LNumber(f))
				return 1
			}
		}
		L.Push(lua.LNil)
		return 1
	}
	if base < 2 || base > 36 {
		L.ArgError(2, "base out of range")
	}
	s := strings.TrimSpace(L.CheckString(1))
	n, err := strconv.ParseInt(s, base, 64)
	if err != nil {
		if u, uerr := strconv.ParseUint(s, base, 64); uerr == nil {
			L.Push(lua.LNumber(u))
			return 1
		}
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LNumber(n))
	return 1
}

// redisPcall is Redis's pcall (luaRedisPcall): as Lua's, except that an
// error table with an err string comes back as that string.
func redisPcall(L *lua.LState) int {
	top := L.GetTop()
	if top == 0 {
		// Redis's luaRedisPcall pushes its true, then calls it.
		L.Push(lua.LFalse)
		L.Push(lua.LString("attempt to call a boolean value"))
		return 2
	}
	fn := L.Get(1)
	L.Remove(1)
	L.Insert(fn, 1)
	if err := L.PCall(top-1, lua.MultRet, nil); err != nil {
		var obj lua.LValue = lua.LString(err.Error())
		if ae, ok := err.(*lua.ApiError); ok {
			obj = ae.Object
		}
		if t, ok := obj.(*lua.LTable); ok {
			if s, ok := t.RawGetString("err").(lua.LString); ok {
				obj = s
			}
		} else if s, ok := obj.(lua.LString); ok {
			obj = lua.LString(quoteArgError(string(s)))
		}
		L.SetTop(0)
		L.Push(lua.LFalse)
		L.Push(obj)
		return 2
	}
	L.Insert(lua.LTrue, 1)
	return L.GetTop()
}

// rawGet is rawget, reading through the proxies.
func (vm *luaVM) rawGet(L *lua.LState) int {
	t := L.CheckTable(1)
	if real, ok := vm.proxies[t]; ok {
		t = real
	}
	L.Push(t.RawGet(L.CheckAny(2)))
	return 1
}

// redisTable builds the redis API table: the full one for scripts, or the
// one a library's code sees while it loads.
func (vm *luaVM) redisTable(load bool) *lua.LTable {
	L := vm.L
	t := L.NewTable()
	set := func(name string, f lua.LGFunction) { t.RawSetString(name, L.NewFunction(f)) }
	if load {
		set("register_function", vm.registerFunction)
	} else {
		set("call", func(L *lua.LState) int { return vm.redisCall(L, true) })
		set("pcall", func(L *lua.LState) int { return vm.redisCall(L, false) })
		set("sha1hex", vm.sha1hex)
		set("error_reply", vm.errorReply)
		set("status_reply", vm.statusReply)
		set("setresp", vm.setResp)
		set("set_repl", vm.setRepl)
		set("acl_check_cmd", vm.aclCheckCmd)
		for name, v := range map[string]float64{"REPL_NONE": 0, "REPL_AOF": 1, "REPL_SLAVE": 2, "REPL_REPLICA": 2, "REPL_ALL": 3} {
			t.RawSetString(name, lua.LNumber(v))
		}
	}
	set("log", vm.log)
	for name, v := range map[string]float64{"LOG_DEBUG": 0, "LOG_VERBOSE": 1, "LOG_NOTICE": 2, "LOG_WARNING": 3} {
		t.RawSetString(name, lua.LNumber(v))
	}
	t.RawSetString("REDIS_VERSION_NUM", lua.LNumber(0x07000f))
	t.RawSetString("REDIS_VERSION", lua.LString("7.0.15"))
	return t
}

// compileLua compiles a chunk; the error is worded as Lua's
// ("user_script:1: ... near 'x'").
func compileLua(code []byte, name string) (*lua.FunctionProto, string) {
	chunk, err := parse.Parse(strings.NewReader(string(code)), name)
	if err != nil {
		if pe, ok := err.(*parse.Error); ok {
			if pe.Pos.Line == parse.EOF {
				return nil, fmt.Sprintf("%s:%d: %s near '<eof>'", name, strings.Count(string(code), "\n")+1, pe.Message)
			}
			return nil, fmt.Sprintf("%s:%d: %s near '%s'", name, pe.Pos.Line, pe.Message, pe.Token)
		}
		return nil, name + ": " + err.Error()
	}
	proto, err := lua.Compile(chunk, name)
	if err != nil {
		return nil, strings.TrimSpace(err.Error())
	}
	// As Lua 5.1's main chunks: vararg, but without the compatibility
	// "arg" table, which gopher-lua would build on every call.
	proto.IsVarArg &^= lua.VarArgNeedsArg
	return proto, ""
}

// scriptFunction is the VM's closure of a cached script, made once per VM.
func (vm *luaVM) scriptFunction(s *luaScript) *lua.LFunction {
	fn := vm.fns[s]
	if fn == nil {
		fn = vm.L.NewFunctionFromProto(s.proto)
		vm.fns[s] = fn
	}
	// A script that never assigns a global reads them straight from the
	// real table: each global it names is one lookup instead of three
	// (the proxy, its metatable, then the globals), and a missing one
	// still meets the globals' error metatable. Every closure it makes
	// inherits that environment, and none of them can write to it by
	// name; _G and the state's own environment, which loadstring gives
	// its chunks, stay the read-only proxy.
	if s.readsGlobalsOnly {
		fn.Env = vm.globals
	} else {
		fn.Env = vm.env
	}
	vm.L.Env = vm.env
	return fn
}

// setsGlobal reports whether any function of p assigns a global by name
// (OP_SETGLOBAL). A word that only looks like one (SETLIST's count,
// which may follow it) errs on the safe side.
func setsGlobal(p *lua.FunctionProto) bool {
	for _, inst := range p.Code {
		if int(inst>>26) == lua.OP_SETGLOBAL {
			return true
		}
	}
	for _, sub := range p.FunctionPrototypes {
		if setsGlobal(sub) {
			return true
		}
	}
	return false
}

func (vm *luaVM) stringArray(items [][]byte, strs *luaStrings) *lua.LTable {
	t := vm.L.CreateTable(len(items), 0)
	for i, it := range items {
		t.RawSetInt(i+1, strs.get(i, it))
	}
	return t
}

// luaStrings keeps the Lua strings of the last call's keys (or
// arguments), so that a script called again with the same ones (a hot
// key, a fixed TTL) reuses them instead of allocating two objects for
// each: Lua strings are immutable, so sharing them is invisible.
type luaStrings []lua.LValue

// Bounds on what luaStrings keeps: the first few of a call's strings,
// each short, so that the cache stays small.
const (
	luaStringsSlots  = 16
	luaStringsMaxLen = 256
)

func (c *luaStrings) get(i int, b []byte) lua.LValue {
	if i < len(*c) {
		if s, ok := (*c)[i].(lua.LString); ok && string(s) == string(b) {
			return (*c)[i]
		}
	}
	v := lua.LValue(lua.LString(b))
	if i < luaStringsSlots && len(b) <= luaStringsMaxLen {
		for len(*c) <= i {
			*c = append(*c, lua.LNil)
		}
		(*c)[i] = v
	}
	return v
}

// scriptArray is an EVAL's KEYS or ARGV table, kept by the VM for the
// next script while no script has changed it.
type scriptArray struct {
	t *lua.LTable
	n int // the elements it was given
}

// refill gives a the elements of items, reusing its table when the last
// script left it exactly as it was given: the same length, no metatable,
// nothing but its elements (a script may add fields, set a metatable,
// insert or remove; then the next one gets a new table, as in Redis).
// Nothing outlives an EVAL's run that could still see the table: it
// can set no global and change no library table.
func (vm *luaVM) refill(a scriptArray, items [][]byte, strs *luaStrings) scriptArray {
	if a.t == nil || !pristineArray(a.t, a.n) {
		return scriptArray{t: vm.stringArray(items, strs), n: len(items)}
	}
	for i, it := range items {
		a.t.RawSetInt(i+1, strs.get(i, it))
	}
	for i := len(items) + 1; i <= a.n; i++ {
		a.t.RawSetInt(i, lua.LNil)
	}
	a.n = len(items)
	return a
}

// pristineArray reports whether t holds nothing beyond its elements 1..n
// (some of which a script may have set to nil: refill sets them all) and
// has no metatable. gopher-lua's Len is the last non-nil element of the
// array part, so Len() == n rules out elements past n there.
func pristineArray(t *lua.LTable, n int) bool {
	if t.Metatable != lua.LNil || t.Len() != n {
		return false
	}
	// Next past the last element finds the first field of the hash part.
	var k lua.LValue
	if n == 0 {
		k, _ = t.Next(lua.LNil)
	} else {
		k, _ = t.Next(lua.LNumber(n))
	}
	return k == lua.LNil
}

// handleError is Redis's __redis__err__handler: it turns the error into
// a table {err=..., source=..., line=...} naming where the script raised
// it.
func (vm *luaVM) handleError(L *lua.LState) int {
	obj := L.Get(1)
	t, ok := obj.(*lua.LTable)
	if vm.e.killed.Load() && vm.run_ != nil {
		// As Redis's luaMaskCountHook: the same words for FUNCTION KILL.
		t, ok = L.NewTable(), true
		t.RawSetString("err", lua.LString("ERR "+msgScriptKilled))
	}
	if !ok {
		t = L.NewTable()
		t.RawSetString("err", lua.LString("ERR "+quoteArgError(lua.LVAsString(L.ToStringMeta(obj)))))
	}
	for level := 1; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
			break
		}
		if dbg.What == "G" || dbg.CurrentLine <= 0 {
			continue
		}
		if raw, ok := vm.chunkNames[dbg.Source]; ok {
			t.RawSetString("source", lua.LString(raw))
		} else {
			t.RawSetString("source", lua.LString("@"+dbg.Source))
		}
		t.RawSetString("line", lua.LNumber(dbg.CurrentLine))
		break
	}
	L.Push(t)
	return 1
}

// errorTable is Redis's luaPushErrorBuff: {err="CODE message"}, the code
// taken from a leading "-CODE " or ERR.
func errorTable(L *lua.LState, msg string) *lua.LTable {
	code := "ERR"
	if strings.HasPrefix(msg, "-") {
		if sp := strings.IndexByte(msg, ' '); sp >= 0 {
			code, msg = msg[1:sp], msg[sp+1:]
		} else {
			msg = msg[1:]
		}
	}
	msg = strings.Trim(msg, "\r\n")
	t := L.CreateTable(0, 2)
	t.RawSetString("err", lua.LString(code+" "+msg))
	return t
}

// raise raises msg as Redis raises its own errors from the redis API.
func raise(L *lua.LState, msg string) int {
	L.Error(errorTable(L, msg), 0)
	return 0
}

// redisCall is redis.call (raise) and redis.pcall.
func (vm *luaVM) redisCall(L *lua.LState, raiseErr bool) int {
	r := vm.run_
	if r == nil {
		return raise(L, "redis.call/pcall can only be called inside a script invocation")
	}
	n := L.GetTop()
	fail := func(msg string) int {
		t := errorTable(L, msg)
		if raiseErr {
			L.Error(t, 0)
		}
		L.Push(t)
		return 1
	}
	if n == 0 {
		return fail(msgScriptNoArgs)
	}
	// The arguments go into one reused buffer, then become views of it.
	r.argBuf = r.argBuf[:0]
	r.offs = r.offs[:0]
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case lua.LNumber:
			r.argBuf = appendC17g(r.argBuf, float64(v))
		case lua.LString:
			r.argBuf = append(r.argBuf, v...)
		default:
			return fail(msgScriptArgType)
		}
		r.offs = append(r.offs, len(r.argBuf))
	}
	r.argv = r.argv[:0]
	start := 0
	for _, end := range r.offs {
		r.argv = append(r.argv, r.argBuf[start:end:end])
		start = end
	}
	// The arguments stay on the stack: gopher-lua takes a Go function's
	// results from the top.
	reply, msg := r.call(r.argv)
	if msg != "" {
		t := errorTable(L, msg)
		t.RawSetString("ignore_error_stats_update", lua.LTrue)
		if raiseErr {
			L.Error(t, 0)
		}
		L.Push(t)
		return 1
	}
	v, _ := parseReplyToLua(L, reply)
	if raiseErr {
		if t, ok := v.(*lua.LTable); ok && len(reply) > 0 && reply[0] == '-' {
			L.Error(t, 0)
		}
	}
	L.Push(v)
	return 1
}

// appendC17g appends a number as Redis passes it to a command: C's %.17g.
func appendC17g(b []byte, f float64) []byte {
	if f == math.Trunc(f) && math.Abs(f) < 1e17 {
		return strconv.AppendInt(b, int64(f), 10)
	}
	return append(b, formatC(f, 17)...)
}

// parseReplyToLua converts one RESP2 or RESP3 reply to a Lua value, as
// Redis's redisProtocolToLuaType, and returns the bytes it used.
func parseReplyToLua(L *lua.LState, b []byte) (lua.LValue, int) {
	if len(b) == 0 {
		return lua.LNil, 0
	}
	end := indexCRLF(b)
	if end < 0 {
		return lua.LNil, len(b)
	}
	line := b[1:end]
	next := end + 2
	switch b[0] {
	case ':':
		n, _ := redisnum.ParseInt(line)
		return luaInteger(n), next
	case '$', '=':
		n, _ := strconv.Atoi(string(line))
		if n < 0 {
			return lua.LFalse, next
		}
		s := b[next : next+n]
		if b[0] == '=' {
			t := L.CreateTable(0, 1)
			v := L.CreateTable(0, 2)
			v.RawSetString("string", lua.LString(s[4:]))
			v.RawSetString("format", lua.LString(s[:3]))
			t.RawSetString("verbatim_string", v)
			return t, next + n + 2
		}
		return lua.LString(s), next + n + 2
	case '+':
		t := L.CreateTable(0, 1)
		t.RawSetString("ok", lua.LString(line))
		return t, next
	case '-':
		t := errorTable(L, "-"+string(line))
		t.RawSetString("ignore_error_stats_update", lua.LTrue)
		return t, next
	case '*', '~', '%', '>':
		n, _ := strconv.Atoi(string(line))
		if n < 0 {
			return lua.LFalse, next
		}
		switch b[0] {
		case '%':
			m := L.CreateTable(0, n)
			for i := 0; i < n; i++ {
				k, used := parseReplyToLua(L, b[next:])
				next += used
				v, used := parseReplyToLua(L, b[next:])
				next += used
				if k != lua.LNil {
					m.RawSet(k, v)
				}
			}
			t := L.CreateTable(0, 1)
			t.RawSetString("map", m)
			return t, next
		case '~':
			s := L.CreateTable(0, n)
			for i := 0; i < n; i++ {
				k, used := parseReplyToLua(L, b[next:])
				next += used
				if k != lua.LNil {
					s.RawSet(k, lua.LTrue)
				}
			}
			t := L.CreateTable(0, 1)
			t.RawSetString("set", s)
			return t, next
		}
		t := L.CreateTable(n, 0)
		for i := 0; i < n; i++ {
			v, used := parseReplyToLua(L, b[next:])
			next += used
			t.RawSetInt(i+1, v)
		}
		return t, next
	case '_':
		return lua.LNil, next
	case '#':
		return lua.LBool(len(line) > 0 && line[0] == 't'), next
	case ',':
		f, err := strconv.ParseFloat(string(line), 64)
		if err != nil {
			switch string(line) {
			case "inf":
				f = math.Inf(1)
			case "-inf":
				f = math.Inf(-1)
			default:
				f = math.NaN()
			}
		}
		t := L.CreateTable(0, 1)
		t.RawSetString("double", lua.LNumber(f))
		return t, next
	case '(':
		t := L.CreateTable(0, 1)
		t.RawSetString("big_number", lua.LString(line))
		return t, next
	case '|':
		// An attribute: skip its pairs, then read what it describes.
		n, _ := strconv.Atoi(string(line))
		for i := 0; i < 2*n; i++ {
			_, used := parseReplyToLua(L, b[next:])
			next += used
		}
		v, used := parseReplyToLua(L, b[next:])
		return v, next + used
	}
	return lua.LNil, len(b)
}

// luaSmallInts are the Lua numbers of the integer replies most commands
// give (0, 1, counts), made once: boxing a number allocates.
var luaSmallInts = func() (t [1024]lua.LValue) {
	for i := range t {
		t[i] = lua.LNumber(i)
	}
	return t
}()

// luaInteger is n as a Lua number.
func luaInteger(n int64) lua.LValue {
	if n >= 0 && n < int64(len(luaSmallInts)) {
		return luaSmallInts[n]
	}
	return lua.LNumber(n)
}

func indexCRLF(b []byte) int {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			return i
		}
	}
	return -1
}

// luaReplyDepth bounds the nesting luaReply follows (a table may contain
// itself), as Redis's Lua stack limit does.
const luaReplyDepth = 7000

// reply writes a script's result to c, as Redis's luaReplyToRedisReply.
// resp3 is the script's protocol (redis.setresp), which decides what a
// boolean becomes.
func (vm *luaVM) reply(c *client, v lua.LValue, resp3 bool, depth int) {
	w := &c.w
	if depth > luaReplyDepth {
		w.error(msgStackLimit)
		return
	}
	switch v := v.(type) {
	case lua.LString:
		w.bulkString(string(v))
	case lua.LBool:
		if !resp3 {
			if v {
				w.int(1)
			} else {
				w.null()
			}
			return
		}
		if w.resp3 {
			if v {
				w.buf = append(w.buf, "#t\r\n"...)
			} else {
				w.buf = append(w.buf, "#f\r\n"...)
			}
		} else if v {
			w.int(1)
		} else {
			w.int(0)
		}
	case lua.LNumber:
		w.int(luaToInt64(float64(v)))
	case *lua.LTable:
		vm.replyTable(c, v, resp3, depth)
	default:
		w.null()
	}
}

// luaToInt64 is C's (long long) cast of a double as x86-64 does it: the
// integer part, and the minimum for what does not fit.
func luaToInt64(f float64) int64 {
	if math.IsNaN(f) || f >= 9.223372036854775807e18 || f < -9.223372036854775808e18 {
		return math.MinInt64
	}
	return int64(f)
}

func (vm *luaVM) replyTable(c *client, t *lua.LTable, resp3 bool, depth int) {
	w := &c.w
	if e, ok := t.RawGetString("err").(lua.LString); ok {
		if lua.LVAsBool(t.RawGetString("ignore_error_stats_update")) {
			w.errorCounted(string(e))
		} else {
			w.error(string(e))
		}
		return
	}
	if s, ok := t.RawGetString("ok").(lua.LString); ok {
		w.simple(strings.Map(crlfToSpace, string(s)))
		return
	}
	if d, ok := t.RawGetString("double").(lua.LNumber); ok {
		w.double(float64(d))
		return
	}
	if s, ok := t.RawGetString("big_number").(lua.LString); ok {
		s := strings.Map(crlfToSpace, string(s))
		if w.resp3 {
			w.buf = append(w.buf, '(')
			w.buf = append(w.buf, s...)
			w.buf = append(w.buf, '\r', '\n')
		} else {
			w.bulkString(s)
		}
		return
	}
	if vt, ok := t.RawGetString("verbatim_string").(*lua.LTable); ok {
		format, ok1 := vt.RawGetString("format").(lua.LString)
		str, ok2 := vt.RawGetString("string").(lua.LString)
		if ok1 && ok2 {
			if w.resp3 {
				f := string(format)
				if len(f) > 3 {
					f = f[:3]
				}
				w.header('=', len(str)+4)
				w.buf = append(w.buf, f...)
				w.buf = append(w.buf, ':')
				w.buf = append(w.buf, str...)
				w.buf = append(w.buf, '\r', '\n')
			} else {
				w.bulkString(string(str))
			}
			return
		}
	}
	if m, ok := t.RawGetString("map").(*lua.LTable); ok {
		n := 0
		m.ForEach(func(_, _ lua.LValue) { n++ })
		w.mapHeader(n)
		m.ForEach(func(k, v lua.LValue) {
			vm.reply(c, k, resp3, depth+1)
			vm.reply(c, v, resp3, depth+1)
		})
		return
	}
	if s, ok := t.RawGetString("set").(*lua.LTable); ok {
		n := 0
		s.ForEach(func(_, _ lua.LValue) { n++ })
		w.setHeader(n)
		s.ForEach(func(k, _ lua.LValue) { vm.reply(c, k, resp3, depth+1) })
		return
	}
	n := 0
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	w.array(n)
	for i := 1; i <= n; i++ {
		vm.reply(c, t.RawGetInt(i), resp3, depth+1)
	}
}

func crlfToSpace(r rune) rune {
	if r == '\r' || r == '\n' {
		return ' '
	}
	return r
}

func (vm *luaVM) sha1hex(L *lua.LState) int {
	if L.GetTop() != 1 {
		return raise(L, "wrong number of arguments")
	}
	s := L.ToString(1)
	L.Push(lua.LString(sha1Hex([]byte(s))))
	return 1
}

func (vm *luaVM) errorReply(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errorTable(L, "wrong number or type of arguments"))
		return 1
	}
	msg := string(s)
	if !strings.HasPrefix(msg, "-") {
		msg = "-" + msg
	}
	L.Push(errorTable(L, msg))
	return 1
}

func (vm *luaVM) statusReply(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errorTable(L, "wrong number or type of arguments"))
		return 1
	}
	t := L.CreateTable(0, 1)
	t.RawSetString("ok", s)
	L.Push(t)
	return 1
}

func (vm *luaVM) setResp(L *lua.LState) int {
	if vm.run_ == nil {
		return raise(L, "redis.setresp can only be called inside a script invocation")
	}
	if L.GetTop() != 1 {
		return raise(L, "redis.setresp() requires one argument.")
	}
	resp := int(luaNumberOf(L.Get(1)))
	if resp != 2 && resp != 3 {
		return raise(L, "RESP version must be 2 or 3.")
	}
	vm.e.sc.w.resp3 = resp == 3
	return 0
}

func (vm *luaVM) setRepl(L *lua.LState) int {
	if vm.run_ == nil {
		return raise(L, "redis.set_repl can only be called inside a script invocation")
	}
	if L.GetTop() != 1 {
		return raise(L, "redis.set_repl() requires two arguments.")
	}
	flags := int(luaNumberOf(L.Get(1)))
	if flags&^3 != 0 {
		return raise(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
	}
	return 0
}

// aclCheckCmd is redis.acl_check_cmd. Ember has one user who may run
// everything, so every known command is permitted.
func (vm *luaVM) aclCheckCmd(L *lua.LState) int {
	if vm.run_ == nil {
		return raise(L, "redis.acl_check_cmd can only be called inside a script invocation")
	}
	n := L.GetTop()
	if n == 0 {
		return raise(L, msgScriptNoArgs)
	}
	var args [][]byte
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case lua.LNumber:
			args = append(args, appendC17g(nil, float64(v)))
		case lua.LString:
			args = append(args, []byte(v))
		default:
			return raise(L, msgScriptArgType)
		}
	}
	cmd := vm.e.srv.table.lookupName(args[0])
	if cmd != nil && cmd.subs != nil && len(args) >= 2 {
		cmd = cmd.subs[strings.ToLower(string(args[1]))]
	}
	if cmd == nil {
		return raise(L, "Invalid command passed to redis.acl_check_cmd()")
	}
	L.Push(lua.LTrue)
	return 1
}

// log is redis.log: the words joined by spaces, at a Redis log level.
func (vm *luaVM) log(L *lua.LState) int {
	n := L.GetTop()
	if n < 2 {
		return raise(L, "redis.log() requires two arguments or more.")
	}
	if _, ok := L.Get(1).(lua.LNumber); !ok {
		if s, ok := L.Get(1).(lua.LString); !ok || !isNumeric(string(s)) {
			return raise(L, "First argument must be a number (log level).")
		}
	}
	level := int(luaNumberOf(L.Get(1)))
	if level < 0 || level > 3 {
		return raise(L, "Invalid debug level.")
	}
	var b strings.Builder
	for i := 2; i <= n; i++ {
		v := L.Get(i)
		var s string
		switch v := v.(type) {
		case lua.LString:
			s = string(v)
		case lua.LNumber:
			s = formatLuaNumber(float64(v))
		default:
			continue
		}
		if i != 2 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	lg := vm.e.srv.log
	switch level {
	case 0, 1:
		lg.Debug(b.String())
	case 2:
		lg.Info(b.String())
	default:
		lg.Warn(b.String())
	}
	return 0
}

func isNumeric(s string) bool {
	_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return err == nil
}

// luaNumberOf is lua_tonumber: numbers, and strings that read as one.
func luaNumberOf(v lua.LValue) float64 {
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		f, err := strconv.ParseFloat(strings.TrimSpace(string(v)), 64)
		if err == nil {
			return f
		}
	}
	return 0
}

// Redis's math.random is its own rand48, so that scripts see the same
// sequence on every server (rand.c).
func (vm *luaVM) mathRandom(L *lua.LState) int {
	if vm.run_ == nil {
		L.RaiseError("math.random can only be called inside a script invocation")
	}
	r := float64(vm.e.rand48()%math.MaxInt32) / float64(math.MaxInt32)
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(r))
	case 1:
		u := L.CheckInt(1)
		if u < 1 {
			luaargs.Error(L, 1, "random", "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u)) + 1))
	case 2:
		l, u := L.CheckInt(1), L.CheckInt(2)
		if l > u {
			luaargs.Error(L, 2, "random", "interval is empty")
		}
		L.Push(lua.LNumber(math.Floor(r*float64(u-l+1)) + float64(l)))
	default:
		L.RaiseError("wrong number of arguments")
	}
	return 1
}

func (vm *luaVM) mathRandomSeed(L *lua.LState) int {
	if vm.run_ == nil {
		L.RaiseError("math.randomseed can only be called inside a script invocation")
	}
	vm.e.srand48(int32(L.CheckInt(1)))
	return 0
}
