package server

import (
	"strconv"
	"strings"
	"sync"
)

// A connection that can receive data it did not ask for (Pub/Sub
// messages, MONITOR lines) writes through an outbound buffer instead of
// straight to its socket:
//
//   - Its own goroutine appends its replies after each command (client's
//     moveReplies), and publishers on other goroutines append messages,
//     all under the buffer's own mutex. Bytes reach the wire in the order
//     they were appended, so a message published between two commands
//     goes between their replies, never inside one.
//   - A writer goroutine of the connection drains the buffer to the
//     socket. Nobody else writes that socket, and nobody holds a lock of
//     anyone else's while it writes: a slow subscriber slows no one.
//   - Every append checks client-output-buffer-limit against what is
//     still pending (Redis's checkClientOutputBufferLimits). A client over
//     its limit is closed at once, and its buffer dropped.
//
// Connections that never subscribe or monitor keep the plain path: their
// replies are written by their own goroutine, one write per batch.
type outbound struct {
	// What a publisher touches for each receiver comes first, in one
	// cache line: a PUBLISH to 1000 subscribers reads 1000 of them.
	mu       sync.Mutex
	resp3    bool   // the protocol the client speaks, for pushes
	closed   bool   // dropping everything: the connection is going away
	draining bool   // finish: write what is pending, then stop
	buf      []byte // appended, not yet taken by the writer
	inflight int    // bytes the writer is writing now (CLIENT LIST's omem counts them)
	// softSince is when the pending output first passed the soft limit
	// (Unix seconds; 0 when under it), as Redis's
	// obuf_soft_limit_reached_time.
	softSince int64
	c         *client

	sock *sockIO // the client's socket, a sockIO of its own; nil without one
	wake chan struct{}
	done chan struct{}
}

// pending is the output not yet written, for CLIENT LIST.
func (o *outbound) pending() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return int64(len(o.buf) + o.inflight)
}

// startOutbound moves the client onto the outbound path, once. Replies
// written so far go first. If another goroutine already started one for
// the client (foreignOutbound), the client adopts it.
func (c *client) startOutbound() *outbound {
	if c.out != nil {
		return c.out
	}
	c.outMu.Lock()
	o := c.outShared.Load()
	if o == nil {
		o = c.newOutbound(c.w.resp3)
	}
	c.outMu.Unlock()
	c.out = o
	return o
}

// foreignOutbound returns the client's outbound buffer for another
// goroutine that must push to it (an invalidation for a RESP3 tracking
// redirect that never subscribed), starting one if the client has none.
// The client's goroutine adopts it at its next flush; until then its own
// replies still go straight to the socket, which is safe because a
// net.Conn never interleaves the bytes of two Writes. It returns nil once
// the connection is leaving.
func (c *client) foreignOutbound() *outbound {
	if o := c.outShared.Load(); o != nil {
		return o
	}
	c.outMu.Lock()
	defer c.outMu.Unlock()
	if o := c.outShared.Load(); o != nil || c.outLeaving {
		return o
	}
	return c.newOutbound(c.shown.resp.Load() == 3)
}

// newOutbound starts the writer; outMu is held.
func (c *client) newOutbound(resp3 bool) *outbound {
	o := &outbound{c: c, resp3: resp3, wake: make(chan struct{}, 1), done: make(chan struct{})}
	if c.req != nil {
		o.sock = newSockIO(c.req.Conn) // its own: the client's goroutine may still use c.req's
	}
	c.outShared.Store(o)
	go o.run()
	return o
}

// run is the writer goroutine: it writes whatever is pending, and ends
// when the connection closes or a write fails.
func (o *outbound) run() {
	defer close(o.done)
	var spare []byte
	for range o.wake {
		o.mu.Lock()
		for len(o.buf) > 0 && !o.closed {
			out := o.buf
			o.buf = spare[:0]
			o.inflight = len(out)
			o.mu.Unlock()
			var err error
			if o.sock != nil {
				_, err = o.sock.write(out)
			}
			o.mu.Lock()
			o.inflight = 0
			if cap(out) <= 1<<20 {
				spare = out
			} else {
				spare = nil
			}
			if err != nil {
				o.closed = true
				o.buf = nil
			}
		}
		stop := o.closed || o.draining
		o.closed = stop
		o.mu.Unlock()
		if stop {
			return
		}
	}
}

// signal wakes the writer; it never blocks.
func (o *outbound) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// appendLocked adds p to the pending output and checks the client's
// limits; o.mu is held. It reports whether the limits were passed, in
// which case the caller must close the client (closeOverLimit) once it
// has let go of the lock.
func (o *outbound) appendLocked(p []byte) (over bool) {
	return o.appendWakeLater(p, o.c.outputClass(), nil)
}

