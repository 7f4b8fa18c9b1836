package embertest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emberkv/ember/embertest"
	"github.com/redis/go-redis/v9"
)

// The four everyday uses of examples/flask-demo, through go-redis v9 as an
// application would send them. In a test, embertest.Run(t) replaces New
// and the deferred Close.

// A login session: a hash with a TTL, refreshed on each request, both in a
// MULTI/EXEC transaction. The manual clock lets half an hour pass at once.
func Example_session() {
	s, err := embertest.New(embertest.WithManualClock(time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)))
	if err != nil {
		panic(err)
	}
	defer s.Close()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer rdb.Close()
	ctx := context.Background()
	const key, ttl = "session:s1", 30 * time.Minute

	// Log in.
	rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, "user", "alice", "theme", "dark")
		p.Expire(ctx, key, ttl)
		return nil
	})

	// A request 20 minutes later: read the session, refresh its TTL.
	s.FastForward(20 * time.Minute)
	fmt.Println(rdb.TTL(ctx, key).Val())
	var session *redis.MapStringStringCmd
	rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		session = p.HGetAll(ctx, key)
		p.Expire(ctx, key, ttl)
		return nil
	})
	fmt.Println(session.Val()["user"], rdb.TTL(ctx, key).Val())

	// Half an hour without a request, and it is gone.
	s.FastForward(ttl)
	fmt.Println(len(rdb.HGetAll(ctx, key).Val()), rdb.Exists(ctx, key).Val())
	// Output:
	// 10m0s
	// alice 30m0s
	// 0 0
}

// An article leaderboard: ZINCRBY on each like, ZREVRANGE WITHSCORES for
// the top three, ZREVRANK for one article's place.
func Example_leaderboard() {
	s, err := embertest.New()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer rdb.Close()
	ctx := context.Background()

	for _, article := range []string{"go", "redis", "go", "lua", "redis", "go", "c", "c", "c"} {
		rdb.ZIncrBy(ctx, "likes", 1, article)
	}
	// go and c tie at 3: the member that sorts last comes first.
	for i, z := range rdb.ZRevRangeWithScores(ctx, "likes", 0, 2).Val() {
		fmt.Printf("%d. %s %v\n", i+1, z.Member, z.Score)
	}
	fmt.Println("lua:", rdb.ZRevRank(ctx, "likes", "lua").Val()+1)
	_, err = rdb.ZRevRank(ctx, "likes", "cobol").Result()
	fmt.Println("cobol:", err == redis.Nil)
	// Output:
	// 1. go 3
	// 2. c 3
	// 3. redis 2
	// lua: 4
	// cobol: true
}

// A work queue: producers LPUSH, a worker goroutine takes jobs with BRPOP,
// oldest first. BRPOP gives up after a second, so an idle worker notices
// within that second that it should stop.
func Example_workQueue() {
	s, err := embertest.New()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer rdb.Close()
	ctx := context.Background()

	results := make(chan string)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the worker
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			kv, err := rdb.BRPop(ctx, time.Second, "jobs").Result()
			if err == redis.Nil {
				continue // timed out: look at stop again
			}
			if err != nil {
				panic(err)
			}
			results <- strings.ToUpper(kv[1]) // kv is [key, job]
		}
	}()

	for _, job := range []string{"resize photo", "send mail", "bill customer"} {
		rdb.LPush(ctx, "jobs", job)
	}
	for range 3 {
		fmt.Println(<-results)
	}
	close(stop)
	wg.Wait() // the worker's BRPOP times out, and it returns
	fmt.Println(rdb.Exists(ctx, "jobs").Val())
	// Output:
	// RESIZE PHOTO
	// SEND MAIL
	// BILL CUSTOMER
	// 0
}

// A reliable queue: the worker moves each job with BLMOVE into a processing
// list, where it stays while the work goes on (a crashed worker's jobs can
// be found and requeued), and removes it with LREM once the result is
// written, in one transaction.
func Example_reliableQueue() {
	s, err := embertest.New()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer rdb.Close()
	ctx := context.Background()

	taken := make(chan string)
	proceed := make(chan struct{}) // stands in for the work taking a while
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // the worker
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			job, err := rdb.BLMove(ctx, "jobs", "processing", "RIGHT", "LEFT", time.Second).Result()
			if err == redis.Nil {
				continue
			}
			if err != nil {
				panic(err)
			}
			taken <- job
			<-proceed
			rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.HSet(ctx, "results", job, strings.ToUpper(job))
				p.LRem(ctx, "processing", 1, job)
				return nil
			})
		}
	}()

	rdb.LPush(ctx, "jobs", "resize photo")
	fmt.Println("taken:", <-taken)
	fmt.Println("in flight:", rdb.LRange(ctx, "processing", 0, -1).Val(), rdb.LLen(ctx, "jobs").Val())

	close(stop) // the worker finishes the job in hand, then returns
	close(proceed)
	<-done
	fmt.Println("after:", rdb.LRange(ctx, "processing", 0, -1).Val(), rdb.HGet(ctx, "results", "resize photo").Val())
	// Output:
	// taken: resize photo
	// in flight: [resize photo] 0
	// after: [] RESIZE PHOTO
}

// Online users: SADD into a set per minute, which expires once it is out
// of the window; SUNION of the last five minutes for who is online, SCARD
// for how many were seen this minute. The manual clock moves the minutes.
func Example_onlineUsers() {
	s, err := embertest.New(embertest.WithManualClock(time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)))
	if err != nil {
		panic(err)
	}
	defer s.Close()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer rdb.Close()
	ctx := context.Background()
	const window = 5
	key := func(minute int64) string { return fmt.Sprintf("online:%d", minute) }

	seen := func(user string) { // on each request
		k := key(s.Now().Unix() / 60)
		rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.SAdd(ctx, k, user)
			p.Expire(ctx, k, (window+1)*time.Minute)
			return nil
		})
	}
	online := func() ([]string, int64) {
		now := s.Now().Unix() / 60
		var keys []string
		for m := now - window + 1; m <= now; m++ {
			keys = append(keys, key(m))
		}
		users := rdb.SUnion(ctx, keys...).Val()
		slices.Sort(users) // sets have no order
		return users, rdb.SCard(ctx, key(now)).Val()
	}

	first := key(s.Now().Unix() / 60)
	seen("ann")
	s.FastForward(2 * time.Minute)
	seen("bob")
	seen("ann")
	s.FastForward(time.Minute)
	seen("cy")
	fmt.Println(online())

	s.FastForward(3 * time.Minute) // ann's first minute is out of the window
	fmt.Println(online())
	fmt.Println(rdb.Exists(ctx, first).Val())

	s.FastForward(3 * time.Minute)
	fmt.Println(online())
	// Output:
	// [ann bob cy] 1
	// [ann bob cy] 0
	// 0
	// [] 0
}
