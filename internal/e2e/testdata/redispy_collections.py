"""Every hash, list, set and sorted-set command through redis-py, against
Redis and against Ember, compared.

Usage: python3 redispy_collections.py REDIS_ADDR EMBER_ADDR

Each step runs on the real Redis first, then on Ember, through the same
redis-py call, and the Python values it returns (after redis-py's own
response callbacks: dicts, sets, floats, tuples, bools) must be equal, or
both calls must raise the same error. redis-py 4.3 (Debian's python3-redis)
speaks RESP2 only. The script prints one line per difference and exits 1
if there was any; internal/e2e/redispy_test.go runs it.
"""

import sys
import threading
import time
import warnings

import redis

BLOCKED_WAIT = 5.0  # seconds to wait for a client to show up as blocked


class Pair:
    """A redis-py client on Redis and one on Ember; every step runs on both."""

    def __init__(self, redis_addr, ember_addr):
        self.ref = connect(redis_addr)
        self.emb = connect(ember_addr)
        self.steps = 0
        self.failures = []

    def same(self, name, f, norm=None):
        """Runs f(client) on both servers and records a difference."""
        want = outcome(f, self.ref)
        got = outcome(f, self.emb)
        if norm is not None:
            want, got = normalized(want, norm), normalized(got, norm)
        self.steps += 1
        if want != got:
            self.failures.append(f"{name}:\n  redis: {want!r}\n  ember: {got!r}")

    def both(self, f):
        """Runs a set-up step on both servers; it must not fail."""
        f(self.ref)
        f(self.emb)

    def same_state(self):
        """Compares every key: type, encoding, TTL and contents."""
        self.same("KEYS *", lambda r: r.keys("*"), sorted)
        for key in sorted(self.ref.keys("*")):
            self.same(f"TYPE {key!r}", lambda r: r.type(key))
            self.same(f"OBJECT ENCODING {key!r}", lambda r: r.object("encoding", key))
            self.same(f"TTL {key!r}", lambda r: r.ttl(key))
            self.same(f"contents of {key!r}", lambda r: contents(r, key))


def connect(addr):
    host, port = addr.rsplit(":", 1)
    return redis.Redis(host=host, port=int(port), socket_timeout=10)


def outcome(f, r):
    """What a step gave: ("ok", value) or ("error", class, message)."""
    try:
        return ("ok", plain(f(r)))
    except redis.RedisError as e:
        return ("error", type(e).__name__, str(e))


def plain(v):
    """Replaces exceptions inside a result (a pipeline's) by their text."""
    if isinstance(v, Exception):
        return ("error", type(v).__name__, str(v))
    if isinstance(v, list):
        return [plain(e) for e in v]
    return v


def normalized(result, norm):
    if result[0] != "ok":
        return result
    return ("ok", norm(result[1]))


def pairs(flat):
    """A flat [field, value, ...] reply as sorted pairs."""
    return sorted(zip(flat[::2], flat[1::2]))


def contents(r, key):
    t = r.type(key)
    if t == b"string":
        return r.get(key)
    if t == b"hash":
        return r.hgetall(key)
    if t == b"list":
        return r.lrange(key, 0, -1)
    if t == b"set":
        return r.smembers(key)
    if t == b"zset":
        return r.zrange(key, 0, -1, withscores=True)
    return t


def while_pushed(block, push):
    """A step: block on a second connection, push once the server counts
    the client as blocked, and return what the blocked call got."""

    def step(r):
        kwargs = r.connection_pool.connection_kwargs
        other = redis.Redis(host=kwargs["host"], port=kwargs["port"], socket_timeout=10)
        result = {}

        def run():
            try:
                result["value"] = block(other)
            except redis.RedisError as e:
                result["value"] = ("error", type(e).__name__, str(e))

        t = threading.Thread(target=run)
        t.start()
        deadline = time.monotonic() + BLOCKED_WAIT
        while r.info("clients")["blocked_clients"] != 1:
            if time.monotonic() > deadline:
                raise RuntimeError("the client never blocked")
            time.sleep(0.002)
        push(r)
        t.join()
        other.close()
        return result["value"]

    return step


