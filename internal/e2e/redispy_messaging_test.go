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

// TestRedisPyMessaging runs testdata/redispy_messaging.py: the bitmap,
// HyperLogLog and Pub/Sub commands through redis-py 4.3 (Debian's
// python3-redis, RESP2) against a real redis-server and against the binary
// under test, with the Python values redis-py returns compared step by
// step.
func TestRedisPyMessaging(t *testing.T) {
	python := testenv.RequireDebianPython(t)
	dir := filepath.Join(repoRoot, "internal", "e2e", "testdata")
	script := filepath.Join(dir, "redispy_messaging.py")
	// go test caches a passing result keyed on the files the test touched;
	// python reads the script and the Pair it imports, so stat both here
	// for an edit to rerun this.
	for _, f := range []string{script, filepath.Join(dir, "redispy_collections.py")} {
		if _, err := os.Stat(f); err != nil {
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
