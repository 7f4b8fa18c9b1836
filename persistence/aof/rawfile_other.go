//go:build !linux

package aof

// rawFile is Linux's (rawfile_linux.go); elsewhere the writer keeps
// File.Write.
type rawFile struct{}

func newRawFile(File) *rawFile { return nil }

func (*rawFile) write([]byte) (int, error) { panic("aof: no raw writes here") }

func (*rawFile) fsync() error { panic("aof: no raw fsync here") }
