package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emberkv/ember/internal/testenv"
	"github.com/emberkv/ember/persistence/aof"
	"github.com/emberkv/ember/store"
)

// aofConfig returns a config with the AOF on (appendfsync always) in dir.
func aofTestConfig(t testing.TB, dir string, extra ...string) Config {
	t.Helper()
	cfg := DefaultConfig()
	set := func(k, v string) {
		if err := cfg.Set(k, v); err != nil {
			t.Fatalf("config %s %s: %v", k, v, err)
		}
	}
	set("dir", dir)
	set("appendonly", "yes")
	set("appendfsync", "always")
	for i := 0; i+1 < len(extra); i += 2 {
		set(extra[i], extra[i+1])
	}
	return cfg
}

// startAOFServer starts a server on cfg and waits for it to load.
func startAOFServer(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	srv, addr := startServer(t, cfg)
	<-srv.Loaded()
	if err := srv.LoadError(); err != nil {
		t.Fatalf("loading: %v", err)
	}
	return srv, addr
}

// readIncr returns the commands of the last incr file of the
// appendonlydir in dir, one string per command, arguments joined by
// spaces.
func readIncr(t testing.TB, dir string) []string {
	t.Helper()
	adir := filepath.Join(dir, "appendonlydir")
	m, err := aof.ReadManifest(filepath.Join(adir, "appendonly.aof.manifest"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(adir, m.Incr[len(m.Incr)-1].Name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := aof.NewReader(f)
	var out []string
	for {
		args, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("reading incr file: %v", err)
		}
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = string(a)
		}
		out = append(out, strings.Join(parts, " "))
	}
}

// absTime matches an absolute Unix time in ms or s (13 or 10 digits), to
// compare files written a moment apart.
var absTime = regexp.MustCompile(`\b1[0-9]{9}([0-9]{3})?\b`)

// sremMember matches the member of an SREM, which SPOP chose at random.
var sremMember = regexp.MustCompile(`^SREM (\S+) \S+$`)

func normalise(cmds []string) []string {
	out := make([]string, len(cmds))
	for i, c := range cmds {
		c = absTime.ReplaceAllString(c, "<time>")
		out[i] = sremMember.ReplaceAllString(c, "SREM $1 <member>")
	}
	return out
}

// aofEffectScript is run on Ember and on redis-server; their incr files
// must list the same commands. Each line is one command, words split on
// spaces.
var aofEffectScript = []string{
	"SET a 1",
	"SET a 1 NX",     // no change: not logged
	"SET b 2 EX 100", // SET b 2 PXAT <abs>
	"SET b 3 PX 100000 XX GET",
	"SET c 1 KEEPTTL",
	"SET c 2 GET",   // GET dropped
	"SETEX d 100 v", // SET d v PXAT
	"PSETEX d 100000 v",
	"GETEX d EX 100",  // PEXPIREAT
	"GETEX d PERSIST", // PERSIST
	"GETEX d PERSIST", // nothing to persist: not logged
	"GETDEL d",        // DEL
	"GETDEL d",        // missing: not logged
	"GETSET a 5",      // SET
	"INCR a",
	"INCRBYFLOAT a 1.5",   // SET a 6.5 KEEPTTL
	"EXPIRE a 100",        // PEXPIREAT
	"EXPIRE a 100 NX",     // refused by NX: not logged
	"PEXPIRE a 100000 XX", // PEXPIREAT ... XX
	"EXPIREAT a 4000000000",
	"PEXPIREAT a 4000000000000",
	"PERSIST a",
	"EXPIRE a -1", // DEL
	"DEL nothing", // not logged
	"HSET h f 1",
	"HINCRBYFLOAT h f 0.5", // HSET h f 1.5
	"HINCRBY h g 2",
	"SELECT 3",
	"RPUSH l a b c d e",
	"LPOP l",
	"LMPOP 1 l LEFT COUNT 2",     // LPOP l 2
	"BLPOP l 0",                  // LPOP l
	"BLMPOP 0 1 l RIGHT COUNT 5", // RPOP l 1
	"BLPOP l 0.01",               // times out: not logged
	"RPUSH l x y",
	"BLMOVE l l2 RIGHT left 0", // LMOVE l l2 RIGHT left
	"BRPOPLPUSH l l2 0",        // RPOPLPUSH l l2
	"SADD s m",
	"SPOP s", // SREM s m
	"SADD s a b c",
	"SPOP s 5", // DEL s
	"SELECT 0",
	"ZADD z 1 a 2 b 3 c",
	"BZPOPMIN z 0",          // ZPOPMIN z
	"ZMPOP 1 z MAX COUNT 5", // ZPOPMAX z 2
	"ZADD z 1 a",
	"BZMPOP 0 1 z MIN", // ZPOPMIN z 1
	"MULTI",
	"SET t1 1",
	"SET t1 1 NX",
	"INCR t1",
	"EXEC", // MULTI SET INCR EXEC
	"MULTI",
	"SET t2 1",
	"GET t2",
	"EXEC", // one write: no MULTI/EXEC
	"MULTI",
	"GET t2",
	"EXEC", // nothing
	"MSET m1 1 m2 2",
	"APPEND m1 x",
	"SETRANGE m1 0 y",
	"SETBIT bits 7 1",
	"PFADD hll a b c",
	"RENAME m1 m3",
	"COPY m3 m4",
	"MOVE m4 2",
	"SWAPDB 0 1",
	"SWAPDB 0 1",
	"SADD sp a b c d",
	"SPOP sp 2", // MULTI SREM SREM EXEC (members random)
	"SET gx v",
	"GETEX gx PXAT 1", // DEL
	"SET gy v",
	"GETEX gy",          // nothing
	"SET past v PXAT 1", // SET past v PXAT 1
	// DEL past: now, not whenever either server's active expiry gets to
	// it (under load, that moved the DEL about in Redis's file or ours).
	"GET past",
	"SET ea v",
	"EXPIREAT ea 1", // DEL
	"RPUSH sl 3 1 2",
	"SORT sl STORE sd",
	"SETNX sn 1",
	"SETNX sn 2", // nothing
	"MSETNX mx 1 my 2",
	"ZADD zz INCR 1 m",
	"LPUSHX nolist a", // nothing
	"LINSERT sl BEFORE 1 0",
	"FLUSHDB",
	"FLUSHALL",
}

func runScript(t *testing.T, addr string, script []string) {
	t.Helper()
	c := dialRESP(t, addr)
	for _, line := range script {
		c.cmd(strings.Fields(line)...)
	}
}

func TestAOFEffectsMatchRedis(t *testing.T) {
	redisDir := t.TempDir()
	raddr := testenv.StartRedis(t, "--appendonly", "yes", "--appendfsync", "always", "--dir", redisDir)
	runScript(t, raddr, aofEffectScript)

	emberDir := t.TempDir()
	_, eaddr := startAOFServer(t, aofTestConfig(t, emberDir))
	runScript(t, eaddr, aofEffectScript)

	want := normalise(readIncr(t, redisDir))
	got := normalise(readIncr(t, emberDir))
	for i := 0; i < max(len(want), len(got)); i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			t.Errorf("command %d: ember %q, redis %q", i, g, w)
		}
	}
	if t.Failed() {
		t.Logf("redis:\n%s\nember:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
}

// TestAOFRestart: what a server logged, a new one loads.
func TestAOFRestart(t *testing.T) {
	dir := t.TempDir()
	srv, addr := startAOFServer(t, aofTestConfig(t, dir))
	c := dialRESP(t, addr)
	for _, line := range []string{"SET a 1", "RPUSH l x y z", "HSET h f v", "SADD s 1 2 3", "ZADD z 1.5 m", "SET ttl v EX 1000", "SELECT 2", "SET b 2", "INCRBYFLOAT f 1.25"} {
		c.cmd(strings.Fields(line)...)
	}
	srv.Close()

	_, addr2 := startAOFServer(t, aofTestConfig(t, dir))
	c2 := dialRESP(t, addr2)
	checks := []struct{ cmd, want string }{
		{"GET a", "$1\r\n1\r\n"},
		{"LRANGE l 0 -1", "*3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n"},
		{"HGET h f", "$1\r\nv\r\n"},
		{"SCARD s", ":3\r\n"},
		{"ZSCORE z m", "$3\r\n1.5\r\n"},
		{"SELECT 2", "+OK\r\n"},
		{"GET b", "$1\r\n2\r\n"},
		{"GET f", "$4\r\n1.25\r\n"},
	}
	for _, ck := range checks {
		if got := c2.cmd(strings.Fields(ck.cmd)...); got != ck.want {
			t.Errorf("%s = %q, want %q", ck.cmd, got, ck.want)
		}
	}
	if got := c2.cmd("SELECT", "0"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got := c2.cmd("TTL", "ttl"); got != ":1000\r\n" && got != ":999\r\n" {
		t.Errorf("TTL after reload = %q", got)
	}
}

// TestAOFLoadErrors: a torn tail loads with aof-load-truncated yes and is
// refused with no; garbage is refused either way, naming file and offset.
func TestAOFLoadErrors(t *testing.T) {
	tests := []struct {
		name      string
		truncated string
		tail      []byte
		wantErr   string
	}{
		{"torn tail trimmed", "yes", []byte("*3\r\n$3\r\nSET\r\n$1\r\nz"), ""},
		{"torn tail refused", "no", []byte("*3\r\n$3\r\nSET\r\n$1\r\nz"), "appendonly.aof.1.incr.aof at offset"},
		{"garbage refused", "yes", []byte("garbage\r\n*1\r\n$4\r\nPING\r\n"), "bad file format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			srv, addr := startAOFServer(t, aofTestConfig(t, dir))
			dialRESP(t, addr).cmd("SET", "a", "1")
			srv.Close()
			incr := filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof")
			f, err := os.OpenFile(incr, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.Write(tt.tail)
			f.Close()
			s2, err := New(aofTestConfig(t, dir, "aof-load-truncated", tt.truncated))
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			<-s2.Loaded()
			err = s2.LoadError()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if v, _, _ := s2.Store().DB(0).Get("a"); string(v) != "1" {
					t.Fatalf("a = %q after a trimmed load", v)
				}
				return
			}
			if err == nil {
				t.Fatal("loaded a damaged AOF")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %q does not contain %q", err, tt.wantErr)
			}
			var fe *aof.FileError
			if !errors.As(err, &fe) || fe.File != "appendonly.aof.1.incr.aof" {
				t.Fatalf("error %v does not name the file", err)
			}
		})
	}
}

// TestAOFExpiredKeyLoggedAsDel: a key reclaimed by the sweeper is logged
// as DEL, after the SET that created it.
func TestAOFExpiredKeyLoggedAsDel(t *testing.T) {
	dir := t.TempDir()
	_, addr := startAOFServer(t, aofTestConfig(t, dir))
	c := dialRESP(t, addr)
	c.cmd("SET", "k", "v", "PX", "20")
	deadline := time.Now().Add(5 * time.Second)
	for {
		cmds := readIncr(t, dir)
		if len(cmds) > 0 && cmds[len(cmds)-1] == "DEL k" {
			if !strings.HasPrefix(cmds[len(cmds)-2], "SET k v PXAT ") {
				t.Fatalf("%q", cmds)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no DEL logged: %q", cmds)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestAOFConfigSetAppendOnly: CONFIG SET appendonly yes writes a base of
// what is there, then logs; no stops logging.
func TestAOFConfigSetAppendOnly(t *testing.T) {
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.Set("dir", dir)
	_, addr := startServer(t, cfg)
	c := dialRESP(t, addr)
	c.cmd("SET", "before", "1")
	if got := c.cmd("CONFIG", "SET", "appendonly", "yes"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	c.cmd("SET", "after", "2")
	c.cmd("CONFIG", "SET", "appendonly", "no")
	c.cmd("SET", "later", "3")
	if got := readIncr(t, dir); len(got) != 1 || got[0] != "SELECT 0" && got[0] != "SET after 2" {
		t.Logf("incr: %q", got)
	}
	s2, err := New(aofTestConfig(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	<-s2.Loaded()
	db := s2.Store().DB(0)
	for k, want := range map[string]string{"before": "1", "after": "2", "later": ""} {
		if v, _, _ := db.Get(k); string(v) != want {
			t.Errorf("%s = %q, want %q", k, v, want)
		}
	}
}

func TestAOFEffectsShow(t *testing.T) {
	if os.Getenv("SHOW") == "" {
		t.Skip()
	}
	redisDir := t.TempDir()
	raddr := testenv.StartRedis(t, "--appendonly", "yes", "--appendfsync", "always", "--dir", redisDir)
	runScript(t, raddr, aofEffectScript)
	t.Logf("%s", strings.Join(readIncr(t, redisDir), "\n"))
}

// TestAOFRewrite: BGREWRITEAOF writes a new base (RDB and command forms),
// moves logging to a new incr file, drops the old files, and a restart
// loads base then incr.
func TestAOFRewrite(t *testing.T) {
	for _, preamble := range []string{"yes", "no"} {
		t.Run("preamble "+preamble, func(t *testing.T) {
			dir := t.TempDir()
			srv, addr := startAOFServer(t, aofTestConfig(t, dir, "aof-use-rdb-preamble", preamble))
			c := dialRESP(t, addr)
			for _, line := range []string{"SET a 1", "RPUSH l x y z", "HSET h f v", "SADD s 1 2 3", "ZADD z 1.5 m -inf n", "SET ttl v EX 1000", "SELECT 2", "SET b 2"} {
				c.cmd(strings.Fields(line)...)
			}
			if got := c.cmd("BGREWRITEAOF"); got != "+Background append only file rewriting started\r\n" {
				t.Fatal(got)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				info := c.cmd("INFO", "persistence")
				if strings.Contains(info, "aof_rewrites:1\r\n") && strings.Contains(info, "aof_rewrite_in_progress:0") {
					if !strings.Contains(info, "aof_last_bgrewrite_status:ok") {
						t.Fatal(info)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("rewrite did not finish: %s", info)
				}
				time.Sleep(10 * time.Millisecond)
			}
			c.cmd("SET", "after", "3")
			m, err := aof.ReadManifest(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"))
			if err != nil {
				t.Fatal(err)
			}
			ext := ".aof"
			if preamble == "yes" {
				ext = ".rdb"
			}
			if got := string(m.Encode()); got != "file appendonly.aof.2.base"+ext+" seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n" {
				t.Fatalf("manifest %q", got)
			}
			entries, _ := os.ReadDir(filepath.Join(dir, "appendonlydir"))
			if len(entries) != 3 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Fatalf("files %q, want base, incr, manifest", names)
			}
			srv.Close()

			_, addr2 := startAOFServer(t, aofTestConfig(t, dir, "aof-use-rdb-preamble", preamble))
			c2 := dialRESP(t, addr2)
			for _, ck := range []struct{ cmd, want string }{
				{"GET a", "$1\r\n1\r\n"},
				{"LRANGE l 0 -1", "*3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n"},
				{"ZSCORE z n", "$4\r\n-inf\r\n"},
				{"SCARD s", ":3\r\n"},
				{"SELECT 2", "+OK\r\n"},
				{"GET b", "$1\r\n2\r\n"},
				{"GET after", "$1\r\n3\r\n"},
			} {
				if got := c2.cmd(strings.Fields(ck.cmd)...); got != ck.want {
					t.Errorf("%s = %q, want %q", ck.cmd, got, ck.want)
				}
			}
		})
	}
}

// crossScript fills a server with every type, TTLs and two databases.
var crossScript = []string{
	"SET s1 hello", "SET n1 12345", "SET big " + strings.Repeat("x", 100),
	"RPUSH l a b c 1 2 3", "SADD si 1 2 3", "SADD ss a b c", "ZADD z 1 a 2.5 b -3 c",
	"HSET h f1 v1 f2 v2", "SET t v PX 100000000", "PFADD hll a b c", "SETBIT bits 100 1",
	"SELECT 2", "SET db2 yes", "RPUSH l2 x",
}

// crossChecks read back what crossScript wrote.
var crossChecks = []string{
	"GET s1", "GET n1", "GET big", "LRANGE l 0 -1", "SMEMBERS si", "ZRANGE z 0 -1 WITHSCORES",
	"HGETALL h", "PFCOUNT hll", "GETBIT bits 100", "TYPE ss", "SCARD ss", "DBSIZE", "PEXPIRETIME t",
	"SELECT 2", "GET db2", "LRANGE l2 0 -1", "DBSIZE",
}

func replies(t *testing.T, addr string, cmds []string) []string {
	t.Helper()
	c := dialRESP(t, addr)
	out := make([]string, len(cmds))
	for i, line := range cmds {
		out[i] = c.cmd(strings.Fields(line)...)
	}
	return out
}

func sameReplies(t *testing.T, what string, got, want []string) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: %s = %q, want %q", what, crossChecks[i], got[i], want[i])
		}
	}
}

// TestAOFLoadsRedisDir: an appendonlydir made by redis-server 7.0 (an
// RDB base from a rewrite, then an incr file) loads in Ember.
func TestAOFLoadsRedisDir(t *testing.T) {
	dir := t.TempDir()
	raddr := testenv.StartRedis(t, "--appendonly", "yes", "--appendfsync", "always", "--dir", dir)
	runScript(t, raddr, crossScript[:6])
	c := dialRESP(t, raddr)
	c.cmd("BGREWRITEAOF")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(c.cmd("INFO", "persistence"), "aof_rewrites:1\r\n") || strings.Contains(c.cmd("INFO", "persistence"), "aof_rewrite_in_progress:1") {
		if time.Now().After(deadline) {
			t.Fatal("redis did not rewrite")
		}
		time.Sleep(10 * time.Millisecond)
	}
	runScript(t, raddr, crossScript[6:])
	want := replies(t, raddr, crossChecks)

	_, eaddr := startAOFServer(t, aofTestConfig(t, dir))
	sameReplies(t, "ember on redis's dir", replies(t, eaddr, crossChecks), want)
}

// TestRedisLoadsAOFDir: redis-server 7.0 loads Ember's appendonlydir,
// and redis-check-aof accepts it, with either kind of base.
func TestRedisLoadsAOFDir(t *testing.T) {
	check := testenv.RequireTool(t, "redis-check-aof")
	for _, preamble := range []string{"yes", "no"} {
		t.Run("preamble "+preamble, func(t *testing.T) {
			dir := t.TempDir()
			srv, eaddr := startAOFServer(t, aofTestConfig(t, dir, "aof-use-rdb-preamble", preamble))
			runScript(t, eaddr, crossScript[:6])
			c := dialRESP(t, eaddr)
			c.cmd("BGREWRITEAOF")
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(c.cmd("INFO", "persistence"), "aof_rewrites:1\r\n") {
				if time.Now().After(deadline) {
					t.Fatal("no rewrite")
				}
				time.Sleep(10 * time.Millisecond)
			}
			runScript(t, eaddr, crossScript[6:])
			want := replies(t, eaddr, crossChecks)
			srv.Close()

			out, err := exec.Command(check, filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest")).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "is valid") {
				t.Errorf("redis-check-aof: %v\n%s", err, out)
			}
			raddr := testenv.StartRedis(t, "--appendonly", "yes", "--dir", dir)
			sameReplies(t, "redis on ember's dir", replies(t, raddr, crossChecks), want)
		})
	}
}

// flakyDisk is an aof.File that fails with ENOSPC while full is set.
type flakyDisk struct {
	mu   sync.Mutex
	data []byte
	full atomic.Bool
}

func (d *flakyDisk) Write(p []byte) (int, error) {
	if d.full.Load() {
		return 0, &os.PathError{Op: "write", Path: "incr", Err: syscall.ENOSPC}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.data = append(d.data, p...)
	return len(p), nil
}
func (d *flakyDisk) Sync() error            { return nil }
func (d *flakyDisk) Truncate(n int64) error { return nil }
func (d *flakyDisk) Close() error           { return nil }

// TestAOFWriteErrorMisconf: with appendfsync always, a write the disk
// refused is never acknowledged; until the disk recovers, writes get
// Redis's MISCONF error and reads go on.
func TestAOFWriteErrorMisconf(t *testing.T) {
	dir := t.TempDir()
	srv, addr := startAOFServer(t, aofTestConfig(t, dir))
	disk := &flakyDisk{}
	old := srv.aof.file.Swap(&aofFile{w: aof.NewWriter(disk, aof.WriterOptions{Fsync: aof.FsyncAlways, RetryEvery: 5 * time.Millisecond}), selected: -1})
	old.w.Close()

	c := dialRESP(t, addr)
	if got := c.cmd("SET", "a", "1"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	disk.full.Store(true)
	if got, err := c.do("SET", "b", "2"); err == nil {
		t.Fatalf("a write the disk refused was answered %q", got)
	}
	c2 := dialRESP(t, addr)
	const misconf = "-MISCONF Errors writing to the AOF file: No space left on device\r\n"
	for _, cmd := range [][]string{{"SET", "c", "3"}, {"PING"}} {
		if got := c2.cmd(cmd...); got != misconf {
			t.Errorf("%s during the disk error = %q, want %q", cmd[0], got, misconf)
		}
	}
	if got := c2.cmd("GET", "a"); got != "$1\r\n1\r\n" {
		t.Errorf("GET during the disk error = %q", got)
	}
	c2.cmd("MULTI")
	if got := c2.cmd("SET", "c", "3"); got != misconf {
		t.Errorf("SET queued during the disk error = %q", got)
	}
	c2.cmd("DISCARD")
	if got := c2.cmd("INFO", "persistence"); !strings.Contains(got, "aof_last_write_status:err") {
		t.Errorf("INFO during the disk error: %s", got)
	}
	disk.full.Store(false)
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := c2.cmd("SET", "c", "3")
		if got == "+OK\r\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("writes still refused after the disk recovered: %q", got)
		}
		time.Sleep(5 * time.Millisecond)
	}
	disk.mu.Lock()
	logged := string(disk.data)
	disk.mu.Unlock()
	// The refused write was kept and logged once the disk recovered: the
	// data set has it, so the file must too.
	if !strings.Contains(logged, "$1\r\nb\r\n$1\r\n2\r\n") || !strings.Contains(logged, "$1\r\nc\r\n") {
		t.Errorf("file after recovery: %q", logged)
	}
}

// replayMatchesLive runs clients in parallel against a server with the
// AOF on, each calling step for n < ops on its own connection, then
// restarts on the file: read must show what it showed live. It reports
// each difference and whether there was none.
func replayMatchesLive(t *testing.T, clients, ops int, step func(c *respConn, i, n int), read func(c *respConn) []string) bool {
	t.Helper()
	dir := t.TempDir()
	srv, addr := startAOFServer(t, aofTestConfig(t, dir, "appendfsync", "no"))
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dialRESP(t, addr)
			for n := range ops {
				step(c, i, n)
			}
		}()
	}
	wg.Wait()
	live := read(dialRESP(t, addr))
	srv.Close()
	_, addr2 := startAOFServer(t, aofTestConfig(t, dir))
	again := read(dialRESP(t, addr2))
	same := true
	for i := range live {
		if live[i] != again[i] {
			t.Errorf("after replay %q, live %q", again[i], live[i])
			same = false
		}
	}
	return same
}

// TestAOFReplayMatchesLive runs clients in parallel on a small keyspace
// (counters, lists with blocking pops, appends to keys that expire within
// milliseconds, transactions, SPOP), then restarts on the AOF: every key
// must read back as it did live. It checks that the log's order is the
// order the changes happened in.
func TestAOFReplayMatchesLive(t *testing.T) {
	step := func(c *respConn, i, n int) {
		k := strconv.Itoa((n*7 + i) % 5)
		switch (n + i) % 9 {
		case 0:
			c.cmd("INCR", "n"+k)
		case 1:
			c.cmd("RPUSH", "l"+k, strconv.Itoa(n))
		case 2:
			c.cmd("BLPOP", "l"+k, "0.01")
		case 3:
			c.cmd("SET", "e"+k, "v", "PX", strconv.Itoa(1+n%3))
		case 4:
			c.cmd("APPEND", "e"+k, "x")
		case 5:
			c.cmd("MULTI")
			c.cmd("INCR", "n"+k)
			c.cmd("LMOVE", "l"+k, "l"+strconv.Itoa((n+1)%5), "LEFT", "RIGHT")
			c.cmd("EXEC")
		case 6:
			c.cmd("SADD", "s"+k, strconv.Itoa(n), strconv.Itoa(n+1))
		case 7:
			c.cmd("SPOP", "s"+k)
		case 8:
			c.cmd("EXPIRE", "n"+k, "100000")
		}
	}
	var keys []string
	for _, p := range []string{"n", "l", "e", "s"} {
		for k := range 5 {
			keys = append(keys, p+strconv.Itoa(k))
		}
	}
	read := func(c *respConn) []string {
		time.Sleep(20 * time.Millisecond) // the short TTLs have all passed
		var out []string
		for _, k := range keys {
			out = append(out, k+" "+c.cmd("TYPE", k)+c.cmd("GET", k)+c.cmd("LRANGE", k, "0", "-1")+c.cmd("SMEMBERS", k))
		}
		return out
	}
	replayMatchesLive(t, 6, 300, step, read)
}

// TestAOFPopsAfterTimeoutsKeepOrder: BLPOPs that time out while others
// push and pop the same lists. A BLPOP that parked and woke on its
// timeout used to serve the other waiters without the order lock, so a
// pop could be logged before the push that filled the key, and the
// replay kept an element the live server had popped (with the fix
// undone, 6 of 10 runs of this test failed).
func TestAOFPopsAfterTimeoutsKeepOrder(t *testing.T) {
	step := func(c *respConn, i, n int) {
		k := "l" + strconv.Itoa(n%2)
		if (n+i)%2 == 0 {
			c.cmd("RPUSH", k, strconv.Itoa(n*10+i))
		} else {
			c.cmd("BLPOP", k, "0.01")
		}
	}
	read := func(c *respConn) []string {
		return []string{c.cmd("LRANGE", "l0", "0", "-1"), c.cmd("LRANGE", "l1", "0", "-1")}
	}
	for round := range 20 {
		if !replayMatchesLive(t, 6, 200, step, read) {
			t.Fatalf("round %d", round)
		}
	}
}

// TestAOFRestoreAbsTTL: RESTORE with a relative TTL is logged with the
// absolute time and ABSTTL, as Redis.
func TestAOFRestoreAbsTTL(t *testing.T) {
	dir := t.TempDir()
	_, addr := startAOFServer(t, aofTestConfig(t, dir))
	c := dialRESP(t, addr)
	c.cmd("SET", "k", "v")
	dump, err := c.do("DUMP", "k")
	if err != nil {
		t.Fatal(err)
	}
	payload := string(dump[bytes.IndexByte(dump, '\n')+1 : len(dump)-2])
	if got := c.cmd("RESTORE", "k2", "100000", payload); got != "+OK\r\n" {
		t.Fatal(got)
	}
	c.cmd("RESTORE", "k3", "0", payload)
	cmds := normalise(readIncr(t, dir))
	want := []string{"RESTORE k2 <time> " + payload + " ABSTTL", "RESTORE k3 0 " + payload}
	if got := cmds[len(cmds)-2:]; got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("logged %q, want %q", got, want)
	}
}

// TestAOFReplayKeepsTimeOrder: a key that expired after it was changed
// (SET ... PXAT, then APPEND before that time) replays to nothing, as in
// Redis, where nothing expires while loading: the APPEND does not create
// a new key without a TTL.
func TestAOFReplayKeepsTimeOrder(t *testing.T) {
	dir := t.TempDir()
	srv, addr := startAOFServer(t, aofTestConfig(t, dir))
	c := dialRESP(t, addr)
	c.cmd("SET", "k", "v", "PX", "150")
	c.cmd("APPEND", "k", "x")
	c.cmd("SET", "p", "v", "PX", "150")
	c.cmd("PERSIST", "p")
	srv.Close()
	time.Sleep(200 * time.Millisecond) // k's time passes while the server is down

	_, addr2 := startAOFServer(t, aofTestConfig(t, dir))
	c2 := dialRESP(t, addr2)
	if got := c2.cmd("EXISTS", "k"); got != ":0\r\n" {
		t.Errorf("EXISTS k after replay = %q, want :0", got)
	}
	if got := c2.cmd("GET", "p"); got != "$1\r\nv\r\n" {
		t.Errorf("GET p after replay = %q (PERSIST was logged after the SET)", got)
	}
}

// TestAOFScriptHook: commands run on another client on behalf of a caller
// (as the scripting engine runs a script's) are logged in the caller's
// unit, inside MULTI/EXEC when there are several.
func TestAOFScriptHook(t *testing.T) {
	dir := t.TempDir()
	srv, _ := startAOFServer(t, aofTestConfig(t, dir))
	caller := &client{srv: srv, id: -10}
	caller.selectDB(0)
	inner := &client{srv: srv, id: -11}
	inner.selectDB(0)
	cmdOf := func(name string) *command { return srv.table.lookupName([]byte(name)) }
	// The caller's own top-level command (EVAL, say) holds the unit.
	caller.aofPrepare(cmdOf("set"))
	inner.aofRunFor(caller)
	for _, args := range [][]string{{"SET", "a", "1"}, {"SET", "a", "1", "NX"}, {"INCR", "a"}} {
		inner.call(cmdOf(strings.ToLower(args[0])), stringArgs(args), monoNow())
	}
	inner.aofRunDone()
	caller.aofFlushUnit()
	caller.aof.active = false
	caller.aofRelease()
	if !caller.aofWait() {
		t.Fatal("wait failed")
	}
	got := readIncr(t, dir)
	want := []string{"SELECT 0", "MULTI", "SET a 1", "INCR a", "EXEC"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("logged %q, want %q", got, want)
	}
}

// TestAOFServedPopsMatchRedis: a blocked client served by another's push
// is logged after the push, as the pop it got, as redis-server logs it.
// (Before, a script's pushes were logged after the pop they served.)
func TestAOFServedPopsMatchRedis(t *testing.T) {
	type step struct {
		block []string // sent on the waiting connection first
		wake  []string // then sent on another, once the first is blocked
	}
	steps := []step{
		{[]string{"BLPOP", "l", "0"}, []string{"RPUSH", "l", "a", "b"}},
		{[]string{"BRPOP", "l3", "l2", "0"}, []string{"LPUSH", "l2", "x"}},
		{[]string{"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"}, []string{"RPUSH", "src", "m"}},
		{[]string{"BRPOPLPUSH", "src2", "dst", "0"}, []string{"RPUSH", "src2", "n"}},
		{[]string{"BLMPOP", "0", "1", "lm", "LEFT", "COUNT", "5"}, []string{"RPUSH", "lm", "1", "2"}},
		{[]string{"BZPOPMIN", "z", "0"}, []string{"ZADD", "z", "1", "a", "2", "b"}},
		{[]string{"BZMPOP", "0", "1", "zm", "MAX", "COUNT", "3"}, []string{"ZADD", "zm", "1", "a", "2", "b"}},
		// A script's effects (one MULTI/EXEC) come before the pop.
		{[]string{"BLPOP", "ls", "0"}, []string{"EVAL", "redis.call('rpush', KEYS[1], 'a') redis.call('rpush', KEYS[1], 'b')", "1", "ls"}},
	}
	run := func(addr string) {
		waiter, pusher := dialRESP(t, addr), dialRESP(t, addr)
		for _, st := range steps {
			waiter.sendCmd(st.block...)
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(pusher.cmd("INFO", "clients"), "blocked_clients:1\r\n") {
				if time.Now().After(deadline) {
					t.Fatalf("%v never blocked", st.block)
				}
				time.Sleep(time.Millisecond)
			}
			pusher.cmd(st.wake...)
			if _, err := waiter.readReply(); err != nil {
				t.Fatal(err)
			}
		}
	}
	redisDir := t.TempDir()
	run(testenv.StartRedis(t, "--appendonly", "yes", "--appendfsync", "always", "--dir", redisDir))
	emberDir := t.TempDir()
	_, eaddr := startAOFServer(t, aofTestConfig(t, emberDir))
	run(eaddr)
	want, got := readIncr(t, redisDir), readIncr(t, emberDir)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("ember:\n%s\nredis:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// waitInfo polls INFO persistence until it holds every one of want.
func waitInfo(t *testing.T, c *respConn, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		info := c.cmd("INFO", "persistence")
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(info, w)
		}
		if ok {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("INFO persistence never showed %q:\n%s", want, info)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAOFRewriteFailureKeepsFiles: a rewrite that cannot write its base
// fails with aof_last_bgrewrite_status:err and leaves a manifest that
// still loads everything (old base, old incr, the new incr); the next
// rewrite succeeds.
func TestAOFRewriteFailureKeepsFiles(t *testing.T) {
	dir := t.TempDir()
	srv, addr := startAOFServer(t, aofTestConfig(t, dir))
	c := dialRESP(t, addr)
	c.cmd("SET", "a", "1")
	// A directory where the rewrite's temp file goes makes it fail.
	blocker := filepath.Join(dir, "appendonlydir", fmt.Sprintf("temp-rewriteaof-bg-%d.aof", os.Getpid()))
	if err := os.Mkdir(blocker, 0o755); err != nil {
		t.Fatal(err)
	}
	c.cmd("BGREWRITEAOF")
	waitInfo(t, c, "aof_last_bgrewrite_status:err", "aof_rewrite_in_progress:0", "aof_rewrites_consecutive_failures:1")
	c.cmd("SET", "b", "2")
	m, err := aof.ReadManifest(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"))
	if err != nil || len(m.Incr) != 2 {
		t.Fatalf("manifest after a failed rewrite: %v %+v", err, m)
	}
	os.Remove(blocker)
	c.cmd("BGREWRITEAOF")
	waitInfo(t, c, "aof_last_bgrewrite_status:ok", "aof_rewrites:1\r\n", "aof_rewrites_consecutive_failures:0")
	c.cmd("SET", "c", "3")
	srv.Close()
	_, addr2 := startAOFServer(t, aofTestConfig(t, dir))
	c2 := dialRESP(t, addr2)
	if got := c2.cmd("MGET", "a", "b", "c"); got != "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n" {
		t.Fatalf("MGET after reload = %q", got)
	}
}

// TestAOFAutoRewrite: once the AOF has grown past auto-aof-rewrite-min-size
// and by auto-aof-rewrite-percentage, the cron rewrites it.
func TestAOFAutoRewrite(t *testing.T) {
	dir := t.TempDir()
	_, addr := startAOFServer(t, aofTestConfig(t, dir, "auto-aof-rewrite-min-size", "4096", "auto-aof-rewrite-percentage", "100"))
	c := dialRESP(t, addr)
	for i := range 200 {
		c.cmd("SET", "k", strconv.Itoa(i)+strings.Repeat("x", 40))
	}
	info := waitInfo(t, c, "aof_rewrites:1\r\n", "aof_rewrite_in_progress:0")
	if !strings.Contains(info, "aof_last_bgrewrite_status:ok") {
		t.Fatal(info)
	}
}

// TestAOFConfigSetWithBlockedClient: CONFIG SET appendonly yes does not
// wait for a client parked in BLPOP, and the pop it is later served is
// logged.
func TestAOFConfigSetWithBlockedClient(t *testing.T) {
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.Set("dir", dir)
	_, addr := startServer(t, cfg)
	waiter, c := dialRESP(t, addr), dialRESP(t, addr)
	waiter.sendCmd("BLPOP", "q", "0")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(c.cmd("INFO", "clients"), "blocked_clients:1\r\n") {
		if time.Now().After(deadline) {
			t.Fatal("never blocked")
		}
		time.Sleep(time.Millisecond)
	}
	if got := c.cmd("CONFIG", "SET", "appendonly", "yes"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	c.cmd("RPUSH", "q", "x")
	if _, err := waiter.readReply(); err != nil {
		t.Fatal(err)
	}
	if got := readIncr(t, dir); strings.Join(got, "|") != "SELECT 0|RPUSH q x|LPOP q" {
		t.Fatalf("logged %q", got)
	}
}

// TestAOFTimestamps: with aof-timestamp-enabled, "#TS:<seconds>" lines
// precede the commands (one per second, as Redis), and the file still
// loads in Ember and in redis-server.
func TestAOFTimestamps(t *testing.T) {
	dir := t.TempDir()
	srv, addr := startAOFServer(t, aofTestConfig(t, dir, "aof-timestamp-enabled", "yes"))
	c := dialRESP(t, addr)
	c.cmd("SET", "a", "1")
	c.cmd("SET", "b", "2")
	srv.Close()
	raw, err := os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^#TS:[0-9]{10}\r\n\*2\r\n\$6\r\nSELECT\r\n`).Match(raw) {
		t.Fatalf("incr file starts %q", raw[:min(len(raw), 40)])
	}
	if n := bytes.Count(raw, []byte("#TS:")); n < 1 || n > 2 {
		t.Fatalf("%d annotations in %q", n, raw)
	}
	check := testenv.RequireTool(t, "redis-check-aof")
	if out, err := exec.Command(check, filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest")).CombinedOutput(); err != nil {
		t.Fatalf("redis-check-aof: %v\n%s", err, out)
	}
	_, addr2 := startAOFServer(t, aofTestConfig(t, dir))
	if got := dialRESP(t, addr2).cmd("GET", "b"); got != "$1\r\n2\r\n" {
		t.Fatalf("GET b after reload = %q", got)
	}
}

// The effect of a SET with a relative expiry is logged with the time the
// store holds, even when that time has passed by the moment the effect is
// logged (a PX of 1 ms on a busy machine), and logging it removes
// nothing: a DEL logged then would come before the SET it deletes, and
// the replay would keep the key (TestAOFReplayMatchesLive found it).
func TestAOFEffectOfExpiredSetLogsNoDel(t *testing.T) {
	clk := store.NewManualClock(time.UnixMilli(1_700_000_000_000))
	cfg := aofTestConfig(t, t.TempDir(), "appendfsync", "no")
	cfg.Clock = clk
	srv, _ := startAOFServer(t, cfg)
	c := benchClient(srv)
	c.aof.active = true
	// What SET k v PX 1 stored, 5 ms before the effect is logged.
	at := clk.Now().UnixMilli() + 1
	srv.store.DB(0).Set("k", []byte("v"), store.SetOptions{ExpireAt: at})
	clk.Advance(5 * time.Millisecond)
	gone := srv.aof.gone.Load()
	effectSet(c, [][]byte{[]byte("SET"), []byte("k"), []byte("v"), []byte("PX"), []byte("1")})
	if n := srv.aof.gone.Load() - gone; n != 0 {
		t.Errorf("logging the effect removed %d keys", n)
	}
	want := string(aof.AppendCommand(nil, []byte("SET"), []byte("k"), []byte("v"), []byte("PXAT"), []byte(strconv.FormatInt(at, 10))))
	if got := string(c.aof.ops); got != want {
		t.Errorf("logged %q, want %q", got, want)
	}
}
