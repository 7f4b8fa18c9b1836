package server

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emberkv/ember/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// A script's read-modify-write is atomic against plain commands and other
// scripts, on keys it declared and on keys it did not, in any database.
func TestScriptAtomicity(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	const workers, rounds = 4, 200
	// GET then SET: lost updates unless the script runs alone. The second
	// counter lives in database 3 and is not declared.
	script := redis.NewScript(`
local v = tonumber(redis.call('GET', KEYS[1]) or '0')
redis.call('SET', KEYS[1], v + 1)
redis.call('SELECT', 3)
local w = tonumber(redis.call('GET', 'undeclared') or '0')
redis.call('SET', 'undeclared', w + 1)
return v + 1`)
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers)
	for i := 0; i < workers; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: addr})
			defer rdb.Close()
			for j := 0; j < rounds; j++ {
				if err := script.Run(ctx, rdb, []string{"counter"}).Err(); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: addr, DB: 3})
			defer rdb.Close()
			for j := 0; j < rounds; j++ {
				if err := rdb.Incr(ctx, "undeclared").Err(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	if got, _ := rdb.Get(ctx, "counter").Int(); got != workers*rounds {
		t.Errorf("counter = %d, want %d", got, workers*rounds)
	}
	rdb3 := redis.NewClient(&redis.Options{Addr: addr, DB: 3})
	defer rdb3.Close()
	if got, _ := rdb3.Get(ctx, "undeclared").Int(); got != 2*workers*rounds {
		t.Errorf("undeclared = %d, want %d", got, 2*workers*rounds)
	}
}

// fakeScriptClock replaces the clock of busy-reply-threshold.
type fakeScriptClock struct{ now atomic.Int64 }

func (f *fakeScriptClock) read() time.Duration     { return time.Duration(f.now.Load()) }
func (f *fakeScriptClock) advance(d time.Duration) { f.now.Add(int64(d)) }

// startServerFakeScriptClock starts a server whose busy-reply-threshold
// clock only moves when the test advances it.
func startServerFakeScriptClock(t *testing.T) (*Server, string, *fakeScriptClock) {
	t.Helper()
	srv, addr := startServer(t, DefaultConfig())
	clock := &fakeScriptClock{}
	srv.scripts.now = clock.read
	return srv, addr, clock
}

// waitRunning waits until a script runs on srv (bounded).
func waitRunning(t *testing.T, srv *Server) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !srv.scripts.running.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the script never started")
		}
		time.Sleep(time.Millisecond)
	}
}

