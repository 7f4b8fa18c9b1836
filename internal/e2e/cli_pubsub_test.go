package e2e

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emberkv/ember/internal/testenv"
)

// streamingCLI runs a redis-cli that keeps printing (SUBSCRIBE, MONITOR)
// and hands its output lines on a channel; the process is killed when the
// test ends.
func streamingCLI(t *testing.T, s *serverProc, args ...string) <-chan string {
	t.Helper()
	cli := testenv.RequireTool(t, "redis-cli")
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	cmd := exec.CommandContext(ctx, cli, append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(s.port)}, args...)...)
	cmd.Env = append(os.Environ(), "REDISCLI_HISTFILE=/dev/null")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	return lines
}

// expectLines reads lines until want has been seen in order, or fails.
func expectLines(t *testing.T, lines <-chan string, want ...string) {
	t.Helper()
	deadline := time.After(toolTimeout)
	var got []string
	for len(want) > 0 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("redis-cli ended; got %q, still wanted %q", got, want)
			}
			got = append(got, l)
			if l == want[0] {
				want = want[1:]
			}
		case <-deadline:
			t.Fatalf("got %q, still waiting for %q", got, want)
		}
	}
}

// TestRedisCLISubscribe: `redis-cli subscribe` shows the confirmation,
// then each message published, as it does against Redis.
func TestRedisCLISubscribe(t *testing.T) {
	s := startServer(t)
	lines := streamingCLI(t, s, "subscribe", "news")
	expectLines(t, lines, "subscribe", "news", "1")
	if out, _ := s.cli(t, "publish", "news", "hello world"); strings.TrimSpace(out) != "1" {
		t.Fatalf("PUBLISH answered %q, want 1 receiver", out)
	}
	expectLines(t, lines, "message", "news", "hello world")
	lines = streamingCLI(t, s, "psubscribe", "n*")
	expectLines(t, lines, "psubscribe", "n*", "1")
	if out, _ := s.cli(t, "publish", "news", "again"); strings.TrimSpace(out) != "2" {
		t.Fatalf("PUBLISH answered %q, want 2 receivers", out)
	}
	expectLines(t, lines, "pmessage", "n*", "news", "again")
}

// TestRedisCLIMonitor: `redis-cli monitor` prints OK, then one line per
// command in Redis's format, with AUTH's password redacted.
func TestRedisCLIMonitor(t *testing.T) {
	s := startServer(t)
	lines := streamingCLI(t, s, "monitor")
	expectLines(t, lines, "OK")
	s.cli(t, "set", "greeting", "hello world")
	s.cli(t, "auth", "secret")
	want := []*regexp.Regexp{
		regexp.MustCompile(`^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "set" "greeting" "hello world"$`),
		regexp.MustCompile(`^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "auth" "\(redacted\)"$`),
	}
	deadline := time.After(toolTimeout)
	for len(want) > 0 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("redis-cli monitor ended")
			}
			if strings.Contains(l, `"command"`) { // redis-cli's own COMMAND DOCS
				continue
			}
			if !want[0].MatchString(l) {
				t.Fatalf("MONITOR line %q does not match %s", l, want[0])
			}
			want = want[1:]
		case <-deadline:
			t.Fatalf("still waiting for a MONITOR line matching %s", want[0])
		}
	}
}
