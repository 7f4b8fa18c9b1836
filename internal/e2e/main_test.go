package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emberkv/ember/internal/testenv"
)

const (
	startTimeout = 15 * time.Second // from exec to the first PING answered
	stopTimeout  = 10 * time.Second // from SIGTERM to exit
	toolTimeout  = 60 * time.Second // any one run of redis-cli, redis-benchmark, python
)

var (
	repoRoot     string // the module's root directory
	serverBinary string // the ember-server under test
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	root, err := testenv.ModuleRoot()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: cannot find the module root: %v\n", err)
		return 1
	}
	repoRoot = root

	if bin := os.Getenv("EMBER_SERVER_BIN"); bin != "" {
		serverBinary = bin
		return m.Run()
	}
	tmp, err := os.MkdirTemp("", "ember-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	// go test -race builds the server with -race too, so the end-to-end
	// traffic also hunts for data races in the real binary.
	serverBinary, err = testenv.BuildServer(tmp, testenv.RaceEnabled)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	if err := statSources(repoRoot); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	return m.Run()
}

// statSources stats every Go source file and the demo's files. go test
// caches a passing result keyed on the files the test process touched; the
// binary is built by a child process, so without this an edit to the
// server would not rerun these tests.
func statSources(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "bin", "node_modules", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".py", ".mod", ".sum":
			_, err := os.Stat(path)
			return err
		}
		return nil
	})
}

// serverEnv is the environment for a server process. A -race binary
// sleeps a second at exit by default, waiting for late race reports; the
// tests wait for the exit, so skip that (a race found still makes the exit
// status 66, which stop reports).
func serverEnv() []string {
	env := os.Environ()
	if os.Getenv("GORACE") == "" {
		env = append(env, "GORACE=atexit_sleep_ms=0")
	}
	return env
}

// serverProc is a running server process on a loopback port.
type serverProc struct {
	t    *testing.T
	cmd  *exec.Cmd
	port int
	addr string
	log  *testenv.LockedBuffer
	done chan struct{} // closed when the process has exited
	err  error         // the exit status, valid after done
}

// startServer starts the server under test on a free loopback port with
// the extra arguments, waits until it answers, and stops it when the test
// ends.
func startServer(t *testing.T, extra ...string) *serverProc {
	t.Helper()
	var lastErr error
	// The free port is found by binding and closing, so another process
	// can take it in between: try a few ports before giving up.
	for range 3 {
		s, err := tryStartServer(t, extra)
		if err == nil {
			return s
		}
		lastErr = err
		if !strings.Contains(err.Error(), "address already in use") {
			break
		}
	}
	t.Fatal(lastErr)
	return nil
}

func tryStartServer(t *testing.T, extra []string) (*serverProc, error) {
	port := testenv.FreePort(t)
	args := []string{"--bind", "127.0.0.1", "--port", strconv.Itoa(port)}
	if filepath.Base(serverBinary) == "redis-server" {
		// The reference Redis: keep it from writing files.
		args = append(args, "--save", "", "--appendonly", "no")
	}
	args = append(args, extra...)
	s := &serverProc{
		t:    t,
		port: port,
		addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		log:  &testenv.LockedBuffer{},
		done: make(chan struct{}),
	}
	s.cmd = exec.Command(serverBinary, args...)
	s.cmd.Dir = t.TempDir()
	s.cmd.Env = serverEnv()
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(); err != nil {
		s.kill()
		return nil, fmt.Errorf("%s %s: %v\n%s", serverBinary, strings.Join(args, " "), err, s.log.String())
	}
	t.Cleanup(func() {
		select {
		case <-s.done:
			return
		default:
		}
		if err := s.stop(); err != nil {
			t.Errorf("server did not stop cleanly: %v\n%s", err, s.log.String())
		} else if strings.Contains(s.log.String(), "DATA RACE") {
			t.Errorf("the race detector reported a data race in the server:\n%s", s.log.String())
		}
	})
	return s, nil
}

// waitReady waits until the server answers PING, the process exits, or
// startTimeout passes.
func (s *serverProc) waitReady() error {
	err := testenv.WaitForPING(s.addr, s.done, startTimeout)
	if errors.Is(err, testenv.ErrExited) {
		return fmt.Errorf("%w: %v", err, s.err)
	}
	return err
}

// rawLine sends req on a fresh connection and reads one reply line.
func (s *serverProc) rawLine(req string) (string, error) {
	conn, err := net.DialTimeout("tcp", s.addr, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write([]byte(req)); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimRight(line, "\r\n"), err
}

// stop sends SIGTERM and waits for the exit; it returns the exit error
// (nil for status 0).
func (s *serverProc) stop() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-s.done:
		return s.err
	case <-time.After(stopTimeout):
		s.kill()
		return fmt.Errorf("still running %v after SIGTERM; killed", stopTimeout)
	}
}

func (s *serverProc) kill() {
	s.cmd.Process.Kill()
	<-s.done
}

// cli runs redis-cli against the server with a bounded time and returns
// its standard output, and its standard error.
func (s *serverProc) cli(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	return s.cliInput(t, "", args...)
}

func (s *serverProc) cliInput(t *testing.T, input string, args ...string) (stdout, stderr string) {
	t.Helper()
	return cliAt(t, s.addr, input, args...)
}

// cliAt runs redis-cli against the server at addr (host:port), with input
// on its standard input when it is not empty.
func cliAt(t *testing.T, addr, input string, args ...string) (stdout, stderr string) {
	t.Helper()
	cli := testenv.RequireTool(t, "redis-cli")
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	all := append([]string{"-h", host, "-p", port}, args...)
	cmd := exec.CommandContext(ctx, cli, all...)
	cmd.Env = append(os.Environ(), "REDISCLI_HISTFILE=/dev/null")
	if input != "" {
		cmd.Stdin = strings.NewReader(input)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("redis-cli %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String(), errOut.String()
}
