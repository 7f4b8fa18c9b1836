package server

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/emberkv/ember/internal/redisnum"
)

// CLIENT: a connection's own settings, and the list of connections.
var clientCommands = []*command{
	{name: "client", arity: -2, acl: acl("slow"), group: "connection", since: "2.4.0",
		summary: "Inspects and manages client connections.",
		subs: subs(
			&command{name: "client|id", arity: 2, flags: parseFlags("noscript loading stale"), acl: acl("slow connection"), group: "connection", since: "5.0.0",
				summary: "Returns the connection's unique ID.", handler: cmdClientID},
			&command{name: "client|setname", arity: 3, flags: parseFlags("noscript loading stale"), acl: acl("slow connection"), group: "connection", since: "2.6.9",
				summary: "Names the connection.", handler: cmdClientSetName},
			&command{name: "client|getname", arity: 2, flags: parseFlags("noscript loading stale"), acl: acl("slow connection"), group: "connection", since: "2.6.9",
				summary: "Returns the connection's name.", handler: cmdClientGetName},
			// SETINFO arrived in Redis 7.2; clients send it and ignore errors,
			// so Ember accepts it with 7.2's checks.
			&command{name: "client|setinfo", arity: 4, flags: parseFlags("noscript loading stale"), acl: acl("slow connection"), group: "connection", since: "7.2.0",
				summary: "Records the client library's name or version for the connection.", handler: cmdClientSetInfo},
			&command{name: "client|list", arity: -2, flags: parseFlags("admin noscript loading stale"), acl: acl("admin slow dangerous connection"), group: "connection", since: "2.4.0",
				summary: "Lists the client connections.", handler: cmdClientList},
			&command{name: "client|info", arity: 2, flags: parseFlags("noscript loading stale"), acl: acl("slow connection"), group: "connection", since: "6.2.0",
				summary: "Describes this connection.", handler: cmdClientInfo},
			&command{name: "client|kill", arity: -3, flags: parseFlags("admin noscript loading stale"), acl: acl("admin slow dangerous connection"), group: "connection", since: "2.4.0",
				summary: "Closes the connections that match the filters.", handler: cmdClientKill},
			&command{name: "client|no-evict", arity: 3, flags: parseFlags("admin noscript loading stale"), acl: acl("admin slow dangerous connection"), group: "connection", since: "7.0.0",
				summary: "Marks the connection as one client eviction must spare.", handler: cmdClientNoEvict},
			&command{name: "client|unblock", arity: -3, flags: parseFlags("admin noscript loading stale"), acl: acl("admin slow dangerous connection"), group: "connection", since: "5.0.0",
				summary: "Frees a client blocked in a blocking command, as on timeout or with an error.", handler: cmdClientUnblock},
			&command{name: "client|tracking", arity: -3, flags: parseFlags("noscript loading stale"), acl: acl("slow connection"), group: "connection", since: "6.0.0",
				summary: "Turns client-side caching's key tracking on or off for the connection.", handler: cmdClientTracking},
			&command{name: "client|caching", arity: 3, flags: parseFlags("noscript loading stale"), acl: acl("slow connection"), group: "connection", since: "6.0.0",
				summary: "Says whether the next command's keys are tracked, in OPTIN or OPTOUT mode.", handler: cmdClientCaching},
			&command{name: "client|getredir", arity: 2, flags: parseFlags("noscript loading stale"), acl: acl("slow connection"), group: "connection", since: "6.0.0",
				summary: "Returns the ID of the connection tracking notifications are redirected to.", handler: cmdClientGetRedir},
			&command{name: "client|trackinginfo", arity: 2, flags: parseFlags("noscript loading stale"), acl: acl("slow connection"), group: "connection", since: "6.2.0",
				summary: "Describes the connection's key tracking.", handler: cmdClientTrackingInfo},
			&command{name: "client|pause", arity: -3, flags: parseFlags("admin noscript loading stale"), acl: acl("admin slow dangerous connection"), group: "connection", since: "2.9.50",
				summary: "Holds back the commands of every client, or their writes, for a while.", handler: cmdClientPause},
			&command{name: "client|unpause", arity: 2, flags: parseFlags("admin noscript loading stale"), acl: acl("admin slow dangerous connection"), group: "connection", since: "6.2.0",
				summary: "Ends a CLIENT PAUSE.", handler: cmdClientUnpause},
			&command{name: "client|reply", arity: 3, flags: parseFlags("noscript loading stale"), acl: acl("slow connection"), group: "connection", since: "3.2.0",
				summary: "Turns the server's replies to this connection on or off, or skips the next one.", handler: cmdClientReply},
			&command{name: "client|help", arity: 2, flags: parseFlags("loading stale"), acl: acl("slow connection"), group: "connection", since: "5.0.0",
				summary: "Shows what CLIENT can do.", handler: cmdClientHelp},
		)},
}

