//go:build linux

package server

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
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
