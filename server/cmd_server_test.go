package server

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// bulkText unwraps a bulk or verbatim string reply.
func bulkText(t testing.TB, raw string) string {
	t.Helper()
	head, body, ok := strings.Cut(raw, "\r\n")
	if !ok || (head[0] != '$' && head[0] != '=') || !strings.HasSuffix(body, "\r\n") {
		t.Fatalf("not a bulk or verbatim string: %q", raw)
	}
	body = strings.TrimSuffix(body, "\r\n")
	if head[0] == '=' {
		body = strings.TrimPrefix(body, "txt:")
	}
	return body
}

func TestServerCommandReplies(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	tests := []struct {
		name string
		cmds [][]string // run in order; only the last reply is checked
		want string
	}{
		{"dbsize empty", [][]string{{"DBSIZE"}}, ":0\r\n"},
		{"dbsize counts", [][]string{{"SET", "a", "1"}, {"SET", "b", "2"}, {"DBSIZE"}}, ":2\r\n"},
		{"dbsize arity", [][]string{{"DBSIZE", "x"}}, "-ERR wrong number of arguments for 'dbsize' command\r\n"},
		{"flushdb", [][]string{{"SET", "a", "1"}, {"FLUSHDB"}}, "+OK\r\n"},
		{"flushdb empties", [][]string{{"SET", "a", "1"}, {"FLUSHDB"}, {"DBSIZE"}}, ":0\r\n"},
		{"flushdb async", [][]string{{"FLUSHDB", "ASYNC"}}, "+OK\r\n"},
		{"flushdb sync", [][]string{{"flushdb", "sync"}}, "+OK\r\n"},
		{"flushdb bad option", [][]string{{"FLUSHDB", "x"}}, "-ERR syntax error\r\n"},
		{"flushdb two options", [][]string{{"FLUSHDB", "ASYNC", "SYNC"}}, "-ERR syntax error\r\n"},
		{"flushdb only selected", [][]string{{"SELECT", "1"}, {"SET", "a", "1"}, {"SELECT", "0"}, {"FLUSHDB"}, {"SELECT", "1"}, {"DBSIZE"}}, ":1\r\n"},
		{"flushall every db", [][]string{{"SELECT", "2"}, {"SET", "a", "1"}, {"FLUSHALL"}, {"DBSIZE"}}, ":0\r\n"},
		{"flushall async", [][]string{{"FLUSHALL", "async"}}, "+OK\r\n"},
		{"flushall bad option", [][]string{{"FLUSHALL", "SYNC", "x"}}, "-ERR syntax error\r\n"},
		{"swapdb ok", [][]string{{"SWAPDB", "0", "1"}}, "+OK\r\n"},
		{"swapdb same", [][]string{{"SWAPDB", "3", "3"}}, "+OK\r\n"},
		{"swapdb moves keys", [][]string{{"SET", "k", "v"}, {"SWAPDB", "0", "5"}, {"SELECT", "5"}, {"GET", "k"}}, "$1\r\nv\r\n"},
		{"swapdb empties", [][]string{{"SET", "k", "v"}, {"SWAPDB", "0", "5"}, {"DBSIZE"}}, ":0\r\n"},
		{"swapdb first not int", [][]string{{"SWAPDB", "a", "1"}}, "-ERR invalid first DB index\r\n"},
		{"swapdb second not int", [][]string{{"SWAPDB", "0", "b"}}, "-ERR invalid second DB index\r\n"},
		{"swapdb float", [][]string{{"SWAPDB", "3.5", "0"}}, "-ERR invalid first DB index\r\n"},
		{"swapdb beyond int", [][]string{{"SWAPDB", "99999999999", "0"}}, "-ERR invalid first DB index\r\n"},
		{"swapdb beyond int64", [][]string{{"SWAPDB", "0", "99999999999999999999"}}, "-ERR invalid second DB index\r\n"},
		{"swapdb out of range", [][]string{{"SWAPDB", "0", "16"}}, "-ERR DB index is out of range\r\n"},
		{"swapdb negative", [][]string{{"SWAPDB", "-1", "0"}}, "-ERR DB index is out of range\r\n"},
		{"swapdb arity", [][]string{{"SWAPDB", "0"}}, "-ERR wrong number of arguments for 'swapdb' command\r\n"},
		{"time arity", [][]string{{"TIME", "x"}}, "-ERR wrong number of arguments for 'time' command\r\n"},
		{"shutdown abort", [][]string{{"SHUTDOWN", "ABORT"}}, "-ERR No shutdown in progress.\r\n"},
		{"shutdown abort now", [][]string{{"SHUTDOWN", "ABORT", "NOW"}}, "-ERR syntax error\r\n"},
		{"shutdown save nosave", [][]string{{"SHUTDOWN", "NOSAVE", "SAVE"}}, "-ERR syntax error\r\n"},
		{"shutdown unknown", [][]string{{"SHUTDOWN", "FOO"}}, "-ERR syntax error\r\n"},
		{"shutdown in multi", [][]string{{"MULTI"}, {"SHUTDOWN"}}, "-ERR Command not allowed inside a transaction\r\n"},
		{"flushall in multi", [][]string{{"SET", "a", "1"}, {"MULTI"}, {"FLUSHALL"}, {"DBSIZE"}, {"EXEC"}}, "*2\r\n+OK\r\n:0\r\n"},
		{"swapdb in multi", [][]string{{"SET", "a", "1"}, {"MULTI"}, {"SWAPDB", "0", "1"}, {"DBSIZE"}, {"SELECT", "1"}, {"GET", "a"}, {"EXEC"}},
			"*4\r\n+OK\r\n:0\r\n+OK\r\n$1\r\n1\r\n"},
		{"flushdb in multi", [][]string{{"SET", "a", "1"}, {"MULTI"}, {"FLUSHDB", "SYNC"}, {"DBSIZE"}, {"EXEC"}}, "*2\r\n+OK\r\n:0\r\n"},
		{"swapdb error in multi", [][]string{{"MULTI"}, {"SWAPDB", "0", "99"}, {"EXEC"}}, "*1\r\n-ERR DB index is out of range\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := dialRESP(t, addr)
			rc.cmd("FLUSHALL")
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

func TestTimeAndLastSave(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	rc := dialRESP(t, addr)
	before := time.Now()
	got := rc.cmd("TIME")
	f := strings.Split(got, "\r\n")
	if len(f) != 6 || f[0] != "*2" {
		t.Fatalf("TIME = %q", got)
	}
	sec, err1 := strconv.ParseInt(f[2], 10, 64)
	usec, err2 := strconv.ParseInt(f[4], 10, 64)
	if err1 != nil || err2 != nil || usec < 0 || usec >= 1e6 {
		t.Fatalf("TIME = %q", got)
	}
	if d := time.Unix(sec, usec*1000).Sub(before); d < -time.Second || d > 5*time.Second {
		t.Errorf("TIME is %v away from the clock", d)
	}
	got = rc.cmd("LASTSAVE")
	n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(got, ":"), "\r\n"), 10, 64)
	if err != nil || n > time.Now().Unix() || n < before.Unix()-60 {
		t.Errorf("LASTSAVE = %q", got)
	}
}

// FLUSHALL and SWAPDB inside a transaction run under EXEC's locks, through
// go-redis in both protocols.
func TestFlushAllAndSwapDBInTransaction(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto})
		defer rdb.Close()
		if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
		var size *redis.IntCmd
		_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.FlushAll(ctx)
			p.Set(ctx, "after", "1", 0)
			size = p.DBSize(ctx)
			return nil
		})
		if err != nil || size.Val() != 1 {
			t.Fatalf("RESP%d: FLUSHALL in MULTI: %v, DBSIZE %d", proto, err, size.Val())
		}
		var get *redis.StringCmd
		_, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.SwapDB(ctx, 0, 7)
			p.Select(ctx, 7)
			get = p.Get(ctx, "after")
			p.Select(ctx, 0)
			return nil
		})
		if err != nil || get.Val() != "1" {
			t.Fatalf("RESP%d: SWAPDB in MULTI: %v, GET %q", proto, err, get.Val())
		}
		if n, err := rdb.DBSize(ctx).Result(); err != nil || n != 0 {
			t.Fatalf("RESP%d: DBSIZE after SWAPDB = %d, %v", proto, n, err)
		}
		if err := rdb.FlushAll(ctx).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// A WATCHed key that SWAPDB or FLUSHALL changes makes EXEC fail, as in
