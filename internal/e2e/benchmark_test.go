package e2e

import (
	"bytes"
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/emberkv/ember/internal/testenv"
)

// TestRedisBenchmark runs redis-benchmark's PING (inline and multibulk),
// SET, GET, INCR and MSET tests: each must finish with no error reply.
func TestRedisBenchmark(t *testing.T) {
	bench := testenv.RequireTool(t, "redis-benchmark")
	s := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bench, "-h", "127.0.0.1", "-p", strconv.Itoa(s.port),
		"-t", "ping,set,get,incr,mset", "-n", "20000", "-q")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	// -q redraws a progress line with \r; the results are what each line
	// ends with.
	var results []string
	for _, line := range strings.Split(out.String(), "\n") {
		if i := strings.LastIndexByte(line, '\r'); i >= 0 {
			line = line[i+1:]
		}
		if line = strings.TrimSpace(line); line != "" {
			results = append(results, line)
		}
	}
	report := "stdout:\n" + strings.Join(results, "\n") + "\nstderr:\n" + errOut.String()
	if err != nil {
		t.Fatalf("redis-benchmark: %v\n%s", err, report)
	}
	if strings.Contains(out.String(), "ERR") || strings.Contains(out.String(), "Error") ||
		strings.Contains(errOut.String(), "ERR") || strings.Contains(errOut.String(), "Error") {
		t.Errorf("redis-benchmark reported errors\n%s", report)
	}
	// Redis prints nothing to stderr here; a warning such as "Could not
	// fetch server CONFIG" means a command the tool relies on is missing.
	if errOut.Len() > 0 {
		t.Errorf("redis-benchmark wrote to stderr\n%s", report)
	}
	for _, test := range []string{"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"} {
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(test) + `: [0-9.]+ requests per second`)
		if !re.MatchString(strings.Join(results, "\n")) {
			t.Errorf("no result line for %s\n%s", test, report)
		}
	}
	t.Logf("redis-benchmark:\n%s", strings.Join(results, "\n"))
}
