package server

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc64"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emberkv/ember/internal/redisnum"
	"github.com/emberkv/ember/persistence/rdb"
	"github.com/emberkv/ember/store"
	lua "github.com/yuin/gopher-lua"
)

// Redis 7 functions: libraries of Lua functions loaded with FUNCTION LOAD
// and called with FCALL. Every library lives in one Lua state, as in
// Redis; while a library's code runs at load time it sees only
// redis.register_function, redis.log and the version fields.

// Errors of FUNCTION and FCALL, Redis 7.0's texts.
const (
	errFunctionNotFound    = "ERR Function not found"
	errBadNumKeys          = "ERR Bad number of keys provided"
	errLibraryNotFound     = "ERR Library not found"
	errLibraryNameMissing  = "ERR library name argument was not given"
	errFunctionFlushOption = "ERR FUNCTION FLUSH only supports SYNC|ASYNC option"
	errFunctionCodeMissing = "ERR Function code is missing"
	errRestorePolicy       = "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."
	errDumpPayload         = "ERR DUMP payload version or checksum are wrong"
	errBadName             = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

	functionLoadTimeout = 500 * time.Millisecond // functions.c's LOAD_TIMEOUT_MS
)

var functionCommands = []*command{
	{name: "fcall", arity: -3, flags: parseFlags("noscript stale skip_monitor may_replicate no_mandatory_keys movablekeys"), acl: acl("slow scripting"), group: "scripting", since: "7.0.0",
		summary: "Calls a function of a loaded library.", handler: cmdFCall, readsStats: true},
	{name: "fcall_ro", arity: -3, flags: parseFlags("readonly noscript stale skip_monitor no_mandatory_keys movablekeys"), acl: acl("slow scripting"), group: "scripting", since: "7.0.0",
		summary: "Calls a function that may only read.", handler: cmdFCallRO, readsStats: true},
	{name: "function", arity: -2, acl: acl("slow"), group: "scripting", since: "7.0.0",
		summary: "Groups the commands that manage function libraries.",
		subs: subs(
			&command{name: "function|load", arity: -3, flags: parseFlags("write denyoom noscript"), acl: acl("write slow scripting"),
				group: "scripting", since: "7.0.0", summary: "Loads a library of functions.", handler: cmdFunctionLoad},
			&command{name: "function|delete", arity: 3, flags: parseFlags("write noscript"), acl: acl("write slow scripting"),
				group: "scripting", since: "7.0.0", summary: "Deletes a library and its functions.", handler: cmdFunctionDelete},
			&command{name: "function|list", arity: -2, flags: parseFlags("noscript"), acl: acl("slow scripting"),
				group: "scripting", since: "7.0.0", summary: "Lists the libraries, their functions and optionally their code.", handler: cmdFunctionList},
			&command{name: "function|dump", arity: 2, flags: parseFlags("noscript"), acl: acl("slow scripting"),
				group: "scripting", since: "7.0.0", summary: "Serializes every library into a payload for FUNCTION RESTORE.", handler: cmdFunctionDump},
			&command{name: "function|restore", arity: -3, flags: parseFlags("write denyoom noscript"), acl: acl("write slow scripting"),
				group: "scripting", since: "7.0.0", summary: "Loads the libraries of a FUNCTION DUMP payload.", handler: cmdFunctionRestore},
			&command{name: "function|flush", arity: -2, flags: parseFlags("write noscript"), acl: acl("write slow scripting"),
				group: "scripting", since: "7.0.0", summary: "Deletes every library.", handler: cmdFunctionFlush},
			&command{name: "function|stats", arity: 2, flags: parseFlags("noscript allow_busy"), acl: acl("slow scripting"),
				group: "scripting", since: "7.0.0", summary: "Tells which function is running and how many are loaded.", handler: cmdFunctionStats},
			&command{name: "function|kill", arity: 2, flags: parseFlags("noscript allow_busy"), acl: acl("slow scripting"),
				group: "scripting", since: "7.0.0", summary: "Stops the running function if it has not written yet.", handler: cmdFunctionKill},
			&command{name: "function|help", arity: 2, flags: parseFlags("loading stale"), acl: acl("slow scripting"),
				group: "scripting", since: "7.0.0", summary: "Lists FUNCTION's subcommands.", handler: cmdFunctionHelp},
		)},
}

