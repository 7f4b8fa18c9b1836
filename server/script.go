package server

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emberkv/ember/store"
	lua "github.com/yuin/gopher-lua"
)

// The scripting engine: Lua 5.1 (gopher-lua) with Redis 7.0's sandbox and
// redis.* API, shared by EVAL (cmd_script.go) and functions
// (cmd_function.go).
//
// A script runs atomically against every other client: it takes the whole
// database it starts in and every further database it reaches, under the
// store's wide lock (store/wide.go), so it may touch keys it did not
// declare, as Redis allows outside cluster mode. Every command it runs
// goes through scriptRun.call, which runs it with (*client).call on the
// script's own client, as Redis's scriptCall does with its fake client.

// Errors of the scripting commands, Redis 7.0's texts.
const (
	errNoScript          = "NOSCRIPT No matching script. Please use EVAL."
	errNumKeysNegative   = "ERR Number of keys can't be negative"
	errBusyEval          = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	errBusyFunction      = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
	errNotBusy           = "NOTBUSY No scripts in execution right now."
	errUnkillable        = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
	errScriptWriteRO     = "ERR Can not execute a script with write flag using *_ro command."
	errScriptOOM         = "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'"
	errScriptFlushOption = "ERR SCRIPT FLUSH only support SYNC|ASYNC option"
	errScriptDebug       = "ERR Use SCRIPT DEBUG YES/SYNC/NO"
	errScriptDebugNotYet = "ERR Ember does not have the Lua debugger (SCRIPT DEBUG)"
	errCompileScript     = "ERR Error compiling script (new function): %s"

	// Raised inside the script, as Lua errors.
	msgUnknownScriptCmd = "Unknown Redis command called from script"
	msgScriptArity      = "Wrong number of args calling Redis command from script"
	msgNoScriptCmd      = "This Redis command is not allowed from script"
	msgScriptROWrite    = "Write commands are not allowed from read-only scripts."
	msgScriptOOM        = "-OOM command not allowed when used memory > 'maxmemory'."
	msgScriptNoArgs     = "Please specify at least one argument for this redis lib call"
	msgScriptArgType    = "Lua redis lib command arguments must be strings or integers"
	msgScriptKilled     = "Script killed by user with SCRIPT KILL..."
	msgReadonlyTable    = "Attempt to modify a readonly table"
	msgNoGlobal         = "Script attempted to access nonexistent global variable '%s'"
	msgStackLimit       = "ERR reached lua stack limit"
)

// Script flags, from a shebang line (#!lua flags=...) or
// redis.register_function, as Redis's scripts_flags_def.
const (
	scriptNoWrites = 1 << iota
	scriptAllowOOM
	scriptAllowStale
	scriptNoCluster
	scriptAllowCrossSlot
	scriptCompat // no shebang: EVAL's historical behaviour
)

var scriptFlagNames = []struct {
	flag int
	name string
}{
	{scriptNoWrites, "no-writes"},
	{scriptAllowOOM, "allow-oom"},
	{scriptAllowStale, "allow-stale"},
	{scriptNoCluster, "no-cluster"},
	{scriptAllowCrossSlot, "allow-cross-slot-keys"},
}

// luaScript is one script of the EVAL cache.
type luaScript struct {
	sha   string // 40 lower-case hex digits
	body  string
	flags int
	proto *lua.FunctionProto
	// readsGlobalsOnly: no function of the script assigns a global by
	// name, so it may run with the real globals as its environment
	// (scriptFunction).
	readsGlobalsOnly bool
}

