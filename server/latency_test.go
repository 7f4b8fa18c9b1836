package server

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emberkv/ember/store"
	"github.com/redis/go-redis/v9"
)

// TestSparklineAgainstRedis renders the sparklines that Redis's own
// sparkline.c rendered (testdata/sparkline.txt) and compares them byte
// for byte: the body of LATENCY GRAPH.
func TestSparklineAgainstRedis(t *testing.T) {
	f, err := os.Open("testdata/sparkline.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	cases := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		n, _ := strconv.Atoi(fields[0])
		values := make([]float64, n)
		labels := make([]string, n)
		for i := range n {
			values[i], _ = strconv.ParseFloat(fields[1+2*i], 64)
			labels[i] = fields[2+2*i]
		}
		var want strings.Builder
		for sc.Scan() && sc.Text() != "=====" {
			want.WriteString(sc.Text() + "\n")
		}
		var got strings.Builder
		sparkline(&got, values, labels, 80, 4)
		if got.String() != want.String() {
			t.Errorf("case %d (%d samples):\n got:\n%s\nwant:\n%s", cases+1, n, got.String(), want.String())
		}
		cases++
	}
	if cases < 20 {
		t.Fatalf("only %d cases", cases)
	}
}

// latencyServer starts a server on a manual clock with the latency
// monitor on, its threshold far above any real command's time: a loaded
// machine can take a millisecond over any command, which would add a
// "command" event the test did not make. Tests add their samples with
// latencyEvent, which the threshold does not gate.
func latencyServer(t *testing.T) (*Server, *store.ManualClock, *respConn) {
	clk := store.NewManualClock(time.Unix(1700000000, 0))
	cfg := DefaultConfig()
	cfg.Clock = clk
	srv, addr := startServer(t, cfg)
	rc := dialRESP(t, addr)
	expectReply(t, rc, "+OK\r\n", "CONFIG", "SET", "latency-monitor-threshold", strconv.Itoa(latencyUnreachable))
	return srv, clk, rc
}

// latencyUnreachable is a threshold no command reaches (an hour).
const latencyUnreachable = 3600 * 1000

// TestLatencyObserveThreshold: a cycle's duration becomes a sample only
// at latency-monitor-threshold or over, in whole milliseconds. No
// command runs between the observations and the reads.
func TestLatencyObserveThreshold(t *testing.T) {
	srv, _, _ := latencyServer(t)
	srv.latency.thresholdMs.Store(2)
	srv.latencyObserve("expire-cycle", 1999*time.Microsecond)
	if _, ok := srv.latency.eventCopy("expire-cycle"); ok {
		t.Errorf("1.999 ms made a sample under a 2 ms threshold")
	}
	srv.latencyObserve("expire-cycle", 2500*time.Microsecond)
	if ev, ok := srv.latency.eventCopy("expire-cycle"); !ok || ev.max != 2 {
		t.Errorf("2.5 ms at a 2 ms threshold: %v %+v, want a 2 ms sample", ok, ev)
	}
	srv.latency.thresholdMs.Store(0) // off: nothing more is kept
	srv.latencyObserve("aof-write", time.Second)
	if _, ok := srv.latency.eventCopy("aof-write"); ok {
		t.Errorf("a sample with the monitor off")
	}
}

