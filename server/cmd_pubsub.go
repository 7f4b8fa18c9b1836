package server

import (
	"fmt"
	"sort"

	"github.com/emberkv/ember/store"
)

// Pub/Sub commands (Redis's pubsub.c).
var pubsubCommands = []*command{
	{name: "subscribe", arity: -2, flags: parseFlags("pubsub noscript loading stale"), acl: acl("pubsub slow"), group: "pubsub", since: "2.0.0",
		summary: "Listens for messages published to channels.", handler: cmdSubscribe},
	{name: "unsubscribe", arity: -1, flags: parseFlags("pubsub noscript loading stale"), acl: acl("pubsub slow"), group: "pubsub", since: "2.0.0",
		summary: "Stops listening to channels, or to all of them.", handler: cmdUnsubscribe},
	{name: "psubscribe", arity: -2, flags: parseFlags("pubsub noscript loading stale"), acl: acl("pubsub slow"), group: "pubsub", since: "2.0.0",
		summary: "Listens for messages published to channels that match patterns.", handler: cmdPSubscribe},
	{name: "punsubscribe", arity: -1, flags: parseFlags("pubsub noscript loading stale"), acl: acl("pubsub slow"), group: "pubsub", since: "2.0.0",
		summary: "Stops listening to patterns, or to all of them.", handler: cmdPUnsubscribe},
	{name: "ssubscribe", arity: -2, flags: parseFlags("pubsub noscript loading stale"), acl: acl("pubsub slow"), firstKey: 1, lastKey: -1, step: 1, group: "pubsub", since: "7.0.0",
		summary: "Listens for messages published to shard channels.", handler: cmdSSubscribe},
	{name: "sunsubscribe", arity: -1, flags: parseFlags("pubsub noscript loading stale"), acl: acl("pubsub slow"), firstKey: 1, lastKey: -1, step: 1, group: "pubsub", since: "7.0.0",
		summary: "Stops listening to shard channels, or to all of them.", handler: cmdSUnsubscribe},
	{name: "publish", arity: 3, flags: parseFlags("pubsub loading stale fast may_replicate"), acl: acl("pubsub fast"), group: "pubsub", since: "2.0.0",
		summary: "Sends a message to a channel's subscribers; answers how many received it.", handler: cmdPublish},
	{name: "spublish", arity: 3, flags: parseFlags("pubsub loading stale fast may_replicate"), acl: acl("pubsub fast"), firstKey: 1, lastKey: 1, step: 1, group: "pubsub", since: "7.0.0",
		summary: "Sends a message to a shard channel's subscribers.", handler: cmdSPublish},
	{name: "pubsub", arity: -2, acl: acl("slow"), group: "pubsub", since: "2.8.0",
		summary: "Inspects the state of Pub/Sub.",
		subs: subs(
			&command{name: "pubsub|channels", arity: -2, flags: parseFlags("pubsub loading stale"), acl: acl("pubsub slow"), group: "pubsub", since: "2.8.0",
				summary: "Lists the channels that have subscribers, or those matching a pattern.", handler: cmdPubSubChannels},
			&command{name: "pubsub|numsub", arity: -2, flags: parseFlags("pubsub loading stale"), acl: acl("pubsub slow"), group: "pubsub", since: "2.8.0",
				summary: "Counts the subscribers of channels, patterns aside.", handler: cmdPubSubNumSub},
			&command{name: "pubsub|numpat", arity: 2, flags: parseFlags("pubsub loading stale"), acl: acl("pubsub slow"), group: "pubsub", since: "2.8.0",
				summary: "Counts the patterns that have subscribers.", handler: cmdPubSubNumPat},
			&command{name: "pubsub|shardchannels", arity: -2, flags: parseFlags("pubsub loading stale"), acl: acl("pubsub slow"), group: "pubsub", since: "7.0.0",
				summary: "Lists the shard channels that have subscribers.", handler: cmdPubSubShardChannels},
			&command{name: "pubsub|shardnumsub", arity: -2, flags: parseFlags("pubsub loading stale"), acl: acl("pubsub slow"), group: "pubsub", since: "7.0.0",
				summary: "Counts the subscribers of shard channels.", handler: cmdPubSubShardNumSub},
			&command{name: "pubsub|help", arity: 2, flags: parseFlags("loading stale"), acl: acl("slow"), group: "pubsub", since: "6.2.0",
				summary: "Shows what PUBSUB can do.", handler: cmdPubSubHelp},
		)},
}