// luaFunction is one registered function.
type luaFunction struct {
	name  string
	desc  string
	hasD  bool
	flags int
	fn    *lua.LFunction
	lib   *luaLibrary
}

// luaLibrary is one loaded library.
type luaLibrary struct {
	name  string
	code  string
	funcs map[string]*luaFunction
	vm    *luaVM // the state its functions live in
}

// functionRegistry holds the libraries and the Lua state they live in.
// mu guards the maps; a running FCALL does not hold it (it holds the
// store's locks, then its state's mu), so the order is r.mu -> vm.mu and
// store locks -> vm.mu.
type functionRegistry struct {
	mu    sync.Mutex
	libs  map[string]*luaLibrary
	funcs map[string]*luaFunction
	vm    *luaVM
	// The counts INFO and FUNCTION STATS read while a function runs.
	nLibs, nFuncs, mem atomic.Int64
}

func (r *functionRegistry) init() {
	r.libs = make(map[string]*luaLibrary)
	r.funcs = make(map[string]*luaFunction)
}

// libraryLoad is a FUNCTION LOAD in progress: the functions its code
// registered so far.
type libraryLoad struct {
	lib *luaLibrary
}

// validName is Redis's functionsVerifyName.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// parseLibraryMeta reads the "#!lua name=<lib>" first line, as Redis's
// functionExtractLibMetaData.
func parseLibraryMeta(code string) (engine, name, err string) {
	if !strings.HasPrefix(code, "#!") {
		return "", "", "Missing library metadata"
	}
	end := strings.IndexByte(code, '\n')
	if end < 0 {
		return "", "", "Invalid library metadata"
	}
	parts, ok := splitArgsStrings([]byte(code[:end]))
	if !ok || len(parts) == 0 {
		return "", "", "Invalid library metadata"
	}
	engine = parts[0][2:]
	given := false
	for _, p := range parts[1:] {
		if v, ok := strings.CutPrefix(p, "name="); ok {
			if given {
				return "", "", "Invalid metadata value, name argument was given multiple times"
			}
			name, given = v, true
			continue
		}
		return "", "", "Invalid metadata value given: " + p
	}
	if !given {
		return "", "", "Library name was not given"
	}
	return engine, name, ""
}

