package server

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestTypesConcurrentWriters runs writers of every type against a few
// shared keys over real connections (run it with -race): single-key
// commands, multi-key moves (LMOVE, RPOPLPUSH, SMOVE, RENAME), *STORE
// commands (ZUNIONSTORE, SINTERSTORE, SORT ... STORE), COPY, and
// MULTI/EXEC blocks. Moves conserve what they move, so at the end, and in
// every transaction that reads both sides, the totals are what the setup
// put there; counters add up to the increments made.
func TestTypesConcurrentWriters(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	setup := redis.NewClient(&redis.Options{Addr: addr})
	defer setup.Close()

	const (
		elems      = 60 // list elements, set members: half integers, half not
		workers    = 8
		iterations = 250
	)
	var listEls, setEls []any
	for i := range elems {
		listEls = append(listEls, "e"+strconv.Itoa(i))
		if i%2 == 0 {
			setEls = append(setEls, strconv.Itoa(i)) // keeps si an intset for a while
		} else {
			setEls = append(setEls, "m"+strconv.Itoa(i))
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(setup.RPush(ctx, "L0", listEls...).Err())
	must(setup.SAdd(ctx, "S0", setEls...).Err())
	must(setup.Set(ctx, "R0", "renamed", 0).Err())
	for i := range 20 {
		must(setup.ZAdd(ctx, "Z0", redis.Z{Score: float64(i), Member: "z" + strconv.Itoa(i)}).Err())
		must(setup.HSet(ctx, "H0", "f"+strconv.Itoa(i), i).Err())
	}

	var incrs, hincrs, zincrs atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2 + w%2, PoolSize: 2})
			defer rdb.Close()
			r := rand.New(rand.NewPCG(uint64(w), 99))
			lists := []string{"L0", "L1"}
			sets := []string{"S0", "S1"}
			for range iterations {
				a, b := r.IntN(2), r.IntN(2)
				var err error
				switch op := r.IntN(16); op {
				case 0:
					err = rdb.LMove(ctx, lists[a], lists[1-a], "LEFT", "RIGHT").Err()
				case 1:
					err = rdb.RPopLPush(ctx, lists[a], lists[1-a]).Err()
				case 2:
					m := setEls[r.IntN(elems)]
					err = rdb.SMove(ctx, sets[a], sets[1-a], m).Err()
				case 3:
					err = rdb.Incr(ctx, "counter").Err()
					if err == nil {
						incrs.Add(1)
					}
				case 4:
					err = rdb.HIncrBy(ctx, "H0", "hits", 1).Err()
					if err == nil {
						hincrs.Add(1)
					}
				case 5:
					err = rdb.ZIncrBy(ctx, "Z0", 1, "zc").Err()
					if err == nil {
						zincrs.Add(1)
					}
				case 6:
					err = rdb.ZUnionStore(ctx, "Zu", &redis.ZStore{Keys: []string{"Z0", "Z1"}}).Err()
				case 7:
					err = rdb.SInterStore(ctx, "Si", sets[a], sets[b]).Err()
				case 8:
					err = rdb.Copy(ctx, "H0", "Hc", 0, true).Err()
					if err == nil {
						err = rdb.HSet(ctx, "Hc", "copy", w).Err()
					}
				case 9:
					// Exactly one of R0 and R1 exists; a RENAME of the other
					// fails with "no such key".
					src, dst := "R"+strconv.Itoa(a), "R"+strconv.Itoa(1-a)
					if e := rdb.Rename(ctx, src, dst).Err(); e != nil && e.Error() != "ERR no such key" {
						err = e
					}
				case 10:
					err = rdb.SortStore(ctx, lists[a], "sorted", &redis.Sort{Alpha: true}).Err()
				case 11:
					// A transaction sees both lists and both sets at one instant.
					var ll [2]*redis.IntCmd
					var sc [2]*redis.IntCmd
					_, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.LMove(ctx, lists[a], lists[1-a], "RIGHT", "LEFT")
						p.SMove(ctx, sets[a], sets[1-a], setEls[r.IntN(elems)])
						p.Incr(ctx, "counter")
						ll[0], ll[1] = p.LLen(ctx, "L0"), p.LLen(ctx, "L1")
						sc[0], sc[1] = p.SCard(ctx, "S0"), p.SCard(ctx, "S1")
						return nil
					})
					// An LMOVE of an empty list answers nil, which go-redis
					// reports as the pipeline's error; EXEC still ran.
					if err == redis.Nil {
						err = nil
					}
					if err == nil {
						incrs.Add(1)
						if n := ll[0].Val() + ll[1].Val(); n != elems {
							t.Errorf("inside EXEC the lists hold %d elements, want %d", n, elems)
						}
						if n := sc[0].Val() + sc[1].Val(); n != elems {
							t.Errorf("inside EXEC the sets hold %d members, want %d", n, elems)
						}
					}
				case 12:
					err = rdb.ZAdd(ctx, "Z1", redis.Z{Score: float64(r.IntN(100)), Member: "y" + strconv.Itoa(r.IntN(200))}).Err()
				case 13:
					// Reads of every type.
					for _, c := range []redis.Cmder{
						rdb.LRange(ctx, lists[a], 0, -1), rdb.SMembers(ctx, sets[a]),
						rdb.ZRangeWithScores(ctx, "Z0", 0, -1), rdb.HGetAll(ctx, "H0"),
						rdb.Sort(ctx, sets[a], &redis.Sort{Alpha: true}),
					} {
						if e := c.Err(); e != nil && e != redis.Nil {
							err = e
						}
					}
				case 14:
					keys, _, e := rdb.ScanType(ctx, 0, "*", 1000, []string{"list", "set", "zset", "hash", "string"}[r.IntN(5)]).Result()
					err = e
					for _, k := range keys {
						if e := rdb.Type(ctx, k).Err(); e != nil {
							err = e
						}
					}
				case 15:
					err = rdb.ObjectEncoding(ctx, sets[a]).Err()
					if err == redis.Nil {
						err = nil
					}
				}
				if err != nil && err != redis.Nil {
					t.Errorf("worker %d: %v", w, err)
					return
				}
			}
		}()
	}
	wg.Wait()

	// The lists hold every element once, the sets every member once.
	var gotList []string
	for _, k := range []string{"L0", "L1"} {
		v, err := setup.LRange(ctx, k, 0, -1).Result()
		must(err)
		gotList = append(gotList, v...)
	}
	checkSame(t, "list elements", gotList, listEls)
	var gotSet []string
	for _, k := range []string{"S0", "S1"} {
		v, err := setup.SMembers(ctx, k).Result()
		must(err)
		gotSet = append(gotSet, v...)
	}
	checkSame(t, "set members", gotSet, setEls)
	if got, _ := setup.Get(ctx, "counter").Int64(); got != incrs.Load() {
		t.Errorf("counter = %d, want %d", got, incrs.Load())
	}
	if got, _ := setup.HGet(ctx, "H0", "hits").Int64(); got != hincrs.Load() {
		t.Errorf("H0 hits = %d, want %d", got, hincrs.Load())
	}
	if got, _ := setup.ZScore(ctx, "Z0", "zc").Result(); int64(got) != zincrs.Load() {
		t.Errorf("Z0 zc = %v, want %d", got, zincrs.Load())
	}
	if n, _ := setup.Exists(ctx, "R0", "R1").Result(); n != 1 {
		t.Errorf("R0 and R1: %d exist, want 1", n)
	}
	// COPY gave Hc a value of its own: its writes never reached H0.
	if n, _ := setup.HExists(ctx, "H0", "copy").Result(); n {
		t.Error("a write to the copy Hc reached H0")
	}
	for _, k := range []string{"L0", "L1", "S0", "S1"} {
		if n, _ := setup.Exists(ctx, k).Result(); n == 1 {
			if typ, _ := setup.Type(ctx, k).Result(); typ != map[byte]string{'L': "list", 'S': "set"}[k[0]] {
				t.Errorf("TYPE %s = %s", k, typ)
			}
		}
	}
	if info, err := setup.Info(ctx, "keyspace").Result(); err != nil || info == "" {
		t.Errorf("INFO after the run: %q, %v", info, err)
	}
	if err := setup.Ping(ctx).Err(); err != nil {
		t.Error(err)
	}
}

// checkSame fails unless got holds exactly the values of want, in any order.
func checkSame(t *testing.T, what string, got []string, want []any) {
	t.Helper()
	w := make([]string, len(want))
	for i, v := range want {
		w[i] = fmt.Sprint(v)
	}
	slices.Sort(got)
	slices.Sort(w)
	if !slices.Equal(got, w) {
		t.Errorf("%s: got %d %v, want %d %v", what, len(got), got, len(w), w)
	}
}
