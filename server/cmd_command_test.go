package server

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// emberOnly lists rows Redis 7.0.15 does not have, with the reason.
var emberOnly = map[string]string{
	"client|setinfo": "Redis 7.2's; clients send it on connect",
}

// Every row must describe its command as Redis 7.0.15's COMMAND INFO does:
// arity, flags, key positions and ACL categories.
func TestCommandRowsMatchRedis(t *testing.T) {
	srv, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, cmd := range srv.all {
		ref := redisCommands[cmd.name]
		if ref == nil {
			if _, ok := emberOnly[cmd.name]; !ok {
				t.Errorf("%s: Redis 7.0.15 has no such command; list it in emberOnly with a reason", cmd.name)
			}
			continue
		}
		var flags []string
		for _, fn := range flagNames {
			if cmd.flags&fn.flag != 0 && !fn.hidden {
				flags = append(flags, fn.name)
			}
		}
		got := fmt.Sprintf("arity %d, flags [%s], keys %d %d %d, acl [%s]", cmd.arity, strings.Join(flags, " "),
			cmd.firstKey, cmd.lastKey, cmd.step, strings.Join(sortedACL(cmd.acl), " "))
		want := fmt.Sprintf("arity %d, flags [%s], keys %d %d %d, acl [%s]", ref.arity, ref.flags,
			ref.firstKey, ref.lastKey, ref.step, ref.acl)
		if got != want {
			t.Errorf("%s:\n ember %s\n redis %s", cmd.name, got, want)
		}
	}
}

func TestCommandCount(t *testing.T) {
	srv, addr := startServer(t, DefaultConfig())
	rc := dialRESP(t, addr)
	if got, want := rc.cmd("COMMAND", "COUNT"), ":"+strconv.Itoa(len(srv.table))+"\r\n"; got != want {
		t.Errorf("COMMAND COUNT = %q, want %q", got, want)
	}
	// COMMAND lists every top-level command once.
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	infos, err := rdb.Command(context.Background()).Result()
	if err != nil || len(infos) != len(srv.table) {
		t.Fatalf("COMMAND: %d entries, %v; want %d", len(infos), err, len(srv.table))
	}
}

// Redis 7.0.15's replies to COMMAND INFO for GET and CLIENT|SETNAME, in
// both protocols, byte for byte.
const (
	redisInfoGet2 = "*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n" +
		"*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n" +
		"$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"
	redisInfoGet3 = "*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n" +
		"~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n" +
		"$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n"
	redisInfoSetName2 = "*10\r\n$14\r\nclient|setname\r\n:3\r\n*3\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n"
	redisInfoDBSize3  = "*10\r\n$6\r\ndbsize\r\n:1\r\n~2\r\n+readonly\r\n+fast\r\n:0\r\n:0\r\n:0\r\n~3\r\n+@keyspace\r\n+@read\r\n+@fast\r\n" +
		"~2\r\n$25\r\nrequest_policy:all_shards\r\n$23\r\nresponse_policy:agg_sum\r\n~0\r\n~0\r\n"
)

