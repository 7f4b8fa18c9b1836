package server

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/emberkv/ember/internal/testenv"
)

// A Redis 6 single-file appendonly.aof (commands only, or an RDB
// preamble then commands) loads, and leaves the directory as Redis 7.0
// leaves it after its own upgrade (aofUpgradePrepare): the file moved
// into appendonlydir as the base under its old name, a new incr file, and
// the same manifest. Both servers start on copies of the same file.
func TestAOFUpgradeFromSingleFile(t *testing.T) {
	testenv.RequireTool(t, "redis-server")
	checks := []string{"GET base:str", "LRANGE base:list 0 -1", "GET tail:str", "DBSIZE", "SELECT 2", "HGETALL base:hash", "DBSIZE"}
	for _, name := range []string{"commands.aof", "preamble.aof"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "aof-upgrade", name))
			if err != nil {
				t.Fatal(err)
			}
			rdir, edir := t.TempDir(), t.TempDir()
			for _, d := range []string{rdir, edir} {
				if err := os.WriteFile(filepath.Join(d, "appendonly.aof"), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			raddr := testenv.StartRedis(t, "--appendonly", "yes", "--dir", rdir)
			_, eaddr := startAOFServer(t, aofTestConfig(t, edir))
			want, got := replies(t, raddr, checks), replies(t, eaddr, checks)
			for i := range checks {
				if got[i] != want[i] {
					t.Errorf("%s = %q, redis %q", checks[i], got[i], want[i])
				}
			}
			if !strings.Contains(want[2], "world") {
				t.Fatalf("redis did not load the file's tail: %q", want[2])
			}
			if r, e := dirListing(t, rdir), dirListing(t, edir); !slices.Equal(r, e) {
				t.Errorf("files: ember %v, redis %v", e, r)
			}
			mr, _ := os.ReadFile(filepath.Join(rdir, "appendonlydir", "appendonly.aof.manifest"))
			me, _ := os.ReadFile(filepath.Join(edir, "appendonlydir", "appendonly.aof.manifest"))
			if string(mr) != string(me) || len(mr) == 0 {
				t.Errorf("manifest: ember %q, redis %q", me, mr)
			}
			t.Logf("files %v, manifest %q", dirListing(t, edir), me)
			// The moved base is the old file, byte for byte.
			if b, _ := os.ReadFile(filepath.Join(edir, "appendonlydir", "appendonly.aof")); string(b) != string(data) {
				t.Errorf("the base in appendonlydir is not the old file")
			}
		})
	}
}

// dirListing lists the regular files under dir, relative to it, leaving
// out what Redis or Ember write besides the AOF (a dump file, temp files).
func dirListing(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if strings.HasPrefix(d.Name(), "temp-") || strings.HasSuffix(d.Name(), ".rdb") && !strings.Contains(rel, "appendonlydir") {
			return nil
		}
		out = append(out, rel)
		return nil
	})
	slices.Sort(out)
	return out
}
