package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emberkv/ember/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// quietLog discards what LoadConfig and the server log.
var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestParseMemory(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true},
		{"100", 100, true},
		{"1b", 1, true},
		{"1B", 1, true},
		{"1k", 1000, true},
		{"1kb", 1024, true},
		{"1K", 1000, true},
		{"1m", 1000000, true},
		{"1mb", 1 << 20, true},
		{"512mb", 512 << 20, true},
		{"1g", 1000000000, true},
		{"1gb", 1 << 30, true},
		{"1GB", 1 << 30, true},
		{"", 0, true},   // as memtoull: no digits read as 0
		{"kb", 0, true}, // likewise
		{"99999999999999999999", 1<<64 - 1, true},
		{"17179869184gb", 0, true}, // the multiplication wraps, as in Redis
		{"-1", 0, false},
		{"+5", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"1.5gb", 0, false},
		{"0x10", 0, false},
		{"1tb", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseMemory(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseMemory(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFormatMemoryAndRepr(t *testing.T) {
	for n, want := range map[uint64]string{0: "0", 1: "1", 1024: "1kb", 1536: "1536", 64 << 20: "64mb", 1 << 30: "1gb", 3 << 30: "3gb"} {
		if got := formatMemory(n); got != want {
			t.Errorf("formatMemory(%d) = %q, want %q", n, got, want)
		}
	}
	for in, want := range map[string]string{"": `""`, "dump.rdb": `"dump.rdb"`, `a "b"`: `"a \"b\""`, "a\nb\x01": `"a\nb\x01"`} {
		if got := reprString(in); got != want {
			t.Errorf("reprString(%q) = %s, want %s", in, got, want)
		}
		// What CONFIG REWRITE writes must read back the same.
		args, ok := splitArgs([]byte("x " + reprString(in)))
		if !ok || len(args) != 2 || string(args[1]) != in {
			t.Errorf("reprString(%q) reads back as %q", in, args)
		}
	}
}

// Every default in the table must be a value its own parser accepts and
// shows unchanged: the table is data, and this keeps it honest.
func TestParamTableDefaultsParse(t *testing.T) {
	for _, p := range paramTable {
		def := p.defaultValue()
		var words []string
		switch {
		case p.flags&pMulti != 0 && def == "":
			words = nil
		case p.flags&pMulti != 0:
			words = strings.Split(def, " ")
		default:
			words = []string{def}
		}
		if p.name == "replicaof" {
			continue // "" is "no one", which takes two words
		}
		got, why := p.parseArgs(words, def)
		if why != "" || got != def {
			t.Errorf("%s: default %q parses as %q, %q", p.name, def, got, why)
		}
		if p.refuse != nil && p.refuse(def) != "" {
			t.Errorf("%s: Ember refuses its own default %q", p.name, def)
		}
	}
	if n := len(paramEntries); n != 192 {
		t.Errorf("CONFIG GET * would list %d names; Redis 7.0.15 lists 192", n)
	}
}

func TestSplitCommandLine(t *testing.T) {
	tests := []struct {
		args      []string
		file      string
		stdin     bool
		flags     [][]string
		wantError string
	}{
		{args: nil},
		{args: []string{"redis.conf"}, file: "redis.conf"},
		{args: []string{"redis.conf", "--port", "7000"}, file: "redis.conf", flags: [][]string{{"port", "7000"}}},
		{args: []string{"--port", "7000", "--bind", "127.0.0.1", "::1"}, flags: [][]string{{"port", "7000"}, {"bind", "127.0.0.1", "::1"}}},
		{args: []string{"--PORT", "7000"}, flags: [][]string{{"port", "7000"}}},
		// A flag's first value may start with "--", as with redis-server.
		{args: []string{"--requirepass", "--secret--", "--port", "1"}, flags: [][]string{{"requirepass", "--secret--"}, {"port", "1"}}},
		// "--name value" as one argument.
		{args: []string{"--port 7000", "--save", "900", "1"}, flags: [][]string{{"port", "7000"}, {"save", "900", "1"}}},
		// A bare --save means save "".
		{args: []string{"--save", "--port", "1"}, flags: [][]string{{"save", ""}, {"port", "1"}}},
		{args: []string{"--port", "1", "--save"}, flags: [][]string{{"port", "1"}, {"save", ""}}},
		{args: []string{"--save", ""}, flags: [][]string{{"save", ""}}},
		// "-" first or last reads stdin.
		{args: []string{"-"}, stdin: true},
		{args: []string{"redis.conf", "--port", "1", "-"}, file: "redis.conf", stdin: true, flags: [][]string{{"port", "1"}}},
		{args: []string{"-", "--port", "1"}, stdin: true, flags: [][]string{{"port", "1"}}},
		{args: []string{"--port"}, flags: [][]string{{"port"}}},
		{args: []string{"redis.conf", "extra"}, wantError: "unexpected argument"},
		{args: []string{"--"}, wantError: reasonBadDirective},
		{args: []string{`--port "1`}, wantError: reasonUnbalanced},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			file, stdin, flags, err := splitCommandLine(tt.args)
			if tt.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantError) {
					t.Fatalf("err = %v, want %q", err, tt.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if file != tt.file || stdin != tt.stdin {
				t.Errorf("file %q stdin %v, want %q %v", file, stdin, tt.file, tt.stdin)
			}
			var got [][]string
			for _, f := range flags {
				got = append(got, f.args)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.flags) {
				t.Errorf("flags = %q, want %q", got, tt.flags)
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name  string
		file  string // config file text; "" for none
		flags []string
		want  map[string]string // Get(name) after loading
	}{
		{name: "defaults", want: map[string]string{"port": "6379", "bind": "127.0.0.1 -::1", "save": "3600 1 300 100 60 10000", "appendonly": "no",
			"databases": "16", "maxclients": "10000", "proto-max-bulk-len": "536870912", "hz": "10"}},
		{name: "basic file",
			file: "# comment\n\n   port 7000  \r\nbind 127.0.0.1 ::1\nrequirepass \"se cret\"\nmaxmemory 100mb\ndatabases 4\n\t# indented comment\n",
			want: map[string]string{"port": "7000", "bind": "127.0.0.1 ::1", "requirepass": "se cret", "maxmemory": "104857600", "databases": "4"}},
		{name: "names in any case, values as Redis writes them back",
			file: "PORT 7001\nMaxMemory-Policy ALLKEYS-LRU\nprotected-mode NO\nnotify-keyspace-events KEA\nhz 1000\nmaxmemory 1GB\n",
			want: map[string]string{"port": "7001", "maxmemory-policy": "allkeys-lru", "protected-mode": "no",
				"notify-keyspace-events": "AKE", "hz": "500", "maxmemory": "1073741824"}},
		{name: "aliases",
			file: "slave-read-only no\nhash-max-ziplist-entries 64\nslaveof no one\n",
			want: map[string]string{"replica-read-only": "no", "slave-read-only": "no", "hash-max-listpack-entries": "64", "replicaof": ""}},
		{name: "quoting",
			file: `requirepass 'it\'s'` + "\n" + `masterauth "a\x41\tb"` + "\n" + `dbfilename ""` + "\n",
			want: map[string]string{"requirepass": "it's", "masterauth": "aA\tb", "dbfilename": ""}},
		{name: "flags override the file",
			file:  "port 7000\nmaxclients 50\nloglevel debug\n",
			flags: []string{"--port", "7002", "--bind", "127.0.0.1", "-::1", "--loglevel", "warning"},
			want:  map[string]string{"port": "7002", "maxclients": "50", "bind": "127.0.0.1 -::1", "loglevel": "warning"}},
		{name: "later lines win", file: "port 7000\nport 7001\n", want: map[string]string{"port": "7001"}},
		{name: "save lines add up, replacing the default", file: "save 900 1\nsave 300 10\n", want: map[string]string{"save": "900 1 300 10"}},
		{name: "save points as one quoted word", flags: []string{"--save", "900 1 300 10"}, want: map[string]string{"save": "900 1 300 10"}},
		{name: "save points as flag words", flags: []string{"--save", "900", "1", "300", "10"}, want: map[string]string{"save": "900 1 300 10"}},
		{name: "save points cleared by save \"\"", file: "save 900 1\nsave 300 10\nsave \"\"\n", want: map[string]string{"save": ""}},
		{name: "persistence refused values overridden by flags", file: "appendonly yes\n", flags: []string{"--appendonly", "no", "--save"},
			want: map[string]string{"appendonly": "no", "save": ""}},
		{name: "client-output-buffer-limit merges", file: "client-output-buffer-limit pubsub 1mb 2mb 30\nclient-output-buffer-limit replica 1gb 1gb 0\n",
			want: map[string]string{"client-output-buffer-limit": "normal 0 0 0 slave 1073741824 1073741824 0 pubsub 1048576 2097152 30"}},
		{name: "a multi-word directive as one quoted word", flags: []string{"--client-output-buffer-limit", "normal 1mb 512kb 5", "--bind", "127.0.0.1 -::1", "--oom-score-adj-values", "1 2 3"},
			want: map[string]string{"client-output-buffer-limit": "normal 1048576 524288 5 slave 268435456 67108864 60 pubsub 33554432 8388608 60", "bind": "127.0.0.1 -::1", "oom-score-adj-values": "1 2 3"}},
		{name: "a multi-word directive as one word in a file", file: "client-output-buffer-limit \"pubsub 1mb 1mb 0\"\nsave \"\"\n",
			want: map[string]string{"client-output-buffer-limit": "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 1048576 0", "save": ""}},
		{name: "deprecated directives are accepted", file: "list-max-ziplist-entries 512\nlua-replicate-commands yes\n",
			want: map[string]string{"port": "6379"}},
		{name: "flags only", flags: []string{"--port", "0", "--maxmemory", "2gb", "--shutdown-on-sigterm", "nosave", "now"},
			want: map[string]string{"port": "0", "maxmemory": "2147483648", "shutdown-on-sigterm": "nosave now"}},
		{name: "stock-like redis.conf", file: mustRead(t, "testdata/redis7.conf"),
			want: map[string]string{
				"port":                       "6379",
				"bind":                       "127.0.0.1 -::1",
				"save":                       "3600 1 300 100 60 10000",
				"logfile":                    "",
				"pidfile":                    "/var/run/redis_6379.pid",
				"auto-aof-rewrite-min-size":  "67108864",
				"oom-score-adj-values":       "0 200 800",
				"client-output-buffer-limit": "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.flags
			if tt.file != "" {
				args = append([]string{testenv.WriteFile(t, "redis.conf", tt.file)}, tt.flags...)
			}
			cfg, err := loadConfig(args, strings.NewReader(""), quietLog)
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tt.want {
				if got, ok := cfg.Get(name); !ok || got != want {
					t.Errorf("Get(%q) = %q, %v; want %q", name, got, ok, want)
				}
			}
		})
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		flags  []string
		line   int    // the line the error names; 0 for the command line
		text   string // the line or flags as written
		reason string
	}{
		{name: "unknown directive", file: "port 7000\nfoo bar\n", line: 2, text: "foo bar", reason: "Bad directive or wrong number of arguments"},
		{name: "bad integer", file: "\n\nport abc\n", line: 3, text: "port abc", reason: "argument couldn't be parsed into an integer"},
		{name: "out of range", file: "maxclients 0\n", line: 1, text: "maxclients 0", reason: "argument must be between 1 and 4294967295 inclusive"},
		{name: "two values", file: "port 1 2\n", line: 1, text: "port 1 2", reason: "wrong number of arguments"},
		{name: "no inline comments", file: "port 7000 # the port\n", line: 1, text: "port 7000 # the port", reason: "wrong number of arguments"},
		{name: "unbalanced quotes", file: "requirepass \"abc\n", line: 1, text: "requirepass \"abc", reason: "Unbalanced quotes in configuration line"},
		{name: "bad bool", file: "protected-mode maybe\n", line: 1, text: "protected-mode maybe", reason: "argument must be 'yes' or 'no'"},
		{name: "bad memory", file: "maxmemory 1tb\n", line: 1, text: "maxmemory 1tb", reason: "argument must be a memory value"},
		{name: "bad enum", file: "maxmemory-policy lru\n", line: 1, text: "maxmemory-policy lru",
			reason: "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"},
		{name: "bad save", file: "save 900\n", line: 1, text: "save 900", reason: "Invalid save parameters"},
		{name: "daemonize refused", file: "daemonize yes\n", line: 1, text: "daemonize yes", reason: "Ember does not daemonize"},
		{name: "replicaof refused", file: "replicaof 10.0.0.1 6379\n", line: 1, text: "replicaof 10.0.0.1 6379", reason: "replication is not implemented"},
		{name: "tls refused", file: "tls-port 6380\n", line: 1, text: "tls-port 6380", reason: "TLS is not implemented"},
		{name: "rename-command refused", file: "rename-command CONFIG \"\"\n", line: 1, text: "rename-command CONFIG \"\"", reason: "rename-command is not supported"},
		{name: "user refused", file: "user alice on >pw ~* +@all\n", line: 1, text: "user alice on >pw ~* +@all", reason: "ACL users are not supported"},
		{name: "bind with no address", file: "bind\n", line: 1, text: "bind", reason: reasonNoBind},
		{name: "flag error", flags: []string{"--port", "7000", "--maxclients", "0"}, text: "--maxclients 0", reason: "argument must be between 1 and 4294967295 inclusive"},
		{name: "flag with no value", flags: []string{"--port"}, text: "--port", reason: "wrong number of arguments"},
		{name: "flag swallowing the next flag", flags: []string{"--requirepass", "--daemonize", "yes"}, text: "--requirepass --daemonize yes", reason: "wrong number of arguments"},
		{name: "flag refused", file: "port 1\n", flags: []string{"--daemonize", "yes"}, text: "--daemonize yes", reason: "Ember does not daemonize"},
		{name: "unknown flag", flags: []string{"--no-such-thing", "1"}, text: "--no-such-thing 1", reason: "Bad directive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args []string
			path := ""
			if tt.file != "" {
				path = testenv.WriteFile(t, "bad.conf", tt.file)
				args = append(args, path)
			}
			args = append(args, tt.flags...)
			_, err := loadConfig(args, strings.NewReader(""), quietLog)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *ConfigError", err)
			}
			if tt.line > 0 && (ce.File != path || ce.Line != tt.line) {
				t.Errorf("error at %s:%d, want %s:%d", ce.File, ce.Line, path, tt.line)
			}
			if tt.line == 0 && ce.File != "" {
				t.Errorf("error in file %q, want the command line", ce.File)
			}
			if ce.Text != tt.text || !strings.Contains(ce.Reason, tt.reason) {
				t.Errorf("error %q, %q; want %q, %q", ce.Text, ce.Reason, tt.text, tt.reason)
			}
			msg := err.Error()
			directive := strings.Fields(tt.text)[0]
			if !strings.Contains(msg, directive) || tt.line > 0 && !strings.Contains(msg, fmt.Sprintf("%s:%d", path, tt.line)) {
				t.Errorf("message %q does not name the place and the directive", msg)
			}
			var report strings.Builder
			ce.Report(&report)
			if !strings.Contains(report.String(), "*** FATAL CONFIG FILE ERROR") || !strings.Contains(report.String(), ">>> '"+tt.text+"'") {
				t.Errorf("report:\n%s", report.String())
			}
		})
	}
}

func TestLoadConfigIncludeAndStdin(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("extra-1.conf", "maxclients 100\n")
	write("extra-2.conf", "maxclients 200\ntimeout 5\n")
	bad := write("bad.conf", "port 1\n\nhz fast\n")
	main := write("main.conf", "port 7000\ninclude "+filepath.Join(dir, "extra-*.conf")+"\ninclude "+filepath.Join(dir, "none-*.conf")+"\nmaxclients 300\n")

	cfg, err := loadConfig([]string{main, "-"}, strings.NewReader("databases 8\ntimeout 7\n"), quietLog)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"port": "7000", "maxclients": "300", "timeout": "7", "databases": "8"} {
		if got, _ := cfg.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if cfg.file != main {
		t.Errorf("config file %q, want %q", cfg.file, main)
	}

	// An error in an included file names that file and line.
	withBad := write("with-bad.conf", "port 7000\ninclude "+bad+"\n")
	_, err = loadConfig([]string{withBad}, nil, quietLog)
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.File != bad || ce.Line != 3 || ce.Text != "hz fast" {
		t.Errorf("err = %v, want %s:3", err, bad)
	}
	// A missing file, directly or through include.
	_, err = loadConfig([]string{filepath.Join(dir, "missing.conf")}, nil, quietLog)
	if err == nil || !strings.Contains(err.Error(), "can't open config file") || !strings.Contains(err.Error(), "No such file or directory") {
		t.Errorf("missing file: %v", err)
	}
	loop := write("loop.conf", "include "+filepath.Join(dir, "loop.conf")+"\n")
	if _, err = loadConfig([]string{loop}, nil, quietLog); err == nil || !strings.Contains(err.Error(), "include nesting") {
		t.Errorf("include loop: %v", err)
	}
	// Standard input alone.
	cfg, err = loadConfig([]string{"-"}, strings.NewReader("port 7100\n"), quietLog)
	if got, _ := cfg.Get("port"); err != nil || got != "7100" {
		t.Errorf("stdin: port %q, %v", got, err)
	}
}

func TestLoadConfigNoEffectAndLogFile(t *testing.T) {
	path := testenv.WriteFile(t, "redis.conf", "port 7000\nactivedefrag no\nactiverehashing yes\nactivedefrag yes\nmaxmemory 1mb\ndbfilename x.rdb\n")
	cfg, err := loadConfig([]string{path, "--acllog-max-len", "10"}, nil, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.noEffect, " "); got != "activedefrag activerehashing acllog-max-len" {
		t.Errorf("no-effect directives %q", got)
	}

	// The server logs them once at start-up.
	var logs strings.Builder
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if !strings.Contains(logs.String(), "no effect in Ember") || !strings.Contains(logs.String(), "activerehashing") ||
		strings.Contains(logs.String(), "maxmemory") {
		t.Errorf("start-up log:\n%s", logs.String())
	}

	// logfile must be writable, as Redis checks.
	logPath := filepath.Join(t.TempDir(), "ember.log")
	if _, err := loadConfig([]string{"--logfile", logPath}, nil, quietLog); err != nil {
		t.Errorf("logfile %s: %v", logPath, err)
	}
	_, err = loadConfig([]string{"--logfile", filepath.Join(t.TempDir(), "no", "such", "dir.log")}, nil, quietLog)
	if err == nil || !strings.Contains(err.Error(), "Can't open the log file") {
		t.Errorf("unwritable logfile: %v", err)
	}
}

// A Debian redis-server package's own redis.conf: Ember loads it once
// daemonize (which Ember refuses) is overridden.
func TestLoadSystemRedisConf(t *testing.T) {
	const path = "/etc/redis/redis.conf"
	if _, err := os.Stat(path); err != nil {
		t.Skip("no " + path)
	}
	if _, err := os.Stat("/var/lib/redis"); err != nil {
		t.Skip("no /var/lib/redis for its dir directive")
	}
	_, err := loadConfig([]string{path, "--logfile", ""}, nil, quietLog)
	var ce *ConfigError
	if err != nil && (!errors.As(err, &ce) || !strings.HasPrefix(ce.Text, "daemonize")) {
		t.Fatalf("loading %s: %v", path, err)
	}
	if _, err := loadConfig([]string{path, "--logfile", "", "--daemonize", "no"}, nil, quietLog); err != nil {
		t.Fatalf("loading %s with --daemonize no: %v", path, err)
	}
}

func TestConfigSetGetAPI(t *testing.T) {
	cfg := DefaultConfig()
	for _, tt := range []struct {
		name   string
		values []string
		get    string
		err    string
	}{
		{"maxmemory", []string{"100mb"}, "104857600", ""},
		{"bind", []string{"127.0.0.1", "::1"}, "127.0.0.1 ::1", ""},
		{"save", []string{""}, "", ""},
		{"Port", []string{"7000"}, "7000", ""},
		{"appendonly", []string{"yes"}, "yes", ""},
		{"port", []string{"1", "2"}, "7000", "wrong number of arguments"},
		{"nosuch", []string{"1"}, "", "Bad directive"},
	} {
		err := cfg.Set(tt.name, tt.values...)
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("Set(%q, %q) = %v, want %q", tt.name, tt.values, err, tt.err)
		}
		if got, _ := cfg.Get(tt.name); got != tt.get {
			t.Errorf("Get(%q) = %q, want %q", tt.name, got, tt.get)
		}
	}
	if cfg.Port != 7000 || len(cfg.Bind) != 2 {
		t.Errorf("fields not set: port %d bind %q", cfg.Port, cfg.Bind)
	}
}

func TestProtectedMode(t *testing.T) {
	withPass := DefaultConfig()
	withPass.RequirePass = "pw"
	off := DefaultConfig()
	off.Set("protected-mode", "no")
	on := DefaultConfig()
	tests := []struct {
		cfg    Config
		remote string
		denied bool
	}{
		{on, "127.0.0.1:5000", false},
		{on, "[::1]:5000", false},
		{on, "10.1.2.3:5000", true},
		{on, "[2001:db8::1]:5000", true},
		{withPass, "10.1.2.3:5000", false},
		{off, "10.1.2.3:5000", false},
	}
	for _, tt := range tests {
		if got := protectedModeDenies(&tt.cfg, tt.remote); got != tt.denied {
			t.Errorf("protected-mode %q, password %q, client %s: denied %v, want %v",
				tt.cfg.value(paramIndex["protected-mode"]), tt.cfg.RequirePass, tt.remote, got, tt.denied)
		}
	}
}

// Over the wire, with go-redis in both protocols.
func TestConfigGetSetGoRedis(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	eachProtocol(t, addr, func(t *testing.T, rdb *redis.Client, proto int) {
		got, err := rdb.ConfigGet(ctx, "max*").Result()
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"maxclients": "10000", "maxmemory": "0", "maxmemory-clients": "0",
			"maxmemory-eviction-tenacity": "10", "maxmemory-policy": "noeviction", "maxmemory-samples": "5"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("CONFIG GET max* = %v, want %v", got, want)
		}
		raw, err := rdb.Do(ctx, "CONFIG", "GET", "databases", "DATABASES", "slave-read-only", "nosuch").Result()
		if err != nil {
			t.Fatal(err)
		}
		if proto == 3 {
			if fmt.Sprint(raw) != "map[databases:16 slave-read-only:yes]" {
				t.Errorf("RESP3 CONFIG GET = %v", raw)
			}
		} else if fmt.Sprint(raw) != "[databases 16 slave-read-only yes]" {
			t.Errorf("RESP2 CONFIG GET = %v", raw)
		}

		if err := rdb.ConfigSet(ctx, "maxmemory", "1gb").Err(); err != nil {
			t.Fatal(err)
		}
		if err := rdb.Do(ctx, "CONFIG", "SET", "timeout", "30", "maxmemory-policy", "allkeys-lru", "hz", "20").Err(); err != nil {
			t.Fatal(err)
		}
		got, _ = rdb.ConfigGet(ctx, "maxmemory").Result()
		if fmt.Sprint(got) != "map[maxmemory:1073741824]" {
			t.Errorf("maxmemory = %v", got)
		}
		// All or nothing: a bad pair leaves the good ones unset.
		err = rdb.Do(ctx, "CONFIG", "SET", "timeout", "60", "maxclients", "abc").Err()
		if err == nil || err.Error() != "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer" {
			t.Errorf("bad CONFIG SET: %v", err)
		}
		got, _ = rdb.ConfigGet(ctx, "timeout").Result()
		if fmt.Sprint(got) != "map[timeout:30]" {
			t.Errorf("timeout after a failed CONFIG SET = %v", got)
		}
		err = rdb.ConfigSet(ctx, "foo", "bar").Err()
		if err == nil || err.Error() != "ERR Unknown option or number of arguments for CONFIG SET - 'foo'" {
			t.Errorf("unknown parameter: %v", err)
		}
		if err := rdb.ConfigSet(ctx, "save", "900 1 300 10").Err(); err != nil {
			t.Errorf("save points: %v", err)
		}
		if got, _ := rdb.ConfigGet(ctx, "save").Result(); fmt.Sprint(got) != "map[save:900 1 300 10]" {
			t.Errorf("save after CONFIG SET = %v", got)
		}
		if err := rdb.ConfigSet(ctx, "save", "").Err(); err != nil {
			t.Errorf("save \"\": %v", err)
		}
		if err := rdb.Do(ctx, "CONFIG", "SET", "timeout", "0", "maxmemory", "0", "maxmemory-policy", "noeviction", "hz", "10").Err(); err != nil {
			t.Fatal(err)
		}
		if err := rdb.ConfigResetStat(ctx).Err(); err != nil {
			t.Errorf("CONFIG RESETSTAT: %v", err)
		}
		err = rdb.ConfigRewrite(ctx).Err()
		if err == nil || err.Error() != "ERR The server is running without a config file" {
			t.Errorf("CONFIG REWRITE: %v", err)
		}
	})
}

func TestConfigResetStat(t *testing.T) {
	srv, addr := startServer(t, DefaultConfig())
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		rdb.Ping(ctx)
	}
	if srv.CommandCount() == 0 {
		t.Fatal("no commands counted")
	}
	if err := rdb.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	// CONFIG RESETSTAT itself is counted after the reset.
	if n := srv.CommandCount(); n != 1 {
		t.Errorf("commands after CONFIG RESETSTAT: %d, want 1", n)
	}
}

