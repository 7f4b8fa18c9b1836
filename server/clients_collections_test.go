package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emberkv/ember/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// TestCollectionsGoRedis runs every hash, list, set and sorted-set command,
// and the blocking ones, through go-redis v9's typed API against a real
// redis-server and against Ember, in RESP2 and RESP3, and compares what
// the client decodes. go-redis turns each RESP3 shape (maps, sets,
// doubles, [member, score] pairs) into its own Go value, so a reply of the
// wrong shape shows up here as a different value or a decoding error even
// where the raw differential scripts would need a line for it.
func TestCollectionsGoRedis(t *testing.T) {
	runGoRedisGroups(t, []goRedisGroup{
		{"hashes", goRedisHashes},
		{"lists", goRedisLists},
		{"sets", goRedisSets},
		{"zsets", goRedisZSets},
		{"blocking", goRedisBlocking},
		{"transactions", goRedisTransactions},
		{"sort", goRedisSort},
	})
}

// goRedisGroup is a named run of comparing steps.
type goRedisGroup struct {
	name string
	run  func(p *clientPair)
}

// runGoRedisGroups runs each group in RESP2 and RESP3 on a fresh pair of
// clients, from empty keyspaces, and compares every key's state after it.
func runGoRedisGroups(t *testing.T, groups []goRedisGroup) {
	redisAddr := testenv.StartRedis(t)
	_, emberAddr := startServer(t, DefaultConfig())
	for _, proto := range []int{2, 3} {
		for _, g := range groups {
			t.Run(fmt.Sprintf("RESP%d/%s", proto, g.name), func(t *testing.T) {
				p := &clientPair{t: t, ctx: context.Background(),
					redis: redis.NewClient(&redis.Options{Addr: redisAddr, Protocol: proto}),
					ember: redis.NewClient(&redis.Options{Addr: emberAddr, Protocol: proto})}
				defer p.redis.Close()
				defer p.ember.Close()
				p.both(func(c *redis.Client) redis.Cmder { return c.FlushAll(p.ctx) })
				g.run(p)
				p.sameState()
			})
		}
	}
}

// clientPair is one go-redis client on Redis and one on Ember, speaking
// the same protocol; every step runs on both, Redis first.
type clientPair struct {
	t            *testing.T
	ctx          context.Context
	redis, ember *redis.Client
}

// cmdFunc issues one command through go-redis's typed API.
type cmdFunc func(c *redis.Client) redis.Cmder

// stepFunc is a step that may take several commands; it returns what the
// client decoded and the error it reported.
type stepFunc func(c *redis.Client) (any, error)

// same runs one command on both servers and fails unless the decoded
// values and the errors are equal.
func (p *clientPair) same(name string, f cmdFunc) {
	p.t.Helper()
	p.compare(name, cmdStep(f), nil)
}

// sameSorted is same for a reply whose order is unspecified (a hashtable's
// members): slices are sorted before comparing.
func (p *clientPair) sameSorted(name string, f cmdFunc) {
	p.t.Helper()
	p.compare(name, cmdStep(f), sortedValue)
}

// sameLen is same for a random reply: only its length is compared.
func (p *clientPair) sameLen(name string, f cmdFunc) {
	p.t.Helper()
	p.compare(name, cmdStep(f), func(v any) any { return reflect.ValueOf(v).Len() })
}

// sameSteps is same for a step of several commands.
func (p *clientPair) sameSteps(name string, f stepFunc) {
	p.t.Helper()
	p.compare(name, f, nil)
}

// namedCmd is a command and the name a failure reports it by.
type namedCmd struct {
	name string
	f    cmdFunc
}

// sameAtOnce is same for commands that take a while (blocking ones that
// time out): they all run at the same time, on both servers, each on a
// connection of its own from the client's pool.
func (p *clientPair) sameAtOnce(cmds []namedCmd) {
	p.t.Helper()
	type result struct {
		v   any
		err error
	}
	res := make([][2]result, len(cmds))
	var wg sync.WaitGroup
	for i, cmd := range cmds {
		for side, c := range []*redis.Client{p.redis, p.ember} {
			wg.Go(func() {
				v, err := cmdStep(cmd.f)(c)
				res[i][side] = result{v, err}
			})
		}
	}
	wg.Wait()
	for i, cmd := range cmds {
		want, got := res[i][0], res[i][1]
		p.compareResults(cmd.name, want.v, want.err, got.v, got.err, nil)
	}
}

// both runs a set-up command on both servers, which must succeed.
func (p *clientPair) both(f cmdFunc) {
	p.t.Helper()
	for _, c := range []*redis.Client{p.redis, p.ember} {
		if cmd := f(c); cmd.Err() != nil {
			p.t.Fatalf("%s: %v", strings.Join(cmdStrings(cmd), " "), cmd.Err())
		}
	}
}

func (p *clientPair) compare(name string, f stepFunc, norm func(any) any) {
	p.t.Helper()
	want, wantErr := f(p.redis)
	got, gotErr := f(p.ember)
	p.compareResults(name, want, wantErr, got, gotErr, norm)
}

func (p *clientPair) compareResults(name string, want any, wantErr error, got any, gotErr error, norm func(any) any) {
	p.t.Helper()
	if norm != nil {
		want, got = norm(want), norm(got)
	}
	if errText(wantErr) != errText(gotErr) {
		p.t.Errorf("%s: error\n  redis: %v\n  ember: %v", name, wantErr, gotErr)
		return
	}
	if !reflect.DeepEqual(want, got) {
		p.t.Errorf("%s:\n  redis: %#v\n  ember: %#v", name, want, got)
	}
}

// cmdStep turns one command into a step: its value (the Val method every
// typed go-redis command has) and its error.
func cmdStep(f cmdFunc) stepFunc {
	return func(c *redis.Client) (any, error) {
		cmd := f(c)
		return cmdValue(cmd), cmd.Err()
	}
}

func cmdValue(cmd redis.Cmder) any {
	out := reflect.ValueOf(cmd).MethodByName("Val").Call(nil)
	if len(out) == 1 {
		return out[0].Interface()
	}
	vals := make([]any, len(out)) // ScanCmd: keys and cursor
	for i, v := range out {
		vals[i] = v.Interface()
	}
	return vals
}

func cmdStrings(cmd redis.Cmder) []string {
	var s []string
	for _, a := range cmd.Args() {
		s = append(s, fmt.Sprint(a))
	}
	return s
}

// sortedValue sorts the slices go-redis returns for unordered replies.
func sortedValue(v any) any {
	switch v := v.(type) {
	case []string:
		return slices.Sorted(slices.Values(v))
	case []redis.Z:
		s := slices.Clone(v)
		sort.Slice(s, func(i, j int) bool { return fmt.Sprint(s[i].Member) < fmt.Sprint(s[j].Member) })
		return s
	case []redis.KeyValue:
		s := slices.Clone(v)
		sort.Slice(s, func(i, j int) bool { return s[i].Key < s[j].Key })
		return s
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = sortedValue(e)
		}
		return s
	}
	return v
}

// scanAll iterates a SCAN-family command from cursor 0 to the end, and
// returns every element it produced, sorted (an element may come twice).
func scanAll(scan func(c *redis.Client, cursor uint64) *redis.ScanCmd) stepFunc {
	return func(c *redis.Client) (any, error) {
		var all []string
		var cursor uint64
		for range 10000 {
			page, next, err := scan(c, cursor).Result()
			if err != nil {
				return nil, err
			}
			all = append(all, page...)
			if cursor = next; cursor == 0 {
				return slices.Sorted(slices.Values(all)), nil
			}
		}
		return nil, errors.New("scan did not finish")
	}
}

// scanPairs is scanAll for HSCAN and ZSCAN, whose pages alternate field
// and value: it returns the distinct pairs, sorted.
func scanPairs(scan func(c *redis.Client, cursor uint64) *redis.ScanCmd) stepFunc {
	return func(c *redis.Client) (any, error) {
		pairs := map[string]string{}
		var cursor uint64
		for range 10000 {
			page, next, err := scan(c, cursor).Result()
			if err != nil {
				return nil, err
			}
			if len(page)%2 != 0 {
				return nil, fmt.Errorf("odd page %q", page)
			}
			for i := 0; i < len(page); i += 2 {
				pairs[page[i]] = page[i+1]
			}
			if cursor = next; cursor == 0 {
				return pairs, nil
			}
		}
		return nil, errors.New("scan did not finish")
	}
}

// sameState compares every key on both servers: its type, its encoding
// and its whole contents as go-redis reads them.
func (p *clientPair) sameState() {
	p.t.Helper()
	p.sameSorted("KEYS *", func(c *redis.Client) redis.Cmder { return c.Keys(p.ctx, "*") })
	keys, err := p.redis.Keys(p.ctx, "*").Result()
	if err != nil {
		p.t.Fatal(err)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p.same("TYPE "+k, func(c *redis.Client) redis.Cmder { return c.Type(p.ctx, k) })
		p.same("OBJECT ENCODING "+k, func(c *redis.Client) redis.Cmder { return c.ObjectEncoding(p.ctx, k) })
		p.same("TTL "+k, func(c *redis.Client) redis.Cmder { return c.TTL(p.ctx, k) })
		switch p.redis.Type(p.ctx, k).Val() {
		case "string":
			p.same("GET "+k, func(c *redis.Client) redis.Cmder { return c.Get(p.ctx, k) })
		case "hash":
			p.same("HGETALL "+k, func(c *redis.Client) redis.Cmder { return c.HGetAll(p.ctx, k) })
		case "list":
			p.same("LRANGE "+k, func(c *redis.Client) redis.Cmder { return c.LRange(p.ctx, k, 0, -1) })
		case "set":
			p.sameSorted("SMEMBERS "+k, func(c *redis.Client) redis.Cmder { return c.SMembers(p.ctx, k) })
		case "zset":
			p.same("ZRANGE WITHSCORES "+k, func(c *redis.Client) redis.Cmder { return c.ZRangeWithScores(p.ctx, k, 0, -1) })
		}
	}
}

