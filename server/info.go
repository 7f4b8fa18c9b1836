package server

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"time"
)

// INFO [section ...]: Redis 7.0.15's sections, fields and order, "# Name"
// headers, \r\n line ends and a blank line between sections. Fields for
// machinery Ember does not have (replication, forks, Lua,
// per-connection buffers) are written with the value Redis
// shows when that machinery is idle, mostly 0, so that parsers find every
// field they expect and no figure is invented.

// infoSections lists the sections in output order. Those marked inDefault
// make up INFO and INFO default; all and everything take every one.
var infoSections = []struct {
	name      string // what INFO's arguments call it
	header    string
	inDefault bool
	write     func(s *Server, c *client, b *infoBuilder)
}{
	{"server", "Server", true, (*Server).infoServer},
	{"clients", "Clients", true, (*Server).infoClients},
	{"memory", "Memory", true, (*Server).infoMemory},
	{"persistence", "Persistence", true, (*Server).infoPersistence},
	{"stats", "Stats", true, (*Server).infoStats},
	{"replication", "Replication", true, (*Server).infoReplication},
	{"cpu", "CPU", true, (*Server).infoCPU},
	{"modules", "Modules", true, nil}, // Ember has no modules
	{"commandstats", "Commandstats", false, (*Server).infoCommandStats},
	{"errorstats", "Errorstats", true, (*Server).infoErrorStats},
	{"latencystats", "Latencystats", false, (*Server).infoLatencyStats},
	{"cluster", "Cluster", true, (*Server).infoCluster},
	{"keyspace", "Keyspace", true, (*Server).infoKeyspace},
}

func cmdInfo(c *client, args [][]byte) {
	c.w.verbatim(c.srv.infoText(c, args[1:]))
}

