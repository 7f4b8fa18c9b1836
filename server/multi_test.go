package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emberkv/ember/internal/testenv"
	"github.com/emberkv/ember/store"
	"github.com/redis/go-redis/v9"
)

// implemented reports whether Ember implements a command yet, so that a test
// can use it over the wire once it exists and reach into the store until
// then.
func implemented(srv *Server, name string) bool {
	return srv.table.lookupName([]byte(name)) != nil
}

func TestTxPipelinedSetGet(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	eachProtocol(t, addr, func(t *testing.T, rdb *redis.Client, proto int) {
		var set *redis.StatusCmd
		var get, missing *redis.StringCmd
		cmds, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			set = p.Set(ctx, "tx:k", "v"+strconv.Itoa(proto), 0)
			get = p.Get(ctx, "tx:k")
			missing = p.Get(ctx, "tx:missing")
			return nil
		})
		if err != redis.Nil { // the last command's error is returned
			t.Fatalf("TxPipelined: %v", err)
		}
		if len(cmds) != 3 {
			t.Fatalf("got %d results, want 3", len(cmds))
		}
		if set.Val() != "OK" || get.Val() != "v"+strconv.Itoa(proto) || missing.Err() != redis.Nil {
			t.Fatalf("SET=%q GET=%q, missing err=%v", set.Val(), get.Val(), missing.Err())
		}
	})
}

// A runtime error inside EXEC stays in its slot; the other commands run.
func TestTxErrorInSlot(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	eachProtocol(t, addr, func(t *testing.T, rdb *redis.Client, proto int) {
		var bad *redis.StatusCmd
		var get *redis.StringCmd
		_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "slot:k", "before", 0)
			bad = p.Select(ctx, 99)
			p.Set(ctx, "slot:k", "after", 0)
			get = p.Get(ctx, "slot:k")
			return nil
		})
		if err == nil || bad.Err() == nil || bad.Err().Error() != "ERR DB index is out of range" {
			t.Fatalf("err=%v, SELECT 99 err=%v", err, bad.Err())
		}
		if get.Val() != "after" {
			t.Fatalf("GET = %q, want after", get.Val())
		}
	})
}

// watchEnv is one server under test, as the WATCH scenarios see it: three
// clients, and the few things the scenarios need done. On Redis
// everything goes over the wire and time really passes; on Ember the
// clock is injected, and what the branch does not implement yet goes
// straight to the store.
type watchEnv struct {
	watcher, other, other1 *redis.Client // other1 uses database 1
	setPX                  func(key, val string, ms int64)
	pass                   func(ms int64)
	flushAll               func()
	flushDB                func(db int)
	del                    func(key string)
}

// newWatchEnv connects the three clients to addr; the caller fills in the
// rest.
func newWatchEnv(addr string, proto int) *watchEnv {
	return &watchEnv{
		watcher: redis.NewClient(&redis.Options{Addr: addr, Protocol: proto}),
		other:   redis.NewClient(&redis.Options{Addr: addr, Protocol: proto}),
		other1:  redis.NewClient(&redis.Options{Addr: addr, Protocol: proto, DB: 1}),
	}
}

func redisWatchEnv(t *testing.T, addr string, proto int) *watchEnv {
	ctx := context.Background()
	e := newWatchEnv(addr, proto)
	e.setPX = func(key, val string, ms int64) {
		if err := e.other.Set(ctx, key, val, time.Duration(ms)*time.Millisecond).Err(); err != nil {
			t.Fatal(err)
		}
	}
	e.pass = func(ms int64) { time.Sleep(time.Duration(ms) * time.Millisecond) }
	e.flushAll = func() { e.other.FlushAll(ctx) }
	e.flushDB = func(db int) { []*redis.Client{e.other, e.other1}[db].FlushDB(ctx) }
	e.del = func(key string) { e.other.Del(ctx, key) }
	return e
}

