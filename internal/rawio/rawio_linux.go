// Package rawio makes the write(2) calls of Ember's request path with
// syscall.RawSyscall, inside a syscall.RawConn's callback: the sockets'
// replies (server/sockio_linux.go) and the AOF's batches
// (persistence/aof/rawfile_linux.go). The Go runtime treats a raw call
// as one that cannot block, so entering it neither wakes the
// scheduler's monitor nor risks handing the processor to another thread
// (docs/benchmarks.md, "Raw socket calls" and "The AOF's write, raw").
package rawio

import (
	"syscall"
	"unsafe"
)

// Write writes p to fd until all of it is written, EINTR aside, or the
// call fails: it returns the bytes written and the errno that stopped it
// (syscall.EAGAIN when a non-blocking descriptor has no room; the caller
// waits and calls again with the rest). A write that makes no progress
// returns with errno 0 and fewer bytes than len(p).
func Write(fd uintptr, p []byte) (int, syscall.Errno) {
	done := 0
	for done < len(p) {
		rest := p[done:]
		n, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(rest))), uintptr(len(rest)))
		switch errno {
		case 0:
			if n == 0 {
				return done, 0
			}
			done += int(n)
		case syscall.EINTR:
		default:
			return done, errno
		}
	}
	return done, 0
}
