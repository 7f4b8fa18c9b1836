package server

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestMessagingGoRedis runs the bitmap, HyperLogLog, Pub/Sub and
// client-side caching commands through go-redis v9's typed API against a
// real redis-server and against Ember, in RESP2 and RESP3, and compares
// what the client decodes, as TestCollectionsGoRedis does for the
// collections.
func TestMessagingGoRedis(t *testing.T) {
	runGoRedisGroups(t, []goRedisGroup{
		{"bitmaps", goRedisBitmaps},
		{"hyperloglog", goRedisHLL},
		{"pubsub", goRedisPubSub},
		{"tracking", goRedisTracking},
	})
}

func goRedisBitmaps(p *clientPair) {
	ctx := p.ctx
	p.both(func(c *redis.Client) redis.Cmder { return c.RPush(ctx, "list", "a") })
	p.same("SETBIT", func(c *redis.Client) redis.Cmder { return c.SetBit(ctx, "b", 7, 1) })
	p.same("SETBIT again", func(c *redis.Client) redis.Cmder { return c.SetBit(ctx, "b", 7, 0) })
	for _, off := range []int64{1, 2, 7, 9, 15, 30, 100} {
		p.same(fmt.Sprint("SETBIT ", off), func(c *redis.Client) redis.Cmder { return c.SetBit(ctx, "b", off, 1) })
	}
	p.same("SETBIT bad value", func(c *redis.Client) redis.Cmder { return c.SetBit(ctx, "b", 3, 2) })
	p.same("SETBIT negative offset", func(c *redis.Client) redis.Cmder { return c.SetBit(ctx, "b", -1, 1) })
	p.same("SETBIT offset too big", func(c *redis.Client) redis.Cmder { return c.SetBit(ctx, "b", 1<<32, 1) })
	p.same("SETBIT wrong type", func(c *redis.Client) redis.Cmder { return c.SetBit(ctx, "list", 0, 1) })
	p.same("GETBIT", func(c *redis.Client) redis.Cmder { return c.GetBit(ctx, "b", 9) })
	p.same("GETBIT zero", func(c *redis.Client) redis.Cmder { return c.GetBit(ctx, "b", 8) })
	p.same("GETBIT past end", func(c *redis.Client) redis.Cmder { return c.GetBit(ctx, "b", 100000) })
	p.same("GETBIT missing", func(c *redis.Client) redis.Cmder { return c.GetBit(ctx, "nokey", 0) })
	p.same("GETBIT wrong type", func(c *redis.Client) redis.Cmder { return c.GetBit(ctx, "list", 0) })
	p.same("BITCOUNT", func(c *redis.Client) redis.Cmder { return c.BitCount(ctx, "b", nil) })
	p.same("BITCOUNT missing", func(c *redis.Client) redis.Cmder { return c.BitCount(ctx, "nokey", nil) })
	p.same("BITCOUNT wrong type", func(c *redis.Client) redis.Cmder { return c.BitCount(ctx, "list", nil) })
	for _, r := range []redis.BitCount{{Start: 0, End: 0}, {Start: 1, End: -1}, {Start: -2, End: -1},
		{Start: 5, End: 2}, {Start: -100, End: 100}, {Start: 0, End: 0, Unit: "BYTE"}, {Start: 1, End: 2, Unit: "BYTE"},
		{Start: 0, End: 9, Unit: "BIT"}, {Start: 5, End: 30, Unit: "BIT"}, {Start: -10, End: -1, Unit: "BIT"},
		{Start: 30, End: 5, Unit: "BIT"}, {Start: 0, End: 1000, Unit: "BIT"}} {
		p.same(fmt.Sprint("BITCOUNT ", r), func(c *redis.Client) redis.Cmder { return c.BitCount(ctx, "b", &r) })
	}
	p.same("BITCOUNT bad unit", func(c *redis.Client) redis.Cmder {
		return c.Do(ctx, "BITCOUNT", "b", 0, 1, "NIBBLE")
	})
	p.same("BITCOUNT one index", func(c *redis.Client) redis.Cmder { return c.Do(ctx, "BITCOUNT", "b", 0) })
	p.same("BITCOUNT not integer", func(c *redis.Client) redis.Cmder { return c.Do(ctx, "BITCOUNT", "b", "x", 1) })
	p.same("BITPOS 1", func(c *redis.Client) redis.Cmder { return c.BitPos(ctx, "b", 1) })
	p.same("BITPOS 0", func(c *redis.Client) redis.Cmder { return c.BitPos(ctx, "b", 0) })
	p.same("BITPOS 1 from", func(c *redis.Client) redis.Cmder { return c.BitPos(ctx, "b", 1, 2) })
	p.same("BITPOS 1 range", func(c *redis.Client) redis.Cmder { return c.BitPos(ctx, "b", 1, 2, 3) })
	p.same("BITPOS 0 range", func(c *redis.Client) redis.Cmder { return c.BitPos(ctx, "b", 0, 0, -1) })
	p.same("BITPOS BIT", func(c *redis.Client) redis.Cmder { return c.BitPosSpan(ctx, "b", 1, 10, 40, "bit") })
	p.same("BITPOS BYTE", func(c *redis.Client) redis.Cmder { return c.BitPosSpan(ctx, "b", 0, 0, 1, "byte") })
	p.same("BITPOS missing 0", func(c *redis.Client) redis.Cmder { return c.BitPos(ctx, "nokey", 0) })
	p.same("BITPOS missing 1", func(c *redis.Client) redis.Cmder { return c.BitPos(ctx, "nokey", 1) })
	p.same("BITPOS bad bit", func(c *redis.Client) redis.Cmder { return c.BitPos(ctx, "b", 2) })
	p.same("BITPOS wrong type", func(c *redis.Client) redis.Cmder { return c.BitPos(ctx, "list", 1) })
	p.both(func(c *redis.Client) redis.Cmder { return c.Set(ctx, "ff", "\xff\xff\xff", 0) })
	p.same("BITPOS 0 all ones", func(c *redis.Client) redis.Cmder { return c.BitPos(ctx, "ff", 0) })
	p.same("BITPOS 0 all ones range", func(c *redis.Client) redis.Cmder { return c.BitPos(ctx, "ff", 0, 0, -1) })

	p.both(func(c *redis.Client) redis.Cmder { return c.Set(ctx, "x", "foobar", 0) })
	p.both(func(c *redis.Client) redis.Cmder { return c.Set(ctx, "y", "ab\x00\xffc", 0) })
	p.same("BITOP AND", func(c *redis.Client) redis.Cmder { return c.BitOpAnd(ctx, "and", "x", "y") })
	p.same("BITOP OR", func(c *redis.Client) redis.Cmder { return c.BitOpOr(ctx, "or", "x", "y", "nokey") })
	p.same("BITOP XOR", func(c *redis.Client) redis.Cmder { return c.BitOpXor(ctx, "xor", "x", "y", "b") })
	p.same("BITOP NOT", func(c *redis.Client) redis.Cmder { return c.BitOpNot(ctx, "not", "y") })
	p.same("BITOP NOT two keys", func(c *redis.Client) redis.Cmder { return c.Do(ctx, "BITOP", "NOT", "not", "x", "y") })
	p.same("BITOP missing sources", func(c *redis.Client) redis.Cmder { return c.BitOpAnd(ctx, "x", "nokey", "nokey2") })
	p.same("BITOP wrong type", func(c *redis.Client) redis.Cmder { return c.BitOpOr(ctx, "dest", "list", "y") })
	p.same("BITOP bad op", func(c *redis.Client) redis.Cmder { return c.Do(ctx, "BITOP", "NAND", "dest", "y") })

	p.same("BITFIELD SET GET INCRBY", func(c *redis.Client) redis.Cmder {
		return c.BitField(ctx, "bf", "SET", "i8", 0, 100, "GET", "u4", 0, "INCRBY", "i5", 100, 1, "GET", "u4", "#1")
	})
	p.same("BITFIELD OVERFLOW WRAP", func(c *redis.Client) redis.Cmder {
		return c.BitField(ctx, "bf", "OVERFLOW", "WRAP", "INCRBY", "u2", 102, 1, "INCRBY", "u2", 102, 1,
			"INCRBY", "u2", 102, 1, "INCRBY", "u2", 102, 1, "INCRBY", "i8", 0, 100)
	})
	p.same("BITFIELD OVERFLOW SAT", func(c *redis.Client) redis.Cmder {
		return c.BitField(ctx, "bf", "OVERFLOW", "SAT", "INCRBY", "i8", 0, 100, "INCRBY", "i8", 0, -300,
			"SET", "u3", 8, 20, "INCRBY", "u63", 64, -1)
	})
	p.same("BITFIELD OVERFLOW FAIL", func(c *redis.Client) redis.Cmder {
		return c.BitField(ctx, "bf", "OVERFLOW", "FAIL", "INCRBY", "u2", 200, 5, "SET", "i4", 200, 100,
			"INCRBY", "i8", 0, 1, "OVERFLOW", "WRAP", "INCRBY", "i8", 0, 200)
	})
	p.same("BITFIELD i64 u63", func(c *redis.Client) redis.Cmder {
		return c.BitField(ctx, "bf2", "SET", "i64", 0, -1, "GET", "u63", 0, "INCRBY", "i64", 0, 1, "GET", "i64", 1)
	})
	p.same("BITFIELD bad type", func(c *redis.Client) redis.Cmder { return c.BitField(ctx, "bf", "GET", "u64", 0) })
	p.same("BITFIELD bad overflow", func(c *redis.Client) redis.Cmder { return c.BitField(ctx, "bf", "OVERFLOW", "NO", "GET", "u8", 0) })
	p.same("BITFIELD bad offset", func(c *redis.Client) redis.Cmder { return c.BitField(ctx, "bf", "GET", "u8", -1) })
	p.same("BITFIELD bad subcommand", func(c *redis.Client) redis.Cmder { return c.BitField(ctx, "bf", "PUT", "u8", 0) })
	p.same("BITFIELD no ops", func(c *redis.Client) redis.Cmder { return c.BitField(ctx, "bf") })
	p.same("BITFIELD missing GET", func(c *redis.Client) redis.Cmder { return c.BitField(ctx, "nokey", "GET", "u8", 0) })
	p.same("BITFIELD wrong type", func(c *redis.Client) redis.Cmder { return c.BitField(ctx, "list", "GET", "u8", 0) })
	p.same("BITFIELD_RO", func(c *redis.Client) redis.Cmder {
		return c.BitFieldRO(ctx, "bf", "u8", 0, "i5", 3, "u16", "#2")
	})
	p.same("BITFIELD_RO SET", func(c *redis.Client) redis.Cmder { return c.Do(ctx, "BITFIELD_RO", "bf", "SET", "u8", 0, 1) })
	p.same("BITFIELD_RO missing", func(c *redis.Client) redis.Cmder { return c.BitFieldRO(ctx, "nokey", "u8", 0) })
}

