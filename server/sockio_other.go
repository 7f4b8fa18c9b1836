//go:build !linux

package server

import "net"

// sockIO is the Linux request path's raw socket access (sockio_linux.go);
// elsewhere it keeps net.Conn's Read and Write.
type sockIO struct{ conn net.Conn }

func newSockIO(c net.Conn) *sockIO { return &sockIO{conn: c} }

func (s *sockIO) read(p []byte) (int, error)  { return s.conn.Read(p) }
func (s *sockIO) write(p []byte) (int, error) { return s.conn.Write(p) }
