package server

// Client-side caching and CLIENT PAUSE tests. The tracking scripts run
// with several raw connections against Ember and a real redis-server, and
// the bytes every connection receives must be the same.

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emberkv/ember/internal/testenv"
	"github.com/emberkv/ember/store"
	"github.com/redis/go-redis/v9"
)

// trackingScript runs a script of lines "<conn> <command...>" over named
// raw connections and returns what they received. Besides commands:
//
//	<conn> ?        everything pushed to conn so far (a PING marks the end)
//	<conn> ?1       waits for one push, then as ?
//	<conn> close    closes conn and waits until the server forgot it
//
// {id:X} in an argument is connection X's client id; ids in replies are
// written back as <X>, as they differ between servers.
func trackingScript(t *testing.T, addr, script string) string {
	t.Helper()
	conns := map[string]*respConn{}
	ids := map[string]string{}
	conn := func(name string) *respConn {
		if c := conns[name]; c != nil {
			return c
		}
		c := dialRESP(t, addr)
		conns[name] = c
		id := c.cmd("CLIENT", "ID")
		ids[name] = strings.TrimSuffix(strings.TrimPrefix(id, ":"), "\r\n")
		return c
	}
	idRef := regexp.MustCompile(`\{id:(\w+)\}`)
	var out strings.Builder
	record := func(line, reply string) {
		for name, id := range ids {
			reply = strings.ReplaceAll(reply, "tracking-redir-broken\r\n:"+id+"\r\n", "tracking-redir-broken\r\n:<"+name+">\r\n")
			reply = strings.ReplaceAll(reply, "redirect\r\n:"+id+"\r\n", "redirect\r\n:<"+name+">\r\n")
		}
		reply = trackHelloID.ReplaceAllString(reply, "$$2\r\nid\r\n:<id>\r\n")
		fmt.Fprintf(&out, "%s -> %q\n", line, reply)
	}
	for _, line := range strings.Split(strings.TrimSpace(script), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		c := conn(f[0])
		switch f[1] {
		case "?", "?1":
			var got strings.Builder
			if f[1] == "?1" {
				r, err := c.readWithin(3 * time.Second)
				if err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				got.Write(r)
			}
			c.sendCmd("PING")
			for {
				r, err := c.readReply()
				if err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				if r == "+PONG\r\n" || r == "*2\r\n$4\r\npong\r\n$0\r\n\r\n" {
					break
				}
				got.WriteString(r)
			}
			record(line, got.String())
		case "close":
			c.Close()
			delete(conns, f[0])
			other := conn("_watch")
			for i := 0; ; i++ {
				if !strings.Contains(other.cmd("CLIENT", "LIST", "ID", ids[f[0]]), "id=") {
					break
				}
				if i == 200 {
					t.Fatalf("%s: the server still lists the client", line)
				}
				time.Sleep(10 * time.Millisecond)
			}
		default:
			args := f[1:]
			for i, a := range args {
				args[i] = idRef.ReplaceAllStringFunc(a, func(m string) string {
					conn(idRef.FindStringSubmatch(m)[1])
					return ids[idRef.FindStringSubmatch(m)[1]]
				})
			}
			record(line, c.cmd(args...))
		}
	}
	return out.String()
}

var trackHelloID = regexp.MustCompile(`\$2\r\nid\r\n:\d+\r\n`)

