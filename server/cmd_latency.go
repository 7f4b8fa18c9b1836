package server

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/emberkv/ember/internal/hdrhist"
)

// SLOWLOG and LATENCY, as Redis 7.0.15 (slowlog.c, latency.c,
// sparkline.c). The texts of LATENCY DOCTOR and the layout of LATENCY
// GRAPH are Redis's, byte for byte, since tools and people read them.

const errLatencyNoSamples = "ERR No samples available for event '%s'"

var latencyCommands = []*command{
	{name: "slowlog", arity: -2, acl: acl("slow"), group: "server", since: "2.2.12",
		summary: "Groups the commands that read and clear the slow log.", handler: cmdContainer,
		subs: subs(
			&command{name: "slowlog|get", arity: -2, flags: parseFlags("admin loading stale"), acl: acl("admin slow dangerous"), group: "server", since: "2.2.12",
				summary: "Returns the newest entries of the slow log.", handler: cmdSlowlogGet},
			&command{name: "slowlog|len", arity: 2, flags: parseFlags("admin loading stale"), acl: acl("admin slow dangerous"), group: "server", since: "2.2.12",
				summary: "Returns how many entries the slow log holds.", handler: cmdSlowlogLen},
			&command{name: "slowlog|reset", arity: 2, flags: parseFlags("admin loading stale"), acl: acl("admin slow dangerous"), group: "server", since: "2.2.12",
				summary: "Empties the slow log.", handler: cmdSlowlogReset},
			&command{name: "slowlog|help", arity: 2, flags: parseFlags("loading stale"), acl: acl("slow"), group: "server", since: "6.2.0",
				summary: "Lists SLOWLOG's subcommands.", handler: cmdSlowlogHelp},
		)},
	{name: "latency", arity: -2, acl: acl("slow"), group: "server", since: "2.8.13",
		summary: "Groups the commands of the latency monitor.", handler: cmdContainer,
		subs: subs(
			&command{name: "latency|latest", arity: 2, flags: parseFlags("admin noscript loading stale"), acl: acl("admin slow dangerous"), group: "server", since: "2.8.13",
				summary: "Returns the latest sample of every latency event.", handler: cmdLatencyLatest},
			&command{name: "latency|history", arity: 3, flags: parseFlags("admin noscript loading stale"), acl: acl("admin slow dangerous"), group: "server", since: "2.8.13",
				summary: "Returns the samples of one latency event.", handler: cmdLatencyHistory},
			&command{name: "latency|reset", arity: -2, flags: parseFlags("admin noscript loading stale"), acl: acl("admin slow dangerous"), group: "server", since: "2.8.13",
				summary: "Drops the samples of some or all latency events.", handler: cmdLatencyReset},
			&command{name: "latency|graph", arity: 3, flags: parseFlags("admin noscript loading stale"), acl: acl("admin slow dangerous"), group: "server", since: "2.8.13",
				summary: "Draws one latency event's samples as ASCII art.", handler: cmdLatencyGraph},
			&command{name: "latency|doctor", arity: 2, flags: parseFlags("admin noscript loading stale"), acl: acl("admin slow dangerous"), group: "server", since: "2.8.13",
				summary: "Reports on the latency events, with advice.", handler: cmdLatencyDoctor},
			&command{name: "latency|histogram", arity: -2, flags: parseFlags("admin noscript loading stale"), acl: acl("admin slow dangerous"), group: "server", since: "7.0.0",
				summary: "Returns commands' latency histograms.", handler: cmdLatencyHistogram, readsStats: true},
			&command{name: "latency|help", arity: 2, flags: parseFlags("loading stale"), acl: acl("slow"), group: "server", since: "2.8.13",
				summary: "Lists LATENCY's subcommands.", handler: cmdLatencyHelp},
		)},
}