// The names of the confirmations, as Redis's shared objects.
var (
	nameSubscribe    = []byte("subscribe")
	nameUnsubscribe  = []byte("unsubscribe")
	namePSubscribe   = []byte("psubscribe")
	namePUnsubscribe = []byte("punsubscribe")
	nameSSubscribe   = []byte("ssubscribe")
	nameSUnsubscribe = []byte("sunsubscribe")
)

// confirm sends a (un)subscribe confirmation: [kind, channel, count],
// the channel null when a mass unsubscribe had nothing to drop (Redis's
// addReplyPubsubUnsubscribed with a NULL channel). It is a push, sent even
// under CLIENT REPLY OFF, as Redis's CLIENT_PUSHING.
func (c *client) confirm(kind, channel []byte, count int32, null bool) {
	var w replyWriter
	w.resp3 = c.w.resp3
	if w.resp3 {
		w.header('>', 3)
	} else {
		w.header('*', 3)
	}
	w.bulk(kind)
	if null {
		w.null()
	} else {
		w.bulk(channel)
	}
	w.int(int64(count))
	c.pushNow(w.buf)
}

// pushNow puts a push into the client's stream at this point, from its
// own goroutine. Whatever the client has written before goes first, and
// the push lands in the outbound buffer at once, so that a message
// published right after (to the subscription this push confirms, say)
// follows it. Under CLIENT REPLY OFF or SKIP the running command's own
// reply is dropped, but the push is not.
func (c *client) pushNow(p []byte) {
	o := c.startOutbound()
	keep := len(c.w.buf)
	if c.quiet() {
		keep = min(c.replyMark, keep)
	}
	o.mu.Lock()
	o.resp3 = c.w.resp3
	over := o.appendLocked(c.w.buf[:keep]) || o.appendLocked(p)
	o.mu.Unlock()
	c.w.buf = c.w.buf[:copy(c.w.buf, c.w.buf[keep:])]
	c.replyMark = max(c.replyMark-keep, 0)
	if over {
		c.closeOverLimit()
	}
}

// channelCount is the count SUBSCRIBE and PSUBSCRIBE confirmations carry:
// channels plus patterns (Redis's clientSubscriptionsCount).
func (c *client) channelCount() int32 { return c.shown.sub.Load() + c.shown.psub.Load() }

func cmdSubscribe(c *client, args [][]byte) {
	c.startOutbound()
	r := &c.srv.pubsub
	for _, ch := range args[1:] {
		r.subscribe(c, ch, false, func() { c.confirm(nameSubscribe, ch, c.channelCount(), false) })
	}
}

func cmdSSubscribe(c *client, args [][]byte) {
	if c.inExec != nil {
		c.w.error(fmt.Sprintf(errDenyBlocking, "SSUBSCRIBE"))
		return
	}
	c.startOutbound()
	r := &c.srv.pubsub
	for _, ch := range args[1:] {
		r.subscribe(c, ch, true, func() { c.confirm(nameSSubscribe, ch, c.shown.ssub.Load(), false) })
	}
}

func cmdPSubscribe(c *client, args [][]byte) {
	c.startOutbound()
	r := &c.srv.pubsub
	for _, p := range args[1:] {
		r.psubscribe(c, p, func() { c.confirm(namePSubscribe, p, c.channelCount(), false) })
	}
}

func cmdUnsubscribe(c *client, args [][]byte) { c.unsubscribeCmd(args, false) }

func cmdSUnsubscribe(c *client, args [][]byte) { c.unsubscribeCmd(args, true) }

