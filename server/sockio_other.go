//go:build !linux

package server

import "net"

// sockIO is the Linux request path's raw socket access (sockio_linux.go);
// elsewhere it keeps net.Conn's Read and Write.
type sockIO struct{ conn net.Conn }

func newSockIO(c net.Conn) *sockIO { return &sockIO{conn: c} }

func (s *sockIO) read(p []byte) (int, error)  { return s.conn.Read(p) }
func (s *sockIO) write(p []byte) (int, error) { return s.conn.Write(p) }

// readOr is read after idle: without a raw socket there is no telling
// whether a read would wait.
func (s *sockIO) readOr(p []byte, idle func() error) (int, error) {
	if err := idle(); err != nil {
		return 0, err
	}
	return s.conn.Read(p)
}