// fill adds n fields, members or elements to key through add, on both
// servers, to push an encoding past its threshold.
func (p *clientPair) fill(n int, add func(c *redis.Client, i int) redis.Cmder) {
	p.t.Helper()
	for i := range n {
		p.both(func(c *redis.Client) redis.Cmder { return add(c, i) })
	}
}

func goRedisHashes(p *clientPair) {
	ctx := p.ctx
	p.both(func(c *redis.Client) redis.Cmder { return c.Set(ctx, "str", "x", 0) })
	p.same("HSET", func(c *redis.Client) redis.Cmder { return c.HSet(ctx, "h", "a", "1", "b", "2") })
	p.same("HSET map", func(c *redis.Client) redis.Cmder { return c.HSet(ctx, "h", map[string]any{"b": "3", "c": "4"}) })
	p.same("HSET odd", func(c *redis.Client) redis.Cmder { return c.HSet(ctx, "h", "a") })
	p.same("HMSET", func(c *redis.Client) redis.Cmder { return c.HMSet(ctx, "h", "d", "5", "", "empty", "a\x00b", "bin") })
	p.same("HSETNX existing", func(c *redis.Client) redis.Cmder { return c.HSetNX(ctx, "h", "a", "x") })
	p.same("HSETNX new", func(c *redis.Client) redis.Cmder { return c.HSetNX(ctx, "h", "e", "6") })
	p.same("HGET", func(c *redis.Client) redis.Cmder { return c.HGet(ctx, "h", "b") })
	p.same("HGET binary", func(c *redis.Client) redis.Cmder { return c.HGet(ctx, "h", "a\x00b") })
	p.same("HGET missing field", func(c *redis.Client) redis.Cmder { return c.HGet(ctx, "h", "nope") })
	p.same("HGET missing key", func(c *redis.Client) redis.Cmder { return c.HGet(ctx, "nokey", "a") })
	p.same("HGET wrong type", func(c *redis.Client) redis.Cmder { return c.HGet(ctx, "str", "a") })
	p.same("HMGET", func(c *redis.Client) redis.Cmder { return c.HMGet(ctx, "h", "a", "nope", "", "d") })
	p.same("HMGET missing key", func(c *redis.Client) redis.Cmder { return c.HMGet(ctx, "nokey", "a", "b") })
	p.same("HGETALL", func(c *redis.Client) redis.Cmder { return c.HGetAll(ctx, "h") })
	p.same("HGETALL missing", func(c *redis.Client) redis.Cmder { return c.HGetAll(ctx, "nokey") })
	p.same("HGETALL wrong type", func(c *redis.Client) redis.Cmder { return c.HGetAll(ctx, "str") })
	p.same("HKEYS", func(c *redis.Client) redis.Cmder { return c.HKeys(ctx, "h") })
	p.same("HVALS", func(c *redis.Client) redis.Cmder { return c.HVals(ctx, "h") })
	p.same("HKEYS missing", func(c *redis.Client) redis.Cmder { return c.HKeys(ctx, "nokey") })
	p.same("HINCRBY", func(c *redis.Client) redis.Cmder { return c.HIncrBy(ctx, "h", "a", 41) })
	p.same("HINCRBY new", func(c *redis.Client) redis.Cmder { return c.HIncrBy(ctx, "h", "n", -7) })
	p.same("HINCRBY not integer", func(c *redis.Client) redis.Cmder { return c.HIncrBy(ctx, "h", "", 1) })
	p.same("HINCRBY overflow", func(c *redis.Client) redis.Cmder { return c.HIncrBy(ctx, "h", "a", math.MaxInt64) })
	p.same("HINCRBYFLOAT", func(c *redis.Client) redis.Cmder { return c.HIncrByFloat(ctx, "h", "c", 0.5) })
	p.same("HINCRBYFLOAT small", func(c *redis.Client) redis.Cmder { return c.HIncrByFloat(ctx, "h", "f", 0.1) })
	p.same("HINCRBYFLOAT big", func(c *redis.Client) redis.Cmder { return c.HIncrByFloat(ctx, "h", "g", 1e20) })
	p.same("HINCRBYFLOAT not float", func(c *redis.Client) redis.Cmder { return c.HIncrByFloat(ctx, "h", "", 1) })
	p.same("HGET float", func(c *redis.Client) redis.Cmder { return c.HGet(ctx, "h", "g") })
	p.same("HSTRLEN", func(c *redis.Client) redis.Cmder { return c.HStrLen(ctx, "h", "a") })
	p.same("HSTRLEN missing", func(c *redis.Client) redis.Cmder { return c.HStrLen(ctx, "h", "nope") })
	p.same("HLEN", func(c *redis.Client) redis.Cmder { return c.HLen(ctx, "h") })
	p.same("HLEN missing", func(c *redis.Client) redis.Cmder { return c.HLen(ctx, "nokey") })
	p.same("HEXISTS", func(c *redis.Client) redis.Cmder { return c.HExists(ctx, "h", "d") })
	p.same("HEXISTS missing", func(c *redis.Client) redis.Cmder { return c.HExists(ctx, "h", "nope") })
	p.same("HDEL", func(c *redis.Client) redis.Cmder { return c.HDel(ctx, "h", "d", "nope", "e") })
	p.same("HGETALL after HDEL", func(c *redis.Client) redis.Cmder { return c.HGetAll(ctx, "h") })

	// HRANDFIELD: flat in RESP2, pairs in RESP3. Random, so compared on a
	// one-field hash or by length.
	p.both(func(c *redis.Client) redis.Cmder { return c.HSet(ctx, "one", "f", "v") })
	p.same("HRANDFIELD 1", func(c *redis.Client) redis.Cmder { return c.HRandField(ctx, "one", 1) })
	p.same("HRANDFIELD -3", func(c *redis.Client) redis.Cmder { return c.HRandField(ctx, "one", -3) })
	p.same("HRANDFIELD 0", func(c *redis.Client) redis.Cmder { return c.HRandField(ctx, "one", 0) })
	p.same("HRANDFIELD missing", func(c *redis.Client) redis.Cmder { return c.HRandField(ctx, "nokey", 3) })
	p.same("HRANDFIELD WITHVALUES", func(c *redis.Client) redis.Cmder { return c.HRandFieldWithValues(ctx, "one", 2) })
	p.same("HRANDFIELD WITHVALUES -2", func(c *redis.Client) redis.Cmder { return c.HRandFieldWithValues(ctx, "one", -2) })
	p.same("HRANDFIELD WITHVALUES missing", func(c *redis.Client) redis.Cmder { return c.HRandFieldWithValues(ctx, "nokey", 2) })
	p.sameSorted("HRANDFIELD all", func(c *redis.Client) redis.Cmder { return c.HRandField(ctx, "h", 100) })
	p.sameSorted("HRANDFIELD WITHVALUES all", func(c *redis.Client) redis.Cmder { return c.HRandFieldWithValues(ctx, "h", 100) })
	p.sameLen("HRANDFIELD -20", func(c *redis.Client) redis.Cmder { return c.HRandField(ctx, "h", -20) })
	p.sameLen("HRANDFIELD WITHVALUES 3", func(c *redis.Client) redis.Cmder { return c.HRandFieldWithValues(ctx, "h", 3) })

	// HSCAN of a listpack (one page) and of a hashtable (many).
	p.sameSteps("HSCAN listpack", scanPairs(func(c *redis.Client, cur uint64) *redis.ScanCmd { return c.HScan(ctx, "h", cur, "", 0) }))
	p.sameSteps("HSCAN missing", scanPairs(func(c *redis.Client, cur uint64) *redis.ScanCmd { return c.HScan(ctx, "nokey", cur, "", 0) }))
	p.sameSteps("HSCAN wrong type", scanPairs(func(c *redis.Client, cur uint64) *redis.ScanCmd { return c.HScan(ctx, "str", cur, "", 0) }))
	p.fill(300, func(c *redis.Client, i int) redis.Cmder { return c.HSet(ctx, "big", "field:"+strconv.Itoa(i), i) })
	p.sameSteps("HSCAN hashtable", scanPairs(func(c *redis.Client, cur uint64) *redis.ScanCmd { return c.HScan(ctx, "big", cur, "", 20) }))
	p.sameSteps("HSCAN MATCH", scanPairs(func(c *redis.Client, cur uint64) *redis.ScanCmd {
		return c.HScan(ctx, "big", cur, "field:1*", 50)
	}))
	// HSCAN NOVALUES is Redis 7.4's: 7.0 answers a syntax error.
	p.same("HSCAN NOVALUES", func(c *redis.Client) redis.Cmder { return c.HScanNoValues(ctx, "h", 0, "", 0) })
	p.same("HGETALL hashtable", func(c *redis.Client) redis.Cmder { return c.HGetAll(ctx, "big") })
	p.sameSorted("HKEYS hashtable", func(c *redis.Client) redis.Cmder { return c.HKeys(ctx, "big") })
	p.sameSorted("HVALS hashtable", func(c *redis.Client) redis.Cmder { return c.HVals(ctx, "big") })
	// HRANDFIELD of a hashtable: Redis picks by a different method for
	// each count (all of them, most of them, a few), so try each.
	p.sameSorted("HRANDFIELD hashtable all", func(c *redis.Client) redis.Cmder { return c.HRandField(ctx, "big", 1000) })
	p.sameLen("HRANDFIELD hashtable most", func(c *redis.Client) redis.Cmder { return c.HRandField(ctx, "big", 250) })
	p.sameLen("HRANDFIELD hashtable few", func(c *redis.Client) redis.Cmder { return c.HRandFieldWithValues(ctx, "big", 10) })
	p.sameLen("HRANDFIELD hashtable repeats", func(c *redis.Client) redis.Cmder { return c.HRandField(ctx, "big", -1000) })
	// A value longer than hash-max-listpack-value converts the hash.
	p.same("HSET long value", func(c *redis.Client) redis.Cmder { return c.HSet(ctx, "long", "f", strings.Repeat("v", 65)) })
}

