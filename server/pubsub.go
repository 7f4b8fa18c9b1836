package server

import (
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/emberkv/ember/store"
)

// Pub/Sub, as Redis's pubsub.c: channels, patterns and (on a single node,
// a namespace of their own) shard channels.
//
// pubsubRegistry maps each channel and pattern to its subscribers, in the
// order they subscribed. Publishers take its read lock only to find the
// receivers and append each message to their outbound buffers (see
// outbound.go); nobody writes a socket under it, so publishers run side by
// side and a slow subscriber holds up no one. Subscribing and
// unsubscribing take the write lock.
//
// Lock order: shard locks (a notification published by a command inside
// EXEC), then the blocking registry, then this registry, then a client's
// outbound mutex. Nothing here takes a shard lock.
type pubsubRegistry struct {
	mu       sync.RWMutex
	channels map[string][]*client
	shard    map[string][]*client
	patterns map[string]*patternSubs
	// patternOrder lists the patterns in the order they were first
	// subscribed, so that pmessages of several patterns go out in a
	// stable order.
	patternOrder []*patternSubs
	// active counts the entries of the three maps: the publishers' fast
	// path when nobody subscribes to anything.
	active atomic.Int64
}

type patternSubs struct {
	pattern string
	clients []*client
}

// clientSubs is what one client is subscribed to; only the client's own
// goroutine reads or changes it, under the registry's write lock.
type clientSubs struct {
	channels map[string]struct{}
	patterns []string // in the order subscribed, as Redis's list
	shard    map[string]struct{}
}

// subCount is Redis's clientTotalPubSubSubscriptionCount, from any
// goroutine: while it is above 0 the client is in Pub/Sub mode (flag P).
func (c *client) subCount() int32 {
	return c.shown.sub.Load() + c.shown.psub.Load() + c.shown.ssub.Load()
}

func (c *client) mySubs() *clientSubs {
	if c.subs == nil {
		c.subs = &clientSubs{channels: map[string]struct{}{}, shard: map[string]struct{}{}}
	}
	return c.subs
}

// countsChanged publishes the client's subscription counts.
func (c *client) countsChanged() {
	s := c.subs
	c.shown.sub.Store(int32(len(s.channels)))
	c.shown.psub.Store(int32(len(s.patterns)))
	c.shown.ssub.Store(int32(len(s.shard)))
}

// subscribe adds the client to a channel (shard or not) and calls
// confirm, under the write lock when the subscription is new, so that no
// message on the channel can reach the client before the confirmation.
func (r *pubsubRegistry) subscribe(c *client, channel []byte, shard bool, confirm func()) {
	s := c.mySubs()
	mine, all := s.channels, &r.channels
	if shard {
		mine, all = s.shard, &r.shard
	}
	if _, ok := mine[string(channel)]; ok {
		confirm()
		return
	}
	ch := string(channel)
	r.mu.Lock()
	defer r.mu.Unlock()
	mine[ch] = struct{}{}
	if *all == nil {
		*all = make(map[string][]*client)
	}
	list, had := (*all)[ch]
	(*all)[ch] = append(list, c)
	if !had {
		r.active.Add(1)
	}
	c.countsChanged()
	confirm()
}

