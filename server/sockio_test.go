//go:build linux

package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// loopbackPair returns both ends of a TCP connection on 127.0.0.1.
func loopbackPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

func TestSockIO(t *testing.T) {
	t.Run("a write bigger than the socket's buffers arrives whole, in order", func(t *testing.T) {
		srv, cli := loopbackPair(t)
		s := newSockIO(srv)
		if s == nil {
			t.Fatal("a TCP connection has no raw access")
		}
		want := make([]byte, 16<<20) // far more than loopback's buffers: the write must wait for room
		for i := range want {
			want[i] = byte(i * 7)
		}
		got := make(chan []byte, 1)
		go func() {
			cli.SetReadDeadline(time.Now().Add(30 * time.Second))
			b, _ := io.ReadAll(io.LimitReader(cli, int64(len(want))))
			got <- b
		}()
		n, err := s.write(want)
		if err != nil || n != len(want) {
			t.Fatalf("write: %d, %v", n, err)
		}
		if b := <-got; !bytes.Equal(b, want) {
			t.Fatalf("the reader got %d bytes, not the %d written, or other bytes", len(b), len(want))
		}
	})
	t.Run("a read waits for data, then returns what is there", func(t *testing.T) {
		srv, cli := loopbackPair(t)
		s := newSockIO(srv)
		go func() {
			time.Sleep(10 * time.Millisecond) // the read is waiting in the poller by now, most runs
			cli.Write([]byte("*1\r\n$4\r\nPING\r\n"))
		}()
		buf := make([]byte, 64)
		n, err := s.read(buf)
		if err != nil || string(buf[:n]) != "*1\r\n$4\r\nPING\r\n" {
			t.Fatalf("read %q, %v", buf[:n], err)
		}
	})
	t.Run("the peer's close is io.EOF", func(t *testing.T) {
		srv, cli := loopbackPair(t)
		s := newSockIO(srv)
		cli.Close()
		n, err := s.read(make([]byte, 16))
		if n != 0 || err != io.EOF {
			t.Fatalf("read after close: %d, %v", n, err)
		}
	})
	t.Run("a deadline ends a waiting read", func(t *testing.T) {
		srv, _ := loopbackPair(t)
		s := newSockIO(srv)
		srv.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		_, err := s.read(make([]byte, 16))
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read past the deadline: %v", err)
		}
	})
	t.Run("a write to a connection closed here fails", func(t *testing.T) {
		srv, _ := loopbackPair(t)
		s := newSockIO(srv)
		srv.Close()
		if _, err := s.write([]byte("+OK\r\n")); err == nil {
			t.Fatal("a write to a closed connection succeeded")
		}
	})
	t.Run("reads and writes allocate nothing", func(t *testing.T) {
		srv, cli := loopbackPair(t)
		s := newSockIO(srv)
		req, reply := []byte("*1\r\n$4\r\nPING\r\n"), []byte("+PONG\r\n")
		buf, back := make([]byte, 64), make([]byte, 64)
		allocs := testing.AllocsPerRun(200, func() {
			cli.Write(req)
			if n, err := s.read(buf); err != nil || n != len(req) {
				t.Fatalf("read: %d, %v", n, err)
			}
			if _, err := s.write(reply); err != nil {
				t.Fatal(err)
			}
			io.ReadFull(cli, back[:len(reply)])
		})
		if allocs != 0 {
			t.Fatalf("%v allocations per request and reply", allocs)
		}
	})
}

// A pipelined batch bigger than one read, already in the socket, is read
// without a write of replies in between: next flushes only when the
// socket runs dry and the read would wait (and once before its first
// read, when nothing is known of the socket). Before, it flushed before
// every read, which cost SET -P 16 of 16 KB values a write per read.
func TestNextFlushesOnlyBeforeItWaits(t *testing.T) {
	srv, cli := loopbackPair(t)
	if err := srv.(*net.TCPConn).SetReadBuffer(4 << 20); err != nil {
		t.Fatal(err)
	}
	rc := newTestRequestConn(srv)
	val := bytes.Repeat([]byte("v"), 16<<10)
	var batch []byte
	const requests = 16
	for i := 0; i < requests; i++ {
		batch = fmt.Appendf(batch, "*3\r\n$3\r\nSET\r\n$2\r\nk%d\r\n$%d\r\n%s\r\n", i%10, len(val), val)
	}
	if _, err := cli.Write(batch); err != nil {
		t.Fatal(err)
	}
	// Every byte must be in the server's socket before the reads start,
	// or a read could come up short by the timing alone.
	waitQueued(t, srv, len(batch))
	chunks, flushes := 0, 0
	endChunk := func() { chunks++ }
	flush := func() error { flushes++; return nil }
	for i := 0; i < requests; i++ {
		args, err := rc.next(endChunk, flush)
		if err != nil || len(args) != 3 || string(args[0]) != "SET" || len(args[2]) != len(val) {
			t.Fatalf("request %d: %d args, %v", i, len(args), err)
		}
	}
	if flushes != 1 {
		t.Errorf("%d flushes while the batch was read (%d reads), want 1: the one before the first read", flushes, chunks)
	}
	if chunks < 2 {
		t.Fatalf("the batch took %d reads: the test needs more than one", chunks)
	}
	cli.(*net.TCPConn).CloseWrite()
	if _, err := rc.next(endChunk, flush); err != io.EOF {
		t.Fatalf("after the batch: %v, want EOF", err)
	}
	if flushes != 2 {
		t.Errorf("%d flushes in all, want 2: the socket ran dry once", flushes)
	}
}

