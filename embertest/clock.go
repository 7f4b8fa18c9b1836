package embertest

import (
	"sync"
	"time"

	"github.com/emberkv/ember/server"
	"github.com/emberkv/ember/store"
)

// clock is the time the store sees. A manual clock reads a fixed time that
// only FastForward and SetTime move. Otherwise it is the wall clock plus an
// offset, zero until FastForward or SetTime moves it, so that those work
// (and keys still expire in real time) without a manual clock.
type clock struct {
	manual bool
	mu     sync.RWMutex
	now    time.Time     // the time, when manual
	offset time.Duration // added to the wall clock, when not
}

func newClock(o options) *clock {
	c := &clock{manual: o.manual}
	if o.manual {
		c.now = o.start
		if c.now.IsZero() {
			c.now = time.Now()
		}
		c.now = c.now.Round(0) // no monotonic reading: the time is made up
	}
	return c
}

// Now implements store.Clock.
func (c *clock) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.manual {
		return c.now
	}
	return time.Now().Add(c.offset)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.manual {
		c.now = c.now.Add(d)
	} else {
		c.offset += d
	}
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.manual {
		c.now = t.Round(0)
	} else {
		c.offset = time.Until(t)
	}
}

// Now returns the server's time: the manual clock's reading, or the wall
// clock moved by any FastForward and SetTime. Compute absolute expiry times
// (EXPIREAT, SET EXAT) from it, not from time.Now.
func (s *Server) Now() time.Time { return s.clock.Now() }

// FastForward moves the server's clock forward by d and then removes every
// key whose TTL has passed, at once, as the active sweeper eventually would:
// TTL and PTTL replies move on by d, and expired keys are gone from GET,
// KEYS, DBSIZE and INFO alike. With a manual clock this is the only way
// time passes (with SetTime). Without one it shifts the wall clock by d for
// the rest of the server's life, and keys keep expiring in real time too.
// A negative d moves the clock back; keys already removed stay removed.
//
// A client blocked with a timeout (BLPOP, BRPOP, BLMOVE ...) whose
// deadline the move passes is answered as timed out.
func (s *Server) FastForward(d time.Duration) {
	s.clock.advance(d)
	s.store.Sweep()
	s.clockChanged()
}

// SetTime sets the server's clock to t and then removes the keys whose TTL
// has passed, as FastForward does. Without a manual clock the server's time
// runs on from t.
func (s *Server) SetTime(t time.Time) {
	s.clock.set(t)
	s.store.Sweep()
	s.clockChanged()
}

// clockChanged tells the running server that its clock moved, so that
// blocked clients whose timeout has passed are answered. The server knows
// only the wall clock's timers, and embertest's clock, even when it follows
// the wall clock, is not that one.
func (s *Server) clockChanged() {
	s.mu.Lock()
	srv, running := s.srv, s.running
	s.mu.Unlock()
	if running {
		srv.ClockChanged()
	}
}

// sweepInterval is how often keys expired in real time are reclaimed: every
// 100ms, as Redis's default hz 10.
const sweepInterval = 100 * time.Millisecond

// sweeper reclaims expired keys in the background while a server without a
// manual clock runs. It stands in for the store's own sweeper, which cannot
// start again once stopped, so that Close then Restart keeps working. Test
// keyspaces are small: it sweeps everything each time, where the store's
// sweeper samples. On the same tick it times out blocked clients whose
// deadline has passed (see clockChanged), so a BRPOP with a timeout returns
// within sweepInterval of it, as Redis answers from its hz 10 cron at worst.
type sweeper struct {
	quit chan struct{}
	done chan struct{}
}

func startSweeper(st *store.Store, srv *server.Server) *sweeper {
	sw := &sweeper{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(sw.done)
		t := time.NewTicker(sweepInterval)
		defer t.Stop()
		for {
			select {
			case <-sw.quit:
				return
			case <-t.C:
				st.Sweep()
				srv.ClockChanged()
			}
		}
	}()
	return sw
}

func (sw *sweeper) stop() {
	close(sw.quit)
	<-sw.done
}