func goRedisHLL(p *clientPair) {
	ctx := p.ctx
	p.both(func(c *redis.Client) redis.Cmder { return c.Set(ctx, "str", "not an hll", 0) })
	p.same("PFADD", func(c *redis.Client) redis.Cmder { return c.PFAdd(ctx, "h1", "a", "b", "c", "a") })
	p.same("PFADD existing", func(c *redis.Client) redis.Cmder { return c.PFAdd(ctx, "h1", "a") })
	p.same("PFADD no elements", func(c *redis.Client) redis.Cmder { return c.PFAdd(ctx, "h0") })
	p.same("PFADD no elements existing", func(c *redis.Client) redis.Cmder { return c.PFAdd(ctx, "h1") })
	p.same("PFADD wrong type", func(c *redis.Client) redis.Cmder { return c.PFAdd(ctx, "str", "a") })
	p.same("PFCOUNT", func(c *redis.Client) redis.Cmder { return c.PFCount(ctx, "h1") })
	p.same("PFCOUNT missing", func(c *redis.Client) redis.Cmder { return c.PFCount(ctx, "nokey") })
	p.same("PFCOUNT wrong type", func(c *redis.Client) redis.Cmder { return c.PFCount(ctx, "str") })
	elems := make([]any, 0, 500)
	for i := range 500 {
		elems = append(elems, fmt.Sprint("elem:", i))
	}
	p.same("PFADD 500", func(c *redis.Client) redis.Cmder { return c.PFAdd(ctx, "h2", elems...) })
	big := make([]any, 0, 5000)
	for i := range 5000 {
		big = append(big, fmt.Sprint("big:", i))
	}
	p.same("PFADD 5000 (dense)", func(c *redis.Client) redis.Cmder { return c.PFAdd(ctx, "h3", big...) })
	p.same("PFCOUNT 500", func(c *redis.Client) redis.Cmder { return c.PFCount(ctx, "h2") })
	p.same("PFCOUNT dense", func(c *redis.Client) redis.Cmder { return c.PFCount(ctx, "h3") })
	p.same("PFCOUNT several", func(c *redis.Client) redis.Cmder { return c.PFCount(ctx, "h1", "h2", "h3", "nokey") })
	p.same("PFCOUNT several wrong type", func(c *redis.Client) redis.Cmder { return c.PFCount(ctx, "h1", "str") })
	p.same("PFMERGE", func(c *redis.Client) redis.Cmder { return c.PFMerge(ctx, "m", "h1", "h2") })
	p.same("PFCOUNT merged", func(c *redis.Client) redis.Cmder { return c.PFCount(ctx, "m") })
	p.same("PFMERGE dense", func(c *redis.Client) redis.Cmder { return c.PFMerge(ctx, "md", "h1", "h3", "nokey") })
	p.same("PFCOUNT merged dense", func(c *redis.Client) redis.Cmder { return c.PFCount(ctx, "md") })
	p.same("PFMERGE into existing", func(c *redis.Client) redis.Cmder { return c.PFMerge(ctx, "h1", "h2") })
	p.same("PFMERGE only dest", func(c *redis.Client) redis.Cmder { return c.PFMerge(ctx, "alone") })
	p.same("PFMERGE wrong type", func(c *redis.Client) redis.Cmder { return c.PFMerge(ctx, "m", "str") })
	p.same("PFCOUNT not an hll", func(c *redis.Client) redis.Cmder { return c.PFCount(ctx, "str") })
	// sameState compares every key's GET, so the HLL strings (sparse and
	// dense, cached cardinality included) byte for byte.
}

