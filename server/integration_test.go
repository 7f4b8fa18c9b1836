package server

import (
	"context"
	"fmt"
	"net"
	"testing"

	"github.com/redis/go-redis/v9"
)

// startServer runs an in-process server on a free loopback port.
func startServer(t testing.TB, cfg Config) (*Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveOn(t, cfg, ln), ln.Addr().String()
}

// serveOn runs an in-process server on ln (a wrapped listener, say) and
// closes it when the test ends.
func serveOn(t testing.TB, cfg Config, ln net.Listener) *Server {
	t.Helper()
	srv, err := New(cfg)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return srv
}

// eachProtocol runs f in a subtest per protocol, "RESP2" and "RESP3", each
// with a go-redis client of that protocol connected to addr and closed
// when the subtest ends.
func eachProtocol(t *testing.T, addr string, f func(t *testing.T, rdb *redis.Client, proto int)) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto})
			defer rdb.Close()
			f(t, rdb, proto)
		})
	}
}

func TestGoRedisBothProtocols(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	for _, proto := range []int{2, 3} {
		rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto})
		ctx := context.Background()
		if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
			t.Fatalf("RESP%d SET: %v", proto, err)
		}
		if got, err := rdb.Get(ctx, "k").Result(); err != nil || got != "v" {
			t.Fatalf("RESP%d GET = %q, %v", proto, got, err)
		}
		if err := rdb.Get(ctx, "missing").Err(); err != redis.Nil {
			t.Fatalf("RESP%d GET missing: %v, want redis.Nil", proto, err)
		}
		rdb.Close()
	}
}