// compileLibrary runs a library's code in the functions' state and
// returns the library its functions make, as Redis's
// functionsCreateWithLibraryCtx and luaEngineCreate. The caller holds
// r.mu.
func (e *scriptEngine) compileLibrary(code string, replace bool) (*luaLibrary, string) {
	engine, name, err := parseLibraryMeta(code)
	if err != "" {
		return nil, err
	}
	if !strings.EqualFold(engine, "lua") {
		return nil, "Engine '" + engine + "' not found"
	}
	if !validName(name) {
		return nil, errBadName
	}
	r := &e.fn
	if r.libs[name] != nil && !replace {
		return nil, "Library '" + name + "' already exists"
	}
	if r.vm == nil {
		r.vm = newLuaVM(e, true)
	}
	vm := r.vm
	// Lua skips a first line starting with '#'; gopher-lua does not, so
	// the line is blanked, its newline kept for the line numbers.
	body := code[strings.IndexByte(code, '\n'):]
	proto, cerr := compileLua([]byte(body), "user_function")
	if cerr != "" {
		return nil, "Error compiling function: " + cerr
	}
	lib := &luaLibrary{name: name, code: code, funcs: make(map[string]*luaFunction), vm: vm}
	load := &libraryLoad{lib: lib}
	vm.mu.Lock()
	defer vm.mu.Unlock()
	L := vm.L
	fn := L.NewFunctionFromProto(proto)
	fn.Env = vm.env
	vm.envMeta.RawSetString("__index", vm.loadAPI)
	vm.loading = load
	ctx, cancel := context.WithTimeout(backgroundCtx, functionLoadTimeout)
	L.SetContext(ctx)
	L.Push(fn)
	perr := L.PCall(0, 0, nil)
	stopped := ctx.Err() != nil
	cancel()
	vm.loading = nil
	vm.envMeta.RawSetString("__index", vm.globals)
	if perr != nil {
		L.SetTop(0)
		msg := perr.Error()
		if ae, ok := perr.(*lua.ApiError); ok {
			msg = luaErrorMessage(ae.Object)
		}
		if stopped {
			msg = "ERR FUNCTION LOAD timeout"
		}
		return nil, "Error registering functions: " + msg
	}
	if len(lib.funcs) == 0 {
		return nil, "No functions registered"
	}
	// As EVAL's scripts (scriptFunction): a library that never assigns a
	// global runs its functions on the real globals, one lookup a name.
	if !setsGlobal(proto) {
		for _, f := range lib.funcs {
			if !f.fn.IsG {
				f.fn.Env = vm.globals
			}
		}
	}
	return lib, ""
}

// luaErrorMessage is the message of a Lua error value, as Redis's
// luaExtractErrorInformation reads it.
func luaErrorMessage(v lua.LValue) string {
	if t, ok := v.(*lua.LTable); ok {
		if s, ok := t.RawGetString("err").(lua.LString); ok {
			return string(s)
		}
		return ""
	}
	return "ERR " + lua.LVAsString(v)
}

// registerFunction is redis.register_function, while a library loads.
func (vm *luaVM) registerFunction(L *lua.LState) int {
	load := vm.loading
	if load == nil {
		return raise(L, "redis.register_function can only be called on FUNCTION LOAD command")
	}
	var f luaFunction
	switch L.GetTop() {
	case 1:
		t, ok := L.Get(1).(*lua.LTable)
		if !ok {
			return raise(L, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).")
		}
		var bad string
		t.ForEach(func(k, v lua.LValue) {
			if bad != "" {
				return
			}
			ks, ok := k.(lua.LString)
			if !ok {
				if _, isNum := k.(lua.LNumber); !isNum {
					bad = "named argument key given to redis.register_function is not a string"
					return
				}
				ks = lua.LString(k.String())
			}
			switch strings.ToLower(string(ks)) {
			case "function_name":
				s, ok := luaStringOf(v)
				if !ok {
					bad = "function_name argument given to redis.register_function must be a string"
					return
				}
				f.name = s
			case "description":
				s, ok := luaStringOf(v)
				if !ok {
					bad = "description argument given to redis.register_function must be a string"
					return
				}
				f.desc, f.hasD = s, true
			case "callback":
				fn, ok := v.(*lua.LFunction)
				if !ok {
					bad = "callback argument given to redis.register_function must be a function"
					return
				}
				f.fn = fn
			case "flags":
				ft, ok := v.(*lua.LTable)
				if !ok {
					bad = "flags argument to redis.register_function must be a table representing function flags"
					return
				}
				for i := 1; ; i++ {
					item := ft.RawGetInt(i)
					if item == lua.LNil {
						break
					}
					s, ok := luaStringOf(item)
					found := false
					for _, sf := range scriptFlagNames {
						if ok && strings.EqualFold(sf.name, s) {
							f.flags |= sf.flag
							found = true
						}
					}
					if !found {
						bad = "unknown flag given"
						return
					}
				}
			default:
				bad = "unknown argument given to redis.register_function"
			}
		})
		if bad != "" {
			return raise(L, bad)
		}
		if f.name == "" && !f.hasD && f.fn == nil {
			return raise(L, "redis.register_function must get a function name argument")
		}
		if f.name == "" {
			return raise(L, "redis.register_function must get a function name argument")
		}
		if f.fn == nil {
			return raise(L, "redis.register_function must get a callback argument")
		}
	case 2:
		s, ok := luaStringOf(L.Get(1))
		if !ok {
			return raise(L, "first argument to redis.register_function must be a string")
		}
		fn, ok := L.Get(2).(*lua.LFunction)
		if !ok {
			return raise(L, "second argument to redis.register_function must be a function")
		}
		f.name, f.fn = s, fn
	default:
		return raise(L, "wrong number of arguments to redis.register_function")
	}
	if !validName(f.name) {
		return raise(L, errBadName)
	}
	if load.lib.funcs[f.name] != nil {
		return raise(L, "Function already exists in the library")
	}
	f.lib = load.lib
	load.lib.funcs[f.name] = &f
	return 0
}

