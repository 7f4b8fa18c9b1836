package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The compare.sh runs of scripts/bench-scale.sh, each in its own directory
// under the scale output: conns-N (GET and SET with N connections),
// pipeline (-P 64 and -P 256), values-16k and values-128k (big values).

// A connPoint is one point of the connection curve: the ops/s ratio of a
// test with so many connections.
type connPoint struct {
	test    string
	clients int
	r       ratio
}

// scaleFigures draws scale-conns.png (ops/s ember/redis from 1 to 1,000
// connections) and scale-ratio.png (deep pipelines and big values), from
// whichever of those runs dir holds, and from its latency.tsv (as
// bench-latency.sh's, with tests named keys:get, keys:set, churn:get) the
// latency curves latency-keys-get-p1.png and so on.
func scaleFigures(dir, ember, redis string) ([]figure, error) {
	var figs []figure
	conns, err := filepath.Glob(filepath.Join(dir, "conns-*", "results.tsv"))
	if err != nil {
		return nil, err
	}
	var points []connPoint
	for _, path := range conns {
		n, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(filepath.Dir(path)), "conns-"))
		if err != nil {
			continue // not one of bench-scale.sh's directories
		}
		runs, err := readRunsFile(path)
		if err != nil {
			return nil, err
		}
		for _, r := range opsRatios(runs, ember, redis) {
			points = append(points, connPoint{r.w.test, n, r})
		}
	}
	if len(points) > 0 {
		figs = append(figs, connFigure(points))
	}
	var rs []ratio
	for _, part := range []struct{ dir, suffix string }{
		{"pipeline", ""}, {"values-16k", " 16 KB"}, {"values-128k", " 128 KB"},
	} {
		runs, err := readRunsFile(filepath.Join(dir, part.dir, "results.tsv"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for i := range runs {
			runs[i].test += part.suffix
		}
		rs = append(rs, opsRatios(runs, ember, redis)...)
	}
	if len(rs) > 0 {
		figs = append(figs, ratioFigure("scale-ratio.png",
			"Deep pipelines and big values: throughput, Ember / Redis (median of the rounds)",
			"ops/s ember / redis", rs, true))
	}
	// The latency distributions of the keys and churn workloads.
	cs, err := readCurvesFile(filepath.Join(dir, "latency.tsv"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	figs = append(figs, curveFigures(cs)...)
	return figs, nil
}

func readRunsFile(path string) ([]benchRun, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	runs, err := readRuns(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return runs, nil
}

// connFigure draws one line per test: x the connections (log scale), y
// the median ratio, with the min-max whiskers and the line at 1.0.
func connFigure(points []connPoint) figure {
	slices.SortFunc(points, func(a, b connPoint) int {
		if c := strings.Compare(a.test, b.test); c != 0 {
			return c
		}
		return a.clients - b.clients
	})
	var tests []string
	for _, p := range points {
		if !slices.Contains(tests, p.test) {
			tests = append(tests, p.test)
		}
	}
	var b strings.Builder
	var plots []string
	hi, most := 1.0, 1
	for i, t := range tests {
		fmt.Fprintf(&b, "$t%d << EOD\n", i)
		for _, p := range points {
			if p.test == t {
				fmt.Fprintf(&b, "%d %g %g %g\n", p.clients, p.r.mid, p.r.lo, p.r.hi)
				hi, most = max(hi, p.r.hi), max(most, p.clients)
			}
		}
		b.WriteString("EOD\n")
		colour := depthColours[(2*i+1)%len(depthColours)]
		plots = append(plots,
			fmt.Sprintf("$t%d using 1:2 with linespoints lw 2 pt 7 lc rgb %s title %s", i, quote(colour), quote(strings.ToUpper(t))),
			fmt.Sprintf("$t%d using 1:3:(0):($4-$3) with %s notitle", i, whisker))
	}
	plots = append(plots, "1 with lines dt 2 lw 1.5 lc rgb 'black' title 'Redis = 1.0'")
	b.WriteString("set title 'Throughput from 1 to 1,000 connections, Ember / Redis (-P 1; median of the rounds, whiskers min-max)'\n")
	b.WriteString("set xlabel 'connections (redis-benchmark -c)'\nset ylabel 'ops/s ember / redis'\nset logscale x\n")
	fmt.Fprintf(&b, "set xrange [0.7:%g]\nset yrange [0:%g]\nset key top left\n", float64(most)*1.4, hi*1.15)
	b.WriteString("plot " + strings.Join(plots, ", \\\n     ") + "\n")
	return figure{name: "scale-conns.png", width: 800, height: 450, script: b.String()}
}