def hashes(p):
    p.both(lambda r: r.set("str", "x"))
    p.same("HSET", lambda r: r.hset("h", "a", "1"))
    p.same("HSET mapping", lambda r: r.hset("h", mapping={"b": "2", "c": 3, "": "empty", b"a\x00b": "bin"}))
    p.same("HSET items", lambda r: r.hset("h", items=["c", "4", "d", "5"]))
    p.same("HMSET", lambda r: r.hmset("h", {"e": "6"}))
    p.same("HSETNX existing", lambda r: r.hsetnx("h", "a", "x"))
    p.same("HSETNX new", lambda r: r.hsetnx("h", "f", "7"))
    p.same("HGET", lambda r: r.hget("h", "b"))
    p.same("HGET binary", lambda r: r.hget("h", b"a\x00b"))
    p.same("HGET missing", lambda r: r.hget("h", "nope"))
    p.same("HGET wrong type", lambda r: r.hget("str", "a"))
    p.same("HMGET", lambda r: r.hmget("h", ["a", "nope", ""]))
    p.same("HGETALL", lambda r: r.hgetall("h"))
    p.same("HGETALL missing", lambda r: r.hgetall("nokey"))
    p.same("HKEYS", lambda r: r.hkeys("h"))
    p.same("HVALS", lambda r: r.hvals("h"))
    p.same("HLEN", lambda r: r.hlen("h"))
    p.same("HSTRLEN", lambda r: r.hstrlen("h", "b"))
    p.same("HEXISTS", lambda r: r.hexists("h", "a"))
    p.same("HEXISTS no", lambda r: r.hexists("h", "nope"))
    p.same("HINCRBY", lambda r: r.hincrby("h", "a", 41))
    p.same("HINCRBY not integer", lambda r: r.hincrby("h", "", 1))
    p.same("HINCRBY overflow", lambda r: r.hincrby("h", "a", 2**63 - 1))
    p.same("HINCRBYFLOAT", lambda r: r.hincrbyfloat("h", "c", 0.5))
    p.same("HINCRBYFLOAT exponent", lambda r: r.hincrbyfloat("h", "g", 1.5e20))
    p.same("HINCRBYFLOAT not float", lambda r: r.hincrbyfloat("h", "", 1))
    p.same("HDEL", lambda r: r.hdel("h", "e", "nope"))
    p.both(lambda r: r.hset("one", "f", "v"))
    p.same("HRANDFIELD", lambda r: r.hrandfield("one"))
    p.same("HRANDFIELD missing", lambda r: r.hrandfield("nokey"))
    p.same("HRANDFIELD -3", lambda r: r.hrandfield("one", -3))
    p.same("HRANDFIELD WITHVALUES", lambda r: r.hrandfield("one", 2, withvalues=True))
    p.same("HRANDFIELD WITHVALUES -2", lambda r: r.hrandfield("one", -2, withvalues=True))
    p.same("HRANDFIELD all", lambda r: r.hrandfield("h", 100), sorted)
    p.same("HRANDFIELD all WITHVALUES", lambda r: r.hrandfield("h", 100, withvalues=True), pairs)
    p.same("HRANDFIELD -20", lambda r: r.hrandfield("h", -20), len)
    p.same("HSCAN", lambda r: r.hscan("h"))
    for i in range(300):
        p.both(lambda r: r.hset("big", f"field:{i}", i))
    p.same("HSCAN iterated", lambda r: dict(r.hscan_iter("big", count=20)))
    p.same("HSCAN MATCH iterated", lambda r: dict(r.hscan_iter("big", match="field:1*", count=50)))
    p.same("HSCAN wrong type", lambda r: dict(r.hscan_iter("str")))
    p.same("HGETALL hashtable", lambda r: r.hgetall("big"))
    p.same("HKEYS hashtable", lambda r: r.hkeys("big"), sorted)
    p.same("HSET long value", lambda r: r.hset("long", "f", "v" * 65))


