package server

// Memory: maxmemory and its policies (the store evicts, the server refuses
// what cannot fit, as Redis's processCommand), used_memory, the Go
// runtime's memory limit, and the MEMORY command.

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"

	"github.com/emberkv/ember/internal/redisnum"
	"github.com/emberkv/ember/store"
)

const (
	errOOM         = "OOM command not allowed when used memory > 'maxmemory'."
	errIdleTimeLFU = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
)

// baseMemory is used_memory_startup: what an idle Ember holds before any
// key (its heap once started, measured at about 750 KB on Go 1.26; Redis
// 7.0 shows about 860 KB). It is a constant, not a reading, so that
// used_memory, and so eviction, depends on the keys alone and not on
// what else shares the process (tests, an embedding program).
const baseMemory = 800 << 10

// usedMemory is INFO's used_memory and what maxmemory is compared with:
// the store's accounting of its keys (calibrated to the Go heap, see
// store.entry.size) on top of baseMemory. It also moves the peak.
func (s *Server) usedMemory() int64 {
	used := s.store.HeapScaled(baseMemory + s.store.UsedMemory())
	for {
		peak := s.stats.peakMemory.Load()
		if used <= peak || s.stats.peakMemory.CompareAndSwap(peak, used) {
			return used
		}
	}
}

// OutOfMemory reports whether a command flagged denyoom would be refused
// now with the OOM error: maxmemory is set, memory is over it, and the
// policy found nothing left to evict when dispatch last tried (dispatch
// evicts before every command, as Redis's performEvictions). It takes no
// lock and evicts nothing, so a script may call it with shards held; for
// Redis's exact rule (the state when the EVAL began, Redis's
// server.pre_command_oom_state) read client.preCommandOOM instead.
func (s *Server) OutOfMemory() bool {
	return s.store.OutOfMemory(baseMemory)
}

// refusedForMemory is the maxmemory step of dispatch, Redis's
// processCommand: with a limit set, evict first, then refuse a denyoom
// command (or an EXEC that queued one) when still over, and inside MULTI
// refuse everything but EXEC, DISCARD, QUIT and RESET, since queueing
// takes memory too. EXEC then aborts with EXECABORT.
func (c *client) refusedForMemory(cmd *command) bool {
	c.preCommandOOM = false
	if !c.srv.store.OverMaxMemory(baseMemory) {
		return false
	}
	if c.multi != nil && cmd.flags&flagNoMulti != 0 {
		return false // as Redis: "not allowed inside a transaction" comes first
	}
	if c.srv.store.MakeRoom(baseMemory) {
		return false
	}
	c.preCommandOOM = true
	flags := cmd.flags
	if f, ok := c.scriptCommandFlags(cmd, c.args); ok {
		flags = f // a script's own flags (evalGetCommandFlags)
	}
	switch {
	case flags&flagDenyOOM != 0:
		return true
	case c.multi == nil:
		return false
	case cmd.name == "exec":
		return c.multi.denyOOM
	}
	switch cmd.name {
	case "discard", "quit", "reset":
		return false
	}
	return true
}

// applyEviction hands maxmemory and the policy directives to the store,
// and sets the Go runtime's soft memory limit from maxmemory, so that the
// collector works harder as the heap nears the limit instead of letting
// it double between collections (GOGC's default). The limit is 1.25 x
// maxmemory (plus room for the runtime itself): the accounting tracks the
// live heap, so the heap the collector must keep under it holds the
// keys plus their garbage. Only with Config.ManageGoMemoryLimit, and a
// GOMEMLIMIT in the environment wins.
func applyEviction(s *Server, cfg *Config) {
	e := cfg.eviction()
	old := s.store.Eviction()
	s.store.SetEviction(e)
	if e.MaxMemory > 0 && e.MaxMemory != old.MaxMemory {
		if used := s.usedMemory(); used > e.MaxMemory {
			s.log.Warn("the new maxmemory is smaller than the memory in use: keys will be evicted, or writes refused, depending on maxmemory-policy",
				"maxmemory", e.MaxMemory, "used_memory", used)
		}
		// As Redis's updateMaxmemory: evict at once, not at the next
		// command. In a goroutine: CONFIG SET may run inside EXEC, with
		// shards held.
		go s.store.MakeRoom(baseMemory)
	}
	if !cfg.ManageGoMemoryLimit || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if e.MaxMemory <= 0 {
		debug.SetMemoryLimit(math.MaxInt64)
		return
	}
	debug.SetMemoryLimit(e.MaxMemory + e.MaxMemory/4 + 16<<20)
}