func emberWatchEnv(t *testing.T, srv *Server, clk *store.ManualClock, addr string, proto int) *watchEnv {
	ctx := context.Background()
	e := newWatchEnv(addr, proto)
	st := srv.Store()
	e.setPX = func(key, val string, ms int64) {
		at := clk.Now().UnixMilli() + ms
		if _, err := st.DB(0).Set(key, []byte(val), store.SetOptions{ExpireAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	e.pass = func(ms int64) { clk.Advance(time.Duration(ms) * time.Millisecond) }
	e.flushAll = func() {
		if implemented(srv, "flushall") {
			e.other.FlushAll(ctx)
		} else {
			st.FlushAll()
		}
	}
	e.flushDB = func(db int) {
		if implemented(srv, "flushdb") {
			[]*redis.Client{e.other, e.other1}[db].FlushDB(ctx)
		} else {
			st.DB(db).Flush()
		}
	}
	e.del = func(key string) {
		if implemented(srv, "del") {
			e.other.Del(ctx, key)
		} else {
			st.DB(0).Del(key)
		}
	}
	return e
}

func (e *watchEnv) close() {
	e.watcher.Close()
	e.other.Close()
	e.other1.Close()
}

// watchScenarios: what happens between WATCH k and EXEC, and whether EXEC
// must then fail. Each was checked against Redis 7.0 (and is again, by
// TestWatchScenarios).
var watchScenarios = []struct {
	name      string
	before    func(e *watchEnv) // before WATCH
	between   func(e *watchEnv) // between WATCH and MULTI
	wantAbort bool
}{
	{"untouched", nil, nil, false},
	{"other client writes the key",
		func(e *watchEnv) { e.other.Set(context.Background(), "k", "v", 0) },
		func(e *watchEnv) { e.other.Set(context.Background(), "k", "w", 0) }, true},
	{"other client writes the same value",
		func(e *watchEnv) { e.other.Set(context.Background(), "k", "v", 0) },
		func(e *watchEnv) { e.other.Set(context.Background(), "k", "v", 0) }, true},
	{"other client creates the key",
		nil,
		func(e *watchEnv) { e.other.Set(context.Background(), "k", "v", 0) }, true},
	{"other client writes another key",
		func(e *watchEnv) { e.other.Set(context.Background(), "k", "v", 0) },
		func(e *watchEnv) { e.other.Set(context.Background(), "other", "v", 0) }, false},
	{"same key written in another database",
		func(e *watchEnv) { e.other.Set(context.Background(), "k", "v", 0) },
		func(e *watchEnv) { e.other1.Set(context.Background(), "k", "v", 0) }, false},
	{"the key expires",
		func(e *watchEnv) { e.setPX("k", "v", 200) },
		func(e *watchEnv) { e.pass(300) }, true},
	{"the key had expired before WATCH",
		func(e *watchEnv) { e.setPX("k", "v", 10); e.pass(50) },
		nil, false},
	{"expired before WATCH, then FLUSHALL",
		func(e *watchEnv) { e.setPX("k", "v", 10); e.pass(50) },
		func(e *watchEnv) { e.flushAll() }, false},
	{"FLUSHALL with the key present",
		func(e *watchEnv) { e.other.Set(context.Background(), "k", "v", 0) },
		func(e *watchEnv) { e.flushAll() }, true},
	{"FLUSHALL with the key absent",
		func(e *watchEnv) { e.other.Set(context.Background(), "other", "v", 0) },
		func(e *watchEnv) { e.flushAll() }, false},
	{"FLUSHDB with the key present",
		func(e *watchEnv) { e.other.Set(context.Background(), "k", "v", 0) },
		func(e *watchEnv) { e.flushDB(0) }, true},
	{"FLUSHDB with the key absent",
		nil,
		func(e *watchEnv) { e.flushDB(0) }, false},
	{"FLUSHDB of another database holding the key",
		func(e *watchEnv) { e.other1.Set(context.Background(), "k", "v", 0) },
		func(e *watchEnv) { e.flushDB(1) }, false},
	{"DEL of an absent key",
		nil,
		func(e *watchEnv) { e.del("k") }, false},
	{"created then deleted",
		nil,
		func(e *watchEnv) { e.other.Set(context.Background(), "k", "v", 0); e.del("k") }, true},
}

// runWatchScenarios runs every scenario on env and reports mismatches.
func runWatchScenarios(t *testing.T, e *watchEnv) {
	ctx := context.Background()
	for _, sc := range watchScenarios {
		t.Run(sc.name, func(t *testing.T) {
			e.flushAll()
			if sc.before != nil {
				sc.before(e)
			}
			var execErr error
			err := e.watcher.Watch(ctx, func(tx *redis.Tx) error {
				if sc.between != nil {
					sc.between(e)
				}
				_, execErr = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.Ping(ctx)
					return nil
				})
				return execErr
			}, "k")
			aborted := errors.Is(err, redis.TxFailedErr)
			if err != nil && !aborted {
				t.Fatalf("unexpected error: %v", err)
			}
			if aborted != sc.wantAbort {
				t.Fatalf("EXEC aborted = %v, want %v", aborted, sc.wantAbort)
			}
		})
	}
}

func TestWatchScenarios(t *testing.T) {
	t.Run("redis", func(t *testing.T) {
		// Confirms the expectations; one protocol is enough, as real time
		// has to pass here.
		addr := testenv.StartRedis(t)
		e := redisWatchEnv(t, addr, 3)
		defer e.close()
		runWatchScenarios(t, e)
	})
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("ember/RESP%d", proto), func(t *testing.T) {
			clk := store.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
			cfg := DefaultConfig()
			cfg.Clock = clk
			srv, addr := startServer(t, cfg)
			e := emberWatchEnv(t, srv, clk, addr, proto)
			defer e.close()
			runWatchScenarios(t, e)
		})
	}
}