// A script past busy-reply-threshold makes other clients' commands fail
// with BUSY, except allow_busy ones; SCRIPT KILL stops one that has not
// written, and refuses one that has; FUNCTION KILL and SCRIPT KILL refuse
// the other kind.
func TestScriptBusyAndKill(t *testing.T) {
	srv, addr, clock := startServerFakeScriptClock(t)
	ctx := context.Background()
	other := redis.NewClient(&redis.Options{Addr: addr})
	defer other.Close()
	if err := other.ConfigSet(ctx, "busy-reply-threshold", "100").Err(); err != nil {
		t.Fatal(err)
	}
	if got := other.ConfigGet(ctx, "lua-time-limit").Val()["lua-time-limit"]; got != "100" {
		t.Fatalf("lua-time-limit = %q, want the alias's 100", got)
	}

	tests := []struct {
		name    string
		script  string
		fcall   bool
		fn      string // the function FCALL runs: spin unless set
		killErr string // what the wrong KILL answers
		kill    string // SCRIPT or FUNCTION
		want    string // the script's caller gets
	}{
		{name: "eval", script: "while true do end", kill: "SCRIPT", killErr: errBusyEval,
			want: "ERR Script killed by user with SCRIPT KILL... script: "},
		{name: "eval with pcall", script: "while true do pcall(function() while true do end end) end", kill: "SCRIPT", killErr: errBusyEval,
			want: "ERR Script killed by user with SCRIPT KILL... script: "},
		// The runs share a context until a coroutine links it
		// (script_ctx.go): a loop inside one stops too, and so does the
		// next script, on a new context.
		{name: "eval in a coroutine", script: "local co = coroutine.create(function() while true do end end) coroutine.resume(co) while true do end", kill: "SCRIPT", killErr: errBusyEval,
			want: "ERR Script killed by user with SCRIPT KILL... script: "},
		{name: "eval in a wrapped coroutine", script: "coroutine.wrap(function() while true do end end)()", kill: "SCRIPT", killErr: errBusyEval,
			want: "ERR Script killed by user with SCRIPT KILL... script: "},
		{name: "eval after coroutines", script: "local n = 0 while true do n = n + 1 end", kill: "SCRIPT", killErr: errBusyEval,
			want: "ERR Script killed by user with SCRIPT KILL... script: "},
		{name: "function", fcall: true, kill: "FUNCTION", killErr: errBusyFunction,
			want: "ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2."},
		// A coroutine made by an earlier call runs under this one's
		// context (script_ctx.go's runUnder).
		{name: "function resuming an earlier call's coroutine", fcall: true, fn: "runloop", kill: "FUNCTION", killErr: errBusyFunction,
			want: "ERR Script killed by user with SCRIPT KILL... script: runloop, on @user_function:"},
	}
	if err := other.FunctionLoad(ctx, "#!lua name=spinner\nredis.register_function('spin', function() while true do end end)").Err(); err != nil {
		t.Fatal(err)
	}
	if err := other.FunctionLoad(ctx, "#!lua name=looper\nlocal co\n"+
		"redis.register_function('mkloop', function() co = coroutine.create(function() while true do end end) return 1 end)\n"+
		"redis.register_function('runloop', function() coroutine.resume(co) while true do end end)").Err(); err != nil {
		t.Fatal(err)
	}
	if err := other.FCall(ctx, "mkloop", nil).Err(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			caller := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: 10 * time.Second})
			defer caller.Close()
			fn := tc.fn
			if fn == "" {
				fn = "spin"
			}
			done := make(chan error, 1)
			go func() {
				if tc.fcall {
					done <- caller.FCall(ctx, fn, nil).Err()
				} else {
					done <- caller.Eval(ctx, tc.script, nil).Err()
				}
			}()
			waitRunning(t, srv)
			// Under the threshold other clients wait; past it, BUSY.
			clock.advance(time.Second)
			busy := errBusyEval
			if tc.fcall {
				busy = errBusyFunction
			}
			if err := other.Ping(ctx).Err(); err == nil || err.Error() != busy {
				t.Fatalf("PING while busy: %v, want %q", err, busy)
			}
			if err := other.Get(ctx, "k").Err(); err == nil || err.Error() != busy {
				t.Fatalf("GET while busy: %v, want %q", err, busy)
			}
			if tc.fcall {
				st, err := other.Do(ctx, "FUNCTION", "STATS").Result()
				if err != nil || !strings.Contains(fmtAny(st), fn) {
					t.Fatalf("FUNCTION STATS while busy: %v %v", st, err)
				}
			}
			wrong := "FUNCTION"
			if tc.kill == "FUNCTION" {
				wrong = "SCRIPT"
			}
			if err := other.Do(ctx, wrong, "KILL").Err(); err == nil || err.Error() != map[bool]string{true: errBusyEval, false: errBusyFunction}[!tc.fcall] {
				t.Fatalf("%s KILL: %v", wrong, err)
			}
			if err := other.Do(ctx, tc.kill, "KILL").Err(); err != nil {
				t.Fatalf("%s KILL: %v", tc.kill, err)
			}
			select {
			case err := <-done:
				if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
					t.Fatalf("killed script answered %v, want %q...", err, tc.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the script was not stopped")
			}
			if err := other.Ping(ctx).Err(); err != nil {
				t.Fatalf("PING after the kill: %v", err)
			}
			if err := other.Do(ctx, tc.kill, "KILL").Err(); err == nil || err.Error() != errNotBusy {
				t.Fatalf("%s KILL with nothing running: %v", tc.kill, err)
			}
		})
	}

	// A script that wrote cannot be killed; SHUTDOWN NOSAVE still works.
	caller := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: 10 * time.Second})
	defer caller.Close()
	done := make(chan error, 1)
	go func() { done <- caller.Eval(ctx, "redis.call('SET', 'w', '1') while true do end", nil).Err() }()
	waitRunning(t, srv)
	clock.advance(time.Second)
	if err := other.Do(ctx, "SCRIPT", "KILL").Err(); err == nil || err.Error() != errUnkillable {
		t.Fatalf("SCRIPT KILL after a write: %v", err)
	}
	if err := other.Do(ctx, "SHUTDOWN").Err(); err == nil || err.Error() != errBusyEval {
		t.Fatalf("SHUTDOWN (saving) while busy: %v", err)
	}
	other.Do(ctx, "SHUTDOWN", "NOSAVE")
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("SHUTDOWN NOSAVE did not stop the script")
	}
}

