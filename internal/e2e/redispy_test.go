package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/emberkv/ember/internal/testenv"
)

// TestRedisPyCollections runs testdata/redispy_collections.py: every
// collection command through redis-py 4.3 (Debian's python3-redis, RESP2)
// against a real redis-server and against the binary under test, with the
// Python values redis-py returns compared step by step.
func TestRedisPyCollections(t *testing.T) {
	runRedisPyComparison(t, "redispy_collections.py")
}

// TestRedisPyMessaging runs testdata/redispy_messaging.py the same way:
// the bitmap, HyperLogLog and Pub/Sub commands.
func TestRedisPyMessaging(t *testing.T) {
	runRedisPyComparison(t, "redispy_messaging.py", "redispy_collections.py")
}

// runRedisPyComparison runs a comparing script of testdata with the
// addresses of a real redis-server and of the binary under test. reads
// names the other scripts it imports.
func runRedisPyComparison(t *testing.T, name string, reads ...string) {
	python := testenv.RequireDebianPython(t)
	dir := filepath.Join(repoRoot, "internal", "e2e", "testdata")
	script := filepath.Join(dir, name)
	// go test caches a passing result keyed on the files the test touched;
	// python reads the scripts, so stat them here for an edit to rerun this.
	for _, f := range append([]string{name}, reads...) {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	redisAddr := testenv.StartRedis(t)
	s := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, script, redisAddr, s.addr)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", python, script, err, out.String())
	}
	t.Logf("%s", out.String())
}
