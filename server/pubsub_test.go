package server

// Multi-client Pub/Sub tests: fan-out, patterns, counts, RESP3 pushes
// between replies, go-redis as a subscriber, the output buffer limit, and
// MONITOR against a real redis-server.

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emberkv/ember/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// push is the raw RESP of a push of bulk strings in the given protocol.
func push(resp3 bool, parts ...string) string {
	b := make([][]byte, len(parts))
	for i, p := range parts {
		b[i] = []byte(p)
	}
	return string(appendPush(nil, resp3, b...))
}

// subscriber connects, switches to RESP3 if asked, and runs one
// subscribing command, reading its n confirmations.
func subscriber(t *testing.T, addr string, resp3 bool, n int, args ...string) *respConn {
	t.Helper()
	c := dialRESP(t, addr)
	if resp3 {
		c.cmd("HELLO", "3")
	}
	c.sendCmd(args...)
	for i := 0; i < n; i++ {
		if _, err := c.readReply(); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestPublishFanOutInOrder(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	subs := []*respConn{
		subscriber(t, addr, false, 1, "SUBSCRIBE", "news"),
		subscriber(t, addr, true, 1, "SUBSCRIBE", "news"),
		subscriber(t, addr, false, 1, "SUBSCRIBE", "news"),
	}
	pub := dialRESP(t, addr)
	const n = 200
	for i := 0; i < n; i++ {
		if got := pub.cmd("PUBLISH", "news", fmt.Sprint(i)); got != ":3\r\n" {
			t.Fatalf("PUBLISH = %q, want :3", got)
		}
	}
	for j, s := range subs {
		resp3 := j == 1
		for i := 0; i < n; i++ {
			got, err := s.readReply()
			if want := push(resp3, "message", "news", fmt.Sprint(i)); err != nil || got != want {
				t.Fatalf("subscriber %d message %d = %q, %v; want %q", j, i, got, err, want)
			}
		}
	}
}

// TestPublishBeforeParking checks that a message published early in a
// pipelined batch goes out when the publisher then parks in a blocking
// command, not when it next finishes a batch: the writers' wake-ups wait
// for the end of the batch (publishFrom).
func TestPublishBeforeParking(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	sub := subscriber(t, addr, false, 1, "SUBSCRIBE", "news")
	pub := dialRESP(t, addr)
	pub.send(append(encodeCommand([]byte("PUBLISH"), []byte("news"), []byte("a")),
		encodeCommand([]byte("BLPOP"), []byte("nothing"), []byte("0"))...))
	if got, err := sub.readReply(); err != nil || got != push(false, "message", "news", "a") {
		t.Fatalf("while the publisher blocks: %q, %v", got, err)
	}
}

func TestPublishCountsPatternsAsRedis(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	// One client on the channel and two patterns that match it: three
	// deliveries, as Redis counts them. A pattern that does not match
	// counts nothing.
	both := subscriber(t, addr, false, 3, "PSUBSCRIBE", "n*", "ne?s", "x*")
	both.sendCmd("SUBSCRIBE", "news")
	both.readReply()
	other := subscriber(t, addr, false, 1, "PSUBSCRIBE", "[mn]ews")
	pub := dialRESP(t, addr)
	if got := pub.cmd("PUBLISH", "news", "hi"); got != ":4\r\n" {
		t.Fatalf("PUBLISH = %q, want :4", got)
	}
	var got []string
	for i := 0; i < 3; i++ {
		r, _ := both.readReply()
		got = append(got, r)
	}
	want := []string{
		push(false, "message", "news", "hi"),
		push(false, "pmessage", "n*", "news", "hi"),
		push(false, "pmessage", "ne?s", "news", "hi"),
	}
	if strings.Join(got, "") != strings.Join(want, "") {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if r, _ := other.readReply(); r != push(false, "pmessage", "[mn]ews", "news", "hi") {
		t.Fatalf("other got %q", r)
	}
	if got := pub.cmd("PUBLISH", "nope", "x"); got != ":1\r\n" { // n* alone
		t.Fatalf("PUBLISH nope = %q", got)
	}
	// Shard channels are their own namespace, and patterns never match them.
	shard := subscriber(t, addr, false, 1, "SSUBSCRIBE", "news")
	if got := pub.cmd("SPUBLISH", "news", "s"); got != ":1\r\n" {
		t.Fatalf("SPUBLISH = %q, want :1", got)
	}
	if r, _ := shard.readReply(); r != push(false, "smessage", "news", "s") {
		t.Fatalf("shard got %q", r)
	}
}

func TestPublishCountsMatchRedis(t *testing.T) {
	redisAddr := testenv.StartRedis(t)
	_, emberAddr := startServer(t, DefaultConfig())
	counts := func(addr string) []string {
		a := subscriber(t, addr, false, 3, "PSUBSCRIBE", "h*", "h?llo", "[a-h]ello")
		b := subscriber(t, addr, false, 2, "SUBSCRIBE", "hello", "world")
		c := subscriber(t, addr, true, 2, "PSUBSCRIBE", "*", `h\*`)
		defer a.Close()
		defer b.Close()
		defer c.Close()
		pub := dialRESP(t, addr)
		defer pub.Close()
		var out []string
		for _, ch := range []string{"hello", "hallo", "world", "h*", "x", "", "hello\x00"} {
			out = append(out, pub.cmd("PUBLISH", ch, "m"))
		}
		return out
	}
	want, got := counts(redisAddr), counts(emberAddr)
	if strings.Join(want, "") != strings.Join(got, "") {
		t.Fatalf("PUBLISH counts: redis %q, ember %q", want, got)
	}
}

func TestRESP3PushesBetweenReplies(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	c := subscriber(t, addr, true, 1, "SUBSCRIBE", "ch")
	pub := dialRESP(t, addr)
	// A message published between two commands arrives between their
	// replies, and a connection may publish to itself: the push comes
	// before PUBLISH's reply, as in Redis.
	c.cmd("SET", "k", "v")
	pub.cmd("PUBLISH", "ch", "between")
	if got := c.cmd("GET", "k"); got != push(true, "message", "ch", "between") {
		t.Fatalf("after the publish, read %q; want the push first", got)
	}
	if got, _ := c.readReply(); got != "$1\r\nv\r\n" {
		t.Fatalf("GET = %q", got)
	}
	if got := c.cmd("PUBLISH", "ch", "self"); got != push(true, "message", "ch", "self") {
		t.Fatalf("self publish: first %q", got)
	}
	if got, _ := c.readReply(); got != ":1\r\n" {
		t.Fatalf("PUBLISH = %q", got)
	}
	// A pipeline of replies while another client publishes in a loop:
	// every reply and every push arrives whole, replies in order.
	const n = 300
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p := dialRESP(t, addr)
		for i := 0; i < n; i++ {
			p.writeCmd("PUBLISH", "ch", "m")
		}
		for i := 0; i < n; i++ {
			p.readReply()
		}
	}()
	for i := 0; i < n; i++ {
		c.writeCmd("ECHO", fmt.Sprint(i))
	}
	next, pushes := 0, 0
	for next < n || pushes < n {
		r, err := c.readReply()
		if err != nil {
			t.Fatalf("after %d replies and %d pushes: %v", next, pushes, err)
		}
		if r[0] == '>' {
			pushes++
			continue
		}
		if want := fmt.Sprintf("$%d\r\n%d\r\n", len(fmt.Sprint(next)), next); r != want {
			t.Fatalf("reply %d = %q", next, r)
		}
		next++
	}
	wg.Wait()
}

func TestGoRedisPubSub(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	eachProtocol(t, addr, func(t *testing.T, rdb *redis.Client, proto int) {
		ctx := context.Background()
		ps := rdb.PSubscribe(ctx, "ev:*")
		defer ps.Close()
		if err := ps.Subscribe(ctx, "plain"); err != nil {
			t.Fatal(err)
		}
		// Wait until both subscriptions are registered.
		for {
			n, err := rdb.PubSubNumPat(ctx).Result()
			m, _ := rdb.PubSubNumSub(ctx, "plain").Result()
			if err != nil {
				t.Fatal(err)
			}
			if n == 1 && m["plain"] == 1 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		if n, err := rdb.Publish(ctx, "ev:1", "one").Result(); err != nil || n != 1 {
			t.Fatalf("PUBLISH = %d, %v", n, err)
		}
		rdb.Publish(ctx, "plain", "two")
		ch := ps.Channel()
		for _, want := range []redis.Message{{Channel: "ev:1", Pattern: "ev:*", Payload: "one"}, {Channel: "plain", Payload: "two"}} {
			select {
			case m := <-ch:
				if m.Channel != want.Channel || m.Pattern != want.Pattern || m.Payload != want.Payload {
					t.Fatalf("RESP%d: got %+v, want %+v", proto, *m, want)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("RESP%d: no message", proto)
			}
		}
		if err := ps.Ping(ctx); err != nil {
			t.Fatalf("PING on the subscription: %v", err)
		}
	})
}

// lockedBuffer collects log output from the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestSlowSubscriberIsCutOff(t *testing.T) {
	var logs lockedBuffer
	cfg := DefaultConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	if err := cfg.Set("client-output-buffer-limit", "pubsub", "2mb", "0", "0"); err != nil {
		t.Fatal(err)
	}
	srv, addr := startServer(t, cfg)
	// The slow one never reads, with a small receive window.
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return nil
	}}
	raw, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	slow := newRESPConn(raw)
	slow.writeCmd("SUBSCRIBE", "firehose")
	if _, err := slow.readReply(); err != nil {
		t.Fatal(err)
	}
	fast := subscriber(t, addr, false, 1, "SUBSCRIBE", "firehose")
	pub := dialRESP(t, addr)
	payload := strings.Repeat("x", 4096)
	const n = 4000 // 16 MB: far more than the socket buffers and the limit
	done := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			if _, err := fast.readReply(); err != nil {
				done <- fmt.Errorf("fast subscriber, message %d: %v", i, err)
				return
			}
		}
		done <- nil
	}()
	last := ""
	for i := 0; i < n; i++ {
		last = pub.cmd("PUBLISH", "firehose", payload)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if last != ":1\r\n" {
		t.Fatalf("last PUBLISH = %q: the slow subscriber is still counted", last)
	}
	if !strings.Contains(logs.String(), "scheduled to be closed ASAP for overcoming of output buffer limits.") {
		t.Fatalf("no log line; logs:\n%s", logs.String())
	}
	if n, _, _ := srv.pubsubStats(); n != 1 {
		t.Fatalf("pubsub_channels = %d", n)
	}
	if got := pub.cmd("PUBSUB", "NUMSUB", "firehose"); got != "*2\r\n$8\r\nfirehose\r\n:1\r\n" {
		t.Fatalf("NUMSUB = %q", got)
	}
}

