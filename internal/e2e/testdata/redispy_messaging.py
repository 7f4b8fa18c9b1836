"""The bitmap, HyperLogLog and Pub/Sub commands through redis-py, against
Redis and against Ember, compared.

Usage: python3 redispy_messaging.py REDIS_ADDR EMBER_ADDR

Each step runs on the real Redis first, then on Ember, through the same
redis-py call, and the Python values it returns must be equal, or both
calls must raise the same error (redispy_collections.py's Pair, imported
from next to this script). The script prints one line per difference and
exits 1 if there was any; internal/e2e/redispy_messaging_test.go runs it.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from redispy_collections import Pair  # noqa: E402

MESSAGE_WAIT = 2.0  # seconds get_message waits for a message


def bitmaps(p):
    p.both(lambda r: r.rpush("list", "a"))
    p.same("SETBIT", lambda r: r.setbit("b", 7, 1))
    p.same("SETBIT again", lambda r: r.setbit("b", 7, 0))
    for off in (1, 2, 7, 9, 15, 30, 100):
        p.same(f"SETBIT {off}", lambda r: r.setbit("b", off, 1))
    p.same("SETBIT bad value", lambda r: r.setbit("b", 3, 2))
    p.same("SETBIT negative offset", lambda r: r.setbit("b", -1, 1))
    p.same("SETBIT offset too big", lambda r: r.setbit("b", 2**32, 1))
    p.same("SETBIT wrong type", lambda r: r.setbit("list", 0, 1))
    p.same("GETBIT", lambda r: r.getbit("b", 9))
    p.same("GETBIT zero", lambda r: r.getbit("b", 8))
    p.same("GETBIT past end", lambda r: r.getbit("b", 100000))
    p.same("GETBIT missing", lambda r: r.getbit("nokey", 0))
    p.same("GETBIT wrong type", lambda r: r.getbit("list", 0))
    p.same("BITCOUNT", lambda r: r.bitcount("b"))
    p.same("BITCOUNT missing", lambda r: r.bitcount("nokey"))
    p.same("BITCOUNT wrong type", lambda r: r.bitcount("list"))
    for start, end, mode in ((0, 0, None), (1, -1, None), (-2, -1, None), (5, 2, None),
                             (1, 2, "BYTE"), (0, 9, "BIT"), (5, 30, "BIT"), (-10, -1, "BIT"),
                             (30, 5, "BIT")):
        p.same(f"BITCOUNT {start} {end} {mode}", lambda r: r.bitcount("b", start, end, mode))
    p.same("BITCOUNT bad unit", lambda r: r.execute_command("BITCOUNT", "b", 0, 1, "NIBBLE"))
    p.same("BITCOUNT one index", lambda r: r.execute_command("BITCOUNT", "b", 0))
    p.same("BITPOS 1", lambda r: r.bitpos("b", 1))
    p.same("BITPOS 0", lambda r: r.bitpos("b", 0))
    p.same("BITPOS 1 from", lambda r: r.bitpos("b", 1, 2))
    p.same("BITPOS 1 range", lambda r: r.bitpos("b", 1, 2, 3))
    p.same("BITPOS 0 range", lambda r: r.bitpos("b", 0, 0, -1))
    p.same("BITPOS BIT", lambda r: r.bitpos("b", 1, 10, 40, "BIT"))
    p.same("BITPOS missing", lambda r: r.bitpos("nokey", 0))
    p.same("BITPOS bad bit", lambda r: r.bitpos("b", 2))
    p.same("BITPOS wrong type", lambda r: r.bitpos("list", 1))
    p.both(lambda r: r.set("ff", b"\xff\xff\xff"))
    p.same("BITPOS 0 all ones", lambda r: r.bitpos("ff", 0))
    p.same("BITPOS 0 all ones range", lambda r: r.bitpos("ff", 0, 0, -1))

    p.both(lambda r: r.set("x", "foobar"))
    p.both(lambda r: r.set("y", b"ab\x00\xffc"))
    p.same("BITOP AND", lambda r: r.bitop("AND", "and", "x", "y"))
    p.same("BITOP OR", lambda r: r.bitop("OR", "or", "x", "y", "nokey"))
    p.same("BITOP XOR", lambda r: r.bitop("XOR", "xor", "x", "y", "b"))
    p.same("BITOP NOT", lambda r: r.bitop("NOT", "not", "y"))
    p.same("BITOP NOT two keys", lambda r: r.bitop("NOT", "not", "x", "y"))
    p.same("BITOP missing sources", lambda r: r.bitop("AND", "x", "nokey", "nokey2"))
    p.same("BITOP wrong type", lambda r: r.bitop("OR", "dest", "list", "y"))
    p.same("BITOP bad op", lambda r: r.bitop("NAND", "dest", "y"))

    p.same("BITFIELD SET GET INCRBY", lambda r: r.bitfield("bf")
           .set("i8", 0, 100).get("u4", 0).incrby("i5", 100, 1).get("u4", "#1").execute())
    p.same("BITFIELD OVERFLOW WRAP", lambda r: r.bitfield("bf", default_overflow="WRAP")
           .incrby("u2", 102, 1).incrby("u2", 102, 1).incrby("u2", 102, 1).incrby("u2", 102, 1)
           .incrby("i8", 0, 100).execute())
    p.same("BITFIELD OVERFLOW SAT", lambda r: r.bitfield("bf").overflow("SAT")
           .incrby("i8", 0, 100).incrby("i8", 0, -300).set("u3", 8, 20).incrby("u63", 64, -1).execute())
    p.same("BITFIELD OVERFLOW FAIL", lambda r: r.bitfield("bf").overflow("FAIL")
           .incrby("u2", 200, 5).set("i4", 200, 100).incrby("i8", 0, 1)
           .overflow("WRAP").incrby("i8", 0, 200).execute())
    p.same("BITFIELD i64", lambda r: r.bitfield("bf2")
           .set("i64", 0, -1).get("u63", 0).incrby("i64", 0, 1).get("i64", 1).execute())
    p.same("BITFIELD bad type", lambda r: r.bitfield("bf").get("u64", 0).execute())
    p.same("BITFIELD bad overflow", lambda r: r.bitfield("bf").overflow("NO").get("u8", 0).execute())
    p.same("BITFIELD bad offset", lambda r: r.bitfield("bf").get("u8", -1).execute())
    p.same("BITFIELD missing", lambda r: r.bitfield("nokey").get("u8", 0).execute())
    p.same("BITFIELD wrong type", lambda r: r.bitfield("list").get("u8", 0).execute())
    p.same("BITFIELD_RO", lambda r: r.execute_command("BITFIELD_RO", "bf", "GET", "u8", 0, "GET", "i5", 3))
    p.same("BITFIELD_RO SET", lambda r: r.execute_command("BITFIELD_RO", "bf", "SET", "u8", 0, 1))


def hyperloglog(p):
    p.both(lambda r: r.set("str", "not an hll"))
    p.same("PFADD", lambda r: r.pfadd("h1", "a", "b", "c", "a"))
    p.same("PFADD existing", lambda r: r.pfadd("h1", "a"))
    p.same("PFADD no elements", lambda r: r.pfadd("h0"))
    p.same("PFADD wrong type", lambda r: r.pfadd("str", "a"))
    p.same("PFCOUNT", lambda r: r.pfcount("h1"))
    p.same("PFCOUNT missing", lambda r: r.pfcount("nokey"))
    p.same("PFCOUNT wrong type", lambda r: r.pfcount("str"))
    p.same("PFADD 500", lambda r: r.pfadd("h2", *[f"elem:{i}" for i in range(500)]))
    p.same("PFADD 5000 (dense)", lambda r: r.pfadd("h3", *[f"big:{i}" for i in range(5000)]))
    p.same("PFADD binary", lambda r: r.pfadd("h4", b"a\x00b", b"", b"\xff"))
    p.same("PFCOUNT dense", lambda r: r.pfcount("h3"))
    p.same("PFCOUNT several", lambda r: r.pfcount("h1", "h2", "h3", "h4", "nokey"))
    p.same("PFCOUNT several wrong type", lambda r: r.pfcount("h1", "str"))
    p.same("PFMERGE", lambda r: r.pfmerge("m", "h1", "h2"))
    p.same("PFCOUNT merged", lambda r: r.pfcount("m"))
    p.same("PFMERGE dense", lambda r: r.pfmerge("md", "h1", "h3", "nokey"))
    p.same("PFCOUNT merged dense", lambda r: r.pfcount("md"))
    p.same("PFMERGE into existing", lambda r: r.pfmerge("h1", "h2"))
    p.same("PFMERGE wrong type", lambda r: r.pfmerge("m", "str"))
    # same_state then compares every key's GET: the HLL strings byte for byte.


def pubsub(p):
    subs = {}  # id(client) -> [channel subscriber, pattern subscriber]

    def open_subs(r):
        ch, pat = r.pubsub(), r.pubsub()
        ch.subscribe("news", "sport")
        pat.psubscribe("n*", "s?ort")
        subs[id(r)] = [ch, pat]

    def get(i):
        return lambda r: subs[id(r)][i].get_message(timeout=MESSAGE_WAIT)

    p.both(open_subs)
    for i, name in enumerate(("SUBSCRIBE", "PSUBSCRIBE")):
        for j in range(2):
            p.same(f"{name} confirmation {j}", get(i))
    p.same("PUBLISH news", lambda r: r.publish("news", "hello"))
    p.same("PUBLISH sport", lambda r: r.publish("sport", b"a\x00b"))
    p.same("PUBLISH nobody", lambda r: r.publish("void", "x"))
    for i, name in enumerate(("SUBSCRIBE", "PSUBSCRIBE")):
        for j in range(2):
            p.same(f"{name} message {j}", get(i))
    p.same("no more messages", lambda r: subs[id(r)][0].get_message(timeout=0.05))
    p.same("PUBSUB CHANNELS", lambda r: r.pubsub_channels(), sorted)
    p.same("PUBSUB CHANNELS pattern", lambda r: r.pubsub_channels("n*"), sorted)
    p.same("PUBSUB NUMSUB", lambda r: r.pubsub_numsub("news", "sport", "void"))
    p.same("PUBSUB NUMSUB none", lambda r: r.pubsub_numsub())
    p.same("PUBSUB NUMPAT", lambda r: r.pubsub_numpat())

    def unsubscribe(i, name):
        def step(r):
            s = subs[id(r)][i]
            if i == 0:
                s.unsubscribe("sport")
            else:
                s.punsubscribe("s?ort")
            return s.get_message(timeout=MESSAGE_WAIT)

        p.same(name, step)

    unsubscribe(0, "UNSUBSCRIBE")
    unsubscribe(1, "PUNSUBSCRIBE")
    p.same("PUBLISH after unsubscribe", lambda r: r.publish("sport", "x"))
    p.same("PUBSUB NUMSUB after", lambda r: r.pubsub_numsub("news", "sport"))
    p.same("PUBSUB NUMPAT after", lambda r: r.pubsub_numpat())
    p.same("PUBLISH news again", lambda r: r.publish("news", "again"))
    p.same("SUBSCRIBE message after", get(0))
    p.same("PSUBSCRIBE message after", get(1))

    def ping(r):
        s = subs[id(r)][0]
        s.ping("hi")
        return s.get_message(timeout=MESSAGE_WAIT)

    p.same("PING subscribed", ping)

    def close(r):
        for s in subs.pop(id(r)):
            s.close()

    p.both(close)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    p = Pair(sys.argv[1], sys.argv[2])
    for group in (bitmaps, hyperloglog, pubsub):
        p.both(lambda r: r.flushall())
        group(p)
        p.same_state()
    for f in p.failures:
        print(f)
    print(f"{p.steps} steps, {len(p.failures)} differences")
    sys.exit(1 if p.failures else 0)


if __name__ == "__main__":
    main()