// appendWakeLater is appendLocked for a publisher, which knows the
// receiver's output class (a subscriber's): a writer it finds idle goes
// onto *later, if not nil, to be woken when the publisher's batch ends
// (client.wakeWriters), instead of at once.
func (o *outbound) appendWakeLater(p []byte, class obufClass, later *[]*outbound) (over bool) {
	if o.closed {
		return false
	}
	idle := len(o.buf) == 0 && o.inflight == 0
	o.buf = append(o.buf, p...)
	if o.c.srv.overOutputLimit(class, len(o.buf)+o.inflight, &o.softSince) {
		o.closed = true
		o.buf = nil
		return true
	}
	if idle {
		if later != nil {
			*later = append(*later, o)
		} else {
			o.signal()
		}
	}
	return false
}

// write appends p from the client's own goroutine (its replies) and sets
// the protocol later pushes use, which HELLO may have changed.
func (o *outbound) write(p []byte, resp3 bool) {
	o.mu.Lock()
	o.resp3 = resp3
	over := len(p) > 0 && o.appendLocked(p)
	o.mu.Unlock()
	if over {
		o.c.closeOverLimit()
	}
}

// finish ends the writer once everything appended has been written (or
// the connection failed). The client's own goroutine calls it as the
// connection ends, after the client left every registry; anything
// appended later is dropped.
func (o *outbound) finish() {
	o.mu.Lock()
	o.draining = true
	o.mu.Unlock()
	o.signal()
	<-o.done
}

// closeOverLimit closes a client that passed its output buffer limit, with
// Redis's log line; the client's own goroutine then cleans up.
func (c *client) closeOverLimit() {
	if c.killed.Swap(true) {
		return
	}
	var b strings.Builder
	c.writeClientLine(&b, c, nil)
	line := strings.TrimSuffix(b.String(), "\n")
	c.srv.log.Warn("Client " + line + " scheduled to be closed ASAP for overcoming of output buffer limits.")
	c.closeConn()
}

// obufClass is a client-output-buffer-limit class, in Redis's order.
type obufClass int

const (
	obufNormal obufClass = iota
	obufReplica
	obufPubSub
)

// obufLimit is one class's limits: bytes, bytes and seconds.
type obufLimit struct {
	hard, soft uint64
	softSecs   int64
}

// parseOutputBufferLimits reads client-output-buffer-limit as CONFIG GET
// shows it ("normal h s secs slave h s secs pubsub h s secs").
func parseOutputBufferLimits(v string) [3]obufLimit {
	var out [3]obufLimit
	f := strings.Fields(v)
	for i := 0; i+3 < len(f) && i/4 < 3; i += 4 {
		h, _ := strconv.ParseUint(f[i+1], 10, 64)
		s, _ := strconv.ParseUint(f[i+2], 10, 64)
		secs, _ := strconv.ParseInt(f[i+3], 10, 64)
		out[i/4] = obufLimit{hard: h, soft: s, softSecs: secs}
	}
	return out
}

func applyOutputBufferLimits(s *Server, cfg *Config) {
	l := parseOutputBufferLimits(cfg.value(paramIndex["client-output-buffer-limit"]))
	s.obufLimits.Store(&l)
	s.obufNormalLimited.Store(l[obufNormal].hard != 0 || l[obufNormal].soft != 0)
}

// outputClass is the class whose limits apply to c, as Redis's
// getClientType: a subscriber is pubsub; a MONITOR client, though Redis
// marks it a replica, counts as normal.
func (c *client) outputClass() obufClass {
	if c.subCount() > 0 {
		return obufPubSub
	}
	return obufNormal
}

// overOutputLimit is Redis's checkClientOutputBufferLimits: the hard
// limit closes at once; the soft limit once it has been passed for longer
// than its seconds, as measured from the first append that passed it.
func (s *Server) overOutputLimit(class obufClass, used int, softSince *int64) bool {
	limits := s.obufLimits.Load()
	if limits == nil {
		return false
	}
	l := limits[class]
	if l.hard == 0 && l.soft == 0 {
		return false
	}
	n := uint64(used)
	hard := l.hard != 0 && n >= l.hard
	soft := l.soft != 0 && n >= l.soft
	if !soft {
		*softSince = 0
		return hard
	}
	now := s.clockNow().Unix()
	if *softSince == 0 {
		*softSince = now
		soft = false
	} else if now-*softSince <= l.softSecs {
		soft = false
	}
	return hard || soft
}

// outputFigures are CLIENT LIST's obl, oll and omem for pending output
// bytes, as Redis would hold them: a 16 KB reply buffer first, then a
// list of 16 KB blocks, each with its list node and header counted.
func outputFigures(pending int64) (obl, oll, omem int64) {
	const bufSize, blockOverhead = 16 * 1024, 40
	obl = min(pending, bufSize)
	rest := pending - obl
	oll = (rest + bufSize - 1) / bufSize
	return obl, oll, rest + oll*blockOverhead
}
