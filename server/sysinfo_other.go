//go:build !unix

package server

// cpuTimes reports nothing where getrusage does not exist.
func cpuTimes() (self, children cpuTime) { return cpuTime{}, cpuTime{} }
