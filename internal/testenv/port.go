package testenv

import (
	"net"
	"testing"
)

// FreePort returns a port on 127.0.0.1 that was free a moment ago. It is
// found by binding and closing, so another process may take it in between:
// a caller that starts a server on it retries on "address already in use".
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free loopback port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