// A pipelining client that finds other clients waiting for a script's
// locks moves its replies to a writer goroutine (runScript says why); one
// that waits alone, or sends one request at a time, keeps writing its
// own. Either way every reply arrives, in order.
func TestScriptWriterUnderContention(t *testing.T) {
	srv, addr, clock := startServerFakeScriptClock(t)
	ctx := context.Background()
	other := redis.NewClient(&redis.Options{Addr: addr})
	defer other.Close()
	caller := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: 10 * time.Second})
	defer caller.Close()
	done := make(chan error, 1)
	go func() { done <- caller.Eval(ctx, "while true do end", nil).Err() }()
	waitRunning(t, srv)

	// Clients queue behind the running script, sending n scripts each.
	pipeline := func(name string, n int) *bufio.Reader {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(conn)
		fmt.Fprintf(conn, "CLIENT SETNAME %s\r\n", name)
		if line, err := r.ReadString('\n'); err != nil || line != "+OK\r\n" {
			t.Fatalf("CLIENT SETNAME: %q %v", line, err)
		}
		var batch strings.Builder
		for i := range n {
			fmt.Fprintf(&batch, "EVAL \"return ARGV[1]\" 0 %s%d\r\n", name, i)
		}
		if _, err := conn.Write([]byte(batch.String())); err != nil {
			t.Fatal(err)
		}
		return r
	}
	waitWaiting := func(n int32) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for srv.scripts.waiting.Load() != n {
			if time.Now().After(deadline) {
				t.Fatalf("%d clients wait for the scripts' locks, want %d", srv.scripts.waiting.Load(), n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	first := pipeline("first", 3)
	waitWaiting(1)
	second := pipeline("second", 3)
	waitWaiting(2)
	third := pipeline("third", 1)
	waitWaiting(3)

	hasWriter := func(name string) bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		for _, c := range srv.clients {
			c.mu.Lock()
			n := c.name
			c.mu.Unlock()
			if n == name {
				return c.outShared.Load() != nil
			}
		}
		t.Fatalf("no client %q", name)
		return false
	}
	if hasWriter("first") {
		t.Error("the client that waited alone moved to a writer goroutine")
	}
	if !hasWriter("second") {
		t.Error("the client that found another waiting kept writing its own replies")
	}
	if hasWriter("third") {
		t.Error("the client that does not pipeline moved to a writer goroutine")
	}

	clock.advance(time.Second)
	if err := other.Do(ctx, "SCRIPT", "KILL").Err(); err != nil {
		t.Fatalf("SCRIPT KILL: %v", err)
	}
	if err := <-done; err == nil {
		t.Fatal("the killed script succeeded")
	}
	for name, r := range map[string]*bufio.Reader{"first": first, "second": second, "third": third} {
		n := 3
		if name == "third" {
			n = 1
		}
		for i := range n {
			want := fmt.Sprintf("$%d\r\n%s%d\r\n", len(name)+1, name, i)
			var got strings.Builder
			for range 2 {
				line, err := r.ReadString('\n')
				if err != nil {
					t.Fatalf("%s's reply %d: %v", name, i, err)
				}
				got.WriteString(line)
			}
			if got.String() != want {
				t.Errorf("%s's reply %d = %q, want %q", name, i, got.String(), want)
			}
		}
	}
}

func fmtAny(v any) string {
	switch v := v.(type) {
	case []any:
		var parts []string
		for _, x := range v {
			parts = append(parts, fmtAny(x))
		}
		return "[" + strings.Join(parts, " ") + "]"
	case map[any]any:
		var parts []string
		for k, x := range v {
			parts = append(parts, fmtAny(k)+":"+fmtAny(x))
		}
		return "map[" + strings.Join(parts, " ") + "]"
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case nil:
		return "<nil>"
	}
	return "?"
}

// A script's writes make WATCH fail, fire keyspace notifications and
// wake blocked clients, as plain commands do.
func TestScriptEffectsSeenByOthers(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	eachProtocol(t, addr, func(t *testing.T, rdb *redis.Client, proto int) {
		other := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto})
		defer other.Close()
		key := "watched" + strconv.Itoa(proto)
		err := rdb.Watch(ctx, func(tx *redis.Tx) error {
			if err := other.Eval(ctx, "return redis.call('SET', KEYS[1], 'by script')", []string{key}).Err(); err != nil {
				return err
			}
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, key, "by tx", 0)
				return nil
			})
			return err
		}, key)
		if !errors.Is(err, redis.TxFailedErr) {
			t.Fatalf("EXEC after a script wrote the watched key: %v, want TxFailedErr", err)
		}

		if err := rdb.ConfigSet(ctx, "notify-keyspace-events", "KEA").Err(); err != nil {
			t.Fatal(err)
		}
		sub := other.Subscribe(ctx, "__keyevent@0__:set")
		defer sub.Close()
		if _, err := sub.Receive(ctx); err != nil {
			t.Fatal(err)
		}
		if err := rdb.Eval(ctx, "return redis.call('SET', 'notified', 'v')", nil).Err(); err != nil {
			t.Fatal(err)
		}
		select {
		case m := <-sub.Channel():
			if m.Payload != "notified" {
				t.Fatalf("notification %q", m.Payload)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no keyspace notification for a script's SET")
		}
		rdb.ConfigSet(ctx, "notify-keyspace-events", "")

		blocked := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto})
		defer blocked.Close()
		list := "queue" + strconv.Itoa(proto)
		got := make(chan []string, 1)
		go func() { got <- blocked.BLPop(ctx, 5*time.Second, list).Val() }()
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(rdb.ClientList(ctx).Val(), "cmd=blpop") {
			if time.Now().After(deadline) {
				t.Fatal("BLPOP never blocked")
			}
			time.Sleep(time.Millisecond)
		}
		if err := rdb.Eval(ctx, "return redis.call('RPUSH', KEYS[1], 'job')", []string{list}).Err(); err != nil {
			t.Fatal(err)
		}
		if v := <-got; len(v) != 2 || v[1] != "job" {
			t.Fatalf("BLPOP got %q after a script's RPUSH", v)
		}
	})
}

