package server

import (
	"math"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emberkv/ember/internal/redisnum"
	"github.com/emberkv/ember/store"
)

// Blocking commands (BLPOP, BLMOVE, BZPOPMIN, ...) park the client's
// goroutine until a key it waits for is filled, its timeout passes, CLIENT
// UNBLOCK frees it or it disconnects. The design follows Redis's
// blocked.c:
//
//   - blockRegistry maps each (database, key) to the clients waiting for
//     it, first come first served (Redis's db->blocking_keys).
//   - After a write command, and after EXEC as a whole, the writer's own
//     goroutine serves the waiters of the keys the command wrote, before
//     it runs its next command (Redis's signalKeyAsReady and
//     handleClientsBlockedOnKeys). Serving pops for the waiter and writes
//     the waiter's reply into its buffer; the waiter then wakes and flushes
//     it. A served BLMOVE pushes onto its destination, which may serve
//     others in turn.
//   - While a client is blocked, its socket is still read (requestConn's
//     watch): a disconnect unblocks it at once, and requests pipelined
//     behind the blocking command wait for it, as in Redis.
//
// One mutex guards the registry. It is taken before any shard lock and
// never while holding one: a blocking command inside EXEC (which holds
// shards) runs as its non-blocking form and does not touch the registry.

// blockKey names a key some client waits for.
type blockKey struct {
	db  int
	key string
	// whole stands for every key of the database (SWAPDB), in the lists
	// of keys to serve; the registry never holds one.
	whole bool
}

// blockedClient is one client parked in a blocking command.
type blockedClient struct {
	c    *client
	keys []blockKey
	// kind is the type of value that can serve the client: a list for
	// BLPOP and friends, a sorted set for BZPOPMIN and friends. In Redis
	// 7.0 a key of another type leaves the client blocked.
	kind store.Kind
	// serve tries to satisfy the client from a key that was written: it
	// pops (or moves) for the client and writes the client's reply,
	// reporting whether it did. It runs with the registry locked, on the
	// goroutine that made the key ready; the blocked goroutine is parked
	// meanwhile, so serve may write to c.w. Keys it fills (BLMOVE's
	// destination) go to ready.
	serve func(db *store.DB, key string, ready *[]blockKey) bool

	deadline int64 // Unix ms by the server's clock; 0 waits forever

	// Set under the registry's lock when the client stops waiting.
	finished bool
	how      unblockReason
	wake     chan struct{} // closed when finished by someone else
}

type unblockReason uint8

const (
	unblockServed unblockReason = iota + 1
	unblockTimeout
	unblockError // CLIENT UNBLOCK ... ERROR
)

type blockRegistry struct {
	mu      sync.Mutex
	waiting map[blockKey][]*blockedClient
	// count is the number of blocked clients: INFO's blocked_clients, and
	// the writers' fast path (nothing to serve when it is 0).
	count atomic.Int64
	// timed are the clients whose deadline only the server's clock can
	// tell (a manual clock in tests), checked by ClockChanged.
	timed map[*blockedClient]struct{}
}

// blockedNow is INFO's blocked_clients.
func (r *blockRegistry) blockedNow() int64 { return r.count.Load() }

// parseBlockTimeout reads a blocking command's timeout, float seconds as
// Redis's getTimeoutFromObjectOrReply: rounded up to the millisecond,
// negative refused, 0 meaning forever. It returns an absolute Unix ms
// deadline by the server's clock (0 for none).
func (c *client) parseBlockTimeout(arg []byte) (deadline int64, ok bool) {
	f, isFloat := redisnum.ParseLongDouble(arg)
	if !isFloat {
		c.w.error(errTimeoutNotFloat)
		return 0, false
	}
	ms, _ := new(big.Float).Mul(f, big.NewFloat(1000)).Float64()
	ms = math.Ceil(ms)
	// C's conversion of a long double beyond the range of long long
	// gives LLONG_MIN on x86-64, so Redis calls an infinite or huge
	// timeout negative.
	if ms < 0 || ms >= math.MaxInt64 || math.IsInf(ms, 0) {
		c.w.error(errTimeoutNegative)
		return 0, false
	}
	if ms == 0 {
		return 0, true
	}
	now := c.srv.clockNow().UnixMilli()
	if ms >= float64(math.MaxInt64-now) {
		return math.MaxInt64, true // as good as forever
	}
	return now + int64(ms), true
}

