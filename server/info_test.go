package server

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emberkv/ember/store"
	"github.com/redis/go-redis/v9"
)

// redisInfoFields are Redis 7.0.15's INFO fields, section by section, in
// its order (as `redis-cli INFO everything` prints them). Ember adds
// ember_version at the end of Server.
var redisInfoFields = map[string][]string{
	"Server": {"redis_version", "redis_git_sha1", "redis_git_dirty", "redis_build_id", "redis_mode", "os", "arch_bits",
		"monotonic_clock", "multiplexing_api", "atomicvar_api", "gcc_version", "process_id", "process_supervised", "run_id",
		"tcp_port", "server_time_usec", "uptime_in_seconds", "uptime_in_days", "hz", "configured_hz", "lru_clock",
		"executable", "config_file", "io_threads_active", "ember_version"},
	"Clients": {"connected_clients", "cluster_connections", "maxclients", "client_recent_max_input_buffer",
		"client_recent_max_output_buffer", "blocked_clients", "tracking_clients", "clients_in_timeout_table"},
	"Memory": {"used_memory", "used_memory_human", "used_memory_rss", "used_memory_rss_human", "used_memory_peak",
		"used_memory_peak_human", "used_memory_peak_perc", "used_memory_overhead", "used_memory_startup",
		"used_memory_dataset", "used_memory_dataset_perc", "allocator_allocated", "allocator_active", "allocator_resident",
		"total_system_memory", "total_system_memory_human", "used_memory_lua", "used_memory_vm_eval", "used_memory_lua_human",
		"used_memory_scripts_eval", "number_of_cached_scripts", "number_of_functions", "number_of_libraries",
		"used_memory_vm_functions", "used_memory_vm_total", "used_memory_vm_total_human", "used_memory_functions",
		"used_memory_scripts", "used_memory_scripts_human", "maxmemory", "maxmemory_human", "maxmemory_policy",
		"allocator_frag_ratio", "allocator_frag_bytes", "allocator_rss_ratio", "allocator_rss_bytes", "rss_overhead_ratio",
		"rss_overhead_bytes", "mem_fragmentation_ratio", "mem_fragmentation_bytes", "mem_not_counted_for_evict",
		"mem_replication_backlog", "mem_total_replication_buffers", "mem_clients_slaves", "mem_clients_normal",
		"mem_cluster_links", "mem_aof_buffer", "mem_allocator", "active_defrag_running", "lazyfree_pending_objects",
		"lazyfreed_objects"},
	"Persistence": {"loading", "async_loading", "current_cow_peak", "current_cow_size", "current_cow_size_age",
		"current_fork_perc", "current_save_keys_processed", "current_save_keys_total", "rdb_changes_since_last_save",
		"rdb_bgsave_in_progress", "rdb_last_save_time", "rdb_last_bgsave_status", "rdb_last_bgsave_time_sec",
		"rdb_current_bgsave_time_sec", "rdb_saves", "rdb_last_cow_size", "rdb_last_load_keys_expired",
		"rdb_last_load_keys_loaded", "aof_enabled", "aof_rewrite_in_progress", "aof_rewrite_scheduled",
		"aof_last_rewrite_time_sec", "aof_current_rewrite_time_sec", "aof_last_bgrewrite_status", "aof_rewrites",
		"aof_rewrites_consecutive_failures", "aof_last_write_status", "aof_last_cow_size", "module_fork_in_progress",
		"module_fork_last_cow_size"},
	"Stats": {"total_connections_received", "total_commands_processed", "instantaneous_ops_per_sec",
		"total_net_input_bytes", "total_net_output_bytes", "total_net_repl_input_bytes", "total_net_repl_output_bytes",
		"instantaneous_input_kbps", "instantaneous_output_kbps", "instantaneous_input_repl_kbps",
		"instantaneous_output_repl_kbps", "rejected_connections", "sync_full", "sync_partial_ok", "sync_partial_err",
		"expired_keys", "expired_stale_perc", "expired_time_cap_reached_count", "expire_cycle_cpu_milliseconds",
		"evicted_keys", "evicted_clients", "total_eviction_exceeded_time", "current_eviction_exceeded_time",
		"keyspace_hits", "keyspace_misses", "pubsub_channels", "pubsub_patterns", "pubsubshard_channels",
		"latest_fork_usec", "total_forks", "migrate_cached_sockets", "slave_expires_tracked_keys", "active_defrag_hits",
		"active_defrag_misses", "active_defrag_key_hits", "active_defrag_key_misses", "total_active_defrag_time",
		"current_active_defrag_time", "tracking_total_keys", "tracking_total_items", "tracking_total_prefixes",
		"unexpected_error_replies", "total_error_replies", "dump_payload_sanitizations", "total_reads_processed",
		"total_writes_processed", "io_threaded_reads_processed", "io_threaded_writes_processed", "reply_buffer_shrinks",
		"reply_buffer_expands"},
	"Replication": {"role", "connected_slaves", "master_failover_state", "master_replid", "master_replid2",
		"master_repl_offset", "second_repl_offset", "repl_backlog_active", "repl_backlog_size",
		"repl_backlog_first_byte_offset", "repl_backlog_histlen"},
	"CPU": {"used_cpu_sys", "used_cpu_user", "used_cpu_sys_children", "used_cpu_user_children",
		"used_cpu_sys_main_thread", "used_cpu_user_main_thread"},
	"Modules":      {},
	"Errorstats":   nil, // variable
	"Commandstats": nil,
	"Latencystats": nil, // one line per command called
	"Cluster":      {"cluster_enabled"},
	"Keyspace":     nil,
}