func goRedisLists(p *clientPair) {
	ctx := p.ctx
	p.both(func(c *redis.Client) redis.Cmder { return c.Set(ctx, "str", "x", 0) })
	p.same("LPUSHX missing", func(c *redis.Client) redis.Cmder { return c.LPushX(ctx, "l", "a") })
	p.same("RPUSHX missing", func(c *redis.Client) redis.Cmder { return c.RPushX(ctx, "l", "a") })
	p.same("RPUSH", func(c *redis.Client) redis.Cmder { return c.RPush(ctx, "l", "a", "b", "c", "b", "a", "", "a\x00b") })
	p.same("LPUSH", func(c *redis.Client) redis.Cmder { return c.LPush(ctx, "l", 1, 2, 3) })
	p.same("LPUSHX", func(c *redis.Client) redis.Cmder { return c.LPushX(ctx, "l", "x") })
	p.same("RPUSHX", func(c *redis.Client) redis.Cmder { return c.RPushX(ctx, "l", "y", "a") })
	p.same("LPUSH wrong type", func(c *redis.Client) redis.Cmder { return c.LPush(ctx, "str", "a") })
	p.same("LLEN", func(c *redis.Client) redis.Cmder { return c.LLen(ctx, "l") })
	p.same("LLEN missing", func(c *redis.Client) redis.Cmder { return c.LLen(ctx, "nokey") })
	p.same("LRANGE all", func(c *redis.Client) redis.Cmder { return c.LRange(ctx, "l", 0, -1) })
	p.same("LRANGE middle", func(c *redis.Client) redis.Cmder { return c.LRange(ctx, "l", 2, -3) })
	p.same("LRANGE empty", func(c *redis.Client) redis.Cmder { return c.LRange(ctx, "l", 5, 2) })
	p.same("LRANGE huge", func(c *redis.Client) redis.Cmder { return c.LRange(ctx, "l", -100, 100) })
	p.same("LRANGE missing", func(c *redis.Client) redis.Cmder { return c.LRange(ctx, "nokey", 0, -1) })
	p.same("LINDEX", func(c *redis.Client) redis.Cmder { return c.LIndex(ctx, "l", 3) })
	p.same("LINDEX negative", func(c *redis.Client) redis.Cmder { return c.LIndex(ctx, "l", -1) })
	p.same("LINDEX out of range", func(c *redis.Client) redis.Cmder { return c.LIndex(ctx, "l", 100) })
	p.same("LSET", func(c *redis.Client) redis.Cmder { return c.LSet(ctx, "l", 0, "first") })
	p.same("LSET out of range", func(c *redis.Client) redis.Cmder { return c.LSet(ctx, "l", 100, "x") })
	p.same("LSET missing", func(c *redis.Client) redis.Cmder { return c.LSet(ctx, "nokey", 0, "x") })
	p.same("LINSERT BEFORE", func(c *redis.Client) redis.Cmder { return c.LInsertBefore(ctx, "l", "c", "before-c") })
	p.same("LINSERT AFTER", func(c *redis.Client) redis.Cmder { return c.LInsertAfter(ctx, "l", "c", "after-c") })
	p.same("LINSERT no pivot", func(c *redis.Client) redis.Cmder { return c.LInsert(ctx, "l", "BEFORE", "nope", "x") })
	p.same("LINSERT missing", func(c *redis.Client) redis.Cmder { return c.LInsert(ctx, "nokey", "AFTER", "a", "x") })
	p.same("LINSERT bad where", func(c *redis.Client) redis.Cmder { return c.LInsert(ctx, "l", "MIDDLE", "a", "x") })
	p.same("LPOS", func(c *redis.Client) redis.Cmder { return c.LPos(ctx, "l", "a", redis.LPosArgs{}) })
	p.same("LPOS RANK 2", func(c *redis.Client) redis.Cmder { return c.LPos(ctx, "l", "a", redis.LPosArgs{Rank: 2}) })
	p.same("LPOS RANK -1", func(c *redis.Client) redis.Cmder { return c.LPos(ctx, "l", "a", redis.LPosArgs{Rank: -1}) })
	p.same("LPOS MAXLEN", func(c *redis.Client) redis.Cmder { return c.LPos(ctx, "l", "a", redis.LPosArgs{MaxLen: 3}) })
	p.same("LPOS not found", func(c *redis.Client) redis.Cmder { return c.LPos(ctx, "l", "nope", redis.LPosArgs{}) })
	p.same("LPOS missing", func(c *redis.Client) redis.Cmder { return c.LPos(ctx, "nokey", "a", redis.LPosArgs{}) })
	p.same("LPOS COUNT", func(c *redis.Client) redis.Cmder { return c.LPosCount(ctx, "l", "a", 2, redis.LPosArgs{}) })
	p.same("LPOS COUNT 0", func(c *redis.Client) redis.Cmder { return c.LPosCount(ctx, "l", "a", 0, redis.LPosArgs{}) })
	p.same("LPOS COUNT RANK", func(c *redis.Client) redis.Cmder {
		return c.LPosCount(ctx, "l", "a", 0, redis.LPosArgs{Rank: -2, MaxLen: 100})
	})
	p.same("LPOS COUNT not found", func(c *redis.Client) redis.Cmder { return c.LPosCount(ctx, "l", "nope", 5, redis.LPosArgs{}) })
	p.same("LPOS COUNT missing", func(c *redis.Client) redis.Cmder { return c.LPosCount(ctx, "nokey", "a", 5, redis.LPosArgs{}) })
	p.same("LPOS COUNT negative", func(c *redis.Client) redis.Cmder { return c.LPosCount(ctx, "l", "a", -1, redis.LPosArgs{}) })
	p.same("LREM positive", func(c *redis.Client) redis.Cmder { return c.LRem(ctx, "l", 1, "a") })
	p.same("LREM negative", func(c *redis.Client) redis.Cmder { return c.LRem(ctx, "l", -1, "b") })
	p.same("LREM all", func(c *redis.Client) redis.Cmder { return c.LRem(ctx, "l", 0, "a") })
	p.same("LREM missing", func(c *redis.Client) redis.Cmder { return c.LRem(ctx, "nokey", 0, "a") })
	p.same("LRANGE after LREM", func(c *redis.Client) redis.Cmder { return c.LRange(ctx, "l", 0, -1) })
	p.same("LPOP", func(c *redis.Client) redis.Cmder { return c.LPop(ctx, "l") })
	p.same("RPOP", func(c *redis.Client) redis.Cmder { return c.RPop(ctx, "l") })
	p.same("LPOP COUNT", func(c *redis.Client) redis.Cmder { return c.LPopCount(ctx, "l", 2) })
	p.same("RPOP COUNT", func(c *redis.Client) redis.Cmder { return c.RPopCount(ctx, "l", 2) })
	p.same("LPOP COUNT 0", func(c *redis.Client) redis.Cmder { return c.LPopCount(ctx, "l", 0) })
	p.same("LPOP COUNT negative", func(c *redis.Client) redis.Cmder { return c.LPopCount(ctx, "l", -1) })
	p.same("LPOP missing", func(c *redis.Client) redis.Cmder { return c.LPop(ctx, "nokey") })
	p.same("LPOP COUNT missing", func(c *redis.Client) redis.Cmder { return c.LPopCount(ctx, "nokey", 2) })
	p.same("RPOP wrong type", func(c *redis.Client) redis.Cmder { return c.RPop(ctx, "str") })
	p.same("LTRIM", func(c *redis.Client) redis.Cmder { return c.LTrim(ctx, "l", 1, -2) })
	p.same("LRANGE after LTRIM", func(c *redis.Client) redis.Cmder { return c.LRange(ctx, "l", 0, -1) })
	p.same("LTRIM missing", func(c *redis.Client) redis.Cmder { return c.LTrim(ctx, "nokey", 0, 1) })

	p.both(func(c *redis.Client) redis.Cmder { return c.RPush(ctx, "src", "1", "2", "3", "4") })
	p.same("LMOVE LEFT RIGHT", func(c *redis.Client) redis.Cmder { return c.LMove(ctx, "src", "dst", "LEFT", "RIGHT") })
	p.same("LMOVE RIGHT LEFT", func(c *redis.Client) redis.Cmder { return c.LMove(ctx, "src", "dst", "RIGHT", "LEFT") })
	p.same("LMOVE same list", func(c *redis.Client) redis.Cmder { return c.LMove(ctx, "src", "src", "LEFT", "RIGHT") })
	p.same("LMOVE missing", func(c *redis.Client) redis.Cmder { return c.LMove(ctx, "nokey", "dst", "LEFT", "LEFT") })
	p.same("LMOVE bad where", func(c *redis.Client) redis.Cmder { return c.LMove(ctx, "src", "dst", "UP", "LEFT") })
	p.same("LMOVE wrong type", func(c *redis.Client) redis.Cmder { return c.LMove(ctx, "src", "str", "LEFT", "LEFT") })
	p.same("RPOPLPUSH", func(c *redis.Client) redis.Cmder { return c.RPopLPush(ctx, "src", "dst") })
	p.same("RPOPLPUSH missing", func(c *redis.Client) redis.Cmder { return c.RPopLPush(ctx, "nokey", "dst") })
	p.same("LMPOP LEFT", func(c *redis.Client) redis.Cmder { return c.LMPop(ctx, "LEFT", 1, "nokey", "dst") })
	p.same("LMPOP RIGHT COUNT", func(c *redis.Client) redis.Cmder { return c.LMPop(ctx, "RIGHT", 10, "dst", "src") })
	p.same("LMPOP missing", func(c *redis.Client) redis.Cmder { return c.LMPop(ctx, "LEFT", 1, "nokey", "nokey2") })
	p.same("LMPOP bad direction", func(c *redis.Client) redis.Cmder { return c.LMPop(ctx, "UP", 1, "src") })
	p.same("LMPOP count 0", func(c *redis.Client) redis.Cmder { return c.LMPop(ctx, "LEFT", 0, "src") })
	p.same("LMPOP wrong type", func(c *redis.Client) redis.Cmder { return c.LMPop(ctx, "LEFT", 1, "str") })

	// Past list-max-listpack-size (128 entries by default), or with a long
	// element, a list becomes a quicklist.
	p.fill(200, func(c *redis.Client, i int) redis.Cmder { return c.RPush(ctx, "big", i) })
	p.same("LRANGE quicklist", func(c *redis.Client) redis.Cmder { return c.LRange(ctx, "big", 90, 140) })
	p.same("LINDEX quicklist", func(c *redis.Client) redis.Cmder { return c.LIndex(ctx, "big", 150) })
	p.same("LPOS quicklist", func(c *redis.Client) redis.Cmder { return c.LPos(ctx, "big", "170", redis.LPosArgs{}) })
	p.same("RPUSH long", func(c *redis.Client) redis.Cmder { return c.RPush(ctx, "long", strings.Repeat("x", 9000)) })
}