// rawConn is a bare connection for replies go-redis would hide.
type rawConn struct {
	net.Conn
	r *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawConn{c, bufio.NewReader(c)}
}

// line sends a command and reads the first line of its reply.
func (c *rawConn) cmd(t *testing.T, args ...string) string {
	t.Helper()
	c.write(t, args...)
	return c.line(t)
}

func (c *rawConn) write(t *testing.T, args ...string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c, b.String()); err != nil {
		t.Fatal(err)
	}
}

func (c *rawConn) line(t *testing.T) string {
	t.Helper()
	l, err := c.r.ReadString('\n')
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return strings.TrimRight(l, "\r\n")
}

func TestConfigSetProtoMaxBulkLen(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	c := dialRaw(t, addr)
	if got := c.cmd(t, "CONFIG", "SET", "proto-max-bulk-len", "1mb"); got != "+OK" {
		t.Fatalf("CONFIG SET: %s", got)
	}
	// At the limit: accepted.
	if got := c.cmd(t, "SET", "k", strings.Repeat("x", 1<<20)); got != "+OK" {
		t.Fatalf("SET of 1mb: %s", got)
	}
	// Over it, on a new connection: a protocol error, as Redis.
	c2 := dialRaw(t, addr)
	fmt.Fprintf(c2, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n", 1<<20+1)
	if got := c2.line(t); got != "-ERR Protocol error: invalid bulk length" {
		t.Errorf("bulk over the limit: %s", got)
	}
	if got := c.cmd(t, "CONFIG", "SET", "proto-max-bulk-len", "2mb"); got != "+OK" {
		t.Fatalf("CONFIG SET: %s", got)
	}
	if got := c.cmd(t, "SET", "k", strings.Repeat("x", 1<<20+1)); got != "+OK" {
		t.Errorf("SET after raising the limit: %s", got)
	}
}

func TestConfigSetRequirePass(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	c := dialRaw(t, addr)
	if got := c.cmd(t, "CONFIG", "SET", "requirepass", "secret"); got != "+OK" {
		t.Fatal(got)
	}
	// As Redis: a connection opened without a password stays authenticated...
	if got := c.cmd(t, "PING"); got != "+PONG" {
		t.Errorf("PING on the connection that set the password: %s", got)
	}
	// ...new ones must AUTH...
	c2 := dialRaw(t, addr)
	if got := c2.cmd(t, "PING"); got != "-NOAUTH Authentication required." {
		t.Errorf("PING on a new connection: %s", got)
	}
	if got := c2.cmd(t, "AUTH", "secret"); got != "+OK" {
		t.Errorf("AUTH: %s", got)
	}
	// ...and RESET drops the authentication.
	if got := c.cmd(t, "RESET"); got != "+RESET" {
		t.Fatal(got)
	}
	if got := c.cmd(t, "PING"); got != "-NOAUTH Authentication required." {
		t.Errorf("PING after RESET: %s", got)
	}
}

func TestConfigSetTimeoutClosesIdleClients(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	c := dialRaw(t, addr)
	if got := c.cmd(t, "CONFIG", "SET", "timeout", "1"); got != "+OK" {
		t.Fatal(got)
	}
	idle := dialRaw(t, addr)
	if got := idle.cmd(t, "PING"); got != "+PONG" {
		t.Fatal(got)
	}
	start := time.Now()
	idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := idle.r.ReadByte(); err != io.EOF {
		t.Fatalf("idle client: read %v, want EOF", err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("idle client closed after %v, before its timeout", d)
	}
	c2 := dialRaw(t, addr)
	if got := c2.cmd(t, "CONFIG", "SET", "timeout", "0"); got != "+OK" {
		t.Fatal(got)
	}
}

func TestConfigSetPortMovesListeners(t *testing.T) {
	port := testenv.FreePort(t)
	cfg := DefaultConfig()
	cfg.Bind = []string{"127.0.0.1"}
	cfg.Port = port
	cfg.Logger = quietLog
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe() }()
	t.Cleanup(func() {
		srv.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("ListenAndServe did not return after Close")
		}
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var c *rawConn
	for deadline := time.Now().Add(5 * time.Second); ; {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			c = &rawConn{conn, bufio.NewReader(conn)}
			t.Cleanup(func() { conn.Close() })
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// A port in use: refused, and nothing moves.
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	if got := c.cmd(t, "CONFIG", "SET", "port", busyPort); got != "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs." {
		t.Errorf("CONFIG SET port to a busy port: %s", got)
	}
	if c2 := dialRaw(t, addr); c2.cmd(t, "PING") != "+PONG" {
		t.Error("the old port stopped answering after a failed move")
	}

	newPort := testenv.FreePort(t)
	if got := c.cmd(t, "CONFIG", "SET", "port", strconv.Itoa(newPort)); got != "+OK" {
		t.Fatalf("CONFIG SET port: %s", got)
	}
	// The connection that asked stays open, the new port answers, the old
	// one is closed.
	if got := c.cmd(t, "CONFIG", "GET", "port"); got != "*2" {
		t.Errorf("CONFIG GET port on the old connection: %s", got)
	}
	for i := 0; i < 3; i++ {
		c.line(t) // $4, port, $5
	}
	if got := c.line(t); got != strconv.Itoa(newPort) {
		t.Errorf("port = %s, want %d", got, newPort)
	}
	c3 := dialRaw(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(newPort)))
	if got := c3.cmd(t, "PING"); got != "+PONG" {
		t.Errorf("PING on the new port: %s", got)
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Error("the old port still accepts connections")
	}
}

func TestConfigRewrite(t *testing.T) {
	path := testenv.WriteFile(t, "redis.conf", "# my settings\nport 7000\nmaxmemory 1mb\n\n# keep this comment\nmaxmemory 2mb\nhash-max-ziplist-entries 64\n")
	cfg, err := loadConfig([]string{path, "--timeout", "30"}, nil, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger = quietLog
	_, addr := startServer(t, cfg)
	c := dialRaw(t, addr)
	if got := c.cmd(t, "CONFIG", "SET", "maxmemory", "100mb", "requirepass", "a \"quoted\" pass", "hash-max-listpack-entries", "32"); got != "+OK" {
		t.Fatal(got)
	}
	if got := c.cmd(t, "CONFIG", "REWRITE"); got != "+OK" {
		t.Fatalf("CONFIG REWRITE: %s", got)
	}
	got := mustRead(t, path)
	want := "# my settings\nport 7000\nmaxmemory 100mb\n\n# keep this comment\nhash-max-listpack-entries 32\n" +
		"# Generated by CONFIG REWRITE\n"
	if !strings.HasPrefix(got, want) {
		t.Errorf("rewritten file:\n%s\nwant it to start with:\n%s", got, want)
	}
	for _, line := range []string{`requirepass "a \"quoted\" pass"`, "timeout 30", "dir \""} {
		if !strings.Contains(got, line+"\n") && !strings.Contains(got, line) {
			t.Errorf("rewritten file lacks %q:\n%s", line, got)
		}
	}
	// The file reads back to the same values.
	again, err := loadConfig([]string{path}, nil, quietLog)
	if err != nil {
		t.Fatalf("reading the rewritten file: %v", err)
	}
	for name, want := range map[string]string{"maxmemory": "104857600", "requirepass": `a "quoted" pass`, "timeout": "30", "hash-max-listpack-entries": "32", "port": "7000"} {
		if v, _ := again.Get(name); v != want {
			t.Errorf("after rewrite %s = %q, want %q", name, v, want)
		}
	}
	// A second rewrite changes nothing.
	if got := c.cmd(t, "CONFIG", "REWRITE"); got != "+OK" {
		t.Fatal(got)
	}
	if again := mustRead(t, path); again != got {
		t.Errorf("second rewrite changed the file:\n%s\nthen:\n%s", got, again)
	}
}
