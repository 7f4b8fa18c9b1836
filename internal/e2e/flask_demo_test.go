package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// debianPython is Debian's interpreter, which has python3-flask and
// python3-redis; a python3 earlier on PATH (pyenv, a venv) may not.
const debianPython = "/usr/bin/python3"

// TestFlaskDemo runs examples/flask-demo/test_app.py (unittest) against
// the binary under test, so `go test ./...` covers the demo.
func TestFlaskDemo(t *testing.T) {
	if _, err := os.Stat(debianPython); err != nil {
		missingTool(t, debianPython)
	}
	if err := exec.Command(debianPython, "-c", "import flask, redis").Run(); err != nil {
		missingTool(t, "python3-flask or python3-redis")
	}
	script := filepath.Join(repoRoot, "examples", "flask-demo", "test_app.py")
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, debianPython, script)
	cmd.Dir = t.TempDir()
	cmd.Env = append(serverEnv(), "EMBER_SERVER_BIN="+serverBinary, "PYTHONDONTWRITEBYTECODE=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", debianPython, script, err, out.String())
	}
	t.Logf("%s", out.String())
}