// luaStringOf is lua_isstring + lua_tostring: strings and numbers.
func luaStringOf(v lua.LValue) (string, bool) {
	switch v := v.(type) {
	case lua.LString:
		return string(v), true
	case lua.LNumber:
		return formatLuaNumber(float64(v)), true
	}
	return "", false
}

// addLibrary installs lib, replacing one of the same name if replace;
// every function name must be free in the other libraries. r.mu is held.
func (r *functionRegistry) addLibrary(lib *luaLibrary, replace bool) string {
	old := r.libs[lib.name]
	if old != nil && !replace {
		return "Library '" + lib.name + "' already exists"
	}
	for name := range lib.funcs {
		if f := r.funcs[funcKey(name)]; f != nil && f.lib != old {
			return "Function " + name + " already exists"
		}
	}
	if old != nil {
		r.removeLibrary(old)
	}
	r.libs[lib.name] = lib
	for name, f := range lib.funcs {
		r.funcs[funcKey(name)] = f
	}
	r.nLibs.Add(1)
	r.nFuncs.Add(int64(len(lib.funcs)))
	r.mem.Add(libraryMemory(lib))
	return ""
}

// funcKey is a function's name as the registry keys it: Redis's
// function names are case-insensitive across libraries (FCALL F1 calls
// f1, and two libraries cannot hold f1 and F1), though one library may
// register both; library names are case-sensitive.
func funcKey(name string) string { return strings.ToLower(name) }

// lookup finds the function FCALL names; mu is held.
func (r *functionRegistry) lookup(name []byte) *luaFunction {
	if f := r.funcs[string(name)]; f != nil {
		return f // already lower-case: no allocation
	}
	return r.funcs[funcKey(string(name))]
}

func (r *functionRegistry) removeLibrary(lib *luaLibrary) {
	delete(r.libs, lib.name)
	for name := range lib.funcs {
		if r.funcs[funcKey(name)] == lib.funcs[name] {
			delete(r.funcs, funcKey(name))
		}
	}
	r.nLibs.Add(-1)
	r.nFuncs.Add(-int64(len(lib.funcs)))
	r.mem.Add(-libraryMemory(lib))
}

// libraryMemory estimates what a library takes (used_memory_functions).
func libraryMemory(lib *luaLibrary) int64 {
	mem := int64(len(lib.name)+len(lib.code)) + 64
	for name, f := range lib.funcs {
		mem += int64(len(name)+len(f.desc)) + 64
	}
	return mem
}

// flush drops every library. The state they ran in stays, as Redis keeps
// its functions' interpreter: what they left in the libraries' own state
// (cjson's options) is still there for the next ones, and their globals
// were read-only.
func (r *functionRegistry) flush() {
	r.libs = make(map[string]*luaLibrary)
	r.funcs = make(map[string]*luaFunction)
	r.nLibs.Store(0)
	r.nFuncs.Store(0)
	r.mem.Store(0)
}