// TestLatencyEvents: one sample per second (the highest), at most 160,
// the all-time high kept; LATEST, HISTORY, RESET and GRAPH read them.
func TestLatencyEvents(t *testing.T) {
	srv, clk, rc := latencyServer(t)
	t0 := clk.Now().Unix()
	expectReply(t, rc, "*0\r\n", "LATENCY", "LATEST")

	srv.latencyEvent("expire-cycle", 3)
	srv.latencyEvent("expire-cycle", 7) // same second: the higher stays
	srv.latencyEvent("expire-cycle", 5)
	expectReply(t, rc, fmt.Sprintf("*1\r\n*4\r\n$12\r\nexpire-cycle\r\n:%d\r\n:7\r\n:7\r\n", t0), "LATENCY", "LATEST")
	clk.Advance(2 * time.Second)
	srv.latencyEvent("expire-cycle", 2)
	expectReply(t, rc, fmt.Sprintf("*2\r\n*2\r\n:%d\r\n:7\r\n*2\r\n:%d\r\n:2\r\n", t0, t0+2), "LATENCY", "HISTORY", "expire-cycle")
	expectReply(t, rc, fmt.Sprintf("*1\r\n*4\r\n$12\r\nexpire-cycle\r\n:%d\r\n:2\r\n:7\r\n", t0+2), "LATENCY", "LATEST")

	graph := "expire-cycle - high 7 ms, low 2 ms (all time high 7 ms)\n" + strings.Repeat("-", 80) + "\n" +
		"# \n| \n| \n|_\n  \n20\nss\n"
	expectReply(t, rc, fmt.Sprintf("$%d\r\n%s\r\n", len(graph), graph), "LATENCY", "GRAPH", "expire-cycle")

	// 200 seconds with a sample each: the oldest 40 go.
	for i := range 200 {
		clk.Advance(time.Second)
		srv.latencyEvent("aof-write", int64(i+1))
	}
	ev, _ := srv.latency.eventCopy("aof-write")
	samples := ev.inOrder()
	if len(samples) != latencySamples || samples[0].latency != 41 || samples[len(samples)-1].latency != 200 || ev.max != 200 {
		t.Errorf("after 200 samples: %d kept, first %d, last %d, max %d", len(samples), samples[0].latency, samples[len(samples)-1].latency, ev.max)
	}
	expectReply(t, rc, ":1\r\n", "LATENCY", "RESET", "AOF-WRITE", "nosuch")
	expectReply(t, rc, ":1\r\n", "LATENCY", "RESET")
	expectReply(t, rc, "*0\r\n", "LATENCY", "LATEST")
}

// TestLatencyDoctor checks the report's text for known samples.
func TestLatencyDoctor(t *testing.T) {
	// The report reads the thresholds, not the wire, so no command runs
	// once the threshold is 1 ms: a slow one would add its own sample.
	srv, clk, _ := latencyServer(t)
	srv.latency.thresholdMs.Store(1)
	srv.latencyObserve("command", 10*time.Millisecond)
	clk.Advance(3 * time.Second)
	srv.latencyObserve("command", 20*time.Millisecond)
	clk.Advance(time.Second)
	srv.latencyObserve("eviction-cycle", 4*time.Millisecond)
	var buf strings.Builder
	report := srv.latencyReport()
	buf.WriteString("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n" +
		"1. command: 2 latency spikes (average 15ms, mean deviation 5ms, period 2.00 sec). Worst all time event 20ms.\n" +
		"2. eviction-cycle: 1 latency spikes (average 4ms, mean deviation 0ms, period 1.00 sec). Worst all time event 4ms.\n" +
		"\nI have a few advices for you:\n\n" +
		"- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than 1000'.\n" +
		"- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n" +
		"- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n" +
		"- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n")
	// A process with transparent huge pages gets one more advice.
	thp := anonHugePages() > 0
	if !strings.HasPrefix(report, buf.String()) || thp != (len(report) > buf.Len()) ||
		thp && !strings.Contains(report[buf.Len():], "anonymous huge pages") {
		t.Errorf("report:\n%s\nwant:\n%s", report, buf.String())
	}
	// With the slow log off, DOCTOR says to turn it on.
	srv.slowlog.slowerThan.Store(-1)
	if r := srv.latencyReport(); !strings.Contains(r, "Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than 1000'.") {
		t.Errorf("no advice to enable the slow log:\n%s", r)
	}
}