// go-redis's Script runs EVALSHA and falls back to EVAL on NOSCRIPT, and
// a function library loads and runs through FCALL, in both protocols.
func TestScriptClients(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	eachProtocol(t, addr, func(t *testing.T, rdb *redis.Client, proto int) {
		rdb.ScriptFlush(ctx)
		s := redis.NewScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
		for i := 1; i <= 3; i++ {
			if got, err := s.Run(ctx, rdb, []string{"sc"}, 2).Int(); err != nil || got != 2*i+6*(proto-2) {
				t.Fatalf("Script.Run = %d, %v", got, err)
			}
		}
		if ok := rdb.ScriptExists(ctx, s.Hash()).Val(); len(ok) != 1 || !ok[0] {
			t.Fatalf("SCRIPT EXISTS = %v", ok)
		}
		lib := "#!lua name=clientlib\nredis.register_function('hello', function(keys, args) return 'hello ' .. args[1] end)"
		if err := rdb.FunctionLoadReplace(ctx, lib).Err(); err != nil {
			t.Fatal(err)
		}
		if got, err := rdb.FCall(ctx, "hello", nil, "world").Text(); err != nil || got != "hello world" {
			t.Fatalf("FCALL = %q, %v", got, err)
		}
		if got, err := rdb.FCallRO(ctx, "hello", nil, "ro").Text(); err == nil {
			t.Fatalf("FCALL_RO of a function without no-writes = %q, want an error", got)
		}
	})
}

