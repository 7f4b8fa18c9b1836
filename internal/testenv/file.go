package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// WriteFile writes text to a file called name in a fresh temporary
// directory (a config file, say) and returns its path.
func WriteFile(t testing.TB, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
