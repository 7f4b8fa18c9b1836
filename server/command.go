package server

import (
	"strings"
)

// cmdFlags are Redis's command flags, as COMMAND INFO reports them.
type cmdFlags uint32

const (
	flagWrite cmdFlags = 1 << iota
	flagReadonly
	flagDenyOOM
	flagAdmin
	flagPubSub
	flagNoScript
	flagBlocking
	flagLoading
	flagStale
	flagSkipMonitor
	flagSkipSlowlog
	flagFast
	flagNoAuth
	flagMayReplicate
	flagNoMandatoryKeys
	flagNoMulti
	flagAllowBusy
	flagMovableKeys
	flagNoAsyncLoading
	flagAsking
)

// flagNames is the order Redis 7.0 lists flags in COMMAND INFO. Flags
// marked hidden are parsed from rows but never shown, as in Redis 7.0
// (server.c hides may_replicate).
var flagNames = []struct {
	flag   cmdFlags
	name   string
	hidden bool
}{
	{flagWrite, "write", false},
	{flagReadonly, "readonly", false},
	{flagDenyOOM, "denyoom", false},
	{flagAdmin, "admin", false},
	{flagPubSub, "pubsub", false},
	{flagNoScript, "noscript", false},
	{flagBlocking, "blocking", false},
	{flagLoading, "loading", false},
	{flagStale, "stale", false},
	{flagSkipMonitor, "skip_monitor", false},
	{flagSkipSlowlog, "skip_slowlog", false},
	{flagAsking, "asking", false},
	{flagFast, "fast", false},
	{flagNoAuth, "no_auth", false},
	{flagMayReplicate, "may_replicate", true},
	{flagNoMandatoryKeys, "no_mandatory_keys", false},
	{flagNoAsyncLoading, "no_async_loading", false},
	{flagNoMulti, "no_multi", false},
	{flagMovableKeys, "movablekeys", false},
	{flagAllowBusy, "allow_busy", false},
}

func parseFlags(s string) cmdFlags {
	var f cmdFlags
	for _, word := range strings.Fields(s) {
		found := false
		for _, fn := range flagNames {
			if fn.name == word {
				f |= fn.flag
				found = true
			}
		}
		if !found {
			panic("command table: unknown flag " + word)
		}
	}
	return f
}

// scope says which part of the keyspace a command reaches beyond its key
// arguments, so EXEC knows what to lock.
type scope uint8

const (
	scopeKeys scope = iota // only its key arguments (or nothing)
	scopeDB                // every key of the selected database
	scopeAll               // every database
)

// command is one row of the command table: the data that drives dispatch,
// arity errors, COMMAND's replies, what EXEC locks and what MULTI queues.
type command struct {
	name     string // lower case; "client|setname" for subcommands
	arity    int    // Redis convention: n exact, -n at least n (name included)
	flags    cmdFlags
	acl      []string // ACL categories without '@', as COMMAND INFO lists them
	firstKey int
	lastKey  int
	step     int
	scope    scope
	group    string // for COMMAND DOCS
	since    string
	summary  string
	handler  func(c *client, args [][]byte)
	// getKeys finds the keys when the key specs cannot (a spec of unknown
	// begin), as Redis's getkeys_proc; nil for most commands.
	getKeys func(args [][]byte) []foundKey
	subs    map[string]*command
	id      int        // index into a server's per-command statistics
	dirty   dirtyCount // its count of changes, if it has its own (dirty.go)
	// readsStats: the command reads (or resets) the command statistics,
	// so a connection's gathered counts go out before it runs (INFO,
	// LATENCY HISTOGRAM, CONFIG RESETSTAT, and the scripts, which may
	// call INFO).
	readsStats bool
}

// keyIndexes returns the positions of the key arguments in args.
func (cmd *command) keyIndexes(args [][]byte) []int {
	if cmd.firstKey == 0 {
		return nil
	}
	last := cmd.lastKey
	if last < 0 {
		last = len(args) + last
	}
	if last >= len(args) {
		last = len(args) - 1
	}
	var idx []int
	for i := cmd.firstKey; i <= last; i += cmd.step {
		idx = append(idx, i)
	}
	return idx
}

// arityOK reports whether n arguments (name included) fit the arity.
func (cmd *command) arityOK(n int) bool {
	if cmd.arity >= 0 {
		return n == cmd.arity
	}
	return n >= -cmd.arity
}

// commandTable maps lower-case names to commands.
type commandTable map[string]*command

// lookupName finds a command by a name in any case without allocating.
func (t commandTable) lookupName(name []byte) *command {
	var buf [32]byte
	if len(name) > len(buf) {
		return nil
	}
	for i, c := range name {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return t[string(buf[:len(name)])]
}

// nameIs reports whether name, in any case, is lower, a lowercase name.
func nameIs(name []byte, lower string) bool {
	if len(name) != len(lower) {
		return false
	}
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// newCommandTable builds the table from its rows, checking them, and
// numbers every command and subcommand for statistics.
func newCommandTable(rows []*command) (commandTable, []*command) {
	t := make(commandTable, len(rows))
	var all []*command
	add := func(r *command) {
		if r.step == 0 && r.firstKey != 0 {
			r.step = 1
		}
		r.id = len(all)
		r.dirty = dirtyCounts[r.name]
		all = append(all, r)
	}
	for _, r := range rows {
		if _, dup := t[r.name]; dup {
			panic("command table: duplicate " + r.name)
		}
		add(r)
		for _, s := range r.subs {
			add(s)
		}
		t[r.name] = r
	}
	return t, all
}

// sub builds the subcommand map of a container command.
func subs(rows ...*command) map[string]*command {
	m := make(map[string]*command, len(rows))
	for _, r := range rows {
		i := strings.IndexByte(r.name, '|')
		m[r.name[i+1:]] = r
	}
	return m
}

func splitFields(s string) []string { return strings.Fields(s) }