// Redis.
func TestSwapDBAndFlushAllTouchWatchedKeys(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	for _, change := range [][]string{{"SWAPDB", "0", "1"}, {"FLUSHALL"}, {"FLUSHDB"}} {
		t.Run(change[0], func(t *testing.T) {
			a, b := dialRESP(t, addr), dialRESP(t, addr)
			a.cmd("SET", "w", "1")
			a.cmd("WATCH", "w")
			b.cmd(change...)
			a.cmd("MULTI")
			a.cmd("SET", "w", "2")
			if got := a.cmd("EXEC"); got != "*-1\r\n" {
				t.Errorf("EXEC after %s = %q, want a null array", change[0], got)
			}
			a.cmd("FLUSHALL")
		})
	}
}

func TestShutdownStopsTheServer(t *testing.T) {
	srv, addr := startServer(t, DefaultConfig())
	rc := dialRESP(t, addr)
	rc.sendCmd("SHUTDOWN", "NOSAVE", "NOW")
	if got, err := rc.readReply(); !errors.Is(err, io.EOF) && !isConnReset(err) {
		t.Errorf("SHUTDOWN answered %q, %v; want the connection closed", got, err)
	}
	select {
	case <-srv.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("server still running after SHUTDOWN")
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Error("server still accepts connections after SHUTDOWN")
	}
}

func isConnReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne)
}