// clockNow is the time by the server's clock (the store's).
func (s *Server) clockNow() time.Time { return s.store.Clock().Now() }

// block parks the client until serve succeeds for one of keys (a key of
// the given kind), the deadline passes, CLIENT UNBLOCK or a disconnect.
// The caller has already tried every key once without the registry's
// lock; block tries again under it, so that a write landing in between is
// not missed, and only then waits. It returns false when the connection
// is gone and must close.
//
// Inside MULTI/EXEC the caller must not block: it replies as on timeout.
func (c *client) block(keys [][]byte, kind store.Kind, deadline int64,
	serve func(db *store.DB, key string, ready *[]blockKey) bool) bool {
	reg := &c.srv.blocking
	b := &blockedClient{c: c, kind: kind, serve: serve, deadline: deadline, wake: make(chan struct{})}

	reg.mu.Lock()
	// Counted before the retry: a writer that fills a key after the retry
	// reads the count after its write, sees this client and comes for the
	// registry's lock, which it gets once the client is registered.
	reg.count.Add(1)
	var ready []blockKey
	for _, k := range keys {
		if serve(c.db, keyOf(k), &ready) {
			reg.count.Add(-1)
			reg.mu.Unlock()
			// What serving filled (BLMOVE's destination) is served
			// when the call ends, after its effects are logged.
			c.readied = append(c.readied, ready...)
			return true
		}
	}
	if reg.waiting == nil {
		reg.waiting = make(map[blockKey][]*blockedClient)
	}
	for _, k := range keys {
		bk := blockKey{db: c.dbIndex, key: string(k)}
		dup := false
		for _, have := range b.keys {
			if have == bk {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		b.keys = append(b.keys, bk)
		reg.waiting[bk] = append(reg.waiting[bk], b)
	}
	systemClock := c.srv.usesSystemClock()
	if deadline != 0 && !systemClock {
		if reg.timed == nil {
			reg.timed = make(map[*blockedClient]struct{})
		}
		reg.timed[b] = struct{}{}
	}
	c.blocked.Store(true)
	reg.mu.Unlock()

	var timeout <-chan time.Time
	if deadline != 0 && systemClock {
		t := time.NewTimer(time.Duration(deadline-time.Now().UnixMilli()) * time.Millisecond)
		defer t.Stop()
		timeout = t.C
	}
	var gone <-chan struct{}
	if c.req != nil {
		var stop func()
		gone, stop = c.req.watch()
		defer stop()
	}
	alive := true
	c.parked = true
	c.wakeWriters()
	// The replies of the commands pipelined before this one go out now,
	// once the AOF has them, and the order lock is let go: whoever serves
	// this client logs the pop.
	if c.aof.active {
		c.aofFlushUnit()
		c.aof.active = false // before the release: a writer that serves c reads it
		c.aofRelease()
	}
	defer c.noteBlocked(monoNow())
	select {
	case <-b.wake:
	case <-timeout:
	case <-gone:
		alive = false
	case <-c.srv.shutdown:
		alive = false
	}

	reg.mu.Lock()
	if !b.finished {
		reg.finish(b, unblockTimeout)
	}
	how := b.how
	reg.mu.Unlock()
	c.blocked.Store(false)
	c.blockedOut = how != unblockServed
	switch how {
	case unblockTimeout:
		c.w.nullArray()
	case unblockError:
		c.w.error(errUnblocked)
	}
	return alive
}

// finish takes b out of the registry; the registry's lock is held.
func (r *blockRegistry) finish(b *blockedClient, how unblockReason) {
	b.finished, b.how = true, how
	for _, bk := range b.keys {
		q := r.waiting[bk]
		for i, x := range q {
			if x == b {
				q = append(q[:i:i], q[i+1:]...)
				break
			}
		}
		if len(q) == 0 {
			delete(r.waiting, bk)
		} else {
			r.waiting[bk] = q
		}
	}
	delete(r.timed, b)
	r.count.Add(-1)
}

// serveReady serves the clients blocked on keys that a command wrote, in
// the order they blocked, until each key runs dry; keys that serving
// fills in turn (BLMOVE's destination) are served next. It runs on the
// writer's goroutine with no shard held.
func (s *Server) serveReady(keys []blockKey) {
	reg := &s.blocking
	if len(keys) == 0 || reg.count.Load() == 0 {
		return
	}
	reg.mu.Lock()
	var woken []*blockedClient
	var notes store.OpNotes // what a serving pop did, for its "del" event
	for len(keys) > 0 {
		bk := keys[0]
		keys = keys[1:]
		if bk.whole {
			for k := range reg.waiting {
				if k.db == bk.db {
					keys = append(keys, k)
				}
			}
			continue
		}
		q := reg.waiting[bk]
		if len(q) == 0 {
			continue
		}
		db := s.store.DB(bk.db).WithNotes(&notes)
		kind := db.Type(bk.key)
		for i := 0; i < len(q); {
			b := q[i]
			if b.kind != kind {
				i++ // as Redis 7.0: it goes on waiting
				continue
			}
			notes.Emptied = false
			if !b.serve(db, bk.key, &keys) {
				break // the key ran dry (or its type changed)
			}
			reg.finish(b, unblockServed)
			woken = append(woken, b)
			q = reg.waiting[bk]
			kind = db.Type(bk.key)
		}
	}
	reg.mu.Unlock()
	for _, b := range woken {
		close(b.wake)
	}
}

// unblock is CLIENT UNBLOCK: it frees a blocked client as if it had timed
// out, or with an error, and reports whether the client was blocked.
func (s *Server) unblock(target *client, how unblockReason) bool {
	reg := &s.blocking
	reg.mu.Lock()
	var found *blockedClient
	for _, q := range reg.waiting {
		for _, b := range q {
			if b.c == target {
				found = b
				break
			}
		}
		if found != nil {
			break
		}
	}
	if found != nil {
		reg.finish(found, how)
	}
	reg.mu.Unlock()
	if found == nil {
		return false
	}
	close(found.wake)
	return true
}

// ClockChanged tells the server that its clock moved. With the system
// clock blocked clients time out on their own; with a clock of the
// caller's (embertest's manual clock), a blocked client whose timeout has
// passed by that clock is answered when the clock is said to have moved.
func (s *Server) ClockChanged() {
	s.pauseClockChanged()
	reg := &s.blocking
	now := s.clockNow().UnixMilli()
	reg.mu.Lock()
	var due []*blockedClient
	for b := range reg.timed {
		if b.deadline <= now {
			due = append(due, b)
		}
	}
	for _, b := range due {
		reg.finish(b, unblockTimeout)
	}
	reg.mu.Unlock()
	for _, b := range due {
		close(b.wake)
	}
}

// usesSystemClock reports whether the server runs on the wall clock.
func (s *Server) usesSystemClock() bool { return s.store.Clock() == store.SystemClock }

// signalWritten serves the clients blocked on the keys a command filled,
// once it is done: a write command's key arguments (found with its key
// specs, so movable keys too) in the client's database, and any key noted
// in c.readied (MOVE's and COPY's destinations in another database, with
// signalKey; a script's keys).
func (c *client) signalWritten(cmd *command, args [][]byte) {
	if c.srv.blocking.count.Load() == 0 {
		c.readied = c.readied[:0]
		return
	}
	ready := c.readied
	c.readied = nil
	if cmd.flags&flagWrite != 0 {
		ready = appendKeysOf(ready, c.dbIndex, cmd, args)
	}
	c.srv.serveReady(ready)
}

// appendKeysOf appends the keys of a command to ready.
func appendKeysOf(ready []blockKey, db int, cmd *command, args [][]byte) []blockKey {
	if cmd.flags&flagMovableKeys != 0 || cmd.firstKey == 0 {
		keys, _ := cmd.findKeys(args)
		for _, k := range keys {
			ready = append(ready, blockKey{db: db, key: string(args[k.pos])})
		}
		return ready
	}
	for _, i := range cmd.keyIndexes(args) {
		ready = append(ready, blockKey{db: db, key: string(args[i])})
	}
	return ready
}

// signalKey notes a key in another database that the running command
// filled (MOVE, COPY ... DB), for the waiters on it.
func (c *client) signalKey(db int, key string) {
	if c.srv.blocking.count.Load() > 0 {
		c.readied = append(c.readied, blockKey{db: db, key: key})
	}
}

// signalDatabases notes that databases swapped contents (SWAPDB): the
// waiters of their keys are served once the command is done, as Redis's
// scanDatabaseForReadyKeys.
func (c *client) signalDatabases(dbs ...int) {
	if c.srv.blocking.count.Load() == 0 {
		return
	}
	for _, db := range dbs {
		c.readied = append(c.readied, blockKey{db: db, whole: true})
	}
}