var trackingScripts = []struct{ name, script string }{
	{"default mode RESP3", `
A HELLO 3
A CLIENT TRACKING ON
A GET a
A MGET b c
A HGET h f
B SET a 1
A ?
B SET a 2
A ?
B MSET b 1 c 2 d 3
A ?
B HSET h f v
A ?
A GET a
A STRLEN a
B DEL a
A ?
# the client's own write: the invalidation follows the reply
A GET self
A SET self x
A ?
A GET e
A MULTI
A SET e 1
A INCR e
A EXEC
A ?
A CLIENT TRACKING OFF
B SET b 2
A ?
`},
	{"RESP2 redirect", `
R SUBSCRIBE __redis__:invalidate
A CLIENT TRACKING ON REDIRECT {id:R}
A GET k
A GET j
B SET k v
R ?
B APPEND j x
R ?
A GET k
B FLUSHALL
R ?
`},
	{"RESP3 client redirects to RESP2", `
R SUBSCRIBE __redis__:invalidate
A HELLO 3
A CLIENT TRACKING ON REDIRECT {id:R}
A GET k
B SET k v
R ?
A ?
B FLUSHDB
R ?
`},
	{"RESP2 without redirect hears nothing", `
A CLIENT TRACKING ON
A GET k
B SET k v
A ?
`},
	{"redirect to a RESP3 subscriber", `
R HELLO 3
R SUBSCRIBE __redis__:invalidate
A CLIENT TRACKING ON REDIRECT {id:R}
A GET k
B SET k v
R ?
`},
	{"redirect to a RESP3 client that never subscribed", `
R HELLO 3
A CLIENT TRACKING ON REDIRECT {id:R}
A GET k
A GET j
B SET k v
R ?1
B FLUSHALL
R ?
R GET x
`},
	{"BCAST with prefixes", `
A HELLO 3
A CLIENT TRACKING ON BCAST PREFIX user: PREFIX obj:
A CLIENT TRACKINGINFO
B SET user:1 x
A ?
B MSET user:2 a obj:1 b other c user:0 d
A ?
B SET other 2
A ?
A SET user:me 1
A ?
A CLIENT TRACKING ON BCAST PREFIX cfg:
A CLIENT TRACKINGINFO
B SET cfg:x 1
A ?
C HELLO 3
C CLIENT TRACKING ON BCAST NOLOOP
C SET x 1
C ?
B SET y 1
C ?
C MSET z 1 w 2
C ?
A CLIENT TRACKING OFF
B SET user:3 x
A ?
`},
	{"OPTIN and OPTOUT", `
A HELLO 3
A CLIENT TRACKING ON OPTIN
A GET a
A CLIENT CACHING YES
A CLIENT TRACKINGINFO
A GET b
A CLIENT TRACKINGINFO
A GET c
B SET a 1
B SET b 1
B SET c 1
A ?
A CLIENT CACHING YES
A MULTI
A GET m1
A GET m2
A EXEC
B MSET m1 1 m2 2
A ?
A CLIENT TRACKING OFF
A CLIENT TRACKING ON OPTOUT
A CLIENT CACHING NO
A CLIENT TRACKINGINFO
A GET c
A GET d
B SET c 2
B SET d 2
A ?
`},
	{"NOLOOP", `
A HELLO 3
A CLIENT TRACKING ON NOLOOP
A GET k
A SET k 1
A ?
A GET k
B SET k 2
A ?
`},
	{"FLUSHALL and FLUSHDB", `
A HELLO 3
A CLIENT TRACKING ON
A GET k
B FLUSHDB
A ?
A GET k
A FLUSHALL
A ?
C CLIENT TRACKING ON BCAST
B FLUSHALL
C HELLO 3
A ?
B SELECT 1
B FLUSHDB
A ?
C ?
`},
	{"broken redirect", `
A HELLO 3
A CLIENT TRACKING ON REDIRECT {id:R}
A CLIENT TRACKINGINFO
A GET k
R close
B SET k 1
A ?
A CLIENT TRACKINGINFO
A GET k
B SET k 2
A ?
`},
	{"keys of other databases", `
A HELLO 3
A CLIENT TRACKING ON
A SELECT 2
A GET k
B SELECT 5
B SET k 1
A ?
`},
	{"expired keys", `
B SET k v PX 100
A HELLO 3
A CLIENT TRACKING ON
A GET k
A ?1
`},
}

func TestTrackingMatchesRedis(t *testing.T) {
	redisAddr := testenv.StartRedis(t)
	for _, sc := range trackingScripts {
		t.Run(sc.name, func(t *testing.T) {
			_, addr := startServer(t, DefaultConfig())
			dialRESP(t, redisAddr).cmd("FLUSHALL")
			want := trackingScript(t, redisAddr, sc.script)
			got := trackingScript(t, addr, sc.script)
			if got != want {
				t.Errorf("Ember and Redis differ.\nEmber:\n%s\nRedis:\n%s", got, want)
			}
		})
	}
}

