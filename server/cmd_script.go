package server

import (
	"strings"

	"github.com/emberkv/ember/internal/redisnum"
)

// EVAL, EVALSHA, their _RO forms, and SCRIPT: Lua scripts cached by the
// SHA1 of their body (script.go runs them).
var scriptCommands = []*command{
	{name: "eval", arity: -3, flags: parseFlags("noscript stale skip_monitor may_replicate no_mandatory_keys movablekeys"), acl: acl("slow scripting"), group: "scripting", since: "2.6.0",
		summary: "Runs a Lua script atomically, caching it by the SHA1 of its body.", handler: cmdEval, readsStats: true},
	{name: "evalsha", arity: -3, flags: parseFlags("noscript stale skip_monitor may_replicate no_mandatory_keys movablekeys"), acl: acl("slow scripting"), group: "scripting", since: "2.6.0",
		summary: "Runs a cached Lua script given the SHA1 of its body.", handler: cmdEvalSHA, readsStats: true},
	{name: "eval_ro", arity: -3, flags: parseFlags("readonly noscript stale skip_monitor no_mandatory_keys movablekeys"), acl: acl("slow scripting"), group: "scripting", since: "7.0.0",
		summary: "Runs a Lua script that may only read.", handler: cmdEvalRO, readsStats: true},
	{name: "evalsha_ro", arity: -3, flags: parseFlags("readonly noscript stale skip_monitor no_mandatory_keys movablekeys"), acl: acl("slow scripting"), group: "scripting", since: "7.0.0",
		summary: "Runs a cached Lua script that may only read.", handler: cmdEvalSHARO, readsStats: true},
	{name: "script", arity: -2, acl: acl("slow"), group: "scripting", since: "2.6.0",
		summary: "Groups the commands that manage the script cache.",
		subs: subs(
			&command{name: "script|load", arity: 3, flags: parseFlags("noscript stale"), acl: acl("slow scripting"),
				group: "scripting", since: "2.6.0", summary: "Compiles a script into the cache without running it and answers its SHA1.", handler: cmdScriptLoad},
			&command{name: "script|exists", arity: -3, flags: parseFlags("noscript"), acl: acl("slow scripting"),
				group: "scripting", since: "2.6.0", summary: "Tells which SHA1s name cached scripts.", handler: cmdScriptExists},
			&command{name: "script|flush", arity: -2, flags: parseFlags("noscript"), acl: acl("slow scripting"),
				group: "scripting", since: "2.6.0", summary: "Empties the script cache.", handler: cmdScriptFlush},
			&command{name: "script|kill", arity: 2, flags: parseFlags("noscript allow_busy"), acl: acl("slow scripting"),
				group: "scripting", since: "2.6.0", summary: "Stops the running script if it has not written yet.", handler: cmdScriptKill},
			&command{name: "script|debug", arity: 3, flags: parseFlags("noscript"), acl: acl("slow scripting"),
				group: "scripting", since: "3.2.0", summary: "Sets the debug mode of later scripts (NO only: Ember has no Lua debugger).", handler: cmdScriptDebug},
			&command{name: "script|help", arity: 2, flags: parseFlags("loading stale"), acl: acl("slow scripting"),
				group: "scripting", since: "5.0.0", summary: "Lists SCRIPT's subcommands.", handler: cmdScriptHelp},
		)},
}

func cmdEval(c *client, args [][]byte)      { evalGeneric(c, args, false, false) }
func cmdEvalSHA(c *client, args [][]byte)   { evalGeneric(c, args, true, false) }
func cmdEvalRO(c *client, args [][]byte)    { evalGeneric(c, args, false, true) }
func cmdEvalSHARO(c *client, args [][]byte) { evalGeneric(c, args, true, true) }

// parseNumKeys reads EVAL's and FCALL's numkeys and splits the rest of
// the arguments into keys and args.
func parseNumKeys(c *client, args [][]byte) (keys, rest [][]byte, ok bool) {
	n, ok := redisnum.ParseInt(args[2])
	if !ok {
		c.w.error(errNotInteger)
		return nil, nil, false
	}
	if n > int64(len(args)-3) {
		c.w.error(errNumKeysTooMany)
		return nil, nil, false
	}
	if n < 0 {
		c.w.error(errNumKeysNegative)
		return nil, nil, false
	}
	return args[3 : 3+n], args[3+n:], true
}

