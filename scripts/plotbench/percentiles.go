package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// A step is one line of redis-benchmark's "latency by percentile
// distribution": pct percent of the requests took at most ms.
type step struct {
	pct, ms float64
}

// A curve is one run's distribution, as scripts/bench-latency.sh writes
// it to its TSV:
//
//	round server test pipeline percentile latency_ms cumulative_count
//
// (after a header line).
type curve struct {
	w      workload
	server string // "ember" or "redis"
	round  int
	steps  []step
}

func readCurves(r io.Reader) ([]curve, error) {
	var out []curve
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 1 && strings.HasPrefix(line, "round\t") || strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 7 {
			return nil, fmt.Errorf("latency line %d: %d fields, want 7", n, len(f))
		}
		round, err1 := strconv.Atoi(f[0])
		pipeline, err2 := strconv.Atoi(f[3])
		pct, err3 := strconv.ParseFloat(f[4], 64)
		ms, err4 := strconv.ParseFloat(f[5], 64)
		for _, err := range []error{err1, err2, err3, err4} {
			if err != nil {
				return nil, fmt.Errorf("latency line %d: %v", n, err)
			}
		}
		w := workload{f[2], pipeline}
		i := slices.IndexFunc(out, func(c curve) bool { return c.w == w && c.server == f[1] && c.round == round })
		if i < 0 {
			out = append(out, curve{w: w, server: f[1], round: round})
			i = len(out) - 1
		}
		out[i].steps = append(out[i].steps, step{pct, ms})
	}
	return out, sc.Err()
}

func readCurvesFile(path string) ([]curve, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cs, err := readCurves(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cs, nil
}

// curveFigures draws one figure per workload, in the order of the file.
func curveFigures(cs []curve) []figure {
	var ws []workload
	for _, c := range cs {
		if !slices.Contains(ws, c.w) {
			ws = append(ws, c.w)
		}
	}
	var figs []figure
	for _, w := range ws {
		var mine []curve
		for _, c := range cs {
			if c.w == w {
				mine = append(mine, c)
			}
		}
		figs = append(figs, curveFigure(w, mine))
	}
	return figs
}

// nines maps a percentile to the x of a "nines" axis: 1/(1-p), drawn on a
// log scale, puts 90%, 99%, 99.9% ... at equal distances. 100% has no
// place on it (the maximum is the last step below it).
func nines(pct float64) (float64, bool) {
	if pct >= 100 {
		return 0, false
	}
	return 100 / (100 - pct), true
}