func goRedisSets(p *clientPair) {
	ctx := p.ctx
	p.both(func(c *redis.Client) redis.Cmder { return c.Set(ctx, "str", "x", 0) })
	p.same("SADD integers", func(c *redis.Client) redis.Cmder { return c.SAdd(ctx, "ints", 3, 1, 2, 2, -5) })
	p.same("SMEMBERS intset", func(c *redis.Client) redis.Cmder { return c.SMembers(ctx, "ints") })
	p.same("SADD strings", func(c *redis.Client) redis.Cmder { return c.SAdd(ctx, "s", "a", "b", "c", "", "a\x00b", 1) })
	p.same("SADD again", func(c *redis.Client) redis.Cmder { return c.SAdd(ctx, "s", "a", "d") })
	p.same("SADD wrong type", func(c *redis.Client) redis.Cmder { return c.SAdd(ctx, "str", "a") })
	p.sameSorted("SMEMBERS", func(c *redis.Client) redis.Cmder { return c.SMembers(ctx, "s") })
	p.same("SMEMBERS as map", func(c *redis.Client) redis.Cmder { return c.SMembersMap(ctx, "s") })
	p.same("SMEMBERS missing", func(c *redis.Client) redis.Cmder { return c.SMembers(ctx, "nokey") })
	p.same("SMEMBERS wrong type", func(c *redis.Client) redis.Cmder { return c.SMembers(ctx, "str") })
	p.same("SCARD", func(c *redis.Client) redis.Cmder { return c.SCard(ctx, "s") })
	p.same("SCARD missing", func(c *redis.Client) redis.Cmder { return c.SCard(ctx, "nokey") })
	p.same("SISMEMBER", func(c *redis.Client) redis.Cmder { return c.SIsMember(ctx, "s", "a\x00b") })
	p.same("SISMEMBER no", func(c *redis.Client) redis.Cmder { return c.SIsMember(ctx, "s", "zz") })
	p.same("SISMEMBER intset", func(c *redis.Client) redis.Cmder { return c.SIsMember(ctx, "ints", -5) })
	p.same("SMISMEMBER", func(c *redis.Client) redis.Cmder { return c.SMIsMember(ctx, "s", "a", "zz", "", 1) })
	p.same("SMISMEMBER missing", func(c *redis.Client) redis.Cmder { return c.SMIsMember(ctx, "nokey", "a", "b") })
	p.same("SREM", func(c *redis.Client) redis.Cmder { return c.SRem(ctx, "s", "d", "zz") })
	p.same("SREM missing", func(c *redis.Client) redis.Cmder { return c.SRem(ctx, "nokey", "a") })

	p.both(func(c *redis.Client) redis.Cmder { return c.SAdd(ctx, "t", "b", "c", "e", 1) })
	p.both(func(c *redis.Client) redis.Cmder { return c.SAdd(ctx, "u", "c", "f", 1, 3) })
	p.sameSorted("SINTER", func(c *redis.Client) redis.Cmder { return c.SInter(ctx, "s", "t") })
	p.sameSorted("SINTER three", func(c *redis.Client) redis.Cmder { return c.SInter(ctx, "s", "t", "u") })
	p.same("SINTER missing", func(c *redis.Client) redis.Cmder { return c.SInter(ctx, "s", "nokey") })
	p.same("SINTER wrong type", func(c *redis.Client) redis.Cmder { return c.SInter(ctx, "s", "str") })
	p.same("SINTERCARD", func(c *redis.Client) redis.Cmder { return c.SInterCard(ctx, 0, "s", "t") })
	p.same("SINTERCARD LIMIT", func(c *redis.Client) redis.Cmder { return c.SInterCard(ctx, 1, "s", "t") })
	p.same("SINTERCARD negative LIMIT", func(c *redis.Client) redis.Cmder { return c.SInterCard(ctx, -1, "s", "t") })
	p.same("SINTERCARD missing", func(c *redis.Client) redis.Cmder { return c.SInterCard(ctx, 0, "s", "nokey") })
	p.same("SINTERSTORE", func(c *redis.Client) redis.Cmder { return c.SInterStore(ctx, "inter", "s", "t") })
	p.same("SINTERSTORE intset", func(c *redis.Client) redis.Cmder { return c.SInterStore(ctx, "interints", "ints", "u") })
	p.same("SINTERSTORE empty", func(c *redis.Client) redis.Cmder { return c.SInterStore(ctx, "inter2", "s", "nokey") })
	p.sameSorted("SUNION", func(c *redis.Client) redis.Cmder { return c.SUnion(ctx, "s", "t", "nokey") })
	p.same("SUNIONSTORE", func(c *redis.Client) redis.Cmder { return c.SUnionStore(ctx, "union", "s", "t", "u") })
	p.same("SUNIONSTORE ints", func(c *redis.Client) redis.Cmder { return c.SUnionStore(ctx, "unionints", "ints", "nokey") })
	p.sameSorted("SDIFF", func(c *redis.Client) redis.Cmder { return c.SDiff(ctx, "s", "t") })
	p.same("SDIFF missing first", func(c *redis.Client) redis.Cmder { return c.SDiff(ctx, "nokey", "t") })
	p.same("SDIFFSTORE", func(c *redis.Client) redis.Cmder { return c.SDiffStore(ctx, "diff", "s", "t", "u") })
	p.same("SMOVE", func(c *redis.Client) redis.Cmder { return c.SMove(ctx, "s", "t", "a") })
	p.same("SMOVE absent", func(c *redis.Client) redis.Cmder { return c.SMove(ctx, "s", "t", "zz") })
	p.same("SMOVE wrong type", func(c *redis.Client) redis.Cmder { return c.SMove(ctx, "s", "str", "b") })
	p.same("SMOVE to new", func(c *redis.Client) redis.Cmder { return c.SMove(ctx, "s", "fresh", "b") })

	// Random replies: on a one-member set, or by length, or all of them.
	p.both(func(c *redis.Client) redis.Cmder { return c.SAdd(ctx, "one", "m") })
	p.same("SRANDMEMBER", func(c *redis.Client) redis.Cmder { return c.SRandMember(ctx, "one") })
	p.same("SRANDMEMBER missing", func(c *redis.Client) redis.Cmder { return c.SRandMember(ctx, "nokey") })
	p.same("SRANDMEMBER -3", func(c *redis.Client) redis.Cmder { return c.SRandMemberN(ctx, "one", -3) })
	p.same("SRANDMEMBER N missing", func(c *redis.Client) redis.Cmder { return c.SRandMemberN(ctx, "nokey", 3) })
	p.sameSorted("SRANDMEMBER all", func(c *redis.Client) redis.Cmder { return c.SRandMemberN(ctx, "u", 10) })
	p.sameLen("SRANDMEMBER -10", func(c *redis.Client) redis.Cmder { return c.SRandMemberN(ctx, "u", -10) })
	p.same("SPOP", func(c *redis.Client) redis.Cmder { return c.SPop(ctx, "one") })
	p.same("SPOP missing", func(c *redis.Client) redis.Cmder { return c.SPop(ctx, "one") })
	p.same("SPOP N missing", func(c *redis.Client) redis.Cmder { return c.SPopN(ctx, "one", 2) })
	p.same("SPOP N negative", func(c *redis.Client) redis.Cmder { return c.SPopN(ctx, "u", -1) })
	p.sameSorted("SPOP N all", func(c *redis.Client) redis.Cmder { return c.SPopN(ctx, "u", 10) })
	p.sameSorted("SPOP N all intset", func(c *redis.Client) redis.Cmder { return c.SPopN(ctx, "unionints", 100) })

	// SSCAN of an intset and of a hashtable past set-max-intset-entries.
	p.sameSteps("SSCAN intset", scanAll(func(c *redis.Client, cur uint64) *redis.ScanCmd { return c.SScan(ctx, "ints", cur, "", 0) }))
	p.sameSteps("SSCAN missing", scanAll(func(c *redis.Client, cur uint64) *redis.ScanCmd { return c.SScan(ctx, "nokey", cur, "", 0) }))
	p.fill(600, func(c *redis.Client, i int) redis.Cmder { return c.SAdd(ctx, "bigints", i) })
	p.fill(300, func(c *redis.Client, i int) redis.Cmder { return c.SAdd(ctx, "big", "m:"+strconv.Itoa(i)) })
	p.sameSteps("SSCAN hashtable", scanAll(func(c *redis.Client, cur uint64) *redis.ScanCmd { return c.SScan(ctx, "big", cur, "", 25) }))
	p.sameSteps("SSCAN MATCH", scanAll(func(c *redis.Client, cur uint64) *redis.ScanCmd { return c.SScan(ctx, "big", cur, "m:2?", 25) }))
	p.sameSteps("SSCAN big intset", scanAll(func(c *redis.Client, cur uint64) *redis.ScanCmd { return c.SScan(ctx, "bigints", cur, "*9", 25) }))
	p.sameSorted("SRANDMEMBER hashtable all", func(c *redis.Client) redis.Cmder { return c.SRandMemberN(ctx, "big", 1000) })
	p.sameLen("SRANDMEMBER hashtable most", func(c *redis.Client) redis.Cmder { return c.SRandMemberN(ctx, "big", 250) })
	p.sameLen("SRANDMEMBER intset few", func(c *redis.Client) redis.Cmder { return c.SRandMemberN(ctx, "bigints", 10) })
	p.sameLen("SRANDMEMBER hashtable repeats", func(c *redis.Client) redis.Cmder { return c.SRandMemberN(ctx, "big", -1000) })
	// SPOP with a count takes members at random: compare how many, then
	// drop the key, whose members now differ.
	p.sameLen("SPOP hashtable most", func(c *redis.Client) redis.Cmder { return c.SPopN(ctx, "big", 250) })
	p.sameLen("SPOP intset few", func(c *redis.Client) redis.Cmder { return c.SPopN(ctx, "bigints", 10) })
	p.same("SCARD after SPOP", func(c *redis.Client) redis.Cmder { return c.SCard(ctx, "big") })
	p.same("SCARD intset after SPOP", func(c *redis.Client) redis.Cmder { return c.SCard(ctx, "bigints") })
	p.same("SINTERCARD big", func(c *redis.Client) redis.Cmder { return c.SInterCard(ctx, 0, "big", "bigints", "s") })
	p.both(func(c *redis.Client) redis.Cmder { return c.Del(ctx, "big", "bigints") })
}