// applyExpiry hands hz and active-expire-effort to the store's sweeper.
func applyExpiry(s *Server, cfg *Config) {
	s.store.SetSweepInterval(cfg.sweepInterval())
	n, _ := strconv.Atoi(cfg.value(paramIndex["active-expire-effort"]))
	s.store.SetActiveExpireEffort(n)
}

// eviction reads the maxmemory directives.
func (cfg *Config) eviction() store.Eviction {
	e := store.DefaultEviction()
	n, _ := parseMemory(cfg.value(paramIndex["maxmemory"]))
	e.MaxMemory = int64(min(n, math.MaxInt64))
	e.Policy, _ = store.ParseEvictionPolicy(strings.ToLower(cfg.value(paramIndex["maxmemory-policy"])))
	atoi := func(name string) int {
		v, _ := strconv.Atoi(cfg.value(paramIndex[name]))
		return v
	}
	e.Samples = atoi("maxmemory-samples")
	e.Tenacity = atoi("maxmemory-eviction-tenacity")
	e.LFULogFactor = atoi("lfu-log-factor")
	e.LFUDecayTime = atoi("lfu-decay-time")
	return e
}

var memoryCommands = []*command{
	{name: "memory", arity: -2, acl: acl("slow"), group: "server", since: "4.0.0",
		summary: "Groups the commands that report and manage memory.", handler: cmdContainer,
		subs: subs(
			&command{name: "memory|help", arity: 2, flags: parseFlags("loading stale"), acl: acl("slow"), group: "server", since: "4.0.0",
				summary: "Lists MEMORY's subcommands.", handler: cmdMemoryHelp},
			&command{name: "memory|usage", arity: -3, flags: parseFlags("readonly"), acl: acl("read slow"), firstKey: 2, lastKey: 2, step: 1, group: "server", since: "4.0.0",
				summary: "Reports the bytes a key and its value take.", handler: cmdMemoryUsage},
			&command{name: "memory|stats", arity: 2, acl: acl("slow"), group: "server", since: "4.0.0",
				summary: "Reports where the memory goes.", handler: cmdMemoryStats},
			&command{name: "memory|doctor", arity: 2, acl: acl("slow"), group: "server", since: "4.0.0",
				summary: "Reports memory problems it can see.", handler: cmdMemoryDoctor},
			&command{name: "memory|purge", arity: 2, acl: acl("slow"), group: "server", since: "4.0.0",
				summary: "Returns free memory to the operating system.", handler: cmdMemoryPurge},
			&command{name: "memory|malloc-stats", arity: 2, acl: acl("slow"), group: "server", since: "4.0.0",
				summary: "Reports the Go runtime's memory statistics.", handler: cmdMemoryMallocStats},
		)},
}

func cmdMemoryHelp(c *client, args [][]byte) {
	c.writeHelp("MEMORY",
		"DOCTOR",
		"    Report memory problems.",
		"MALLOC-STATS",
		"    The Go runtime's memory statistics.",
		"PURGE",
		"    Return free memory to the operating system.",
		"STATS",
		"    Where the memory goes.",
		"USAGE <key> [SAMPLES <count>]",
		"    The bytes <key> and its value take. Ember counts them exactly, so",
		"    <count> is checked and otherwise ignored.",
	)
}

// cmdMemoryUsage: SAMPLES is parsed as Redis does (an integer >= 0) but
// changes nothing: Ember's per-key accounting is exact and O(1).
func cmdMemoryUsage(c *client, args [][]byte) {
	for i := 3; i < len(args); i++ {
		if !strings.EqualFold(string(args[i]), "samples") || i+1 >= len(args) {
			c.w.error(errSyntax)
			return
		}
		n, ok := redisnum.ParseInt(args[i+1])
		if !ok {
			c.w.error(errNotInteger)
			return
		}
		if n < 0 {
			c.w.error(errSyntax)
			return
		}
		i++
	}
	n, ok := c.db.MemoryUsage(string(args[2]))
	if !ok {
		c.w.null()
		return
	}
	c.w.int(n)
}

// memoryOverview is what MEMORY STATS and MEMORY DOCTOR read.
type memoryOverview struct {
	used, peak, startup, dataset, overheadTotal int64
	keys                                        int64
	dbs                                         []dbOverhead
	heap                                        goMemory
}

type dbOverhead struct {
	index         int
	main, expires int64
}