// newTestRequestConn reads requests from c with limits no test reaches.
func newTestRequestConn(c net.Conn) *requestConn {
	var maxBulk, maxQuery atomic.Int64
	maxBulk.Store(512 << 20)
	maxQuery.Store(1 << 30)
	return newRequestConn(c, &maxBulk, &maxQuery)
}

// waitQueued returns once c's socket holds n bytes unread, and fails the
// test if they have not arrived within 10 s.
func waitQueued(t *testing.T, c net.Conn, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for socketQueued(t, c) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d bytes arrived", socketQueued(t, c), n)
		}
		runtime.Gosched()
	}
}

// socketQueued is how many bytes c's socket holds unread.
func socketQueued(t *testing.T, c net.Conn) int {
	t.Helper()
	raw, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	raw.Control(func(fd uintptr) {
		var v int32
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&v))); errno != 0 {
			t.Fatal(errno)
		}
		n = int(v)
	})
	return n
}

// When a read that filled its buffer is followed by an empty socket, the
// flush runs inside the read, before it waits: its write goes out, the
// read then returns what the client sends next; an error from the flush
// ends the read with it.
func TestNextFlushesInsideAReadThatWouldWait(t *testing.T) {
	// One request of exactly readChunk bytes: the first read fills the
	// connection's buffer, so the next read tries the socket first.
	exact := func() []byte {
		n := readChunk - len("*2\r\n$4\r\nECHO\r\n$00000\r\n\r\n")
		return fmt.Appendf(nil, "*2\r\n$4\r\nECHO\r\n$%d\r\n%s\r\n", n, bytes.Repeat([]byte("e"), n))
	}()
	if len(exact) != readChunk {
		t.Fatalf("the request is %d bytes, want %d", len(exact), readChunk)
	}
	for _, tc := range []struct {
		name     string
		flushErr error
	}{
		{"the replies go out, then the read waits", nil},
		{"the flush's error ends the read", errConnClosing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, cli := loopbackPair(t)
			srv.SetReadDeadline(time.Now().Add(10 * time.Second)) // no wait without end
			rc := newTestRequestConn(srv)
			if _, err := cli.Write(exact); err != nil {
				t.Fatal(err)
			}
			waitQueued(t, srv, len(exact))
			flushes := 0
			flush := func() error {
				flushes++
				if _, err := srv.Write([]byte("+reply\r\n")); err != nil {
					return err
				}
				if flushes == 1 {
					return nil // the one before the first read
				}
				return tc.flushErr
			}
			if args, err := rc.next(func() {}, flush); err != nil || string(args[0]) != "ECHO" {
				t.Fatalf("first request: %q, %v", args, err)
			}
			client := make(chan error, 1)
			go func() {
				cli.SetReadDeadline(time.Now().Add(10 * time.Second))
				buf := make([]byte, 64)
				got := 0
				for got < 2*len("+reply\r\n") { // the flush before the first read, and the one inside the second
					n, err := cli.Read(buf[got:])
					if err != nil {
						client <- err
						return
					}
					got += n
				}
				_, err := cli.Write([]byte("*1\r\n$4\r\nPING\r\n"))
				client <- err
			}()
			args, err := rc.next(func() {}, flush)
			if tc.flushErr != nil {
				if err != tc.flushErr {
					t.Fatalf("after a failed flush: %q, %v; want %v", args, err, tc.flushErr)
				}
			} else if err != nil || string(args[0]) != "PING" {
				t.Fatalf("second request: %q, %v", args, err)
			}
			if err := <-client; err != nil {
				t.Fatalf("client: %v", err)
			}
			if flushes != 2 {
				t.Errorf("%d flushes, want 2", flushes)
			}
		})
	}
}