def lists(p):
    p.both(lambda r: r.set("str", "x"))
    p.same("LPUSHX missing", lambda r: r.lpushx("l", "a"))
    p.same("RPUSH", lambda r: r.rpush("l", "a", "b", "c", "b", "a", "", b"a\x00b"))
    p.same("LPUSH", lambda r: r.lpush("l", 1, 2, 3))
    p.same("LPUSHX", lambda r: r.lpushx("l", "x"))
    p.same("RPUSHX", lambda r: r.rpushx("l", "y"))
    p.same("LPUSH wrong type", lambda r: r.lpush("str", "a"))
    p.same("LLEN", lambda r: r.llen("l"))
    p.same("LRANGE", lambda r: r.lrange("l", 0, -1))
    p.same("LRANGE middle", lambda r: r.lrange("l", 2, -3))
    p.same("LRANGE huge", lambda r: r.lrange("l", -100, 100))
    p.same("LINDEX", lambda r: r.lindex("l", 3))
    p.same("LINDEX out of range", lambda r: r.lindex("l", 100))
    p.same("LSET", lambda r: r.lset("l", 0, "first"))
    p.same("LSET out of range", lambda r: r.lset("l", 100, "x"))
    p.same("LSET missing", lambda r: r.lset("nokey", 0, "x"))
    p.same("LINSERT BEFORE", lambda r: r.linsert("l", "BEFORE", "c", "before-c"))
    p.same("LINSERT AFTER", lambda r: r.linsert("l", "after", "c", "after-c"))
    p.same("LINSERT no pivot", lambda r: r.linsert("l", "BEFORE", "nope", "x"))
    p.same("LPOS", lambda r: r.lpos("l", "a"))
    p.same("LPOS RANK", lambda r: r.lpos("l", "a", rank=-1))
    p.same("LPOS COUNT", lambda r: r.lpos("l", "a", count=0))
    p.same("LPOS COUNT RANK MAXLEN", lambda r: r.lpos("l", "a", rank=2, count=5, maxlen=20))
    p.same("LPOS RANK 0", lambda r: r.lpos("l", "a", rank=0))
    p.same("LPOS missing", lambda r: r.lpos("nokey", "a"))
    p.same("LPOS COUNT missing", lambda r: r.lpos("nokey", "a", count=2))
    p.same("LREM", lambda r: r.lrem("l", 1, "a"))
    p.same("LREM negative", lambda r: r.lrem("l", -1, "b"))
    p.same("LPOP", lambda r: r.lpop("l"))
    p.same("RPOP", lambda r: r.rpop("l"))
    p.same("LPOP count", lambda r: r.lpop("l", 2))
    p.same("RPOP count", lambda r: r.rpop("l", 2))
    p.same("LPOP missing", lambda r: r.lpop("nokey"))
    p.same("LPOP count missing", lambda r: r.lpop("nokey", 2))
    p.same("LTRIM", lambda r: r.ltrim("l", 1, -2))
    p.same("LRANGE after", lambda r: r.lrange("l", 0, -1))
    p.both(lambda r: r.rpush("src", "1", "2", "3", "4"))
    p.same("LMOVE", lambda r: r.lmove("src", "dst", "LEFT", "RIGHT"))
    p.same("LMOVE RIGHT LEFT", lambda r: r.lmove("src", "dst", "RIGHT", "LEFT"))
    p.same("LMOVE missing", lambda r: r.lmove("nokey", "dst"))
    p.same("LMOVE bad where", lambda r: r.lmove("src", "dst", "UP", "LEFT"))
    p.same("RPOPLPUSH", lambda r: r.rpoplpush("src", "dst"))
    p.same("LMPOP", lambda r: r.lmpop(2, "nokey", "dst", direction="LEFT"))
    p.same("LMPOP COUNT", lambda r: r.lmpop(2, "dst", "src", direction="RIGHT", count=10))
    p.same("LMPOP missing", lambda r: r.lmpop(1, "nokey", direction="LEFT"))
    p.same("LMPOP wrong type", lambda r: r.lmpop(1, "str", direction="LEFT"))
    for i in range(200):
        p.both(lambda r: r.rpush("big", i))
    p.same("LRANGE quicklist", lambda r: r.lrange("big", 90, 140))
    p.same("LINDEX quicklist", lambda r: r.lindex("big", -50))
    p.same("LPOS quicklist", lambda r: r.lpos("big", "170"))
    p.same("RPUSH long", lambda r: r.rpush("long", "x" * 9000))