// unsubscribeCmd is UNSUBSCRIBE and SUNSUBSCRIBE: the channels named, or
// every one (in byte order; Redis's order is its hash table's), with a
// confirmation each, or one with a null channel if there was none.
func (c *client) unsubscribeCmd(args [][]byte, shard bool) {
	r := &c.srv.pubsub
	kind := nameUnsubscribe
	count := c.channelCount
	if shard {
		kind = nameSUnsubscribe
		count = c.shown.ssub.Load
	}
	names := args[1:]
	if len(args) == 1 {
		if c.subs != nil {
			m := c.subs.channels
			if shard {
				m = c.subs.shard
			}
			for _, ch := range sortedKeys(m) {
				names = append(names, []byte(ch))
			}
		}
		if len(names) == 0 {
			c.confirm(kind, nil, count(), true)
			return
		}
	}
	for _, ch := range names {
		r.unsubscribe(c, string(ch), shard, func() { c.confirm(kind, ch, count(), false) })
	}
}

func cmdPUnsubscribe(c *client, args [][]byte) {
	r := &c.srv.pubsub
	names := args[1:]
	if len(args) == 1 {
		if c.subs != nil {
			for _, p := range c.subs.patterns {
				names = append(names, []byte(p))
			}
		}
		if len(names) == 0 {
			c.confirm(namePUnsubscribe, nil, c.channelCount(), true)
			return
		}
	}
	for _, p := range names {
		r.punsubscribe(c, string(p), func() { c.confirm(namePUnsubscribe, p, c.channelCount(), false) })
	}
}

func cmdPublish(c *client, args [][]byte) {
	c.w.int(int64(c.srv.publishFrom(c, args[1], args[2], false)))
}

func cmdSPublish(c *client, args [][]byte) {
	c.w.int(int64(c.srv.publishFrom(c, args[1], args[2], true)))
}

// PUBSUB CHANNELS [pattern] and SHARDCHANNELS [pattern], in byte order
// (Redis's is its hash table's).
func cmdPubSubChannels(c *client, args [][]byte)      { c.channelList(args, false) }
func cmdPubSubShardChannels(c *client, args [][]byte) { c.channelList(args, true) }

func (c *client) channelList(args [][]byte, shard bool) {
	if len(args) > 3 {
		c.w.error(fmt.Sprintf(errSubcommandSyntax, cString(args[1], 128), "PUBSUB"))
		return
	}
	r := &c.srv.pubsub
	var out []string
	r.mu.RLock()
	m := r.channels
	if shard {
		m = r.shard
	}
	for ch := range m {
		if len(args) == 2 || store.Match(string(args[2]), ch, false) {
			out = append(out, ch)
		}
	}
	r.mu.RUnlock()
	sort.Strings(out)
	c.w.bulkStrings(out)
}

func cmdPubSubNumSub(c *client, args [][]byte)      { c.numSub(args, false) }
func cmdPubSubShardNumSub(c *client, args [][]byte) { c.numSub(args, true) }

// numSub answers channel, count pairs: a flat array, also in RESP3, as
// Redis 7.0 does.
func (c *client) numSub(args [][]byte, shard bool) {
	r := &c.srv.pubsub
	c.w.array(2 * (len(args) - 2))
	r.mu.RLock()
	m := r.channels
	if shard {
		m = r.shard
	}
	for _, ch := range args[2:] {
		c.w.bulk(ch)
		c.w.int(int64(len(m[string(ch)])))
	}
	r.mu.RUnlock()
}

func cmdPubSubNumPat(c *client, args [][]byte) {
	r := &c.srv.pubsub
	r.mu.RLock()
	n := len(r.patterns)
	r.mu.RUnlock()
	c.w.int(int64(n))
}

func cmdPubSubHelp(c *client, args [][]byte) {
	c.writeHelp("PUBSUB",
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)",
	)
}

// pubsubAllowed are the commands a RESP2 client in Pub/Sub mode may run.
func (cmd *command) allowedWhileSubscribed() bool {
	switch cmd.name {
	case "ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe", "punsubscribe", "quit", "reset":
		return true
	}
	return false
}

// pubsubStats are INFO's pubsub_channels, pubsub_patterns and
// pubsubshard_channels.
func (s *Server) pubsubStats() (channels, patterns, shard int) {
	r := &s.pubsub
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.channels), len(r.patterns), len(r.shard)
}
