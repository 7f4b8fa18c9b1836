//go:build linux && race

package server

import "syscall"

// The race detector learns that bytes written to a socket happen before
// the bytes read from it through annotations in syscall.Write and
// syscall.Read, which raw system calls skip (sockio_linux.go). A
// zero-length Write before a raw write and a zero-length Read after a
// raw read make those annotations without moving any data, so that a
// test's write of a variable before it sends a request still happens
// before the server's read of it. Race builds only.

func raceReleaseSocket(fd uintptr) { syscall.Write(int(fd), nil) }

func raceAcquireSocket(fd uintptr) { syscall.Read(int(fd), nil) }