// What a script reads is tracked for its caller, and a script's write
// invalidates it, as plain commands do.
func TestScriptTracking(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	writer := redis.NewClient(&redis.Options{Addr: addr})
	defer writer.Close()
	writer.Set(ctx, "tracked", "v1", 0)

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(conn)
	send := func(args ...string) {
		var bs [][]byte
		for _, a := range args {
			bs = append(bs, []byte(a))
		}
		if _, err := conn.Write(encodeCommand(bs...)); err != nil {
			t.Fatal(err)
		}
	}
	readUntil := func(want string) {
		var got strings.Builder
		for !strings.Contains(got.String(), want) {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("reading for %q: %v (so far %q)", want, err, got.String())
			}
			got.WriteString(line)
		}
	}
	send("HELLO", "3")
	readUntil("modules")
	send("CLIENT", "TRACKING", "ON")
	readUntil("+OK")
	send("EVAL", "return redis.call('GET', KEYS[1])", "1", "tracked")
	readUntil("v1")
	if err := writer.Eval(ctx, "return redis.call('SET', KEYS[1], 'v2')", []string{"tracked"}).Err(); err != nil {
		t.Fatal(err)
	}
	readUntil(">2\r\n$10\r\ninvalidate\r\n*1\r\n$7\r\ntracked\r\n")
}

// INFO memory counts the cached scripts and the loaded functions.
func TestScriptInfo(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	field := func(name string) int64 {
		t.Helper()
		info := rdb.Info(ctx, "memory").Val()
		for _, line := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, name+":"); ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				return n
			}
		}
		t.Fatalf("INFO memory has no %s", name)
		return 0
	}
	rdb.ScriptLoad(ctx, "return 1")
	rdb.Eval(ctx, "return 2", nil)
	rdb.ScriptLoad(ctx, "return 1") // cached once
	rdb.FunctionLoad(ctx, "#!lua name=infolib\nredis.register_function('a', function() return 1 end)\nredis.register_function('b', function() return 2 end)")
	tests := []struct {
		name string
		want func(int64) bool
	}{
		{"number_of_cached_scripts", func(n int64) bool { return n == 2 }},
		{"used_memory_scripts_eval", func(n int64) bool { return n > 0 }},
		{"number_of_functions", func(n int64) bool { return n == 2 }},
		{"number_of_libraries", func(n int64) bool { return n == 1 }},
		{"used_memory_functions", func(n int64) bool { return n > 0 }},
		{"used_memory_scripts", func(n int64) bool { return n == field("used_memory_scripts_eval")+field("used_memory_functions") }},
	}
	for _, tc := range tests {
		if n := field(tc.name); !tc.want(n) {
			t.Errorf("%s = %d", tc.name, n)
		}
	}
	rdb.ScriptFlush(ctx)
	rdb.FunctionFlush(ctx)
	for _, name := range []string{"number_of_cached_scripts", "used_memory_scripts_eval", "number_of_functions", "number_of_libraries", "used_memory_scripts"} {
		if n := field(name); n != 0 {
			t.Errorf("after the flushes %s = %d", name, n)
		}
	}
}

