package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// A benchRun is one redis-benchmark run of compare.sh's throughput phase: one
// line of its results.tsv, whose columns are
//
//	round label pipeline test rps avg p50 p95 p99 max cpu_us_per_op status
//
// with "-" in the numbers when status is not "ok" (an error, a timeout, or
// a test the server does not support).
type benchRun struct {
	round    int
	label    string // compare.sh's A or B
	pipeline int
	test     string
	rps      float64
	p50, p99 float64 // ms
	cpu      float64 // server CPU time per request, µs
	ok       bool
}

// A workload is one row of compare.sh's table: a test at a pipeline depth.
type workload struct {
	test     string
	pipeline int
}

func (w workload) String() string { return fmt.Sprintf("%s -P%d", w.test, w.pipeline) }

// readRuns parses results.tsv.
func readRuns(r io.Reader) ([]benchRun, error) {
	var runs []benchRun
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 12 {
			return nil, fmt.Errorf("results.tsv line %d: %d fields, want 12", n, len(f))
		}
		var x benchRun
		var err error
		if x.round, err = strconv.Atoi(f[0]); err != nil {
			return nil, fmt.Errorf("results.tsv line %d: round: %v", n, err)
		}
		if x.pipeline, err = strconv.Atoi(f[2]); err != nil {
			return nil, fmt.Errorf("results.tsv line %d: pipeline: %v", n, err)
		}
		x.label, x.test, x.ok = f[1], f[3], f[11] == "ok"
		if x.ok {
			for _, c := range []struct {
				dst *float64
				col int
			}{{&x.rps, 4}, {&x.p50, 6}, {&x.p99, 8}, {&x.cpu, 10}} {
				if *c.dst, err = strconv.ParseFloat(f[c.col], 64); err != nil {
					return nil, fmt.Errorf("results.tsv line %d column %d: %v", n, c.col+1, err)
				}
			}
		}
		runs = append(runs, x)
	}
	return runs, sc.Err()
}

// workloads lists the workloads in the order of the file, which is
// compare.sh's: every test at the first depth, then at the next.
func workloads(runs []benchRun) []workload {
	var ws []workload
	for _, x := range runs {
		w := workload{x.test, x.pipeline}
		if !slices.Contains(ws, w) {
			ws = append(ws, w)
		}
	}
	return ws
}

// A ratio is one bar of a ratio plot: a middle value and the min-max of
// the per-round ratios.
type ratio struct {
	w            workload
	mid, lo, hi  float64
	rounds       int
	ember, redis float64 // the medians the ratio is made of, where it is one
}

// pairs returns, in round order, Ember's and Redis's runs of w in each
// round in which both ran it successfully.
func pairs(runs []benchRun, w workload, ember, redis string) [][2]benchRun {
	find := func(round int, label string) (benchRun, bool) {
		for _, x := range runs {
			if x.round == round && x.label == label && x.test == w.test && x.pipeline == w.pipeline && x.ok {
				return x, true
			}
		}
		return benchRun{}, false
	}
	var rounds []int
	for _, x := range runs {
		if !slices.Contains(rounds, x.round) {
			rounds = append(rounds, x.round)
		}
	}
	slices.Sort(rounds)
	var out [][2]benchRun
	for _, r := range rounds {
		e, eok := find(r, ember)
		d, dok := find(r, redis)
		if eok && dok {
			out = append(out, [2]benchRun{e, d})
		}
	}
	return out
}

// opsRatios is compare.sh's "ember/redis" and "range" columns: the median
// of the per-round ratios of ops/s, and their min and max. Workloads that
// no round ran on both servers are left out.
func opsRatios(runs []benchRun, ember, redis string) []ratio {
	var out []ratio
	for _, w := range workloads(runs) {
		rs := roundRatios(runs, w, ember, redis, func(x benchRun) float64 { return x.rps })
		if len(rs) == 0 {
			continue
		}
		out = append(out, ratio{w: w, mid: median(rs), lo: slices.Min(rs), hi: slices.Max(rs), rounds: len(rs)})
	}
	return out
}

