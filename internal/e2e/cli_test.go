package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/emberkv/ember/internal/testenv"
)

// TestRedisCLIOneShot runs redis-cli with a command on its command line,
// the way scripts use it. Its standard output is not a terminal, so it
// prints raw values: no quotes, no "(error)" prefix.
func TestRedisCLIOneShot(t *testing.T) {
	testenv.RequireTool(t, "redis-cli")
	s := startServer(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"ping", []string{"PING"}, "PONG"},
		{"set", []string{"SET", "greeting", "hello world"}, "OK"},
		{"get", []string{"GET", "greeting"}, "hello world"},
		{"get missing", []string{"GET", "nosuchkey"}, ""},
		{"select db 1 set", []string{"-n", "1", "SET", "where", "db1"}, "OK"},
		{"select db 1 get", []string{"-n", "1", "GET", "where"}, "db1"},
		{"db 0 does not see db 1", []string{"GET", "where"}, ""},
		{"unknown command", []string{"NOSUCHCMD", "a1", "a2"},
			"ERR unknown command 'NOSUCHCMD', with args beginning with: 'a1' 'a2' "},
		{"wrong arity", []string{"GET"}, "ERR wrong number of arguments for 'get' command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := s.cli(t, tt.args...)
			if got := strings.TrimRight(out, "\n"); got != tt.want {
				t.Errorf("redis-cli %q = %q, want %q", tt.args, got, tt.want)
			}
		})
	}
}

// TestRedisCLIAuth checks -a against a server started with --requirepass.
func TestRedisCLIAuth(t *testing.T) {
	testenv.RequireTool(t, "redis-cli")
	const pass = "s3cret pass"
	s := startServer(t, "--requirepass", pass)
	tests := []struct {
		name       string
		args       []string
		want       string
		wantStderr string // a substring; "" means stderr must be empty
	}{
		{"no password", []string{"PING"}, "NOAUTH Authentication required.", ""},
		{"password", []string{"--no-auth-warning", "-a", pass, "PING"}, "PONG", ""},
		{"password set get", []string{"--no-auth-warning", "-a", pass, "SET", "k", "v"}, "OK", ""},
		{"wrong password", []string{"--no-auth-warning", "-a", "wrong", "PING"},
			"NOAUTH Authentication required.",
			"AUTH failed: WRONGPASS invalid username-password pair or user is disabled."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut := s.cli(t, tt.args...)
			if got := strings.TrimRight(out, "\n"); got != tt.want {
				t.Errorf("redis-cli %q = %q, want %q", tt.args, got, tt.want)
			}
			if (tt.wantStderr == "" && errOut != "") || !strings.Contains(errOut, tt.wantStderr) {
				t.Errorf("redis-cli %q stderr = %q, want %q", tt.args, errOut, tt.wantStderr)
			}
		})
	}
}

// TestRedisCLIPipe sends a few thousand SETs through redis-cli --pipe (the
// mass-insertion mode: raw RESP on stdin, ended by an ECHO marker).
func TestRedisCLIPipe(t *testing.T) {
	testenv.RequireTool(t, "redis-cli")
	s := startServer(t)
	const n = 5000
	var in strings.Builder
	for i := range n {
		k, v := fmt.Sprintf("pipe:%d", i), fmt.Sprintf("value-%d", i)
		fmt.Fprintf(&in, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(k), k, len(v), v)
	}
	out, _ := s.cliInput(t, in.String(), "--pipe")
	if want := fmt.Sprintf("errors: 0, replies: %d", n); !strings.Contains(out, want) {
		t.Fatalf("redis-cli --pipe output lacks %q:\n%s", want, out)
	}
	for _, i := range []int{0, n / 2, n - 1} {
		got, _ := s.cli(t, "GET", fmt.Sprintf("pipe:%d", i))
		if want := fmt.Sprintf("value-%d\n", i); got != want {
			t.Errorf("GET pipe:%d = %q, want %q", i, got, want)
		}
	}
}