// infoText renders the sections named (in any case) by names; no names
// means "default". Unknown names are ignored, as in Redis, so INFO with
// only unknown names answers an empty string.
func (s *Server) infoText(c *client, names [][]byte) string {
	want := make(map[string]bool)
	all, defaults := false, len(names) == 0
	for _, n := range names {
		switch name := strings.ToLower(string(n)); name {
		case "all", "everything":
			all = true
		case "default":
			defaults = true
		case "module_list":
			want["modules"] = true
		default:
			want[name] = true
		}
	}
	var b infoBuilder
	for _, sec := range infoSections {
		if !all && !want[sec.name] && !(defaults && sec.inDefault) {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("# " + sec.header + "\r\n")
		if sec.write != nil {
			sec.write(s, c, &b)
		}
	}
	return b.String()
}

// infoBuilder writes "name:value\r\n" lines.
type infoBuilder struct{ strings.Builder }

func (b *infoBuilder) field(name string, value any) {
	b.WriteString(name)
	b.WriteByte(':')
	switch v := value.(type) {
	case string:
		b.WriteString(v)
	case int:
		b.WriteString(strconv.Itoa(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	default:
		fmt.Fprint(b, v)
	}
	b.WriteString("\r\n")
}

func (s *Server) infoServer(c *client, b *infoBuilder) {
	now := time.Now()
	uptime := int64(now.Sub(s.start) / time.Second)
	exe, _ := os.Executable()
	b.field("redis_version", RedisVersion)
	b.field("redis_git_sha1", "00000000")
	b.field("redis_git_dirty", 0)
	b.field("redis_build_id", "0")
	b.field("redis_mode", "standalone")
	b.field("os", runtime.GOOS+" "+runtime.GOARCH)
	b.field("arch_bits", strconv.IntSize)
	b.field("monotonic_clock", "Go runtime monotonic clock")
	b.field("multiplexing_api", netpollerName())
	b.field("atomicvar_api", "sync/atomic")
	b.field("gcc_version", "0.0.0") // not built by GCC, as Redis shows then
	b.field("process_id", os.Getpid())
	b.field("process_supervised", "no")
	b.field("run_id", s.runID)
	b.field("tcp_port", s.tcpPort())
	b.field("server_time_usec", now.UnixMicro())
	b.field("uptime_in_seconds", uptime)
	b.field("uptime_in_days", uptime/86400)
	b.field("hz", 10) // the store's sweeper runs ten times a second
	b.field("configured_hz", 10)
	b.field("lru_clock", (now.UnixMilli()/1000)&(1<<24-1)) // Redis's 24-bit LRU clock
	b.field("executable", exe)
	b.field("config_file", "")
	b.field("io_threads_active", 0)
	b.field("ember_version", Version)
}

// netpollerName names the readiness API Go's network poller uses here.
func netpollerName() string {
	switch runtime.GOOS {
	case "linux", "android":
		return "epoll"
	case "darwin", "ios", "freebsd", "netbsd", "openbsd", "dragonfly":
		return "kqueue"
	case "windows":
		return "iocp"
	case "solaris", "illumos":
		return "evport"
	}
	return "unknown"
}

// tcpPort is the port of the first TCP listener, which differs from the
// configured one when that was 0; the configured port before any listens.
func (s *Server) tcpPort() int {
	s.mu.Lock()
	lns := s.listeners
	s.mu.Unlock()
	for _, ln := range lns {
		if a, ok := ln.Addr().(*net.TCPAddr); ok {
			return a.Port
		}
	}
	return s.cfg.load().Port
}

func (s *Server) infoClients(c *client, b *infoBuilder) {
	b.field("connected_clients", s.CurrentConnectionCount())
	b.field("cluster_connections", 0)
	b.field("maxclients", s.cfg.maxClients())
	b.field("client_recent_max_input_buffer", 0)
	b.field("client_recent_max_output_buffer", 0)
	b.field("blocked_clients", s.blocking.blockedNow())
	b.field("tracking_clients", s.tracking.on.Load())
	b.field("clients_in_timeout_table", 0)
}

// goMemory is the Go runtime's view of the process's memory, read without
// stopping the world.
type goMemory struct {
	heapObjects  int64 // bytes of live and not yet swept heap objects
	heapUnused   int64 // bytes in heap spans not holding objects
	total        int64 // bytes mapped by the runtime
	heapReleased int64 // bytes returned to the OS
}

var goMemoryMetrics = []string{
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
}

func readGoMemory() goMemory {
	samples := make([]metrics.Sample, len(goMemoryMetrics))
	for i, name := range goMemoryMetrics {
		samples[i].Name = name
	}
	metrics.Read(samples)
	v := func(i int) int64 {
		if samples[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return int64(samples[i].Value.Uint64())
	}
	return goMemory{heapObjects: v(0), heapUnused: v(1), total: v(2), heapReleased: v(3)}
}

// infoMemory: used_memory is the store's accounting of the keys (see
// usedMemory), so that it moves with every write and delete as eviction
// needs; used_memory_overhead is baseMemory plus the per-key structures,
// used_memory_dataset the rest. The allocator_* figures and
// used_memory_rss come from the Go runtime (heap objects, in-use spans,
// memory mapped and not released). Lua, scripts, replication and client
// buffers are not counted and show 0.
func (s *Server) infoMemory(c *client, b *infoBuilder) {
	m := readGoMemory()
	o := c.memoryOverview()
	used, peak, startup, dataset, overhead := o.used, o.peak, o.startup, o.dataset, o.overheadTotal
	rss := m.total - m.heapReleased
	active := m.heapObjects + m.heapUnused
	maxmem, policy := s.cfg.maxmemory()
	b.field("used_memory", used)
	b.field("used_memory_human", bytesToHuman(used))
	b.field("used_memory_rss", rss)
	b.field("used_memory_rss_human", bytesToHuman(rss))
	b.field("used_memory_peak", peak)
	b.field("used_memory_peak_human", bytesToHuman(peak))
	b.field("used_memory_peak_perc", percent(used, peak))
	b.field("used_memory_overhead", overhead)
	b.field("used_memory_startup", startup)
	b.field("used_memory_dataset", dataset)
	b.field("used_memory_dataset_perc", percent(dataset, used-startup))
	b.field("allocator_allocated", m.heapObjects)
	b.field("allocator_active", active)
	b.field("allocator_resident", rss)
	b.field("total_system_memory", totalSystemMemory())
	b.field("total_system_memory_human", bytesToHuman(totalSystemMemory()))
	// gopher-lua's states live on Go's heap, which counts them per state
	// only in total: the VM figures are those of a fresh Redis (an
	// estimate); the caches' figures are the bytes Ember keeps for them.
	nScripts, scriptsMem := s.scripts.scriptsInfo()
	nFuncs, nLibs, funcsMem := s.scripts.functionsInfo()
	const vmEval, vmFunctions = 31744, 32768
	b.field("used_memory_lua", vmEval)
	b.field("used_memory_vm_eval", vmEval)
	b.field("used_memory_lua_human", bytesToHuman(vmEval))
	b.field("used_memory_scripts_eval", scriptsMem)
	b.field("number_of_cached_scripts", nScripts)
	b.field("number_of_functions", nFuncs)
	b.field("number_of_libraries", nLibs)
	b.field("used_memory_vm_functions", vmFunctions)
	b.field("used_memory_vm_total", vmEval+vmFunctions)
	b.field("used_memory_vm_total_human", bytesToHuman(vmEval+vmFunctions))
	b.field("used_memory_functions", funcsMem)
	b.field("used_memory_scripts", scriptsMem+funcsMem)
	b.field("used_memory_scripts_human", bytesToHuman(scriptsMem+funcsMem))
	b.field("maxmemory", maxmem)
	b.field("maxmemory_human", bytesToHuman(maxmem))
	b.field("maxmemory_policy", policy)
	b.field("allocator_frag_ratio", ratio(active, m.heapObjects))
	b.field("allocator_frag_bytes", active-m.heapObjects)
	b.field("allocator_rss_ratio", ratio(rss, active))
	b.field("allocator_rss_bytes", rss-active)
	b.field("rss_overhead_ratio", ratio(rss, rss))
	b.field("rss_overhead_bytes", 0)
	b.field("mem_fragmentation_ratio", ratio(rss, used))
	b.field("mem_fragmentation_bytes", rss-used)
	b.field("mem_not_counted_for_evict", 0)
	b.field("mem_replication_backlog", 0)
	b.field("mem_total_replication_buffers", 0)
	b.field("mem_clients_slaves", 0)
	b.field("mem_clients_normal", 0)
	b.field("mem_cluster_links", 0)
	b.field("mem_aof_buffer", 0)
	b.field("mem_allocator", runtime.Version())
	b.field("active_defrag_running", 0)
	b.field("lazyfree_pending_objects", 0)
	b.field("lazyfreed_objects", 0)
}

// bytesToHuman formats a byte count as Redis does (B, K, M, G, T, P).
func bytesToHuman(n int64) string {
	d := float64(n)
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + "B"
	case n < 1<<20:
		return fmt.Sprintf("%.2fK", d/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.2fM", d/(1<<20))
	case n < 1<<40:
		return fmt.Sprintf("%.2fG", d/(1<<30))
	case n < 1<<50:
		return fmt.Sprintf("%.2fT", d/(1<<40))
	case n < 1<<60:
		return fmt.Sprintf("%.2fP", d/(1<<50))
	}
	return strconv.FormatInt(n, 10) + "B"
}

func percent(part, whole int64) string {
	if whole <= 0 {
		return "0.00%"
	}
	return fmt.Sprintf("%.2f%%", float64(part)*100/float64(whole))
}

func ratio(a, b int64) string {
	if b <= 0 {
		return "0.00"
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(b))
}

// totalSystemMemory reads MemTotal from /proc/meminfo; 0 where there is
// none, as Redis reports when it cannot tell.
func totalSystemMemory() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// maxmemory reads the maxmemory directives from the configuration.
func (lc *liveConfig) maxmemory() (int64, string) {
	n, _ := parseMemory(lc.get("maxmemory"))
	return int64(n), strings.ToLower(lc.get("maxmemory-policy"))
}

// infoStats: connections, commands, errors and the store's counters
// (hits, misses, expired keys) are counted; network byte counts, eviction,
// pub/sub, forks, defragmentation and tracking are not kept and show 0.
func (s *Server) infoStats(c *client, b *infoBuilder) {
	st := &s.stats
	kc := s.store.Counters()
	b.field("total_connections_received", st.connectionsReceived.Load())
	b.field("total_commands_processed", st.commandsProcessed.Load())
	b.field("instantaneous_ops_per_sec", st.instantaneousOps())
	b.field("total_net_input_bytes", 0)
	b.field("total_net_output_bytes", 0)
	b.field("total_net_repl_input_bytes", 0)
	b.field("total_net_repl_output_bytes", 0)
	b.field("instantaneous_input_kbps", "0.00")
	b.field("instantaneous_output_kbps", "0.00")
	b.field("instantaneous_input_repl_kbps", "0.00")
	b.field("instantaneous_output_repl_kbps", "0.00")
	b.field("rejected_connections", st.rejectedConnections.Load())
	b.field("sync_full", 0)
	b.field("sync_partial_ok", 0)
	b.field("sync_partial_err", 0)
	b.field("expired_keys", kc.Expired)
	sw := s.store.SweepStats()
	b.field("expired_stale_perc", fmt.Sprintf("%.2f", sw.StalePercent))
	b.field("expired_time_cap_reached_count", sw.TimeCapped)
	b.field("expire_cycle_cpu_milliseconds", sw.CPU.Milliseconds())
	b.field("evicted_keys", kc.Evicted)
	b.field("evicted_clients", 0)
	exTotal, exCurrent := s.store.EvictionExceeded()
	b.field("total_eviction_exceeded_time", exTotal.Milliseconds())
	b.field("current_eviction_exceeded_time", exCurrent.Milliseconds())
	b.field("keyspace_hits", kc.Hits)
	b.field("keyspace_misses", kc.Misses)
	channels, patterns, shard := s.pubsubStats()
	b.field("pubsub_channels", channels)
	b.field("pubsub_patterns", patterns)
	b.field("pubsubshard_channels", shard)
	b.field("latest_fork_usec", 0)
	b.field("total_forks", 0)
	b.field("migrate_cached_sockets", 0)
	b.field("slave_expires_tracked_keys", 0)
	b.field("active_defrag_hits", 0)
	b.field("active_defrag_misses", 0)
	b.field("active_defrag_key_hits", 0)
	b.field("active_defrag_key_misses", 0)
	b.field("total_active_defrag_time", 0)
	b.field("current_active_defrag_time", 0)
	tkeys, titems, tprefixes := s.tracking.info()
	b.field("tracking_total_keys", tkeys)
	b.field("tracking_total_items", titems)
	b.field("tracking_total_prefixes", tprefixes)
	b.field("unexpected_error_replies", 0)
	b.field("total_error_replies", st.totalErrors())
	b.field("dump_payload_sanitizations", 0)
	b.field("total_reads_processed", 0)
	b.field("total_writes_processed", 0)
	b.field("io_threaded_reads_processed", 0)
	b.field("io_threaded_writes_processed", 0)
	b.field("reply_buffer_shrinks", 0)
	b.field("reply_buffer_expands", 0)
}

// infoReplication: a master without replicas, its replication ID fixed at
// start.
func (s *Server) infoReplication(c *client, b *infoBuilder) {
	b.field("role", "master")
	b.field("connected_slaves", 0)
	b.field("master_failover_state", "no-failover")
	b.field("master_replid", s.stats.replID)
	b.field("master_replid2", strings.Repeat("0", 40))
	b.field("master_repl_offset", 0)
	b.field("second_repl_offset", -1)
	b.field("repl_backlog_active", 0)
	b.field("repl_backlog_size", 1048576)
	b.field("repl_backlog_first_byte_offset", 0)
	b.field("repl_backlog_histlen", 0)
}

// infoCPU: the process's and its children's CPU time from getrusage. Go
// spreads work over threads, so there is no main thread to report: its
// fields show 0.
func (s *Server) infoCPU(c *client, b *infoBuilder) {
	self, children := cpuTimes()
	b.field("used_cpu_sys", seconds(self.sys))
	b.field("used_cpu_user", seconds(self.user))
	b.field("used_cpu_sys_children", seconds(children.sys))
	b.field("used_cpu_user_children", seconds(children.user))
	b.field("used_cpu_sys_main_thread", "0.000000")
	b.field("used_cpu_user_main_thread", "0.000000")
}

// cpuTime is CPU time spent in the kernel and in user space.
type cpuTime struct{ sys, user time.Duration }

// seconds formats a duration as Redis prints rusage: seconds.microseconds.
func seconds(d time.Duration) string {
	us := d.Microseconds()
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}

// infoCommandStats: one line per command or subcommand that was called,
// rejected or failed, by name.
func (s *Server) infoCommandStats(c *client, b *infoBuilder) {
	cmds := append([]*command(nil), s.all...)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, cmd := range cmds {
		st := &s.stats.commands[cmd.id]
		calls, usec := st.calls.Load(), st.usec.Load()
		rejected, failed := st.rejected.Load(), st.failed.Load()
		if calls == 0 && rejected == 0 && failed == 0 {
			continue
		}
		perCall := 0.0
		if calls > 0 {
			perCall = float64(usec) / float64(calls)
		}
		fmt.Fprintf(b, "cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d\r\n",
			cmd.name, calls, usec, perCall, rejected, failed)
	}
}

// infoErrorStats: how many error replies of each code, by code.
func (s *Server) infoErrorStats(c *client, b *infoBuilder) {
	s.stats.errMu.Lock()
	codes := make([]string, 0, len(s.stats.errors))
	for code := range s.stats.errors {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		fmt.Fprintf(b, "errorstat_%s:count=%d\r\n", code, s.stats.errors[code])
	}
	s.stats.errMu.Unlock()
}

func (s *Server) infoCluster(c *client, b *infoBuilder) { b.field("cluster_enabled", 0) }

// infoKeyspace: a line for each database that has keys. Keys whose TTL
// passed but that were not reclaimed yet still count, as in Redis; the
// average TTL is not tracked and shows 0.
func (s *Server) infoKeyspace(c *client, b *infoBuilder) {
	for i := 0; i < s.store.Databases(); i++ {
		st := c.dbAt(i).Stats()
		if st.Keys == 0 {
			continue
		}
		fmt.Fprintf(b, "db%d:keys=%d,expires=%d,avg_ttl=%d\r\n", i, st.Keys, st.Expires, st.AvgTTL)
	}
}