// cpuRatios is compare.sh's "cpu ember/redis" column, the ratio of the
// median CPU times per request (each over all of that server's successful
// runs), with the min and max of the per-round ratios as its range.
func cpuRatios(runs []benchRun, ember, redis string) []ratio {
	var out []ratio
	cpu := func(x benchRun) float64 { return x.cpu }
	for _, w := range workloads(runs) {
		rs := roundRatios(runs, w, ember, redis, cpu)
		e, d := median(values(runs, w, ember, cpu)), median(values(runs, w, redis, cpu))
		if len(rs) == 0 || !(d > 0) {
			continue
		}
		out = append(out, ratio{w: w, mid: e / d, lo: slices.Min(rs), hi: slices.Max(rs), rounds: len(rs), ember: e, redis: d})
	}
	return out
}

// roundRatios is figure's ember/redis ratio in each round that ran w on
// both servers (and measured it on redis).
func roundRatios(runs []benchRun, w workload, ember, redis string, figure func(benchRun) float64) []float64 {
	var rs []float64
	for _, p := range pairs(runs, w, ember, redis) {
		if d := figure(p[1]); d > 0 {
			rs = append(rs, figure(p[0])/d)
		}
	}
	return rs
}

// values is one figure of every successful run of w on one server.
func values(runs []benchRun, w workload, label string, figure func(benchRun) float64) []float64 {
	var v []float64
	for _, x := range runs {
		if x.ok && x.label == label && x.test == w.test && x.pipeline == w.pipeline {
			v = append(v, figure(x))
		}
	}
	return v
}

// A latency is one workload's median p99 of each server (compare.sh's
// "p99" columns), with the min-max over that server's runs.
type latency struct {
	w               workload
	ember, eLo, eHi float64
	redis, rLo, rHi float64
}

// p99s gives the p99 figures of the workloads both servers ran.
func p99s(runs []benchRun, ember, redis string) []latency {
	var out []latency
	p99 := func(x benchRun) float64 { return x.p99 }
	for _, w := range workloads(runs) {
		es, ds := values(runs, w, ember, p99), values(runs, w, redis, p99)
		if len(es) == 0 || len(ds) == 0 {
			continue
		}
		out = append(out, latency{w: w,
			ember: median(es), eLo: slices.Min(es), eHi: slices.Max(es),
			redis: median(ds), rLo: slices.Min(ds), rHi: slices.Max(ds)})
	}
	return out
}

// median is compare.sh's: the middle value, or the mean of the two middle
// ones.
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// A load is one round of compare.sh's memory phase, a line of memory.tsv:
//
//	round label rss_before_kb rss_after_kb load_us dbsize errors status
type load struct {
	label          string
	rss0, rss1, us float64
	keys           float64
	ok             bool
}

func readLoads(r io.Reader) ([]load, error) {
	var loads []load
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 8 {
			return nil, fmt.Errorf("memory.tsv line %d: %d fields, want 8", n, len(f))
		}
		x := load{label: f[1], ok: f[7] == "ok"}
		if x.ok {
			var err error
			for _, c := range []struct {
				dst *float64
				col int
			}{{&x.rss0, 2}, {&x.rss1, 3}, {&x.us, 4}, {&x.keys, 5}} {
				if *c.dst, err = strconv.ParseFloat(f[c.col], 64); err != nil {
					return nil, fmt.Errorf("memory.tsv line %d column %d: %v", n, c.col+1, err)
				}
			}
			x.ok = x.keys > 0 && x.us > 0
		}
		loads = append(loads, x)
	}
	return loads, sc.Err()
}

// memoryFigures are compare.sh's "RSS growth per key" and "load rate" for
// one server: medians over its successful rounds. ok is false when it has
// none.
func memoryFigures(loads []load, label string) (bytesPerKey, keysPerSec float64, ok bool) {
	var b, k []float64
	for _, x := range loads {
		if x.label == label && x.ok {
			b = append(b, (x.rss1-x.rss0)*1024/x.keys)
			k = append(k, x.keys/(x.us/1e6))
		}
	}
	if len(b) == 0 {
		return 0, 0, false
	}
	return median(b), median(k), true
}