func cmdClientID(c *client, args [][]byte) { c.w.int(c.id) }

func cmdClientSetName(c *client, args [][]byte) {
	if !validClientName(args[2]) {
		c.w.error(errClientName)
		return
	}
	c.mu.Lock()
	c.name = string(args[2]) // "" removes the name
	c.mu.Unlock()
	c.w.ok()
}

func cmdClientGetName(c *client, args [][]byte) {
	c.mu.Lock()
	name := c.name
	c.mu.Unlock()
	if name == "" {
		c.w.null()
		return
	}
	c.w.bulkString(name)
}

// CLIENT SETINFO LIB-NAME|LIB-VER value, with Redis 7.2's checks. Redis
// 7.0's CLIENT LIST has no lib-name or lib-ver fields, so Ember keeps the
// values without showing them.
func cmdClientSetInfo(c *client, args [][]byte) {
	attr, val := args[2], args[3]
	isName := strings.EqualFold(string(attr), "lib-name")
	if !isName && !strings.EqualFold(string(attr), "lib-ver") {
		c.w.error(fmt.Sprintf(errClientSetInfoOption, attr))
		return
	}
	if !validClientName(val) {
		c.w.error(fmt.Sprintf(errClientSetInfoValue, attr))
		return
	}
	c.mu.Lock()
	if isName {
		c.libName = string(val)
	} else {
		c.libVer = string(val)
	}
	c.mu.Unlock()
	c.w.ok()
}

// clientType is the TYPE a connection has for CLIENT LIST and KILL, as
// Redis's getClientType: pubsub while subscribed, else normal (a MONITOR
// client too). Ember has no replicas.
func (c *client) clientType() string {
	if c.subCount() > 0 {
		return "pubsub"
	}
	return "normal"
}

// parseClientType accepts Redis's type names; "slave" is "replica".
func parseClientType(b []byte) (string, bool) {
	switch t := strings.ToLower(string(b)); t {
	case "normal", "master", "replica", "pubsub":
		return t, true
	case "slave":
		return "replica", true
	}
	return "", false
}

// CLIENT LIST [TYPE type | ID id ...]: one line per connection, in the
// order they connected.
func cmdClientList(c *client, args [][]byte) {
	var ids []int64
	wantType := ""
	switch {
	case len(args) == 2:
	case len(args) == 4 && strings.EqualFold(string(args[2]), "type"):
		t, ok := parseClientType(args[3])
		if !ok {
			c.w.error(fmt.Sprintf(errClientUnknownType, args[3]))
			return
		}
		wantType = t
	case len(args) > 3 && strings.EqualFold(string(args[2]), "id"):
		for _, a := range args[3:] {
			id, ok := redisnum.ParseInt(a)
			if !ok {
				c.w.error(errClientInvalidID)
				return
			}
			ids = append(ids, id)
		}
	default:
		c.w.error(errSyntax)
		return
	}
	var b strings.Builder
	if ids != nil {
		// As Redis: in the order asked, repeats included.
		for _, id := range ids {
			if other := c.srv.clientByID(id); other != nil {
				c.writeClientLine(&b, other, args)
			}
		}
	} else {
		for _, other := range c.srv.clientsByID() {
			if wantType == "" || other.clientType() == wantType {
				c.writeClientLine(&b, other, args)
			}
		}
	}
	c.w.verbatim(b.String())
}

func cmdClientInfo(c *client, args [][]byte) {
	var b strings.Builder
	c.writeClientLine(&b, c, args)
	c.w.verbatim(b.String())
}