def sets(p):
    p.both(lambda r: r.set("str", "x"))
    p.same("SADD integers", lambda r: r.sadd("ints", 3, 1, 2, 2, -5))
    p.same("SADD strings", lambda r: r.sadd("s", "a", "b", "c", "", b"a\x00b", 1))
    p.same("SADD wrong type", lambda r: r.sadd("str", "a"))
    p.same("SMEMBERS", lambda r: r.smembers("s"))
    p.same("SMEMBERS intset", lambda r: r.smembers("ints"))
    p.same("SMEMBERS missing", lambda r: r.smembers("nokey"))
    p.same("SCARD", lambda r: r.scard("s"))
    p.same("SISMEMBER", lambda r: r.sismember("s", b"a\x00b"))
    p.same("SISMEMBER no", lambda r: r.sismember("s", "zz"))
    p.same("SMISMEMBER", lambda r: r.smismember("s", ["a", "zz", "", 1]))
    p.same("SREM", lambda r: r.srem("s", "c", "zz"))
    p.both(lambda r: r.sadd("t", "b", "c", "e", 1))
    p.both(lambda r: r.sadd("u", "c", "f", 1, 3))
    p.same("SINTER", lambda r: r.sinter("s", "t"))
    p.same("SINTER missing", lambda r: r.sinter("s", "nokey"))
    p.same("SINTER wrong type", lambda r: r.sinter("s", "str"))
    p.same("SINTERCARD", lambda r: r.sintercard(2, ["s", "t"]))
    p.same("SINTERCARD LIMIT", lambda r: r.sintercard(2, ["s", "t"], limit=1))
    p.same("SINTERCARD bad numkeys", lambda r: r.sintercard(3, ["s", "t"]))
    p.same("SINTERSTORE", lambda r: r.sinterstore("inter", "s", "t"))
    p.same("SUNION", lambda r: r.sunion("s", "t", "u"))
    p.same("SUNIONSTORE", lambda r: r.sunionstore("union", "s", "t"))
    p.same("SUNIONSTORE ints", lambda r: r.sunionstore("unionints", "ints", "nokey"))
    p.same("SDIFF", lambda r: r.sdiff("s", "t"))
    p.same("SDIFFSTORE", lambda r: r.sdiffstore("diff", "s", "u"))
    p.same("SMOVE", lambda r: r.smove("s", "t", "a"))
    p.same("SMOVE absent", lambda r: r.smove("s", "t", "zz"))
    p.same("SMOVE wrong type", lambda r: r.smove("s", "str", "b"))
    p.both(lambda r: r.sadd("one", "m"))
    p.same("SRANDMEMBER", lambda r: r.srandmember("one"))
    p.same("SRANDMEMBER -3", lambda r: r.srandmember("one", -3))
    p.same("SRANDMEMBER all", lambda r: r.srandmember("u", 10), sorted)
    p.same("SRANDMEMBER -10", lambda r: r.srandmember("u", -10), len)
    p.same("SPOP", lambda r: r.spop("one"))
    p.same("SPOP missing", lambda r: r.spop("one"))
    p.same("SPOP count missing", lambda r: r.spop("one", 2))
    p.same("SPOP count all", lambda r: r.spop("u", 10), sorted)
    for i in range(600):
        p.both(lambda r: r.sadd("bigints", i))
    for i in range(300):
        p.both(lambda r: r.sadd("big", f"m:{i}"))
    p.same("SSCAN", lambda r: r.sscan("ints"))
    p.same("SSCAN iterated", lambda r: set(r.sscan_iter("big", count=25)))
    p.same("SSCAN MATCH iterated", lambda r: set(r.sscan_iter("bigints", match="*9", count=25)))
    p.same("SINTERCARD big", lambda r: r.sintercard(3, ["big", "bigints", "s"]))