// FUNCTION RESTORE reads Redis's own payloads, whose library code is
// LZF-compressed, and a DUMP of Ember's restores to the same libraries.
func TestFunctionDumpRestore(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	// redis-server 7.0.15's FUNCTION DUMP of a library of 20 functions,
	// f0..f19, each returning its number.
	const redisDump = "f5c3410544721f23216c7561206e616d653d64756d706c69620a72656469732e7265676973746510725f66756e6374696f6e28276630272c20e0000e0e292072657475726e203020656e6429e012360031e00c360031e017360032e00c360032e017360033e00c360033e017360034e00c360034e017360035e00c360035e017360036e00c360036e017360037e00c360037e017360038e00c360038e017360039e00c360039e017360031e20d260031e21927e20e28e218290031e20d2a0031e2182b0031e20d2c0031e2182d0031e20d2e0031e2182f0031e20d300031e218310031e20d320031e218330031e20d340031e218350031e20d360031e218370031e20d38003142390164290a005d844d50d0642109"
	payload, err := hex.DecodeString(redisDump)
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.FunctionRestore(ctx, string(payload)).Err(); err != nil {
		t.Fatalf("FUNCTION RESTORE of Redis's payload: %v", err)
	}
	for _, f := range []string{"f0", "f7", "f19"} {
		if got, err := rdb.FCall(ctx, f, nil).Int(); err != nil || "f"+strconv.Itoa(got) != f {
			t.Fatalf("FCALL %s = %d, %v", f, got, err)
		}
	}
	// APPEND refuses a library that exists; a damaged payload is refused.
	if err := rdb.FunctionRestore(ctx, string(payload)).Err(); err == nil || err.Error() != "ERR Library dumplib already exists" {
		t.Fatalf("second RESTORE: %v", err)
	}
	damaged := append([]byte(nil), payload...)
	damaged[5] ^= 1
	if err := rdb.FunctionRestore(ctx, string(damaged)).Err(); err == nil || err.Error() != errDumpPayload {
		t.Fatalf("RESTORE of a damaged payload: %v", err)
	}
	dump, err := rdb.FunctionDump(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if dump != string(payload) {
		t.Errorf("FUNCTION DUMP = %x, want Redis's %x", dump, payload)
	}
	rdb.FunctionFlush(ctx)
	if err := rdb.Do(ctx, "FUNCTION", "RESTORE", dump, "FLUSH").Err(); err != nil {
		t.Fatalf("RESTORE of Ember's own dump: %v", err)
	}
	if got, err := rdb.FCall(ctx, "f19", nil).Int(); err != nil || got != 19 {
		t.Fatalf("FCALL f19 after the round trip = %d, %v", got, err)
	}
}

// CLIENT PAUSE WRITE holds back scripts that may write, but not those
// that declare no-writes (a shebang, a function's flags), as Redis reads
// a script's own flags.
func TestScriptPauseWrite(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	admin := redis.NewClient(&redis.Options{Addr: addr})
	defer admin.Close()
	if err := admin.FunctionLoad(ctx, "#!lua name=pauselib\nredis.register_function{function_name='ro', callback=function() return 'ro' end, flags={'no-writes'}}\nredis.register_function('rw', function() return 'rw' end)").Err(); err != nil {
		t.Fatal(err)
	}
	if err := admin.Do(ctx, "CLIENT", "PAUSE", "10000", "WRITE").Err(); err != nil {
		t.Fatal(err)
	}
	defer admin.Do(ctx, "CLIENT", "UNPAUSE")
	tests := []struct {
		name   string
		args   []any
		paused bool
	}{
		{"no-writes shebang", []any{"EVAL", "#!lua flags=no-writes\nreturn 1", 0}, false},
		{"EVAL_RO", []any{"EVAL_RO", "return 1", 0}, false},
		{"no-writes function", []any{"FCALL", "ro", 0}, false},
		{"plain EVAL", []any{"EVAL", "return 1", 0}, true},
		{"shebang without no-writes", []any{"EVAL", "#!lua\nreturn 1", 0}, true},
		{"function that may write", []any{"FCALL", "rw", 0}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: 200 * time.Millisecond, MaxRetries: -1})
			defer c.Close()
			err := c.Do(ctx, tc.args...).Err()
			if paused := err != nil && strings.Contains(err.Error(), "timeout"); paused != tc.paused {
				t.Fatalf("err %v, want paused=%v", err, tc.paused)
			}
		})
	}
}

