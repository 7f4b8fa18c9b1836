package server

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"
)

// FuzzEval runs random scripts with random arguments: no panic reaches
// the connection (which would answer errInternal), every reply is one
// well-formed RESP value, no goroutine is left behind, and nothing a
// script does is seen by the next one (a fixed probe answers the same
// before and after).
func FuzzEval(f *testing.F) {
	for _, seed := range []string{
		"return 1", "return {1,2,{3}}", "return redis.call('SET', KEYS[1], ARGV[1])",
		"x = 1", "string.len = nil", "rawset(_G, 'y', 1)", "setmetatable(_G, nil)",
		"return redis.pcall('nosuch')", "error({err='x'})", "error()", "return cjson.decode(ARGV[1])",
		"return cmsgpack.unpack(ARGV[1])", "return struct.unpack(ARGV[1], ARGV[1])", "return bit.tohex(ARGV[1])",
		"redis.setresp(3) return redis.call('HGETALL', KEYS[1])", "local t = {} t[1] = t return t",
		"return redis.call('EVAL', 'return 1', 0)", "while true do end", "return loadstring(ARGV[1])",
		"getmetatable('').__index.stash = 1", "getmetatable('').__index = nil", "KEYS[1] = 'changed' return KEYS", "return {double=0/0}", "return {map={a={set={b=true}}}}",
		"return redis.call('SELECT', ARGV[1])", "return redis.call('FLUSHALL')", "coroutine.wrap(function() redis.call('PING') end)()",
		// KEYS and ARGV are reused while a script leaves them as given.
		"KEYS.x = 1 setmetatable(ARGV, {__index = function() return 'leak' end})", "table.insert(KEYS, 'z') ARGV[1] = nil",
		"KEYS[1] = nil KEYS[3] = 'c'", "table.remove(ARGV) rawset(KEYS, 'y', 2)",
		// The Lua 5.1 library checks (script_stdlib.go, internal/luaformat).
		"return string.format(ARGV[1], ARGV[1], 1, 2.5)", "return {string.find(ARGV[1], ARGV[1], -3)}",
		"return string.gsub(ARGV[1], '%a', ARGV[1])", "for w in string.gmatch(ARGV[1], ARGV[1]) do end",
		"return string.char(string.byte(ARGV[1], 1, -1))", "table.insert(ARGV, 1, 2, 3)", "assert(false, ARGV[1])",
		"table.insert(string, 'x') return #string", "return next(_G)",
		"setmetatable(1, {__index = function() return 'leak' end})", "setmetatable('', {})",
	} {
		f.Add(seed, "arg")
		f.Add(seed, "\x93\x01\xa1a\xc0")
	}
	srv, err := New(DefaultConfig())
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	const probe = "return {type(redis), type(redis.call), type(string.len), type(KEYS), #KEYS, ARGV[1], pcall(function() return x end), type(string.stash), ('a'):upper(), math.floor(2.5), cjson.encode({1}), KEYS[1], tostring(KEYS.x), tostring(ARGV[2]), type(getmetatable(ARGV)), #ARGV, type(getmetatable(5)), type(getmetatable(''))}"
	run := func(script, arg string) []byte {
		c := &client{srv: srv}
		c.selectDB(0)
		c.setAuthed(true)
		c.dispatch([][]byte{[]byte("EVAL"), []byte(script), []byte("1"), []byte("k"), []byte(arg)})
		return c.w.buf
	}
	want := run(probe, "p")
	f.Fuzz(func(t *testing.T, script, arg string) {
		if len(script) > 512 || strings.Contains(script, "rep") {
			return // no huge allocations: gopher-lua has no memory limit
		}
		goroutines := runtime.NumGoroutine()
		watchdog := time.AfterFunc(time.Second, srv.scripts.abort)
		reply := run(script, arg)
		watchdog.Stop()
		if bytes.Contains(reply, []byte(errInternal)) {
			t.Fatalf("script %q: %q", script, reply)
		}
		if n, ok := respValueLen(reply); !ok || n != len(reply) {
			t.Fatalf("script %q: malformed reply %q", script, reply)
		}
		if got := run(probe, "p"); !bytes.Equal(got, want) {
			t.Fatalf("after %q the probe answers %q, want %q", script, got, want)
		}
		if n := runtime.NumGoroutine(); n > goroutines+2 {
			t.Fatalf("after %q: %d goroutines, %d before", script, n, goroutines)
		}
	})
}

// respValueLen is the length of the RESP2/RESP3 value at the start of b.
func respValueLen(b []byte) (int, bool) {
	end := bytes.Index(b, []byte("\r\n"))
	if end < 1 {
		return 0, false
	}
	line := string(b[1:end])
	next := end + 2
	atoi := func(s string) (int, bool) {
		n := 0
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimPrefix(s, "-")
		if s == "" {
			return 0, false
		}
		for _, ch := range s {
			if ch < '0' || ch > '9' {
				return 0, false
			}
			n = n*10 + int(ch-'0')
		}
		if neg {
			n = -n
		}
		return n, true
	}
	switch b[0] {
	case '+', '-', ':', '_', '#', ',', '(':
		return next, true
	case '$', '=':
		n, ok := atoi(line)
		if !ok {
			return 0, false
		}
		if n < 0 {
			return next, true
		}
		if len(b) < next+n+2 || string(b[next+n:next+n+2]) != "\r\n" {
			return 0, false
		}
		return next + n + 2, true
	case '*', '~', '%', '>':
		n, ok := atoi(line)
		if !ok {
			return 0, false
		}
		if b[0] == '%' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			m, ok := respValueLen(b[next:])
			if !ok {
				return 0, false
			}
			next += m
		}
		return next, true
	}
	return 0, false
}