def zsets(p):
    p.both(lambda r: r.set("str", "x"))
    inf = float("inf")
    p.same("ZADD", lambda r: r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 0.1, "": -1.5, "inf": inf, "-inf": -inf}))
    p.same("ZADD wrong type", lambda r: r.zadd("str", {"a": 1}))
    p.same("ZADD NX", lambda r: r.zadd("z", {"a": 10, "f": 5}, nx=True))
    p.same("ZADD XX CH", lambda r: r.zadd("z", {"a": 7, "g": 5}, xx=True, ch=True))
    p.same("ZADD GT CH", lambda r: r.zadd("z", {"a": 8, "c": 1, "h": 6}, gt=True, ch=True))
    p.same("ZADD LT", lambda r: r.zadd("z", {"a": 20, "b": 0}, lt=True))
    p.same("ZADD INCR", lambda r: r.zadd("z", {"a": 0.5}, incr=True))
    p.same("ZADD INCR NX existing", lambda r: r.zadd("z", {"a": 1}, nx=True, incr=True))
    p.same("ZADD GT LT", lambda r: r.zadd("z", {"a": 1}, gt=True, lt=True))
    p.same("ZADD NaN", lambda r: r.zadd("z", {"nan": "nan"}))
    p.same("ZINCRBY", lambda r: r.zincrby("z", 0.25, "d"))
    p.same("ZSCORE", lambda r: r.zscore("z", "d"))
    p.same("ZSCORE inf", lambda r: r.zscore("z", "inf"))
    p.same("ZSCORE missing", lambda r: r.zscore("z", "nope"))
    p.same("ZMSCORE", lambda r: r.zmscore("z", ["a", "nope", ""]))
    p.same("ZCARD", lambda r: r.zcard("z"))
    p.same("ZRANK", lambda r: r.zrank("z", "c"))
    p.same("ZREVRANK", lambda r: r.zrevrank("z", "c"))
    p.same("ZRANK missing", lambda r: r.zrank("z", "nope"))
    p.same("ZCOUNT", lambda r: r.zcount("z", "(1", "+inf"))
    p.same("ZRANGE", lambda r: r.zrange("z", 0, -1))
    p.same("ZRANGE WITHSCORES", lambda r: r.zrange("z", 0, -1, withscores=True))
    p.same("ZRANGE REV", lambda r: r.zrange("z", 0, 2, desc=True, withscores=True))
    p.same("ZRANGE BYSCORE LIMIT", lambda r: r.zrange("z", "(0", "+inf", byscore=True, offset=1, num=3))
    p.same("ZRANGE BYSCORE REV", lambda r: r.zrange("z", 8, "(1", byscore=True, desc=True, withscores=True))
    p.same("ZRANGEBYSCORE", lambda r: r.zrangebyscore("z", "-inf", "(7", withscores=True))
    p.same("ZRANGEBYSCORE LIMIT", lambda r: r.zrangebyscore("z", 0, "+inf", start=2, num=2))
    p.same("ZREVRANGEBYSCORE", lambda r: r.zrevrangebyscore("z", "+inf", 1, withscores=True))
    p.same("ZREVRANGE", lambda r: r.zrevrange("z", 1, 3, withscores=True))
    p.same("ZRANGEBYSCORE bad", lambda r: r.zrangebyscore("z", "((1", 2))
    p.both(lambda r: r.zadd("lex", {"alpha": 0, "beta": 0, "delta": 0, "gamma": 0, "": 0, b"a\x00b": 0}))
    p.same("ZLEXCOUNT", lambda r: r.zlexcount("lex", "[b", "(g"))
    p.same("ZRANGE BYLEX", lambda r: r.zrange("lex", "[alpha", "(gamma", bylex=True))
    p.same("ZRANGE BYLEX REV LIMIT", lambda r: r.zrange("lex", "+", "-", bylex=True, desc=True, offset=1, num=2))
    p.same("ZRANGEBYLEX", lambda r: r.zrangebylex("lex", "-", "[delta"))
    p.same("ZREVRANGEBYLEX", lambda r: r.zrevrangebylex("lex", "+", "(a", start=0, num=3))
    p.same("ZRANGEBYLEX bad", lambda r: r.zrangebylex("lex", "b", "+"))
    p.same("ZRANGESTORE", lambda r: r.zrangestore("zstore", "z", 1, "+inf", byscore=True, offset=0, num=3))
    p.same("ZRANGESTORE BYLEX", lambda r: r.zrangestore("lexstore", "lex", "[b", "+", bylex=True))
    p.same("ZREMRANGEBYLEX", lambda r: r.zremrangebylex("lex", "[a", "(b"))
    p.both(lambda r: r.zadd("z1", {"a": 1, "b": 2, "c": 3}))
    p.both(lambda r: r.zadd("z2", {"b": 10, "c": 20, "d": 30}))
    p.both(lambda r: r.sadd("set", "a", "d", "e"))
    p.same("ZUNION", lambda r: r.zunion(["z1", "z2"]))
    p.same("ZUNION WEIGHTS WITHSCORES", lambda r: r.zunion({"z1": 2, "z2": 0.5, "set": 3}, withscores=True))
    p.same("ZUNION MIN", lambda r: r.zunion(["z1", "z2"], aggregate="MIN", withscores=True))
    p.same("ZINTER", lambda r: r.zinter(["z1", "z2"]))
    p.same("ZINTER MAX WEIGHTS", lambda r: r.zinter({"z1": -1, "z2": 1}, aggregate="MAX", withscores=True))
    p.same("ZINTER with a set", lambda r: r.zinter(["z1", "set"], withscores=True))
    p.same("ZDIFF", lambda r: r.zdiff(["z2", "z1", "nokey"], withscores=True))
    p.same("ZUNIONSTORE WEIGHTS", lambda r: r.zunionstore("uz", {"z1": 3, "z2": 1}))
    p.same("ZINTERSTORE MAX", lambda r: r.zinterstore("iz", {"z1": 5, "z2": 0.5}, aggregate="MAX"))
    p.same("ZINTERSTORE bad aggregate", lambda r: r.zinterstore("iz", ["z1", "z2"], aggregate="AVG"))
    p.same("ZDIFFSTORE", lambda r: r.zdiffstore("dz", ["z2", "z1"]))
    p.same("ZINTERCARD", lambda r: r.zintercard(2, ["z1", "z2"]))
    p.same("ZINTERCARD LIMIT", lambda r: r.zintercard(2, ["z1", "z2"], limit=1))
    p.both(lambda r: r.zadd("one", {"m": 1.5}))
    p.same("ZRANDMEMBER", lambda r: r.zrandmember("one"))
    p.same("ZRANDMEMBER -3", lambda r: r.zrandmember("one", -3))
    p.same("ZRANDMEMBER WITHSCORES", lambda r: r.zrandmember("one", 2, withscores=True))
    p.same("ZRANDMEMBER all WITHSCORES", lambda r: r.zrandmember("z2", 10, withscores=True), pairs)
    p.same("ZRANDMEMBER missing", lambda r: r.zrandmember("nokey"))
    p.same("ZREM", lambda r: r.zrem("z", "g", "nope", "h"))
    p.same("ZREMRANGEBYRANK", lambda r: r.zremrangebyrank("z", 0, 1))
    p.same("ZREMRANGEBYSCORE", lambda r: r.zremrangebyscore("z", "(2", 5))
    p.same("ZPOPMIN", lambda r: r.zpopmin("z"))
    p.same("ZPOPMAX COUNT", lambda r: r.zpopmax("z", 2))
    p.same("ZPOPMIN missing", lambda r: r.zpopmin("nokey"))
    p.same("ZMPOP MIN", lambda r: r.zmpop(2, ["nokey", "z2"], min=True))
    p.same("ZMPOP MAX COUNT", lambda r: r.zmpop(1, ["z2"], max=True, count=10))
    p.same("ZMPOP missing", lambda r: r.zmpop(1, ["nokey"], min=True))
    p.same("ZSCAN", lambda r: r.zscan("z"))
    for i in range(200):
        p.both(lambda r: r.zadd("big", {f"m:{i}": i / 3}))
    p.same("ZSCAN iterated", lambda r: dict(r.zscan_iter("big", count=30)))
    p.same("ZSCAN MATCH iterated", lambda r: dict(r.zscan_iter("big", match="m:1*")))
    p.same("ZRANGE skiplist", lambda r: r.zrange("big", 100, 110, withscores=True))
    p.same("ZADD long member", lambda r: r.zadd("long", {"m" * 65: 1}))


