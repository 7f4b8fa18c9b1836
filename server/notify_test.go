package server

// TestNotifyDifferential runs the scripts in testdata/notify against a real
// redis-server and an in-process Ember, once per class string in
// notifyClassSets, and compares the keyspace notifications each command
// produces: the exact sequence of (channel, message), after every line.
// Replies are compared too, byte for byte. A script line is a command, as
// in the differential scripts (same quoting), or a directive:
//
//	!async BLPOP l 0   send on a second connection; its reply is read
//	                   after the next line (a blocked client that the
//	                   next line serves), or after the EXEC that follows
//	!anyreply SPOP s   compare the events but not the reply (random)
//	!sleep 5           wait 5 ms (lazy expiry: a key's time passes)
//	!sweep             active expiry: wait (bounded) until the servers'
//	                   sweepers have reclaimed the expired keys
//
// On Redis, a subscriber PSUBSCRIBEs __key*__:* and SUBSCRIBEs a fence
// channel; after each line the command connection publishes to the fence,
// and the messages before the fence are the line's events. Ember is read
// the same way.
// Redis's active expiry is off except during !sweep, so that keys expire
// where the script says; Ember's store runs without a sweeper and !sweep
// calls Store.Sweep (TestNotifyActiveExpiry covers the real sweeper).

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emberkv/ember/internal/testenv"
	"github.com/emberkv/ember/store"
)

// notifyClassSets are the notify-keyspace-events values every script runs
// under.
var notifyClassSets = []string{"KEA", "KEAn", "Kg$", "Elshz", "KExn", "E", "Km"}

const notifyFence = "notify-test-fence"

type notifyLine struct {
	num       int
	text      string
	directive string // "", "async", "anyreply", "sleep", "sweep"
	args      [][]byte
}

