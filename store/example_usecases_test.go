package store_test

import (
	"fmt"
	"slices"
	"time"

	"github.com/emberkv/ember/store"
)

// The four everyday uses of examples/flask-demo, on the store's API
// directly: what an embedder does without a network in between.

// A login session: a hash with a TTL, pushed back on each request. A
// manual clock stands in for the time passing between requests.
func Example_session() {
	clock := store.NewManualClock(time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC))
	s := store.New(store.Options{Clock: clock})
	defer s.Close()
	db := s.DB(0)
	const ttl = 30 * time.Minute
	refresh := func(key string) bool {
		return db.ExpireAt(key, clock.Now().Add(ttl).UnixMilli(), store.ExpireAlways)
	}

	// Log in: HSET, then EXPIRE.
	db.HSet("session:s1", []byte("user"), []byte("alice"), []byte("theme"), []byte("dark"))
	refresh("session:s1")

	// A request 20 minutes later reads the session and refreshes its TTL.
	clock.Advance(20 * time.Minute)
	user, ok, _ := db.HGet("session:s1", []byte("user"))
	fmt.Printf("%s %v, %v left\n", user, ok, time.Duration(db.PTTL("session:s1"))*time.Millisecond)
	refresh("session:s1")
	fmt.Println(time.Duration(db.PTTL("session:s1")) * time.Millisecond)

	// Half an hour without a request: the session is gone, and a refresh
	// does not bring it back.
	clock.Advance(ttl)
	_, ok, _ = db.HGet("session:s1", []byte("user"))
	fmt.Println(ok, refresh("session:s1"), db.Exists("session:s1"))
	// Output:
	// alice true, 10m0s left
	// 30m0s
	// false false 0
}

// An article leaderboard: ZINCRBY on each like, the top three by ZRANGE ...
// REV, and one article's place by ZREVRANK.
func Example_leaderboard() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)

	for _, article := range []string{"go", "redis", "go", "lua", "redis", "go", "c", "c", "c"} {
		db.ZIncrBy("likes", 1, article)
	}
	// go and c tie at 3: in reverse order, the member that sorts last first.
	top, _ := db.ZRange("likes", &store.ZRangeSpec{By: store.ZByRank, Start: 0, Stop: 2, Rev: true, Count: -1})
	for i, m := range top {
		fmt.Printf("%d. %s %v\n", i+1, m.Member, m.Score)
	}
	rank, score, ok, _ := db.ZRank("likes", "lua", true)
	fmt.Println("lua:", rank+1, score, ok)
	// Output:
	// 1. go 3
	// 2. c 3
	// 3. redis 2
	// lua: 4 1 true
}

// A work queue: producers LPUSH, a worker RPOPs, so jobs come out in the
// order they went in. (A server's worker would block on BRPOP instead of
// polling; see embertest's examples.)
func Example_queue() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)

	db.LPush("jobs", []byte("resize photo 1"))
	db.LPush("jobs", []byte("resize photo 2"), []byte("send mail"))
	for {
		job, _ := db.RPop("jobs", 1)
		if job == nil {
			break // the last pop deleted the key
		}
		fmt.Printf("%s\n", job[0])
	}
	fmt.Println(db.Exists("jobs"))
	// Output:
	// resize photo 1
	// resize photo 2
	// send mail
	// 0
}

// Online users: SADD into one set per minute, SUNION of the last five
// minutes for who is online, SCARD for how many were seen this minute.
func Example_onlineUsers() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)
	key := func(minute int) string { return fmt.Sprintf("online:%d", minute) }

	seen := map[int][]string{ // minute: users with a request in it
		95:  {"old"},
		96:  {"ann", "bob"},
		98:  {"bob", "cy"},
		100: {"cy", "dee"},
	}
	for minute, users := range seen {
		for _, u := range users {
			db.SAdd(key(minute), []byte(u))
		}
	}
	now := 100
	var window []string
	for m := now - 4; m <= now; m++ {
		window = append(window, key(m))
	}
	online, _ := db.SUnion(window...)
	slices.Sort(online) // a hashtable set has no order
	count, _ := db.SCard(key(now))
	fmt.Println(online, count)
	// Output: [ann bob cy dee] 2
}