// LATENCY LATEST: [event, time of the latest sample, its latency, the
// all-time high] for every event.
func cmdLatencyLatest(c *client, args [][]byte) {
	events := c.srv.latency.allEvents()
	c.w.array(len(events))
	for _, e := range events {
		last := e.samples[(e.next+latencySamples-1)%latencySamples]
		c.w.array(4)
		c.w.bulkString(e.name)
		c.w.int(int64(last.unix))
		c.w.int(int64(last.latency))
		c.w.int(int64(e.max))
	}
}

// LATENCY HISTORY event: [time, latency] pairs, oldest first.
func cmdLatencyHistory(c *client, args [][]byte) {
	e, ok := c.srv.latency.eventCopy(string(args[2]))
	if !ok {
		c.w.array(0)
		return
	}
	samples := e.inOrder()
	c.w.array(len(samples))
	for _, s := range samples {
		c.w.array(2)
		c.w.int(int64(s.unix))
		c.w.int(int64(s.latency))
	}
}

// inOrder returns the samples in use, oldest first.
func (e *latencyEvent) inOrder() []latencySample {
	var out []latencySample
	for j := range latencySamples {
		s := e.samples[(e.next+j)%latencySamples]
		if s.unix != 0 {
			out = append(out, s)
		}
	}
	return out
}

// LATENCY RESET [event ...]: how many events it dropped.
func cmdLatencyReset(c *client, args [][]byte) {
	l := &c.srv.latency
	if len(args) == 2 {
		c.w.int(int64(l.reset("", true)))
		return
	}
	n := 0
	for _, a := range args[2:] {
		n += l.reset(string(a), false)
	}
	c.w.int(int64(n))
}

func cmdLatencyGraph(c *client, args [][]byte) {
	e, ok := c.srv.latency.eventCopy(string(args[2]))
	if !ok {
		c.w.error(fmt.Sprintf(errLatencyNoSamples, cString(args[2], len(args[2]))))
		return
	}
	c.w.verbatim(latencyGraph(&e, c.srv.clockNow().Unix()))
}