// evalGeneric is Redis's evalGenericCommand: find or compile the script,
// then run it.
func evalGeneric(c *client, args [][]byte, bySHA, ro bool) {
	// As Redis: MONITOR shows the script before the commands it runs.
	c.feedMonitorsScript(args)
	if bySHA && len(args[1]) != 40 {
		c.w.error(errNoScript)
		return
	}
	keys, rest, ok := parseNumKeys(c, args)
	if !ok {
		return
	}
	e := &c.srv.scripts
	var s *luaScript
	if bySHA {
		// Clients send the SHA they got, in lower case: the script run
		// last is found without copying it.
		if s = e.last.Load(); s == nil || s.sha != string(args[1]) {
			var buf [40]byte
			s = e.lookupScript(lowerSHA(&buf, args[1]))
		}
		if s == nil {
			c.w.error(errNoScript)
			return
		}
	} else {
		var msg string
		if s, msg = e.loadScript(args[1]); s == nil {
			c.w.error(msg)
			return
		}
	}
	inv := invocation{name: s.sha, eval: true, flags: s.flags, ro: ro, keys: keys, args: rest, script: s, argv: args}
	e.runScript(c, &inv)
}

// feedMonitorsScript shows an EVAL or FCALL to the monitors, which call
// does not (they are flagged skip_monitor), so that it comes before the
// commands the script runs, as Redis's evalCommand does.
func (c *client) feedMonitorsScript(args [][]byte) {
	mons := c.srv.monitors.Load()
	if mons == nil || len(*mons) == 0 {
		return
	}
	c.feedMonitorsAlways(args)
}

func cmdScriptLoad(c *client, args [][]byte) {
	s, msg := c.srv.scripts.loadScript(args[2])
	if s == nil {
		c.w.error(msg)
		return
	}
	c.w.bulkString(s.sha)
}

func cmdScriptExists(c *client, args [][]byte) {
	e := &c.srv.scripts
	c.w.array(len(args) - 2)
	for _, a := range args[2:] {
		// As Redis: the cache's keys compare without case.
		var buf [40]byte
		if len(a) == 40 && e.lookupScript(lowerSHA(&buf, a)) != nil {
			c.w.int(1)
		} else {
			c.w.int(0)
		}
	}
}

func cmdScriptFlush(c *client, args [][]byte) {
	switch {
	case len(args) == 2:
	case len(args) == 3 && (strings.EqualFold(string(args[2]), "sync") || strings.EqualFold(string(args[2]), "async")):
	default:
		c.w.error(errScriptFlushOption)
		return
	}
	c.srv.scripts.flushScripts()
	c.w.ok()
}

func cmdScriptKill(c *client, args [][]byte) { c.srv.scripts.kill(c, true) }

// cmdScriptDebug accepts NO, the mode every script runs in; Ember has no
// Lua debugger for YES and SYNC.
func cmdScriptDebug(c *client, args [][]byte) {
	switch strings.ToLower(string(args[2])) {
	case "no":
		c.w.ok()
	case "yes", "sync":
		c.w.error(errScriptDebugNotYet)
	default:
		c.w.error(errScriptDebug)
	}
}

func cmdScriptHelp(c *client, args [][]byte) {
	c.writeHelp("SCRIPT",
		"DEBUG (YES|SYNC|NO)",
		"    Choose how later scripts run; Ember runs them all as NO.",
		"EXISTS <sha1> [<sha1> ...]",
		"    Answer, for each SHA1, whether the cache holds its script.",
		"FLUSH [ASYNC|SYNC]",
		"    Empty the script cache.",
		"KILL",
		"    Stop the running script, if it has not written anything.",
		"LOAD <script>",
		"    Compile a script into the cache and answer its SHA1.",
	)
}