// unsubscribe removes the client from a channel, then calls confirm (if
// not nil).
func (r *pubsubRegistry) unsubscribe(c *client, channel string, shard bool, confirm func()) {
	s := c.subs
	var mine map[string]struct{}
	all := r.channels
	if s != nil {
		mine = s.channels
		if shard {
			mine, all = s.shard, r.shard
		}
	}
	if _, ok := mine[channel]; !ok {
		if confirm != nil {
			confirm()
		}
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(mine, channel)
	if list := removeClient(all[channel], c); len(list) == 0 {
		delete(all, channel)
		r.active.Add(-1)
	} else {
		all[channel] = list
	}
	c.countsChanged()
	if confirm != nil {
		confirm()
	}
}

// psubscribe adds the client to a pattern, as subscribe does to a channel.
func (r *pubsubRegistry) psubscribe(c *client, pattern []byte, confirm func()) {
	s := c.mySubs()
	for _, p := range s.patterns {
		if p == string(pattern) {
			confirm()
			return
		}
	}
	pat := string(pattern)
	r.mu.Lock()
	defer r.mu.Unlock()
	s.patterns = append(s.patterns, pat)
	if r.patterns == nil {
		r.patterns = make(map[string]*patternSubs)
	}
	ps := r.patterns[pat]
	if ps == nil {
		ps = &patternSubs{pattern: pat}
		r.patterns[pat] = ps
		r.patternOrder = append(r.patternOrder, ps)
		r.active.Add(1)
	}
	ps.clients = append(ps.clients, c)
	c.countsChanged()
	confirm()
}

// punsubscribe removes the client from a pattern, then calls confirm (if
// not nil).
func (r *pubsubRegistry) punsubscribe(c *client, pattern string, confirm func()) {
	i := 0
	if s := c.subs; s != nil {
		for i < len(s.patterns) && s.patterns[i] != pattern {
			i++
		}
	}
	if c.subs == nil || i == len(c.subs.patterns) {
		if confirm != nil {
			confirm()
		}
		return
	}
	s := c.subs
	r.mu.Lock()
	defer r.mu.Unlock()
	s.patterns = append(s.patterns[:i], s.patterns[i+1:]...)
	ps := r.patterns[pattern]
	if ps.clients = removeClient(ps.clients, c); len(ps.clients) == 0 {
		delete(r.patterns, pattern)
		for j, o := range r.patternOrder {
			if o == ps {
				r.patternOrder = append(r.patternOrder[:j], r.patternOrder[j+1:]...)
				break
			}
		}
		r.active.Add(-1)
	}
	c.countsChanged()
	if confirm != nil {
		confirm()
	}
}

// removeClient deletes c from list in place, keeping the order of the
// rest; the caller holds the write lock, so no publisher is reading it.
func removeClient(list []*client, c *client) []*client {
	for i, x := range list {
		if x == c {
			copy(list[i:], list[i+1:])
			list[len(list)-1] = nil
			return list[:len(list)-1]
		}
	}
	return list
}

// sortedKeys returns a client's channels in byte order: the order Ember
// unsubscribes them all in (Redis's is its hash table's).
func sortedKeys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// leavePubSub drops every subscription without a word to the client: a
// closed connection, or RESET.
func (c *client) leavePubSub() {
	if c.subs == nil {
		return
	}
	r := &c.srv.pubsub
	for _, ch := range sortedKeys(c.subs.channels) {
		r.unsubscribe(c, ch, false, nil)
	}
	for _, ch := range sortedKeys(c.subs.shard) {
		r.unsubscribe(c, ch, true, nil)
	}
	for len(c.subs.patterns) > 0 {
		r.punsubscribe(c, c.subs.patterns[0], nil)
	}
}

// The kinds of push Pub/Sub sends, as Redis's shared objects.
const (
	pushMessage  = "message"
	pushPMessage = "pmessage"
	pushSMessage = "smessage"
)

var pushKinds = map[string][]byte{pushMessage: []byte(pushMessage), pushPMessage: []byte(pushPMessage), pushSMessage: []byte(pushSMessage)}

// appendPush encodes a push of bulk strings: *n in RESP2, >n in RESP3.
func appendPush(buf []byte, resp3 bool, parts ...[]byte) []byte {
	if resp3 {
		buf = append(buf, '>')
	} else {
		buf = append(buf, '*')
	}
	buf = strconv.AppendInt(buf, int64(len(parts)), 10)
	buf = append(buf, '\r', '\n')
	for _, p := range parts {
		buf = append(buf, '$')
		buf = strconv.AppendInt(buf, int64(len(p)), 10)
		buf = append(buf, '\r', '\n')
		buf = append(buf, p...)
		buf = append(buf, '\r', '\n')
	}
	return buf
}

// frame is one message encoded once per protocol, on demand, and copied
// into every receiver's buffer.
type frame struct {
	parts [4][]byte // kind, [pattern,] channel, message
	n     int
	enc   [2][]byte // RESP2, RESP3
	built [2]bool
}

func (f *frame) bytes(resp3 bool) []byte {
	i := 0
	if resp3 {
		i = 1
	}
	if !f.built[i] {
		f.enc[i] = appendPush(f.enc[i][:0], resp3, f.parts[:f.n]...)
		f.built[i] = true
	}
	return f.enc[i]
}

var framePool = sync.Pool{New: func() any { return new(frame) }}

// publish sends message to the subscribers of channel and of the patterns
// that match it, and returns how many deliveries it made: Redis's
// pubsubPublishMessage, for code inside the server that has no client at
// hand. It costs one atomic load when nobody subscribes to anything.
func (s *Server) publish(channel, message []byte) int {
	return s.publishFrom(nil, channel, message, false)
}

// publishFrom is publish on behalf of the client whose command publishes
// (nil for none); shard selects the shard channels (SPUBLISH), which
// patterns never match. The writers of the receivers are woken when the
// publisher's batch of commands ends (client.wakeWriters), so a
// pipelined batch of PUBLISHes reaches each subscriber in one write, as
// Redis writes each client once per pass of its event loop. The client's own copy, if it is a receiver, goes
// into its reply stream at this point, as in Redis: a RESP3 client that
// publishes to itself reads the message before PUBLISH's reply.
func (s *Server) publishFrom(from *client, channel, message []byte, shard bool) int {
	r := &s.pubsub
	if r.active.Load() == 0 {
		return 0
	}
	f := framePool.Get().(*frame)
	n := 0
	var over []*client
	var later *[]*outbound
	if from != nil {
		later = &from.wakeLater
	}
	deliver := func(c *client) {
		n++
		if c == from {
			c.pushNow(f.bytes(c.w.resp3))
			return
		}
		o := c.out
		if o == nil {
			return
		}
		o.mu.Lock()
		if o.appendWakeLater(f.bytes(o.resp3), obufPubSub, later) {
			over = append(over, c)
		}
		o.mu.Unlock()
	}
	r.mu.RLock()
	m, kind := r.channels, pushMessage
	if shard {
		m, kind = r.shard, pushSMessage
	}
	if list := m[string(channel)]; len(list) > 0 {
		f.reset(kind, nil, channel, message)
		for _, c := range list {
			deliver(c)
		}
	}
	if !shard && len(r.patternOrder) > 0 {
		ch := string(channel)
		for _, ps := range r.patternOrder {
			if !store.Match(ps.pattern, ch, false) {
				continue
			}
			f.reset(pushPMessage, []byte(ps.pattern), channel, message)
			for _, c := range ps.clients {
				deliver(c)
			}
		}
	}
	r.mu.RUnlock()
	f.reset("", nil, nil, nil)
	framePool.Put(f)
	for _, c := range over {
		c.closeOverLimit()
	}
	return n
}

func (f *frame) reset(kind string, pattern, channel, message []byte) {
	f.built = [2]bool{}
	if kind == "" {
		f.parts = [4][]byte{}
		f.n = 0
		return
	}
	f.parts[0] = pushKinds[kind]
	i := 1
	if pattern != nil {
		f.parts[i] = pattern
		i++
	}
	f.parts[i] = channel
	f.parts[i+1] = message
	f.n = i + 2
}
