//go:build unix

package server

import (
	"syscall"
	"time"
)

// cpuTimes is getrusage for the process and for its waited-for children.
func cpuTimes() (self, children cpuTime) {
	return rusage(syscall.RUSAGE_SELF), rusage(syscall.RUSAGE_CHILDREN)
}

func rusage(who int) cpuTime {
	var ru syscall.Rusage
	if syscall.Getrusage(who, &ru) != nil {
		return cpuTime{}
	}
	return cpuTime{
		sys:  time.Duration(ru.Stime.Nano()),
		user: time.Duration(ru.Utime.Nano()),
	}
}
