package server

import (
	"fmt"
	"strconv"
	"time"
)

// MONITOR, as Redis's replicationFeedMonitors: after each command, every
// monitoring client gets one line naming the time, the database, the
// client and the arguments. Administrative commands and those flagged
// skip_monitor are not shown; AUTH's and HELLO's credentials are shown as
// "(redacted)".
//
// The monitors live in a copy-on-write list, so that a command pays one
// atomic load when nobody monitors.

var monitorCommands = []*command{
	{name: "monitor", arity: 1, flags: parseFlags("admin noscript loading stale"), acl: acl("admin slow dangerous"), group: "server", since: "1.0.0",
		summary: "Streams every command the server runs.", handler: cmdMonitor},
}

func cmdMonitor(c *client, args [][]byte) {
	if c.inExec != nil {
		c.w.error(errMonitorDenyBlocking)
		return
	}
	if c.shown.monitor.Load() {
		return // as Redis: nothing, not even a reply
	}
	c.startOutbound()
	s := c.srv
	s.monitorMu.Lock()
	old := s.monitors.Load()
	var next []*client
	if old != nil {
		next = append(next, *old...)
	}
	next = append(next, c)
	s.monitors.Store(&next)
	c.shown.monitor.Store(true)
	s.monitorMu.Unlock()
	c.w.ok()
}

// stopMonitor takes the client out of the monitors (RESET, disconnect).
func (c *client) stopMonitor() {
	if !c.shown.monitor.Load() {
		return
	}
	s := c.srv
	s.monitorMu.Lock()
	var next []*client
	for _, m := range *s.monitors.Load() {
		if m != c {
			next = append(next, m)
		}
	}
	s.monitors.Store(&next)
	c.shown.monitor.Store(false)
	s.monitorMu.Unlock()
}

// redact hides argument i from MONITOR and the SLOWLOG, as Redis's
// redactClientCommandArgument; call forgets it once the command is done.
func (c *client) redact(i int) { c.redacted = append(c.redacted, i) }

// feedMonitors sends a command that ran to the monitors.
func (c *client) feedMonitors(cmd *command, args [][]byte) {
	mons := c.srv.monitors.Load()
	if mons == nil || len(*mons) == 0 || cmd.flags&(flagSkipMonitor|flagAdmin) != 0 {
		return
	}
	c.feedMonitorsAlways(args)
}

// feedMonitorsAlways sends the monitors the line of args, whatever the
// command's flags (EVAL and FCALL show themselves before their commands).
func (c *client) feedMonitorsAlways(args [][]byte) {
	mons := c.srv.monitors.Load()
	line := c.monitorLine(args)
	for _, m := range *mons {
		if m == c {
			// Its own command: the line follows the command's reply.
			c.w.buf = append(c.w.buf, line...)
			continue
		}
		// Not a push: a monitor under CLIENT REPLY OFF gets nothing.
		if m.shown.replyOff.Load() {
			continue
		}
		o := m.out
		o.mu.Lock()
		over := o.appendLocked(line)
		o.mu.Unlock()
		if over {
			m.closeOverLimit()
		}
	}
}

// monitorLine formats "+<sec>.<usec> [<db> <addr>] "arg" ...\r\n".
func (c *client) monitorLine(args [][]byte) []byte {
	now := time.Now()
	b := make([]byte, 0, 64)
	b = append(b, '+')
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = fmt.Appendf(b, ".%06d [%d %s] ", now.Nanosecond()/1000, c.dbIndex, c.addr)
	for i, a := range args {
		if i > 0 {
			b = append(b, ' ')
		}
		if c.isRedacted(i) {
			a = redactedArg
		}
		b = appendRepr(b, a)
	}
	return append(b, '\r', '\n')
}

var redactedArg = []byte("(redacted)")

func (c *client) isRedacted(i int) bool {
	for _, r := range c.redacted {
		if r == i {
			return true
		}
	}
	return false
}

// appendRepr quotes s as Redis's sdscatrepr: \\ \" \n \r \t \a \b
// escaped, other printable ASCII as is, the rest as \xHH.
func appendRepr(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, ch := range s {
		switch ch {
		case '\\', '"':
			b = append(b, '\\', ch)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\a':
			b = append(b, '\\', 'a')
		case '\b':
			b = append(b, '\\', 'b')
		default:
			if ch >= 0x20 && ch < 0x7f {
				b = append(b, ch)
			} else {
				b = append(b, '\\', 'x', hex[ch>>4], hex[ch&15])
			}
		}
	}
	return append(b, '"')
}
