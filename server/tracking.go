package server

import (
	"bytes"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/emberkv/ember/internal/redisnum"
	"github.com/emberkv/ember/store"
)

// Client-side caching, as Redis 7.0's tracking.c.
//
//   - In the default mode the keys of every read-only command a tracking
//     client runs are remembered (the tracking table: key -> clients, one
//     table for all databases, as in Redis). When any client changes such a
//     key, each remembered client gets one invalidation and is forgotten
//     for that key.
//   - In BCAST mode a client names prefixes instead; every changed key
//     that starts with one of them is collected and sent to the prefix's
//     clients, one message per prefix, once the command is done.
//   - The store reports every changed key (store.Options.OnKeyModified)
//     from under the key's shard lock, with the id of the writer when the
//     writer is a tracking client (its DB views carry its id; see
//     client.dbAt). Invalidations for other clients go at once into their
//     outbound buffers; one for the writer itself waits in its own list and
//     follows its reply, as Redis's tracking_pending_keys.
//   - RESP3 clients get ">2 invalidate [keys]" pushes; a client may send
//     them to another connection instead (REDIRECT), which receives them as
//     pushes in RESP3 or, in RESP2, as messages of __redis__:invalidate when
//     it is subscribed to anything.
//
// Lock order: shard locks, then the tracking registry, then a client's
// outbound mutex. Nothing here takes a shard lock. Until a client first
// turns tracking on the store has no callback at all; after that a write
// costs one atomic load while nothing is tracked.

// Tracking flags of a client, kept in client.trackFlags.
const (
	trackOn uint32 = 1 << iota
	trackBcast
	trackOptIn
	trackOptOut
	trackNoLoop
	trackBrokenRedir
)

type trackingRegistry struct {
	mu       sync.Mutex
	keys     map[string][]*client // default mode: who may cache each key
	items    int                  // the sum of the lists' lengths
	prefixes map[string]*bcastPrefix
	clients  map[*client]struct{} // every client with tracking on
	// pendingBcast says some prefix has keys to broadcast.
	pendingBcast atomic.Bool

	// active is len(keys)+len(prefixes): the store callback's fast path.
	active  atomic.Int64
	nkeys   atomic.Int64 // len(keys), for the table's limit
	on      atomic.Int64 // tracking_clients
	hooked  atomic.Bool  // the store callback is installed
	maxKeys atomic.Int64 // tracking-table-max-keys
	// evictTimeouts is Redis's timeout_counter: each call that stays over
	// the limit tries harder next time.
	evictTimeouts atomic.Int64
}

// bcastPrefix is one prefix of the BCAST clients: its clients, and the
// keys changed since the last broadcast with who changed each last.
type bcastPrefix struct {
	clients []*client
	keys    map[string]int64
}

// pendingInvalidation waits in a tracking client's own list until its
// command's reply is written: a key, or every key (a flush).
type pendingInvalidation struct {
	key string
	all bool
}

// tracking reports whether the client has tracking on.
func (c *client) tracking() bool { return c.trackFlags.Load()&trackOn != 0 }

// keyModified is the store's OnKeyModified: key changed, through a view of
// writer's (0 when the writer is not a tracking client, and
// store.SweeperWriter when no command changed it).
func (s *Server) keyModified(writer int64, key string) {
	s.aofKeyModified()
	t := &s.tracking
	if t.active.Load() == 0 {
		return
	}
	t.mu.Lock()
	t.invalidateLocked(writer, key, true)
	if writer == store.SweeperWriter && t.pendingBcast.Load() {
		// No command made the change: none ends to broadcast it, so it
		// goes now.
		t.broadcastLocked(nil)
	}
	t.mu.Unlock()
}