func (c *client) memoryOverview() memoryOverview {
	s := c.srv
	o := memoryOverview{used: s.usedMemory(), startup: baseMemory, heap: readGoMemory()}
	o.peak = s.stats.peakMemory.Load()
	o.overheadTotal = baseMemory
	for i := 0; i < s.store.Databases(); i++ {
		db := c.dbAt(i)
		st := db.Stats()
		if st.Keys == 0 {
			continue
		}
		main, expires := db.MemoryOverhead()
		o.dbs = append(o.dbs, dbOverhead{i, main, expires})
		o.keys += int64(st.Keys)
		o.overheadTotal += main + expires
	}
	o.dataset = max(o.used-o.overheadTotal, 0)
	return o
}

// cmdMemoryStats answers Redis 7.0's fields in its order. The allocator
// figures are the Go heap's (objects, in-use spans, mapped and not
// released); replication, AOF, Lua and cluster buffers do not exist here
// and are 0.
func cmdMemoryStats(c *client, args [][]byte) {
	o := c.memoryOverview()
	rss := o.heap.total - o.heap.heapReleased
	active := o.heap.heapObjects + o.heap.heapUnused
	w := &c.w
	w.mapHeader(27 + len(o.dbs))
	field := func(name string, v int64) {
		w.bulkString(name)
		w.int(v)
	}
	fraction := func(a, b int64) float64 {
		if b <= 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	field("peak.allocated", o.peak)
	field("total.allocated", o.used)
	field("startup.allocated", o.startup)
	field("replication.backlog", 0)
	field("clients.slaves", 0)
	field("clients.normal", 0)
	field("cluster.links", 0)
	field("aof.buffer", 0)
	field("lua.caches", 0)
	field("functions.caches", 0)
	for _, d := range o.dbs {
		w.bulkString("db." + strconv.Itoa(d.index))
		w.mapHeader(3)
		field("overhead.hashtable.main", d.main)
		field("overhead.hashtable.expires", d.expires)
		field("overhead.hashtable.slot-to-keys", 0)
	}
	field("overhead.total", o.overheadTotal)
	field("keys.count", o.keys)
	perKey := int64(0)
	if o.keys > 0 {
		perKey = (o.used - o.startup) / o.keys
	}
	field("keys.bytes-per-key", perKey)
	field("dataset.bytes", o.dataset)
	w.bulkString("dataset.percentage")
	w.double(fraction(o.dataset*100, o.used-o.startup))
	w.bulkString("peak.percentage")
	w.double(fraction(o.used*100, o.peak))
	field("allocator.allocated", o.heap.heapObjects)
	field("allocator.active", active)
	field("allocator.resident", rss)
	w.bulkString("allocator-fragmentation.ratio")
	w.double(fraction(active, o.heap.heapObjects))
	field("allocator-fragmentation.bytes", active-o.heap.heapObjects)
	w.bulkString("allocator-rss.ratio")
	w.double(fraction(rss, active))
	field("allocator-rss.bytes", rss-active)
	w.bulkString("rss-overhead.ratio")
	w.double(1)
	field("rss-overhead.bytes", 0)
	w.bulkString("fragmentation")
	w.double(fraction(rss, o.used))
	field("fragmentation.bytes", rss-o.used)
}

// cmdMemoryDoctor runs the checks of Redis's memory doctor that mean
// something in Ember (peak, fragmentation, memory the runtime holds but
// does not use), in Ember's own words.
func cmdMemoryDoctor(c *client, args [][]byte) {
	o := c.memoryOverview()
	rss := o.heap.total - o.heap.heapReleased
	active := o.heap.heapObjects + o.heap.heapUnused
	if o.used < 5<<20 {
		c.w.verbatim("This instance is empty or holds very little data, so there is nothing to diagnose yet. Ask again once it holds some data.\n")
		return
	}
	var issues []string
	if float64(o.peak)/float64(o.used) > 1.5 {
		issues = append(issues, " * Peak memory: the peak is more than 1.5 times what is used now. The Go runtime returns freed memory to the system over a few minutes; MEMORY PURGE returns it at once.")
	}
	if float64(rss)/float64(o.used) > 1.4 && rss-o.used > 10<<20 {
		issues = append(issues, " * High RSS: the process's resident memory is more than 1.4 times used_memory. Garbage waiting for the collector, or a past peak, usually explains it; setting maxmemory also limits the Go heap (GOMEMLIMIT) and makes the collector run sooner.")
	}
	if float64(active)/float64(max(o.heap.heapObjects, 1)) > 1.1 && active-o.heap.heapObjects > 10<<20 {
		issues = append(issues, " * Heap fragmentation: in-use heap spans hold more than 10% free room. It follows deletions of many small values and shrinks as new ones fill the room.")
	}
	if len(issues) == 0 {
		c.w.verbatim("No memory issue found in this instance.\n")
		return
	}
	c.w.verbatim("A few memory issues in this instance:\n\n" + strings.Join(issues, "\n\n") + "\n")
}

// cmdMemoryPurge returns the memory the Go runtime holds but does not use
// to the operating system, after a collection (debug.FreeOSMemory), as
// Redis's asks jemalloc to purge dirty pages.
func cmdMemoryPurge(c *client, args [][]byte) {
	debug.FreeOSMemory()
	c.w.ok()
}

// cmdMemoryMallocStats answers the Go runtime's memory statistics, in
// place of jemalloc's report.
func cmdMemoryMallocStats(c *client, args [][]byte) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	var b strings.Builder
	fmt.Fprintf(&b, "___ Begin Go runtime statistics (%s) ___\n", runtime.Version())
	for _, f := range []struct {
		name string
		v    uint64
	}{
		{"heap_alloc", m.HeapAlloc}, {"heap_inuse", m.HeapInuse}, {"heap_idle", m.HeapIdle},
		{"heap_released", m.HeapReleased}, {"heap_objects", m.HeapObjects}, {"heap_sys", m.HeapSys},
		{"stack_inuse", m.StackInuse}, {"sys", m.Sys}, {"total_alloc", m.TotalAlloc},
		{"mallocs", m.Mallocs}, {"frees", m.Frees}, {"num_gc", uint64(m.NumGC)},
		{"next_gc", m.NextGC}, {"gc_cpu_fraction_ppm", uint64(m.GCCPUFraction * 1e6)},
	} {
		fmt.Fprintf(&b, "%s: %d\n", f.name, f.v)
	}
	b.WriteString("___ End Go runtime statistics ___\n")
	c.w.verbatim(b.String())
}