// scriptEngine is a server's scripting state.
type scriptEngine struct {
	srv *Server

	mu      sync.Mutex // guards scripts and scriptsMem
	scripts map[string]*luaScript
	mem     int64
	gen     atomic.Uint64 // bumped by SCRIPT FLUSH: the VMs drop their functions

	vmMu sync.Mutex
	vms  []*luaVM // idle, prepared states

	fn functionRegistry // FUNCTION libraries (cmd_function.go)

	busyMs atomic.Int64 // busy-reply-threshold

	// The running script, for BUSY, SCRIPT KILL and FUNCTION KILL, which
	// other goroutines read. runMu orders KILL against the start and end
	// of a run.
	runMu    sync.Mutex
	running  atomic.Bool
	runEval  atomic.Bool  // an EVAL (not FCALL) is running
	runStart atomic.Int64 // monoNow at its start
	wrote    atomic.Bool  // it ran a write command: no longer killable
	killed   atomic.Bool
	run      *runContext // the runs' context: stop it to stop the running script
	runName  string      // under runMu: the running function (FUNCTION STATS)
	runArgs  [][]byte    // under runMu: its command

	// Scripts run one at a time (they hold the store's wide lock), so
	// they share one client and one run context.
	sc     *client
	cur    *scriptRun
	locked store.Locked // what a script outside EXEC holds, reused
	// waiting counts the clients waiting for the scripts' locks, so that
	// a client that finds others waiting moves its replies to a writer
	// goroutine (runScript says why).
	waiting atomic.Int32
	// now is the clock of busy-reply-threshold; tests replace it.
	now func() time.Duration

	randState  uint64
	randSeeded bool
	cmds       scriptCmdCache // lookupCommand's
	// last is the script found last, checked before the cache: clients
	// call the same script again and again. It is set and cleared (by
	// SCRIPT FLUSH) under mu.
	last atomic.Pointer[luaScript]
}

func (e *scriptEngine) init(s *Server) {
	e.srv = s
	e.scripts = make(map[string]*luaScript)
	e.busyMs.Store(5000)
	e.now = monoNow
	// One script at a time uses it, and each run sends what its calls
	// gathered before its locks go (batchStats).
	e.sc = &client{srv: s, id: -1, addr: "lua", authed: true, created: time.Now(), batchStats: true}
	e.cur = &scriptRun{e: e}
	e.fn.init()
}

// scriptCommandFlags is Redis's evalGetCommandFlags and
// fcallGetCommandFlags: the flags of an EVAL or FCALL as its script
// declares them (a shebang, register_function's flags), so that a
// no-writes script is not held back by CLIENT PAUSE WRITE. ok is false
// for other commands and for scripts that declare nothing.
func (c *client) scriptCommandFlags(cmd *command, args [][]byte) (flags cmdFlags, ok bool) {
	e := &c.srv.scripts
	var sf int
	switch cmd.name {
	case "eval", "eval_ro":
		if len(args) < 2 {
			return 0, false
		}
		var buf [40]byte
		sum := sha1.Sum(args[1])
		hex.Encode(buf[:], sum[:])
		if s := e.lookupScript(buf[:]); s != nil {
			sf = s.flags
		} else if f, _, err := parseShebang(args[1]); err == "" {
			sf = f
		} else {
			return 0, false
		}
	case "evalsha", "evalsha_ro":
		if len(args) < 2 || len(args[1]) != 40 {
			return 0, false
		}
		var buf [40]byte
		s := e.lookupScript(lowerSHA(&buf, args[1]))
		if s == nil {
			return 0, false
		}
		sf = s.flags
	case "fcall", "fcall_ro":
		if len(args) < 2 {
			return 0, false
		}
		e.fn.mu.Lock()
		f := e.fn.lookup(args[1])
		e.fn.mu.Unlock()
		if f == nil {
			return 0, false
		}
		sf = f.flags
	default:
		return 0, false
	}
	if sf&scriptCompat != 0 {
		return 0, false
	}
	flags = cmd.flags &^ (flagStale | flagDenyOOM | flagWrite | flagMayReplicate)
	if sf&(scriptAllowOOM|scriptNoWrites) == 0 {
		flags |= flagDenyOOM
	}
	if sf&scriptNoWrites == 0 {
		flags |= flagWrite
	}
	if sf&scriptAllowStale != 0 {
		flags |= flagStale
	}
	return flags, true
}

// busyNow reports whether a script has been running longer than
// busy-reply-threshold, so that other clients must get BUSY.
func (e *scriptEngine) busyNow() bool {
	if !e.running.Load() {
		return false
	}
	limit := e.busyMs.Load()
	return limit > 0 && e.now()-time.Duration(e.runStart.Load()) >= time.Duration(limit)*time.Millisecond
}