// receive is what a subscriber read: a subscription confirmation or a
// message, as go-redis decoded it.
func receive(ps *redis.PubSub) (any, error) {
	return ps.ReceiveTimeout(context.Background(), 2*time.Second)
}

func goRedisPubSub(p *clientPair) {
	ctx := p.ctx
	type subscriber struct {
		name string
		open func(c *redis.Client) *redis.PubSub
	}
	subs := []subscriber{
		{"SUBSCRIBE", func(c *redis.Client) *redis.PubSub { return c.Subscribe(ctx, "news", "sport") }},
		{"PSUBSCRIBE", func(c *redis.Client) *redis.PubSub { return c.PSubscribe(ctx, "n*", "s?ort") }},
		{"SSUBSCRIBE", func(c *redis.Client) *redis.PubSub { return c.SSubscribe(ctx, "shard") }},
	}
	pss := map[*redis.Client][]*redis.PubSub{}
	for _, c := range []*redis.Client{p.redis, p.ember} {
		for _, s := range subs {
			pss[c] = append(pss[c], s.open(c))
		}
	}
	defer func() {
		for _, l := range pss {
			for _, ps := range l {
				ps.Close()
			}
		}
	}()
	// The confirmations: one per channel or pattern.
	for i, s := range subs {
		n := map[int]int{0: 2, 1: 2, 2: 1}[i]
		for j := range n {
			p.sameSteps(fmt.Sprint(s.name, " confirmation ", j), func(c *redis.Client) (any, error) {
				return receive(pss[c][i])
			})
		}
	}
	p.same("PUBLISH news", func(c *redis.Client) redis.Cmder { return c.Publish(ctx, "news", "hello") })
	p.same("PUBLISH sport", func(c *redis.Client) redis.Cmder { return c.Publish(ctx, "sport", []byte("a\x00b")) })
	p.same("PUBLISH nobody", func(c *redis.Client) redis.Cmder { return c.Publish(ctx, "void", "x") })
	p.same("SPUBLISH shard", func(c *redis.Client) redis.Cmder { return c.SPublish(ctx, "shard", "sharded") })
	p.same("SPUBLISH nobody", func(c *redis.Client) redis.Cmder { return c.SPublish(ctx, "news", "x") })
	for i, s := range subs {
		n := map[int]int{0: 2, 1: 2, 2: 1}[i]
		for j := range n {
			p.sameSteps(fmt.Sprint(s.name, " message ", j), func(c *redis.Client) (any, error) {
				return receive(pss[c][i])
			})
		}
	}
	p.sameSorted("PUBSUB CHANNELS", func(c *redis.Client) redis.Cmder { return c.PubSubChannels(ctx, "") })
	p.sameSorted("PUBSUB CHANNELS pattern", func(c *redis.Client) redis.Cmder { return c.PubSubChannels(ctx, "n*") })
	p.same("PUBSUB NUMSUB", func(c *redis.Client) redis.Cmder { return c.PubSubNumSub(ctx, "news", "sport", "void", "shard") })
	p.same("PUBSUB NUMSUB none", func(c *redis.Client) redis.Cmder { return c.PubSubNumSub(ctx) })
	p.same("PUBSUB NUMPAT", func(c *redis.Client) redis.Cmder { return c.PubSubNumPat(ctx) })
	p.sameSorted("PUBSUB SHARDCHANNELS", func(c *redis.Client) redis.Cmder { return c.PubSubShardChannels(ctx, "*") })
	p.same("PUBSUB SHARDNUMSUB", func(c *redis.Client) redis.Cmder { return c.PubSubShardNumSub(ctx, "shard", "news") })
	p.same("PUBSUB bad subcommand", func(c *redis.Client) redis.Cmder { return c.Do(ctx, "PUBSUB", "NOPE") })

	// Unsubscribing: the confirmations, then the counts drop.
	for i, name := range []string{"UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"} {
		p.sameSteps(name, func(c *redis.Client) (any, error) {
			ps := pss[c][i]
			var err error
			switch i {
			case 0:
				err = ps.Unsubscribe(ctx, "sport")
			case 1:
				err = ps.PUnsubscribe(ctx, "s?ort")
			case 2:
				err = ps.SUnsubscribe(ctx, "shard")
			}
			if err != nil {
				return nil, err
			}
			return receive(ps)
		})
	}
	p.same("PUBLISH after unsubscribe", func(c *redis.Client) redis.Cmder { return c.Publish(ctx, "sport", "x") })
	p.same("PUBSUB NUMSUB after", func(c *redis.Client) redis.Cmder { return c.PubSubNumSub(ctx, "news", "sport", "shard") })
	p.same("PUBSUB NUMPAT after", func(c *redis.Client) redis.Cmder { return c.PubSubNumPat(ctx) })
	p.same("PUBSUB SHARDCHANNELS after", func(c *redis.Client) redis.Cmder { return c.PubSubShardChannels(ctx, "*") })
	p.same("PUBLISH news again", func(c *redis.Client) redis.Cmder { return c.Publish(ctx, "news", "again") })
	for i, s := range subs[:2] {
		p.sameSteps(s.name+" message after", func(c *redis.Client) (any, error) { return receive(pss[c][i]) })
	}
	// Pings inside subscribed mode.
	p.sameSteps("PING subscribed", func(c *redis.Client) (any, error) {
		ps := pss[c][0]
		if err := ps.Ping(ctx, "hi"); err != nil {
			return nil, err
		}
		return receive(ps)
	})
}

