package embertest_test

import (
	"context"
	"fmt"

	"github.com/emberkv/ember/embertest"
	"github.com/redis/go-redis/v9"
)

// A Redis 7 function library: FUNCTION LOAD registers its functions, FCALL
// calls one with keys and arguments, FCALL_RO calls one flagged no-writes.
// The library here keeps a bounded list of recent events.
func Example_functionLibrary() {
	s, err := embertest.New()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer rdb.Close()
	ctx := context.Background()

	const library = `#!lua name=recent
-- recent_push(key, event, max): add an event, keep the last max.
local function push(keys, args)
  redis.call('LPUSH', keys[1], args[1])
  redis.call('LTRIM', keys[1], 0, tonumber(args[2]) - 1)
  return redis.call('LLEN', keys[1])
end

-- recent_list(key): the events, newest first.
local function list(keys)
  return redis.call('LRANGE', keys[1], 0, -1)
end

redis.register_function('recent_push', push)
redis.register_function{function_name = 'recent_list', callback = list, flags = {'no-writes'}}
`
	name, err := rdb.FunctionLoad(ctx, library).Result()
	fmt.Println(name, err)

	for _, event := range []string{"login", "view", "like", "logout"} {
		n, _ := rdb.FCall(ctx, "recent_push", []string{"events"}, event, 3).Int()
		fmt.Println(event, n)
	}
	events, _ := rdb.FCallRO(ctx, "recent_list", []string{"events"}).StringSlice()
	fmt.Println(events)

	// A write through FCALL_RO is refused.
	_, err = rdb.FCallRO(ctx, "recent_push", []string{"events"}, "x", 3).Result()
	fmt.Println(err)

	libs, _ := rdb.FunctionList(ctx, redis.FunctionListQuery{}).Result()
	for _, lib := range libs {
		for _, f := range lib.Functions {
			fmt.Println(lib.Name, f.Name, f.Flags)
		}
	}
	// Output:
	// recent <nil>
	// login 1
	// view 2
	// like 3
	// logout 3
	// [logout like view]
	// ERR Can not execute a script with write flag using *_ro command.
	// recent recent_list [no-writes]
	// recent recent_push []
}

// A distributed lock released by a compare-and-delete script: go-redis's
// Script sends EVALSHA and falls back to EVAL when the server answers
// NOSCRIPT.
func Example_lockScript() {
	s, err := embertest.New()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer rdb.Close()
	ctx := context.Background()
	release := redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)

	fmt.Println(rdb.SetNX(ctx, "lock:report", "token-1", 0).Val())
	fmt.Println(rdb.SetNX(ctx, "lock:report", "token-2", 0).Val())
	fmt.Println(release.Run(ctx, rdb, []string{"lock:report"}, "token-2").Val())
	fmt.Println(release.Run(ctx, rdb, []string{"lock:report"}, "token-1").Val())
	fmt.Println(rdb.Exists(ctx, "lock:report").Val())
	// Output:
	// true
	// false
	// 0
	// 1
	// 0
}
