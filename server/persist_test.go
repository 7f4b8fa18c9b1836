package server

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emberkv/ember/store"
)

// persistConfig is a server whose dump file lives in dir, with the given
// save points.
func persistConfig(t *testing.T, dir, save string) Config {
	t.Helper()
	cfg := DefaultConfig()
	if err := cfg.Set("dir", dir); err != nil {
		t.Fatal(err)
	}
	words := strings.Fields(save)
	if len(words) == 0 {
		words = []string{""}
	}
	if err := cfg.Set("save", words...); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// infoField reads one field of INFO persistence.
func infoField(t *testing.T, rc *respConn, name string) string {
	t.Helper()
	info := rc.cmd("INFO", "persistence")
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	t.Fatalf("INFO persistence has no %s:\n%s", name, info)
	return ""
}

// waitFor polls cond every few milliseconds for at most 5 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// SAVE writes every database; a new server on the same dir loads it all
// back, TTLs included, and says so in INFO.
func TestSaveThenRestartLoads(t *testing.T) {
	dir := t.TempDir()
	srv, addr := startServer(t, persistConfig(t, dir, ""))
	rc := dialRESP(t, addr)
	rc.cmd("SET", "a", "1")
	rc.cmd("HSET", "h", "f", "v")
	rc.cmd("SET", "ttl", "x", "EX", "1000")
	rc.cmd("SELECT", "5")
	rc.cmd("RPUSH", "l", "x", "y")
	// Ember counts changed keys (a new hash counts its creation and its
	// first field), not Redis's per-command figures: more than 0 is all
	// that is promised.
	if got := infoField(t, rc, "rdb_changes_since_last_save"); got == "0" {
		t.Errorf("rdb_changes_since_last_save = %s before SAVE", got)
	}
	if got := rc.cmd("SAVE"); got != "+OK\r\n" {
		t.Fatalf("SAVE = %q", got)
	}
	if got := infoField(t, rc, "rdb_changes_since_last_save"); got != "0" {
		t.Errorf("rdb_changes_since_last_save = %s after SAVE", got)
	}
	srv.Close()

	srv2, addr2 := startServer(t, persistConfig(t, dir, ""))
	<-srv2.Loaded()
	if err := srv2.LoadError(); err != nil {
		t.Fatal(err)
	}
	rc2 := dialRESP(t, addr2)
	for _, tc := range []struct {
		cmd  []string
		want string
	}{
		{[]string{"GET", "a"}, "$1\r\n1\r\n"},
		{[]string{"HGET", "h", "f"}, "$1\r\nv\r\n"},
		{[]string{"TTL", "ttl"}, ":1000\r\n"},
		{[]string{"SELECT", "5"}, "+OK\r\n"},
		{[]string{"LRANGE", "l", "0", "-1"}, "*2\r\n$1\r\nx\r\n$1\r\ny\r\n"},
	} {
		if got := rc2.cmd(tc.cmd...); got != tc.want {
			t.Errorf("%v = %q, want %q", tc.cmd, got, tc.want)
		}
	}
	if got := infoField(t, rc2, "rdb_last_load_keys_loaded"); got != "4" {
		t.Errorf("rdb_last_load_keys_loaded = %s", got)
	}
}

func TestBgsave(t *testing.T) {
	dir := t.TempDir()
	srv, addr := startServer(t, persistConfig(t, dir, ""))
	rc := dialRESP(t, addr)
	rc.cmd("SET", "k", "v")
	if got := rc.cmd("BGSAVE"); got != "+Background saving started\r\n" {
		t.Fatalf("BGSAVE = %q", got)
	}
	srv.waitBgsave()
	if got := infoField(t, rc, "rdb_bgsave_in_progress"); got != "0" {
		t.Errorf("rdb_bgsave_in_progress = %s", got)
	}
	if got := infoField(t, rc, "rdb_last_bgsave_status"); got != "ok" {
		t.Errorf("rdb_last_bgsave_status = %s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err != nil {
		t.Fatal(err)
	}
	// Inside EXEC a BGSAVE is scheduled, as Redis; the save cron runs it.
	rc.cmd("MULTI")
	rc.cmd("BGSAVE")
	if got := rc.cmd("EXEC"); got != "*1\r\n+Background saving scheduled\r\n" {
		t.Fatalf("EXEC of BGSAVE = %q", got)
	}
	waitFor(t, "the scheduled BGSAVE", func() bool { return infoField(t, rc, "rdb_saves") == "2" })
	srv.waitBgsave()
}

// A failed background save refuses writes (and PING) with MISCONF while
// reads go on; a save that succeeds lifts it.
func TestMisconfAfterFailedBgsave(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "data")
	os.Mkdir(sub, 0o755)
	srv, addr := startServer(t, persistConfig(t, sub, "3600 1"))
	rc := dialRESP(t, addr)
	rc.cmd("SET", "k", "v")
	os.RemoveAll(sub)
	if got := rc.cmd("BGSAVE"); got != "+Background saving started\r\n" {
		t.Fatalf("BGSAVE = %q", got)
	}
	srv.waitBgsave()
	if got := infoField(t, rc, "rdb_last_bgsave_status"); got != "err" {
		t.Fatalf("rdb_last_bgsave_status = %s", got)
	}
	misconf := "-" + errMisconf + "\r\n"
	for _, tc := range []struct {
		cmd  []string
		want string
	}{
		{[]string{"SET", "k", "w"}, misconf},
		{[]string{"PING"}, misconf},
		{[]string{"GET", "k"}, "$1\r\nv\r\n"},
		{[]string{"CONFIG", "SET", "stop-writes-on-bgsave-error", "no"}, "+OK\r\n"},
		{[]string{"SET", "k", "w"}, "+OK\r\n"},
		{[]string{"CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"}, "+OK\r\n"},
		{[]string{"MULTI"}, "+OK\r\n"},
		{[]string{"SET", "k", "x"}, "-" + errMisconf + "\r\n"},
		{[]string{"DISCARD"}, "+OK\r\n"},
	} {
		if got := rc.cmd(tc.cmd...); got != tc.want {
			t.Errorf("%v = %q, want %q", tc.cmd, got, tc.want)
		}
	}
	if got := rc.cmd("SAVE"); got != "-ERR\r\n" {
		t.Errorf("SAVE into a missing dir = %q, want -ERR", got)
	}
	os.Mkdir(sub, 0o755)
	if got := rc.cmd("BGSAVE"); got != "+Background saving started\r\n" {
		t.Fatalf("BGSAVE = %q", got)
	}
	srv.waitBgsave()
	if got := rc.cmd("SET", "k", "y"); got != "+OK\r\n" {
		t.Errorf("SET after a good save = %q", got)
	}
}

// While the dump file loads, commands not flagged loading get LOADING;
// INFO (flagged) reports the progress.
func TestLoadingRefusesCommands(t *testing.T) {
	dir := t.TempDir()
	srv, addr := startServer(t, persistConfig(t, dir, ""))
	rc := dialRESP(t, addr)
	rc.cmd("SET", "k", "v")
	rc.cmd("SAVE")
	srv.Close()

	release := make(chan struct{})
	entered := make(chan struct{})
	loadHook = func() { close(entered); <-release }
	defer func() { loadHook = nil }()
	srv2, addr2 := startServer(t, persistConfig(t, dir, ""))
	<-entered
	rc2 := dialRESP(t, addr2)
	if got := rc2.cmd("GET", "k"); got != "-"+errLoading+"\r\n" {
		t.Errorf("GET while loading = %q", got)
	}
	if got := infoField(t, rc2, "loading"); got != "1" {
		t.Errorf("loading = %s", got)
	}
	infoField(t, rc2, "loading_eta_seconds")
	if got := rc2.cmd("LASTSAVE"); !strings.HasPrefix(got, ":") {
		t.Errorf("LASTSAVE while loading = %q", got)
	}
	close(release)
	<-srv2.Loaded()
	if got := rc2.cmd("GET", "k"); got != "$1\r\nv\r\n" {
		t.Errorf("GET after loading = %q", got)
	}
	if got := infoField(t, rc2, "loading"); got != "0" {
		t.Errorf("loading = %s after loading", got)
	}
}

// A dump file that does not load stops the server: never a partial
// dataset.
func TestCorruptDumpIsFatal(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "dump.rdb"), []byte("REDIS0010\xfa\x09redis-ver"), 0o644)
	srv, _ := startServer(t, persistConfig(t, dir, ""))
	<-srv.Loaded()
	err := srv.LoadError()
	if err == nil || !strings.Contains(err.Error(), "dump.rdb: at offset") {
		t.Fatalf("LoadError = %v", err)
	}
	select {
	case <-srv.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the server kept running on a corrupt dump")
	}
}

