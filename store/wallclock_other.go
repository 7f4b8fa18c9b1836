//go:build !unix

package store

import "time"

// wallMs reads the wall clock in Unix milliseconds.
func wallMs() int64 { return time.Now().UnixMilli() }