// functionsInfo is what INFO memory and FUNCTION STATS report of the
// libraries; it takes no lock, so it answers while a function runs.
func (e *scriptEngine) functionsInfo() (funcs, libs int, mem int64) {
	r := &e.fn
	return int(r.nFuncs.Load()), int(r.nLibs.Load()), r.mem.Load()
}

// libraryCodes is every library's code, sorted by name, for an RDB file.
func (e *scriptEngine) libraryCodes() []string {
	r := &e.fn
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.libs))
	for name := range r.libs {
		names = append(names, name)
	}
	sort.Strings(names)
	codes := make([]string, len(names))
	for i, name := range names {
		codes[i] = r.libs[name].code
	}
	return codes
}

// loadLibrary loads a library read from an RDB file, as Redis's
// rdbFunctionLoad: one of the same name must not exist.
func (e *scriptEngine) loadLibrary(code []byte) error {
	r := &e.fn
	r.mu.Lock()
	defer r.mu.Unlock()
	lib, msg := e.compileLibrary(string(code), false)
	if msg == "" {
		msg = r.addLibrary(lib, false)
	}
	if msg != "" {
		return errors.New(msg)
	}
	return nil
}

func cmdFunctionLoad(c *client, args [][]byte) {
	replace := false
	i := 2
	for ; i < len(args)-1; i++ {
		if strings.EqualFold(string(args[i]), "replace") {
			replace = true
			continue
		}
		c.w.error("ERR Unknown option given: " + string(args[i]))
		return
	}
	if i >= len(args) {
		c.w.error(errFunctionCodeMissing)
		return
	}
	e := &c.srv.scripts
	r := &e.fn
	r.mu.Lock()
	defer r.mu.Unlock()
	lib, msg := e.compileLibrary(string(args[i]), replace)
	if msg == "" {
		msg = r.addLibrary(lib, replace)
	}
	if msg != "" {
		c.w.error("ERR " + msg)
		return
	}
	c.w.bulkString(lib.name)
}

func cmdFunctionDelete(c *client, args [][]byte) {
	r := &c.srv.scripts.fn
	r.mu.Lock()
	defer r.mu.Unlock()
	lib := r.libs[string(args[2])]
	if lib == nil {
		c.w.error(errLibraryNotFound)
		return
	}
	r.removeLibrary(lib)
	c.w.ok()
}

func cmdFunctionFlush(c *client, args [][]byte) {
	switch {
	case len(args) > 3:
		c.w.error(fmt.Sprintf(errSubcommandSyntax, cString(args[1], 128), "FUNCTION"))
		return
	case len(args) == 2:
	case strings.EqualFold(string(args[2]), "sync") || strings.EqualFold(string(args[2]), "async"):
	default:
		c.w.error(errFunctionFlushOption)
		return
	}
	r := &c.srv.scripts.fn
	r.mu.Lock()
	r.flush()
	r.mu.Unlock()
	c.w.ok()
}

func cmdFunctionKill(c *client, args [][]byte) { c.srv.scripts.kill(c, false) }

// cmdFunctionStats answers the running function and the libraries'
// counts. It runs while a function is busy (allow_busy), so it reads the
// run's state under runMu alone.
func cmdFunctionStats(c *client, args [][]byte) {
	e := &c.srv.scripts
	e.runMu.Lock()
	running, eval := e.running.Load(), e.runEval.Load()
	name, cmdArgs, start := e.runName, e.runArgs, e.runStart.Load()
	if running && eval {
		e.runMu.Unlock()
		c.w.error(errBusyEval)
		return
	}
	c.w.mapHeader(2)
	c.w.bulkString("running_script")
	if !running {
		c.w.null()
	} else {
		c.w.mapHeader(3)
		c.w.bulkString("name")
		c.w.bulkString(name)
		c.w.bulkString("command")
		c.w.array(len(cmdArgs))
		for _, a := range cmdArgs {
			c.w.bulk(a)
		}
		c.w.bulkString("duration_ms")
		c.w.int(int64((e.now() - time.Duration(start)) / time.Millisecond))
	}
	e.runMu.Unlock()
	funcs, libs, _ := e.functionsInfo()
	c.w.bulkString("engines")
	c.w.mapHeader(1)
	c.w.bulkString("LUA")
	c.w.mapHeader(2)
	c.w.bulkString("libraries_count")
	c.w.int(int64(libs))
	c.w.bulkString("functions_count")
	c.w.int(int64(funcs))
}