func goRedisZSets(p *clientPair) {
	ctx := p.ctx
	z := func(score float64, member string) redis.Z { return redis.Z{Score: score, Member: member} }
	p.both(func(c *redis.Client) redis.Cmder { return c.Set(ctx, "str", "x", 0) })
	p.same("ZADD", func(c *redis.Client) redis.Cmder {
		return c.ZAdd(ctx, "z", z(1, "a"), z(2, "b"), z(3, "c"), z(0.1, "d"), z(-1.5, ""), z(math.Inf(1), "inf"), z(math.Inf(-1), "-inf"))
	})
	p.same("ZADD update", func(c *redis.Client) redis.Cmder { return c.ZAdd(ctx, "z", z(2.5, "b"), z(4, "e")) })
	p.same("ZADD wrong type", func(c *redis.Client) redis.Cmder { return c.ZAdd(ctx, "str", z(1, "a")) })
	p.same("ZADD NX", func(c *redis.Client) redis.Cmder { return c.ZAddNX(ctx, "z", z(10, "a"), z(5, "f")) })
	p.same("ZADD XX", func(c *redis.Client) redis.Cmder { return c.ZAddXX(ctx, "z", z(10, "a"), z(5, "g")) })
	p.same("ZADD GT", func(c *redis.Client) redis.Cmder { return c.ZAddGT(ctx, "z", z(9, "a"), z(11, "c")) })
	p.same("ZADD LT", func(c *redis.Client) redis.Cmder { return c.ZAddLT(ctx, "z", z(20, "a"), z(0, "b")) })
	p.same("ZADD XX CH", func(c *redis.Client) redis.Cmder {
		return c.ZAddArgs(ctx, "z", redis.ZAddArgs{XX: true, Ch: true, Members: []redis.Z{z(7, "a"), z(7, "new")}})
	})
	p.same("ZADD GT CH", func(c *redis.Client) redis.Cmder {
		return c.ZAddArgs(ctx, "z", redis.ZAddArgs{GT: true, Ch: true, Members: []redis.Z{z(8, "a"), z(1, "c"), z(6, "h")}})
	})
	p.same("ZADD LT NX", func(c *redis.Client) redis.Cmder {
		return c.ZAddArgs(ctx, "z", redis.ZAddArgs{LT: true, NX: true, Members: []redis.Z{z(1, "a")}})
	})
	p.same("ZADD NX XX", func(c *redis.Client) redis.Cmder {
		return c.ZAddArgs(ctx, "z", redis.ZAddArgs{NX: true, XX: true, Members: []redis.Z{z(1, "a")}})
	})
	p.same("ZADD NaN", func(c *redis.Client) redis.Cmder { return c.ZAdd(ctx, "z", z(math.NaN(), "nan")) })
	p.same("ZADD INCR", func(c *redis.Client) redis.Cmder {
		return c.ZAddArgsIncr(ctx, "z", redis.ZAddArgs{Members: []redis.Z{z(0.5, "a")}})
	})
	p.same("ZADD INCR NX existing", func(c *redis.Client) redis.Cmder {
		return c.ZAddArgsIncr(ctx, "z", redis.ZAddArgs{NX: true, Members: []redis.Z{z(1, "a")}})
	})
	p.same("ZADD INCR GT lower", func(c *redis.Client) redis.Cmder {
		return c.ZAddArgsIncr(ctx, "z", redis.ZAddArgs{GT: true, Members: []redis.Z{z(-1, "a")}})
	})
	p.same("ZADD INCR two members", func(c *redis.Client) redis.Cmder {
		return c.ZAddArgsIncr(ctx, "z", redis.ZAddArgs{Members: []redis.Z{z(1, "a"), z(1, "b")}})
	})
	p.same("ZINCRBY", func(c *redis.Client) redis.Cmder { return c.ZIncrBy(ctx, "z", 0.25, "d") })
	p.same("ZINCRBY new", func(c *redis.Client) redis.Cmder { return c.ZIncrBy(ctx, "z", -3, "i") })
	p.same("ZINCRBY inf", func(c *redis.Client) redis.Cmder { return c.ZIncrBy(ctx, "z", math.Inf(-1), "inf") })
	p.same("ZSCORE", func(c *redis.Client) redis.Cmder { return c.ZScore(ctx, "z", "d") })
	p.same("ZSCORE inf", func(c *redis.Client) redis.Cmder { return c.ZScore(ctx, "z", "-inf") })
	p.same("ZSCORE missing member", func(c *redis.Client) redis.Cmder { return c.ZScore(ctx, "z", "nope") })
	p.same("ZSCORE missing key", func(c *redis.Client) redis.Cmder { return c.ZScore(ctx, "nokey", "a") })
	p.same("ZMSCORE", func(c *redis.Client) redis.Cmder { return c.ZMScore(ctx, "z", "a", "nope", "", "inf") })
	p.same("ZMSCORE missing key", func(c *redis.Client) redis.Cmder { return c.ZMScore(ctx, "nokey", "a") })
	p.same("ZCARD", func(c *redis.Client) redis.Cmder { return c.ZCard(ctx, "z") })
	p.same("ZCARD missing", func(c *redis.Client) redis.Cmder { return c.ZCard(ctx, "nokey") })
	p.same("ZRANK", func(c *redis.Client) redis.Cmder { return c.ZRank(ctx, "z", "c") })
	p.same("ZRANK missing", func(c *redis.Client) redis.Cmder { return c.ZRank(ctx, "z", "nope") })
	p.same("ZREVRANK", func(c *redis.Client) redis.Cmder { return c.ZRevRank(ctx, "z", "c") })
	// ZRANK ... WITHSCORE is Redis 7.2's: 7.0 refuses the extra argument.
	p.same("ZRANK WITHSCORE", func(c *redis.Client) redis.Cmder { return c.ZRankWithScore(ctx, "z", "c") })
	p.same("ZCOUNT", func(c *redis.Client) redis.Cmder { return c.ZCount(ctx, "z", "(1", "+inf") })
	p.same("ZCOUNT bad", func(c *redis.Client) redis.Cmder { return c.ZCount(ctx, "z", "x", "+inf") })
	p.same("ZRANGE", func(c *redis.Client) redis.Cmder { return c.ZRange(ctx, "z", 0, -1) })
	p.same("ZRANGE WITHSCORES", func(c *redis.Client) redis.Cmder { return c.ZRangeWithScores(ctx, "z", 0, -1) })
	p.same("ZRANGE missing", func(c *redis.Client) redis.Cmder { return c.ZRangeWithScores(ctx, "nokey", 0, -1) })
	p.same("ZREVRANGE", func(c *redis.Client) redis.Cmder { return c.ZRevRange(ctx, "z", 1, 3) })
	p.same("ZREVRANGE WITHSCORES", func(c *redis.Client) redis.Cmder { return c.ZRevRangeWithScores(ctx, "z", 0, 2) })
	p.same("ZRANGE BYSCORE LIMIT", func(c *redis.Client) redis.Cmder {
		return c.ZRangeArgs(ctx, redis.ZRangeArgs{Key: "z", Start: "(0", Stop: "+inf", ByScore: true, Offset: 1, Count: 3})
	})
	p.same("ZRANGE BYSCORE REV WITHSCORES", func(c *redis.Client) redis.Cmder {
		return c.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: "z", Start: 8, Stop: "(1", ByScore: true, Rev: true})
	})
	p.same("ZRANGE REV", func(c *redis.Client) redis.Cmder {
		return c.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: "z", Start: 0, Stop: 2, Rev: true})
	})
	p.same("ZRANGE LIMIT without BY", func(c *redis.Client) redis.Cmder {
		return c.ZRangeArgs(ctx, redis.ZRangeArgs{Key: "z", Start: 0, Stop: 2, Offset: 1, Count: 1})
	})
	p.same("ZRANGEBYSCORE", func(c *redis.Client) redis.Cmder {
		return c.ZRangeByScore(ctx, "z", &redis.ZRangeBy{Min: "-inf", Max: "(7"})
	})
	p.same("ZRANGEBYSCORE WITHSCORES LIMIT", func(c *redis.Client) redis.Cmder {
		return c.ZRangeByScoreWithScores(ctx, "z", &redis.ZRangeBy{Min: "0", Max: "+inf", Offset: 2, Count: -1})
	})
	p.same("ZREVRANGEBYSCORE", func(c *redis.Client) redis.Cmder {
		return c.ZRevRangeByScore(ctx, "z", &redis.ZRangeBy{Min: "1", Max: "+inf", Count: 2})
	})
	p.same("ZREVRANGEBYSCORE WITHSCORES", func(c *redis.Client) redis.Cmder {
		return c.ZRevRangeByScoreWithScores(ctx, "z", &redis.ZRangeBy{Min: "-inf", Max: "+inf"})
	})
	p.same("ZRANGEBYSCORE bad", func(c *redis.Client) redis.Cmder {
		return c.ZRangeByScore(ctx, "z", &redis.ZRangeBy{Min: "((1", Max: "2"})
	})

	// Lexicographic ranges want equal scores.
	p.both(func(c *redis.Client) redis.Cmder {
		return c.ZAdd(ctx, "lex", z(0, "alpha"), z(0, "beta"), z(0, "delta"), z(0, "gamma"), z(0, ""), z(0, "a\x00b"))
	})
	p.same("ZLEXCOUNT", func(c *redis.Client) redis.Cmder { return c.ZLexCount(ctx, "lex", "[b", "(g") })
	p.same("ZLEXCOUNT all", func(c *redis.Client) redis.Cmder { return c.ZLexCount(ctx, "lex", "-", "+") })
	p.same("ZLEXCOUNT bad", func(c *redis.Client) redis.Cmder { return c.ZLexCount(ctx, "lex", "b", "+") })
	p.same("ZRANGE BYLEX", func(c *redis.Client) redis.Cmder {
		return c.ZRangeArgs(ctx, redis.ZRangeArgs{Key: "lex", Start: "[alpha", Stop: "(gamma", ByLex: true})
	})
	p.same("ZRANGE BYLEX REV LIMIT", func(c *redis.Client) redis.Cmder {
		return c.ZRangeArgs(ctx, redis.ZRangeArgs{Key: "lex", Start: "+", Stop: "-", ByLex: true, Rev: true, Offset: 1, Count: 2})
	})
	p.same("ZRANGEBYLEX", func(c *redis.Client) redis.Cmder {
		return c.ZRangeByLex(ctx, "lex", &redis.ZRangeBy{Min: "-", Max: "[delta"})
	})
	p.same("ZREVRANGEBYLEX", func(c *redis.Client) redis.Cmder {
		return c.ZRevRangeByLex(ctx, "lex", &redis.ZRangeBy{Min: "(a", Max: "+", Offset: 0, Count: 3})
	})
	p.same("ZRANGESTORE", func(c *redis.Client) redis.Cmder {
		return c.ZRangeStore(ctx, "zstore", redis.ZRangeArgs{Key: "z", Start: 1, Stop: "+inf", ByScore: true, Offset: 0, Count: 3})
	})
	p.same("ZRANGESTORE BYLEX", func(c *redis.Client) redis.Cmder {
		return c.ZRangeStore(ctx, "lexstore", redis.ZRangeArgs{Key: "lex", Start: "[b", Stop: "+", ByLex: true})
	})
	p.same("ZRANGESTORE empty", func(c *redis.Client) redis.Cmder {
		return c.ZRangeStore(ctx, "zstore2", redis.ZRangeArgs{Key: "nokey", Start: 0, Stop: -1})
	})
	p.same("ZREMRANGEBYLEX", func(c *redis.Client) redis.Cmder { return c.ZRemRangeByLex(ctx, "lex", "[a", "(b") })
	p.same("ZRANGE lex after", func(c *redis.Client) redis.Cmder { return c.ZRange(ctx, "lex", 0, -1) })

	// Set operations, with weights and aggregates.
	p.both(func(c *redis.Client) redis.Cmder { return c.ZAdd(ctx, "z1", z(1, "a"), z(2, "b"), z(3, "c")) })
	p.both(func(c *redis.Client) redis.Cmder { return c.ZAdd(ctx, "z2", z(10, "b"), z(20, "c"), z(30, "d")) })
	p.both(func(c *redis.Client) redis.Cmder { return c.SAdd(ctx, "set", "a", "d", "e") })
	p.same("ZUNION", func(c *redis.Client) redis.Cmder { return c.ZUnion(ctx, redis.ZStore{Keys: []string{"z1", "z2"}}) })
	p.same("ZUNION WITHSCORES WEIGHTS", func(c *redis.Client) redis.Cmder {
		return c.ZUnionWithScores(ctx, redis.ZStore{Keys: []string{"z1", "z2", "set"}, Weights: []float64{2, 0.5, 3}})
	})
	p.same("ZUNION AGGREGATE MIN", func(c *redis.Client) redis.Cmder {
		return c.ZUnionWithScores(ctx, redis.ZStore{Keys: []string{"z1", "z2"}, Aggregate: "MIN"})
	})
	p.same("ZUNION bad weights", func(c *redis.Client) redis.Cmder {
		return c.ZUnionWithScores(ctx, redis.ZStore{Keys: []string{"z1", "z2"}, Weights: []float64{1}})
	})
	p.same("ZUNION wrong type", func(c *redis.Client) redis.Cmder { return c.ZUnion(ctx, redis.ZStore{Keys: []string{"z1", "str"}}) })
	p.same("ZINTER", func(c *redis.Client) redis.Cmder { return c.ZInter(ctx, &redis.ZStore{Keys: []string{"z1", "z2"}}) })
	p.same("ZINTER WITHSCORES MAX", func(c *redis.Client) redis.Cmder {
		return c.ZInterWithScores(ctx, &redis.ZStore{Keys: []string{"z1", "z2"}, Weights: []float64{-1, 1}, Aggregate: "MAX"})
	})
	p.same("ZINTER with a set", func(c *redis.Client) redis.Cmder {
		return c.ZInterWithScores(ctx, &redis.ZStore{Keys: []string{"z1", "set"}})
	})
	p.same("ZDIFF", func(c *redis.Client) redis.Cmder { return c.ZDiff(ctx, "z1", "z2") })
	p.same("ZDIFF WITHSCORES", func(c *redis.Client) redis.Cmder { return c.ZDiffWithScores(ctx, "z2", "z1", "nokey") })
	p.same("ZDIFF missing first", func(c *redis.Client) redis.Cmder { return c.ZDiffWithScores(ctx, "nokey", "z1") })
	p.same("ZUNIONSTORE WEIGHTS", func(c *redis.Client) redis.Cmder {
		return c.ZUnionStore(ctx, "uz", &redis.ZStore{Keys: []string{"z1", "z2"}, Weights: []float64{3, 1}})
	})
	p.same("ZUNIONSTORE SUM inf", func(c *redis.Client) redis.Cmder {
		return c.ZUnionStore(ctx, "uz2", &redis.ZStore{Keys: []string{"z", "z1"}, Weights: []float64{1, 0}, Aggregate: "SUM"})
	})
	p.same("ZINTERSTORE WEIGHTS MAX", func(c *redis.Client) redis.Cmder {
		return c.ZInterStore(ctx, "iz", &redis.ZStore{Keys: []string{"z1", "z2"}, Weights: []float64{5, 0.5}, Aggregate: "MAX"})
	})
	p.same("ZINTERSTORE empty", func(c *redis.Client) redis.Cmder {
		return c.ZInterStore(ctx, "iz2", &redis.ZStore{Keys: []string{"z1", "nokey"}})
	})
	p.same("ZDIFFSTORE", func(c *redis.Client) redis.Cmder { return c.ZDiffStore(ctx, "dz", "z2", "z1") })
	p.same("ZINTERCARD", func(c *redis.Client) redis.Cmder { return c.ZInterCard(ctx, 0, "z1", "z2") })
	p.same("ZINTERCARD LIMIT", func(c *redis.Client) redis.Cmder { return c.ZInterCard(ctx, 1, "z1", "z2") })
	p.same("ZINTERCARD negative", func(c *redis.Client) redis.Cmder { return c.ZInterCard(ctx, -1, "z1", "z2") })

	// Random members: on a one-member zset, or by length.
	p.both(func(c *redis.Client) redis.Cmder { return c.ZAdd(ctx, "one", z(1.5, "m")) })
	p.same("ZRANDMEMBER", func(c *redis.Client) redis.Cmder { return c.ZRandMember(ctx, "one", 1) })
	p.same("ZRANDMEMBER -3", func(c *redis.Client) redis.Cmder { return c.ZRandMember(ctx, "one", -3) })
	p.same("ZRANDMEMBER missing", func(c *redis.Client) redis.Cmder { return c.ZRandMember(ctx, "nokey", 2) })
	p.same("ZRANDMEMBER WITHSCORES", func(c *redis.Client) redis.Cmder { return c.ZRandMemberWithScores(ctx, "one", 2) })
	p.same("ZRANDMEMBER WITHSCORES -2", func(c *redis.Client) redis.Cmder { return c.ZRandMemberWithScores(ctx, "one", -2) })
	p.sameSorted("ZRANDMEMBER WITHSCORES all", func(c *redis.Client) redis.Cmder { return c.ZRandMemberWithScores(ctx, "z2", 10) })
	p.sameLen("ZRANDMEMBER -10", func(c *redis.Client) redis.Cmder { return c.ZRandMember(ctx, "z2", -10) })

	// Removal and popping.
	p.same("ZREM", func(c *redis.Client) redis.Cmder { return c.ZRem(ctx, "z", "new", "nope", "h") })
	p.same("ZREMRANGEBYRANK", func(c *redis.Client) redis.Cmder { return c.ZRemRangeByRank(ctx, "z", 0, 1) })
	p.same("ZREMRANGEBYSCORE", func(c *redis.Client) redis.Cmder { return c.ZRemRangeByScore(ctx, "z", "(2", "5") })
	p.same("ZRANGE after removal", func(c *redis.Client) redis.Cmder { return c.ZRangeWithScores(ctx, "z", 0, -1) })
	p.same("ZPOPMIN", func(c *redis.Client) redis.Cmder { return c.ZPopMin(ctx, "z") })
	p.same("ZPOPMAX", func(c *redis.Client) redis.Cmder { return c.ZPopMax(ctx, "z") })
	p.same("ZPOPMIN COUNT", func(c *redis.Client) redis.Cmder { return c.ZPopMin(ctx, "z", 2) })
	p.same("ZPOPMAX COUNT", func(c *redis.Client) redis.Cmder { return c.ZPopMax(ctx, "z1", 10) })
	p.same("ZPOPMIN missing", func(c *redis.Client) redis.Cmder { return c.ZPopMin(ctx, "nokey") })
	p.same("ZPOPMIN negative", func(c *redis.Client) redis.Cmder { return c.ZPopMin(ctx, "z", -1) })
	p.same("ZPOPMAX wrong type", func(c *redis.Client) redis.Cmder { return c.ZPopMax(ctx, "str") })
	p.same("ZMPOP MIN", func(c *redis.Client) redis.Cmder { return c.ZMPop(ctx, "MIN", 1, "nokey", "z2") })
	p.same("ZMPOP MAX COUNT", func(c *redis.Client) redis.Cmder { return c.ZMPop(ctx, "MAX", 10, "z2") })
	p.same("ZMPOP missing", func(c *redis.Client) redis.Cmder { return c.ZMPop(ctx, "MIN", 1, "nokey", "z2") })
	p.same("ZMPOP bad order", func(c *redis.Client) redis.Cmder { return c.ZMPop(ctx, "UP", 1, "z") })

	// ZSCAN of a listpack and of a skiplist past zset-max-listpack-entries.
	p.sameSteps("ZSCAN listpack", scanPairs(func(c *redis.Client, cur uint64) *redis.ScanCmd { return c.ZScan(ctx, "z", cur, "", 0) }))
	p.fill(200, func(c *redis.Client, i int) redis.Cmder {
		return c.ZAdd(ctx, "big", z(float64(i)/3, "m:"+strconv.Itoa(i)))
	})
	p.sameSteps("ZSCAN skiplist", scanPairs(func(c *redis.Client, cur uint64) *redis.ScanCmd { return c.ZScan(ctx, "big", cur, "", 30) }))
	p.sameSteps("ZSCAN MATCH", scanPairs(func(c *redis.Client, cur uint64) *redis.ScanCmd { return c.ZScan(ctx, "big", cur, "m:1*", 30) }))
	p.same("ZRANGE skiplist", func(c *redis.Client) redis.Cmder { return c.ZRangeWithScores(ctx, "big", 100, 110) })
	p.same("ZRANK skiplist", func(c *redis.Client) redis.Cmder { return c.ZRevRank(ctx, "big", "m:42") })
	p.sameSorted("ZRANDMEMBER skiplist all", func(c *redis.Client) redis.Cmder { return c.ZRandMemberWithScores(ctx, "big", 1000) })
	p.sameLen("ZRANDMEMBER skiplist most", func(c *redis.Client) redis.Cmder { return c.ZRandMember(ctx, "big", 150) })
	p.sameLen("ZRANDMEMBER skiplist few", func(c *redis.Client) redis.Cmder { return c.ZRandMemberWithScores(ctx, "big", 10) })
	p.sameLen("ZRANDMEMBER skiplist repeats", func(c *redis.Client) redis.Cmder { return c.ZRandMemberWithScores(ctx, "big", -1000) })
	p.same("ZADD long member", func(c *redis.Client) redis.Cmder { return c.ZAdd(ctx, "long", z(1, strings.Repeat("m", 65))) })
}

