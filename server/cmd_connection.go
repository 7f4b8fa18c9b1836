package server

import (
	"crypto/subtle"
	"fmt"
	"math"
	"strings"

	"github.com/emberkv/ember/internal/redisnum"
)

var connectionCommands = []*command{
	{name: "ping", arity: -1, flags: parseFlags("fast"), acl: acl("fast connection"), group: "connection", since: "1.0.0",
		summary: "Answers PONG, or echoes its argument: a liveness check.", handler: cmdPing},
	{name: "echo", arity: 2, flags: parseFlags("loading stale fast"), acl: acl("fast connection"), group: "connection", since: "1.0.0",
		summary: "Answers with its argument.", handler: cmdEcho},
	{name: "quit", arity: -1, flags: parseFlags("noscript loading stale fast no_auth allow_busy"), acl: acl("fast connection"), group: "connection", since: "1.0.0",
		summary: "Answers OK and closes the connection.", handler: cmdQuit},
	{name: "reset", arity: 1, flags: parseFlags("noscript loading stale fast no_auth allow_busy"), acl: acl("fast connection"), group: "connection", since: "6.2.0",
		summary: "Returns the connection to its just-connected state.", handler: cmdReset},
	// scopeAll: after SELECT inside MULTI, later commands reach another
	// database, so EXEC must hold them all.
	{name: "select", arity: 2, flags: parseFlags("loading stale fast"), acl: acl("fast connection"), scope: scopeAll, group: "connection", since: "1.0.0",
		summary: "Switches the connection to another numbered database.", handler: cmdSelect},
	{name: "auth", arity: -2, flags: parseFlags("noscript loading stale fast no_auth allow_busy"), acl: acl("fast connection"), group: "connection", since: "1.0.0",
		summary: "Logs the connection in with a password.", handler: cmdAuth},
	{name: "hello", arity: -1, flags: parseFlags("noscript loading stale fast no_auth allow_busy"), acl: acl("fast connection"), group: "connection", since: "6.0.0",
		summary: "Handshakes with the server, choosing the protocol version.", handler: cmdHello},
}

func cmdPing(c *client, args [][]byte) {
	if len(args) <= 2 && !c.w.resp3 && c.subCount() > 0 {
		// As Redis: in RESP2 Pub/Sub mode, a reply shaped like a message.
		c.w.array(2)
		c.w.bulkString("pong")
		if len(args) == 2 {
			c.w.bulk(args[1])
		} else {
			c.w.bulkString("")
		}
		return
	}
	switch len(args) {
	case 1:
		c.w.simple("PONG")
	case 2:
		c.w.bulk(args[1])
	default:
		c.w.error(fmt.Sprintf(errWrongArity, "ping"))
	}
}

func cmdEcho(c *client, args [][]byte) { c.w.bulk(args[1]) }

func cmdQuit(c *client, args [][]byte) {
	c.w.ok()
	c.closing = true
}

func cmdReset(c *client, args [][]byte) {
	c.reset()
	c.w.simple("RESET")
}

func cmdSelect(c *client, args [][]byte) {
	i, ok := redisnum.ParseInt(args[1])
	if !ok {
		c.w.error(errNotInteger)
		return
	}
	// As Redis's getIntFromObjectOrReply: the index must fit a C int.
	if i < math.MinInt32 || i > math.MaxInt32 {
		c.w.error(errIntRange)
		return
	}
	if i < 0 || i >= int64(c.srv.store.Databases()) {
		c.w.error(errDBIndex)
		return
	}
	c.selectDB(int(i))
	c.w.ok()
}

// checkPassword compares in constant time, as Redis does.
func (c *client) checkPassword(user, pass []byte) bool {
	want := c.srv.password()
	if !strings.EqualFold(string(user), "default") && string(user) != "default" {
		return false
	}
	if want == "" {
		return true // the default user has no password
	}
	return subtle.ConstantTimeCompare(pass, []byte(want)) == 1
}

func cmdAuth(c *client, args [][]byte) {
	if len(args) > 3 {
		c.w.error(errSyntax)
		return
	}
	c.redact(1) // as Redis: MONITOR never shows a password
	user, pass := []byte("default"), args[1]
	if len(args) == 3 {
		user, pass = args[1], args[2]
		c.redact(2)
	} else if c.srv.password() == "" {
		c.w.error(errAuthNotSet)
		return
	}
	if !c.checkPassword(user, pass) {
		c.w.error(errWrongPass)
		return
	}
	c.setAuthed(true)
	c.w.ok()
}

func cmdHello(c *client, args [][]byte) {
	ver := int64(0)
	next := 1
	if len(args) >= 2 {
		v, ok := redisnum.ParseInt(args[1])
		if !ok {
			c.w.error(errHelloProtocolVersion)
			return
		}
		if v < 2 || v > 3 {
			c.w.error(errNoProto)
			return
		}
		ver = v
		next = 2
	}
	var user, pass, name []byte
	for j := next; j < len(args); j++ {
		more := len(args) - 1 - j
		opt := strings.ToLower(string(args[j]))
		switch {
		case opt == "auth" && more >= 2:
			c.redact(j + 1)
			c.redact(j + 2)
			user, pass = args[j+1], args[j+2]
			j += 2
		case opt == "setname" && more >= 1:
			name = args[j+1]
			if !validClientName(name) {
				c.w.error(errClientName)
				return
			}
			j++
		default:
			c.w.error(fmt.Sprintf(errHelloOption, args[j]))
			return
		}
	}
	if user != nil {
		if !c.checkPassword(user, pass) {
			c.w.error(errWrongPass)
			return
		}
		c.setAuthed(true)
	}
	if c.needsAuth() {
		c.w.error(errHelloNoAuth)
		return
	}
	if name != nil {
		c.mu.Lock()
		c.name = string(name)
		c.mu.Unlock()
	}
	if ver != 0 {
		c.w.resp3 = ver == 3
	}
	proto := int64(2)
	if c.w.resp3 {
		proto = 3
	}
	c.w.mapHeader(7)
	c.w.bulkString("server")
	c.w.bulkString("redis")
	c.w.bulkString("version")
	c.w.bulkString(RedisVersion)
	c.w.bulkString("proto")
	c.w.int(proto)
	c.w.bulkString("id")
	c.w.int(c.id)
	c.w.bulkString("mode")
	c.w.bulkString("standalone")
	c.w.bulkString("role")
	c.w.bulkString("master")
	c.w.bulkString("modules")
	c.w.array(0)
}

// validClientName: no spaces, newlines or other characters outside '!'..'~'.
func validClientName(name []byte) bool {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}