// busyError is the BUSY reply for the running kind of script.
func (e *scriptEngine) busyError() string {
	if e.runEval.Load() {
		return errBusyEval
	}
	return errBusyFunction
}

// kill is SCRIPT KILL (eval) and FUNCTION KILL, as Redis's scriptKill.
func (e *scriptEngine) kill(c *client, eval bool) {
	e.runMu.Lock()
	defer e.runMu.Unlock()
	switch {
	case !e.running.Load():
		c.w.error(errNotBusy)
	case e.wrote.Load():
		c.w.error(errUnkillable)
	case eval && !e.runEval.Load():
		c.w.error(errBusyFunction)
	case !eval && e.runEval.Load():
		c.w.error(errBusyEval)
	default:
		e.stopLocked()
		c.w.ok()
	}
}

// abort stops the running script whatever it did, for SHUTDOWN and Close.
func (e *scriptEngine) abort() {
	e.runMu.Lock()
	if e.running.Load() {
		e.stopLocked()
	}
	e.runMu.Unlock()
}

func (e *scriptEngine) stopLocked() {
	if !e.killed.Load() {
		e.killed.Store(true)
		e.run.stop()
	}
}

// sha1Hex is the lower-case hex SHA1 of b, Redis's sha1hex.
func sha1Hex(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}

// lowerSHA copies a 40-byte SHA argument in lower case into buf, so that
// a cache lookup allocates nothing.
func lowerSHA(buf *[40]byte, b []byte) []byte {
	for i, ch := range b {
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		buf[i] = ch
	}
	return buf[:len(b)]
}

// lookupScript finds a cached script by its SHA (lower case).
func (e *scriptEngine) lookupScript(sha []byte) *luaScript {
	if s := e.last.Load(); s != nil && s.sha == string(sha) {
		return s
	}
	e.mu.Lock()
	s := e.scripts[string(sha)]
	if s != nil {
		e.last.Store(s) // under mu, so that a SCRIPT FLUSH clears it
	}
	e.mu.Unlock()
	return s
}

// loadScript compiles body and caches it, or returns the cached script of
// the same SHA, as Redis's luaCreateFunction. msg is the error reply.
func (e *scriptEngine) loadScript(body []byte) (s *luaScript, msg string) {
	// The same body as the script found last has its SHA: skip the SHA1
	// (a fifth of a small EVAL's instructions).
	if s := e.last.Load(); s != nil && s.body == string(body) {
		return s, ""
	}
	var buf [40]byte
	sum := sha1.Sum(body)
	hex.Encode(buf[:], sum[:])
	if s := e.lookupScript(buf[:]); s != nil {
		return s, ""
	}
	flags, shebang, err := parseShebang(body)
	if err != "" {
		return nil, "ERR " + err
	}
	proto, cerr := compileLua(body[shebang:], "user_script")
	if cerr != "" {
		return nil, fmt.Sprintf(errCompileScript, cerr)
	}
	s = &luaScript{sha: string(buf[:]), body: string(body), flags: flags, proto: proto, readsGlobalsOnly: !setsGlobal(proto)}
	e.mu.Lock()
	defer e.mu.Unlock()
	if old := e.scripts[s.sha]; old != nil {
		return old, ""
	}
	e.scripts[s.sha] = s
	e.last.Store(s)
	e.mem += scriptMemory(s)
	return s, ""
}

// scriptMemory estimates a cached script's bytes (used_memory_scripts_eval):
// its SHA, its body and the compiled code.
func scriptMemory(s *luaScript) int64 {
	return int64(40+len(s.body)) + protoMemory(s.proto) + 64
}

func protoMemory(p *lua.FunctionProto) int64 {
	if p == nil {
		return 0
	}
	n := int64(len(p.Code)*4 + len(p.DbgSourcePositions)*8 + len(p.Constants)*16 + 128)
	for _, c := range p.FunctionPrototypes {
		n += protoMemory(c)
	}
	return n
}