// blockedWaitLimit bounds the wait for a client to show up as blocked.
const blockedWaitLimit = 5 * time.Second

// whilePushed starts block on a second connection, waits until the server
// counts it as blocked, runs push on c, and returns what block decoded.
func whilePushed(ctx context.Context, block, push cmdFunc) stepFunc {
	return func(c *redis.Client) (any, error) {
		opt := *c.Options()
		other := redis.NewClient(&opt)
		defer other.Close()
		done := make(chan redis.Cmder, 1)
		go func() { done <- block(other) }()
		deadline := time.Now().Add(blockedWaitLimit)
		for !strings.Contains(c.Info(ctx, "clients").Val(), "blocked_clients:1\r\n") {
			if time.Now().After(deadline) {
				return nil, errors.New("the client never blocked")
			}
			time.Sleep(2 * time.Millisecond)
		}
		if err := push(c).Err(); err != nil {
			return nil, err
		}
		cmd := <-done
		return cmdValue(cmd), cmd.Err()
	}
}

func goRedisBlocking(p *clientPair) {
	ctx := p.ctx
	const long = 5 * time.Second
	p.both(func(c *redis.Client) redis.Cmder { return c.Set(ctx, "str", "x", 0) })
	p.both(func(c *redis.Client) redis.Cmder { return c.RPush(ctx, "l", "a", "b", "c", "d", "e", "f") })

	// Served at once from a non-empty list.
	p.same("BLPOP ready", func(c *redis.Client) redis.Cmder { return c.BLPop(ctx, long, "nokey", "l") })
	p.same("BRPOP ready", func(c *redis.Client) redis.Cmder { return c.BRPop(ctx, long, "l") })
	p.same("BLMOVE ready", func(c *redis.Client) redis.Cmder { return c.BLMove(ctx, "l", "dst", "LEFT", "RIGHT", long) })
	p.same("BRPOPLPUSH ready", func(c *redis.Client) redis.Cmder { return c.BRPopLPush(ctx, "l", "dst", long) })
	p.same("BLMPOP ready", func(c *redis.Client) redis.Cmder { return c.BLMPop(ctx, long, "RIGHT", 5, "nokey", "dst") })
	p.same("BLPOP wrong type", func(c *redis.Client) redis.Cmder { return c.BLPop(ctx, long, "str") })
	p.same("BLMPOP bad direction", func(c *redis.Client) redis.Cmder { return c.BLMPop(ctx, long, "UP", 1, "l") })

	// Woken by a push from another client.
	p.sameSteps("BLPOP woken", whilePushed(ctx,
		func(c *redis.Client) redis.Cmder { return c.BLPop(ctx, long, "w1", "w2") },
		func(c *redis.Client) redis.Cmder { return c.RPush(ctx, "w2", "x", "y") }))
	p.sameSteps("BRPOP woken", whilePushed(ctx,
		func(c *redis.Client) redis.Cmder { return c.BRPop(ctx, long, "w3") },
		func(c *redis.Client) redis.Cmder { return c.LPush(ctx, "w3", "p", "q") }))
	p.sameSteps("BLMOVE woken", whilePushed(ctx,
		func(c *redis.Client) redis.Cmder { return c.BLMove(ctx, "w4", "wdst", "RIGHT", "LEFT", long) },
		func(c *redis.Client) redis.Cmder { return c.RPush(ctx, "w4", "m", "n") }))
	p.sameSteps("BRPOPLPUSH woken", whilePushed(ctx,
		func(c *redis.Client) redis.Cmder { return c.BRPopLPush(ctx, "w5", "wdst", long) },
		func(c *redis.Client) redis.Cmder { return c.RPush(ctx, "w5", "o") }))
	p.sameSteps("BLMPOP woken", whilePushed(ctx,
		func(c *redis.Client) redis.Cmder { return c.BLMPop(ctx, long, "LEFT", 3, "w6", "w7") },
		func(c *redis.Client) redis.Cmder { return c.RPush(ctx, "w7", "1", "2", "3", "4") }))
	p.sameSteps("BLMOVE woken by LMOVE", whilePushed(ctx,
		func(c *redis.Client) redis.Cmder { return c.BLMove(ctx, "w8", "wdst", "LEFT", "LEFT", long) },
		func(c *redis.Client) redis.Cmder { return c.LMove(ctx, "w7", "w8", "LEFT", "RIGHT") }))

	// Timing out on empty keys. go-redis sends whole seconds, at least
	// one, so these run at once, each on its own connection.
	timeouts := []namedCmd{
		{"BLPOP timeout", func(c *redis.Client) redis.Cmder { return c.BLPop(ctx, time.Second, "nokey") }},
		{"BRPOP timeout", func(c *redis.Client) redis.Cmder { return c.BRPop(ctx, time.Second, "nokey", "nokey2") }},
		{"BLMOVE timeout", func(c *redis.Client) redis.Cmder { return c.BLMove(ctx, "nokey", "dst", "LEFT", "LEFT", time.Second) }},
		{"BRPOPLPUSH timeout", func(c *redis.Client) redis.Cmder { return c.BRPopLPush(ctx, "nokey", "dst", time.Second) }},
		{"BLMPOP timeout", func(c *redis.Client) redis.Cmder { return c.BLMPop(ctx, time.Second, "LEFT", 1, "nokey") }},
	}
	defer func() { p.sameAtOnce(timeouts) }()

	p.both(func(c *redis.Client) redis.Cmder {
		return c.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "a"}, redis.Z{Score: 2, Member: "b"}, redis.Z{Score: 3, Member: "c"}, redis.Z{Score: 4, Member: "d"})
	})
	p.same("BZPOPMIN ready", func(c *redis.Client) redis.Cmder { return c.BZPopMin(ctx, long, "nokey", "z") })
	p.same("BZPOPMAX ready", func(c *redis.Client) redis.Cmder { return c.BZPopMax(ctx, long, "z") })
	p.same("BZMPOP ready", func(c *redis.Client) redis.Cmder { return c.BZMPop(ctx, long, "MIN", 5, "nokey", "z") })
	p.same("BZPOPMIN wrong type", func(c *redis.Client) redis.Cmder { return c.BZPopMin(ctx, long, "str") })
	p.same("BZMPOP bad order", func(c *redis.Client) redis.Cmder { return c.BZMPop(ctx, long, "UP", 1, "z") })
	timeouts = append(timeouts,
		namedCmd{"BZPOPMIN timeout", func(c *redis.Client) redis.Cmder { return c.BZPopMin(ctx, time.Second, "nokey") }},
		namedCmd{"BZPOPMAX timeout", func(c *redis.Client) redis.Cmder { return c.BZPopMax(ctx, time.Second, "nokey") }},
		namedCmd{"BZMPOP timeout", func(c *redis.Client) redis.Cmder { return c.BZMPop(ctx, time.Second, "MAX", 1, "nokey") }})
	p.sameSteps("BZPOPMIN woken", whilePushed(ctx,
		func(c *redis.Client) redis.Cmder { return c.BZPopMin(ctx, long, "wz1", "wz2") },
		func(c *redis.Client) redis.Cmder {
			return c.ZAdd(ctx, "wz2", redis.Z{Score: 2, Member: "x"}, redis.Z{Score: 1, Member: "y"})
		}))
	p.sameSteps("BZPOPMAX woken", whilePushed(ctx,
		func(c *redis.Client) redis.Cmder { return c.BZPopMax(ctx, long, "wz3") },
		func(c *redis.Client) redis.Cmder {
			return c.ZAdd(ctx, "wz3", redis.Z{Score: 2, Member: "x"}, redis.Z{Score: 1, Member: "y"})
		}))
	p.sameSteps("BZMPOP woken", whilePushed(ctx,
		func(c *redis.Client) redis.Cmder { return c.BZMPop(ctx, long, "MAX", 2, "wz4") },
		func(c *redis.Client) redis.Cmder {
			return c.ZAdd(ctx, "wz4", redis.Z{Score: 2, Member: "x"}, redis.Z{Score: 1, Member: "y"}, redis.Z{Score: 3, Member: "w"})
		}))
}

