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
	python := testenv.RequireDebianPython(t)
	script := filepath.Join(repoRoot, "internal", "e2e", "testdata", "redispy_collections.py")
	// go test caches a passing result keyed on the files the test touched;
	// python reads the script, so stat it here for an edit to rerun this.
	if _, err := os.Stat(script); err != nil {
		t.Fatal(err)
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
