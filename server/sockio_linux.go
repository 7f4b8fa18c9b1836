package server

import (
	"io"
	"net"
	"syscall"
	"unsafe"

	"github.com/emberkv/ember/internal/rawio"
)

// sockIO reads and writes a client's socket with raw system calls, for
// the request path: the connection's goroutine reads each batch of
// requests and writes its replies through it.
//
// Why not net.Conn's Read and Write: they go through syscall.Syscall,
// which tells the scheduler that the goroutine's thread may block. A
// read or write of a non-blocking socket never does, but the scheduler's
// monitor cannot know that: a write that delivers a batch of replies
// over loopback takes tens of microseconds, long enough for the monitor
// to hand the goroutine's processor to another thread (a futex wake and
// a context switch each way) and to keep itself waking every 20 µs to
// look for more. With two cores shared with the clients, that was the
// largest cost Redis does not pay (docs/benchmarks.md, "Raw socket
// calls"). RawSyscall keeps the processor; syscall.RawConn still holds
// the descriptor open during the call and waits in the runtime's poller
// when the socket has nothing to read or no room to write, deadlines
// included, as net.Conn does.
type sockIO struct {
	conn net.Conn
	raw  syscall.RawConn // nil: conn has no descriptor, and its Read and Write serve

	p       []byte // the buffer of the call in progress
	n       int
	err     error
	readFn  func(fd uintptr) bool // method values made once: no allocation per call
	writeFn func(fd uintptr) bool
	// idle is readOr's function for the read in progress: run once, the
	// first time the socket has nothing to read, before the read waits.
	idle func() error
	// full: the last read filled its buffer, so more is likely waiting.
	full bool
}

// newSockIO returns raw access to c's socket; a connection without one
// (a test's in-memory connection) keeps its own Read and Write.
func newSockIO(c net.Conn) *sockIO {
	s := &sockIO{conn: c}
	if sc, ok := c.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			s.raw = raw
			s.readFn, s.writeFn = s.readOnce, s.writeSome
		}
	}
	return s
}

// read reads what the socket holds into p, waiting for something if it
// holds nothing: one read(2) when data is there.
func (s *sockIO) read(p []byte) (int, error) { return s.transfer(p, false) }

// readOr is read after idle, or, when the last read filled its buffer
// (a batch bigger than one read is arriving), read that calls idle only
// if the socket turns out to hold nothing and the read is about to wait;
// an error from idle ends the read with it. idle may write to the socket
// (the replies of a batch): a read and a write of one socket hold
// separate locks.
//
// Why not always read first: after a short read the socket was empty, and
// is likely still (a client that waits for its replies), so the read
// would fail and the replies wait for it; worse, a request that arrives
// while idle writes is then only seen once the runtime polls the network
// again. At -P 1 that put GET's p99 from 0.8 ms to 1.1-4.5.
func (s *sockIO) readOr(p []byte, idle func() error) (n int, err error) {
	if s.raw != nil && s.full {
		s.idle = idle
		n, err = s.transfer(p, false)
		s.idle = nil
	} else {
		if err := idle(); err != nil {
			return 0, err
		}
		n, err = s.read(p)
	}
	s.full = n == len(p)
	return n, err
}

// write writes all of p, waiting for room in the socket's buffer when
// it is full.
func (s *sockIO) write(p []byte) (int, error) { return s.transfer(p, true) }

// transfer runs readOnce or writeSome on p through the RawConn, which
// calls it again each time the poller says the socket is ready. An
// error of the RawConn's own (closed, past a deadline) comes with the
// bytes written so far; a read that fails so has read nothing.
func (s *sockIO) transfer(p []byte, write bool) (int, error) {
	switch {
	case s.raw == nil && write:
		return s.conn.Write(p)
	case s.raw == nil:
		return s.conn.Read(p)
	case len(p) == 0:
		return 0, nil
	}
	s.p, s.n, s.err = p, 0, nil
	var err error
	if write {
		err = s.raw.Write(s.writeFn)
	} else {
		err = s.raw.Read(s.readFn)
	}
	s.p = nil
	if err != nil {
		return s.n, err
	}
	return s.n, s.err
}

func (s *sockIO) readOnce(fd uintptr) bool {
	for {
		n, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(s.p))), uintptr(len(s.p)))
		switch errno {
		case 0:
			s.n = int(n)
			if n == 0 {
				s.err = io.EOF
			}
			raceAcquireSocket(fd)
			return true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			if idle := s.idle; idle != nil {
				// Before the wait: idle's writes go through transfer
				// too, so this read's state is kept aside. Whatever
				// arrives meanwhile marks the socket ready, so the
				// wait below ends at once.
				s.idle = nil
				p := s.p
				err := idle()
				s.p, s.n, s.err = p, 0, nil
				if err != nil {
					s.err = err
					return true
				}
			}
			return false // wait in the poller, then try again
		default:
			s.err = errno
			return true
		}
	}
}

func (s *sockIO) writeSome(fd uintptr) bool {
	raceReleaseSocket(fd)
	n, errno := rawio.Write(fd, s.p[s.n:])
	s.n += n
	switch errno {
	case 0:
	case syscall.EAGAIN:
		return false // wait for room, then go on
	default:
		s.err = errno
	}
	return true
}