// infoSection is one parsed section: its fields in order and by name.
type infoSection struct {
	names  []string
	values map[string]string
}

// parseInfo checks INFO's layout (\r\n line ends, "# Name" headers, one
// blank line between sections, no trailing blank line) and parses it.
func parseInfo(t *testing.T, text string) (order []string, secs map[string]*infoSection) {
	t.Helper()
	secs = make(map[string]*infoSection)
	if text == "" {
		return nil, secs
	}
	if !strings.HasSuffix(text, "\r\n") || strings.HasSuffix(text, "\r\n\r\n") {
		t.Fatalf("INFO must end in exactly one \\r\\n: %q", text[max(0, len(text)-20):])
	}
	if strings.Contains(strings.ReplaceAll(text, "\r\n", ""), "\n") {
		t.Fatal("INFO has a bare \\n")
	}
	for i, block := range strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n\r\n") {
		lines := strings.Split(block, "\r\n")
		name, ok := strings.CutPrefix(lines[0], "# ")
		if !ok {
			t.Fatalf("section %d starts with %q", i, lines[0])
		}
		sec := &infoSection{values: make(map[string]string)}
		for _, l := range lines[1:] {
			k, v, ok := strings.Cut(l, ":")
			if !ok || k == "" {
				t.Fatalf("section %s: bad line %q", name, l)
			}
			sec.names = append(sec.names, k)
			sec.values[k] = v
		}
		order = append(order, name)
		secs[name] = sec
	}
	return order, secs
}