// clientsByID returns the open connections, oldest first.
func (s *Server) clientsByID() []*client {
	s.mu.Lock()
	out := make([]*client, 0, len(s.clients))
	for _, cl := range s.clients {
		// A killed client is gone for everyone else at once, as in Redis,
		// though its goroutine may take a moment to finish.
		if !cl.killed.Load() {
			out = append(out, cl)
		}
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (s *Server) clientByID(id int64) *client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cl := s.clients[id]; cl != nil && !cl.killed.Load() {
		return cl
	}
	return nil
}

// writeClientLine writes other's CLIENT LIST line, with Redis 7.0.15's
// fields in its order (7.2 added lib-name and lib-ver; 7.0 has neither).
// Reading another connection, it uses only what that connection shares:
// its immutable fields, its mutex-guarded name and its published state.
// Figures Ember does not keep per connection (buffer sizes, memory) are 0.
// args are the running command's, for this connection's argv-mem.
func (c *client) writeClientLine(b *strings.Builder, other *client, args [][]byte) {
	now := time.Now()
	other.mu.Lock()
	name := other.name
	other.mu.Unlock()
	idle := (monoNow() - time.Duration(other.lastInteraction.Load())) / time.Second
	argvMem := 0
	if other == c {
		idle = 0
		for _, a := range args {
			argvMem += len(a)
		}
	}
	cmdName := "NULL"
	if cmd := other.shown.cmd.Load(); cmd != nil {
		cmdName = cmd.name
	}
	var pending int64
	if o := other.outShared.Load(); o != nil {
		pending = o.pending()
	}
	obl, oll, omem := outputFigures(pending)
	fmt.Fprintf(b, "id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=%d psub=%d ssub=%d multi=%d "+
		"qbuf=0 qbuf-free=0 argv-mem=%d multi-mem=0 rbs=0 rbp=0 obl=%d oll=%d omem=%d tot-mem=%d events=r cmd=%s user=default redir=%d resp=%d\n",
		other.id, other.addr, other.laddr, other.fd(), name, int64(now.Sub(other.created)/time.Second), int64(idle),
		other.flagString(), other.shown.db.Load(), other.shown.sub.Load(), other.shown.psub.Load(), other.shown.ssub.Load(),
		other.shown.multi.Load(), argvMem, obl, oll, omem, omem, cmdName, other.redirShown(), other.shown.resp.Load())
}

// redirShown is CLIENT LIST's redir: the redirect with tracking on, else -1.
func (c *client) redirShown() int64 {
	if !c.tracking() {
		return -1
	}
	return c.trackRedirect.Load()
}

// flagString is the flags field of CLIENT LIST, letters in Redis's order.
func (c *client) flagString() string {
	var f []byte
	if c.shown.monitor.Load() {
		f = append(f, 'O')
	}
	if c.subCount() > 0 {
		f = append(f, 'P')
	}
	if c.shown.multi.Load() >= 0 {
		f = append(f, 'x')
	}
	if c.blocked.Load() {
		f = append(f, 'b')
	}
	if tf := c.trackFlags.Load(); tf&trackOn != 0 {
		f = append(f, 't')
		if tf&trackBrokenRedir != 0 {
			f = append(f, 'R')
		}
		if tf&trackBcast != 0 {
			f = append(f, 'B')
		}
	}
	if c.watch.Dirty() {
		f = append(f, 'd')
	}
	if c.killed.Load() {
		f = append(f, 'A')
	}
	if c.shown.noEvict.Load() {
		f = append(f, 'e')
	}
	if len(f) == 0 {
		return "N"
	}
	return string(f)
}

// fd is the connection's file descriptor, or -1 when it has none (a
// connection made in a test, or one already closed).
func (c *client) fd() int {
	if c.req == nil {
		return -1
	}
	sc, ok := c.req.Conn.(syscall.Conn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	if raw.Control(func(p uintptr) { fd = int(p) }) != nil {
		return -1
	}
	return fd
}

// clientKillFilter is what CLIENT KILL matches connections against.
type clientKillFilter struct {
	id          int64
	addr, laddr string
	typ         string
	skipMe      bool
}

// CLIENT KILL addr:port (the old form: OK or an error) or CLIENT KILL
// <filter> <value> ... (the new form: how many were killed). Another
// connection is closed at once; this one after its reply.
func cmdClientKill(c *client, args [][]byte) {
	f := clientKillFilter{skipMe: true}
	oldForm := len(args) == 3
	if oldForm {
		f.addr = string(args[2])
		f.skipMe = false // the old form may kill the caller
	} else {
		for i := 2; i < len(args); i += 2 {
			if i+1 == len(args) { // an option without its value
				c.w.error(errSyntax)
				return
			}
			val := args[i+1]
			switch strings.ToLower(string(args[i])) {
			case "id":
				id, ok := redisnum.ParseInt(val)
				if !ok || id < 1 || id > math.MaxInt64 {
					c.w.error(errClientKillID)
					return
				}
				f.id = id
			case "type":
				t, ok := parseClientType(val)
				if !ok {
					c.w.error(fmt.Sprintf(errClientUnknownType, val))
					return
				}
				f.typ = t
			case "addr":
				f.addr = string(val)
			case "laddr":
				f.laddr = string(val)
			case "user":
				// Ember's only user is "default", which every connection is.
				if string(val) != "default" {
					c.w.error(fmt.Sprintf(errClientNoSuchUser, val))
					return
				}
			case "skipme":
				switch strings.ToLower(string(val)) {
				case "yes":
					f.skipMe = true
				case "no":
					f.skipMe = false
				default:
					c.w.error(errSyntax)
					return
				}
			default:
				c.w.error(errSyntax)
				return
			}
		}
	}
	killed := 0
	for _, other := range c.srv.clientsByID() {
		switch {
		case f.addr != "" && other.addr != f.addr,
			f.laddr != "" && other.laddr != f.laddr,
			f.typ != "" && other.clientType() != f.typ,
			f.id != 0 && other.id != f.id,
			other == c && f.skipMe:
			continue
		}
		killed++
		if other == c {
			c.closing = true // after this reply
			continue
		}
		other.kill()
	}
	if !oldForm {
		c.w.int(int64(killed))
		return
	}
	if killed == 0 {
		c.w.error(errNoSuchClient)
		return
	}
	c.w.ok()
}

// kill closes another connection: it stops taking commands now, and its
// socket is closed so that redcon ends its read loop and forgets it.
func (c *client) kill() {
	c.killed.Store(true)
	if c.req != nil {
		c.req.Conn.Close()
	}
}

// CLIENT NO-EVICT ON|OFF is recorded and shown (flag e); Ember does not
// evict clients, so it changes nothing else.
func cmdClientNoEvict(c *client, args [][]byte) {
	switch strings.ToLower(string(args[2])) {
	case "on":
		c.shown.noEvict.Store(true)
	case "off":
		c.shown.noEvict.Store(false)
	default:
		c.w.error(errSyntax)
		return
	}
	c.w.ok()
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 if the client was blocked and is
// now free, else 0.
func cmdClientUnblock(c *client, args [][]byte) {
	if len(args) > 4 {
		c.w.error(fmt.Sprintf(errSubcommandSyntax, cString(args[1], 128), "CLIENT"))
		return
	}
	how := unblockTimeout
	if len(args) == 4 {
		switch strings.ToLower(string(args[3])) {
		case "timeout":
		case "error":
			how = unblockError
		default:
			c.w.error(errUnblockReason)
			return
		}
	}
	id, ok := redisnum.ParseInt(args[2])
	if !ok {
		c.w.error(errNotInteger)
		return
	}
	if target := c.srv.clientByID(id); target != nil && target.blocked.Load() && c.srv.unblock(target, how) {
		c.w.int(1)
		return
	}
	c.w.int(0)
}

// CLIENT REPLY ON|OFF|SKIP, as Redis: ON answers OK; OFF silences every
// reply from now on, itself included; SKIP silences the next command's.
// Pushes (Pub/Sub messages and confirmations) are never silenced.
func cmdClientReply(c *client, args [][]byte) {
	switch strings.ToLower(string(args[2])) {
	case "on":
		c.replyOff, c.replySkip = false, false
		c.w.ok()
	case "off":
		c.replyOff = true
	case "skip":
		if !c.replyOff {
			c.replySkipNext = true
		}
	default:
		c.w.error(errSyntax)
		return
	}
	c.shown.replyOff.Store(c.replyOff)
}

func cmdClientHelp(c *client, args [][]byte) {
	c.writeHelp("CLIENT",
		"CACHING (YES|NO)",
		"    Track (OPTIN) or skip (OPTOUT) the keys of the next command.",
		"GETNAME",
		"    Return the name of this connection.",
		"GETREDIR",
		"    Return the ID invalidations are redirected to: -1 with tracking off, 0 for none.",
		"ID",
		"    Return the ID of this connection.",
		"INFO",
		"    Describe this connection, as one line of CLIENT LIST.",
		"KILL <ip:port>",
		"    Close the connection from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]",
		"    Close every connection that matches all the options:",
		"    * ID <client-id>",
		"    * ADDR <ip:port>        the client's address",
		"    * LADDR <ip:port>       the address the client connected to",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"    * USER <username>",
		"    * SKIPME (YES|NO)       spare this connection (default: yes)",
		"LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB) | ID <client-id> [<client-id> ...]]",
		"    Describe the connections, one line each.",
		"NO-EVICT (ON|OFF)",
		"    Mark this connection as one client eviction must spare.",
		"PAUSE <timeout> [WRITE|ALL]",
		"    Hold back every command, or only writes, for <timeout> milliseconds.",
		"UNPAUSE",
		"    End a pause.",
		"REPLY (ON|OFF|SKIP)",
		"    Control the replies sent to the current connection.",
		"    Mark this connection as one client eviction must spare.",
		"SETINFO (LIB-NAME|LIB-VER) <value>",
		"    Record the client library's name or version.",
		"SETNAME <name>",
		"    Name this connection.",
		"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
		"         [OPTIN] [OPTOUT] [NOLOOP]",
		"    Turn client-side caching's key tracking on or off.",
		"TRACKINGINFO",
		"    Describe this connection's key tracking.",
	)
}