func parseNotifyScript(t *testing.T, path string) []notifyLine {
	t.Helper()
	s, err := parseScriptLines(path, func(word string) bool {
		switch word {
		case "!async", "!anyreply", "!sleep", "!sweep":
			return true
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// parseScriptLines reads a script with the diff scripts' quoting and the
// directives known says it accepts.
func parseScriptLines(path string, known func(string) bool) ([]notifyLine, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	name := filepath.Base(path)
	var out []notifyLine
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		if line == "" || line[0] == '#' {
			continue
		}
		l := notifyLine{num: i + 1, text: line}
		if line[0] == '!' {
			word, rest, _ := strings.Cut(line, " ")
			if !known(word) {
				return nil, fmt.Errorf("%s:%d: unknown directive %q", name, l.num, word)
			}
			l.directive = word[1:]
			line = strings.TrimSpace(rest)
		}
		args, ok := splitArgs([]byte(line))
		if !ok {
			return nil, fmt.Errorf("%s:%d: unbalanced quotes", name, l.num)
		}
		if len(args) == 0 && l.directive != "sweep" {
			return nil, fmt.Errorf("%s:%d: no command", name, l.num)
		}
		l.args = args
		out = append(out, l)
	}
	return out, nil
}

// notifySide is one server under test: a command connection, a second one
// for !async, and where its events come from.
type notifySide struct {
	name       string
	cmd, async *respConn
	fence      *respConn // publishes the fence, even while cmd is in MULTI
	sub        *respConn
	fenceN     int
}

// events returns the notifications since the last call, as
// "channel message" strings.
func (s *notifySide) events(t *testing.T) []string {
	t.Helper()
	s.fenceN++
	fence := strconv.Itoa(s.fenceN)
	if got := s.fence.mustDo(t, "PUBLISH", notifyFence, fence); got != ":1\r\n" {
		t.Fatalf("%s: PUBLISH fence = %q", s.name, got)
	}
	var ev []string
	for {
		raw, err := s.sub.read()
		if err != nil {
			t.Fatalf("%s: reading events: %v", s.name, err)
		}
		parts := pushParts(t, raw)
		switch {
		case len(parts) == 3 && parts[0] == "message" && parts[1] == notifyFence:
			if parts[2] != fence {
				t.Fatalf("%s: fence %s while waiting for %s", s.name, parts[2], fence)
			}
			return ev
		case len(parts) == 4 && parts[0] == "pmessage":
			ev = append(ev, parts[2]+" "+parts[3])
		default:
			t.Fatalf("%s: unexpected push %q", s.name, raw)
		}
	}
}

// pushParts decodes a Pub/Sub message of bulk strings.
func pushParts(t *testing.T, raw []byte) []string {
	t.Helper()
	_, elems, ok := splitReply(raw)
	if !ok {
		t.Fatalf("not a push: %q", raw)
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		if len(e) == 0 || e[0] != '$' {
			t.Fatalf("not a bulk string in %q", raw)
		}
		_, body, _ := bytes.Cut(e, []byte("\r\n"))
		out[i] = string(bytes.TrimSuffix(body, []byte("\r\n")))
	}
	return out
}

// subscribe opens s's subscriber, reporting false when the server has no
// Pub/Sub.
func (s *notifySide) subscribe(t *testing.T, addr string) bool {
	sub := dialRESP(t, addr)
	reply := sub.mustDo(t, "PSUBSCRIBE", "__key*__:*")
	if strings.HasPrefix(reply, "-") {
		sub.Close()
		return false
	}
	if got := sub.mustDo(t, "SUBSCRIBE", notifyFence); !strings.Contains(got, notifyFence) {
		t.Fatalf("%s: SUBSCRIBE = %q", s.name, got)
	}
	s.sub = sub
	return true
}

func TestNotifyDifferential(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "notify", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts in testdata/notify: %v", err)
	}
	redisAddr := testenv.StartRedis(t, "--enable-debug-command", "local")
	cfg := DefaultConfig()
	st := store.New(store.Options{SweepInterval: -1})
	t.Cleanup(st.Close)
	cfg.Store = st
	_, emberAddr := startServer(t, cfg)

	for _, file := range files {
		lines := parseNotifyScript(t, file)
		for _, classes := range notifyClassSets {
			t.Run(filepath.Base(file)+"/"+classes, func(t *testing.T) {
				redis := &notifySide{name: "redis", cmd: dialRESP(t, redisAddr), async: dialRESP(t, redisAddr), fence: dialRESP(t, redisAddr)}
				ember := &notifySide{name: "ember", cmd: dialRESP(t, emberAddr), async: dialRESP(t, emberAddr), fence: dialRESP(t, emberAddr)}
				redis.cmd.mustDo(t, "FLUSHALL")
				redis.cmd.mustDo(t, "DEBUG", "SET-ACTIVE-EXPIRE", "0")
				st.FlushAll()
				for _, s := range []*notifySide{redis, ember} {
					if got := s.cmd.mustDo(t, "CONFIG", "SET", "notify-keyspace-events", classes); got != "+OK\r\n" {
						t.Fatalf("%s: CONFIG SET = %q", s.name, got)
					}
				}
				if !redis.subscribe(t, redisAddr) {
					t.Fatal("redis refused PSUBSCRIBE")
				}
				if !ember.subscribe(t, emberAddr) {
					t.Fatal("ember refused PSUBSCRIBE")
				}
				t.Cleanup(func() {
					for _, s := range []*notifySide{redis, ember} {
						s.cmd.do("CONFIG", "SET", "notify-keyspace-events", "")
					}
				})
				runNotifyScript(t, filepath.Base(file), lines, redis, ember, st)
			})
		}
	}
}

func runNotifyScript(t *testing.T, name string, lines []notifyLine, redis, ember *notifySide, st *store.Store) {
	pending := false // an !async command awaits its reply
	for _, l := range lines {
		where := fmt.Sprintf("%s:%d: %s", name, l.num, l.text)
		switch l.directive {
		case "sleep":
			ms, _ := strconv.Atoi(string(l.args[0]))
			time.Sleep(time.Duration(ms) * time.Millisecond)
			continue
		case "sweep":
			sweepBoth(t, where, redis, ember, st)
			continue
		case "async":
			req := encodeCommand(l.args...)
			for _, s := range []*notifySide{redis, ember} {
				if err := s.async.send(req); err != nil {
					t.Fatalf("%s: %s: %v", where, s.name, err)
				}
			}
			// Let both servers block the client before the next line.
			time.Sleep(20 * time.Millisecond)
			pending = true
			continue
		}
		req := encodeCommand(l.args...)
		var replies [2]string
		for i, s := range []*notifySide{redis, ember} {
			if err := s.cmd.send(req); err != nil {
				t.Fatalf("%s: %s: %v", where, s.name, err)
			}
			reply, err := s.cmd.read()
			if err != nil {
				t.Fatalf("%s: %s: %v", where, s.name, err)
			}
			replies[i] = string(reply)
		}
		if l.directive != "anyreply" && replies[0] != replies[1] {
			t.Errorf("%s\n  redis reply: %q\n  ember reply: %q", where, replies[0], replies[1])
		}
		inMulti := strings.EqualFold(string(l.args[0]), "multi") || replies[0] == "+QUEUED\r\n"
		if pending && !inMulti {
			pending = false
			var async [2]string
			for i, s := range []*notifySide{redis, ember} {
				reply, err := s.async.read()
				if err != nil {
					t.Fatalf("%s: %s: async reply: %v", where, s.name, err)
				}
				async[i] = string(reply)
			}
			if async[0] != async[1] {
				t.Errorf("%s (the blocked client)\n  redis reply: %q\n  ember reply: %q", where, async[0], async[1])
			}
		}
		compareEvents(t, where, redis.events(t), ember.events(t))
	}
}

// sweepBoth lets active expiry run on both servers and compares what it
// reported; Redis's sweeper runs for up to two seconds, until its DBSIZE
// is Ember's (every expired key reclaimed).
func sweepBoth(t *testing.T, where string, redis, ember *notifySide, st *store.Store) {
	st.Sweep()
	got := ember.events(t)
	size := ember.cmd.mustDo(t, "DBSIZE")
	redis.cmd.mustDo(t, "DEBUG", "SET-ACTIVE-EXPIRE", "1")
	var want []string
	for deadline := time.Now().Add(2 * time.Second); ; {
		time.Sleep(20 * time.Millisecond)
		want = append(want, redis.events(t)...)
		if redis.cmd.mustDo(t, "DBSIZE") == size || time.Now().After(deadline) {
			want = append(want, redis.events(t)...)
			break
		}
	}
	redis.cmd.mustDo(t, "DEBUG", "SET-ACTIVE-EXPIRE", "0")
	// The sweepers visit keys in no set order.
	compareEvents(t, where, sortedCopy(want), sortedCopy(got))
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	slices.Sort(c)
	return c
}

func compareEvents(t *testing.T, where string, want, got []string) {
	t.Helper()
	if strings.Join(want, "\n") == strings.Join(got, "\n") {
		return
	}
	t.Errorf("%s\n  redis events: %q\n  ember events: %q", where, want, got)
}

// TestNotifyActiveExpiry checks that the store's real sweeper reports
// "expired" for keys nobody touches, through a Pub/Sub subscriber. The
// wait is bounded.
func TestNotifyActiveExpiry(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Set("notify-keyspace-events", "Ex"); err != nil {
		t.Fatal(err)
	}
	_, addr := startServer(t, cfg)
	sub := dialRESP(t, addr)
	sub.mustDo(t, "SUBSCRIBE", "__keyevent@0__:expired")
	c := dialRESP(t, addr)
	if got := c.mustDo(t, "SET", "k", "v", "PX", "1"); got != "+OK\r\n" {
		t.Fatalf("SET = %q", got)
	}
	sub.timeout = 3 * time.Second // the sweeper runs every 100 ms
	raw, err := sub.read()
	if err != nil {
		t.Fatalf("no expired event: %v", err)
	}
	if want := "*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:expired\r\n$1\r\nk\r\n"; string(raw) != want {
		t.Fatalf("event = %q, want %q", raw, want)
	}
}

// BenchmarkNotify measures what notifications cost a write: off (the
// default: one atomic load), and on with nobody subscribed.
func BenchmarkNotify(b *testing.B) {
	for _, classes := range []string{"", "KEA"} {
		b.Run("classes="+classes, func(b *testing.B) {
			cfg := DefaultConfig()
			if err := cfg.Set("notify-keyspace-events", classes); err != nil {
				b.Fatal(err)
			}
			srv, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			c := &client{srv: srv}
			c.selectDB(0)
			c.setAuthed(true)
			args := [][]byte{[]byte("SET"), []byte("key"), []byte("value")}
			b.ReportAllocs()
			for b.Loop() {
				c.dispatch(args)
				c.w.buf = c.w.buf[:0]
			}
		})
	}
}
