package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Colours: one per server, and one per pipeline depth for the ratio bars.
const (
	emberColour = "#d95f02"
	redisColour = "#1f78b4"
)

// whisker draws a min-max range as a vertical line with flat ends (a
// vector from the min, as long as the range, with heads at 90 degrees).
const whisker = "vectors heads size screen 0.006,90 lw 1 lc rgb 'black'"

// Light and dark orange for -P 1 and -P 16, compare.sh's default depths;
// purples and a green for others.
var depthColours = []string{"#fdae6b", "#e6550d", "#9e9ac8", "#54278f", "#74c476"}

// A figure is one PNG: its size, and a gnuplot script with the data it
// plots in data blocks ($name << EOD), without the terminal and output
// lines.
type figure struct {
	name   string // file name, e.g. "ops-ratio.png"
	width  int
	height int
	script string
}

// source is the whole script: a PNG through cairo (antialiased text and
// lines) at the figure's fixed size, so that a redraw gives the same
// frame, the house style, then the figure's own lines.
func (f figure) source(dir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "set terminal pngcairo size %d,%d font \"sans,10\" noenhanced\n", f.width, f.height)
	fmt.Fprintf(&b, "set output %s\n", quote(filepath.Join(dir, f.name)))
	b.WriteString("set encoding utf8\nset grid ytics lc rgb \"#dddddd\"\nset border 3\nset tics nomirror\n")
	b.WriteString(f.script)
	b.WriteString("unset output\n")
	return b.String()
}

// draw runs gnuplot on every figure, one process each, so that an error
// names the figure it is in.
func draw(ctx context.Context, gnuplot, dir string, figs []figure) error {
	for _, f := range figs {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		cmd := exec.CommandContext(ctx, gnuplot)
		cmd.Stdin = strings.NewReader(f.source(dir))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		cancel()
		if err != nil {
			return fmt.Errorf("gnuplot, drawing %s: %v\n%s", f.name, err, stderr.String())
		}
		// gnuplot reports many script errors on stderr and still exits 0
		// with a partial picture; treat any message as a failure.
		if s := strings.TrimSpace(stderr.String()); s != "" {
			return fmt.Errorf("gnuplot, drawing %s: %s", f.name, s)
		}
		if st, err := os.Stat(filepath.Join(dir, f.name)); err != nil || st.Size() == 0 {
			return fmt.Errorf("gnuplot drew no %s", f.name)
		}
	}
	return nil
}

// quote makes a gnuplot string constant. Single quotes take everything
// literally except a doubled single quote.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// field makes a column of a data block: gnuplot reads a double-quoted
// string as one column, spaces and all, and has no escape inside it.
func field(s string) string { return `"` + strings.ReplaceAll(s, `"`, "") + `"` }

// barX places bars left to right, with a gap between pipeline depths.
// It returns each bar's x and the depths in their order.
func barX(ws []workload) ([]float64, []int) {
	var xs []float64
	var depths []int
	x := 0.0
	for i, w := range ws {
		if i > 0 && w.pipeline != ws[i-1].pipeline {
			x += 0.6
		}
		if !slices.Contains(depths, w.pipeline) {
			depths = append(depths, w.pipeline)
		}
		xs = append(xs, x)
		x++
	}
	return xs, depths
}

// ratioFigure draws bars of a ratio ember/redis per workload, coloured by
// pipeline depth, with min-max whiskers and the line of parity at 1.0.
// The bars are labelled with the test, or with the whole workload (test
// and depth) when withDepth is set.
func ratioFigure(name, title, ylabel string, rs []ratio, withDepth bool) figure {
	ws := make([]workload, len(rs))
	for i, r := range rs {
		ws[i] = r.w
	}
	xs, depths := barX(ws)
	var b strings.Builder
	b.WriteString("$bars << EOD\n")
	for i, r := range rs {
		label := r.w.test
		if withDepth {
			label = r.w.String()
		}
		fmt.Fprintf(&b, "%g %s %g %g %g %d\n", xs[i], field(label), r.mid, r.lo, r.hi, slices.Index(depths, r.w.pipeline))
	}
	b.WriteString("EOD\n")
	fmt.Fprintf(&b, "set title %s\nset ylabel %s\n", quote(title), quote(ylabel))
	hi := 1.0
	for _, r := range rs {
		hi = max(hi, r.hi)
	}
	fmt.Fprintf(&b, "set yrange [0:%g]\nset xrange [-0.7:%g]\n", hi*1.15, xs[len(xs)-1]+0.7)
	b.WriteString("set style fill solid 0.85 border rgb \"#555555\"\nset boxwidth 0.7\n")
	b.WriteString("set xtics scale 0 rotate by -35 left\nset key top left horizontal\n")
	var plots []string
	for i, d := range depths {
		plots = append(plots, fmt.Sprintf("$bars using 1:($6 == %d ? $3 : 1/0):xtic(2) with boxes lc rgb %s title %s",
			i, quote(depthColours[i%len(depthColours)]), quote(fmt.Sprintf("-P %d", d))))
	}
	plots = append(plots, "$bars using 1:4:(0):($5-$4) with "+whisker+" title 'min-max of the rounds'",
		"1 with lines dt 2 lw 1.5 lc rgb \"black\" title 'Redis = 1.0'")
	b.WriteString("plot " + strings.Join(plots, ", \\\n     ") + "\n")
	return figure{name: name, width: 900, height: 480, script: b.String()}
}