func TestInfoSectionSelection(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	defaults := []string{"Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules", "Errorstats", "Cluster", "Keyspace"}
	all := []string{"Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules", "Commandstats", "Errorstats", "Latencystats", "Cluster", "Keyspace"}
	tests := []struct {
		args []string
		want []string
	}{
		{nil, defaults},
		{[]string{"default"}, defaults},
		{[]string{"DEFAULT"}, defaults},
		{[]string{"all"}, all},
		{[]string{"everything"}, all},
		{[]string{"default", "commandstats"}, []string{"Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules", "Commandstats", "Errorstats", "Cluster", "Keyspace"}},
		{[]string{"server"}, []string{"Server"}},
		{[]string{"keyspace", "SERVER"}, []string{"Server", "Keyspace"}}, // Redis's order, not the request's
		{[]string{"cpu", "cpu"}, []string{"CPU"}},
		{[]string{"commandstats"}, []string{"Commandstats"}},
		{[]string{"modules"}, []string{"Modules"}},
		{[]string{"bogus"}, nil},
		{[]string{"all", "bogus"}, all},
	}
	rc := dialRESP(t, addr)
	for _, tt := range tests {
		t.Run(strings.Join(append([]string{"INFO"}, tt.args...), " "), func(t *testing.T) {
			order, secs := parseInfo(t, bulkText(t, rc.cmd(append([]string{"INFO"}, tt.args...)...)))
			if !reflect.DeepEqual(order, tt.want) {
				t.Fatalf("sections %v, want %v", order, tt.want)
			}
			for _, name := range order {
				want, fixed := redisInfoFields[name]
				if fixed && want != nil && strings.Join(secs[name].names, " ") != strings.Join(want, " ") {
					t.Errorf("section %s fields:\n got %v\nwant %v", name, secs[name].names, want)
				}
			}
		})
	}
}