// flushScripts empties the EVAL cache (SCRIPT FLUSH).
func (e *scriptEngine) flushScripts() {
	e.mu.Lock()
	e.scripts = make(map[string]*luaScript)
	e.mem = 0
	e.last.Store(nil)
	e.mu.Unlock()
	e.gen.Add(1)
}

// scriptsInfo is what INFO memory reports of the EVAL cache.
func (e *scriptEngine) scriptsInfo() (n int, mem int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.scripts), e.mem
}

// parseShebang reads the "#!lua flags=a,b" first line of an EVAL script,
// as Redis's evalExtractShebangFlags. It returns the flags and the length
// of the line (the code starts after it, at its newline, so that line
// numbers stay right).
func parseShebang(body []byte) (flags, n int, err string) {
	if len(body) < 2 || body[0] != '#' || body[1] != '!' {
		return scriptCompat, 0, ""
	}
	end := strings.IndexByte(string(body), '\n')
	if end < 0 {
		return 0, 0, "Invalid script shebang"
	}
	parts, ok := splitArgsStrings(body[:end])
	if !ok || len(parts) == 0 {
		return 0, 0, "Invalid engine in script shebang"
	}
	if parts[0] != "#!lua" {
		return 0, 0, "Unexpected engine in script shebang: " + parts[0]
	}
	for _, p := range parts[1:] {
		list, ok := strings.CutPrefix(p, "flags=")
		if !ok {
			return 0, 0, "Unknown lua shebang option: " + p
		}
		if list == "" {
			continue // "flags=": none (sdssplitlen of nothing is no element)
		}
		// An empty element ("no-writes,") is an unknown flag, as Redis's.
		f, bad, ok := parseScriptFlags(strings.Split(list, ","))
		if !ok {
			return 0, 0, "Unexpected flag in script shebang: " + bad
		}
		flags |= f
	}
	return flags, end, ""
}

// parseScriptFlags maps flag names to flags; bad is the first unknown one
// (ok false).
// An empty name is allowed where Redis's split allows it (flags=).
func parseScriptFlags(names []string) (flags int, bad string, ok bool) {
	for _, name := range names {
		found := false
		for _, f := range scriptFlagNames {
			if f.name == name {
				flags |= f.flag
				found = true
			}
		}
		if !found {
			return 0, name, false
		}
	}
	return flags, "", true
}

// splitArgsStrings is splitArgs (Redis's sdssplitargs) into strings.
func splitArgsStrings(line []byte) ([]string, bool) {
	parts, ok := splitArgs(line)
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = string(p)
	}
	return out, ok
}

// scriptRun is the context of the running script: what redis.call needs.
type scriptRun struct {
	e        *scriptEngine
	caller   *client
	locked   *store.Locked
	ownLock  bool
	name     string // the SHA or the function's name, for error messages
	eval     bool
	readOnly bool
	allowOOM bool
	wrote    bool
	ready    []blockKey
	argBuf   []byte
	argv     [][]byte
	offs     []int
}

// invocation is one EVAL or FCALL to run: the function to call in a VM,
// and what the run checks.
type invocation struct {
	name     string
	eval     bool
	flags    int
	ro       bool // *_RO command
	keys     [][]byte
	args     [][]byte
	script   *luaScript // EVAL
	function *luaFunction
	argv     [][]byte // the whole command, for FUNCTION STATS
}

