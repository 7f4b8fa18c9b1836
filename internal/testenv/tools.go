package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// DebianPython is Debian's interpreter, which has python3-flask and
// python3-redis; a python3 earlier on PATH (pyenv, a venv) may not.
const DebianPython = "/usr/bin/python3"

// RequireTool returns the path of an external program on PATH. When it is
// missing the test skips, or fails under EMBER_REQUIRE_TOOLS=1.
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		missingTool(t, name)
	}
	return path
}

// RequireDebianPython returns DebianPython once it is there and can import
// flask and redis. Otherwise the test skips, or fails under
// EMBER_REQUIRE_TOOLS=1.
func RequireDebianPython(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(DebianPython); err != nil {
		missingTool(t, DebianPython)
	}
	if err := exec.Command(DebianPython, "-c", "import flask, redis, flask_limiter").Run(); err != nil {
		missingTool(t, "python3-flask, python3-redis or python3-flask-limiter")
	}
	return DebianPython
}

// missingTool skips the test, or fails it when EMBER_REQUIRE_TOOLS=1 (as
// `make test` sets it, so that CI never passes by skipping).
func missingTool(t testing.TB, what string) {
	t.Helper()
	msg := fmt.Sprintf("%s is not installed (scripts/install-deps.sh installs it)", what)
	if os.Getenv("EMBER_REQUIRE_TOOLS") == "1" {
		t.Fatal(msg + "; EMBER_REQUIRE_TOOLS=1")
	}
	t.Skip(msg + "; set EMBER_REQUIRE_TOOLS=1 to make this a failure")
}