// A go-redis connection in RESP3 keeps working while invalidation pushes
// arrive between its replies.
func TestGoRedisRESP3WithInvalidations(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: 3, PoolSize: 1})
	defer rdb.Close()
	other := redis.NewClient(&redis.Options{Addr: addr})
	defer other.Close()
	conn := rdb.Conn()
	defer conn.Close()
	if err := conn.Do(ctx, "CLIENT", "TRACKING", "ON").Err(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		key := fmt.Sprintf("k%d", i%5)
		want := fmt.Sprint(i)
		if err := other.Set(ctx, key, want, 0).Err(); err != nil {
			t.Fatal(err)
		}
		got, err := conn.Get(ctx, key).Result()
		if err != nil || got != want {
			t.Fatalf("GET %s = %q, %v; want %q", key, got, err, want)
		}
	}
	if info, err := conn.Do(ctx, "CLIENT", "TRACKINGINFO").Result(); err != nil {
		t.Fatal(err)
	} else if !strings.Contains(fmt.Sprint(info), "on") {
		t.Fatalf("TRACKINGINFO = %v", info)
	}
}

// The table's limit drops keys (with their invalidations) before the next
// command, as Redis's trackingLimitUsedSlots.
func TestTrackingTableMaxKeys(t *testing.T) {
	srv, addr := startServer(t, DefaultConfig())
	a := dialRESP(t, addr)
	a.cmd("HELLO", "3")
	a.cmd("CONFIG", "SET", "tracking-table-max-keys", "2")
	a.cmd("CLIENT", "TRACKING", "ON")
	a.cmd("MGET", "k1", "k2", "k3")
	// The next command first evicts one key, whose invalidation comes
	// before its reply.
	first := a.cmd("PING")
	if !strings.HasPrefix(first, ">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk") {
		t.Fatalf("first = %q; want an invalidation", first)
	}
	if r, _ := a.readReply(); r != "+PONG\r\n" {
		t.Fatalf("then %q", r)
	}
	if keys, items, _ := srv.tracking.info(); keys != 2 || items != 2 {
		t.Fatalf("table: %d keys, %d items", keys, items)
	}
	info := a.cmd("INFO", "stats")
	if !strings.Contains(info, "tracking_total_keys:2\r\n") || !strings.Contains(info, "tracking_total_items:2\r\n") {
		t.Fatalf("INFO stats: %s", info)
	}
	if c := a.cmd("INFO", "clients"); !strings.Contains(c, "tracking_clients:1\r\n") {
		t.Fatalf("INFO clients: %s", c)
	}
}