// runScript runs one EVAL or FCALL for c, atomically, and writes its
// reply, as Redis's scriptPrepareForRun, luaCallFunction and
// scriptResetRun.
func (e *scriptEngine) runScript(c *client, inv *invocation) {
	if inv.flags&scriptCompat == 0 {
		if inv.flags&scriptNoWrites == 0 && inv.ro {
			c.w.error(errScriptWriteRO)
			return
		}
		// As Redis: the memory state when the command began
		// (pre_command_oom_state), not now.
		if inv.flags&(scriptAllowOOM|scriptNoWrites) == 0 && c.preCommandOOM {
			c.w.error(errScriptOOM)
			return
		}
	}
	// The state is taken once the locks are held, so that scripts, which
	// run one at a time, share one or two pooled states (lock order for a
	// function's: store locks -> vm.mu, as EXEC holds the store's).
	var vm *luaVM
	r := e.cur
	var locked *store.Locked
	own := c.inExec == nil
	switch {
	case !own:
		locked = c.inExec
	case c.holdsScripts:
		locked = &e.locked // kept from this client's previous script
	default:
		locked = &e.locked
		if c.out == nil && c.req != nil && c.req.pipelined() && e.waiting.Load() > 0 {
			// Scripts run one at a time, so under contention their
			// throughput is how busy the locks are kept. A client that
			// writes its own replies lets the locks go at the end of its
			// batch and then makes the write (a loopback write runs the
			// reader's TCP work: 15 us for 16 replies), while the next
			// client, made ready on this processor, waits for it or for
			// the other processor to steal it: under 50 pipelining
			// clients the locks were held 55-79% of the time. With its
			// writer goroutine (outbound.go) the replies are written on
			// the other processor as they come, and the next client runs
			// as soon as this one waits for its socket
			// (docs/benchmarks.md). The connection keeps the writer, as
			// a subscriber's. A client that does not pipeline keeps its
			// own writes: one script a batch gained nothing from the
			// writer and cost a tenth more CPU.
			c.startOutbound()
		}
		e.waiting.Add(1)
		e.srv.store.LockScript(locked)
		e.waiting.Add(-1)
		c.holdsScripts = true // so that leave releases them whatever happens
	}
	if inv.function != nil {
		vm = inv.function.lib.vm
		vm.mu.Lock()
		defer vm.mu.Unlock()
	} else {
		vm = e.getVM()
	}
	vm.prepare(inv)
	if c.tracking() {
		locked.SetWriter(c.id)
	}
	// What the script's commands did is noted on the script's client,
	// whose call resets the notes (store.OpNotes, for "del" events).
	locked.SetNotes(&e.sc.notes)
	*r = scriptRun{e: e, caller: c, locked: locked, ownLock: own, name: inv.name, eval: inv.eval,
		argBuf: r.argBuf[:0], argv: r.argv[:0], offs: r.offs[:0], ready: r.ready[:0]}
	r.readOnly = inv.ro || (inv.flags&scriptCompat == 0 && inv.flags&scriptNoWrites != 0)
	r.allowOOM = inv.flags&scriptCompat == 0 && inv.flags&scriptAllowOOM != 0

	sc := e.sc
	sc.inExec = locked
	sc.dbIndex = c.dbIndex
	sc.db = locked.DB(c.dbIndex)
	sc.w.resp3 = false
	sc.w.buf = sc.w.buf[:0]
	sc.scriptCaller = c
	// The AOF logs the script's effects as the caller's unit, in one
	// MULTI/EXEC, as Redis 7 propagates them (aof.go); the EVAL or FCALL
	// itself is not an effect.
	sc.aofRunFor(c)

	// As Redis: time stands still for the keys while the script runs.
	sc.notes.Now = e.srv.store.NowMs()
	e.startRun(vm, inv)
	result, failed := vm.call(r, inv)
	e.endRun()
	sc.notes.Now = 0
	sc.pending.flush(&e.srv.stats)

	// Everything shared by the scripts is reset before the locks go: the
	// next script may start the moment they do.
	resp3 := sc.w.resp3
	sc.aofRunDone()
	sc.scriptCaller = nil
	sc.inExec = nil
	sc.db = nil
	if sc.trackPending != nil {
		sc.trackPending = sc.trackPending[:0]
	}
	if cap(sc.w.buf) > 64<<10 {
		sc.w.buf = nil
	}
	var ready []blockKey
	if len(r.ready) > 0 && e.srv.blocking.count.Load() > 0 {
		ready = append(ready, r.ready...)
	}
	r.caller = nil
	r.locked = nil
	if !own {
		locked.SetNotes(&c.notes) // back to the transaction's
	}
	if own {
		// As Redis runs a client's pipelined requests in one go, a
		// client whose next request is already read keeps the locks for
		// its next script; it lets them go when its batch ends, or before
		// any other command (releaseScripts).
		// Not while the AOF is on: its order lock comes before the
		// store's, and the next command takes it.
		if c.req == nil || len(ready) > 0 || c.srv.aof.on.Load() {
			c.releaseScripts()
		}
	}

	// The reply is written outside the store's locks.
	if failed {
		if t, ok := result.(*lua.LTable); ok && lua.LVAsBool(t.RawGetString("ignore_error_stats_update")) {
			c.w.errorCounted(scriptErrorReply(result, inv.name))
		} else {
			c.w.error(scriptErrorReply(result, inv.name))
		}
	} else {
		vm.reply(c, result, resp3, 0)
	}
	vm.L.SetTop(0)
	if inv.function == nil {
		e.putVM(vm)
	}
	// Clients blocked on keys the script filled are served once the
	// caller's call is done (or EXEC's, inside a transaction): after the
	// script's effects are in the AOF, which the pops must follow.
	c.readied = append(c.readied, ready...)
}

