package server

import (
	"context"
	"net"
	"testing"

	"github.com/redis/go-redis/v9"
)

// startServer runs an in-process server on a free loopback port.
func startServer(t testing.TB, cfg Config) (*Server, string) {
	t.Helper()
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return srv, ln.Addr().String()
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