func cmdFunctionList(c *client, args [][]byte) {
	withCode := false
	pattern, hasPattern := "", false
	for i := 2; i < len(args); i++ {
		a := string(args[i])
		switch {
		case !withCode && strings.EqualFold(a, "withcode"):
			withCode = true
		case !hasPattern && strings.EqualFold(a, "libraryname"):
			if i+1 >= len(args) {
				c.w.error(errLibraryNameMissing)
				return
			}
			i++
			pattern, hasPattern = string(args[i]), true
		default:
			c.w.error("ERR Unknown argument " + a)
			return
		}
	}
	r := &c.srv.scripts.fn
	r.mu.Lock()
	defer r.mu.Unlock()
	var libs []*luaLibrary
	for _, lib := range r.libs {
		if !hasPattern || store.Match(pattern, lib.name, true) {
			libs = append(libs, lib)
		}
	}
	sort.Slice(libs, func(i, j int) bool { return libs[i].name < libs[j].name })
	c.w.array(len(libs))
	for _, lib := range libs {
		n := 3
		if withCode {
			n = 4
		}
		c.w.mapHeader(n)
		c.w.bulkString("library_name")
		c.w.bulkString(lib.name)
		c.w.bulkString("engine")
		c.w.bulkString("LUA")
		c.w.bulkString("functions")
		names := make([]string, 0, len(lib.funcs))
		for name := range lib.funcs {
			names = append(names, name)
		}
		sort.Strings(names)
		c.w.array(len(names))
		for _, name := range names {
			f := lib.funcs[name]
			c.w.mapHeader(3)
			c.w.bulkString("name")
			c.w.bulkString(f.name)
			c.w.bulkString("description")
			if f.hasD {
				c.w.bulkString(f.desc)
			} else {
				c.w.null()
			}
			c.w.bulkString("flags")
			var flags []string
			for _, sf := range scriptFlagNames {
				if f.flags&sf.flag != 0 {
					flags = append(flags, sf.name)
				}
			}
			c.w.setHeader(len(flags))
			for _, fl := range flags {
				c.w.simple(fl)
			}
		}
		if withCode {
			c.w.bulkString("library_code")
			c.w.bulkString(lib.code)
		}
	}
}

// The FUNCTION DUMP payload, as Redis's: for each library the RDB opcode
// FUNCTION2 (245) and its code as an RDB string (LZF-compressed under
// rdbcompression, as persistence/rdb writes them), then the RDB version
// (10, two bytes little-endian) and the CRC64 of everything before
// (eight bytes little-endian).
const (
	rdbOpcodeFunction2 = 245
	rdbOpcodeFunction  = 246
	rdbVersion         = 10
)

var crcTable = crc64.MakeTable(0x95ac9329ac4bc9b5)

func crc64Jones(b []byte) uint64 { return ^crc64.Update(^uint64(0), crcTable, b) }