// releaseScripts lets go of the locks a client kept from its last
// script (see runScript).
func (c *client) releaseScripts() {
	if c.holdsScripts {
		c.holdsScripts = false
		c.srv.scripts.locked.Unlock()
	}
}

// isScriptCall reports whether cmd runs a script at once (outside MULTI),
// which may reuse the locks a client kept from its previous script.
func (c *client) isScriptCall(cmd *command) bool {
	if c.multi != nil {
		return false
	}
	switch cmd.name {
	case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro":
		return true
	}
	return false
}

func (e *scriptEngine) startRun(vm *luaVM, inv *invocation) {
	eval := inv.eval
	e.runMu.Lock()
	e.runName, e.runArgs = inv.name, inv.argv
	// The runs share one context until a kill spends it
	// (script_ctx.go): a context, its cancel function and its channel per
	// run were three allocations of every script.
	if e.run == nil || e.run.stopped.Load() {
		e.run = newRunContext()
	}
	if vm.L.Context() != context.Context(e.run) {
		vm.L.SetContext(e.run)
	}
	e.killed.Store(false)
	e.wrote.Store(false)
	e.runEval.Store(eval)
	e.runStart.Store(int64(e.now()))
	e.running.Store(true)
	e.runMu.Unlock()
}

func (e *scriptEngine) endRun() {
	e.runMu.Lock()
	e.runName, e.runArgs = "", nil
	e.running.Store(false)
	e.runMu.Unlock()
}

// refusal is why scriptCall refuses cmd, or "".
func (r *scriptRun) refusal(cmd *command, args [][]byte) string {
	switch {
	case cmd == nil:
		return msgUnknownScriptCmd
	case !cmd.arityOK(len(args)):
		return msgScriptArity
	case cmd.flags&flagNoScript != 0:
		return msgNoScriptCmd
	case r.readOnly && cmd.flags&(flagWrite|flagMayReplicate) != 0:
		return msgScriptROWrite
	case !r.allowOOM && !r.wrote && cmd.flags&flagDenyOOM != 0 && r.caller.preCommandOOM:
		return msgScriptOOM
	}
	return ""
}

