package server

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// CONFIG: a container command, its subcommands as Redis 7.0.15's COMMAND
// INFO lists them. The parameters themselves are the table in config.go.
var configCommands = []*command{
	{name: "config", arity: -2, acl: acl("slow"), group: "server", since: "2.0.0",
		summary: "Groups the commands that read and change the configuration.",
		subs: subs(
			&command{name: "config|get", arity: -3, flags: parseFlags("admin noscript loading stale"), acl: acl("admin slow dangerous"),
				group: "server", since: "2.0.0", summary: "Reads configuration parameters matching glob patterns.", handler: cmdConfigGet},
			&command{name: "config|set", arity: -4, flags: parseFlags("admin noscript loading stale"), acl: acl("admin slow dangerous"),
				group: "server", since: "2.0.0", summary: "Changes configuration parameters, all or none.", handler: cmdConfigSet},
			&command{name: "config|resetstat", arity: 2, flags: parseFlags("admin noscript loading stale"), acl: acl("admin slow dangerous"),
				group: "server", since: "2.0.0", summary: "Zeroes the counters INFO reports.", handler: cmdConfigResetStat, readsStats: true},
			&command{name: "config|rewrite", arity: 2, flags: parseFlags("admin noscript loading stale"), acl: acl("admin slow dangerous"),
				group: "server", since: "2.8.0", summary: "Writes the running configuration back to the config file.", handler: cmdConfigRewrite},
			&command{name: "config|help", arity: 2, flags: parseFlags("loading stale"), acl: acl("slow"),
				group: "server", since: "5.0.0", summary: "Lists CONFIG's subcommands.", handler: cmdConfigHelp},
		)},
}

// cmdConfigGet answers a map of every parameter matching the patterns:
// a RESP3 map, a flat array in RESP2.
func cmdConfigGet(c *client, args [][]byte) {
	entries := c.srv.cfg.match(args[2:])
	c.w.mapHeader(len(entries))
	for _, e := range entries {
		c.w.bulkString(e.name)
		c.w.bulkString(e.value)
	}
}

// cmdConfigSet sets one or more parameters, all or none.
func cmdConfigSet(c *client, args [][]byte) {
	if len(args)%2 != 0 {
		c.w.error(errSyntax)
		return
	}
	// As Redis: the values of its sensitive parameters never show in
	// MONITOR or the SLOWLOG, whether or not the command succeeds.
	for i := 2; i+1 < len(args); i += 2 {
		switch strings.ToLower(string(args[i])) {
		case "requirepass", "masterauth", "masteruser":
			c.redact(i + 1)
		}
	}
	if msg := c.srv.cfg.set(c, args[2:]); msg != "" {
		c.w.error(msg)
		return
	}
	c.w.ok()
}

func cmdConfigResetStat(c *client, args [][]byte) {
	c.srv.stats.reset()
	c.srv.latency.resetHistograms()
	c.w.ok()
}

func cmdConfigRewrite(c *client, args [][]byte) {
	err := c.srv.cfg.rewrite()
	switch {
	case errors.Is(err, errNoConfigFile):
		c.w.error(errConfigNoFile)
	case err != nil:
		c.srv.log.Warn("CONFIG REWRITE failed", slog.Any("err", err))
		c.w.error(fmt.Sprintf(errConfigRewrite, errnoText(err)))
	default:
		c.srv.log.Info("CONFIG REWRITE executed with success.")
		c.w.ok()
	}
}

func cmdConfigHelp(c *client, args [][]byte) {
	c.writeHelp("CONFIG",
		"GET <pattern> [<pattern> ...]",
		"    Show the parameters matching any glob <pattern>, with their values.",
		"SET <parameter> <value> [<parameter> <value> ...]",
		"    Change parameters; if one value is refused, none changes.",
		"RESETSTAT",
		"    Zero the counters INFO reports.",
		"REWRITE",
		"    Write the running configuration back to the config file.",
	)
}
