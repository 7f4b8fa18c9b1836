package server

// Configuration: one table of redis.conf parameters drives the config file
// parser, the command-line flags, CONFIG GET, CONFIG SET and CONFIG
// REWRITE. Names, units, defaults, checks and error texts are Redis
// 7.0.15's, so a redis.conf and a Redis user's habits carry over; each row
// also says whether Ember applies the parameter, keeps it for later, or
// accepts it with no effect.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/emberkv/ember/internal/redisnum"
	"github.com/emberkv/ember/store"
)

// Config configures a Server. Start from DefaultConfig (or LoadConfig);
// the zero value of a field added later always means its default. Every
// other redis.conf directive is set with Set and read with Get.
type Config struct {
	// Bind lists the addresses to listen on, as redis.conf's bind; an
	// address prefixed with '-' may fail to bind without stopping start-up.
	// "*" is every IPv4 address, "::*" every IPv6 address.
	Bind []string
	// Port is the TCP port. Default 6379.
	Port int
	// RequirePass, when set, makes clients AUTH before anything else.
	RequirePass string
	// Databases is the number of databases. Default 16.
	Databases int
	// MaxClients limits open connections. Default 10000.
	MaxClients int
	// ProtoMaxBulkLen limits one bulk argument. Default 512mb.
	ProtoMaxBulkLen int64
	// ClientQueryBufferLimit limits one request. Default 1gb.
	ClientQueryBufferLimit int64

	// LogLevel, when set, follows the loglevel directive and CONFIG SET
	// loglevel; give it to the Logger's handler (slog.HandlerOptions.Level).
	// LoadConfig sets it.
	LogLevel *slog.LevelVar

	// ManageGoMemoryLimit makes maxmemory set the Go runtime's soft memory
	// limit (debug.SetMemoryLimit), so that the collector keeps the heap
	// close to the limit. The limit is the whole process's: the
	// ember-server command sets this; a program embedding several
	// servers, or with memory of its own, leaves it off. Default off.
	ManageGoMemoryLimit bool

	// Clock drives expiry; tests replace it. Default the wall clock.
	Clock store.Clock
	// Store, when set, is served instead of a new one (and not closed).
	Store *store.Store
	// Logger receives the server's logs. Default slog.Default().
	Logger *slog.Logger

	// params holds every directive without a field above, by canonical
	// name, as CONFIG GET shows it; a missing one has its default. It is
	// never modified in place once a server uses it (CONFIG SET copies).
	params map[string]string
	// file is the config file LoadConfig read, absolute, for CONFIG REWRITE.
	file string
	// noEffect lists the directives LoadConfig met that Ember accepts but
	// does not apply; the server logs them once at start-up.
	noEffect []string
}

// DefaultConfig returns Redis's defaults, except where Ember differs on
// purpose: it listens on 127.0.0.1 and, where the machine has it, ::1 (as
// the stock redis.conf does, rather than every interface), and it has no
// save points (save ""), so that a server embedded in a program or a test
// writes no dump file unless asked to. LoadConfig, what ember-server
// runs, starts from Redis's save points instead (3600 1 300 100 60 10000).
func DefaultConfig() Config {
	return Config{
		Bind:                   []string{"127.0.0.1", "-::1"},
		Port:                   6379,
		Databases:              16,
		MaxClients:             10000,
		ProtoMaxBulkLen:        defaultMaxBulkLen,
		ClientQueryBufferLimit: defaultQueryBufSize,
	}
}

func (cfg *Config) validate() error {
	d := DefaultConfig()
	if cfg.Port == 0 && len(cfg.Bind) == 0 {
		cfg.Port = d.Port
	}
	if cfg.Databases == 0 {
		cfg.Databases = d.Databases
	}
	if cfg.MaxClients == 0 {
		cfg.MaxClients = d.MaxClients
	}
	if cfg.ProtoMaxBulkLen == 0 {
		cfg.ProtoMaxBulkLen = d.ProtoMaxBulkLen
	}
	if cfg.ClientQueryBufferLimit == 0 {
		cfg.ClientQueryBufferLimit = d.ClientQueryBufferLimit
	}
	if len(cfg.Bind) == 0 {
		cfg.Bind = d.Bind
	}
	if cfg.Databases < 1 {
		return errors.New("databases must be at least 1")
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return fmt.Errorf("port %d out of range", cfg.Port)
	}
	for _, p := range paramTable {
		if p.refuse == nil {
			continue
		}
		if why := p.refuse(cfg.value(p)); why != "" {
			return fmt.Errorf("%s: %s", p.name, why)
		}
	}
	return nil
}

// Set sets a redis.conf directive with the checks a config file line
// gets: cfg.Set("maxmemory", "100mb"), cfg.Set("save", ""),
// cfg.Set("bind", "127.0.0.1", "::1"). It refuses values Ember cannot
// honour, such as appendonly yes.
func (cfg *Config) Set(name string, values ...string) error {
	p := lookupParam(name)
	if p == nil {
		return fmt.Errorf("%s: %s", name, reasonBadDirective)
	}
	if p.flags&pMulti == 0 && len(values) != 1 {
		return fmt.Errorf("%s: %s", name, reasonArgCount)
	}
	v, why := p.parseArgs(values, cfg.value(p))
	if why == "" && p.refuse != nil {
		why = p.refuse(v)
	}
	if why != "" {
		return fmt.Errorf("%s: %s", p.name, why)
	}
	cfg.store(p, v)
	return nil
}

// Get returns a directive's value as CONFIG GET shows it, and whether
// the directive exists.
func (cfg *Config) Get(name string) (string, bool) {
	p := lookupParam(name)
	if p == nil {
		return "", false
	}
	return cfg.value(p), true
}

// value is p's current value in cfg, as CONFIG GET shows it.
func (cfg *Config) value(p *param) string {
	if p.field != nil {
		switch f := p.field(cfg).(type) {
		case *int:
			return strconv.Itoa(*f)
		case *int64:
			return strconv.FormatInt(*f, 10)
		case *string:
			return *f
		case *[]string:
			return strings.Join(*f, " ")
		}
		panic("config: unsupported field type for " + p.name)
	}
	v := cfg.kept(p)
	if p.show != nil {
		return p.show(v)
	}
	return v
}

// kept is the value stored for a parameter that has no Config field, as
// its parser returned it.
func (cfg *Config) kept(p *param) string {
	if v, ok := cfg.params[p.name]; ok {
		return v
	}
	return p.defaultValue()
}

// store sets p to v, a value its parser produced.
func (cfg *Config) store(p *param, v string) {
	if p.field != nil {
		switch f := p.field(cfg).(type) {
		case *int:
			n, _ := strconv.ParseInt(v, 10, 64)
			*f = int(n)
		case *int64:
			*f, _ = strconv.ParseInt(v, 10, 64)
		case *string:
			*f = v
		case *[]string:
			*f = strings.Split(v, " ")
		}
		return
	}
	if cfg.params == nil {
		cfg.params = make(map[string]string)
	}
	cfg.params[p.name] = v
}

// clone returns a copy of cfg that shares nothing CONFIG SET changes.
func (cfg *Config) clone() *Config {
	c := *cfg
	c.Bind = append([]string(nil), cfg.Bind...)
	c.params = make(map[string]string, len(cfg.params)+1)
	for k, v := range cfg.params {
		c.params[k] = v
	}
	return &c
}

// The parameter table.

// paramKind is how a parameter's value is written and checked.
type paramKind uint8

const (
	kindBool    paramKind = iota // yes or no
	kindInt                      // an integer within [min, max]
	kindMemory                   // bytes, with redis.conf units: 512mb, 1gb, 100k
	kindEnum                     // one word of enum, in any case
	kindString                   // any string
	kindSpecial                  // its own syntax: parse checks it
)

func (k paramKind) String() string {
	return [...]string{"yes/no", "integer", "memory", "enum", "string", "special"}[k]
}

// paramFlags are the properties of a parameter beyond its kind.
type paramFlags uint8

const (
	pImmutable paramFlags = 1 << iota // set at start-up only (CONFIG SET refuses it, as Redis)
	pProtected                        // CONFIG SET needs enable-protected-configs (as Redis)
	pMulti                            // takes several words: "bind a b", "save 900 1 300 10"
	pPercent                          // a memory value may also be a percentage: "10%"
	pRestart                          // Ember applies it at start-up; CONFIG SET keeps it for the next start
)

// paramEffect says what Ember does with a parameter.
type paramEffect uint8

const (
	effApplied     paramEffect = iota // Ember honours it
	effPersistence                    // kept for persistence, which Ember does not have yet
	effNotYet                         // kept, but the feature (eviction) is not there yet: logged
	effNone                           // a Redis internal with no meaning in Ember: accepted and logged
)

func (e paramEffect) String() string {
	return [...]string{"applied", "persistence", "not yet", "no effect"}[e]
}

// param is one row of the table.
type param struct {
	name   string
	alias  string // an older name, shown by CONFIG GET * and accepted everywhere
	kind   paramKind
	def    string   // the default, as CONFIG GET shows it (Redis 7.0.15's unless noted)
	min    int64    // kindInt, kindMemory: bounds, inclusive
	max    uint64   // (above math.MaxInt64 for Redis's unsigned parameters)
	enum   []string // kindEnum: the accepted words, in Redis's order
	flags  paramFlags
	effect paramEffect

	// parse checks kindSpecial values (the words after the name) and
	// returns the value CONFIG GET shows, or a reason; cur is the current
	// value, for parameters that merge (client-output-buffer-limit).
	parse func(args []string, cur string) (string, string)
	// check adjusts or refuses a value its kind accepted.
	check func(p *param, v string) (string, string)
	// refuse says why Ember cannot honour v ("" when it can).
	refuse func(v string) string
	// field is the Config field the value lives in, if any.
	field func(cfg *Config) any
	// apply pushes a new value into the running server after CONFIG SET.
	apply func(s *Server, cfg *Config)
	// show turns a kept value into what CONFIG GET shows, for values not
	// kept in that form.
	show func(v string) string
}