// call runs one command of the script (redis.call, redis.pcall): the
// checks of Redis's scriptCall, then (*client).call on the script's
// client, so every hook of call applies to it. It returns the raw reply,
// or a message to raise as the error (in Redis's "-CODE text" or plain
// form).
func (r *scriptRun) call(args [][]byte) (reply []byte, errMsg string) {
	e := r.e
	sc := e.sc
	cmd := e.lookupCommand(args[0])
	if cmd != nil && cmd.subs != nil && len(args) >= 2 {
		cmd = cmd.subs[strings.ToLower(string(args[1]))]
	}
	if msg := r.refusal(cmd, args); msg != "" {
		// As Redis's scriptCall: the refusal counts as an error reply,
		// and as a rejected call of a command that exists; the script's
		// own error reply then does not count it again.
		if code, ok := strings.CutPrefix(msg, "-"); ok {
			e.srv.stats.countError(code)
		} else {
			e.srv.stats.countError("ERR " + msg)
		}
		if cmd != nil {
			e.srv.stats.commands[cmd.id].rejected.Add(1)
		}
		return nil, msg
	}
	if cmd.flags&flagWrite != 0 {
		r.wrote = true
		e.wrote.Store(true)
	}
	// Lock what the command may reach before it runs, as EXEC's lockFor
	// decides: its keys, its whole database, or every database
	// (store/wide.go says why any order is safe here).
	if l := r.locked; !l.All() {
		switch {
		case cmd.scope == scopeAll:
			if cmd.name != "select" {
				l.HoldAll()
			}
		case cmd.scope == scopeDB || cmd.flags&flagMovableKeys != 0:
			l.HoldDB(sc.dbIndex)
		case cmd.firstKey != 0:
			// cmd.keyIndexes, without its slice.
			last := cmd.lastKey
			if last < 0 {
				last += len(args)
			}
			for i := cmd.firstKey; i <= last && i < len(args); i += cmd.step {
				l.HoldKey(sc.dbIndex, keyOf(args[i]))
			}
		}
	}
	sc.w.buf = sc.w.buf[:0]
	sc.args = args
	sc.call(cmd, args, monoNow())
	if cmd.flags&flagWrite != 0 && e.srv.blocking.count.Load() > 0 {
		r.ready = appendKeysOf(r.ready, sc.dbIndex, cmd, args)
		r.ready = append(r.ready, sc.readied...)
		sc.readied = sc.readied[:0]
	}
	return sc.w.buf, ""
}

// scriptCmdCache is what lookupCommand remembers: the commands the
// scripts called last, by their names as written. A script calls the
// same few commands over and over; comparing their names is cheaper than
// the table's lower-casing and hashing.
type scriptCmdCache struct {
	names [4]string
	cmds  [4]*command
	next  int
}

// lookupCommand is the command table's lookupName for redis.call.
// Scripts run one at a time, so the cache needs no lock.
func (e *scriptEngine) lookupCommand(name []byte) *command {
	m := &e.cmds
	for i := range m.names {
		if m.cmds[i] != nil && m.names[i] == string(name) {
			return m.cmds[i]
		}
	}
	cmd := e.srv.table.lookupName(name)
	if cmd != nil {
		m.names[m.next], m.cmds[m.next] = string(name), cmd
		m.next = (m.next + 1) % len(m.names)
	}
	return cmd
}

// getVM takes a prepared state from the pool, or makes one. A state
// made before the last SCRIPT FLUSH is dropped: Redis's flush makes a new
// interpreter, so what scripts left in the libraries' own state (cjson's
// options, say) goes with it.
func (e *scriptEngine) getVM() *luaVM {
	gen := e.gen.Load()
	e.vmMu.Lock()
	for n := len(e.vms); n > 0; n-- {
		vm := e.vms[n-1]
		e.vms[n-1] = nil
		e.vms = e.vms[:n-1]
		if vm.gen == gen {
			e.vmMu.Unlock()
			return vm
		}
	}
	e.vmMu.Unlock()
	vm := newLuaVM(e, false)
	vm.gen = gen
	return vm
}

func (e *scriptEngine) putVM(vm *luaVM) {
	if vm.gen != e.gen.Load() {
		return // made before a SCRIPT FLUSH (getVM)
	}
	if vm.L.GetTop() != 0 {
		vm.L.SetTop(0)
	}
	e.vmMu.Lock()
	if len(e.vms) < 4 {
		e.vms = append(e.vms, vm)
	}
	e.vmMu.Unlock()
}

// prepare pushes the invocation's function and sets its arguments:
// KEYS and ARGV for EVAL, two tables for a function.
func (vm *luaVM) prepare(inv *invocation) {
	L := vm.L
	if len(vm.chunkNames) > 0 {
		clear(vm.chunkNames)
	}
	if inv.script != nil {
		L.Push(vm.scriptFunction(inv.script))
		// No script can change the globals, so KEYS and ARGV still name
		// the tables of the last run unless refill made new ones.
		keys := vm.refill(vm.keys, inv.keys, &vm.keyStrs)
		if keys.t != vm.keys.t {
			vm.globals.RawSetString("KEYS", keys.t)
		}
		argv := vm.refill(vm.argv, inv.args, &vm.argStrs)
		if argv.t != vm.argv.t {
			vm.globals.RawSetString("ARGV", argv.t)
		}
		vm.keys, vm.argv = keys, argv
		return
	}
	// A function may keep the tables it is given (in an upvalue of its
	// library), so each call gets new ones, as in Redis.
	L.Push(inv.function.fn)
	L.Push(vm.stringArray(inv.keys, &vm.keyStrs))
	L.Push(vm.stringArray(inv.args, &vm.argStrs))
}

