package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emberkv/ember/persistence/aof"
)

// FuzzAOFLoad replays arbitrary bytes as an incr file through the
// server's loader and command table: a refusal or a warning, never a
// panic, and never a blocked loader.
func FuzzAOFLoad(f *testing.F) {
	var seed []byte
	for _, line := range aofEffectScript {
		var args [][]byte
		for _, w := range strings.Fields(line) {
			args = append(args, []byte(w))
		}
		seed = aof.AppendCommand(seed, args...)
	}
	f.Add(seed)
	f.Add([]byte("*2\r\n$6\r\nSELECT\r\n$2\r\n99\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"))
	f.Add([]byte("*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\na\r\n"))
	f.Add([]byte("*3\r\n$5\r\nBLPOP\r\n$1\r\nl\r\n$1\r\n0\r\n"))
	srv, err := New(DefaultConfig())
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	dir := f.TempDir()
	m := &aof.Manifest{}
	m.NewIncr("appendonly.aof")
	path := filepath.Join(dir, "appendonly.aof.1.incr.aof")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		srv.store.FlushAll()
		srv.store.SetLoading(true)
		defer srv.store.SetLoading(false)
		srv.replayAOF(dir, m, aof.LoadOptions{Truncated: true})
	})
}