func TestInfoValues(t *testing.T) {
	srv, addr := startServer(t, DefaultConfig())
	rc := dialRESP(t, addr)
	info := func(args ...string) map[string]*infoSection {
		_, secs := parseInfo(t, bulkText(t, rc.cmd(append([]string{"INFO"}, args...)...)))
		return secs
	}
	secs := info("everything")
	port := strconv.Itoa(addrPort(t, addr))
	want := map[string]map[string]string{
		"Server":      {"redis_version": RedisVersion, "redis_mode": "standalone", "tcp_port": port, "run_id": srv.runID, "ember_version": Version},
		"Clients":     {"connected_clients": "1", "maxclients": "10000"},
		"Memory":      {"maxmemory": "0", "maxmemory_human": "0B", "maxmemory_policy": "noeviction"},
		"Persistence": {"loading": "0", "aof_enabled": "0", "rdb_changes_since_last_save": "0", "rdb_last_save_time": strconv.FormatInt(srv.start.Unix(), 10)},
		"Stats":       {"total_connections_received": "1", "evicted_keys": "0", "expired_keys": "0", "rejected_connections": "0"},
		"Replication": {"role": "master", "connected_slaves": "0", "master_replid2": strings.Repeat("0", 40)},
		"Cluster":     {"cluster_enabled": "0"},
	}
	for sec, fields := range want {
		for k, v := range fields {
			if got := secs[sec].values[k]; got != v {
				t.Errorf("%s %s = %q, want %q", sec, k, got, v)
			}
		}
	}
	if id := secs["Replication"].values["master_replid"]; len(id) != 40 || id == srv.runID {
		t.Errorf("master_replid = %q", id)
	}
	for _, k := range []string{"used_memory", "used_memory_rss", "used_memory_peak", "uptime_in_seconds", "process_id"} {
		v := secs["Memory"].values[k] + secs["Server"].values[k]
		if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 0 {
			t.Errorf("%s = %q", k, v)
		}
	}
	if v := secs["CPU"].values["used_cpu_user"]; !strings.Contains(v, ".") || len(v[strings.IndexByte(v, '.')+1:]) != 6 {
		t.Errorf("used_cpu_user = %q, want seconds with 6 decimals", v)
	}
	if len(secs["Keyspace"].names) != 0 {
		t.Errorf("empty keyspace lists %v", secs["Keyspace"].names)
	}

	// Keyspace lines appear for non-empty databases only.
	rc.cmd("SET", "a", "1")
	rc.cmd("SET", "b", "2")
	rc.cmd("SELECT", "4")
	rc.cmd("SET", "c", "3")
	srv.Store().DB(4).Set("d", []byte("4"), store.SetOptions{ExpireAt: time.Now().Add(time.Hour).UnixMilli()})
	rc.cmd("SELECT", "0")
	ks := info("keyspace")["Keyspace"]
	if !reflect.DeepEqual(ks.names, []string{"db0", "db4"}) || ks.values["db0"] != "keys=2,expires=0,avg_ttl=0" || ks.values["db4"] != "keys=2,expires=1,avg_ttl=0" {
		t.Errorf("keyspace = %v %v", ks.names, ks.values)
	}

	// Command and error statistics.
	rc.cmd("FLUSHALL")
	rc.cmd("CONFIG", "RESETSTAT")
	before := info("commandstats")["Commandstats"].values["cmdstat_get"]
	for i := 0; i < 3; i++ {
		rc.cmd("GET", "nope")
	}
	rc.cmd("GET")                         // rejected: arity
	rc.cmd("SWAPDB", "0", "99")           // failed
	rc.cmd("CLIENT", "SETNAME", "statsy") // a subcommand
	rc.cmd("NOSUCHCOMMAND")               // counted in errorstats only
	cs := info("commandstats")["Commandstats"].values
	calls := func(stat string) int64 {
		v, _ := strconv.ParseInt(strings.TrimPrefix(strings.Split(stat, ",")[0], "calls="), 10, 64)
		return v
	}
	if got := calls(cs["cmdstat_get"]) - calls(before); got != 3 {
		t.Errorf("cmdstat_get = %q (before %q): %d more calls, want 3", cs["cmdstat_get"], before, got)
	}
	if !strings.Contains(cs["cmdstat_get"], ",rejected_calls=1,") {
		t.Errorf("cmdstat_get = %q, want rejected_calls=1", cs["cmdstat_get"])
	}
	if !strings.HasPrefix(cs["cmdstat_swapdb"], "calls=1,") || !strings.HasSuffix(cs["cmdstat_swapdb"], ",failed_calls=1") {
		t.Errorf("cmdstat_swapdb = %q", cs["cmdstat_swapdb"])
	}
	if !strings.HasPrefix(cs["cmdstat_client|setname"], "calls=1,usec=") || !strings.Contains(cs["cmdstat_client|setname"], ",usec_per_call=") {
		t.Errorf("cmdstat_client|setname = %q", cs["cmdstat_client|setname"])
	}
	es := info("errorstats")["Errorstats"].values
	if n, _ := strconv.Atoi(strings.TrimPrefix(es["errorstat_ERR"], "count=")); n < 3 {
		t.Errorf("errorstat_ERR = %q, want at least 3", es["errorstat_ERR"])
	}
	st := info("stats")["Stats"].values
	if n, _ := strconv.Atoi(st["total_error_replies"]); n < 3 {
		t.Errorf("total_error_replies = %q", st["total_error_replies"])
	}
	// As Redis 7.0.15 counts this same sequence: RESETSTAT itself, INFO
	// three times, GET three times, SWAPDB and CLIENT SETNAME; the rejected
	// and unknown commands do not count, nor does this INFO.
	if st["total_commands_processed"] != "9" {
		t.Errorf("total_commands_processed = %q, want 9", st["total_commands_processed"])
	}
}