// call runs the prepared function, as Redis's luaCallFunction: it
// returns the result, or the error value when failed.
func (vm *luaVM) call(r *scriptRun, inv *invocation) (result lua.LValue, failed bool) {
	L := vm.L
	vm.run_ = r
	defer func() { vm.run_ = nil }()
	nargs := 0
	if inv.script == nil {
		nargs = 2
	}
	if err := L.PCall(nargs, 1, vm.errHandler); err != nil {
		var obj lua.LValue = lua.LString(err.Error())
		if ae, ok := err.(*lua.ApiError); ok && ae.Object != nil {
			obj = ae.Object
		}
		return obj, true
	}
	return L.Get(-1), false
}

// scriptErrorReply formats the error a script raised, as the end of
// Redis's luaCallFunction: the message, then where it was raised.
func scriptErrorReply(obj lua.LValue, name string) string {
	t, ok := obj.(*lua.LTable)
	if !ok {
		msg := "execution failure"
		if s, ok := obj.(lua.LString); ok {
			msg = string(s)
		}
		if len(msg) > 100 {
			msg = msg[:100]
		}
		return fmt.Sprintf("ERR Error running script %s, %s", name, msg)
	}
	msg := luaToStringOr(t.RawGetString("err"), "")
	source := luaToStringOr(t.RawGetString("source"), "")
	line := luaToStringOr(t.RawGetString("line"), "")
	if line != "" && source != "" {
		msg += " script: " + name + ", on " + source + ":" + line + "."
	}
	return msg
}

// luaToStringOr is lua_tostring for strings and numbers, else def.
func luaToStringOr(v lua.LValue, def string) string {
	switch v := v.(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return formatLuaNumber(float64(v))
	}
	return def
}

// formatLuaNumber formats a number as Lua 5.1 does ("%.14g").
func formatLuaNumber(f float64) string {
	return formatC(f, 14)
}

// formatC is C's "%.<prec>g" for a double: what Redis's Lua prints.
func formatC(f float64, prec int) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		if math.Signbit(f) {
			return "-nan"
		}
		return "nan"
	}
	if f == 0 && math.Signbit(f) {
		return "-0"
	}
	if f == math.Trunc(f) && math.Abs(f) < math.Pow10(prec) {
		return strconv.FormatInt(int64(f), 10)
	}
	s := strconv.FormatFloat(f, 'g', prec, 64)
	// Go writes exponents as e+21 and C as e+21 too, but Go drops the
	// leading zero C keeps (e-05 against e-5).
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		mant, exp := s[:i], s[i+1:]
		sign := exp[0]
		digits := exp[1:]
		if len(digits) < 2 {
			digits = "0" + digits
		}
		s = mant + "e" + string(sign) + digits
	}
	return s
}

// backgroundCtx is the parent of every run's context.
var backgroundCtx = context.Background()

// rand48 and srand48 are Redis's redisLrand48 and redisSrand48 (rand.c):
// the 48-bit generator of drand48, whose top 31 bits math.random uses.
// Scripts run one at a time, so the state needs no lock of its own.
func (e *scriptEngine) rand48() int32 {
	if !e.randSeeded {
		e.randState = 0x1234ABCD330E
		e.randSeeded = true
	}
	e.randState = (e.randState*0x5DEECE66D + 0xB) & (1<<48 - 1)
	return int32(e.randState >> 17)
}

func (e *scriptEngine) srand48(seed int32) {
	e.randState = uint64(uint32(seed))<<16 | 0x330E
	e.randSeeded = true
}