// invalidateLocked is Redis's trackingInvalidateKey; bcast says the key
// really changed (not evicted from the table), so BCAST clients hear of
// it too.
func (t *trackingRegistry) invalidateLocked(writer int64, key string, bcast bool) {
	if bcast && len(t.prefixes) > 0 {
		for p, bp := range t.prefixes {
			if !strings.HasPrefix(key, p) {
				continue
			}
			if bp.keys == nil {
				bp.keys = make(map[string]int64)
			}
			if _, ok := bp.keys[key]; ok {
				bp.keys[key] = writer
			} else {
				bp.keys[strings.Clone(key)] = writer
			}
			t.pendingBcast.Store(true)
		}
	}
	list, ok := t.keys[key]
	if !ok {
		return
	}
	delete(t.keys, key)
	t.items -= len(list)
	t.nkeys.Add(-1)
	t.active.Add(-1)
	var value []byte
	for _, target := range list {
		f := target.trackFlags.Load()
		// As Redis: a client that turned tracking off, or switched to
		// BCAST, hears nothing of keys it read before.
		if f&trackOn == 0 || f&trackBcast != 0 {
			continue
		}
		if target.id == writer {
			if f&trackNoLoop == 0 {
				target.trackPending = append(target.trackPending, pendingInvalidation{key: strings.Clone(key)})
			}
			continue
		}
		if value == nil {
			value = appendKeyList(nil, key)
		}
		t.send(target, value, nil)
	}
}

// appendKeyList encodes keys as the RESP array an invalidation carries.
func appendKeyList(buf []byte, keys ...string) []byte {
	buf = append(buf, '*')
	buf = strconv.AppendInt(buf, int64(len(keys)), 10)
	buf = append(buf, '\r', '\n')
	for _, k := range keys {
		buf = append(buf, '$')
		buf = strconv.AppendInt(buf, int64(len(k)), 10)
		buf = append(buf, '\r', '\n')
		buf = append(buf, k...)
		buf = append(buf, '\r', '\n')
	}
	return buf
}

// nullFor is Redis's shared.null for the tracking client's protocol: the
// "every key" of a flush. Like Redis, it follows the tracking client's
// protocol even when the message goes to a redirect of another protocol.
func nullFor(c *client) []byte {
	if c.shown.resp.Load() == 3 {
		return []byte("_\r\n")
	}
	return []byte("$-1\r\n")
}

// send is Redis's sendTrackingMessage: it delivers an invalidation (value
// is the RESP array of keys, or a null) for target, to target or to its
// redirect. own is the client whose goroutine is running, whose own
// pushes go after its reply in its reply buffer; nil for none. The
// registry's lock is held.
func (t *trackingRegistry) send(target *client, value []byte, own *client) {
	dst := target
	redirected := false
	if id := target.trackRedirect.Load(); id != 0 {
		r := target.trackRedir
		if r == nil || r.gone.Load() || r.killed.Load() {
			// As Redis: the tracking client is told, in RESP3, that its
			// redirect is gone, and nothing is sent.
			target.trackFlags.Or(trackBrokenRedir)
			if target.shown.resp.Load() == 3 {
				var b []byte
				b = append(b, ">2\r\n$21\r\ntracking-redir-broken\r\n:"...)
				b = strconv.AppendInt(b, id, 10)
				b = append(b, '\r', '\n')
				deliver(target, own, func(bool, bool) []byte { return b })
			}
			return
		}
		dst, redirected = r, true
	}
	deliver(dst, own, func(resp3, subscribed bool) []byte {
		var b []byte
		switch {
		case resp3:
			b = append(b, ">2\r\n$10\r\ninvalidate\r\n"...)
		case redirected && subscribed:
			b = append(b, "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"...)
		default:
			// RESP2 has no pushes: a RESP2 client hears of invalidations
			// only through a subscribed redirect.
			return nil
		}
		return append(b, value...)
	})
}

