package e2e

import (
	"net"
	"testing"
	"time"
)

// TestSIGTERMExitsCleanly: SIGTERM, with a client connected, ends the
// process with status 0 and closes the port.
func TestSIGTERMExitsCleanly(t *testing.T) {
	s := startServer(t)
	idle, err := net.DialTimeout("tcp", s.addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if line, err := s.rawLine("SET k v\r\n"); err != nil || line != "+OK" {
		t.Fatalf("SET = %q, %v", line, err)
	}
	start := time.Now()
	if err := s.stop(); err != nil {
		t.Fatalf("after SIGTERM: %v\nlog:\n%s", err, s.log.String())
	}
	t.Logf("exited %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	if c, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
		c.Close()
		t.Errorf("port %d still accepts connections after exit", s.port)
	}
	// The connected client sees the connection closed, not a hang.
	idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := idle.Read(make([]byte, 1)); err == nil {
		t.Error("idle client read data after shutdown")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Error("idle client's connection still open after the server exited")
	}
}