// TestSlowlogTrim: a smaller slowlog-max-len takes effect at the next
// entry; many entries through the ring keep the newest, in order.
func TestSlowlogTrim(t *testing.T) {
	_, _, rc := latencyServer(t)
	expectReply(t, rc, "+OK\r\n", "CONFIG", "SET", "slowlog-log-slower-than", "0")
	for i := range 300 {
		rc.cmd("SET", "k", strconv.Itoa(i))
	}
	expectReply(t, rc, ":128\r\n", "SLOWLOG", "LEN")
	want := "*1\r\n*6\r\n:301\r\n:1700000000\r\n"
	if got := rc.cmd("SLOWLOG", "GET", "1"); !strings.HasPrefix(got, want) || !strings.Contains(got, "*2\r\n$7\r\nSLOWLOG\r\n$3\r\nLEN\r\n") {
		t.Errorf("newest entry %q, want the SLOWLOG LEN, id 301", got)
	}
	rc.cmd("CONFIG", "SET", "slowlog-max-len", "5")
	expectReply(t, rc, ":5\r\n", "SLOWLOG", "LEN") // the CONFIG SET was logged, and trimmed
	got := rc.cmd("SLOWLOG", "GET", "-1")
	for i, id := range []int{304, 303, 302, 301, 300} {
		if !strings.Contains(got, fmt.Sprintf("*6\r\n:%d\r\n", id)) {
			t.Errorf("entry %d: no id %d in %q", i, id, got)
		}
	}
}

// TestSlowlogBlockedTime: a blocked command's wait is not its running
// time (Redis logs the served command with the time it ran).
func TestSlowlogBlockedTime(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	rdb.ConfigSet(ctx, "slowlog-log-slower-than", "0")
	rdb.SlowLogReset(ctx)
	done := make(chan error, 1)
	go func() {
		c := redis.NewClient(&redis.Options{Addr: addr})
		defer c.Close()
		done <- c.BLPop(ctx, 5*time.Second, "q").Err()
	}()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if n, _ := rdb.Info(ctx, "clients").Result(); strings.Contains(n, "blocked_clients:1") {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the wait the log must not count
	rdb.RPush(ctx, "q", "x")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	entries, err := rdb.SlowLogGet(ctx, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Args[0] == "blpop" {
			if e.Duration >= 100*time.Millisecond {
				t.Errorf("BLPOP logged as running %v", e.Duration)
			}
			return
		}
	}
	t.Errorf("no BLPOP in the slow log: %v", entries)
}

// TestLatencyHistogramClients reads LATENCY HISTOGRAM and INFO
// latencystats as a Go client does (and redis_exporter, which parses the
// same shapes): a map per command in RESP3, a flat array in RESP2, with
// calls equal to the commands run and cumulative counts that end there.
func TestLatencyHistogramClients(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	eachProtocol(t, addr, func(t *testing.T, rdb *redis.Client, proto int) {
		ctx := context.Background()
		rdb.ConfigResetStat(ctx)
		for range 5 {
			rdb.Set(ctx, "k", "v", 0)
		}
		v, err := rdb.Do(ctx, "LATENCY", "HISTOGRAM", "set").Result()
		if err != nil {
			t.Fatal(err)
		}
		var calls, last any
		switch r := v.(type) {
		case map[any]any: // RESP3
			m, _ := r["set"].(map[any]any)
			calls = m["calls"]
			buckets, _ := m["histogram_usec"].(map[any]any)
			var top int64 = -1
			for usec, cum := range buckets {
				if u := usec.(int64); u > top {
					top, last = u, cum
				}
			}
		case []any: // RESP2: name, [calls, n, histogram_usec, [usec, cum, ...]]
			if len(r) != 2 || r[0] != "set" {
				t.Fatalf("reply %v", r)
			}
			d, _ := r[1].([]any)
			calls = d[1]
			buckets, _ := d[3].([]any)
			last = buckets[len(buckets)-1]
		default:
			t.Fatalf("RESP%d reply %T %v", proto, v, v)
		}
		if calls != int64(5) || last != int64(5) {
			t.Errorf("RESP%d: calls %v, last cumulative count %v; want 5 and 5", proto, calls, last)
		}
		info, err := rdb.Info(ctx, "latencystats").Result()
		if err != nil {
			t.Fatal(err)
		}
		line := ""
		for _, l := range strings.Split(info, "\r\n") {
			if strings.HasPrefix(l, "latency_percentiles_usec_set:") {
				line = l
			}
		}
		var p50, p99, p999 float64
		if n, err := fmt.Sscanf(line, "latency_percentiles_usec_set:p50=%f,p99=%f,p99.9=%f", &p50, &p99, &p999); n != 3 || err != nil || p50 > p99 || p99 > p999 {
			t.Errorf("RESP%d: latencystats line %q", proto, line)
		}
	})
}
