package server

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emberkv/ember/internal/redisnum"
)

// CLIENT PAUSE and CLIENT UNPAUSE, as Redis 7.0's pauseClients: while a
// pause lasts, the commands it covers wait before they run (Redis's
// BLOCKED_POSTPONE): every command in an ALL pause; in a WRITE pause the
// write and may-replicate commands (EVAL, PUBLISH, ...), and an EXEC of a
// transaction holding one. The pausing client is no exception, and a
// postponed client counts as blocked (flag b, blocked_clients), as in
// Redis. A new pause merges with the one in force: the stricter type and
// the later end.
//
// A postponed client sleeps on a channel that is closed whenever the pause
// ends or weakens (UNPAUSE, or the end passing by the server's clock:
// a timer with the wall clock, ClockChanged with a manual one), then looks
// again. Its socket is watched meanwhile, as for blocking commands.

type pauseType int32

const (
	pauseOff pauseType = iota
	pauseWrite
	pauseAll
)

type pauseState struct {
	mu   sync.Mutex
	typ  pauseType
	end  int64         // Unix ms by the server's clock
	wake chan struct{} // closed when the pause ends or weakens
	// active is typ, for the dispatcher's fast path (one atomic load).
	active atomic.Int32
}

// CLIENT PAUSE timeout [WRITE|ALL]: the mode is checked before the
// timeout, as Redis does; the timeout is in milliseconds.
func cmdClientPause(c *client, args [][]byte) {
	if len(args) > 4 {
		c.w.error(fmt.Sprintf(errSubcommandSyntax, cString(args[1], 128), "CLIENT"))
		return
	}
	typ := pauseAll
	if len(args) == 4 {
		switch strings.ToLower(string(args[3])) {
		case "write":
			typ = pauseWrite
		case "all":
		default:
			c.w.error(errPauseMode)
			return
		}
	}
	ms, ok := redisnum.ParseInt(args[2])
	if !ok {
		c.w.error(errPauseTimeoutNotInteger)
		return
	}
	if ms < 0 {
		c.w.error(errTimeoutNegative)
		return
	}
	end := int64(0)
	if ms > 0 {
		// As Redis's getTimeoutFromObjectOrReply, a sum past int64 wraps
		// (negative: a pause already over).
		end = c.srv.clockNow().UnixMilli() + ms
	}
	c.srv.pauseClients(typ, end)
	c.w.ok()
}

// CLIENT UNPAUSE ends the pause; the postponed clients run.
func cmdClientUnpause(c *client, args [][]byte) {
	c.srv.unpauseClients()
	c.w.ok()
}

func (s *Server) pauseClients(typ pauseType, end int64) {
	p := &s.pause
	p.mu.Lock()
	defer p.mu.Unlock()
	p.typ = max(p.typ, typ)
	p.end = max(p.end, end)
	if p.wake == nil {
		p.wake = make(chan struct{})
	}
	s.updatePauseLocked()
}

func (s *Server) unpauseClients() {
	p := &s.pause
	p.mu.Lock()
	p.typ, p.end = pauseOff, 0
	s.updatePauseLocked()
	p.mu.Unlock()
}

// updatePauseLocked ends a pause whose end has passed (Redis's
// updateClientPauseTypeAndEndTime: an end before now), and wakes the
// postponed clients when the pause is now weaker than they saw it.
func (s *Server) updatePauseLocked() {
	p := &s.pause
	if p.typ != pauseOff && p.end < s.clockNow().UnixMilli() {
		p.typ, p.end = pauseOff, 0
	}
	if old := pauseType(p.active.Load()); p.typ < old && p.wake != nil {
		close(p.wake)
		p.wake = make(chan struct{})
	}
	p.active.Store(int32(p.typ))
	// As Redis, a pause of either type also stops expiry, to its end.
	frozen := int64(0)
	if p.typ != pauseOff {
		frozen = p.end
	}
	s.store.FreezeExpiry(frozen)
}

// pausedFor reports whether the pause in force holds cmd back, and if so
// the channel to wait on and the pause's end.
func (s *Server) pausedFor(c *client, cmd *command) (wake chan struct{}, end int64, paused bool) {
	p := &s.pause
	p.mu.Lock()
	defer p.mu.Unlock()
	s.updatePauseLocked()
	switch p.typ {
	case pauseOff:
		return nil, 0, false
	case pauseWrite:
		if !c.mayReplicate(cmd) {
			return nil, 0, false
		}
	}
	return p.wake, p.end, true
}

// mayReplicate is Redis's is_may_replicate_command: a write or
// may-replicate command, or an EXEC of a transaction holding one.
func (c *client) mayReplicate(cmd *command) bool {
	if f, ok := c.scriptCommandFlags(cmd, c.args); ok {
		return f&(flagWrite|flagMayReplicate) != 0
	}
	if cmd.flags&(flagWrite|flagMayReplicate) != 0 {
		return true
	}
	if cmd.name == "exec" && c.multi != nil {
		for _, q := range c.multi.cmds {
			if q.cmd.flags&(flagWrite|flagMayReplicate) != 0 {
				return true
			}
		}
	}
	return false
}

// postpone waits while the pause holds cmd back. It returns false when
// the connection went away (or the server is shutting down) meanwhile.
func (c *client) postpone(cmd *command) bool {
	wake, end, paused := c.srv.pausedFor(c, cmd)
	if !paused {
		return true
	}
	reg := &c.srv.blocking
	reg.count.Add(1)
	c.blocked.Store(true)
	defer func() {
		c.blocked.Store(false)
		reg.count.Add(-1)
	}()
	var gone <-chan struct{}
	if c.req != nil {
		g, stop := c.req.watch()
		defer stop()
		gone = g
	}
	c.wakeWriters()
	defer c.noteBlocked(monoNow())
	for paused {
		var timeout <-chan time.Time
		if c.srv.usesSystemClock() && end < math.MaxInt64 {
			t := time.NewTimer(time.Duration(end-time.Now().UnixMilli()+1) * time.Millisecond)
			timeout = t.C
			defer t.Stop()
		}
		select {
		case <-wake:
		case <-timeout:
		case <-gone:
			return false
		case <-c.srv.shutdown:
			return false
		}
		wake, end, paused = c.srv.pausedFor(c, cmd)
	}
	return true
}

// pauseClockChanged ends a pause whose end the server's clock has passed
// (ClockChanged).
func (s *Server) pauseClockChanged() {
	p := &s.pause
	p.mu.Lock()
	s.updatePauseLocked()
	p.mu.Unlock()
}
