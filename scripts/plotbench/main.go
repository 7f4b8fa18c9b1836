// Command plotbench draws the side-by-side benchmark results of
// docs/benchmarks.md as PNGs, with gnuplot (Debian's gnuplot-nox;
// scripts/install-deps.sh --plot installs it). It reads what the benchmark
// scripts keep:
//
//   - compare.sh's raw results (`compare.sh ... --out DIR`): DIR/results.tsv
//     gives ops-ratio.png (ops/s ember/redis per workload and pipeline
//     depth, the median of the per-round ratios with their min-max),
//     cpu-ratio.png (CPU time per request ember/redis) and p99.png (each
//     server's p99); DIR/memory.tsv, when the run had a memory phase, gives
//     memory.png (RSS per key and bulk load rate).
//   - scripts/bench-latency.sh's TSV: latency-TEST-pP.png per workload, the
//     latency by percentile of both servers on a "nines" axis.
//   - scripts/bench-scale.sh's output directory: scale-conns.png (ops/s
//     ember/redis from 1 to 1,000 connections) and scale-ratio.png (-P 64
//     and -P 256, 16 KB and 128 KB values), from its compare.sh runs.
//
// Usage:
//
//	plotbench [-compare DIR] [-latency FILE] [-scale DIR] [-out docs/img] [-ember A -redis B]
//
// -ember and -redis name compare.sh's labels (its --a is A, --b is B);
// docs/benchmarks.md and bench-scale.sh run it with Ember as A.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
)

type config struct {
	compare string // compare.sh --out directory ("" skips)
	latency string // bench-latency.sh TSV ("" skips)
	scale   string // bench-scale.sh --out directory ("" skips)
	out     string // where the PNGs go
	ember   string // compare.sh label of Ember
	redis   string // compare.sh label of Redis
	gnuplot string // the gnuplot binary
}

func main() {
	var c config
	flag.StringVar(&c.compare, "compare", "", "compare.sh --out directory (results.tsv, memory.tsv)")
	flag.StringVar(&c.latency, "latency", "", "scripts/bench-latency.sh output (TSV)")
	flag.StringVar(&c.scale, "scale", "", "scripts/bench-scale.sh --out directory")
	flag.StringVar(&c.out, "out", "docs/img", "directory for the PNGs")
	flag.StringVar(&c.ember, "ember", "A", "compare.sh label of Ember (A = --a, B = --b)")
	flag.StringVar(&c.redis, "redis", "B", "compare.sh label of Redis")
	flag.StringVar(&c.gnuplot, "gnuplot", "gnuplot", "gnuplot binary")
	flag.Parse()
	if flag.NArg() > 0 || c.compare == "" && c.latency == "" && c.scale == "" {
		fmt.Fprintln(os.Stderr, "usage: plotbench [-compare DIR] [-latency FILE] [-scale DIR] [-out DIR] [-ember A -redis B]")
		os.Exit(2)
	}
	names, err := run(context.Background(), c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "plotbench:", err)
		os.Exit(1)
	}
	for _, n := range names {
		fmt.Println(filepath.Join(c.out, n))
	}
}

// run draws every figure the inputs have data for and returns their file
// names.
func run(ctx context.Context, c config) ([]string, error) {
	if c.ember == c.redis {
		return nil, fmt.Errorf("-ember and -redis are both %q", c.ember)
	}
	gnuplot, err := exec.LookPath(c.gnuplot)
	if err != nil {
		return nil, fmt.Errorf("%v (scripts/install-deps.sh --plot installs gnuplot)", err)
	}
	figs, err := figures(c)
	if err != nil {
		return nil, err
	}
	if len(figs) == 0 {
		return nil, errors.New("nothing to draw: no successful run of both servers in the inputs")
	}
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return nil, err
	}
	if err := draw(ctx, gnuplot, c.out, figs); err != nil {
		return nil, err
	}
	names := make([]string, len(figs))
	for i, f := range figs {
		names[i] = f.name
	}
	return names, nil
}

// figures reads the inputs and lays out the figures they give.
func figures(c config) ([]figure, error) {
	var figs []figure
	if c.compare != "" {
		runs, err := readRunsFile(filepath.Join(c.compare, "results.tsv"))
		if err != nil {
			return nil, err
		}
		if rs := opsRatios(runs, c.ember, c.redis); len(rs) > 0 {
			figs = append(figs, ratioFigure("ops-ratio.png",
				"Throughput, Ember / Redis (median of the per-round ratios; above 1 Ember is faster)",
				"ops/s ember / redis", rs, false))
		}
		if rs := cpuRatios(runs, c.ember, c.redis); len(rs) > 0 {
			figs = append(figs, ratioFigure("cpu-ratio.png",
				"Server CPU time per request, Ember / Redis (below 1 Ember needs less)",
				"CPU per request ember / redis", rs, false))
		}
		if ls := p99s(runs, c.ember, c.redis); len(ls) > 0 {
			figs = append(figs, p99Figure(ls))
		}
		loads, err := readLoadsFile(filepath.Join(c.compare, "memory.tsv"))
		if err != nil {
			return nil, err
		}
		eb, er, eok := memoryFigures(loads, c.ember)
		rb, rr, rok := memoryFigures(loads, c.redis)
		if eok && rok {
			figs = append(figs, memoryFigure(eb, er, rb, rr, keysOf(loads)))
		}
	}
	if c.scale != "" {
		more, err := scaleFigures(c.scale, c.ember, c.redis)
		if err != nil {
			return nil, err
		}
		figs = append(figs, more...)
	}
	if c.latency != "" {
		cs, err := readCurvesFile(c.latency)
		if err != nil {
			return nil, err
		}
		figs = append(figs, curveFigures(cs)...)
	}
	return figs, nil
}

// readLoadsFile reads memory.tsv; a run with --mem-keys 0 has an empty
// one, and an older run may have none.
func readLoadsFile(path string) ([]load, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLoads(f)
}

func keysOf(loads []load) float64 {
	for _, l := range loads {
		if l.ok {
			return l.keys
		}
	}
	return 0
}
