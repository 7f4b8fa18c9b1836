package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestClientCommandReplies(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	tests := []struct {
		name string
		cmds [][]string
		want string
	}{
		{"getname unset", [][]string{{"CLIENT", "GETNAME"}}, "$-1\r\n"},
		{"setname", [][]string{{"CLIENT", "SETNAME", "web-1"}}, "+OK\r\n"},
		{"setname getname", [][]string{{"CLIENT", "SETNAME", "web-1"}, {"CLIENT", "GETNAME"}}, "$5\r\nweb-1\r\n"},
		{"setname empty clears", [][]string{{"CLIENT", "SETNAME", "x"}, {"CLIENT", "SETNAME", ""}, {"CLIENT", "GETNAME"}}, "$-1\r\n"},
		{"setname space", [][]string{{"CLIENT", "SETNAME", "a b"}}, "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
		{"setname newline", [][]string{{"CLIENT", "SETNAME", "a\nb"}}, "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
		{"setname arity", [][]string{{"CLIENT", "SETNAME"}}, "-ERR wrong number of arguments for 'client|setname' command\r\n"},
		{"client alone", [][]string{{"CLIENT"}}, "-ERR wrong number of arguments for 'client' command\r\n"},
		{"unknown subcommand", [][]string{{"CLIENT", "foo"}}, "-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n"},
		{"setinfo lib-name", [][]string{{"CLIENT", "SETINFO", "LIB-NAME", "go-redis(,go1.26)"}}, "+OK\r\n"},
		{"setinfo lib-ver", [][]string{{"CLIENT", "SETINFO", "lib-ver", "9.23.0"}}, "+OK\r\n"},
		{"setinfo unknown", [][]string{{"CLIENT", "SETINFO", "Lib-Color", "x"}}, "-ERR Unrecognized option 'Lib-Color'\r\n"},
		{"setinfo bad value", [][]string{{"CLIENT", "SETINFO", "LIB-NAME", "a b"}}, "-ERR LIB-NAME cannot contain spaces, newlines or special characters.\r\n"},
		{"setinfo arity", [][]string{{"CLIENT", "SETINFO", "LIB-NAME"}}, "-ERR wrong number of arguments for 'client|setinfo' command\r\n"},
		{"no-evict on", [][]string{{"CLIENT", "NO-EVICT", "on"}}, "+OK\r\n"},
		{"no-evict bad", [][]string{{"CLIENT", "NO-EVICT", "maybe"}}, "-ERR syntax error\r\n"},
		{"getredir", [][]string{{"CLIENT", "GETREDIR"}}, ":-1\r\n"},
		{"trackinginfo", [][]string{{"CLIENT", "TRACKINGINFO"}}, "*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n"},
		{"trackinginfo resp3", [][]string{{"HELLO", "3"}, {"CLIENT", "TRACKINGINFO"}}, "%3\r\n$5\r\nflags\r\n~1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n"},
		{"list unknown type", [][]string{{"CLIENT", "LIST", "TYPE", "foo"}}, "-ERR Unknown client type 'foo'\r\n"},
		{"list type and id", [][]string{{"CLIENT", "LIST", "TYPE", "normal", "ID"}}, "-ERR syntax error\r\n"},
		{"list bad id", [][]string{{"CLIENT", "LIST", "ID", "1", "x"}}, "-ERR Invalid client ID\r\n"},
		{"list unknown id", [][]string{{"CLIENT", "LIST", "ID", "99999"}}, "$0\r\n\r\n"},
		{"list pubsub", [][]string{{"CLIENT", "LIST", "TYPE", "pubsub"}}, "$0\r\n\r\n"},
		{"list replica", [][]string{{"CLIENT", "LIST", "TYPE", "slave"}}, "$0\r\n\r\n"},
		{"list junk", [][]string{{"CLIENT", "LIST", "foo"}}, "-ERR syntax error\r\n"},
		{"kill old form none", [][]string{{"CLIENT", "KILL", "1.2.3.4:5"}}, "-ERR No such client\r\n"},
		{"kill id none", [][]string{{"CLIENT", "KILL", "ID", "99999"}}, ":0\r\n"},
		{"kill id zero", [][]string{{"CLIENT", "KILL", "ID", "0"}}, "-ERR client-id should be greater than 0\r\n"},
		{"kill id not int", [][]string{{"CLIENT", "KILL", "ID", "x"}}, "-ERR client-id should be greater than 0\r\n"},
		{"kill bad type", [][]string{{"CLIENT", "KILL", "TYPE", "foo"}}, "-ERR Unknown client type 'foo'\r\n"},
		{"kill bad skipme", [][]string{{"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "maybe"}}, "-ERR syntax error\r\n"},
		{"kill no such user", [][]string{{"CLIENT", "KILL", "USER", "nosuch"}}, "-ERR No such user 'nosuch'\r\n"},
		{"kill unknown filter", [][]string{{"CLIENT", "KILL", "foo", "bar"}}, "-ERR syntax error\r\n"},
		{"kill filter without value", [][]string{{"CLIENT", "KILL", "ID", "99999", "SKIPME"}}, "-ERR syntax error\r\n"},
		{"kill error before missing value", [][]string{{"CLIENT", "KILL", "ID", "x", "SKIPME"}}, "-ERR client-id should be greater than 0\r\n"},
		{"kill addr none", [][]string{{"CLIENT", "KILL", "ADDR", "1.2.3.4:5"}}, ":0\r\n"},
		{"kill maxage is 7.4", [][]string{{"CLIENT", "KILL", "MAXAGE", "10"}}, "-ERR syntax error\r\n"},
		{"kill skips me", [][]string{{"CLIENT", "KILL", "USER", "default", "TYPE", "normal"}, {"PING"}}, "+PONG\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := dialRESP(t, addr)
			var got string
			for _, cmd := range tt.cmds {
				got = rc.cmd(cmd...)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// clientListFields are Redis 7.0.15's CLIENT LIST fields, in order.
var clientListFields = []string{"id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub",
	"ssub", "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem", "tot-mem",
	"events", "cmd", "user", "redir", "resp"}

// parseClientLine splits a CLIENT LIST line into its fields, checking
// their names and order.
func parseClientLine(t *testing.T, line string) map[string]string {
	t.Helper()
	parts := strings.Split(line, " ")
	if len(parts) != len(clientListFields) {
		t.Fatalf("%d fields in %q, want %d", len(parts), line, len(clientListFields))
	}
	m := make(map[string]string)
	for i, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		if k != clientListFields[i] {
			t.Fatalf("field %d is %q, want %q, in %q", i, k, clientListFields[i], line)
		}
		m[k] = v
	}
	return m
}

func clientLines(t *testing.T, raw string) []map[string]string {
	t.Helper()
	text := bulkText(t, raw)
	if text == "" {
		return nil
	}
	if !strings.HasSuffix(text, "\n") {
		t.Fatalf("CLIENT LIST does not end in a newline: %q", text)
	}
	var out []map[string]string
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		out = append(out, parseClientLine(t, line))
	}
	return out
}

func TestClientListAndInfo(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	a, b := dialRESP(t, addr), dialRESP(t, addr)
	a.cmd("CLIENT", "SETNAME", "alpha")
	a.cmd("SELECT", "3")
	b.cmd("HELLO", "3")
	b.cmd("MULTI")
	b.cmd("SET", "k", "v")
	idA := strings.Trim(a.cmd("CLIENT", "ID"), ":\r\n")

	lines := clientLines(t, a.cmd("CLIENT", "LIST"))
	if len(lines) != 2 {
		t.Fatalf("CLIENT LIST has %d lines, want 2", len(lines))
	}
	la, lb := lines[0], lines[1]
	want := map[string]string{"id": idA, "name": "alpha", "db": "3", "flags": "N", "multi": "-1", "cmd": "client|list",
		"argv-mem": "10", "resp": "2", "user": "default", "events": "r", "redir": "-1", "idle": "0"}
	for k, v := range want {
		if la[k] != v {
			t.Errorf("own line %s = %q, want %q", k, la[k], v)
		}
	}
	wantB := map[string]string{"name": "", "db": "0", "flags": "x", "multi": "1", "cmd": "set", "resp": "3", "argv-mem": "0"}
	for k, v := range wantB {
		if lb[k] != v {
			t.Errorf("other line %s = %q, want %q", k, lb[k], v)
		}
	}
	if fd, err := strconv.Atoi(la["fd"]); err != nil || fd < 0 {
		t.Errorf("fd = %q", la["fd"])
	}
	if !strings.HasPrefix(la["laddr"], "127.0.0.1:") || la["addr"] == la["laddr"] {
		t.Errorf("addr %q laddr %q", la["addr"], la["laddr"])
	}

	// CLIENT INFO is this connection's line; in RESP3 a verbatim string.
	b.cmd("DISCARD")
	raw := b.cmd("CLIENT", "INFO")
	if !strings.HasPrefix(raw, "=") {
		t.Errorf("CLIENT INFO in RESP3 = %q, want a verbatim string", raw)
	}
	info := clientLines(t, raw)
	if len(info) != 1 || info[0]["id"] != lb["id"] || info[0]["cmd"] != "client|info" {
		t.Errorf("CLIENT INFO = %v", info)
	}

	// Filters.
	if got := clientLines(t, a.cmd("CLIENT", "LIST", "ID", lb["id"], "99999", idA)); len(got) != 2 || got[0]["id"] != lb["id"] || got[1]["id"] != idA {
		t.Errorf("CLIENT LIST ID = %v", got)
	}
	if got := clientLines(t, a.cmd("CLIENT", "LIST", "TYPE", "NORMAL")); len(got) != 2 {
		t.Errorf("CLIENT LIST TYPE normal has %d lines", len(got))
	}
	a.cmd("CLIENT", "NO-EVICT", "ON")
	if got := clientLines(t, b.cmd("CLIENT", "LIST", "ID", idA)); got[0]["flags"] != "e" {
		t.Errorf("flags after NO-EVICT ON = %q", got[0]["flags"])
	}
}

func TestClientKill(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	closed := func(rc *respConn) bool {
		rc.sendCmd("PING")
		_, err := rc.readReply()
		return err != nil
	}
	t.Run("by id", func(t *testing.T) {
		a, b := dialRESP(t, addr), dialRESP(t, addr)
		id := strings.Trim(b.cmd("CLIENT", "ID"), ":\r\n")
		if got := a.cmd("CLIENT", "KILL", "ID", id); got != ":1\r\n" {
			t.Fatalf("CLIENT KILL ID = %q", got)
		}
		if !closed(b) {
			t.Error("killed connection still answers")
		}
		if got := a.cmd("PING"); got != "+PONG\r\n" {
			t.Errorf("killer's PING = %q", got)
		}
	})
	t.Run("old form by addr", func(t *testing.T) {
		a, b := dialRESP(t, addr), dialRESP(t, addr)
		line := clientLines(t, b.cmd("CLIENT", "INFO"))[0]
		if got := a.cmd("CLIENT", "KILL", line["addr"]); got != "+OK\r\n" {
			t.Fatalf("CLIENT KILL addr = %q", got)
		}
		if !closed(b) {
			t.Error("killed connection still answers")
		}
	})
	t.Run("laddr and skipme", func(t *testing.T) {
		a, b := dialRESP(t, addr), dialRESP(t, addr)
		// A dial returns before the server has registered the connection;
		// a reply on b says it has, so that KILL LADDR finds it.
		b.cmd("PING")
		laddr := clientLines(t, a.cmd("CLIENT", "INFO"))[0]["laddr"]
		if got := a.cmd("CLIENT", "KILL", "LADDR", laddr, "SKIPME", "yes"); got == ":0\r\n" || !strings.HasPrefix(got, ":") {
			t.Fatalf("CLIENT KILL LADDR = %q", got)
		}
		if !closed(b) {
			t.Error("connection to laddr still answers")
		}
		// SKIPME no: the caller gets its reply, then its connection closes.
		if got := a.cmd("CLIENT", "KILL", "LADDR", laddr, "SKIPME", "no"); got != ":1\r\n" {
			t.Fatalf("CLIENT KILL SKIPME no = %q", got)
		}
		if !closed(a) {
			t.Error("self-killed connection still answers")
		}
	})
	t.Run("old form kills self", func(t *testing.T) {
		a := dialRESP(t, addr)
		self := clientLines(t, a.cmd("CLIENT", "INFO"))[0]["addr"]
		if got := a.cmd("CLIENT", "KILL", self); got != "+OK\r\n" {
			t.Fatalf("CLIENT KILL own addr = %q", got)
		}
		if !closed(a) {
			t.Error("self-killed connection still answers")
		}
	})
}

// go-redis v9 sends HELLO, CLIENT SETINFO and (from v9.15) CLIENT
// MAINT_NOTIFICATIONS when it connects, ignoring errors from the last two;
// its CLIENT helpers must round-trip in both protocols.
func TestClientWithGoRedis(t *testing.T) {
	srv, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto, PoolSize: 1})
			defer rdb.Close()
			if err := rdb.Ping(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			if err := rdb.Do(ctx, "CLIENT", "SETNAME", "gr").Err(); err != nil {
				t.Fatal(err)
			}
			if name, err := rdb.ClientGetName(ctx).Result(); err != nil || name != "gr" {
				t.Fatalf("CLIENT GETNAME = %q, %v", name, err)
			}
			id, err := rdb.ClientID(ctx).Result()
			if err != nil || id <= 0 {
				t.Fatalf("CLIENT ID = %d, %v", id, err)
			}
			list, err := rdb.ClientList(ctx).Result()
			if err != nil || !strings.Contains(list, "id="+strconv.FormatInt(id, 10)+" ") || !strings.Contains(list, " name=gr ") {
				t.Fatalf("CLIENT LIST = %q, %v", list, err)
			}
			info, err := rdb.ClientInfo(ctx).Result()
			if err != nil || info.ID != id || info.Name != "gr" || info.Resp != proto {
				t.Fatalf("CLIENT INFO = %+v, %v", info, err)
			}
			other := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto, PoolSize: 1})
			defer other.Close()
			otherID, err := other.ClientID(ctx).Result()
			if err != nil {
				t.Fatal(err)
			}
			before := srv.CurrentConnectionCount()
			if n, err := rdb.ClientKillByFilter(ctx, "ID", strconv.FormatInt(otherID, 10)).Result(); err != nil || n != 1 {
				t.Fatalf("CLIENT KILL ID = %d, %v", n, err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for srv.CurrentConnectionCount() >= before && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond) // the closed connection's goroutine winds down
			}
			if srv.CurrentConnectionCount() >= before {
				t.Error("killed connection still counted")
			}
		})
	}
}

// CLIENT LIST and CLIENT KILL read other connections while they run
// commands; under -race this shows they read only what is shared.
func TestClientListWhileOthersRun(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	busy := dialRESP(t, addr)
	watcher := dialRESP(t, addr)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ {
			cmds := [][]string{{"SELECT", strconv.Itoa(i % 4)}, {"CLIENT", "SETNAME", "n" + strconv.Itoa(i)},
				{"MULTI"}, {"SET", "k", "v"}, {"EXEC"}, {"HELLO", strconv.Itoa(2 + i%2)}}
			for _, cmd := range cmds {
				if err := busy.writeCmd(cmd...); err != nil {
					t.Error(err)
					return
				}
			}
			for range cmds {
				if _, err := busy.readReply(); err != nil {
					t.Error(err)
					return
				}
			}
		}
	}()
	for i := 0; i < 200; i++ {
		lines := clientLines(t, watcher.cmd("CLIENT", "LIST"))
		if len(lines) != 2 {
			t.Fatalf("CLIENT LIST has %d lines", len(lines))
		}
		watcher.cmd("CLIENT", "KILL", "ID", "99999")
	}
	<-done
}