// txStep runs cmds in MULTI ... EXEC through go-redis's TxPipelined, and
// returns each command's value and error: EXEC's reply nests every shape
// (maps, sets, doubles, pairs) one level down.
func txStep(ctx context.Context, cmds func(pipe redis.Pipeliner)) stepFunc {
	return func(c *redis.Client) (any, error) {
		res, err := c.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			cmds(pipe)
			return nil
		})
		var out []any
		for _, cmd := range res {
			out = append(out, cmdValue(cmd), errText(cmd.Err()))
		}
		return out, err
	}
}

func goRedisTransactions(p *clientPair) {
	ctx := p.ctx
	p.both(func(c *redis.Client) redis.Cmder { return c.Set(ctx, "str", "x", 0) })
	p.sameSteps("MULTI of collection reads and writes", txStep(ctx, func(pipe redis.Pipeliner) {
		pipe.HSet(ctx, "h", "a", "1", "b", "2")
		pipe.HGetAll(ctx, "h")
		pipe.HRandFieldWithValues(ctx, "h", 5)
		pipe.RPush(ctx, "l", "x", "y", "z")
		pipe.LPopCount(ctx, "l", 2)
		pipe.LPos(ctx, "l", "z", redis.LPosArgs{})
		pipe.SAdd(ctx, "s", 3, 1, 2)
		pipe.SMembers(ctx, "s")
		pipe.SMIsMember(ctx, "s", 1, 9)
		pipe.ZAdd(ctx, "z", redis.Z{Score: 1.5, Member: "a"}, redis.Z{Score: 0.1, Member: "b"})
		pipe.ZIncrBy(ctx, "z", 0.2, "b")
		pipe.ZRangeWithScores(ctx, "z", 0, -1)
		pipe.ZMScore(ctx, "z", "a", "nope")
		pipe.ZPopMax(ctx, "z", 1)
		pipe.ZMPop(ctx, "MIN", 5, "z")
		pipe.BLPop(ctx, time.Second, "nokey") // never blocks inside MULTI
		pipe.BZPopMin(ctx, time.Second, "nokey")
		pipe.BLMPop(ctx, time.Second, "LEFT", 1, "l")
	}))
	p.sameSteps("MULTI with a wrong-type error inside", txStep(ctx, func(pipe redis.Pipeliner) {
		pipe.HSet(ctx, "h2", "f", "v")
		pipe.LPush(ctx, "str", "a")
		pipe.HGetAll(ctx, "h2")
	}))
}

