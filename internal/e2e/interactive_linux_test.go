//go:build linux

package e2e

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/emberkv/ember/internal/testenv"
)

// TestRedisCLIInteractive starts redis-cli with no command, on a terminal,
// as a person would: the prompt shows, typed commands get answers (quoted,
// as redis-cli prints them on a terminal), and quit ends the session.
func TestRedisCLIInteractive(t *testing.T) {
	cli := testenv.RequireTool(t, "redis-cli")
	s := startServer(t)

	p, term, err := openPTY()
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, cli, "-h", "127.0.0.1", "-p", strconv.Itoa(s.port))
	cmd.Env = append(os.Environ(), "TERM=xterm", "REDISCLI_HISTFILE=/dev/null")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = term, term, term
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		term.Close()
		t.Fatal(err)
	}
	term.Close() // the child has its own copy
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	const wait = 10 * time.Second
	prompt := "127.0.0.1:" + strconv.Itoa(s.port) + "> "
	steps := []struct {
		typed  string
		want   string
		prompt string // the prompt that follows; typing before it shows is lost
	}{
		{"PING", "PONG", prompt},
		{"SET greeting hello", "OK", prompt},
		{"GET greeting", `"hello"`, prompt},
		{"GET nosuchkey", "(nil)", prompt},
		{"NOSUCHCMD", "(error) ERR unknown command 'NOSUCHCMD'", prompt},
		{"SELECT 2", "OK", "127.0.0.1:" + strconv.Itoa(s.port) + "[2]> "},
		{"GET greeting", "(nil)", "127.0.0.1:" + strconv.Itoa(s.port) + "[2]> "},
	}
	// linenoise switches the terminal to raw mode with TCSAFLUSH, which
	// drops input typed before it: type only once the prompt is there.
	at, err := p.waitFor(prompt, 0, wait)
	if err != nil {
		t.Fatalf("no first prompt: %v", err)
	}
	for _, st := range steps {
		if err := p.typeLine(st.typed); err != nil {
			t.Fatalf("type %q: %v", st.typed, err)
		}
		// The answer comes after the line ends; before that the line
		// editor redraws the typed text and its hints.
		if at, err = p.waitFor("\r\n", at, wait); err == nil {
			at, err = p.waitFor(st.want, at, wait)
		}
		if err == nil {
			at, err = p.waitFor(st.prompt, at, wait)
		}
		if err != nil {
			t.Fatalf("after typing %q: %v", st.typed, err)
		}
	}
	if err := p.typeLine("quit"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("redis-cli exited with %v; the terminal showed:\n%q", err, p.out.String())
		}
	case <-time.After(wait):
		t.Fatalf("redis-cli still running %v after quit; the terminal showed:\n%q", wait, p.out.String())
	}
}
