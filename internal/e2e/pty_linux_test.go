//go:build linux

package e2e

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/emberkv/ember/internal/testenv"
)

// pty is the controlling side of a Linux pseudo-terminal, with what the
// program on the other side has written so far. Opening /dev/ptmx by hand
// keeps the tests free of a module dependency and of an external tool.
type pty struct {
	master *os.File
	out    testenv.LockedBuffer
	closed chan struct{} // closed when reading the master fails (the program is gone)
}

// openPTY opens a pseudo-terminal of 24x80 and returns it with its
// terminal side, for a child's stdin, stdout and stderr.
func openPTY() (*pty, *os.File, error) {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	var unlock int32
	if err := ioctl(master, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("unlock pty: %w", err)
	}
	var n uint32
	if err := ioctl(master, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("pty number: %w", err)
	}
	term, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	// A line editor asks the terminal for its width; a size of 0x0 would
	// make it fall back to querying the cursor position and wait.
	size := struct{ rows, cols, xpixel, ypixel uint16 }{24, 80, 0, 0}
	if err := ioctl(term, syscall.TIOCSWINSZ, unsafe.Pointer(&size)); err != nil {
		master.Close()
		term.Close()
		return nil, nil, fmt.Errorf("set pty size: %w", err)
	}
	p := &pty{master: master, closed: make(chan struct{})}
	go func() {
		defer close(p.closed)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			p.out.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	return p, term, nil
}

// ioctl goes through SyscallConn rather than Fd, which would switch the
// file to blocking mode and keep Close from interrupting a Read.
func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(arg))
	}); err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	return nil
}

// typeLine types a line as a person would, ending it with Enter.
func (p *pty) typeLine(s string) error {
	_, err := p.master.Write([]byte(s + "\r"))
	return err
}

// waitFor waits up to d for the output to contain want, counting only
// output after offset from; it returns the offset just past the match.
func (p *pty) waitFor(want string, from int, d time.Duration) (int, error) {
	deadline := time.Now().Add(d)
	for {
		out := p.out.String()
		if from > len(out) {
			from = len(out)
		}
		if i := strings.Index(out[from:], want); i >= 0 {
			return from + i + len(want), nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("no %q on the terminal within %v; it shows:\n%q", want, d, out)
		}
		select {
		case <-p.closed:
			// One last look: the program may have written it and exited.
			if i := strings.Index(p.out.String()[from:], want); i >= 0 {
				return from + i + len(want), nil
			}
			return 0, fmt.Errorf("terminal closed without %q; it showed:\n%q", want, p.out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (p *pty) Close() error { return p.master.Close() }