const (
	minInt32  = math.MinInt32
	maxInt32  = math.MaxInt32
	maxInt64  = math.MaxInt64
	maxUint32 = math.MaxUint32
	maxUint64 = math.MaxUint64
)

func enumOf(words string) []string { return strings.Fields(words) }

// paramTable lists every parameter of Redis 7.0.15's CONFIG GET *, by
// name. Defaults and bounds were read off a real redis-server 7.0.15.
var paramTable = []*param{
	{name: "acl-pubsub-default", kind: kindEnum, def: "resetchannels", enum: enumOf("allchannels resetchannels"), effect: effNone},
	{name: "aclfile", kind: kindString, def: "", flags: pImmutable, effect: effNone, refuse: refuseACLFile},
	{name: "acllog-max-len", kind: kindInt, def: "128", min: 0, max: maxInt64, effect: effNone},
	{name: "active-defrag-cycle-max", kind: kindInt, def: "25", min: 1, max: 99, effect: effNone},
	{name: "active-defrag-cycle-min", kind: kindInt, def: "1", min: 1, max: 99, effect: effNone},
	{name: "active-defrag-ignore-bytes", kind: kindMemory, def: "104857600", min: 1, max: maxInt64, effect: effNone},
	{name: "active-defrag-max-scan-fields", kind: kindInt, def: "1000", min: 1, max: maxInt64, effect: effNone},
	{name: "active-defrag-threshold-lower", kind: kindInt, def: "10", min: 0, max: 1000, effect: effNone},
	{name: "active-defrag-threshold-upper", kind: kindInt, def: "100", min: 0, max: 1000, effect: effNone},
	{name: "active-expire-effort", kind: kindInt, def: "1", min: 1, max: 10, effect: effApplied, apply: applyExpiry},
	{name: "activedefrag", kind: kindBool, def: "no", effect: effNone},
	{name: "activerehashing", kind: kindBool, def: "yes", effect: effNone},
	{name: "always-show-logo", kind: kindBool, def: "no", flags: pImmutable, effect: effNone},
	{name: "aof-disable-auto-gc", kind: kindBool, def: "no", effect: effNone},
	{name: "aof-load-truncated", kind: kindBool, def: "yes", effect: effApplied},
	{name: "aof-rewrite-incremental-fsync", kind: kindBool, def: "yes", effect: effNone},
	{name: "aof-timestamp-enabled", kind: kindBool, def: "no", effect: effApplied, apply: applyAOFTimestamps},
	{name: "aof-use-rdb-preamble", kind: kindBool, def: "yes", effect: effApplied},
	{name: "aof_rewrite_cpulist", kind: kindString, def: "", flags: pImmutable, effect: effNone},
	{name: "appenddirname", kind: kindString, def: "appendonlydir", flags: pImmutable, effect: effApplied, check: dirNameOnly},
	{name: "appendfilename", kind: kindString, def: "appendonly.aof", flags: pImmutable, effect: effApplied, check: fileNameOnly},
	{name: "appendfsync", kind: kindEnum, def: "everysec", enum: enumOf("everysec always no"), effect: effApplied, apply: applyAppendFsync},
	{name: "appendonly", kind: kindBool, def: "no", effect: effApplied, apply: applyAppendOnly},
	{name: "auto-aof-rewrite-min-size", kind: kindMemory, def: "67108864", min: 0, max: maxInt64, effect: effApplied},
	{name: "auto-aof-rewrite-percentage", kind: kindInt, def: "100", min: 0, max: maxInt32, effect: effApplied},
	{name: "bgsave_cpulist", kind: kindString, def: "", flags: pImmutable, effect: effNone},
	{name: "bind", kind: kindSpecial, def: "127.0.0.1 -::1", flags: pMulti, effect: effApplied, parse: parseBind, field: func(c *Config) any { return &c.Bind }},
	{name: "bind-source-addr", kind: kindString, def: "", effect: effNone},
	{name: "bio_cpulist", kind: kindString, def: "", flags: pImmutable, effect: effNone},
	{name: "busy-reply-threshold", alias: "lua-time-limit", kind: kindInt, def: "5000", min: 0, max: maxInt64, effect: effApplied, apply: applyBusyReplyThreshold},
	{name: "client-output-buffer-limit", kind: kindSpecial, def: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", flags: pMulti, effect: effApplied, parse: parseClientOutputBufferLimit, apply: applyOutputBufferLimits},
	{name: "client-query-buffer-limit", kind: kindMemory, def: "1073741824", min: 1048576, max: maxInt64, effect: effApplied, field: func(c *Config) any { return &c.ClientQueryBufferLimit }, apply: applyMaxQuery},
	{name: "cluster-allow-pubsubshard-when-down", kind: kindBool, def: "yes", effect: effNone},
	{name: "cluster-allow-reads-when-down", kind: kindBool, def: "no", effect: effNone},
	{name: "cluster-allow-replica-migration", kind: kindBool, def: "yes", effect: effNone},
	{name: "cluster-announce-bus-port", kind: kindInt, def: "0", min: 0, max: 65535, effect: effNone},
	{name: "cluster-announce-hostname", kind: kindString, def: "", effect: effNone},
	{name: "cluster-announce-ip", kind: kindString, def: "", effect: effNone},
	{name: "cluster-announce-port", kind: kindInt, def: "0", min: 0, max: 65535, effect: effNone},
	{name: "cluster-announce-tls-port", kind: kindInt, def: "0", min: 0, max: 65535, effect: effNone},
	{name: "cluster-config-file", kind: kindString, def: "nodes.conf", flags: pImmutable, effect: effNone},
	{name: "cluster-enabled", kind: kindBool, def: "no", flags: pImmutable, effect: effNone, refuse: refuseCluster},
	{name: "cluster-link-sendbuf-limit", kind: kindMemory, def: "0", min: 0, max: maxUint64, effect: effNone},
	{name: "cluster-migration-barrier", kind: kindInt, def: "1", min: 0, max: maxInt32, effect: effNone},
	{name: "cluster-node-timeout", kind: kindInt, def: "15000", min: 0, max: maxInt64, effect: effNone},
	{name: "cluster-port", kind: kindInt, def: "0", min: 0, max: 65535, flags: pImmutable, effect: effNone},
	{name: "cluster-preferred-endpoint-type", kind: kindEnum, def: "ip", enum: enumOf("ip hostname unknown-endpoint"), effect: effNone},
	{name: "cluster-replica-no-failover", alias: "cluster-slave-no-failover", kind: kindBool, def: "no", effect: effNone},
	{name: "cluster-replica-validity-factor", alias: "cluster-slave-validity-factor", kind: kindInt, def: "10", min: 0, max: maxInt32, effect: effNone},
	{name: "cluster-require-full-coverage", kind: kindBool, def: "yes", effect: effNone},
	{name: "crash-log-enabled", kind: kindBool, def: "yes", effect: effNone},
	{name: "crash-memcheck-enabled", kind: kindBool, def: "yes", effect: effNone},
	{name: "daemonize", kind: kindBool, def: "no", flags: pImmutable, effect: effApplied, refuse: refuseDaemonize},
	{name: "databases", kind: kindInt, def: "16", min: 1, max: maxInt32, flags: pImmutable, effect: effApplied, field: func(c *Config) any { return &c.Databases }},
	{name: "dbfilename", kind: kindString, def: "dump.rdb", flags: pProtected, effect: effApplied, check: fileNameOnly},
	{name: "dir", kind: kindSpecial, def: "", flags: pProtected, effect: effApplied, parse: parseDir},
	{name: "disable-thp", kind: kindBool, def: "yes", flags: pImmutable, effect: effNone},
	{name: "dynamic-hz", kind: kindBool, def: "yes", effect: effNone},
	{name: "enable-debug-command", kind: kindEnum, def: "no", enum: enumOf("no yes local"), flags: pImmutable, effect: effNone},
	{name: "enable-module-command", kind: kindEnum, def: "no", enum: enumOf("no yes local"), flags: pImmutable, effect: effNone},
	{name: "enable-protected-configs", kind: kindEnum, def: "no", enum: enumOf("no yes local"), flags: pImmutable, effect: effApplied},
	{name: "hash-max-listpack-entries", alias: "hash-max-ziplist-entries", kind: kindInt, def: "512", min: 0, max: maxInt64, effect: effApplied, apply: applyEncodingLimits},
	{name: "hash-max-listpack-value", alias: "hash-max-ziplist-value", kind: kindMemory, def: "64", min: 0, max: maxInt64, effect: effApplied, apply: applyEncodingLimits},
	{name: "hll-sparse-max-bytes", kind: kindMemory, def: "3000", min: 0, max: maxInt64, effect: effApplied, apply: applyEncodingLimits},
	{name: "hz", kind: kindInt, def: "10", min: 0, max: maxInt32, effect: effApplied, check: clampHz, apply: applyExpiry},
	{name: "ignore-warnings", kind: kindString, def: "", effect: effNone},
	{name: "io-threads", kind: kindInt, def: "1", min: 1, max: 128, flags: pImmutable, effect: effNone},
	{name: "io-threads-do-reads", kind: kindBool, def: "no", flags: pImmutable, effect: effNone},
	{name: "jemalloc-bg-thread", kind: kindBool, def: "yes", effect: effNone},
	{name: "latency-monitor-threshold", kind: kindInt, def: "0", min: 0, max: maxInt64, effect: effApplied, apply: applyLatency},
	{name: "latency-tracking", kind: kindBool, def: "yes", effect: effApplied, apply: applyLatency},
	{name: "latency-tracking-info-percentiles", kind: kindSpecial, def: "50 99 99.9", flags: pMulti, effect: effApplied, apply: applyLatency, parse: parsePercentiles},
	{name: "lazyfree-lazy-eviction", kind: kindBool, def: "no", effect: effNone},
	{name: "lazyfree-lazy-expire", kind: kindBool, def: "no", effect: effNone},
	{name: "lazyfree-lazy-server-del", kind: kindBool, def: "no", effect: effNone},
	{name: "lazyfree-lazy-user-del", kind: kindBool, def: "no", effect: effNone},
	{name: "lazyfree-lazy-user-flush", kind: kindBool, def: "no", effect: effNone},
	{name: "lfu-decay-time", kind: kindInt, def: "1", min: 0, max: maxInt32, effect: effApplied, apply: applyEviction},
	{name: "lfu-log-factor", kind: kindInt, def: "10", min: 0, max: maxInt32, effect: effApplied, apply: applyEviction},
	{name: "list-compress-depth", kind: kindInt, def: "0", min: 0, max: maxInt32, effect: effNone},
	{name: "list-max-listpack-size", alias: "list-max-ziplist-size", kind: kindInt, def: "-2", min: minInt32, max: maxInt32, effect: effApplied, apply: applyEncodingLimits},
	{name: "logfile", kind: kindString, def: "", flags: pImmutable, effect: effApplied},
	{name: "loglevel", kind: kindEnum, def: "notice", enum: enumOf("debug verbose notice warning"), effect: effApplied, apply: applyLogLevel},
	{name: "masterauth", kind: kindString, def: "", effect: effNone},
	{name: "masteruser", kind: kindString, def: "", effect: effNone},
	{name: "maxclients", kind: kindInt, def: "10000", min: 1, max: maxUint32, effect: effApplied, field: func(c *Config) any { return &c.MaxClients }},
	{name: "maxmemory", kind: kindMemory, def: "0", min: 0, max: maxUint64, effect: effApplied, apply: applyEviction},
	{name: "maxmemory-clients", kind: kindMemory, def: "0", min: -100, max: maxInt64, flags: pPercent, effect: effNone},
	{name: "maxmemory-eviction-tenacity", kind: kindInt, def: "10", min: 0, max: 100, effect: effApplied, apply: applyEviction},
	{name: "maxmemory-policy", kind: kindEnum, def: "noeviction", enum: enumOf("volatile-lru volatile-lfu volatile-random volatile-ttl allkeys-lru allkeys-lfu allkeys-random noeviction"), effect: effApplied, apply: applyEviction},
	{name: "maxmemory-samples", kind: kindInt, def: "5", min: 1, max: maxInt32, effect: effApplied, apply: applyEviction},
	{name: "min-replicas-max-lag", alias: "min-slaves-max-lag", kind: kindInt, def: "10", min: 0, max: maxInt32, effect: effNone},
	{name: "min-replicas-to-write", alias: "min-slaves-to-write", kind: kindInt, def: "0", min: 0, max: maxInt32, effect: effNone},
	{name: "no-appendfsync-on-rewrite", kind: kindBool, def: "no", effect: effNone},
	{name: "notify-keyspace-events", kind: kindSpecial, def: "", effect: effApplied, parse: parseKeyspaceEvents, show: showKeyspaceEvents, apply: applyKeyspaceEvents},
	{name: "oom-score-adj", kind: kindEnum, def: "no", enum: enumOf("no yes relative absolute"), effect: effNone},
	{name: "oom-score-adj-values", kind: kindSpecial, def: "0 200 800", flags: pMulti, effect: effNone, parse: parseOOMScoreAdjValues},
	{name: "pidfile", kind: kindString, def: "", flags: pImmutable, effect: effNone},
	{name: "port", kind: kindInt, def: "6379", min: 0, max: 65535, effect: effApplied, field: func(c *Config) any { return &c.Port }},
	{name: "proc-title-template", kind: kindSpecial, def: "{title} {listen-addr} {server-mode}", effect: effNone, parse: parseProcTitleTemplate},
	{name: "propagation-error-behavior", kind: kindEnum, def: "ignore", enum: enumOf("ignore panic panic-on-replicas"), effect: effNone},
	{name: "protected-mode", kind: kindBool, def: "yes", effect: effApplied},
	{name: "proto-max-bulk-len", kind: kindMemory, def: "536870912", min: 1048576, max: maxInt64, effect: effApplied, field: func(c *Config) any { return &c.ProtoMaxBulkLen }, apply: applyMaxBulk},
	{name: "rdb-del-sync-files", kind: kindBool, def: "no", effect: effApplied},
	{name: "rdb-save-incremental-fsync", kind: kindBool, def: "yes", effect: effNone},
	{name: "rdbchecksum", kind: kindBool, def: "yes", flags: pImmutable, effect: effApplied},
	{name: "rdbcompression", kind: kindBool, def: "yes", effect: effApplied},
	{name: "repl-backlog-size", kind: kindMemory, def: "1048576", min: 1, max: maxInt64, effect: effNone},
	{name: "repl-backlog-ttl", kind: kindInt, def: "3600", min: 0, max: maxInt64, effect: effNone},
	{name: "repl-disable-tcp-nodelay", kind: kindBool, def: "no", effect: effNone},
	{name: "repl-diskless-load", kind: kindEnum, def: "disabled", enum: enumOf("disabled on-empty-db swapdb"), effect: effNone},
	{name: "repl-diskless-sync", kind: kindBool, def: "yes", effect: effNone},
	{name: "repl-diskless-sync-delay", kind: kindInt, def: "5", min: 0, max: maxInt32, effect: effNone},
	{name: "repl-diskless-sync-max-replicas", kind: kindInt, def: "0", min: 0, max: maxInt32, effect: effNone},
	{name: "repl-ping-replica-period", alias: "repl-ping-slave-period", kind: kindInt, def: "10", min: 1, max: maxInt32, effect: effNone},
	{name: "repl-timeout", kind: kindInt, def: "60", min: 1, max: maxInt32, effect: effNone},
	{name: "replica-announce-ip", alias: "slave-announce-ip", kind: kindString, def: "", effect: effNone},
	{name: "replica-announce-port", alias: "slave-announce-port", kind: kindInt, def: "0", min: 0, max: 65535, effect: effNone},
	{name: "replica-announced", kind: kindBool, def: "yes", effect: effNone},
	{name: "replica-ignore-disk-write-errors", kind: kindBool, def: "no", effect: effNone},
	{name: "replica-ignore-maxmemory", alias: "slave-ignore-maxmemory", kind: kindBool, def: "yes", effect: effNone},
	{name: "replica-lazy-flush", alias: "slave-lazy-flush", kind: kindBool, def: "no", effect: effNone},
	{name: "replica-priority", alias: "slave-priority", kind: kindInt, def: "100", min: 0, max: maxInt32, effect: effNone},
	{name: "replica-read-only", alias: "slave-read-only", kind: kindBool, def: "yes", effect: effNone},
	{name: "replica-serve-stale-data", alias: "slave-serve-stale-data", kind: kindBool, def: "yes", effect: effNone},
	{name: "replicaof", alias: "slaveof", kind: kindSpecial, def: "", flags: pImmutable | pMulti, effect: effNone, parse: parseReplicaOf, refuse: refuseReplicaOf},
	{name: "requirepass", kind: kindString, def: "", effect: effApplied, field: func(c *Config) any { return &c.RequirePass }},
	{name: "sanitize-dump-payload", kind: kindEnum, def: "no", enum: enumOf("no yes clients"), effect: effNone},
	{name: "save", kind: kindSpecial, def: "", flags: pMulti, effect: effApplied, parse: parseSave},
	{name: "server_cpulist", kind: kindString, def: "", flags: pImmutable, effect: effNone},
	{name: "set-max-intset-entries", kind: kindInt, def: "512", min: 0, max: maxInt64, effect: effApplied, apply: applyEncodingLimits},
	{name: "set-proc-title", kind: kindBool, def: "yes", flags: pImmutable, effect: effNone},
	{name: "shutdown-on-sigint", kind: kindSpecial, def: "default", flags: pMulti, effect: effApplied, parse: parseShutdownFlags},
	{name: "shutdown-on-sigterm", kind: kindSpecial, def: "default", flags: pMulti, effect: effApplied, parse: parseShutdownFlags},
	{name: "shutdown-timeout", kind: kindInt, def: "10", min: 0, max: maxInt32, effect: effNone},
	{name: "slowlog-log-slower-than", kind: kindInt, def: "10000", min: -1, max: maxInt64, effect: effApplied, apply: applyLatency},
	{name: "slowlog-max-len", kind: kindInt, def: "128", min: 0, max: maxInt64, effect: effApplied, apply: applyLatency},
	{name: "socket-mark-id", kind: kindInt, def: "0", min: 0, max: maxUint32, flags: pImmutable, effect: effNone},
	{name: "stop-writes-on-bgsave-error", kind: kindBool, def: "yes", effect: effApplied},
	{name: "stream-node-max-bytes", kind: kindMemory, def: "4096", min: 0, max: maxInt64, effect: effNone},
	{name: "stream-node-max-entries", kind: kindInt, def: "100", min: 0, max: maxInt64, effect: effNone},
	{name: "supervised", kind: kindEnum, def: "no", enum: enumOf("upstart systemd auto no"), flags: pImmutable, effect: effNone},
	{name: "syslog-enabled", kind: kindBool, def: "no", flags: pImmutable, effect: effNone},
	{name: "syslog-facility", kind: kindEnum, def: "local0", enum: enumOf("user local0 local1 local2 local3 local4 local5 local6 local7"), flags: pImmutable, effect: effNone},
	{name: "syslog-ident", kind: kindString, def: "redis", flags: pImmutable, effect: effNone},
	{name: "tcp-backlog", kind: kindInt, def: "511", min: 0, max: maxInt32, flags: pImmutable, effect: effNone},
	{name: "tcp-keepalive", kind: kindInt, def: "300", min: 0, max: maxInt32, effect: effApplied},
	{name: "timeout", kind: kindInt, def: "0", min: 0, max: maxInt32, effect: effApplied},
	{name: "tls-auth-clients", kind: kindEnum, def: "yes", enum: enumOf("no yes optional"), effect: effNone},
	{name: "tls-ca-cert-dir", kind: kindString, def: "", effect: effNone},
	{name: "tls-ca-cert-file", kind: kindString, def: "", effect: effNone},
	{name: "tls-cert-file", kind: kindString, def: "", effect: effNone},
	{name: "tls-ciphers", kind: kindString, def: "", effect: effNone},
	{name: "tls-ciphersuites", kind: kindString, def: "", effect: effNone},
	{name: "tls-client-cert-file", kind: kindString, def: "", effect: effNone},
	{name: "tls-client-key-file", kind: kindString, def: "", effect: effNone},
	{name: "tls-client-key-file-pass", kind: kindString, def: "", effect: effNone},
	{name: "tls-cluster", kind: kindBool, def: "no", effect: effNone},
	{name: "tls-dh-params-file", kind: kindString, def: "", effect: effNone},
	{name: "tls-key-file", kind: kindString, def: "", effect: effNone},
	{name: "tls-key-file-pass", kind: kindString, def: "", effect: effNone},
	{name: "tls-port", kind: kindInt, def: "0", min: 0, max: 65535, effect: effNone, refuse: refuseTLS},
	{name: "tls-prefer-server-ciphers", kind: kindBool, def: "no", effect: effNone},
	{name: "tls-protocols", kind: kindString, def: "", effect: effNone},
	{name: "tls-replication", kind: kindBool, def: "no", effect: effNone},
	{name: "tls-session-cache-size", kind: kindInt, def: "20480", min: 0, max: maxInt32, effect: effNone},
	{name: "tls-session-cache-timeout", kind: kindInt, def: "300", min: 0, max: maxInt32, effect: effNone},
	{name: "tls-session-caching", kind: kindBool, def: "yes", effect: effNone},
	{name: "tracking-table-max-keys", kind: kindInt, def: "1000000", min: 0, max: maxInt64, effect: effApplied, apply: applyTrackingMaxKeys},
	{name: "unixsocket", kind: kindString, def: "", flags: pImmutable, effect: effNone, refuse: refuseUnixSocket},
	{name: "unixsocketperm", kind: kindSpecial, def: "0", flags: pImmutable, effect: effNone, parse: parseUnixSocketPerm},
	{name: "zset-max-listpack-entries", alias: "zset-max-ziplist-entries", kind: kindInt, def: "128", min: 0, max: maxInt64, effect: effApplied, apply: applyEncodingLimits},
	{name: "zset-max-listpack-value", alias: "zset-max-ziplist-value", kind: kindMemory, def: "64", min: 0, max: maxInt64, effect: effApplied, apply: applyEncodingLimits},
}

// paramEntry is a name CONFIG GET can show: a parameter's name or alias.
type paramEntry struct {
	name string
	p    *param
}

var (
	paramEntries []paramEntry      // table order, each name followed by its alias
	paramIndex   map[string]*param // lower-case name or alias
)

func init() {
	paramIndex = make(map[string]*param, 2*len(paramTable))
	for _, p := range paramTable {
		for _, n := range []string{p.name, p.alias} {
			if n == "" {
				continue
			}
			if _, dup := paramIndex[n]; dup {
				panic("config table: duplicate " + n)
			}
			paramIndex[n] = p
			paramEntries = append(paramEntries, paramEntry{n, p})
		}
	}
}

// lookupParam finds a parameter by name or alias, in any case.
func lookupParam(name string) *param {
	return paramIndex[strings.ToLower(name)]
}

// defaultValue is p's default as CONFIG GET shows it. dir defaults to the
// working directory, as in Redis.
func (p *param) defaultValue() string {
	if p.name == "dir" {
		wd, _ := os.Getwd()
		return wd
	}
	return p.def
}

// parseArgs checks the words that follow p's name and returns the value
// CONFIG GET will show, or the reason they are refused (Redis's text).
func (p *param) parseArgs(args []string, cur string) (string, string) {
	var v, why string
	if p.kind == kindSpecial {
		v, why = p.parse(args, cur)
	} else {
		v, why = p.parseWord(args[0])
	}
	if why == "" && p.check != nil {
		v, why = p.check(p, v)
	}
	return v, why
}

func (p *param) parseWord(s string) (string, string) {
	switch p.kind {
	case kindBool:
		switch {
		case strings.EqualFold(s, "yes"):
			return "yes", ""
		case strings.EqualFold(s, "no"):
			return "no", ""
		}
		return "", reasonBool
	case kindInt:
		n, ok := redisnum.ParseIntString(s)
		if !ok {
			return "", reasonInt
		}
		return p.inRange(n)
	case kindMemory:
		return p.parseMemoryValue(s)
	case kindEnum:
		for _, e := range p.enum {
			if strings.EqualFold(s, e) {
				return e, ""
			}
		}
		return "", fmt.Sprintf(reasonEnum, strings.Join(p.enum, ", "))
	}
	return s, ""
}

// inRange checks n against p's bounds, as Redis's numericBoundaryCheck:
// parameters whose maximum exceeds math.MaxInt64 compare unsigned.
func (p *param) inRange(n int64) (string, string) {
	if p.max > maxInt64 {
		if u := uint64(n); u < uint64(p.min) || u > p.max {
			return "", fmt.Sprintf(reasonRange, p.min, p.max)
		}
		return strconv.FormatUint(uint64(n), 10), ""
	}
	if n < p.min || n > int64(p.max) {
		return "", fmt.Sprintf(reasonRange, p.min, p.max)
	}
	return strconv.FormatInt(n, 10), ""
}

// parseMemoryValue reads bytes with units; pPercent parameters also take
// a percentage, which Redis keeps as a negative number.
func (p *param) parseMemoryValue(s string) (string, string) {
	u, ok := parseMemory(s)
	if !ok && p.flags&pPercent != 0 {
		if len(s) > 1 && s[len(s)-1] == '%' {
			if n, ok := redisnum.ParseIntString(s[:len(s)-1]); ok && n >= 0 {
				return p.percentInRange(-n)
			}
		}
		return "", reasonMemPercent
	}
	if !ok {
		return "", reasonMemory
	}
	if n := int64(u); p.flags&pPercent != 0 && n < 0 {
		return p.percentInRange(n)
	}
	return p.inRange(int64(u))
}

func (p *param) percentInRange(neg int64) (string, string) {
	if neg < p.min {
		return "", fmt.Sprintf(reasonPercentRange, -p.min)
	}
	if neg == 0 {
		return "0", ""
	}
	return strconv.FormatInt(-neg, 10) + "%", ""
}

// parseMemory reads a memory value as redis.conf writes it: digits and an
// optional unit b, k (1000), kb (1024), m, mb, g or gb, in any case. As
// Redis's memtoull, no digits read as 0, a number too large saturates,
// and the unit's multiplication wraps.
func parseMemory(s string) (uint64, bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	var mul uint64
	switch strings.ToLower(s[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if i >= 128 {
		return 0, false
	}
	var n uint64
	for _, c := range s[:i] {
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			n = math.MaxUint64
			break
		}
		n = n*10 + d
	}
	return n * mul, true
}

// formatMemory writes bytes the way CONFIG REWRITE does: in gb, mb or kb
// when the number divides evenly.
func formatMemory(n uint64) string {
	switch {
	case n != 0 && n%(1<<30) == 0:
		return strconv.FormatUint(n>>30, 10) + "gb"
	case n != 0 && n%(1<<20) == 0:
		return strconv.FormatUint(n>>20, 10) + "mb"
	case n != 0 && n%(1<<10) == 0:
		return strconv.FormatUint(n>>10, 10) + "kb"
	}
	return strconv.FormatUint(n, 10)
}

// strtoll reads a whole string as C's strtoll does when the caller then
// checks that nothing is left: leading spaces and a sign are allowed, and
// an empty string reads as 0.
func strtoll(s string) (int64, bool) {
	if s == "" {
		return 0, true
	}
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if t == "" {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n <= math.MaxInt64 {
			n = n*10 + uint64(c-'0')
		}
	}
	switch {
	case neg && n > math.MaxInt64:
		return math.MinInt64, true
	case neg:
		return -int64(n), true
	case n > math.MaxInt64:
		return math.MaxInt64, true
	}
	return int64(n), true
}

// Special parameters: each parses the words after its name.

func parseBind(args []string, _ string) (string, string) {
	if len(args) == 0 {
		return "", reasonNoBind
	}
	if len(args) > 16 {
		return "", reasonTooManyBind
	}
	for _, a := range args {
		if strings.TrimPrefix(a, "-") == "" {
			return "", reasonNoBind
		}
	}
	return strings.Join(args, " "), ""
}

// DefaultSavePoints are Redis's save points, what ember-server (LoadConfig)
// saves with when its configuration names none: after an hour if a key
// changed, 5 minutes if 100 did, a minute if 10000 did.
const DefaultSavePoints = "3600 1 300 100 60 10000"

// parseSave checks save points ("seconds changes" pairs); "" or no words
// clears them.
func parseSave(args []string, _ string) (string, string) {
	if len(args) == 0 || len(args) == 1 && args[0] == "" {
		return "", ""
	}
	if len(args)%2 != 0 {
		return "", reasonSave
	}
	out := make([]string, len(args))
	for i, a := range args {
		n, ok := strtoll(a)
		if !ok || i%2 == 0 && n < 1 || i%2 == 1 && n < 0 {
			return "", reasonSave
		}
		out[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(out, " "), ""
}

// parseClientOutputBufferLimit merges "class hard soft seconds" groups
// into the current limits: classes not named keep theirs, as in Redis.
func parseClientOutputBufferLimit(args []string, cur string) (string, string) {
	if len(args)%4 != 0 {
		return "", reasonBufLimitArgs
	}
	limits := strings.Fields(cur)
	if len(limits) != 12 {
		limits = strings.Fields(paramIndex["client-output-buffer-limit"].def)
	}
	for i := 0; i < len(args); i += 4 {
		class := -1
		switch strings.ToLower(args[i]) {
		case "normal":
			class = 0
		case "slave", "replica":
			class = 1
		case "pubsub":
			class = 2
		}
		if class < 0 {
			return "", reasonBufLimitClass
		}
		hard, ok1 := parseMemory(args[i+1])
		soft, ok2 := parseMemory(args[i+2])
		secs, ok3 := strtoll(args[i+3])
		if !ok1 || !ok2 || !ok3 || secs < 0 {
			return "", reasonBufLimitValue
		}
		limits[4*class+1] = strconv.FormatUint(hard, 10)
		limits[4*class+2] = strconv.FormatUint(soft, 10)
		limits[4*class+3] = strconv.FormatInt(secs, 10)
	}
	return strings.Join(limits, " "), ""
}

func parseOOMScoreAdjValues(args []string, _ string) (string, string) {
	if len(args) != 3 {
		return "", reasonArgCount
	}
	out := make([]string, 3)
	for i, a := range args {
		n, ok := strtoll(a)
		if !ok || n < -2000 || n > 2000 {
			return "", reasonOOMValues
		}
		out[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(out, " "), ""
}

// parsePercentiles checks latency-tracking-info-percentiles; CONFIG GET
// shows each as C's "%f" without trailing zeros, as Redis does.
func parsePercentiles(args []string, _ string) (string, string) {
	if len(args) == 1 && args[0] == "" {
		args = nil
	}
	out := make([]string, len(args))
	for i, a := range args {
		f, err := strconv.ParseFloat(a, 64)
		if err != nil {
			return "", reasonPercentiles
		}
		if f < 0 || f > 100 {
			return "", reasonPercentilesRange
		}
		s := strconv.FormatFloat(f, 'f', 6, 64)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		out[i] = s
	}
	return strings.Join(out, " "), ""
}

// Keyspace notification classes, as Redis's notify.c numbers them.
const (
	nkKeyspace = 1 << iota
	nkKeyevent
	nkGeneric
	nkString
	nkList
	nkSet
	nkHash
	nkZset
	nkExpired
	nkEvicted
	nkStream
	nkKeyMiss
	nkLoaded
	nkModule
	nkNew
	nkAll = nkGeneric | nkString | nkList | nkSet | nkHash | nkZset | nkExpired | nkEvicted | nkStream | nkModule
)

// keyspaceEventClasses maps notify-keyspace-events letters to classes, in
// the order Redis writes them back.
var keyspaceEventClasses = []struct {
	c    byte
	flag int
}{
	{'g', nkGeneric}, {'$', nkString}, {'l', nkList}, {'s', nkSet}, {'h', nkHash},
	{'z', nkZset}, {'x', nkExpired}, {'e', nkEvicted}, {'t', nkStream}, {'d', nkModule}, {'n', nkNew},
}

// parseKeyspaceEvents checks notify-keyspace-events and keeps it as
// given: the classes are what it enables, and CONFIG GET shows them in
// Redis's canonical form (showKeyspaceEvents: "KEA" reads back as "AKE"),
// which can lose a letter ("An" shows as "A"), so it is not what is kept.
func parseKeyspaceEvents(args []string, _ string) (string, string) {
	if len(args) != 1 {
		return "", reasonArgCount
	}
	if _, ok := keyspaceEventFlags(args[0]); !ok {
		return "", reasonKeyspaceEvents
	}
	return args[0], ""
}

func showKeyspaceEvents(v string) string {
	flags, _ := keyspaceEventFlags(v)
	return keyspaceEventString(flags)
}

func applyKeyspaceEvents(s *Server, cfg *Config) {
	s.setNotifyFlags(cfg.kept(lookupParam("notify-keyspace-events")))
}

// parseProcTitleTemplate accepts a template made of text and the
// variables Redis knows, with {{ and }} for literal braces.
func parseProcTitleTemplate(args []string, _ string) (string, string) {
	if len(args) != 1 {
		return "", reasonArgCount
	}
	t := args[0]
	known := map[string]bool{"title": true, "listen-addr": true, "server-mode": true, "port": true,
		"tls-port": true, "unixsocket": true, "config-file": true}
	for i := 0; i < len(t); i++ {
		switch {
		case strings.HasPrefix(t[i:], "{{"), strings.HasPrefix(t[i:], "}}"):
			i++
		case t[i] == '}':
			return "", reasonProcTitle
		case t[i] == '{':
			end := strings.IndexByte(t[i:], '}')
			if end < 0 || !known[t[i+1:i+end]] {
				return "", reasonProcTitle
			}
			i += end
		}
	}
	if strings.TrimSpace(t) == "" {
		return "", reasonProcTitle
	}
	return t, ""
}

// parseReplicaOf reads "host port" or "no one".
func parseReplicaOf(args []string, _ string) (string, string) {
	if len(args) != 2 {
		return "", reasonArgCount
	}
	if strings.EqualFold(args[0], "no") && strings.EqualFold(args[1], "one") {
		return "", ""
	}
	n, err := strconv.Atoi(args[1])
	if err != nil || n < 0 || n > 65535 {
		return "", reasonMasterPort
	}
	return args[0] + " " + strconv.Itoa(n), ""
}

// shutdownFlags are the words of shutdown-on-sigint and -sigterm.
var shutdownFlags = []string{"save", "nosave", "now", "force"}

func parseShutdownFlags(args []string, _ string) (string, string) {
	bad := fmt.Sprintf(reasonEnum, "default, "+strings.Join(shutdownFlags, ", "))
	if len(args) == 0 {
		return "", bad
	}
	set := make(map[string]bool)
	for _, a := range args {
		a = strings.ToLower(a)
		if a != "default" && !containsString(shutdownFlags, a) {
			return "", bad
		}
		set[a] = true
	}
	if set["save"] && set["nosave"] {
		return "", reasonShutdownSave
	}
	var out []string
	for _, f := range shutdownFlags {
		if set[f] {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return "default", ""
	}
	return strings.Join(out, " "), ""
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseUnixSocketPerm reads an octal file mode.
func parseUnixSocketPerm(args []string, _ string) (string, string) {
	if len(args) != 1 {
		return "", reasonArgCount
	}
	n, err := strconv.ParseInt(args[0], 8, 64)
	if err != nil {
		return "", reasonInt
	}
	if n < 0 || n > 0777 {
		return "", fmt.Sprintf("argument must be between %o and %o inclusive", 0, 0777)
	}
	return strconv.FormatInt(n, 8), ""
}

// parseDir accepts an existing directory and keeps its absolute path.
// Redis changes its working directory to dir; Ember, a library too, only
// remembers it for persistence.
func parseDir(args []string, _ string) (string, string) {
	if len(args) != 1 {
		return "", reasonArgCount
	}
	abs, err := filepath.Abs(args[0])
	if err != nil {
		return "", err.Error()
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", errnoText(err)
	}
	if !st.IsDir() {
		return "", errnoText(syscall.ENOTDIR)
	}
	return abs, ""
}

// errnoText is an OS error as C's strerror writes it ("No such file or
// directory"), which is what Redis puts in its messages.
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	return err.Error()
}

// clampHz keeps hz within Redis's 1..500, as Redis does with any value
// it accepted.
func clampHz(_ *param, v string) (string, string) {
	n, _ := strconv.Atoi(v)
	return strconv.Itoa(min(max(n, 1), 500)), ""
}

func fileNameOnly(p *param, v string) (string, string) {
	if strings.ContainsAny(v, `/\`) {
		return "", fmt.Sprintf(reasonNotFileName, p.name)
	}
	return v, ""
}

func dirNameOnly(_ *param, v string) (string, string) {
	if v == "" {
		return "", reasonEmptyDirName
	}
	if strings.ContainsAny(v, `/\`) {
		return "", reasonNotDirName
	}
	return v, ""
}

// Values Ember refuses, because honouring them needs a feature it lacks
// and ignoring them would surprise whoever wrote them.

func refuseDaemonize(v string) string {
	if v == "yes" {
		return reasonNoDaemonize
	}
	return ""
}

func refuseReplicaOf(v string) string {
	if v != "" {
		return reasonNoReplication
	}
	return ""
}

func refuseCluster(v string) string {
	if v == "yes" {
		return reasonNoCluster
	}
	return ""
}

func refuseTLS(v string) string {
	if v != "0" {
		return reasonNoTLS
	}
	return ""
}

func refuseUnixSocket(v string) string {
	if v != "" {
		return reasonNoUnixSocket
	}
	return ""
}

func refuseACLFile(v string) string {
	if v != "" {
		return reasonNoACLFile
	}
	return ""
}

// What CONFIG SET changes in the running server.

// applyMaxBulk sets proto-max-bulk-len: the longest bulk a request may
// carry, and the longest string APPEND, SETRANGE and the bit commands may
// build, as Redis's checkStringLength and getBitOffsetFromArgument read it.
func applyMaxBulk(s *Server, cfg *Config) {
	s.maxBulk.Store(cfg.ProtoMaxBulkLen)
	s.store.SetMaxStringSize(cfg.ProtoMaxBulkLen)
}

// applyEncodingLimits hands the store the thresholds of the compact
// encodings (hash-max-listpack-entries and the like).
func applyTrackingMaxKeys(s *Server, cfg *Config) {
	n, _ := strconv.ParseInt(cfg.value(paramIndex["tracking-table-max-keys"]), 10, 64)
	s.tracking.maxKeys.Store(n)
}

func applyEncodingLimits(s *Server, cfg *Config) { s.store.SetEncodingLimits(cfg.encodingLimits()) }

// encodingLimits reads the compact encodings' thresholds from cfg.
func (cfg *Config) encodingLimits() store.EncodingLimits {
	num := func(name string) int {
		n, _ := strconv.ParseInt(cfg.value(paramIndex[name]), 10, 64)
		return int(min(max(n, math.MinInt32), math.MaxInt32))
	}
	return store.EncodingLimits{
		HashMaxListpackEntries: num("hash-max-listpack-entries"),
		HashMaxListpackValue:   num("hash-max-listpack-value"),
		SetMaxIntsetEntries:    num("set-max-intset-entries"),
		ZSetMaxListpackEntries: num("zset-max-listpack-entries"),
		ZSetMaxListpackValue:   num("zset-max-listpack-value"),
		ListMaxListpackSize:    num("list-max-listpack-size"),
		HLLSparseMaxBytes:      num("hll-sparse-max-bytes"),
	}
}
func applyMaxQuery(s *Server, cfg *Config) { s.maxQuery.Store(cfg.ClientQueryBufferLimit) }

func applyBusyReplyThreshold(s *Server, cfg *Config) {
	n, _ := strconv.ParseInt(cfg.value(paramIndex["busy-reply-threshold"]), 10, 64)
	s.scripts.busyMs.Store(n)
}

func applyLogLevel(_ *Server, cfg *Config) {
	if cfg.LogLevel != nil {
		cfg.LogLevel.Set(slogLevel(cfg.value(paramIndex["loglevel"])))
	}
}

// slogLevel maps Redis's log levels to slog's. slog has no level between
// debug and info, so verbose logs as debug.
func slogLevel(level string) slog.Level {
	switch level {
	case "debug", "verbose":
		return slog.LevelDebug
	case "warning":
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// Loading: redis-server's arguments and redis.conf files.

// ConfigError is a configuration line or flag Ember cannot use. Its
// message names the file, the line, the directive and the reason, in the
// spirit of Redis's "*** FATAL CONFIG FILE ERROR ***".
type ConfigError struct {
	File   string // the config file, "-" for stdin, "" for the command line
	Line   int    // the 1-based line in File
	Text   string // the line (or flags) as written
	Reason string
}

func (e *ConfigError) Error() string {
	directive := e.Text
	if i := strings.IndexAny(directive, " \t"); i >= 0 {
		directive = directive[:i]
	}
	where := "command line"
	switch {
	case e.File != "" && e.Line > 0:
		where = e.File + ":" + strconv.Itoa(e.Line)
	case e.File != "":
		where = e.File
	}
	if e.Text == "" {
		return where + ": " + e.Reason
	}
	return fmt.Sprintf("%s: %s: %s (>>> '%s')", where, directive, e.Reason, e.Text)
}

// Report writes the error the way redis-server reports a bad config file.
func (e *ConfigError) Report(w io.Writer) {
	fmt.Fprintf(w, "\n*** FATAL CONFIG FILE ERROR (Ember %s) ***\n", Version)
	switch {
	case e.File == "":
		fmt.Fprintf(w, "Reading the command line\n")
	case e.Line > 0:
		fmt.Fprintf(w, "Reading the configuration file %s, at line %d\n", e.File, e.Line)
	default:
		fmt.Fprintf(w, "Reading the configuration file %s\n", e.File)
	}
	if e.Text != "" {
		fmt.Fprintf(w, ">>> '%s'\n", e.Text)
	}
	fmt.Fprintf(w, "%s\n", e.Reason)
}

// configLine is one directive: a line of a file or a command-line flag.
type configLine struct {
	file string // "" for the command line
	num  int
	text string
	args []string // the directive (lower case) and its words
}

func (l configLine) fail(reason string) *ConfigError {
	return &ConfigError{File: l.file, Line: l.num, Text: l.text, Reason: reason}
}

// LoadConfig builds a Config from redis-server's arguments: an optional
// config file first (any argument not starting with '-'), then
// "--name value [value ...]" flags, whose values run until the next
// argument starting with "--". The flags apply after the file, as extra
// lines of it. "-" as the first or last argument reads more config lines
// from standard input. A bad line or flag is a *ConfigError.
func LoadConfig(args []string, log *slog.Logger) (Config, error) {
	return loadConfig(args, os.Stdin, log)
}

func loadConfig(args []string, stdin io.Reader, log *slog.Logger) (Config, error) {
	if log == nil {
		log = slog.Default()
	}
	file, fromStdin, flags, err := splitCommandLine(args)
	if err != nil {
		return Config{}, err
	}
	ld := &loader{cfg: DefaultConfig(), origin: make(map[*param]configLine)}
	if file != "" {
		abs, err := filepath.Abs(file)
		if err != nil {
			return Config{}, err
		}
		ld.cfg.file = abs
		if err := ld.readFile(file, configLine{}); err != nil {
			return Config{}, err
		}
	}
	if fromStdin {
		log.Info("Reading config from stdin")
		text, err := io.ReadAll(stdin)
		if err != nil {
			return Config{}, fmt.Errorf("reading config from stdin: %w", err)
		}
		if err := ld.readText("-", string(text)); err != nil {
			return Config{}, err
		}
	}
	for _, l := range flags {
		if err := ld.apply(l); err != nil {
			return Config{}, err
		}
	}
	if !ld.saveSeen {
		// As redis-server: save points on unless the configuration says.
		ld.cfg.store(paramIndex["save"], DefaultSavePoints)
	}
	if err := ld.finish(); err != nil {
		return Config{}, err
	}
	if file == "" && !fromStdin {
		log.Info("No config file specified, using the default config; run ember-server /path/to/redis.conf to use one")
	} else {
		log.Info("Configuration loaded", slog.String("file", file))
	}
	return ld.cfg, nil
}

// splitCommandLine follows redis-server: the first argument is the config
// file unless it starts with '-'; a flag takes the arguments after it
// until one starting with "--" follows a value (so "--requirepass --x"
// sets the password "--x"); "--port 6380" as one argument works too; a
// bare --save means save "".
func splitCommandLine(args []string) (file string, fromStdin bool, flags []configLine, err error) {
	j := 0
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, j = args[0], 1
	}
	var cur *configLine
	haveValue := true // the last flag has at least one value
	for ; j < len(args); j++ {
		a := args[j]
		switch {
		case a == "-" && (j == 0 || j == len(args)-1):
			fromStdin = true
		case haveValue && strings.HasPrefix(a, "--"):
			words, ok := splitArgs([]byte(a[2:]))
			if !ok {
				return "", false, nil, &ConfigError{Text: a, Reason: reasonUnbalanced}
			}
			if len(words) == 0 {
				return "", false, nil, &ConfigError{Text: a, Reason: reasonBadDirective}
			}
			flags = append(flags, configLine{text: a})
			cur = &flags[len(flags)-1]
			for _, w := range words {
				cur.args = append(cur.args, string(w))
			}
			cur.args[0] = strings.ToLower(cur.args[0])
			haveValue = len(words) > 1
			if !haveValue && cur.args[0] == "save" && (j == len(args)-1 || strings.HasPrefix(args[j+1], "--")) {
				cur.args = append(cur.args, "")
				cur.text += ` ""`
				haveValue = true
			}
		case cur == nil:
			return "", false, nil, &ConfigError{Text: a, Reason: "unexpected argument: flags are written --name value"}
		default:
			cur.args = append(cur.args, a)
			cur.text += " " + quoteIfNeeded(a)
			haveValue = true
		}
	}
	return file, fromStdin, flags, nil
}

// quoteIfNeeded quotes a word for a message when it would not read back
// as one word.
func quoteIfNeeded(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\r\n\"'\\") {
		return s
	}
	return strconv.Quote(s)
}

// loader applies config lines to a Config, remembering where each
// parameter was last set for error messages.
type loader struct {
	cfg      Config
	origin   map[*param]configLine
	saveSeen bool // a save line was read: later ones add save points
	depth    int
}

// maxIncludeDepth stops include loops.
const maxIncludeDepth = 16

// readFile reads a config file; from is the include line that named it.
func (ld *loader) readFile(path string, from configLine) error {
	data, err := os.ReadFile(path)
	if err != nil {
		reason := fmt.Sprintf("can't open config file '%s': %s", path, errnoText(err))
		if from.file == "" && from.text == "" {
			return &ConfigError{File: path, Reason: reason}
		}
		return from.fail(reason)
	}
	return ld.readText(path, string(data))
}

// readText applies the lines of a config file, as Redis's
// loadServerConfigFromString: lines are trimmed, '#' starts a comment
// line, words are split with Redis's quoting rules.
func (ld *loader) readText(name, text string) error {
	for i, raw := range strings.Split(text, "\n") {
		line := strings.Trim(raw, " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		l := configLine{file: name, num: i + 1, text: line}
		words, ok := splitArgs([]byte(line))
		if !ok {
			return l.fail(reasonUnbalanced)
		}
		if len(words) == 0 {
			continue
		}
		for _, w := range words {
			l.args = append(l.args, string(w))
		}
		l.args[0] = strings.ToLower(l.args[0])
		if err := ld.apply(l); err != nil {
			return err
		}
	}
	return nil
}

// Directives that are not parameters.
var (
	// deprecatedDirectives are accepted and ignored, as Redis 7.0 does.
	deprecatedDirectives = map[string]bool{"list-max-ziplist-entries": true, "list-max-ziplist-value": true, "lua-replicate-commands": true}
	// unsupportedDirectives are Redis features Ember does not have; a
	// config that uses them would not do what its author meant.
	unsupportedDirectives = map[string]string{
		"rename-command": "rename-command is not supported by Ember",
		"user":           "ACL users are not supported by Ember; use requirepass",
		"loadmodule":     "modules are not supported by Ember",
		"sentinel":       "Sentinel is not supported by Ember",
	}
)

func (ld *loader) apply(l configLine) error {
	name, words := l.args[0], l.args[1:]
	if name == "include" && len(words) == 1 {
		return ld.include(words[0], l)
	}
	if deprecatedDirectives[name] && len(words) == 1 {
		ld.noteNoEffect(name)
		return nil
	}
	if why, ok := unsupportedDirectives[name]; ok {
		return l.fail(why)
	}
	p := lookupParam(name)
	if p == nil {
		return l.fail(reasonBadDirective)
	}
	if p.flags&pMulti == 0 && len(words) != 1 {
		return l.fail(reasonArgCount)
	}
	if p.flags&pMulti != 0 && len(words) == 1 && words[0] != "" {
		// As Redis's loadServerConfigFromString: a multi-word directive
		// given one word splits it, so that the command line takes
		// --save "900 1" and --client-output-buffer-limit "normal 1mb 512kb 5".
		split, ok := splitArgs([]byte(words[0]))
		if !ok {
			return l.fail(reasonUnbalanced)
		}
		words = words[:0:0]
		for _, w := range split {
			words = append(words, string(w))
		}
	}
	cur := ld.cfg.value(p)
	if p.name == "save" {
		// As Redis: save lines add up (the first one replaces the
		// default); save "" clears them.
		if ld.saveSeen && cur != "" && len(words) > 0 && !(len(words) == 1 && words[0] == "") {
			words = append(strings.Fields(cur), words...)
		}
		ld.saveSeen = true
	}
	v, why := p.parseArgs(words, cur)
	if why != "" {
		return l.fail(why)
	}
	ld.cfg.store(p, v)
	ld.origin[p] = l
	if p.effect == effNone || p.effect == effNotYet {
		ld.noteNoEffect(p.name)
	}
	return nil
}

func (ld *loader) noteNoEffect(name string) {
	if !containsString(ld.cfg.noEffect, name) {
		ld.cfg.noEffect = append(ld.cfg.noEffect, name)
	}
}

// include reads another config file at this point, as Redis does; a
// pattern includes every file it matches, in order, and none if it
// matches nothing.
func (ld *loader) include(path string, from configLine) error {
	if ld.depth >= maxIncludeDepth {
		return from.fail("include nesting is deeper than 16 files")
	}
	ld.depth++
	defer func() { ld.depth-- }()
	if !strings.ContainsAny(path, "*?[") {
		return ld.readFile(path, from)
	}
	matches, err := filepath.Glob(path)
	if err != nil {
		return from.fail(err.Error())
	}
	sort.Strings(matches)
	for _, m := range matches {
		if err := ld.readFile(m, from); err != nil {
			return err
		}
	}
	return nil
}

// finish checks the final values: what Ember cannot honour, and whether
// the log file can be opened (as Redis checks).
func (ld *loader) finish() error {
	for _, p := range paramTable {
		if p.refuse == nil {
			continue
		}
		if why := p.refuse(ld.cfg.value(p)); why != "" {
			return ld.origin[p].fail(why)
		}
	}
	if name := ld.cfg.value(paramIndex["logfile"]); name != "" {
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return ld.origin[paramIndex["logfile"]].fail("Can't open the log file: " + errnoText(err))
		}
		f.Close()
	}
	ld.cfg.LogLevel = new(slog.LevelVar)
	ld.cfg.LogLevel.Set(slogLevel(ld.cfg.value(paramIndex["loglevel"])))
	return nil
}

// The running configuration.

// liveConfig is the configuration as CONFIG GET and CONFIG SET see it.
// Readers load an immutable snapshot; CONFIG SET builds a new one and
// swaps it in, so a change is all or nothing.
type liveConfig struct {
	srv *Server
	cur atomic.Pointer[Config]

	setMu  sync.Mutex      // serialises CONFIG SET and CONFIG REWRITE
	warned map[string]bool // parameters whose lack of effect was logged (under setMu)

	lnMu  sync.Mutex
	bound []*boundListener // listeners opened for bind and port, which CONFIG SET replaces
}

// newLiveConfig takes over cfg for server s, logs the directives that
// have no effect in Ember, and starts applying timeout to idle clients
// (until the server shuts down).
func newLiveConfig(cfg Config, s *Server) *liveConfig {
	lc := &liveConfig{srv: s, warned: make(map[string]bool)}
	c := cfg.clone()
	lc.cur.Store(c)
	if c.LogLevel != nil {
		c.LogLevel.Set(slogLevel(c.value(paramIndex["loglevel"])))
	}
	if len(c.noEffect) > 0 {
		s.log.Info("These directives are accepted for compatibility but have no effect in Ember",
			slog.String("directives", strings.Join(c.noEffect, " ")))
		for _, n := range c.noEffect {
			lc.warned[n] = true
		}
	}
	go lc.closeIdleClients()
	return lc
}

func (lc *liveConfig) load() *Config { return lc.cur.Load() }

func (lc *liveConfig) requirePass() string { return lc.load().RequirePass }

func (lc *liveConfig) maxClients() int { return lc.load().MaxClients }

// get returns a parameter's current value by canonical name.
func (lc *liveConfig) get(name string) string { return lc.load().value(paramIndex[name]) }

// timeout is how long a client may stay idle (0: forever).
func (lc *liveConfig) timeout() time.Duration {
	n, _ := strconv.Atoi(lc.get("timeout"))
	return time.Duration(n) * time.Second
}

// sweepInterval is the store's expiry sweep period for hz (hz 10: 100ms).
func (cfg *Config) sweepInterval() time.Duration {
	n, _ := strconv.Atoi(cfg.value(paramIndex["hz"]))
	return time.Second / time.Duration(min(max(n, 1), 500))
}

// configEntry is one name and value of a CONFIG GET reply.
type configEntry struct{ name, value string }

// match is CONFIG GET: every parameter matching any of the patterns, each
// once. A pattern without glob characters is looked up directly and shown
// as written; a glob matches names and aliases case-insensitively, as in
// Redis 7. Redis's order is its hash table's, which changes from run to
// run; Ember answers in table order.
func (lc *liveConfig) match(patterns [][]byte) []configEntry {
	cfg := lc.load()
	var out []configEntry
	seen := make(map[string]bool)
	add := func(name string, p *param) {
		if key := strings.ToLower(name); !seen[key] {
			seen[key] = true
			out = append(out, configEntry{name, cfg.value(p)})
		}
	}
	for _, pat := range patterns {
		pattern := string(pat)
		if !strings.ContainsAny(pattern, "[*?") {
			if p := lookupParam(pattern); p != nil {
				add(pattern, p)
			}
			continue
		}
		for _, e := range paramEntries {
			if store.Match(pattern, e.name, true) {
				add(e.name, e.p)
			}
		}
	}
	return out
}

// set is CONFIG SET with name/value pairs: all of them apply or none
// does. It returns the error reply, or "" on success. c is the client
// asking, for enable-protected-configs local.
func (lc *liveConfig) set(c *client, pairs [][]byte) string {
	lc.setMu.Lock()
	defer lc.setMu.Unlock()
	old := lc.load()

	// As Redis: first find every parameter and refuse unknown, immutable,
	// protected and repeated ones, reporting the first problem.
	type change struct {
		p     *param
		name  string // as the client wrote it
		entry string // the name or alias it matched, for later errors
		value string
	}
	var changes []change
	for i := 0; i+1 < len(pairs); i += 2 {
		name := string(pairs[i])
		p := lookupParam(name)
		if p == nil {
			return fmt.Sprintf(errConfigSetUnknown, name)
		}
		switch {
		case p.flags&pImmutable != 0:
			return fmt.Sprintf(errConfigSetFailed, name, reasonImmutable)
		case p.flags&pProtected != 0 && !protectedAllowed(old, c):
			return fmt.Sprintf(errConfigSetFailed, name, reasonProtected)
		}
		entry := strings.ToLower(name)
		for _, ch := range changes {
			if ch.entry == entry {
				return fmt.Sprintf(errConfigSetFailed, name, reasonDuplicate)
			}
		}
		changes = append(changes, change{p, name, entry, string(pairs[i+1])})
	}

	// Then check every value against a copy of the configuration.
	next := old.clone()
	for _, ch := range changes {
		var words []string
		if ch.p.flags&pMulti != 0 {
			if ch.value != "" {
				words = strings.Split(ch.value, " ")
			}
		} else {
			words = []string{ch.value}
		}
		v, why := ch.p.parseArgs(words, next.value(ch.p))
		if why == "" && ch.p.refuse != nil {
			why = ch.p.refuse(v)
		}
		if why != "" {
			return fmt.Sprintf(errConfigSetFailed, ch.entry, why)
		}
		next.store(ch.p, v)
	}

	// Moving the listeners is the one change that can fail; it goes last.
	if !slicesEqual(old.Bind, next.Bind) || old.Port != next.Port {
		if err := lc.relisten(next.Bind, next.Port); err != nil {
			name, why := "port", reasonPortFailed
			if !slicesEqual(old.Bind, next.Bind) {
				name, why = "bind", reasonBindFailed
			}
			lc.srv.log.Warn("CONFIG SET could not move the listeners; they stay where they were",
				slog.String("bind", strings.Join(next.Bind, " ")), slog.Int("port", next.Port), slog.Any("err", err))
			return fmt.Sprintf(errConfigSetFailed, name, why)
		}
	}

	lc.cur.Store(next)
	for _, ch := range changes {
		if ch.p.apply != nil {
			ch.p.apply(lc.srv, next)
		}
		lc.warnNoEffect(ch.p)
	}
	return ""
}

// warnNoEffect logs, once per parameter, that setting it changes nothing
// now.
func (lc *liveConfig) warnNoEffect(p *param) {
	var msg string
	switch {
	case p.effect == effNone:
		msg = "CONFIG SET accepted a parameter that has no effect in Ember"
	case p.flags&pRestart != 0:
		msg = "CONFIG SET accepted a parameter that Ember applies at start-up only; the new value is kept"
	default:
		return
	}
	if !lc.warned[p.name] {
		lc.warned[p.name] = true
		lc.srv.log.Info(msg, slog.String("parameter", p.name))
	}
}

// protectedAllowed is Redis's enable-protected-configs check.
func protectedAllowed(cfg *Config, c *client) bool {
	switch cfg.value(paramIndex["enable-protected-configs"]) {
	case "yes":
		return true
	case "local":
		return c != nil && isLoopback(c.addr)
	}
	return false
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Listening.

// boundListener is a listener opened for the bind and port parameters.
// CONFIG SET bind or port retires it: its socket closes, freeing the
// address, but Accept then waits for the server to close rather than
// fail, because redcon closes every connection a listener accepted once
// its Accept fails, and Redis keeps clients connected when it rebinds.
type boundListener struct {
	net.Listener
	retired   chan struct{}
	closed    chan struct{}
	closeOnce sync.Once
}

func newBoundListener(ln net.Listener) *boundListener {
	return &boundListener{Listener: ln, retired: make(chan struct{}), closed: make(chan struct{})}
}

func (l *boundListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		select {
		case <-l.retired:
			<-l.closed
			return nil, net.ErrClosed
		default:
		}
	}
	return c, err
}

func (l *boundListener) retire() {
	close(l.retired)
	l.Listener.Close()
}

func (l *boundListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// listen opens a listener for every bind address; ListenAndServe serves
// them, and CONFIG SET bind or port replaces them.
func (lc *liveConfig) listen() ([]net.Listener, error) {
	cfg := lc.load()
	bound, err := lc.openListeners(cfg.Bind, cfg.Port)
	if err != nil {
		return nil, err
	}
	lc.lnMu.Lock()
	lc.bound = bound
	lc.lnMu.Unlock()
	lns := make([]net.Listener, len(bound))
	for i, l := range bound {
		lns[i] = l
	}
	return lns, nil
}

// openListeners binds every address on port. An address prefixed with
// '-' may fail; "*" means every IPv4 address and "::*" every IPv6 one.
func (lc *liveConfig) openListeners(binds []string, port int) ([]*boundListener, error) {
	var lns []*boundListener
	for _, b := range binds {
		optional := strings.HasPrefix(b, "-")
		network, host := listenNetwork(strings.TrimPrefix(b, "-"))
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		ln, err := net.Listen(network, addr)
		if err != nil {
			if optional {
				lc.srv.log.Warn("could not bind an optional address", slog.String("addr", addr), slog.Any("err", err))
				continue
			}
			for _, l := range lns {
				l.Close()
			}
			return nil, fmt.Errorf("listen on %s: %w", addr, err)
		}
		lns = append(lns, newBoundListener(ln))
	}
	if len(lns) == 0 {
		return nil, errors.New("no address to listen on")
	}
	return lns, nil
}

// listenNetwork picks tcp4 or tcp6 for an IP address, so that "*" and
// "::*" can both listen on one port (Go's "tcp" on :: would take IPv4
// too).
func listenNetwork(host string) (network, addr string) {
	switch host {
	case "*":
		return "tcp4", "0.0.0.0"
	case "::*":
		return "tcp6", "::"
	}
	if ip := net.ParseIP(host); ip != nil {
		if ip.To4() != nil {
			return "tcp4", host
		}
		return "tcp6", host
	}
	return "tcp", host
}

// relisten moves a server started by ListenAndServe to new addresses, as
// CONFIG SET bind and port do in Redis: the old sockets close first (the
// new ones may reuse the port), the new ones open, and on failure the old
// addresses open again. Connections already accepted stay open. A server
// given its listeners through Serve keeps them; only the values change.
func (lc *liveConfig) relisten(binds []string, port int) error {
	lc.lnMu.Lock()
	defer lc.lnMu.Unlock()
	if len(lc.bound) == 0 {
		return nil
	}
	old := lc.load()
	for _, l := range lc.bound {
		l.retire()
	}
	lns, err := lc.openListeners(binds, port)
	if err != nil {
		restored, err2 := lc.openListeners(old.Bind, old.Port)
		if err2 != nil {
			lc.srv.log.Error("could not listen again on the previous addresses", slog.Any("err", err2))
		}
		lc.bound = restored
		lc.serve(restored)
		return err
	}
	lc.bound = lns
	lc.serve(lns)
	return nil
}

func (lc *liveConfig) serve(lns []*boundListener) {
	for _, ln := range lns {
		lc.srv.log.Info("Ready to accept connections", slog.String("addr", ln.Addr().String()))
		go lc.srv.Serve(ln)
	}
}

// Connections.

// admit applies the connection parameters to a new client: protected-mode
// (with no password set, only loopback clients may connect) and
// tcp-keepalive. It returns the error to answer before closing the
// connection, or "" to accept it.
func (lc *liveConfig) admit(c *client) string {
	cfg := lc.load()
	if protectedModeDenies(cfg, c.addr) {
		return errProtectedMode
	}
	if c.req == nil {
		return ""
	}
	if tc, ok := c.req.Conn.(*net.TCPConn); ok {
		secs, _ := strconv.Atoi(cfg.value(paramIndex["tcp-keepalive"]))
		if secs > 0 {
			// As Redis's anetKeepAlive: probes start after the period,
			// then every third of it, three times.
			d := time.Duration(secs) * time.Second
			tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: d, Interval: max(d/3, time.Second), Count: 3})
		} else {
			tc.SetKeepAlive(false)
		}
	}
	return ""
}

// protectedModeDenies is Redis 7's protected mode: with protected-mode yes
// and no password, only clients on the loopback interface get in.
func protectedModeDenies(cfg *Config, remote string) bool {
	return cfg.value(paramIndex["protected-mode"]) == "yes" && cfg.RequirePass == "" && !isLoopback(remote)
}

// isLoopback reports whether a "host:port" address is on the loopback
// interface.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// closeIdleClients applies timeout: a client idle for longer is closed,
// as Redis's clientsCron does. It checks hz times a second and stops when
// the server shuts down.
func (lc *liveConfig) closeIdleClients() {
	s := lc.srv
	period := lc.load().sweepInterval()
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-s.shutdown:
			return
		case <-t.C:
			if p := lc.load().sweepInterval(); p != period { // CONFIG SET hz
				period = p
				t.Reset(period)
			}
			timeout := lc.timeout()
			if timeout <= 0 {
				continue
			}
			cutoff := int64(monoNow() - timeout)
			var idle []*client
			s.mu.Lock()
			for _, c := range s.clients {
				if c.lastInteraction.Load() < cutoff {
					idle = append(idle, c)
				}
			}
			s.mu.Unlock()
			for _, c := range idle {
				s.log.Debug("Closing idle client", slog.Int64("id", c.id), slog.String("addr", c.addr))
				c.killed.Store(true)
				if c.req != nil {
					c.req.Conn.Close()
				}
			}
		}
	}
}

// CONFIG REWRITE.

// errNoConfigFile: CONFIG REWRITE on a server started without one.
var errNoConfigFile = errors.New("no config file")

// rewriteSignature marks where CONFIG REWRITE starts adding lines, as in
// Redis.
const rewriteSignature = "# Generated by CONFIG REWRITE"

// rewrite is CONFIG REWRITE, in Redis's manner: lines of the file that
// set a parameter get its current value, in place; extra lines for it
// are removed; parameters that differ from their defaults and are not in
// the file are added at the end; comments and everything else stay. The
// new file replaces the old one atomically.
func (lc *liveConfig) rewrite() error {
	lc.setMu.Lock()
	defer lc.setMu.Unlock()
	cfg := lc.load()
	if cfg.file == "" {
		return errNoConfigFile
	}
	data, err := os.ReadFile(cfg.file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(data) == 0 {
		lines = nil
	}
	const removed = "\x00"
	slots := make(map[*param][]int)
	signed := false
	for i, raw := range lines {
		line := strings.Trim(raw, " \t\r\n")
		if line == rewriteSignature {
			signed = true
		}
		if line == "" || line[0] == '#' {
			continue
		}
		words, ok := splitArgs([]byte(line))
		if !ok || len(words) == 0 {
			continue
		}
		if p := lookupParam(string(words[0])); p != nil {
			slots[p] = append(slots[p], i)
		}
	}
	var added []string
	for _, p := range paramTable {
		v := cfg.value(p)
		at := slots[p]
		// As Redis: a parameter at its default is only written where the
		// file already sets it, except dir, which is always written.
		if len(at) == 0 && v == p.defaultValue() && p.name != "dir" {
			continue
		}
		for k, nl := range p.confLines(v) {
			if k < len(at) {
				lines[at[k]] = nl
			} else {
				added = append(added, nl)
			}
		}
		for k := len(p.confLines(v)); k < len(at); k++ {
			lines[at[k]] = removed
		}
	}
	var b strings.Builder
	for _, l := range lines {
		if l != removed {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	if len(added) > 0 && !signed {
		b.WriteString(rewriteSignature + "\n")
	}
	for _, l := range added {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return writeFileAtomic(cfg.file, []byte(b.String()))
}

// confLines writes p = v as config file lines that read back as v.
func (p *param) confLines(v string) []string {
	switch {
	case p.name == "save":
		if v == "" {
			return []string{`save ""`}
		}
		f := strings.Fields(v)
		var out []string
		for i := 0; i+1 < len(f); i += 2 {
			out = append(out, "save "+f[i]+" "+f[i+1])
		}
		return out
	case p.name == "client-output-buffer-limit":
		f := strings.Fields(v)
		var out []string
		for i := 0; i+3 < len(f); i += 4 {
			hard, _ := strconv.ParseUint(f[i+1], 10, 64)
			soft, _ := strconv.ParseUint(f[i+2], 10, 64)
			out = append(out, fmt.Sprintf("%s %s %s %s %s", p.name, f[i], formatMemory(hard), formatMemory(soft), f[i+3]))
		}
		return out
	case p.name == "replicaof" && v == "":
		return nil
	case p.kind == kindMemory && !strings.HasSuffix(v, "%") && !strings.HasPrefix(v, "-"):
		n, _ := strconv.ParseUint(v, 10, 64)
		return []string{p.name + " " + formatMemory(n)}
	case p.kind == kindString, p.name == "dir", p.name == "notify-keyspace-events", p.name == "proc-title-template":
		return []string{p.name + " " + reprString(v)}
	case p.flags&pMulti != 0 && v == "":
		return []string{p.name + ` ""`}
	}
	return []string{p.name + " " + v}
}

// reprString quotes s so that Redis's argument splitting reads it back,
// as Redis's sdscatrepr.
func reprString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if c < ' ' || c > '~' {
				fmt.Fprintf(&b, `\x%02x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// writeFileAtomic replaces path with data: a temporary file in the same
// directory, synced, then renamed over it, keeping the old file's mode.
func writeFileAtomic(path string, data []byte) error {
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ember-rewrite-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	if _, err := w.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