// CLIENT LIST shows t, R and B, and redir.
func TestTrackingClientListFlags(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	r := dialRESP(t, addr)
	rid := strings.Trim(r.cmd("CLIENT", "ID"), ":\r\n")
	a := dialRESP(t, addr)
	a.cmd("HELLO", "3")
	a.cmd("CLIENT", "TRACKING", "ON", "REDIRECT", rid)
	if l := a.cmd("CLIENT", "INFO"); !strings.Contains(l, " flags=t ") || !strings.Contains(l, " redir="+rid+" ") {
		t.Fatalf("CLIENT INFO = %q", l)
	}
	a.cmd("GET", "k")
	r.Close()
	b := dialRESP(t, addr)
	for i := 0; strings.Contains(b.cmd("CLIENT", "LIST", "ID", rid), "id="); i++ {
		if i > 200 {
			t.Fatal("the redirect is still listed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.cmd("SET", "k", "1")
	if got := a.cmd("CLIENT", "INFO"); !strings.HasPrefix(got, ">2\r\n$21\r\ntracking-redir-broken\r\n:"+rid+"\r\n") {
		t.Fatalf("got %q; want the broken redirect push", got)
	}
	if l, _ := a.readReply(); !strings.Contains(l, " flags=tR ") {
		t.Fatalf("CLIENT INFO = %q", l)
	}
	c := dialRESP(t, addr)
	c.cmd("CLIENT", "TRACKING", "ON", "BCAST")
	if l := c.cmd("CLIENT", "INFO"); !strings.Contains(l, " flags=tB ") || !strings.Contains(l, " redir=0 ") {
		t.Fatalf("CLIENT INFO = %q", l)
	}
	c.cmd("RESET")
	if l := c.cmd("CLIENT", "INFO"); !strings.Contains(l, " flags=N ") || !strings.Contains(l, " redir=-1 ") {
		t.Fatalf("after RESET, CLIENT INFO = %q", l)
	}
}

// waitPostponed waits until n clients are blocked (postponed ones count).
func waitPostponed(t *testing.T, srv *Server, n int64) {
	t.Helper()
	for i := 0; srv.blocking.count.Load() != n; i++ {
		if i > 500 {
			t.Fatalf("blocked = %d; want %d", srv.blocking.count.Load(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// During a WRITE pause writes wait and reads go through; UNPAUSE, or the
// end of the pause by the server's clock, lets the writes run.
func TestClientPause(t *testing.T) {
	clk := store.NewManualClock(time.Unix(1700000000, 0))
	cfg := DefaultConfig()
	cfg.Clock = clk
	srv, addr := startServer(t, cfg)
	admin := dialRESP(t, addr)
	w := dialRESP(t, addr)
	r := dialRESP(t, addr)
	w.cmd("SET", "k", "old")

	expectReply(t, admin, "+OK\r\n", "CLIENT", "PAUSE", "10000", "WRITE")
	w.sendCmd("SET", "k", "new")
	waitPostponed(t, srv, 1)
	expectReply(t, r, "$3\r\nold\r\n", "GET", "k")
	if l := r.cmd("CLIENT", "LIST"); !strings.Contains(l, "flags=b ") {
		t.Fatalf("CLIENT LIST = %q; want the postponed client flagged b", l)
	}
	if info := r.cmd("INFO", "clients"); !strings.Contains(info, "blocked_clients:1\r\n") {
		t.Fatalf("INFO clients: %s", info)
	}
	expectReply(t, admin, "+OK\r\n", "CLIENT", "UNPAUSE")
	expectReply(t, w, "+OK\r\n")
	expectReply(t, r, "$3\r\nnew\r\n", "GET", "k")
	waitPostponed(t, srv, 0)

	// The end of the pause by the manual clock.
	expectReply(t, admin, "+OK\r\n", "CLIENT", "PAUSE", "1000", "WRITE")
	w.sendCmd("DEL", "k")
	waitPostponed(t, srv, 1)
	clk.Advance(1000 * time.Millisecond)
	srv.ClockChanged()
	if got := srv.blocking.count.Load(); got != 1 {
		t.Fatalf("blocked = %d at the pause's last millisecond", got)
	}
	clk.Advance(time.Millisecond)
	srv.ClockChanged()
	expectReply(t, w, ":1\r\n")

	// ALL holds back reads too, and a MULTI's queued writes.
	expectReply(t, admin, "+OK\r\n", "CLIENT", "PAUSE", "5000")
	r.sendCmd("GET", "k")
	waitPostponed(t, srv, 1)
	// Every command waits, CLIENT PAUSE too, as in Redis; a weaker pause
	// merges into the stricter one.
	srv.pauseClients(pauseWrite, clk.Now().UnixMilli()+5000)
	if got := srv.blocking.count.Load(); got != 1 {
		t.Fatalf("blocked = %d after a weaker pause", got)
	}
	srv.unpauseClients()
	expectReply(t, r, "$-1\r\n")

	// A client that disconnects while postponed is let go.
	expectReply(t, admin, "+OK\r\n", "CLIENT", "PAUSE", "5000", "WRITE")
	gone := dialRESP(t, addr)
	gone.sendCmd("SET", "x", "1")
	waitPostponed(t, srv, 1)
	gone.Close()
	waitPostponed(t, srv, 0)
	srv.unpauseClients()
	expectReply(t, r, "$-1\r\n", "GET", "x")
}

// The system clock ends a pause by itself.
func TestClientPauseSystemClock(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	a := dialRESP(t, addr)
	expectReply(t, a, "+OK\r\n", "CLIENT", "PAUSE", "50", "WRITE")
	expectReply(t, a, "+OK\r\n", "SET", "k", "v")
	expectReply(t, a, "+OK\r\n", "CLIENT", "PAUSE", "0")
	expectReply(t, a, ":1\r\n", "DEL", "k")
}

// expectReply sends args (if any) and checks the next reply.
func expectReply(t *testing.T, c *respConn, want string, args ...string) {
	t.Helper()
	if len(args) > 0 {
		c.sendCmd(args...)
	}
	mustReply(t, c, want)
}

// As Redis's expireIfNeeded and activeExpireCycle, a pause of either type
// stops expiry: a key past its TTL reads as absent but stays counted, and
// the sweeper leaves it, until the pause ends.
func TestClientPauseFreezesExpiry(t *testing.T) {
	clk := store.NewManualClock(time.Unix(1700000000, 0))
	cfg := DefaultConfig()
	cfg.Clock = clk
	srv, addr := startServer(t, cfg)
	c := dialRESP(t, addr)
	expectReply(t, c, "+OK\r\n", "SET", "k", "v", "PX", "100")
	expectReply(t, c, "+OK\r\n", "CLIENT", "PAUSE", "10000", "WRITE")
	clk.Advance(200 * time.Millisecond)
	srv.ClockChanged()
	expectReply(t, c, "$-1\r\n", "GET", "k")
	expectReply(t, c, ":1\r\n", "DBSIZE")
	if n := srv.Store().Sweep(); n != 0 {
		t.Fatalf("the sweeper removed %d keys during a pause", n)
	}
	expectReply(t, c, "+OK\r\n", "CLIENT", "UNPAUSE")
	expectReply(t, c, "$-1\r\n", "GET", "k")
	expectReply(t, c, ":0\r\n", "DBSIZE")

	// A pause that ends by the clock ends the freeze with it.
	expectReply(t, c, "+OK\r\n", "SET", "j", "v", "PX", "100")
	expectReply(t, c, "+OK\r\n", "CLIENT", "PAUSE", "1000", "ALL")
	clk.Advance(200 * time.Millisecond)
	if n := srv.Store().Sweep(); n != 0 {
		t.Fatalf("the sweeper removed %d keys during a pause", n)
	}
	clk.Advance(801 * time.Millisecond)
	srv.ClockChanged()
	if n := srv.Store().Sweep(); n != 1 {
		t.Fatalf("the sweeper removed %d keys after the pause; want 1", n)
	}
}

// BCAST invalidations of a pipelined batch go out as one message, as
// Redis sends them once per event-loop turn: the same bytes from both.
func TestTrackingBcastBatchesPipeline(t *testing.T) {
	run := func(addr string) string {
		a := dialRESP(t, addr)
		a.cmd("HELLO", "3")
		a.cmd("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "u:")
		b := dialRESP(t, addr)
		if err := b.send([]byte("*3\r\n$3\r\nSET\r\n$3\r\nu:1\r\n$1\r\nx\r\n*3\r\n$3\r\nSET\r\n$3\r\nu:2\r\n$1\r\ny\r\n*2\r\n$3\r\nDEL\r\n$3\r\nu:1\r\n")); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"+OK\r\n", "+OK\r\n", ":1\r\n"} {
			if r, err := b.readReply(); err != nil || r != want {
				t.Fatalf("pipeline reply %q, %v; want %q", r, err, want)
			}
		}
		push, err := a.readWithin(3 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		return string(push)
	}
	want := run(testenv.StartRedis(t))
	_, addr := startServer(t, DefaultConfig())
	if got := run(addr); got != want {
		t.Fatalf("ember pushed %q; redis %q", got, want)
	}
}
