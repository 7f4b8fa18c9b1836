package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emberkv/ember/internal/testenv"
	"github.com/redis/go-redis/v9"
)

func TestRunVersionAndHelp(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-v"}, "ember-server v="},
		{[]string{"--version"}, "(Redis 7.0.15 compatible)"},
		{[]string{"-h"}, "Usage: ember-server [/path/to/redis.conf] [options] [-]"},
		{[]string{"--help"}, "ember-server --port 7777"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		if code := run(tt.args, &out, &errOut); code != 0 {
			t.Errorf("run(%q) = %d, want 0; stderr %s", tt.args, code, errOut.String())
		}
		if !strings.Contains(out.String(), tt.want) {
			t.Errorf("run(%q) printed %q, want it to contain %q", tt.args, out.String(), tt.want)
		}
	}
}

// Bad configurations stop start-up with Redis's style of report; none of
// these gets as far as listening.
func TestRunConfigErrors(t *testing.T) {
	conf := testenv.WriteFile(t, "redis.conf", "port 7000\nfoo bar\n")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"unknown directive", []string{conf},
			[]string{"*** FATAL CONFIG FILE ERROR (Ember ", "Reading the configuration file " + conf + ", at line 2", ">>> 'foo bar'", "Bad directive or wrong number of arguments"}},
		{"bad flag", []string{"--port", "7000", "--maxclients", "0"},
			[]string{"*** FATAL CONFIG FILE ERROR", "Reading the command line", ">>> '--maxclients 0'", "argument must be between 1 and 4294967295 inclusive"}},
		{"daemonize", []string{"--daemonize", "yes"}, []string{">>> '--daemonize yes'", "Ember does not daemonize"}},
		{"missing file", []string{filepath.Join(t.TempDir(), "nope.conf")}, []string{"can't open config file", "No such file or directory"}},
		{"stray argument", []string{conf, "extra"}, []string{">>> 'extra'", "unexpected argument"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(tt.args, &out, &errOut); code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut.String())
				}
			}
		})
	}
}

// A port in use is reported and exits 1 rather than hanging.
func TestRunPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	var out, errOut bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run([]string{"--bind", "127.0.0.1", "--port", port}, &out, &errOut) }()
	select {
	case code := <-done:
		if code != 1 || !strings.Contains(errOut.String(), "address already in use") {
			t.Errorf("exit %d, stderr:\n%s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return")
	}
}

// TestBinary builds ember-server, runs it with a config file and a flag
// on a free loopback port, talks to it, and stops it with SIGTERM.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go tool to build with")
	}
	dir := t.TempDir()
	// Never with -race: this test is about flags, the config file, the log
	// and SIGTERM; internal/e2e drives a -race build of the binary.
	bin, err := testenv.BuildServer(dir, false)
	if err != nil {
		t.Fatal(err)
	}

	port := testenv.FreePort(t)
	logPath := filepath.Join(dir, "ember.log")
	conf := testenv.WriteFile(t, "redis.conf", "bind 127.0.0.1\nport "+strconv.Itoa(port)+"\nmaxclients 50\nactiverehashing yes\nlogfile "+logPath+"\n")
	cmd := exec.Command(bin, conf, "--maxclients", "77", "--requirepass", "s3cret")
	cmd.Dir = dir // dir is ".": the dump file SIGTERM saves goes there
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	}()

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	rdb := redis.NewClient(&redis.Options{Addr: addr, Password: "s3cret", MaxRetries: -1, DialTimeout: time.Second})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		err := rdb.Ping(ctx).Err()
		if err == nil {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("ember-server exited at start-up: %v\n%s", err, stderr.String())
		case <-ctx.Done():
			t.Fatalf("ember-server did not answer: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	got, err := rdb.ConfigGet(ctx, "maxclients").Result()
	if err != nil || got["maxclients"] != "77" {
		t.Errorf("CONFIG GET maxclients = %v, %v; want 77 (the flag overrides the file)", got, err)
	}
	got, err = rdb.ConfigGet(ctx, "port").Result()
	if err != nil || got["port"] != strconv.Itoa(port) {
		t.Errorf("CONFIG GET port = %v, %v", got, err)
	}
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Errorf("SET: %v", err)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Errorf("exit status %d after SIGTERM, want 0\n%s", ee.ExitCode(), stderr.String())
			} else {
				t.Error(err)
			}
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ember-server did not exit within 10s of SIGTERM")
	}

	// The log went to the logfile, one line per event.
	logText, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(logText))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{"Ready to accept connections", "activerehashing", "Received signal", "Saving the final RDB snapshot", "DB saved on disk", "ready to exit"} {
		if !strings.Contains(all, want) {
			t.Errorf("log lacks %q:\n%s", want, all)
		}
	}
	// As redis-server with its default save points: SIGTERM saved.
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err != nil {
		t.Errorf("no dump file after SIGTERM: %v", err)
	}
}