// deliver appends the bytes build makes for dst's protocol to dst's
// output: its reply buffer when dst is own, else its outbound buffer. A
// RESP3 client without one (a redirect that never subscribed) gets one
// started for it; a RESP2 one would get nothing anyway.
func deliver(dst, own *client, build func(resp3, subscribed bool) []byte) {
	if dst == own {
		if b := build(dst.w.resp3, dst.subCount() > 0); b != nil {
			dst.w.buf = append(dst.w.buf, b...)
		}
		return
	}
	o := dst.outShared.Load()
	if o == nil {
		if dst.shown.resp.Load() != 3 {
			return
		}
		if o = dst.foreignOutbound(); o == nil {
			return
		}
	}
	o.mu.Lock()
	b := build(o.resp3, dst.subCount() > 0)
	over := b != nil && o.appendLocked(b)
	o.mu.Unlock()
	if over {
		dst.closeOverLimit()
	}
}

// broadcastLocked is Redis's trackingBroadcastInvalidationMessages: each
// prefix's changed keys, in byte order, to each of its clients (NOLOOP
// clients without the keys they changed themselves).
func (t *trackingRegistry) broadcastLocked(own *client) {
	t.pendingBcast.Store(false)
	prefixes := make([]string, 0, len(t.prefixes))
	for p, bp := range t.prefixes {
		if len(bp.keys) > 0 {
			prefixes = append(prefixes, p)
		}
	}
	sort.Strings(prefixes)
	for _, p := range prefixes {
		bp := t.prefixes[p]
		keys := make([]string, 0, len(bp.keys))
		for k := range bp.keys {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		all := appendKeyList(nil, keys...)
		for _, c := range bp.clients {
			if c.trackFlags.Load()&trackNoLoop == 0 {
				t.send(c, all, own)
				continue
			}
			var mine []string
			for _, k := range keys {
				if bp.keys[k] != c.id {
					mine = append(mine, k)
				}
			}
			if len(mine) > 0 {
				t.send(c, appendKeyList(nil, mine...), own)
			}
		}
		bp.keys = nil
	}
}

// afterCommandTracking sends what the command left for this client: its
// own invalidations, after its reply. BCAST broadcasts wait for the end of
// the batch (broadcastPending).
func (c *client) afterCommandTracking() {
	t := &c.srv.tracking
	if len(c.trackPending) == 0 {
		return
	}
	t.mu.Lock()
	for _, p := range c.trackPending {
		// As Redis, only while tracking is still on (RESET may have turned
		// it off since).
		if !c.tracking() {
			break
		}
		if p.all {
			t.send(c, nullFor(c), c)
		} else {
			t.send(c, appendKeyList(nil, p.key), c)
		}
	}
	clear(c.trackPending)
	c.trackPending = c.trackPending[:0]
	t.mu.Unlock()
}

// broadcastPending sends the BCAST invalidations that are waiting. It runs
// whenever a client's goroutine is about to wait (wakeWriters), so the
// keys a pipelined batch changed go out as one message per prefix, as
// Redis sends them once per event-loop turn, in beforeSleep.
func (c *client) broadcastPending() {
	t := &c.srv.tracking
	if !t.pendingBcast.Load() {
		return
	}
	t.mu.Lock()
	if t.pendingBcast.Load() {
		t.broadcastLocked(c)
	}
	t.mu.Unlock()
}

// rememberKeys is Redis's trackingRememberKeys, after a read-only command
// of a tracking client in the default mode.
func (c *client) rememberKeys(cmd *command, args [][]byte) {
	f := c.trackFlags.Load()
	if (f&trackOptIn != 0 && !c.trackCaching) || (f&trackOptOut != 0 && c.trackCaching) {
		return
	}
	if cmd.flags&flagPubSub != 0 {
		return // shard channels are keys to COMMAND, not to the cache
	}
	var idx []int
	if cmd.flags&flagMovableKeys != 0 || cmd.firstKey == 0 {
		keys, _ := cmd.findKeys(args)
		for _, k := range keys {
			idx = append(idx, k.pos)
		}
	} else {
		idx = cmd.keyIndexes(args)
	}
	if len(idx) == 0 {
		return
	}
	t := &c.srv.tracking
	t.mu.Lock()
	if t.keys == nil {
		t.keys = make(map[string][]*client)
	}
	for _, i := range idx {
		list, ok := t.keys[string(args[i])]
		if !ok {
			t.keys[string(args[i])] = []*client{c}
			t.items++
			t.nkeys.Add(1)
			t.active.Add(1)
			continue
		}
		if !slices.Contains(list, c) {
			t.keys[string(args[i])] = append(list, c)
			t.items++
		}
	}
	t.mu.Unlock()
}

// limitTable is Redis's trackingLimitUsedSlots, before every command while
// some client tracks: over tracking-table-max-keys, random keys are
// dropped from the table and their clients told, as if they had changed.
// c is the client about to run a command (nil for none).
func (s *Server) limitTable(c *client) {
	t := &s.tracking
	max := t.maxKeys.Load()
	if max == 0 || t.nkeys.Load() <= max {
		if max != 0 && t.evictTimeouts.Load() != 0 {
			t.evictTimeouts.Store(0)
		}
		return
	}
	var writer int64
	if c != nil && c.tracking() {
		writer = c.id
	}
	t.mu.Lock()
	effort := 100 * (t.evictTimeouts.Load() + 1)
	under := false
	for key := range t.keys { // Go's map order is random enough
		if effort == 0 {
			break
		}
		effort--
		t.invalidateLocked(writer, key, false)
		if int64(len(t.keys)) <= max {
			under = true
			break
		}
	}
	if under {
		t.evictTimeouts.Store(0)
	} else {
		t.evictTimeouts.Add(1)
	}
	t.mu.Unlock()
	if c != nil {
		// As Redis: the invalidations of the running client go out before
		// its command runs.
		c.afterCommandTracking()
	}
}

// trackingFlushed is Redis's trackingInvalidateKeysOnFlush, after FLUSHDB
// or FLUSHALL: every tracking client is told that every key is invalid
// (the running one after its reply), and the table is emptied.
func (c *client) trackingFlushed() {
	t := &c.srv.tracking
	if !t.hooked.Load() {
		return
	}
	t.mu.Lock()
	clients := make([]*client, 0, len(t.clients))
	for cl := range t.clients {
		clients = append(clients, cl)
	}
	sort.Slice(clients, func(i, j int) bool { return clients[i].id < clients[j].id })
	for _, cl := range clients {
		if cl == c {
			c.trackPending = append(c.trackPending, pendingInvalidation{all: true})
			continue
		}
		t.send(cl, nullFor(cl), nil)
	}
	t.active.Add(-int64(len(t.keys)))
	t.nkeys.Add(-int64(len(t.keys)))
	t.keys = nil
	t.items = 0
	t.mu.Unlock()
}

// enableTracking is Redis's enableTracking, once the options are checked.
func (c *client) enableTracking(redirect *client, redirectID int64, options uint32, prefixes []string) {
	s := c.srv
	t := &s.tracking
	c.startOutbound() // invalidations come from other goroutines
	if !t.hooked.Load() {
		s.store.SetOnKeyModified(s.keyModified)
		t.hooked.Store(true)
	}
	t.mu.Lock()
	f := c.trackFlags.Load()
	if f&trackOn == 0 {
		t.on.Add(1)
		if t.clients == nil {
			t.clients = make(map[*client]struct{})
		}
		t.clients[c] = struct{}{}
	}
	f = f&^(trackBrokenRedir|trackBcast|trackOptIn|trackOptOut|trackNoLoop) | trackOn
	c.trackRedir = redirect
	c.trackRedirect.Store(redirectID)
	if options&trackBcast != 0 {
		f |= trackBcast
		if len(prefixes) == 0 {
			prefixes = []string{""}
		}
		for _, p := range prefixes {
			t.addPrefix(c, p)
		}
	}
	f |= options & (trackOptIn | trackOptOut | trackNoLoop)
	c.trackFlags.Store(f)
	t.mu.Unlock()
	c.selectDB(c.dbIndex) // a view that names this client as writer
}

// addPrefix is Redis's enableBcastTrackingForPrefix.
func (t *trackingRegistry) addPrefix(c *client, p string) {
	if t.prefixes == nil {
		t.prefixes = make(map[string]*bcastPrefix)
	}
	bp := t.prefixes[p]
	if bp == nil {
		bp = &bcastPrefix{}
		t.prefixes[p] = bp
		t.active.Add(1)
	}
	if slices.Contains(bp.clients, c) {
		return
	}
	bp.clients = append(bp.clients, c)
	i, _ := slices.BinarySearch(c.trackPrefixes, p)
	c.trackPrefixes = slices.Insert(c.trackPrefixes, i, p)
}

// disableTracking is Redis's disableTracking: CLIENT TRACKING OFF, RESET
// and a closed connection. The client's entries in the table are left
// to be dropped lazily, as in Redis.
func (c *client) disableTracking() {
	if !c.tracking() {
		return
	}
	t := &c.srv.tracking
	t.mu.Lock()
	for _, p := range c.trackPrefixes {
		bp := t.prefixes[p]
		if bp == nil {
			continue
		}
		bp.clients = removeClient(bp.clients, c)
		if len(bp.clients) == 0 {
			delete(t.prefixes, p)
			t.active.Add(-1)
		}
	}
	c.trackPrefixes = nil
	c.trackFlags.Store(0)
	c.trackRedirect.Store(0)
	c.trackRedir = nil
	delete(t.clients, c)
	t.on.Add(-1)
	t.mu.Unlock()
	c.trackCaching = false
	c.selectDB(c.dbIndex)
}

// prefixesOverlap reports whether one of a and b starts with the other.
func prefixesOverlap(a, b string) bool {
	n := min(len(a), len(b))
	return a[:n] == b[:n]
}

// CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN]
// [OPTOUT] [NOLOOP], with Redis's checks in its order.
func cmdClientTracking(c *client, args [][]byte) {
	var redirID int64
	var redirect *client
	var options uint32
	var prefixes []string
	for j := 3; j < len(args); j++ {
		more := len(args) - 1 - j
		switch opt := strings.ToLower(string(args[j])); {
		case opt == "redirect" && more > 0:
			j++
			if redirID != 0 {
				c.w.error(errTrackingOneRedirect)
				return
			}
			id, ok := parseLongLong(args[j])
			if !ok {
				c.w.error(errNotInteger)
				return
			}
			redirID = id
			if redirect = c.srv.clientByID(id); redirect == nil {
				c.w.error(errTrackingNoRedirect)
				return
			}
		case opt == "bcast":
			options |= trackBcast
		case opt == "optin":
			options |= trackOptIn
		case opt == "optout":
			options |= trackOptOut
		case opt == "noloop":
			options |= trackNoLoop
		case opt == "prefix" && more > 0:
			j++
			prefixes = append(prefixes, string(args[j]))
		default:
			c.w.error(errSyntax)
			return
		}
	}
	switch strings.ToLower(string(args[2])) {
	case "on":
	case "off":
		c.disableTracking()
		c.w.ok()
		return
	default:
		c.w.error(errSyntax)
		return
	}
	f := c.trackFlags.Load()
	switch {
	case options&trackBcast == 0 && len(prefixes) > 0:
		c.w.error(errTrackingPrefixNeedsBcast)
		return
	case f&trackOn != 0 && (f&trackBcast != 0) != (options&trackBcast != 0):
		c.w.error(errTrackingSwitchBcast)
		return
	case options&trackBcast != 0 && options&(trackOptIn|trackOptOut) != 0:
		c.w.error(errTrackingOptBcast)
		return
	case options&trackOptIn != 0 && options&trackOptOut != 0:
		c.w.error(errTrackingOptInOut)
		return
	case options&trackOptIn != 0 && f&trackOptOut != 0, options&trackOptOut != 0 && f&trackOptIn != 0:
		c.w.error(errTrackingSwitchOpt)
		return
	}
	if options&trackBcast != 0 && !c.checkPrefixes(prefixes) {
		return
	}
	c.enableTracking(redirect, redirID, options, prefixes)
	c.w.ok()
}

// checkPrefixes is Redis's checkPrefixCollisionsOrReply: no new prefix may
// overlap one the client has, nor another new one.
func (c *client) checkPrefixes(prefixes []string) bool {
	for i, p := range prefixes {
		for _, have := range c.trackPrefixes {
			if prefixesOverlap(have, p) {
				c.w.error("ERR Prefix '" + cStr(p) + "' overlaps with an existing prefix '" + cStr(have) + "'. Prefixes for a single client must not overlap.")
				return false
			}
		}
		for _, q := range prefixes[i+1:] {
			if prefixesOverlap(p, q) {
				c.w.error("ERR Prefix '" + cStr(p) + "' overlaps with another provided prefix '" + cStr(q) + "'. Prefixes for a single client must not overlap.")
				// Redis returns i here, which is "true" for every i but
				// the first: it then goes on and enables tracking after
				// the error. Ember mirrors that.
				return i != 0
			}
		}
	}
	return true
}

// cStr is s as C's "%s" prints it: up to its first NUL byte.
func cStr(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// parseLongLong is Redis's getLongLongFromObject.
func parseLongLong(b []byte) (int64, bool) { return redisnum.ParseInt(b) }

// CLIENT CACHING YES|NO.
func cmdClientCaching(c *client, args [][]byte) {
	f := c.trackFlags.Load()
	if f&trackOn == 0 {
		c.w.error(errCachingNeedsTracking)
		return
	}
	switch strings.ToLower(string(args[2])) {
	case "yes":
		if f&trackOptIn == 0 {
			c.w.error(errCachingYes)
			return
		}
	case "no":
		if f&trackOptOut == 0 {
			c.w.error(errCachingNo)
			return
		}
	default:
		c.w.error(errSyntax)
		return
	}
	c.trackCaching = true
	c.w.ok()
}

// CLIENT GETREDIR: -1 with tracking off, else the redirect (0 for none).
func cmdClientGetRedir(c *client, args [][]byte) {
	if !c.tracking() {
		c.w.int(-1)
		return
	}
	c.w.int(c.trackRedirect.Load())
}

// CLIENT TRACKINGINFO, as Redis: flags, redirect and prefixes.
func cmdClientTrackingInfo(c *client, args [][]byte) {
	f := c.trackFlags.Load()
	flags := []string{"off"}
	if f&trackOn != 0 {
		flags[0] = "on"
	}
	if f&trackBcast != 0 {
		flags = append(flags, "bcast")
	}
	if f&trackOptIn != 0 {
		flags = append(flags, "optin")
		if c.trackCaching {
			flags = append(flags, "caching-yes")
		}
	}
	if f&trackOptOut != 0 {
		flags = append(flags, "optout")
		if c.trackCaching {
			flags = append(flags, "caching-no")
		}
	}
	if f&trackNoLoop != 0 {
		flags = append(flags, "noloop")
	}
	if f&trackBrokenRedir != 0 {
		flags = append(flags, "broken_redirect")
	}
	c.w.mapHeader(3)
	c.w.bulkString("flags")
	c.w.setHeader(len(flags))
	for _, fl := range flags {
		c.w.bulkString(fl)
	}
	c.w.bulkString("redirect")
	if f&trackOn != 0 {
		c.w.int(c.trackRedirect.Load())
	} else {
		c.w.int(-1)
	}
	c.w.bulkString("prefixes")
	c.w.array(len(c.trackPrefixes))
	for _, p := range c.trackPrefixes {
		c.w.bulkString(p)
	}
}

// resetCachingAfter is Redis's resetClient for CLIENT CACHING: the flag
// holds for the next command (or transaction) only; any CLIENT subcommand
// keeps it.
func (c *client) resetCachingAfter(args [][]byte) {
	if c.trackCaching && c.multi == nil && !bytes.EqualFold(args[0], []byte("client")) {
		c.trackCaching = false
	}
}

// trackingInfo is the figures INFO shows.
func (t *trackingRegistry) info() (keys, items, prefixes int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return int64(len(t.keys)), int64(t.items), int64(len(t.prefixes))
}