func TestClientListPubSubFields(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	s := subscriber(t, addr, false, 3, "SUBSCRIBE", "a", "b", "c")
	s.sendCmd("PSUBSCRIBE", "p*")
	s.readReply()
	s.sendCmd("SSUBSCRIBE", "s")
	s.readReply()
	m := dialRESP(t, addr)
	m.cmd("MONITOR")
	c := dialRESP(t, addr)
	list := c.cmd("CLIENT", "LIST")
	if !strings.Contains(list, "flags=P db=0 sub=3 psub=1 ssub=1 ") {
		t.Fatalf("CLIENT LIST lacks the subscriber's fields:\n%s", list)
	}
	if !strings.Contains(list, "flags=O ") {
		t.Fatalf("CLIENT LIST lacks the monitor's flag:\n%s", list)
	}
	if got := c.cmd("CLIENT", "LIST", "TYPE", "pubsub"); strings.Count(got, "id=") != 1 {
		t.Fatalf("CLIENT LIST TYPE pubsub:\n%s", got)
	}
	info := c.cmd("INFO", "stats")
	if !strings.Contains(info, "pubsub_channels:3\r\npubsub_patterns:1\r\npubsubshard_channels:1\r\n") {
		t.Fatalf("INFO stats:\n%s", info)
	}
}