// EXEC is atomic: transactions that write a group of keys to the same
// value never interleave, and a transaction reading the group always sees
// one writer's values.
func TestExecAtomicGroup(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	keys := make([]string, 8) // enough to span several shards
	for i := range keys {
		keys[i] = fmt.Sprintf("group:%d", i)
	}
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			const writers, readers, rounds = 4, 2, 150
			rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto, PoolSize: writers + readers})
			defer rdb.Close()
			var wg sync.WaitGroup
			errs := make(chan error, writers+readers)
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for r := 0; r < rounds; r++ {
						val := fmt.Sprintf("w%d-r%d", w, r)
						_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
							for _, k := range keys {
								p.Set(ctx, k, val, 0)
							}
							return nil
						})
						if err != nil {
							errs <- err
							return
						}
					}
				}(w)
			}
			for r := 0; r < readers; r++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < rounds; i++ {
						var gets []*redis.StringCmd
						_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
							for _, k := range keys {
								gets = append(gets, p.Get(ctx, k))
							}
							return nil
						})
						if err != nil && err != redis.Nil {
							errs <- err
							return
						}
						for _, g := range gets[1:] {
							if g.Val() != gets[0].Val() {
								errs <- fmt.Errorf("torn read: %s=%q but %s=%q", keys[0], gets[0].Val(), g.Args()[1], g.Val())
								return
							}
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// EXEC is atomic, seen from outside any transaction: with every
// transaction doing INCR k twice, a plain GET never sees an odd number.
// INCR lands with the string commands; until then the test skips.
func TestExecAtomicIncr(t *testing.T) {
	srv, addr := startServer(t, DefaultConfig())
	if !implemented(srv, "incr") {
		t.Skip("INCR is not implemented yet")
	}
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			const writers, rounds = 4, 200
			rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto, PoolSize: writers + 1})
			defer rdb.Close()
			rdb.Del(ctx, "incr:k")
			var wg sync.WaitGroup
			errs := make(chan error, writers+1)
			stop := make(chan struct{})
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for r := 0; r < rounds; r++ {
						_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
							p.Incr(ctx, "incr:k")
							p.Incr(ctx, "incr:k")
							return nil
						})
						if err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			var readerDone sync.WaitGroup
			readerDone.Add(1)
			go func() {
				defer readerDone.Done()
				for i := 0; i < 100000; i++ { // bounded; normally ends on stop
					select {
					case <-stop:
						return
					default:
					}
					n, err := rdb.Get(ctx, "incr:k").Int64()
					if err != nil && err != redis.Nil {
						errs <- err
						return
					}
					if n%2 != 0 {
						errs <- fmt.Errorf("GET saw %d, an odd number, halfway through a transaction", n)
						return
					}
				}
			}()
			wg.Wait()
			close(stop)
			readerDone.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if n, _ := rdb.Get(ctx, "incr:k").Int64(); n != 2*writers*rounds {
				t.Errorf("final value %d, want %d", n, 2*writers*rounds)
			}
		})
	}
}