// SHUTDOWN saves when save points are configured (or with SAVE), and
// refuses to stop when that save fails, unless FORCE.
func TestShutdownSaves(t *testing.T) {
	tests := []struct {
		name     string
		save     string
		args     []string
		breakDir bool
		wantFile bool
		wantErr  bool
	}{
		{name: "save points", save: "3600 1", wantFile: true},
		{name: "no save points", save: "", wantFile: false},
		{name: "SAVE without save points", save: "", args: []string{"SAVE"}, wantFile: true},
		{name: "NOSAVE", save: "3600 1", args: []string{"NOSAVE"}, wantFile: false},
		{name: "failed save", save: "3600 1", breakDir: true, wantErr: true},
		{name: "failed save FORCE", save: "3600 1", args: []string{"FORCE"}, breakDir: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "d")
			os.Mkdir(dir, 0o755)
			srv, addr := startServer(t, persistConfig(t, dir, tt.save))
			rc := dialRESP(t, addr)
			rc.cmd("SET", "k", "v")
			if tt.breakDir {
				os.RemoveAll(dir)
			}
			raw, err := rc.do(append([]string{"SHUTDOWN"}, tt.args...)...)
			got := string(raw)
			if tt.wantErr {
				if got != "-"+errShutdownFailed+"\r\n" {
					t.Fatalf("SHUTDOWN = %q, %v; want the failure", got, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("SHUTDOWN answered %q; want the connection closed", got)
			}
			<-srv.Done()
			_, statErr := os.Stat(filepath.Join(dir, "dump.rdb"))
			if (statErr == nil) != tt.wantFile {
				t.Errorf("dump file exists: %v, want %v", statErr == nil, tt.wantFile)
			}
		})
	}
}

