package aof

import (
	"syscall"

	"github.com/emberkv/ember/internal/rawio"
)

// rawFile writes the flusher's batches to an *os.File with write(2) made
// by syscall.RawSyscall.
//
// Why: os.File.Write enters the system call the way the Go scheduler
// must assume may block. Entering it wakes the scheduler's monitor
// (sysmon) when it sleeps, and the monitor then looks at the processors
// every 20 µs for a while, handing a processor to another thread when it
// finds one in a call (a futex wake and a context switch each way). A
// write of a batch of commands to the page cache takes a few
// microseconds, and under appendfsync everysec every batch made one: at
// redis-benchmark -c 50 -P 1 SET that cost about a microsecond of CPU a
// command (docs/benchmarks.md, "The AOF's write, raw"), the same cost
// the request path's socket calls had before they went raw.
//
// The raw call keeps its processor for as long as the write takes. A
// write to the page cache can still block (dirty-page throttling, or
// behind a running fsync of the same file); Redis's one thread blocks
// in the same write. Ember's other processors keep running, but a
// collection waiting to stop the world waits for the write too, so the
// writer takes the raw path only while no background fsync runs, the
// case in which a write is most likely to wait for the disk.
type rawFile struct {
	raw   syscall.RawConn
	p     []byte // the batch being written
	n     int    // bytes of p written
	errno syscall.Errno
	fn    func(fd uintptr) bool // writeAll as a method value, made once
}

// newRawFile returns raw access to f's descriptor, or nil when f has none
// (a test's File).
func newRawFile(f File) *rawFile {
	sc, ok := f.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	r := &rawFile{raw: raw}
	r.fn = r.writeAll
	return r
}

// write writes p, returning what was written and the error that stopped
// it, as os.File.Write (but with the bare errno).
func (r *rawFile) write(p []byte) (int, error) {
	r.p, r.n, r.errno = p, 0, 0
	err := r.raw.Write(r.fn)
	r.p = nil
	if err != nil {
		return r.n, err // the file was closed
	}
	if r.errno != 0 {
		return r.n, r.errno
	}
	return r.n, nil
}

func (r *rawFile) writeAll(fd uintptr) bool {
	n, errno := rawio.Write(fd, r.p[r.n:])
	r.n += n
	switch errno {
	case 0: // all of it, or no progress: the caller reports a short write
	case syscall.EAGAIN:
		return false // a descriptor that polls: wait for room, then go on
	default:
		r.errno = errno
	}
	return true
}

// fsync is fsync(2) of the file as a raw system call: the caller keeps
// its processor while the disk works (Writer.syncAlways says when that
// is worth it).
func (r *rawFile) fsync() error {
	var errno syscall.Errno
	if err := r.raw.Control(func(fd uintptr) {
		for {
			_, _, errno = syscall.RawSyscall(syscall.SYS_FSYNC, fd, 0, 0)
			if errno != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err // the file was closed
	}
	if errno != 0 {
		return errno
	}
	return nil
}