func goRedisTracking(p *clientPair) {
	ctx := p.ctx
	conns := map[*redis.Client]*redis.Conn{p.redis: p.redis.Conn(), p.ember: p.ember.Conn()}
	defer func() {
		for _, cn := range conns {
			cn.Close()
		}
	}()
	do := func(name string, args ...any) {
		p.t.Helper()
		p.same(name, func(c *redis.Client) redis.Cmder { return conns[c].Do(ctx, args...) })
	}
	do("CLIENT TRACKINGINFO off", "CLIENT", "TRACKINGINFO")
	do("CLIENT GETREDIR off", "CLIENT", "GETREDIR")
	do("CLIENT TRACKING ON", "CLIENT", "TRACKING", "ON")
	do("CLIENT TRACKINGINFO on", "CLIENT", "TRACKINGINFO")
	do("CLIENT GETREDIR on", "CLIENT", "GETREDIR")
	do("CLIENT CACHING without OPTIN", "CLIENT", "CACHING", "YES")
	do("CLIENT TRACKING OFF", "CLIENT", "TRACKING", "OFF")
	do("CLIENT TRACKING BCAST PREFIX", "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "user:", "PREFIX", "item:")
	do("CLIENT TRACKINGINFO bcast", "CLIENT", "TRACKINGINFO")
	do("CLIENT TRACKING overlapping prefix", "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "user:1")
	do("CLIENT TRACKING OFF again", "CLIENT", "TRACKING", "OFF")
	do("CLIENT TRACKING OPTIN", "CLIENT", "TRACKING", "ON", "OPTIN")
	do("CLIENT CACHING YES", "CLIENT", "CACHING", "YES")
	do("CLIENT CACHING NO under OPTIN", "CLIENT", "CACHING", "NO")
	do("CLIENT TRACKING OPTIN OPTOUT", "CLIENT", "TRACKING", "ON", "OPTIN", "OPTOUT")
	do("CLIENT TRACKING PREFIX without BCAST", "CLIENT", "TRACKING", "ON", "PREFIX", "a")
	do("CLIENT TRACKING bad REDIRECT", "CLIENT", "TRACKING", "ON", "REDIRECT", "999999")
	do("CLIENT TRACKING bad option", "CLIENT", "TRACKING", "ON", "NOPE")
	do("CLIENT TRACKING bad state", "CLIENT", "TRACKING", "MAYBE")
	do("CLIENT TRACKING OFF last", "CLIENT", "TRACKING", "OFF")
	do("CLIENT TRACKINGINFO off again", "CLIENT", "TRACKINGINFO")
}