// DUMP's reply RESTOREs to the same value, for every type, in both
// protocols' raw bytes.
func TestDumpRestoreRoundTrip(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	rc := dialRESP(t, addr)
	setup := [][]string{
		{"SET", "s", strings.Repeat("abc", 50)},
		{"RPUSH", "l", "a", "1", strings.Repeat("x", 100)},
		{"SADD", "si", "1", "2"},
		{"SADD", "ss", "a", "b"},
		{"HSET", "h", "f", "v"},
		{"ZADD", "z", "1", "a", "2", "b"},
	}
	for _, c := range setup {
		rc.cmd(c...)
	}
	reads := map[string][]string{
		"s": {"GET"}, "l": {"LRANGE", "*", "0", "-1"}, "si": {"SMEMBERS"}, "ss": {"SMEMBERS"},
		"h": {"HGETALL"}, "z": {"ZRANGE", "*", "0", "-1", "WITHSCORES"},
	}
	for key, read := range reads {
		payload := rc.cmd("DUMP", key)
		body := payload[strings.Index(payload, "\r\n")+2 : len(payload)-2]
		if got := rc.cmd("RESTORE", key+":copy", "0", body); got != "+OK\r\n" {
			t.Fatalf("RESTORE %s = %q", key, got)
		}
		args := func(k string) []string {
			out := []string{read[0]}
			if len(read) == 1 {
				return append(out, k)
			}
			for _, a := range read[1:] {
				if a == "*" {
					a = k
				}
				out = append(out, a)
			}
			return out
		}
		a, b := rc.cmd(args(key)...), rc.cmd(args(key+":copy")...)
		if key == "ss" { // a hash table's order is its own
			a, b = sortedLines(a), sortedLines(b)
		}
		if a != b {
			t.Errorf("%s: %q after RESTORE, want %q", key, b, a)
		}
	}
}

func sortedLines(s string) string {
	f := strings.Split(s, "\r\n")
	slices.Sort(f)
	return strings.Join(f, "\r\n")
}

// With save points, FLUSHALL saves the empty dataset, as Redis 7.0: a
// restart does not bring the flushed keys back.
func TestFlushAllSaves(t *testing.T) {
	dir := t.TempDir()
	srv, addr := startServer(t, persistConfig(t, dir, "3600 1"))
	rc := dialRESP(t, addr)
	rc.cmd("SET", "k", "v")
	rc.cmd("SAVE")
	rc.cmd("FLUSHALL")
	// Inside EXEC, which holds every shard, the save is scheduled: no
	// deadlock with the cut, and the cron runs it.
	rc.cmd("SET", "k2", "v")
	rc.cmd("MULTI")
	rc.cmd("FLUSHALL")
	rc.cmd("BGSAVE")
	if got := rc.cmd("EXEC"); got != "*2\r\n+OK\r\n+Background saving scheduled\r\n" {
		t.Fatalf("EXEC = %q", got)
	}
	waitFor(t, "the scheduled save", func() bool { return infoField(t, rc, "rdb_saves") == "3" })
	srv.waitBgsave()
	srv.Close()
	srv2, addr2 := startServer(t, persistConfig(t, dir, ""))
	<-srv2.Loaded()
	if got := dialRESP(t, addr2).cmd("DBSIZE"); got != ":0\r\n" {
		t.Errorf("DBSIZE after FLUSHALL and a restart = %q", got)
	}
}

// RESTORE IDLETIME backdates the key's last access exactly: with a
// manual clock no second can tick between RESTORE and OBJECT IDLETIME.
func TestRestoreIdletimeExact(t *testing.T) {
	clk := store.NewManualClock(time.Unix(1700000000, 0))
	cfg := DefaultConfig()
	cfg.Clock = clk
	_, addr := startServer(t, cfg)
	c := dialRESP(t, addr)
	payload := "\x00\x05hello\x0a\x00cr\xdfve4 \x0a"
	expectReply(t, c, "+OK\r\n", "RESTORE", "o1", "0", payload, "IDLETIME", "1000")
	expectReply(t, c, ":1000\r\n", "OBJECT", "IDLETIME", "o1")
	clk.Advance(5 * time.Second)
	expectReply(t, c, ":1005\r\n", "OBJECT", "IDLETIME", "o1")
}