func addrPort(t *testing.T, addr string) int {
	t.Helper()
	_, p, _ := strings.Cut(addr, ":")
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestInfoKeyspaceCounters(t *testing.T) {
	clock := store.NewManualClock(time.Unix(1_700_000_000, 0))
	st := store.New(store.Options{Clock: clock, SweepInterval: -1})
	defer st.Close()
	cfg := DefaultConfig()
	cfg.Store = st
	srv, addr := startServer(t, cfg)
	rc := dialRESP(t, addr)
	stats := func() map[string]string {
		_, secs := parseInfo(t, bulkText(t, rc.cmd("INFO", "stats")))
		return secs["Stats"].values
	}
	rc.cmd("SET", "k", "v")
	rc.cmd("GET", "k")
	rc.cmd("GET", "k")
	rc.cmd("GET", "missing")
	srv.Store().DB(0).Set("soon", []byte("x"), store.SetOptions{ExpireAt: clock.Now().Add(time.Second).UnixMilli()})
	srv.Store().DB(0).Set("later", []byte("x"), store.SetOptions{ExpireAt: clock.Now().Add(time.Second).UnixMilli()})
	clock.Advance(2 * time.Second)
	rc.cmd("GET", "soon") // expired on access: a miss
	srv.Store().Sweep()   // and the sweeper takes the other
	got := stats()
	want := map[string]string{"keyspace_hits": "2", "keyspace_misses": "2", "expired_keys": "2"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	srv.stats.reset() // CONFIG RESETSTAT
	got = stats()
	for k := range want {
		if got[k] != "0" {
			t.Errorf("after reset %s = %q, want 0", k, got[k])
		}
	}
}

// INFO replies a bulk string in RESP2 and a verbatim string in RESP3, and
// runs inside MULTI/EXEC without locking again.
func TestInfoProtocolsAndTransactions(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	rc := dialRESP(t, addr)
	if got := rc.cmd("INFO", "cluster"); got != "$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n" {
		t.Errorf("RESP2 INFO cluster = %q", got)
	}
	if got := rc.cmd("INFO", "bogus"); got != "$0\r\n\r\n" {
		t.Errorf("RESP2 INFO bogus = %q", got)
	}
	rc.cmd("HELLO", "3")
	if got := rc.cmd("INFO", "cluster"); got != "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n" {
		t.Errorf("RESP3 INFO cluster = %q", got)
	}
	rc.cmd("MULTI")
	rc.cmd("SET", "k", "v")
	rc.cmd("INFO", "keyspace")
	rc.cmd("SWAPDB", "0", "1")
	got := rc.cmd("EXEC")
	if !strings.Contains(got, "db0:keys=1,expires=0,avg_ttl=0\r\n") {
		t.Errorf("EXEC with INFO = %q", got)
	}

	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto})
		text, err := rdb.Info(ctx).Result()
		rdb.Close()
		if err != nil || !strings.Contains(text, "\r\nloading:0\r\n") || !strings.HasPrefix(text, "# Server\r\nredis_version:7.0.15\r\n") {
			t.Errorf("RESP%d go-redis INFO: %v, %q", proto, err, text[:min(len(text), 60)])
		}
	}
}

