package e2e

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/emberkv/ember/internal/testenv"
)

// TestFlaskDemo runs examples/flask-demo/test_app.py (unittest) against
// the binary under test, so `go test ./...` covers the demo.
func TestFlaskDemo(t *testing.T) {
	python := testenv.RequireDebianPython(t)
	script := filepath.Join(repoRoot, "examples", "flask-demo", "test_app.py")
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, script)
	cmd.Dir = t.TempDir()
	cmd.Env = append(serverEnv(), "EMBER_SERVER_BIN="+serverBinary, "PYTHONDONTWRITEBYTECODE=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", python, script, err, out.String())
	}
	t.Logf("%s", out.String())
}