func TestCommandInfoReplies(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	tests := []struct {
		resp3 bool
		args  []string
		want  string
	}{
		{false, []string{"get"}, "*1\r\n" + redisInfoGet2},
		{false, []string{"GET"}, "*1\r\n" + redisInfoGet2},
		{true, []string{"get"}, "*1\r\n" + redisInfoGet3},
		{false, []string{"CLIENT|SETNAME", "nosuch"}, "*2\r\n" + redisInfoSetName2 + "$-1\r\n"},
		{true, []string{"nosuch", "dbsize"}, "*2\r\n_\r\n" + redisInfoDBSize3},
		{false, []string{"client|nosuch"}, "*1\r\n$-1\r\n"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("RESP3=%v %v", tt.resp3, tt.args), func(t *testing.T) {
			rc := dialRESP(t, addr)
			if tt.resp3 {
				rc.cmd("HELLO", "3")
			}
			if got := rc.cmd(append([]string{"COMMAND", "INFO"}, tt.args...)...); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// go-redis parses COMMAND (and so Ember's ten-field entries) in both
// protocols, and finds GET's key positions and tips.
func TestCommandWithGoRedis(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	ctx := context.Background()
	eachProtocol(t, addr, func(t *testing.T, rdb *redis.Client, proto int) {
		infos, err := rdb.Command(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		get := infos["get"]
		if get == nil || get.Arity != 2 || get.FirstKeyPos != 1 || get.LastKeyPos != 1 || get.StepCount != 1 ||
			!get.ReadOnly || !reflect.DeepEqual(get.ACLFlags, []string{"@read", "@string", "@fast"}) {
			t.Errorf("get = %+v", get)
		}
		if infos["client"] == nil || infos["command"] == nil || infos["info"] == nil {
			t.Errorf("COMMAND lacks client, command or info")
		}
		keys, err := rdb.CommandGetKeys(ctx, "set", "k1", "v").Result()
		if err != nil || !reflect.DeepEqual(keys, []string{"k1"}) {
			t.Errorf("COMMAND GETKEYS = %v, %v", keys, err)
		}
		kf, err := rdb.CommandGetKeysAndFlags(ctx, "set", "k1", "v").Result()
		if err != nil || len(kf) != 1 || kf[0].Key != "k1" || !reflect.DeepEqual(kf[0].Flags, []string{"OW", "update"}) {
			t.Errorf("COMMAND GETKEYSANDFLAGS = %+v, %v", kf, err)
		}
		names, err := rdb.CommandList(ctx, &redis.FilterBy{Pattern: "client|*"}).Result()
		if err != nil || !contains(names, "client|list") || contains(names, "client") {
			t.Errorf("COMMAND LIST FILTERBY PATTERN = %v, %v", names, err)
		}
	})
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestCommandGetKeys(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	rc := dialRESP(t, addr)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"GETKEYS", "get", "a"}, "*1\r\n$1\r\na\r\n"},
		{[]string{"GETKEYS", "GET", "a"}, "*1\r\n$1\r\na\r\n"},
		{[]string{"GETKEYS", "set", "a", "b", "EX", "10"}, "*1\r\n$1\r\na\r\n"},
		{[]string{"GETKEYS", "foo", "a"}, "-ERR Invalid command specified\r\n"},
		{[]string{"GETKEYS", "get"}, "-ERR wrong number of arguments for 'command|getkeys' command\r\n"},
		{[]string{"GETKEYS", "get", "a", "b"}, "-ERR Invalid number of arguments specified for command\r\n"},
		{[]string{"GETKEYS", "client", "list"}, "-ERR The command has no key arguments\r\n"},
		{[]string{"GETKEYS", "client", "foo"}, "-ERR Invalid command specified\r\n"},
		{[]string{"GETKEYS", "ping", "x"}, "-ERR The command has no key arguments\r\n"},
		{[]string{"GETKEYSANDFLAGS", "set", "a", "b"}, "*1\r\n*2\r\n$1\r\na\r\n*2\r\n+OW\r\n+update\r\n"},
		{[]string{"GETKEYSANDFLAGS", "set", "a", "b", "get"}, "*1\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+update\r\n"},
		{[]string{"GETKEYSANDFLAGS", "get", "a"}, "*1\r\n*2\r\n$1\r\na\r\n*2\r\n+RO\r\n+access\r\n"},
	}
	for _, tt := range tests {
		if got := rc.cmd(append([]string{"COMMAND"}, tt.args...)...); got != tt.want {
			t.Errorf("COMMAND %v = %q, want %q", tt.args, got, tt.want)
		}
	}
}

// keysFromSpecs follows every kind of key spec, with Redis 7.0.15's specs
// for commands Ember may not have yet.
func TestKeysFromSpecs(t *testing.T) {
	tests := []struct {
		cmd  string
		args string
		want []int // key positions; nil with ok false
		ok   bool
	}{
		{"get", "get k", []int{1}, true},
		{"mset", "mset a 1 b 2", []int{1, 3}, true},
		{"mset", "mset a 1 b", []int{1, 3}, true}, // as Redis: the range ignores the odd tail
		{"del", "del a b c", []int{1, 2, 3}, true},
		{"rename", "rename a b", []int{1, 2}, true},
		{"bitop", "bitop and dst s1 s2", []int{2, 3, 4}, true},
		{"eval", "eval script 2 k1 k2 arg", []int{3, 4}, true},
		{"eval", "eval script 0", nil, false},
		{"eval", "eval script x k1", nil, false},
		{"eval", "eval script 5 k1", nil, false},
		{"zunionstore", "zunionstore dst 2 a b WEIGHTS 1 2", []int{1, 3, 4}, true},
		{"xread", "xread COUNT 2 STREAMS s1 s2 0 0", []int{4, 5}, true},
		{"xread", "xread streams s1 0", []int{2}, true},
		{"xread", "xread COUNT 2 s1 0", nil, true}, // no STREAMS: no keys from that spec
		{"sort", "sort k BY x STORE y", nil, false},
		{"lmpop", "lmpop 2 a b LEFT", []int{2, 3}, true},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ref := redisCommands[tt.cmd]
			cmd := &command{name: tt.cmd, arity: ref.arity}
			var args [][]byte
			for _, a := range strings.Fields(tt.args) {
				args = append(args, []byte(a))
			}
			keys, ok := cmd.keysFromSpecs(args)
			var pos []int
			for _, k := range keys {
				pos = append(pos, k.pos)
			}
			if ok != tt.ok || (ok && !reflect.DeepEqual(pos, tt.want)) {
				t.Errorf("keys %v, ok %v; want %v, %v", pos, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestCommandDocsAndList(t *testing.T) {
	_, addr := startServer(t, DefaultConfig())
	rc := dialRESP(t, addr)
	rc.cmd("HELLO", "3")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"DOCS", "nosuch"}, "%0\r\n"},
		{[]string{"DOCS", "dbsize"}, "%1\r\n$6\r\ndbsize\r\n%3\r\n$7\r\nsummary\r\n$41\r\nCounts the keys of the selected database.\r\n" +
			"$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n"},
		{[]string{"DOCS", "client|id"}, "%1\r\n$9\r\nclient|id\r\n%3\r\n$7\r\nsummary\r\n$35\r\nReturns the connection's unique ID.\r\n" +
			"$5\r\nsince\r\n$5\r\n5.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n"},
		{[]string{"LIST", "FILTERBY", "PATTERN", "dbsi*"}, "*1\r\n$6\r\ndbsize\r\n"},
		{[]string{"LIST", "FILTERBY", "ACLCAT", "nosuch"}, "*0\r\n"},
		{[]string{"LIST", "FILTERBY", "MODULE", "x"}, "*0\r\n"},
		{[]string{"LIST", "FILTERBY"}, "-ERR syntax error\r\n"},
		{[]string{"LIST", "FILTERBY", "foo", "bar"}, "-ERR syntax error\r\n"},
		{[]string{"LIST", "FILTERBY", "aclcat", "dangerous", "extra"}, "-ERR syntax error\r\n"},
		{[]string{"LIST", "x"}, "-ERR syntax error\r\n"},
		{[]string{"COUNT", "x"}, "-ERR wrong number of arguments for 'command|count' command\r\n"},
		{[]string{"foo"}, "-ERR unknown subcommand 'foo'. Try COMMAND HELP.\r\n"},
	}
	for _, tt := range tests {
		if got := rc.cmd(append([]string{"COMMAND"}, tt.args...)...); got != tt.want {
			t.Errorf("COMMAND %v = %q, want %q", tt.args, got, tt.want)
		}
	}
	// A container's docs nest its subcommands'.
	got := rc.cmd("COMMAND", "DOCS", "client")
	if !strings.Contains(got, "$11\r\nsubcommands\r\n%") || !strings.Contains(got, "$14\r\nclient|setname\r\n%3\r\n") {
		t.Errorf("COMMAND DOCS client = %q", got)
	}
	// Every command and subcommand has a summary, a version and a group.
	all := rc.cmd("COMMAND", "DOCS")
	n, _ := strconv.Atoi(strings.SplitN(all[1:], "\r\n", 2)[0])
	if n == 0 || strings.Count(all, "$7\r\nsummary\r\n") < n || strings.Count(all, "$5\r\ngroup\r\n") < n {
		t.Errorf("COMMAND DOCS: %d commands, %d summaries, %d groups", n, strings.Count(all, "$7\r\nsummary\r\n"), strings.Count(all, "$5\r\ngroup\r\n"))
	}
	for _, help := range []string{"COMMAND", "CLIENT"} {
		got := rc.cmd(help, "HELP")
		if !strings.HasPrefix(got, "*") || !strings.Contains(got, "\r\n+"+help+" <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n") {
			t.Errorf("%s HELP = %q", help, got)
		}
	}
}