func TestBytesToHuman(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0B"}, {1023, "1023B"}, {1024, "1.00K"}, {1536, "1.50K"}, {100 << 20, "100.00M"},
		{5 << 30, "5.00G"}, {3 << 40, "3.00T"}, {2 << 50, "2.00P"},
	}
	for _, tt := range tests {
		if got := bytesToHuman(tt.n); got != tt.want {
			t.Errorf("bytesToHuman(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestOpsMeter(t *testing.T) {
	var m opsMeter
	start := time.Unix(100, 0)
	m.sample(start, 0)
	// 16 samples 100ms apart, 50 commands each: 500 per second.
	for i := 1; i <= opsSamples; i++ {
		m.sample(start.Add(time.Duration(i)*opsSampleEvery), int64(50*i))
	}
	if got := m.rate(); got != 500 {
		t.Errorf("rate = %d, want 500", got)
	}
	// Half the window idle halves the figure.
	for i := 1; i <= opsSamples/2; i++ {
		m.sample(start.Add(time.Duration(opsSamples+i)*opsSampleEvery), 50*opsSamples)
	}
	if got := m.rate(); got != 250 {
		t.Errorf("rate = %d, want 250", got)
	}
	// A counter reset (CONFIG RESETSTAT) does not give a negative rate.
	m.sample(start.Add(100*opsSampleEvery), 0)
	if got := m.rate(); got < 0 {
		t.Errorf("rate = %d after a reset", got)
	}
	m.reset()
	if got := m.rate(); got != 0 {
		t.Errorf("rate after reset = %d", got)
	}
}

// TestCommandStatsSeenByOthers: a connection's calls gather per batch
// (pendingStats), yet another connection reading INFO after the replies
// have arrived sees every one of them, as with Redis.
func TestCommandStatsSeenByOthers(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	worker, watcher := dialRESP(t, addr), dialRESP(t, addr)
	stat := func(section, field string) string {
		_, secs := parseInfo(t, bulkText(t, watcher.cmd("INFO", section)))
		for _, s := range secs {
			if v, ok := s.values[field]; ok {
				return v
			}
		}
		return ""
	}
	processed := func() int64 {
		n, _ := strconv.ParseInt(stat("stats", "total_commands_processed"), 10, 64)
		return n
	}
	watcher.cmd("CONFIG", "RESETSTAT")
	before := processed() // counts the INFO itself
	// One batch: 20 GETs and 5 INCRs pipelined, then read the replies.
	for i := 0; i < 20; i++ {
		worker.sendCmd("GET", "k"+strconv.Itoa(i))
	}
	for i := 0; i < 5; i++ {
		worker.sendCmd("INCR", "n")
	}
	for i := 0; i < 25; i++ {
		if _, err := worker.readReply(); err != nil {
			t.Fatal(err)
		}
	}
	if got := stat("commandstats", "cmdstat_get"); !strings.HasPrefix(got, "calls=20,") {
		t.Errorf("cmdstat_get = %q, want calls=20", got)
	}
	if got := stat("commandstats", "cmdstat_incr"); !strings.HasPrefix(got, "calls=5,") {
		t.Errorf("cmdstat_incr = %q, want calls=5", got)
	}
	// The three INFOs since "before": itself, and the two above.
	if got := processed() - before; got != 25+3 {
		t.Errorf("total_commands_processed grew by %d, want 28", got)
	}
	// In one batch with the calls, INFO (on the same connection) sees
	// them too.
	worker.sendCmd("CONFIG", "RESETSTAT")
	for i := 0; i < 3; i++ {
		worker.sendCmd("GET", "k")
	}
	worker.sendCmd("INFO", "commandstats")
	var last string
	for i := 0; i < 5; i++ {
		r, err := worker.readReply()
		if err != nil {
			t.Fatal(err)
		}
		last = r
	}
	_, secs := parseInfo(t, bulkText(t, last))
	if got := secs["Commandstats"].values["cmdstat_get"]; !strings.HasPrefix(got, "calls=3,") {
		t.Errorf("INFO in the batch: cmdstat_get = %q, want calls=3", got)
	}

	// Each command that reads or resets the counts sees the batch's
	// earlier calls, of fast commands and others (SETBIT is not fast).
	readers := []struct {
		name    string
		args    []string
		pending int // calls before it in the batch that it must see
		want    func(reply string) bool
	}{
		{"a script's INFO", []string{"EVAL", "return redis.call('INFO', 'commandstats')", "0"}, 2,
			func(r string) bool { return strings.Contains(r, "cmdstat_setbit:calls=2,") }},
		{"LATENCY HISTOGRAM", []string{"LATENCY", "HISTOGRAM", "setbit"}, 2,
			func(r string) bool { return strings.Contains(r, "$5\r\ncalls\r\n:2\r\n") }},
		{"CONFIG RESETSTAT, then INFO", []string{"CONFIG", "RESETSTAT"}, 2,
			func(string) bool { return !strings.Contains(stat("commandstats", "cmdstat_setbit"), "calls") }},
	}
	for _, r := range readers {
		watcher.cmd("CONFIG", "RESETSTAT")
		for i := 0; i < r.pending; i++ {
			worker.sendCmd("SETBIT", "bm", "7", "1")
		}
		worker.sendCmd(r.args...)
		var reply string
		var err error
		for i := 0; i <= r.pending; i++ {
			if reply, err = worker.readReply(); err != nil {
				t.Fatal(err)
			}
		}
		if !r.want(reply) {
			t.Errorf("%s after %d SETBITs in its batch: %q", r.name, r.pending, reply)
		}
	}
}
