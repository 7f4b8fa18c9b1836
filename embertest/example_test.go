package embertest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/emberkv/ember/embertest"
	"github.com/emberkv/ember/store"
	"github.com/redis/go-redis/v9"
)

// A key set with a TTL through go-redis is gone once the test moves the
// server's clock past it. In a test, embertest.Run(t) replaces New and the
// deferred Close.
func ExampleServer_FastForward() {
	s, err := embertest.New(embertest.WithManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		panic(err)
	}
	defer s.Close()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer rdb.Close()
	ctx := context.Background()

	rdb.Set(ctx, "session", "alice", time.Minute)
	fmt.Println(rdb.TTL(ctx, "session").Val())

	s.FastForward(59 * time.Second)
	fmt.Println(rdb.TTL(ctx, "session").Val())

	s.FastForward(time.Second)
	_, err = rdb.Get(ctx, "session").Result()
	fmt.Println(err == redis.Nil)
	// Output:
	// 1m0s
	// 1s
	// true
}

// Arrange and assert through the store's typed API, without a client: the
// same keyspace the server serves.
func ExampleServer_DB() {
	s, err := embertest.New(embertest.WithManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		panic(err)
	}
	defer s.Close()
	db := s.DB(0)

	db.Set("greeting", []byte("hello"), store.SetOptions{ExpireAt: s.Now().Add(time.Hour).UnixMilli()})
	v, ok, _ := db.Get("greeting")
	fmt.Println(string(v), ok, time.Duration(db.PTTL("greeting"))*time.Millisecond)

	s.FastForward(time.Hour)
	_, ok, _ = db.Get("greeting")
	fmt.Println(ok, db.Size())
	// Output:
	// hello true 1h0m0s
	// false 0
}

// SetError makes every command fail, to test how the code under test copes
// with a sick server.
func ExampleServer_SetError() {
	s, err := embertest.New()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer rdb.Close()
	ctx := context.Background()

	s.SetError("the cache is down")
	fmt.Println(rdb.Get(ctx, "k").Err())

	s.SetError("")
	fmt.Println(rdb.Get(ctx, "k").Err() == redis.Nil)
	// Output:
	// ERR the cache is down
	// true
}