func cmdFunctionDump(c *client, args [][]byte) {
	r := &c.srv.scripts.fn
	r.mu.Lock()
	var libs []*luaLibrary
	for _, lib := range r.libs {
		libs = append(libs, lib)
	}
	r.mu.Unlock()
	sort.Slice(libs, func(i, j int) bool { return libs[i].name < libs[j].name })
	var b []byte
	enc := rdb.Encoder{Compression: c.srv.cfg.get("rdbcompression") == "yes"}
	for _, lib := range libs {
		b = append(b, rdbOpcodeFunction2)
		b = enc.AppendString(b, []byte(lib.code))
	}
	b = binary.LittleEndian.AppendUint16(b, rdbVersion)
	b = binary.LittleEndian.AppendUint64(b, crc64Jones(b))
	c.w.bulk(b)
}

// readRDBString reads an RDB string (plain or LZF-compressed) at the
// start of b and returns it and the bytes it took.
func readRDBString(b []byte) (string, int, bool) {
	if len(b) == 0 {
		return "", 0, false
	}
	readLen := func(b []byte) (uint64, int, bool, bool) { // length, used, encoded, ok
		if len(b) == 0 {
			return 0, 0, false, false
		}
		switch b[0] >> 6 {
		case 0:
			return uint64(b[0] & 0x3f), 1, false, true
		case 1:
			if len(b) < 2 {
				return 0, 0, false, false
			}
			return uint64(b[0]&0x3f)<<8 | uint64(b[1]), 2, false, true
		case 2:
			switch b[0] {
			case 0x80:
				if len(b) < 5 {
					return 0, 0, false, false
				}
				return uint64(binary.BigEndian.Uint32(b[1:])), 5, false, true
			case 0x81:
				if len(b) < 9 {
					return 0, 0, false, false
				}
				return binary.BigEndian.Uint64(b[1:]), 9, false, true
			}
			return 0, 0, false, false
		}
		return uint64(b[0] & 0x3f), 1, true, true
	}
	n, used, encoded, ok := readLen(b)
	if !ok {
		return "", 0, false
	}
	if !encoded {
		if n > uint64(len(b)-used) {
			return "", 0, false
		}
		return string(b[used : used+int(n)]), used + int(n), true
	}
	if n != 3 { // only LZF (3); integer encodings never hold code
		return "", 0, false
	}
	clen, u1, _, ok1 := readLen(b[used:])
	if !ok1 {
		return "", 0, false
	}
	used += u1
	ulen, u2, _, ok2 := readLen(b[used:])
	if !ok2 || clen > uint64(len(b)-used-u2) || ulen > 512<<20 {
		return "", 0, false
	}
	used += u2
	out, ok := lzfDecompress(b[used:used+int(clen)], int(ulen))
	if !ok {
		return "", 0, false
	}
	return string(out), used + int(clen), true
}

// lzfDecompress is liblzf's decompressor, for payloads Redis compressed.
func lzfDecompress(in []byte, outLen int) ([]byte, bool) {
	out := make([]byte, 0, outLen)
	for i := 0; i < len(in); {
		ctrl := int(in[i])
		i++
		if ctrl < 32 {
			n := ctrl + 1
			if i+n > len(in) || len(out)+n > outLen {
				return nil, false
			}
			out = append(out, in[i:i+n]...)
			i += n
			continue
		}
		n := ctrl >> 5
		if n == 7 {
			if i >= len(in) {
				return nil, false
			}
			n += int(in[i])
			i++
		}
		if i >= len(in) {
			return nil, false
		}
		ref := len(out) - ((ctrl & 0x1f) << 8) - 1 - int(in[i])
		i++
		n += 2
		if ref < 0 || len(out)+n > outLen {
			return nil, false
		}
		for k := 0; k < n; k++ {
			out = append(out, out[ref+k])
		}
	}
	if len(out) != outLen {
		return nil, false
	}
	return out, true
}