def blocking(p):
    p.both(lambda r: r.set("str", "x"))
    p.both(lambda r: r.rpush("l", "a", "b", "c", "d", "e", "f"))
    p.same("BLPOP ready", lambda r: r.blpop(["nokey", "l"], timeout=5))
    p.same("BRPOP ready", lambda r: r.brpop("l", timeout=5))
    p.same("BLMOVE ready", lambda r: r.blmove("l", "dst", 5, "LEFT", "RIGHT"))
    p.same("BRPOPLPUSH ready", lambda r: r.brpoplpush("l", "dst", timeout=5))
    p.same("BLMPOP ready", lambda r: r.blmpop(5, 2, "nokey", "dst", direction="RIGHT", count=5))
    p.same("BLPOP wrong type", lambda r: r.blpop("str", timeout=5))
    p.same("BLPOP negative timeout", lambda r: r.blpop("nokey", timeout=-1))
    # Fractional timeouts, as Redis 6+ takes them.
    p.same("BLPOP timeout", lambda r: r.blpop("nokey", timeout=0.02))
    p.same("BRPOP timeout", lambda r: r.brpop(["nokey", "nokey2"], timeout=0.02))
    p.same("BLMOVE timeout", lambda r: r.blmove("nokey", "dst", 0.02, "LEFT", "LEFT"))
    p.same("BRPOPLPUSH timeout", lambda r: r.brpoplpush("nokey", "dst", timeout=0.02))
    p.same("BLMPOP timeout", lambda r: r.blmpop(0.02, 1, "nokey", direction="LEFT"))
    p.same("BLPOP woken", while_pushed(lambda r: r.blpop(["w1", "w2"], timeout=5), lambda r: r.rpush("w2", "x", "y")))
    p.same("BRPOP woken", while_pushed(lambda r: r.brpop("w3", timeout=5), lambda r: r.lpush("w3", "p", "q")))
    p.same("BLMOVE woken", while_pushed(lambda r: r.blmove("w4", "wdst", 5, "RIGHT", "LEFT"), lambda r: r.rpush("w4", "m", "n")))
    p.same("BRPOPLPUSH woken", while_pushed(lambda r: r.brpoplpush("w5", "wdst", 5), lambda r: r.rpush("w5", "o")))
    p.same(
        "BLMPOP woken",
        while_pushed(lambda r: r.blmpop(5, 2, "w6", "w7", direction="LEFT", count=3), lambda r: r.rpush("w7", 1, 2, 3, 4)),
    )
    p.both(lambda r: r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4}))
    p.same("BZPOPMIN ready", lambda r: r.bzpopmin(["nokey", "z"], timeout=5))
    p.same("BZPOPMAX ready", lambda r: r.bzpopmax("z", timeout=5))
    p.same("BZMPOP ready", lambda r: r.bzmpop(5, 2, ["nokey", "z"], min=True, count=5))
    p.same("BZPOPMIN wrong type", lambda r: r.bzpopmin("str", timeout=5))
    p.same("BZPOPMIN timeout", lambda r: r.bzpopmin("nokey", timeout=0.02))
    p.same("BZPOPMAX timeout", lambda r: r.bzpopmax("nokey", timeout=0.02))
    p.same("BZMPOP timeout", lambda r: r.bzmpop(0.02, 1, ["nokey"], max=True))
    p.same("BZPOPMIN woken", while_pushed(lambda r: r.bzpopmin(["wz1", "wz2"], timeout=5), lambda r: r.zadd("wz2", {"x": 2, "y": 1})))
    p.same("BZPOPMAX woken", while_pushed(lambda r: r.bzpopmax("wz3", timeout=5), lambda r: r.zadd("wz3", {"x": 2, "y": 1})))
    p.same(
        "BZMPOP woken",
        while_pushed(lambda r: r.bzmpop(5, 1, ["wz4"], max=True, count=2), lambda r: r.zadd("wz4", {"x": 2, "y": 1, "w": 3})),
    )


