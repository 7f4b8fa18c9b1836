package server

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"sync/atomic"
)

// commandStats are one command's figures for INFO commandstats.
type commandStats struct {
	calls, usec, rejected, failed atomic.Int64
}

// serverStats are the counters INFO stats reports.
type serverStats struct {
	commands            []commandStats
	commandsProcessed   atomic.Int64
	connectionsReceived atomic.Int64
	rejectedConnections atomic.Int64

	errMu  sync.Mutex
	errors map[string]int64 // error code ("ERR", "WRONGTYPE") -> count
}

// countError counts an error reply by its code, for INFO errorstats.
func (st *serverStats) countError(msg string) {
	code := msg
	if i := strings.IndexByte(msg, ' '); i >= 0 {
		code = msg[:i]
	}
	st.errMu.Lock()
	if st.errors == nil {
		st.errors = make(map[string]int64)
	}
	st.errors[code]++
	st.errMu.Unlock()
}

// reset is CONFIG RESETSTAT.
func (st *serverStats) reset() {
	for i := range st.commands {
		c := &st.commands[i]
		c.calls.Store(0)
		c.usec.Store(0)
		c.rejected.Store(0)
		c.failed.Store(0)
	}
	st.commandsProcessed.Store(0)
	st.connectionsReceived.Store(0)
	st.rejectedConnections.Store(0)
	st.errMu.Lock()
	st.errors = nil
	st.errMu.Unlock()
}

func newRunID() string {
	var b [20]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