// The store's accounting is calibrated on keys freshly written; under
// churn (keys deleted and added, as under eviction) Go's maps and the
// scan index's buckets keep more room than that, and the heap outgrows the
// accounting by about a tenth. A process that is the server's alone
// measures the difference after each collection: the live heap over the
// accounted bytes, held between 1 and 1.5 and smoothed, becomes the
// store's heap factor (store.SetHeapScale), which used_memory and
// eviction then count by. Redis's used_memory is its allocator's count of
// everything it holds; this is the nearest Go has.

// minCalibrated is the least accounted memory the heap is measured
// against: below it, the runtime's and the server's own heap (Lua states,
// buffers) would pass for the keys'.
const minCalibrated = 32 << 20

// heapCalibration is calibrateHeap's state between ticks.
type heapCalibration struct {
	cycles  uint64  // the collections counted when it last measured
	k       float64 // the factor in force; 0 before the first
	samples [2]metrics.Sample
}

func newHeapCalibration() *heapCalibration {
	hc := &heapCalibration{}
	hc.samples[0].Name, hc.samples[1].Name = "/gc/heap/live:bytes", "/gc/cycles/total:gc-cycles"
	return hc
}

// calibrateHeap updates the store's heap factor once per collection.
func (s *Server) calibrateHeap(hc *heapCalibration) {
	metrics.Read(hc.samples[:])
	if hc.samples[0].Value.Kind() != metrics.KindUint64 || hc.samples[1].Value.Kind() != metrics.KindUint64 {
		return // a runtime without these metrics: keep trusting the accounting
	}
	cycles := hc.samples[1].Value.Uint64()
	if cycles == hc.cycles {
		return
	}
	hc.cycles = cycles
	k := nextHeapScale(hc.k, int64(hc.samples[0].Value.Uint64()), baseMemory+s.store.UsedMemory())
	if k != hc.k {
		hc.k = k
		s.store.SetHeapScale(k)
	}
}

// nextHeapScale is the heap factor after a collection that left live
// bytes of heap for accounted bytes of keys (and the server's base), from
// the factor old in force (0: none yet): half the way to the new ratio,
// which is held between 1 and 1.5, so that one collection caught in the
// middle of a burst of writes moves it little.
func nextHeapScale(old float64, live, accounted int64) float64 {
	if old == 0 {
		old = 1
	}
	if accounted < minCalibrated {
		return old
	}
	r := min(max(float64(live)/float64(accounted), 1), 1.5)
	return (old + r) / 2
}