// latencyGraph draws the event's samples as Redis's
// latencyCommandGenSparkeline does: a title, a rule of 80 dashes, then a
// sparkline of 4 rows, each sample labelled below with how long ago it
// was, written downwards.
func latencyGraph(e *latencyEvent, now int64) string {
	samples := e.inOrder()
	var lo, hi uint32
	values := make([]float64, len(samples))
	labels := make([]string, len(samples))
	for i, s := range samples {
		if i == 0 {
			lo, hi = s.latency, s.latency
		}
		lo, hi = min(lo, s.latency), max(hi, s.latency)
		values[i] = float64(s.latency)
		switch ago := now - int64(s.unix); {
		case ago < 60:
			labels[i] = strconv.FormatInt(ago, 10) + "s"
		case ago < 3600:
			labels[i] = strconv.FormatInt(ago/60, 10) + "m"
		case ago < 3600*24:
			labels[i] = strconv.FormatInt(ago/3600, 10) + "h"
		default:
			labels[i] = strconv.FormatInt(ago/(3600*24), 10) + "d"
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s - high %d ms, low %d ms (all time high %d ms)\n", e.name, hi, lo, e.max)
	b.WriteString(strings.Repeat("-", 80))
	b.WriteByte('\n')
	sparkline(&b, values, labels, 80, 4)
	return b.String()
}

// sparkline renders values as sparklineRender(..., SPARKLINE_FILL) does,
// in chunks of at most columns samples: rows lines of "_o#" levels with
// '|' below the top of each column, then the labels written downwards
// after one blank line.
func sparkline(b *strings.Builder, values []float64, labels []string, columns, rows int) {
	if len(values) == 0 {
		return
	}
	lo, hi := values[0], values[0]
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	for off := 0; off < len(values); off += columns {
		if off != 0 {
			b.WriteByte('\n')
		}
		n := min(columns, len(values)-off)
		sparklineRange(b, values[off:off+n], labels[off:off+n], lo, hi, rows)
	}
}

func sparklineRange(b *strings.Builder, values []float64, labels []string, lo, hi float64, rows int) {
	const fill = "_o#"
	relmax := hi - lo
	if relmax == 0 {
		relmax = 1
	}
	steps := len(fill) * rows
	line := make([]byte, len(values))
	for row := 0; ; row++ {
		more := false
		for j := range line {
			line[j] = ' '
		}
		for j, v := range values {
			// As Redis: the product is truncated before the division.
			step := int(float64(int((v-lo)*float64(steps))) / relmax)
			step = min(max(step, 0), steps-1)
			if row < rows {
				more = true
				idx := step - (rows-row-1)*len(fill)
				if idx >= 0 && idx < len(fill) {
					line[j] = fill[idx]
				} else if idx >= len(fill) {
					line[j] = '|'
				}
				continue
			}
			if row-rows < 1 { // a blank line between the graph and the labels
				more = true
				break
			}
			if k := row - rows - 1; k < len(labels[j]) {
				more = true
				line[j] = labels[j][k]
			}
		}
		if !more {
			return
		}
		b.Write(line)
		b.WriteByte('\n')
	}
}

// LATENCY HISTOGRAM [command ...]: a map of command name to its calls and
// its cumulative distribution at power-of-two microsecond steps; all
// commands called so far when none is named. Unknown names are skipped; a
// container command stands for its subcommands.
func cmdLatencyHistogram(c *client, args [][]byte) {
	s := c.srv
	var cmds []*command
	if len(args) == 2 {
		cmds = s.commandsByName()
	} else {
		for _, a := range args[2:] {
			cmd := s.lookupFullName(a)
			if cmd == nil {
				continue
			}
			cmds = append(cmds, cmd)
			if cmd.subs != nil {
				cmds = append(cmds, sortedSubs(cmd)...)
			}
		}
	}
	with := cmds[:0:0]
	for _, cmd := range cmds {
		if s.latency.hists[cmd.id].Load() != nil {
			with = append(with, cmd)
		}
	}
	c.w.mapHeader(len(with))
	var snap hdrhist.Snapshot
	for _, cmd := range with {
		s.latency.hists[cmd.id].Load().Load(&snap)
		c.w.bulkString(cmd.name)
		c.w.mapHeader(2)
		c.w.bulkString("calls")
		c.w.int(snap.Total)
		c.w.bulkString("histogram_usec")
		type step struct{ usec, cum int64 }
		var steps []step
		var prev int64
		snap.Cumulative(1024, func(highest, cum int64) {
			if cum > prev {
				steps = append(steps, step{highest / 1000, cum})
			}
			prev = cum
		})
		c.w.mapHeader(len(steps))
		for _, st := range steps {
			c.w.int(st.usec)
			c.w.int(st.cum)
		}
	}
}

// lookupFullName finds a command by its full name, "get" or
// "config|get", in any case, as Redis's lookupCommandBySds.
func (s *Server) lookupFullName(name []byte) *command {
	top, sub, isSub := strings.Cut(strings.ToLower(string(name)), "|")
	cmd := s.table.lookupName([]byte(top))
	if cmd == nil || !isSub {
		return cmd
	}
	if cmd.subs == nil || strings.Contains(sub, "|") {
		return nil
	}
	return cmd.subs[sub]
}

func sortedSubs(cmd *command) []*command {
	out := make([]*command, 0, len(cmd.subs))
	for _, sc := range cmd.subs {
		out = append(out, sc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func cmdLatencyHelp(c *client, args [][]byte) {
	c.writeHelp("LATENCY",
		"DOCTOR",
		"    Return a human readable latency analysis report.",
		"GRAPH <event>",
		"    Return an ASCII latency graph for the <event> class.",
		"HISTORY <event>",
		"    Return time-latency samples for the <event> class.",
		"LATEST",
		"    Return the latest latency samples for all events.",
		"RESET [<event> ...]",
		"    Reset latency data of one or more <event> classes.",
		"    (default: reset all data for all event classes)",
		"HISTOGRAM [COMMAND ...]",
		"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
		"    If no commands are specified then all histograms are replied.",
	)
}

func cmdLatencyDoctor(c *client, args [][]byte) {
	c.w.verbatim(c.srv.latencyReport())
}

// The advice LATENCY DOCTOR can give, in the order it gives it.
const (
	adviseSlowlogEnabled = iota
	adviseSlowlogTuning
	adviseSlowlogInspect
	adviseScheduler
	adviseLocalDisk
	adviseSSD
	adviseDataWriteback
	adviseDiskContention
	adviseNoAppendfsync
	adviseRelaxFsync
	adviseWriteLoadInfo
	adviseHz
	adviseLargeObjects
	adviseMassEviction
	adviseDisableTHP
	adviceKinds
)

// latencyReport is LATENCY DOCTOR's text, as Redis's createLatencyReport
// writes it (Ember never forks, so it has no "fork" event).
func (s *Server) latencyReport() string {
	l := &s.latency
	events := l.allEvents()
	threshold := l.thresholdMs.Load()
	if len(events) == 0 && threshold == 0 {
		return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
	}
	var b strings.Builder
	var advise [adviceKinds]bool
	advices := 0
	give := func(kinds ...int) {
		for _, k := range kinds {
			advise[k] = true
		}
		advices += len(kinds)
	}
	now := s.clockNow().Unix()
	for i, e := range events {
		if i == 0 {
			b.WriteString("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n")
		}
		st := e.stats(now)
		fmt.Fprintf(&b, "%d. %s: %d latency spikes (average %dms, mean deviation %dms, period %.2f sec). Worst all time event %dms.",
			i+1, e.name, st.samples, st.avg, st.mad, float64(st.period)/float64(st.samples), e.max)
		switch strings.ToLower(e.name) {
		case "command":
			if slower := s.slowlog.slowerThan.Load(); slower < 0 {
				give(adviseSlowlogEnabled)
			} else if slower/1000 > threshold {
				give(adviseSlowlogTuning)
			}
			give(adviseSlowlogInspect, adviseLargeObjects)
		case "fast-command":
			give(adviseScheduler)
		case "aof-write-pending-fsync":
			give(adviseLocalDisk, adviseDiskContention, adviseSSD, adviseDataWriteback)
		case "aof-write-active-child":
			give(adviseNoAppendfsync, adviseDataWriteback, adviseSSD)
		case "aof-write-alone":
			give(adviseLocalDisk, adviseDataWriteback, adviseSSD)
		case "aof-fsync-always":
			give(adviseRelaxFsync)
		case "aof-fstat", "rdb-unlink-temp-file":
			give(adviseDiskContention, adviseLocalDisk)
		case "aof-rewrite-diff-write", "aof-rename":
			give(adviseWriteLoadInfo, adviseDataWriteback, adviseSSD, adviseLocalDisk)
		case "expire-cycle":
			give(adviseHz, adviseLargeObjects)
		case "eviction-del":
			give(adviseLargeObjects)
		case "eviction-cycle":
			give(adviseMassEviction)
		}
		b.WriteByte('\n')
	}
	if anonHugePages() > 0 {
		give(adviseDisableTHP)
	}
	switch {
	case len(events) == 0 && advices == 0:
		b.WriteString("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n")
		return b.String()
	case len(events) > 0 && advices == 0:
		b.WriteString("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n")
		return b.String()
	}
	b.WriteString("\nI have a few advices for you:\n\n")
	if advise[adviseSlowlogEnabled] {
		fmt.Fprintf(&b, "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than %d'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n", threshold*1000)
	}
	if advise[adviseSlowlogTuning] {
		fmt.Fprintf(&b, "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %d'.\n", threshold*1000)
	}
	hz, _ := strconv.Atoi(s.cfg.get("hz"))
	texts := []struct {
		kind int
		on   bool
		text string
	}{
		{adviseSlowlogInspect, true, "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n"},
		{adviseScheduler, true, "- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n" +
			"  1) Lower the system load.\n" +
			"  2) Use a computer / VM just for Redis if you are running other software in the same system.\n" +
			"  3) Check if you have a \"noisy neighbour\" problem.\n" +
			"  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
			"  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n"},
		{adviseLocalDisk, true, "- It is strongly advised to use local disks for persistence, especially if you are using AOF. Remote disks provided by platform-as-a-service providers are known to be slow.\n"},
		{adviseSSD, true, "- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF log rewriting (resulting in smaller memory usage). With extremely high write load SSD disks can be a good option. However Redis should perform reasonably with high load using normal disks. Use this advice as a last resort.\n"},
		{adviseDataWriteback, true, "- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared to data=ordered, however this mode of operation provides less guarantees, and sometimes it can happen that after a hard crash the AOF file will have a half-written command at the end and will require to be repaired before Redis restarts.\n"},
		{adviseDiskContention, true, "- Try to lower the disk contention. This is often caused by other disk intensive processes running in the same computer (including other Redis instances).\n"},
		{adviseNoAppendfsync, true, "- Assuming from the point of view of data safety this is viable in your environment, you could try to enable the 'no-appendfsync-on-rewrite' option, so that fsync will not be performed while there is a child rewriting the AOF file or producing an RDB file (the moment where there is high disk contention).\n"},
		{adviseRelaxFsync, s.cfg.get("appendfsync") == "always", "- Your fsync policy is set to 'always'. It is very hard to get good performances with such a setup, if possible try to relax the fsync policy to 'onesec'.\n"},
		{adviseWriteLoadInfo, true, "- Latency during the AOF atomic rename operation or when the final difference is flushed to the AOF file at the end of the rewrite, sometimes is caused by very high write load, causing the AOF buffer to get very large. If possible try to send less commands to accomplish the same work, or use Lua scripts to group multiple operations into a single EVALSHA call.\n"},
		{adviseHz, hz < 100, "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n"},
		{adviseLargeObjects, true, "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n"},
		{adviseMassEviction, true, "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n"},
		{adviseDisableTHP, true, "- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n"},
	}
	for _, t := range texts {
		if advise[t.kind] && t.on {
			b.WriteString(t.text)
		}
	}
	return b.String()
}

// eventStats are the figures DOCTOR prints for an event, as Redis's
// analyzeLatencyForEvent computes them (integer averages).
type eventStats struct {
	samples, avg, mad uint64
	period            int64 // seconds since the oldest sample, at least 1
}

func (e *latencyEvent) stats(now int64) eventStats {
	var st eventStats
	var sum uint64
	oldest := int64(0)
	for _, s := range e.samples {
		if s.unix == 0 {
			continue
		}
		st.samples++
		sum += uint64(s.latency)
		if oldest == 0 || int64(s.unix) < oldest {
			oldest = int64(s.unix)
		}
	}
	if st.samples == 0 {
		return st
	}
	st.avg = sum / st.samples
	st.period = max(now-oldest, 1)
	var dev uint64
	for _, s := range e.samples {
		if s.unix == 0 {
			continue
		}
		d := int64(st.avg) - int64(s.latency)
		dev += uint64(max(d, -d))
	}
	st.mad = dev / st.samples
	return st
}

// anonHugePages is the bytes of transparent huge pages this process
// uses, from /proc/self/smaps (0 where there is none), as Redis's
// THPGetAnonHugePagesSize.
func anonHugePages() int64 {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0
	}
	defer f.Close()
	var total int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "AnonHugePages:")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		total += kb * 1024
	}
	return total
}