// SAVE writes the function libraries into the dump file, as Redis 7.0
// does, and a new server on the same dir loads them back.
func TestFunctionsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	srv, addr := startServer(t, persistConfig(t, dir, ""))
	rc := dialRESP(t, addr)
	if got := rc.cmd("FUNCTION", "LOAD", "#!lua name=kept\nredis.register_function('kept_f', function(keys, args) return 'still here' end)"); got != "$4\r\nkept\r\n" {
		t.Fatalf("FUNCTION LOAD = %q", got)
	}
	rc.cmd("SET", "k", "v")
	if got := rc.cmd("SAVE"); got != "+OK\r\n" {
		t.Fatalf("SAVE = %q", got)
	}
	srv.Close()

	srv2, addr2 := startServer(t, persistConfig(t, dir, ""))
	<-srv2.Loaded()
	if err := srv2.LoadError(); err != nil {
		t.Fatal(err)
	}
	rc2 := dialRESP(t, addr2)
	if got := rc2.cmd("FCALL", "kept_f", "0"); got != "$10\r\nstill here\r\n" {
		t.Errorf("FCALL after the restart = %q", got)
	}
	if got := rc2.cmd("GET", "k"); got != "$1\r\nv\r\n" {
		t.Errorf("GET after the restart = %q", got)
	}
}

// A script's effects go to the AOF as redis-server writes them: its
// write commands, in MULTI/EXEC when there are several, not the EVAL or
// FCALL; a script that changes nothing logs nothing.
func TestAOFScriptEffectsMatchRedis(t *testing.T) {
	// Lines are split on spaces, so the Lua code has none.
	const script = `SET base 1
EVAL redis.call('SET','s1','v')redis.call('INCR','n')redis.call('EXPIRE','s1','100')return(1) 0
EVAL return(redis.call('GET','s1')) 0
EVAL redis.call('SET',KEYS[1],ARGV[1])return(1) 1 k1 v1
EVAL redis.call('SELECT','3')redis.call('SET','in3','x')return(1) 0
EVAL redis.call('INCR','n')redis.call('SET','t','1','EX','50')return(1) 0
EVAL return(redis.pcall('INCR','s1')) 0
EVAL redis.call('DEL','nosuch')return(1) 0
FUNCTION LOAD #!lua
SET after 1`
	// FUNCTION LOAD needs a newline in its code: run it separately below.
	lines := strings.Split(script, "\n")
	run := func(addr string) {
		runScript(t, addr, lines[:8])
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		defer rdb.Close()
		ctx := context.Background()
		if err := rdb.FunctionLoad(ctx, "#!lua name=aoflib\nredis.register_function('bump', function(keys) redis.call('INCR', keys[1]) return redis.call('INCR', keys[1]) end)").Err(); err != nil {
			t.Fatal(err)
		}
		if err := rdb.FCall(ctx, "bump", []string{"fc"}).Err(); err != nil {
			t.Fatal(err)
		}
		runScript(t, addr, lines[9:])
	}
	redisDir := t.TempDir()
	run(testenv.StartRedis(t, "--appendonly", "yes", "--appendfsync", "always", "--dir", redisDir))
	emberDir := t.TempDir()
	_, eaddr := startAOFServer(t, aofTestConfig(t, emberDir))
	run(eaddr)
	want := normalise(readIncr(t, redisDir))
	got := normalise(readIncr(t, emberDir))
	if !strings.Contains(strings.Join(want, "|"), "|MULTI|") {
		t.Fatalf("redis logged no MULTI: %q", want)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("AOF after scripts:\nember:\n%s\nredis:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestScriptsThatOnlyReadGlobals pins which scripts run with the real
// globals as their environment: any assignment of a global by name, in
// the chunk or in a function it defines, keeps a script on the read-only
// proxy, where the assignment is refused.
func TestScriptsThatOnlyReadGlobals(t *testing.T) {
	cases := []struct {
		code  string
		reads bool
	}{
		{"return redis.call('GET', KEYS[1])", true},
		{"local x = 1 x = 2 return x", true},
		{"local f = function() return ARGV[1] end return f()", true},
		{"local t = {} t.x = 1 return t.x", true},
		{"_G.x = 1", true}, // a field of the proxy, refused when it runs
		{"x = 1", false},
		{"function f() end", false},
		{"local f = function() y = 1 end return 1", false},
		{"local f = function() return function() z = 1 end end return 1", false},
	}
	for _, c := range cases {
		proto, msg := compileLua([]byte(c.code), "user_script")
		if msg != "" {
			t.Fatalf("%q: %s", c.code, msg)
		}
		if got := !setsGlobal(proto); got != c.reads {
			t.Errorf("%q: reads globals only = %v, want %v", c.code, got, c.reads)
		}
	}
}