def pipelines(p):
    """redis-py's pipeline() is MULTI ... EXEC by default."""

    def transaction(r):
        pipe = r.pipeline()
        pipe.hset("ph", mapping={"a": 1, "b": 2}).hgetall("ph")
        pipe.rpush("pl", "x", "y").lrange("pl", 0, -1)
        pipe.sadd("ps", 1, 2).smembers("ps")
        pipe.zadd("pz", {"m": 1}).zrange("pz", 0, -1, withscores=True).zincrby("pz", 2, "m")
        return pipe.execute()

    def failing(r):
        pipe = r.pipeline()
        pipe.rpush("pl", "z").hget("pl", "f").llen("pl")
        return pipe.execute(raise_on_error=False)

    def plain_pipeline(r):
        pipe = r.pipeline(transaction=False)
        pipe.zadd("pz", {"n": 0.5}).zpopmin("pz").lpop("pl", 5).spop("nokey")
        return pipe.execute()

    p.same("pipeline transaction", transaction)
    p.same("pipeline with an error", failing)
    p.same("pipeline raising", lambda r: r.pipeline().lpush("str", "a").execute())
    p.same("pipeline without MULTI", plain_pipeline)


def sorting(p):
    p.both(lambda r: r.rpush("nums", 3, 1, 2, 10, -4))
    p.both(lambda r: r.sadd("words", "pear", "apple", "fig"))
    p.both(lambda r: r.rpush("ids", 1, 2, 3))
    p.both(lambda r: r.mset({"w_1": 30, "w_2": 10, "w_3": 20, "n_1": "one", "n_2": "two"}))
    p.same("SORT", lambda r: r.sort("nums"))
    p.same("SORT DESC LIMIT", lambda r: r.sort("nums", start=1, num=2, desc=True))
    p.same("SORT ALPHA", lambda r: r.sort("words", alpha=True))
    p.same("SORT not numbers", lambda r: r.sort("words"))
    p.same("SORT BY GET", lambda r: r.sort("ids", by="w_*", get=["#", "n_*"]))
    p.same("SORT GET groups", lambda r: r.sort("ids", get=["#", "n_*"], groups=True))
    p.same("SORT STORE", lambda r: r.sort("nums", store="sorted"))
    p.same("SORT_RO", lambda r: r.sort_ro("nums", desc=True))


def main():
    warnings.simplefilter("ignore", DeprecationWarning)  # hmset, still a command
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    p = Pair(sys.argv[1], sys.argv[2])
    for group in (hashes, lists, sets, zsets, blocking, pipelines, sorting):
        p.both(lambda r: r.flushall())
        group(p)
        p.same_state()
    for f in p.failures:
        print(f)
    print(f"{p.steps} steps, {len(p.failures)} differences")
    sys.exit(1 if p.failures else 0)


if __name__ == "__main__":
    main()