func TestClientReplyWithOtherClients(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	s := subscriber(t, addr, true, 1, "SUBSCRIBE", "ch")
	s.sendCmd("CLIENT", "REPLY", "OFF")
	s.sendCmd("SET", "k", "v")
	dialRESP(t, addr).cmd("PUBLISH", "ch", "still")
	// The push arrives; the replies do not.
	if got, _ := s.readReply(); got != push(true, "message", "ch", "still") {
		t.Fatalf("got %q", got)
	}
	if got := s.cmd("CLIENT", "REPLY", "ON"); got != "+OK\r\n" {
		t.Fatalf("CLIENT REPLY ON = %q", got)
	}
}

// monitorLineRE takes the time and the client's port out of a MONITOR
// line, which differ between servers.
var monitorLineRE = regexp.MustCompile(`^\+\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\] (.*)\r\n$`)

func TestMonitorMatchesRedis(t *testing.T) {
	redisAddr := testenv.StartRedis(t)
	_, emberAddr := startServer(t, DefaultConfig())
	cmds := [][]string{
		{"SET", "k", "v"},
		{"set", "bin", "a\x00b\"c\\d\n\r\t\a\b\x7f\xff é"},
		{"GET", "k"},
		{"SELECT", "1"},
		{"INCR", "n"},
		{"SELECT", "0"},
		{"AUTH", "secret"},
		{"AUTH", "default", "secret"},
		{"AUTH", "a", "b", "c"},
		{"HELLO", "2", "AUTH", "default", "pw"},
		{"HELLO", "4", "AUTH", "default", "pw"},
		{"CONFIG", "GET", "maxmemory"},
		{"MULTI"},
		{"SET", "a", "1"},
		{"EXEC"},
		{"nosuchcommand", "x"},
		{"GET"},
		{"PING", ""},
	}
	lines := func(addr string) []string {
		mon := dialRESP(t, addr)
		defer mon.Close()
		if got := mon.cmd("MONITOR"); got != "+OK\r\n" {
			t.Fatalf("MONITOR = %q", got)
		}
		c := dialRESP(t, addr)
		defer c.Close()
		for _, args := range cmds {
			c.cmd(args...)
		}
		c.cmd("ECHO", "end")
		var out []string
		for {
			r, err := mon.readReply()
			if err != nil {
				t.Fatal(err)
			}
			m := monitorLineRE.FindStringSubmatch(r)
			if m == nil {
				t.Fatalf("%s: not a MONITOR line: %q", addr, r)
			}
			out = append(out, m[1]+" "+m[2])
			if m[2] == `"ECHO" "end"` {
				return out
			}
		}
	}
	want, got := lines(redisAddr), lines(emberAddr)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Fatalf("MONITOR lines differ\nredis:\n%s\nember:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
}

func TestMonitorStopsOnReset(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	mon := dialRESP(t, addr)
	mon.cmd("MONITOR")
	mon.cmd("RESET")
	c := dialRESP(t, addr)
	c.cmd("SET", "k", "v")
	if got := mon.cmd("PING"); got != "+PONG\r\n" {
		t.Fatalf("after RESET the monitor read %q", got)
	}
}
