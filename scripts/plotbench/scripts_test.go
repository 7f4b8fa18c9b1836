package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emberkv/ember/internal/testenv"
)

// The benchmark scripts read redis-benchmark's text output, which no
// compiler checks. These tests run them, tiny, against the real tools so
// that a change of that output or of the scripts shows here: a few
// thousand requests on loopback, a few seconds each.

// benchScript runs scripts/NAME with args from the module root and returns
// its stdout.
func benchScript(t *testing.T, name string, args ...string) string {
	t.Helper()
	testenv.RequireTool(t, "bash")
	testenv.RequireTool(t, "redis-server")
	testenv.RequireTool(t, "redis-cli")
	testenv.RequireTool(t, "redis-benchmark")
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := testenv.BuildServer(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", append([]string{filepath.Join("scripts", name), "--ember", bin}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", name, err, out, stderr.String())
	}
	// Everything the script started is gone once it has exited: no
	// process runs this test's own ember-server binary.
	if pids := running(bin); len(pids) > 0 {
		t.Errorf("%s left ember-server running: pids %v", name, pids)
	}
	return string(out)
}

// running lists the processes whose executable is bin.
func running(bin string) []string {
	var pids []string
	exes, _ := filepath.Glob("/proc/[0-9]*/exe")
	for _, exe := range exes {
		if target, err := os.Readlink(exe); err == nil && target == bin {
			pids = append(pids, filepath.Base(filepath.Dir(exe)))
		}
	}
	return pids
}

func TestBenchLatencyScript(t *testing.T) {
	tsv := filepath.Join(t.TempDir(), "latency.tsv")
	out := benchScript(t, "bench-latency.sh", "--tests", "get", "--pipelines", "1,4",
		"--requests", "2000", "--clients", "5", "--out", tsv)
	f, err := os.Open(tsv)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cs, err := readCurves(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 4 {
		t.Fatalf("%d curves, want 4 (two servers, two depths):\n%s", len(cs), out)
	}
	for _, c := range cs {
		s := c.steps
		if len(s) < 2 || s[0].pct != 0 || s[len(s)-1].pct != 100 {
			t.Errorf("%s %v: steps from %v to %v, want 0%% to 100%%", c.server, c.w, s[0], s[len(s)-1])
		}
		for i := 1; i < len(s); i++ {
			if s[i].pct < s[i-1].pct || s[i].ms < s[i-1].ms {
				t.Errorf("%s %v: step %d (%v) falls below step %d (%v)", c.server, c.w, i, s[i], i-1, s[i-1])
			}
		}
	}
	// The summary on stdout: a row per server and depth.
	for _, want := range []string{"1      ember  get   1  ", "1      redis  get   4  "} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

func TestBenchScaleScript(t *testing.T) {
	dir := t.TempDir()
	benchScript(t, "bench-scale.sh", "--only", "keys,churn", "--keys", "2000", "--big-keys", "10",
		"--rounds", "1", "--requests", "2000", "--out", dir)
	summary, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"## 2000 small keys resident",
		"| get | ", "| set | ",
		"| RSS growth per key (bytes) |",
		"## GET of small keys while another client overwrites 10 values of 131072 bytes",
		"| RSS peak during churn (MiB) |",
		"| writer SETs/s |",
	} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("summary.md lacks %q:\n%s", want, summary)
		}
	}
	// The latency distributions, for plotbench -scale.
	cs, err := readCurvesFile(filepath.Join(dir, "latency.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range curveFigures(cs) {
		names = append(names, f.name)
	}
	if want := []string{"latency-keys-get-p1.png", "latency-keys-set-p1.png", "latency-churn-get-p1.png"}; !slices.Equal(names, want) {
		t.Errorf("latency figures %v, want %v", names, want)
	}
	// No figure is missing: a parse that failed would leave "-" or an
	// empty cell in the latency tables.
	for _, line := range strings.Split(string(summary), "\n") {
		if strings.HasPrefix(line, "| get |") || strings.HasPrefix(line, "| set |") {
			if strings.Contains(line, "| - |") || strings.Contains(line, "|  |") {
				t.Errorf("a figure is missing: %s", line)
			}
		}
	}
}