func goRedisSort(p *clientPair) {
	ctx := p.ctx
	p.both(func(c *redis.Client) redis.Cmder { return c.RPush(ctx, "nums", 3, 1, 2, 10, -4) })
	p.both(func(c *redis.Client) redis.Cmder { return c.SAdd(ctx, "words", "pear", "apple", "fig") })
	p.both(func(c *redis.Client) redis.Cmder { return c.RPush(ctx, "ids", 1, 2, 3) })
	p.both(func(c *redis.Client) redis.Cmder {
		return c.MSet(ctx, "w_1", 30, "w_2", 10, "w_3", 20, "n_1", "one", "n_2", "two")
	})
	p.both(func(c *redis.Client) redis.Cmder { return c.HSet(ctx, "h_1", "f", "x") })
	p.same("SORT", func(c *redis.Client) redis.Cmder { return c.Sort(ctx, "nums", &redis.Sort{}) })
	p.same("SORT DESC LIMIT", func(c *redis.Client) redis.Cmder {
		return c.Sort(ctx, "nums", &redis.Sort{Order: "DESC", Offset: 1, Count: 2})
	})
	p.same("SORT ALPHA", func(c *redis.Client) redis.Cmder { return c.Sort(ctx, "words", &redis.Sort{Alpha: true}) })
	p.same("SORT not numbers", func(c *redis.Client) redis.Cmder { return c.Sort(ctx, "words", &redis.Sort{}) })
	p.same("SORT BY GET", func(c *redis.Client) redis.Cmder {
		return c.Sort(ctx, "ids", &redis.Sort{By: "w_*", Get: []string{"#", "n_*", "h_*->f"}})
	})
	p.same("SORT BY nosort", func(c *redis.Client) redis.Cmder { return c.Sort(ctx, "ids", &redis.Sort{By: "nosort"}) })
	p.same("SORT_RO", func(c *redis.Client) redis.Cmder { return c.SortRO(ctx, "nums", &redis.Sort{Order: "DESC"}) })
	p.same("SORT interfaces", func(c *redis.Client) redis.Cmder {
		return c.SortInterfaces(ctx, "ids", &redis.Sort{Get: []string{"n_*"}})
	})
	p.same("SORT STORE", func(c *redis.Client) redis.Cmder { return c.SortStore(ctx, "nums", "sorted", &redis.Sort{}) })
	p.same("SORT missing", func(c *redis.Client) redis.Cmder { return c.Sort(ctx, "nokey", &redis.Sort{}) })
	p.both(func(c *redis.Client) redis.Cmder {
		return c.ZAdd(ctx, "zs", redis.Z{Score: 3, Member: "a"}, redis.Z{Score: 1, Member: "b"}, redis.Z{Score: 2, Member: "c"})
	})
	p.same("SORT zset BY nosort", func(c *redis.Client) redis.Cmder { return c.Sort(ctx, "zs", &redis.Sort{By: "nosort"}) })
	p.same("SORT zset BY nosort DESC LIMIT", func(c *redis.Client) redis.Cmder {
		return c.Sort(ctx, "zs", &redis.Sort{By: "nosort", Order: "DESC", Offset: 0, Count: 2})
	})
	p.same("SORT zset ALPHA", func(c *redis.Client) redis.Cmder { return c.Sort(ctx, "zs", &redis.Sort{Alpha: true}) })
	p.same("SORT hash", func(c *redis.Client) redis.Cmder { return c.Sort(ctx, "h_1", &redis.Sort{}) })
}