// p99Figure draws each server's median p99 per workload side by side, with
// min-max whiskers, on a log scale (the two can differ tenfold).
func p99Figure(ls []latency) figure {
	ws := make([]workload, len(ls))
	for i, l := range ls {
		ws[i] = l.w
	}
	xs, _ := barX(ws)
	var b strings.Builder
	b.WriteString("$p99 << EOD\n")
	for i, l := range ls {
		fmt.Fprintf(&b, "%g %s %g %g %g %g %g %g\n", xs[i], field(l.w.String()), l.ember, l.eLo, l.eHi, l.redis, l.rLo, l.rHi)
	}
	b.WriteString("EOD\n")
	b.WriteString("set title 'p99 latency per workload (median of the rounds, whiskers min-max)'\n")
	b.WriteString("set ylabel 'p99 latency (ms, log scale)'\nset logscale y\n")
	fmt.Fprintf(&b, "set xrange [-0.7:%g]\n", xs[len(xs)-1]+0.7)
	b.WriteString("set style fill solid 0.85 border rgb \"#555555\"\nset boxwidth 0.35\n")
	b.WriteString("set xtics scale 0 rotate by -35 left\nset key top left horizontal\n")
	fmt.Fprintf(&b, "plot $p99 using ($1-0.18):3:xtic(2) with boxes lc rgb %s title 'Ember', \\\n", quote(emberColour))
	fmt.Fprintf(&b, "     $p99 using ($1+0.18):6 with boxes lc rgb %s title 'Redis', \\\n", quote(redisColour))
	b.WriteString("     $p99 using ($1-0.18):4:(0):($5-$4) with " + whisker + " notitle, \\\n")
	b.WriteString("     $p99 using ($1+0.18):7:(0):($8-$7) with " + whisker + " notitle\n")
	return figure{name: "p99.png", width: 900, height: 480, script: b.String()}
}

// memoryFigure draws compare.sh's memory phase: RSS growth per key and the
// bulk load rate, Ember beside Redis.
func memoryFigure(eBytes, eRate, rBytes, rRate float64, keys float64) figure {
	var b strings.Builder
	fmt.Fprintf(&b, "$mem << EOD\n0 \"Ember\" %g %g\n1 \"Redis\" %g %g\nEOD\n", eBytes, eRate/1000, rBytes, rRate/1000)
	b.WriteString("set multiplot layout 1,2 title ")
	b.WriteString(quote(fmt.Sprintf("Bulk load of %.0f small keys through redis-cli --pipe (median of the rounds)", keys)) + "\n")
	b.WriteString("set style fill solid 0.85 border rgb \"#555555\"\nset boxwidth 0.6\nset xrange [-0.6:1.6]\nset yrange [0:*]\nset xtics scale 0\nunset key\n")
	fmt.Fprintf(&b, "set title 'RSS growth per key'\nset ylabel 'bytes'\nplot $mem using 1:3:(column(1) == 0 ? 0x%s : 0x%s):xtic(2) with boxes lc rgb variable, $mem using 1:3:(sprintf('%%.0f', $3)) with labels offset 0,0.7\n",
		emberColour[1:], redisColour[1:])
	fmt.Fprintf(&b, "set title 'load rate'\nset ylabel 'thousand keys/s'\nplot $mem using 1:4:(column(1) == 0 ? 0x%s : 0x%s):xtic(2) with boxes lc rgb variable, $mem using 1:4:(sprintf('%%.0f', $4)) with labels offset 0,0.7\n",
		emberColour[1:], redisColour[1:])
	b.WriteString("unset multiplot\n")
	return figure{name: "memory.png", width: 900, height: 400, script: b.String()}
}

// curveFigure draws the latency distributions of one workload, every round
// of each server as one line: x the percentile on a "nines" axis, y the
// latency in ms.
func curveFigure(w workload, cs []curve) figure {
	var b strings.Builder
	var plots []string
	titled := map[string]bool{}
	top := 10.0 // x of 90%: the axis shows at least up to 99.9%
	for i, c := range cs {
		fmt.Fprintf(&b, "$c%d << EOD\n", i)
		for _, s := range c.steps {
			if x, ok := nines(s.pct); ok {
				fmt.Fprintf(&b, "%g %g\n", x, s.ms)
				top = max(top, x)
			}
		}
		b.WriteString("EOD\n")
		colour, name := emberColour, "Ember"
		if c.server == "redis" {
			colour, name = redisColour, "Redis"
		}
		title := "notitle"
		if !titled[c.server] {
			title, titled[c.server] = "title "+quote(name), true
		}
		plots = append(plots, fmt.Sprintf("$c%d using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb %s %s", i, quote(colour), title))
	}
	// bench-scale.sh names its tests WORKLOAD:TEST ("churn:get").
	what := fmt.Sprintf("%s -P %d", strings.ToUpper(w.test), w.pipeline)
	if scale, test, ok := strings.Cut(w.test, ":"); ok {
		what = fmt.Sprintf("%s -P %d, bench-scale.sh %s", strings.ToUpper(test), w.pipeline, scale)
	}
	fmt.Fprintf(&b, "set title %s\n", quote(what+": latency by percentile (redis-benchmark)"))
	b.WriteString("set xlabel 'percentile'\nset ylabel 'latency (ms)'\nset logscale x\n")
	fmt.Fprintf(&b, "set xrange [1:%g]\nset yrange [0:*]\n", max(1000, top*1.5))
	// Tic labels are formats of the tic's value: %% is a literal %.
	b.WriteString("set xtics ('0%%' 1, '50%%' 2, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, '99.999%%' 100000)\n")
	b.WriteString("set grid xtics ytics lc rgb \"#dddddd\"\nset key top left\n")
	b.WriteString("plot " + strings.Join(plots, ", \\\n     ") + "\n")
	name := fmt.Sprintf("latency-%s-p%d.png", strings.ReplaceAll(w.test, ":", "-"), w.pipeline)
	return figure{name: name, width: 700, height: 450, script: b.String()}
}