func cmdFunctionRestore(c *client, args [][]byte) {
	if len(args) > 4 {
		c.w.error(fmt.Sprintf(errSubcommandSyntax, cString(args[1], 128), "FUNCTION"))
		return
	}
	policy := "append"
	if len(args) == 4 {
		policy = strings.ToLower(string(args[3]))
		if policy != "append" && policy != "replace" && policy != "flush" {
			c.w.error(errRestorePolicy)
			return
		}
	}
	data := args[2]
	if len(data) < 10 {
		c.w.error(errDumpPayload)
		return
	}
	footer := data[len(data)-10:]
	ver := binary.LittleEndian.Uint16(footer)
	if ver > rdbVersion || binary.LittleEndian.Uint64(footer[2:]) != crc64Jones(data[:len(data)-8]) {
		c.w.error(errDumpPayload)
		return
	}
	e := &c.srv.scripts
	r := &e.fn
	r.mu.Lock()
	defer r.mu.Unlock()
	var libs []*luaLibrary
	body := data[:len(data)-10]
	for len(body) > 0 {
		if body[0] != rdbOpcodeFunction2 {
			c.w.error("ERR given type is not a function")
			return
		}
		code, used, ok := readRDBString(body[1:])
		if !ok {
			c.w.error("ERR failed loading the given functions payload")
			return
		}
		body = body[1+used:]
		lib, msg := e.compileLibrary(code, true)
		if msg != "" {
			c.w.error("ERR " + msg)
			return
		}
		for _, other := range libs {
			if other.name == lib.name {
				c.w.error("ERR Library " + lib.name + " already exists")
				return
			}
		}
		libs = append(libs, lib)
	}
	if policy == "flush" {
		r.flush()
	} else {
		// As Redis's libraryJoin: every library is checked before any is
		// installed.
		for _, lib := range libs {
			if old := r.libs[lib.name]; old != nil && policy == "append" {
				c.w.error("ERR Library " + lib.name + " already exists")
				return
			}
			for name := range lib.funcs {
				if f := r.funcs[funcKey(name)]; f != nil && (policy == "append" || f.lib.name != lib.name) {
					c.w.error("ERR Function " + name + " already exists")
					return
				}
			}
		}
	}
	for _, lib := range libs {
		r.addLibrary(lib, true)
	}
	c.w.ok()
}

func cmdFunctionHelp(c *client, args [][]byte) {
	c.writeHelp("FUNCTION",
		"LOAD [REPLACE] <FUNCTION CODE>",
		"    Load a library whose first line is '#!lua name=<library>'; REPLACE replaces one of the same name.",
		"DELETE <LIBRARY NAME>",
		"    Delete a library and its functions.",
		"KILL",
		"    Stop the running function, if it has not written anything.",
		"FLUSH [ASYNC|SYNC]",
		"    Delete every library.",
		"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
		"    List the libraries matching a glob pattern, with their functions and optionally their code.",
		"STATS",
		"    Tell which function is running and how many libraries and functions are loaded.",
		"DUMP",
		"    Serialize every library into a payload.",
		"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
		"    Load the libraries of a payload from DUMP.",
	)
}

func cmdFCall(c *client, args [][]byte)   { fcallGeneric(c, args, false) }
func cmdFCallRO(c *client, args [][]byte) { fcallGeneric(c, args, true) }

// fcallGeneric is Redis's fcallCommandGeneric.
func fcallGeneric(c *client, args [][]byte, ro bool) {
	c.feedMonitorsScript(args)
	e := &c.srv.scripts
	r := &e.fn
	r.mu.Lock()
	f := r.lookup(args[1])
	r.mu.Unlock()
	if f == nil {
		c.w.error(errFunctionNotFound)
		return
	}
	n, ok := redisnum.ParseInt(args[2])
	if !ok {
		c.w.error(errBadNumKeys)
		return
	}
	if n > int64(len(args)-3) {
		c.w.error(errNumKeysTooMany)
		return
	}
	if n < 0 {
		c.w.error(errNumKeysNegative)
		return
	}
	inv := invocation{name: f.name, flags: f.flags, ro: ro, keys: args[3 : 3+n], args: args[3+n:], function: f, argv: args}
	e.runScript(c, &inv)
}
