package main

import (
	"context"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/emberkv/ember/internal/testenv"
)

// TestDrawsEveryPNG draws the checked-in results (cuts of one real
// compare.sh run, one bench-latency.sh run and one scaled-down
// bench-scale.sh run) and checks that every
// figure is a PNG of the size it was drawn at, so that a change in gnuplot
// or in the scripts cannot leave docs/img to rot unnoticed.
func TestDrawsEveryPNG(t *testing.T) {
	gnuplot := testenv.RequireTool(t, "gnuplot")
	out := t.TempDir()
	names, err := run(context.Background(), config{
		compare: "testdata/compare",
		latency: "testdata/latency.tsv",
		scale:   "testdata/scale",
		out:     out,
		ember:   "A",
		redis:   "B",
		gnuplot: gnuplot,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ops-ratio.png", "cpu-ratio.png", "p99.png", "memory.png",
		"scale-conns.png", "scale-ratio.png",
		"latency-keys-get-p1.png", "latency-keys-set-p1.png", "latency-churn-get-p1.png",
		"latency-get-p1.png", "latency-get-p16.png", "latency-set-p16.png"}
	if !slices.Equal(names, want) {
		t.Fatalf("drew %v, want %v", names, want)
	}
	figs, err := figures(config{compare: "testdata/compare", latency: "testdata/latency.tsv", scale: "testdata/scale", ember: "A", redis: "B"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range figs {
		t.Run(f.name, func(t *testing.T) {
			file, err := os.Open(filepath.Join(out, f.name))
			if err != nil {
				t.Fatal(err)
			}
			defer file.Close()
			if st, err := file.Stat(); err != nil || st.Size() == 0 {
				t.Fatalf("empty or unreadable: %v", err)
			}
			img, err := png.Decode(file)
			if err != nil {
				t.Fatalf("not a valid PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != f.width || b.Dy() != f.height {
				t.Errorf("size %dx%d, want %dx%d", b.Dx(), b.Dy(), f.width, f.height)
			}
		})
	}
}

func TestRunRefusesNothingToDraw(t *testing.T) {
	gnuplot := testenv.RequireTool(t, "gnuplot")
	dir := t.TempDir()
	// Only unsupported rows: no workload ran on both servers.
	rows := "1\tA\t1\tset\t-\t-\t-\t-\t-\t-\t-\tunsupported\n1\tB\t1\tset\t-\t-\t-\t-\t-\t-\t-\tunsupported\n"
	if err := os.WriteFile(filepath.Join(dir, "results.tsv"), []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := run(context.Background(), config{compare: dir, out: t.TempDir(), ember: "A", redis: "B", gnuplot: gnuplot})
	if err == nil || !strings.Contains(err.Error(), "nothing to draw") {
		t.Fatalf("err = %v, want nothing to draw", err)
	}
}

// row builds a results.tsv line.
func row(round, label, pipeline, test, rps, p99, cpu string) string {
	return strings.Join([]string{round, label, pipeline, test, rps, "1", "0.5", "0.9", p99, "9", cpu, "ok"}, "\t")
}

func TestRatios(t *testing.T) {
	lines := []string{
		// set -P1: three rounds, ratios 2, 0.5, 1 -> median 1, range 0.5-2.
		row("1", "A", "1", "set", "200", "2", "10"), row("1", "B", "1", "set", "100", "1", "5"),
		row("2", "B", "1", "set", "100", "1", "5"), row("2", "A", "1", "set", "50", "4", "20"),
		row("3", "A", "1", "set", "100", "3", "10"), row("3", "B", "1", "set", "100", "1", "10"),
		// get -P16: round 2 failed on A, so only round 1 pairs up.
		row("1", "A", "16", "get", "300", "1", "2"), row("1", "B", "16", "get", "100", "2", "4"),
		"2\tA\t16\tget\t-\t-\t-\t-\t-\t-\t-\terror", row("2", "B", "16", "get", "100", "2", "4"),
		// zadd: B does not support it; no bar.
		row("1", "A", "1", "zadd", "100", "1", "1"), "1\tB\t1\tzadd\t-\t-\t-\t-\t-\t-\t-\tunsupported",
	}
	runs, err := readRuns(strings.NewReader(strings.Join(lines, "\n") + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := workloads(runs), []workload{{"set", 1}, {"get", 16}, {"zadd", 1}}; !slices.Equal(got, want) {
		t.Fatalf("workloads %v, want %v", got, want)
	}
	tests := []struct {
		name string
		got  []ratio
		want []ratio
	}{
		{"ops", opsRatios(runs, "A", "B"), []ratio{
			{w: workload{"set", 1}, mid: 1, lo: 0.5, hi: 2, rounds: 3},
			{w: workload{"get", 16}, mid: 3, lo: 3, hi: 3, rounds: 1},
		}},
		// CPU: the ratio of the medians (A 10, B 5 for set; A 2, B 4 for
		// get, B's over both its rounds), the range per round.
		{"cpu", cpuRatios(runs, "A", "B"), []ratio{
			{w: workload{"set", 1}, mid: 2, lo: 1, hi: 4, rounds: 3, ember: 10, redis: 5},
			{w: workload{"get", 16}, mid: 0.5, lo: 0.5, hi: 0.5, rounds: 1, ember: 2, redis: 4},
		}},
		// Swapping the labels turns every ratio over.
		{"ops swapped", opsRatios(runs, "B", "A"), []ratio{
			{w: workload{"set", 1}, mid: 1, lo: 0.5, hi: 2, rounds: 3},
			{w: workload{"get", 16}, mid: 1.0 / 3, lo: 1.0 / 3, hi: 1.0 / 3, rounds: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", tt.got, tt.want)
			}
			for i := range tt.got {
				g, w := tt.got[i], tt.want[i]
				if g.w != w.w || g.rounds != w.rounds || !near(g.mid, w.mid) || !near(g.lo, w.lo) || !near(g.hi, w.hi) ||
					!near(g.ember, w.ember) || !near(g.redis, w.redis) {
					t.Errorf("bar %d: got %+v, want %+v", i, g, w)
				}
			}
		})
	}
	ls := p99s(runs, "A", "B")
	want := []latency{
		{w: workload{"set", 1}, ember: 3, eLo: 2, eHi: 4, redis: 1, rLo: 1, rHi: 1},
		{w: workload{"get", 16}, ember: 1, eLo: 1, eHi: 1, redis: 2, rLo: 2, rHi: 2},
	}
	if !slices.Equal(ls, want) {
		t.Errorf("p99s %+v, want %+v", ls, want)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, tt := range tests {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median of nothing is not NaN")
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name, results, want string
	}{
		{"short line", "1\tA\t1\tset\t100\n", "5 fields, want 12"},
		{"bad round", strings.Replace(row("1", "A", "1", "set", "1", "1", "1"), "1", "x", 1) + "\n", "round"},
		{"bad number", row("1", "A", "1", "set", "fast", "1", "1") + "\n", "column 5"},
		{"bad pipeline", row("1", "A", "P1", "set", "1", "1", "1") + "\n", "pipeline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readRuns(strings.NewReader(tt.results))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := readCurves(strings.NewReader("round\tserver\n1\tember\tget\t1\t50.0\n")); err == nil {
		t.Error("a short latency line was accepted")
	}
	if _, err := readLoads(strings.NewReader("1\tA\t10\n")); err == nil {
		t.Error("a short memory line was accepted")
	}
}

func TestMemoryFigures(t *testing.T) {
	// 1000 keys grow RSS by 100 kB in 0.5 s: 102.4 bytes a key, 2000 keys/s.
	loads, err := readLoads(strings.NewReader("1\tA\t100\t200\t500000\t1000\t0\tok\n1\tB\t1\t-\t-\t-\t-\terror\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, k, ok := memoryFigures(loads, "A")
	if !ok || !near(b, 102.4) || !near(k, 2000) {
		t.Errorf("A: %v bytes/key, %v keys/s, ok %v", b, k, ok)
	}
	if _, _, ok := memoryFigures(loads, "B"); ok {
		t.Error("B has no successful round but got figures")
	}
}

func TestCurves(t *testing.T) {
	tsv := "round\tserver\ttest\tpipeline\tpercentile\tlatency_ms\tcumulative_count\n" +
		"1\tember\tget\t1\t0.000\t0.1\t1\n1\tember\tget\t1\t99.000\t2\t99\n1\tember\tget\t1\t100.000\t3\t100\n" +
		"1\tredis\tget\t1\t50.000\t0.2\t50\n"
	cs, err := readCurves(strings.NewReader(tsv))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || len(cs[0].steps) != 3 || cs[1].server != "redis" || cs[0].w != (workload{"get", 1}) {
		t.Fatalf("curves %+v", cs)
	}
	for _, tt := range []struct {
		pct, x float64
		ok     bool
	}{{0, 1, true}, {50, 2, true}, {99, 100, true}, {99.9, 1000, true}, {100, 0, false}} {
		x, ok := nines(tt.pct)
		if ok != tt.ok || ok && math.Abs(x-tt.x) > 1e-6*tt.x {
			t.Errorf("nines(%v) = %v, %v; want %v, %v", tt.pct, x, ok, tt.x, tt.ok)
		}
	}
	// 100% has no place on the axis: the figure's data leaves it out.
	if f := curveFigure(workload{"get", 1}, cs); strings.Contains(f.script, "\n3\n") || strings.Contains(f.script, " 3\n") {
		t.Errorf("the 100%% step was drawn:\n%s", f.script)
	}
}

func TestScaleFigures(t *testing.T) {
	figs, err := scaleFigures("testdata/scale", "A", "B")
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 5 { // conns, ratios, and three latency curves
		t.Fatalf("%d figures, want 5", len(figs))
	}
	// The connection curve has a point per test and connection count, in
	// order of connections; the ratio bars name the value size.
	conns := figs[0].script
	for _, want := range []string{"$t0 << EOD\n1 ", "\n1000 ", "title 'GET'", "title 'SET'"} {
		if !strings.Contains(conns, want) {
			t.Errorf("scale-conns.png's script lacks %q:\n%s", want, conns)
		}
	}
	if !strings.Contains(figs[1].script, `"get 128 KB -P1"`) || !strings.Contains(figs[1].script, "-P 256") {
		t.Errorf("scale-ratio.png's script:\n%s", figs[1].script)
	}
	// An empty directory gives nothing to draw, not an error.
	if figs, err := scaleFigures(t.TempDir(), "A", "B"); err != nil || len(figs) != 0 {
		t.Errorf("empty directory: %d figures, %v", len(figs), err)
	}
}
