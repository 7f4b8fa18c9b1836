package testenv

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// redisStartTimeout bounds the wait for a fresh redis-server to answer.
const redisStartTimeout = 10 * time.Second

// StartRedis runs a throwaway redis-server on a free loopback port, with
// no persistence (--save "" --appendonly no) plus any extra "--name value"
// arguments, waits until it answers PING, and returns its address. It is
// killed when the test ends. Without redis-server the test skips, or fails
// under EMBER_REQUIRE_TOOLS=1.
func StartRedis(t testing.TB, extra ...string) string {
	t.Helper()
	path := RequireTool(t, "redis-server")
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port := FreePort(t)
		args := append([]string{
			"--port", strconv.Itoa(port),
			"--bind", "127.0.0.1",
			"--save", "",
			"--appendonly", "no",
			"--daemonize", "no",
			"--dir", t.TempDir(),
			"--logfile", "",
		}, extra...)
		cmd := exec.Command(path, args...)
		var log LockedBuffer
		cmd.Stdout = &log
		cmd.Stderr = &log
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if err := WaitForPING(addr, exited, redisStartTimeout); err != nil {
			cmd.Process.Kill()
			<-exited
			lastErr = fmt.Errorf("redis-server: %v\nredis-server output:\n%s", err, log.String())
			continue // most likely the port was taken meanwhile
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			<-exited
		})
		return addr
	}
	t.Fatalf("redis-server did not start: %v", lastErr)
	return ""
}

// ErrExited is what WaitForPING returns when the process exits first.
var ErrExited = errors.New("exited during start-up")

// WaitForPING polls addr until the server there answers PING (+PONG, or
// -NOAUTH when it wants a password), exited is closed (the process is
// gone: ErrExited), or limit passes.
func WaitForPING(addr string, exited <-chan struct{}, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-exited:
			return ErrExited
		default:
		}
		if answersPING(addr) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer to PING within %v", limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// answersPING sends an inline PING on a fresh connection and reads one
// reply line.
func answersPING(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return false
	}
	line = strings.TrimRight(line, "\r\n")
	return line == "+PONG" || strings.HasPrefix(line, "-NOAUTH")
}
