//go:build !linux

package server

import "net"

// sockIO is the Linux request path's raw socket access (sockio_linux.go);
// elsewhere connections keep net.Conn's Read and Write.
type sockIO struct{}

func newSockIO(net.Conn) *sockIO { return nil }

func (*sockIO) read([]byte) (int, error)  { panic("unreachable") }
func (*sockIO) write([]byte) (int, error) { panic("unreachable") }
