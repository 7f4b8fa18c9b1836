"""A small Flask app that keeps its data in Ember (or any Redis).

It talks to the server through redis-py directly, the way the flask-redis
extension does underneath. REDIS_URL says where the server is.

Besides a page counter and expiring keys it shows four everyday uses of a
Redis server, each on one data type:

- login sessions: a hash per session, with a TTL refreshed on each request;
- an article leaderboard: a sorted set of likes;
- a work queue: a list, LPUSH to enqueue and a worker thread on BRPOP, and a
  reliable variant that BLMOVEs each job into a processing list until done;
- online users: a set per minute, united over the last five minutes, and
  daily counts: active users in a bitmap per day (SETBIT, BITCOUNT), unique
  visitors in a HyperLogLog per day (PFADD, PFCOUNT over the week);
- live notifications: PUBLISH on a channel per topic, relayed to browsers
  as Server-Sent Events by a Pub/Sub subscriber.

And two uses of Lua scripts, which the server runs atomically:

- a rate-limited route: Flask-Limiter keeps its counters in the server and
  runs its fixed-window and moving-window strategies as EVALSHA;
- a distributed lock: SET NX PX takes it with a random token, and a
  compare-and-delete script releases it only for the holder of the token.
"""

import json
import os
import secrets
import threading
import time
import uuid

import redis
from flask import Flask, Response, g, jsonify, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

DEFAULT_URL = "redis://:123456@localhost:6379/0"
EXPIRE_SECONDS = 60

SESSION_TTL = 30 * 60  # seconds a session lives after its last request
SESSION_COOKIE = "sid"

LIKES_KEY = "articles:likes"
TOP_N = 10

QUEUE_KEY = "jobs:queue"
RELIABLE_QUEUE_KEY = "jobs:reliable"
PROCESSING_KEY = "jobs:processing"
RESULTS_KEY = "jobs:results"
WORKER_BLOCK_SECONDS = 1  # how long a worker blocks before checking for stop

ONLINE_WINDOW = 5  # minutes that count as "online"
# A minute's set outlives the window by a minute, so the oldest minute
# SUNION reads is still there.
ONLINE_TTL = (ONLINE_WINDOW + 1) * 60

# Each user gets a number, its bit in the daily bitmaps of active users: a
# day's bitmap is as long as the highest number active that day, /8 bytes.
USER_IDS_KEY = "users:ids"  # hash: user name -> number
USER_SEQ_KEY = "users:seq"  # the last number given
VISITOR_COOKIE = "vid"  # a random id per browser, counted in the HLLs
VISITOR_COOKIE_AGE = 365 * 24 * 3600
WEEK_DAYS = 7
DAY_SECONDS = 24 * 3600
# A day's bitmap and HLL outlive the week by a day, as the minutes' sets do.
DAY_TTL = (WEEK_DAYS + 1) * DAY_SECONDS

EVENTS_PREFIX = "events:"  # a topic's channel is events:<topic>
EVENTS_PATTERN = EVENTS_PREFIX + "*"  # every topic, for GET /events
# Seconds a stream waits for a message before it writes a keep-alive
# comment. Writing is how it learns that the browser has gone: the write
# fails, and the stream stops and drops its subscription.
SSE_HEARTBEAT = 15.0
SSE_RETRY_MS = 3000  # how long a browser waits before it reconnects
SUBSCRIBE_TIMEOUT = 5.0  # seconds to wait for the server to confirm

RATE_LIMIT = "3 per minute"  # for GET /limited, per client address
RATE_LIMIT_STRATEGY = "fixed-window"  # or "moving-window"

LOCK_PREFIX = "lock:"
LOCK_TTL_MS = 10000  # a lock whose holder died frees itself after this
# Deletes the lock only while it still holds the caller's token: a holder
# whose lock expired and was taken by someone else must not free theirs.
RELEASE_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


def session_key(sid):
    return f"session:{sid}"


def online_key(minute):
    return f"online:{minute}"


def day_name(t):
    """The UTC date of unix time t: 2026-12-01."""
    return time.strftime("%Y-%m-%d", time.gmtime(t))


def active_key(day):
    return f"active:{day}"


def visitors_key(day):
    return f"visitors:{day}"


def user_id(db, user):
    """The user's number, given at the first login (INCR) and kept."""
    uid = db.hget(USER_IDS_KEY, user)
    if uid is None:
        # HSETNX: of two first logins at once, one number wins, and both
        # read it back. The loser's number is never used.
        db.hsetnx(USER_IDS_KEY, user, db.incr(USER_SEQ_KEY))
        uid = db.hget(USER_IDS_KEY, user)
    return int(uid)


def events_channel(topic):
    return EVENTS_PREFIX + topic


def sse_event(data, event_id=None):
    """One Server-Sent Event. The app's events are JSON on one line, but a
    message PUBLISHed by anyone else may hold line breaks: each line goes
    in a data: field of its own, and the browser joins them again."""
    lines = [f"id: {event_id}"] if event_id else []
    lines += [f"data: {line}" for line in data.splitlines() or [""]]
    return ("\n".join(lines) + "\n\n").encode()


def event_id(data):
    """The id of one of the app's events, or None for any other message."""
    try:
        event = json.loads(data)
    except ValueError:
        return None
    eid = event.get("id") if isinstance(event, dict) else None
    # An id: field ends at the line break.
    return eid if isinstance(eid, str) and not any(c in eid for c in "\r\n") else None


def open_subscription(db, channel=None, pattern=None):
    """A PubSub subscribed to channel (or pattern), once the server has
    confirmed it: from then on nothing published is missed."""
    pubsub = db.pubsub()
    try:
        if pattern is None:
            pubsub.subscribe(channel)
        else:
            pubsub.psubscribe(pattern)
        deadline = time.monotonic() + SUBSCRIBE_TIMEOUT
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no confirmation of the subscription to {channel or pattern}")
            msg = pubsub.get_message(timeout=left)
            if msg is not None and msg["type"] in ("subscribe", "psubscribe"):
                return pubsub
    except BaseException:
        pubsub.close()
        raise


def relay(pubsub, heartbeat):
    """The body of an event stream: each message published on pubsub's
    channels as one event, and a keep-alive comment after heartbeat
    seconds without one. It runs until the browser goes away (a write
    fails and the server closes the generator) or the Redis connection
    breaks."""
    yield f"retry: {SSE_RETRY_MS}\n: subscribed\n\n".encode()
    while True:
        try:
            msg = pubsub.get_message(timeout=heartbeat)
        except redis.exceptions.ConnectionError:
            return  # the browser reconnects after SSE_RETRY_MS
        if msg is None:
            yield b": keep-alive\n\n"
        elif msg["type"] in ("message", "pmessage"):
            data = msg["data"].decode(errors="replace")
            yield sse_event(data, event_id(data))


def process_job(text):
    """What the workers do with a job: a stand-in for real work."""
    return text.upper()


class Worker(threading.Thread):
    """Takes jobs off a queue and records their results in RESULTS_KEY.

    A plain worker pops with BRPOP: a job it takes is gone from the server
    until its result is written, so a crash in between loses it. A reliable
    worker moves each job with BLMOVE into PROCESSING_KEY, where it stays,
    visible, until the result is written and the job removed with LREM in
    the same transaction. Both block for WORKER_BLOCK_SECONDS at most, so
    that stop() is honoured within that time.
    """

    def __init__(self, url, reliable=False, handle=process_job):
        super().__init__(daemon=True, name="reliable-worker" if reliable else "worker")
        # Its own client: a blocked BRPOP holds its connection.
        self.db = redis.Redis.from_url(url)
        self.reliable = reliable
        self.handle = handle
        self._stop_event = threading.Event()
        self._cond = threading.Condition()
        self.processed = 0  # jobs done, under _cond
        self.error = None  # the exception that ended run(), if any

    def stop(self, timeout=WORKER_BLOCK_SECONDS + 5):
        self._stop_event.set()
        self.join(timeout)
        self.db.close()

    def wait_processed(self, n, timeout):
        """Waits until at least n jobs are done; returns whether they are."""
        with self._cond:
            return self._cond.wait_for(lambda: self.processed >= n or self.error, timeout) and not self.error

    def take(self):
        """The next job's raw bytes, or None after WORKER_BLOCK_SECONDS."""
        if self.reliable:
            # The oldest job (LPUSH adds on the left) to the head of the
            # processing list, in one atomic step.
            return self.db.blmove(RELIABLE_QUEUE_KEY, PROCESSING_KEY, WORKER_BLOCK_SECONDS, "RIGHT", "LEFT")
        popped = self.db.brpop([QUEUE_KEY], WORKER_BLOCK_SECONDS)
        return None if popped is None else popped[1]

    def run(self):
        try:
            while not self._stop_event.is_set():
                raw = self.take()
                if raw is None:
                    continue
                job = json.loads(raw)
                result = self.handle(job["text"])
                pipe = self.db.pipeline(transaction=True)
                pipe.hset(RESULTS_KEY, job["id"], result)
                if self.reliable:
                    pipe.lrem(PROCESSING_KEY, 1, raw)
                pipe.execute()
                with self._cond:
                    self.processed += 1
                    self._cond.notify_all()
        except Exception as e:  # noqa: BLE001 - kept for wait_processed and the log
            with self._cond:
                self.error = e
                self._cond.notify_all()
            raise


def start_workers(app, handle=process_job):
    """Starts one plain and one reliable worker for app's server."""
    url = app.config["REDIS_URL"]
    workers = {"plain": Worker(url, handle=handle), "reliable": Worker(url, reliable=True, handle=handle)}
    for w in workers.values():
        w.start()
    app.extensions["workers"] = workers
    return workers


def stop_workers(app):
    for w in app.extensions.pop("workers", {}).values():
        w.stop()


def create_app(url=None, rate_limit_strategy=RATE_LIMIT_STRATEGY):
    app = Flask(__name__)
    url = url or os.environ.get("REDIS_URL", DEFAULT_URL)
    db = redis.Redis.from_url(url)
    # Flask-Limiter's counters live in the same server: with the redis://
    # storage each strategy is a Lua script it loads and runs by SHA.
    limiter = Limiter(get_remote_address, app=app, storage_uri=url, strategy=rate_limit_strategy)
    app.config["LIMITER"] = limiter
    release_lock = db.register_script(RELEASE_LOCK)
    app.config["REDIS"] = db
    app.config["REDIS_URL"] = url
    # The time the app goes by, for the per-minute sets: tests replace it.
    app.config["CLOCK"] = time.time
    app.config["SSE_HEARTBEAT"] = SSE_HEARTBEAT

    def current_minute():
        return int(app.config["CLOCK"]() // 60)

    def last_days():
        """The names of the last WEEK_DAYS days, today first."""
        now = app.config["CLOCK"]()
        return [day_name(now - i * DAY_SECONDS) for i in range(WEEK_DAYS)]

    # --- Sessions and online users, on every request -------------------

    @app.before_request
    def load_session():
        """Reads the session, refreshes its TTL, counts the visitor, and
        marks the session's user online and active today."""
        g.vid = request.cookies.get(VISITOR_COOKIE)
        g.new_visitor = not g.vid
        if g.new_visitor:
            g.vid = secrets.token_urlsafe(12)
        g.sid, g.session = request.cookies.get(SESSION_COOKIE), {}
        if g.sid:
            key = session_key(g.sid)
            pipe = db.pipeline(transaction=True)
            pipe.hgetall(key)
            pipe.expire(key, SESSION_TTL)  # 0, and no harm, when it has expired
            fields, _ = pipe.execute()
            g.session = {k.decode(): v.decode() for k, v in fields.items()}
        pipe = db.pipeline(transaction=True)
        key = visitors_key(day_name(app.config["CLOCK"]()))
        pipe.pfadd(key, g.vid)
        pipe.expire(key, DAY_TTL)
        if g.session:
            user = g.session["user"]
            mark_online(pipe, user, int(g.session.get("uid") or user_id(db, user)))
        pipe.execute()

    @app.after_request
    def keep_visitor(resp):
        if g.get("new_visitor"):
            resp.set_cookie(VISITOR_COOKIE, g.vid, max_age=VISITOR_COOKIE_AGE, httponly=True, samesite="Lax")
        return resp

    def mark_online(pipe, user, uid):
        """Queues on pipe: user online this minute, and active today."""
        key = online_key(current_minute())
        pipe.sadd(key, user)
        pipe.expire(key, ONLINE_TTL)
        key = active_key(day_name(app.config["CLOCK"]()))
        pipe.setbit(key, uid, 1)
        pipe.expire(key, DAY_TTL)

    @app.route("/login", methods=["POST"])
    def login():
        user = request.form.get("user", "")
        if not user:
            return jsonify({"error": "user is required"}), 400
        uid = user_id(db, user)
        sid = secrets.token_urlsafe(16)
        key = session_key(sid)
        pipe = db.pipeline(transaction=True)
        pipe.hset(key, mapping={"user": user, "uid": uid, "login_at": int(time.time())})
        pipe.expire(key, SESSION_TTL)
        mark_online(pipe, user, uid)
        pipe.execute()
        resp = jsonify({"user": user, "ttl": SESSION_TTL})
        resp.set_cookie(SESSION_COOKIE, sid, max_age=SESSION_TTL, httponly=True, samesite="Lax")
        return resp

    @app.route("/session")
    def session():
        if not g.session:
            return jsonify({}), 401
        # load_session has just refreshed the TTL.
        return jsonify({"session": g.session, "ttl": db.ttl(session_key(g.sid))})

    @app.route("/logout", methods=["POST"])
    def logout():
        deleted = db.delete(session_key(g.sid)) if g.sid else 0
        resp = jsonify({"logged_out": bool(deleted)})
        resp.delete_cookie(SESSION_COOKIE)
        return resp

    @app.route("/online")
    def online():
        now = current_minute()
        keys = [online_key(m) for m in range(now - ONLINE_WINDOW + 1, now + 1)]
        days = last_days()
        pipe = db.pipeline(transaction=False)
        pipe.sunion(keys)
        pipe.scard(keys[-1])
        pipe.bitcount(active_key(days[0]))
        pipe.pfcount(visitors_key(days[0]))
        # PFCOUNT of several keys counts their union: a visitor seen on
        # three days of the week counts once.
        pipe.pfcount(*[visitors_key(d) for d in days])
        users, this_minute, active_today, visitors_today, visitors_week = pipe.execute()
        names = sorted(u.decode() for u in users)
        return jsonify(
            {
                "users": names,
                "count": len(names),
                "this_minute": this_minute,
                "active_today": active_today,
                "visitors_today": visitors_today,
                "visitors_week": visitors_week,
            }
        )

    @app.route("/online/days")
    def online_days():
        """Day by day over the week: active users and unique visitors."""
        days = last_days()
        pipe = db.pipeline(transaction=False)
        for d in days:
            pipe.bitcount(active_key(d))
            pipe.pfcount(visitors_key(d))
        counts = pipe.execute()
        return jsonify(
            [{"day": d, "active": counts[2 * i], "visitors": counts[2 * i + 1]} for i, d in enumerate(days)]
        )

    @app.route("/users/<user>/active")
    def user_active(user):
        """On which days of the week the user was active: a GETBIT a day."""
        uid = db.hget(USER_IDS_KEY, user)
        if uid is None:
            return jsonify({}), 404
        days = last_days()
        pipe = db.pipeline(transaction=False)
        for d in days:
            pipe.getbit(active_key(d), int(uid))
        bits = pipe.execute()
        return jsonify({"user": user, "days": [{"day": d, "active": bool(b)} for d, b in zip(days, bits)]})

    # --- The leaderboard -----------------------------------------------

    @app.route("/articles/<article>/like", methods=["POST"])
    def like(article):
        return jsonify({"article": article, "likes": int(db.zincrby(LIKES_KEY, 1, article))})

    @app.route("/articles/top")
    def top():
        rows = db.zrevrange(LIKES_KEY, 0, TOP_N - 1, withscores=True)
        return jsonify([{"article": a.decode(), "likes": int(s)} for a, s in rows])

    @app.route("/articles/<article>/rank")
    def rank(article):
        pipe = db.pipeline(transaction=True)
        pipe.zrevrank(LIKES_KEY, article)
        pipe.zscore(LIKES_KEY, article)
        r, score = pipe.execute()
        if r is None:
            return jsonify({}), 404
        # ZREVRANK counts from 0 at the top; people count from 1.
        return jsonify({"article": article, "rank": r + 1, "likes": int(score)})

    # --- The work queues -----------------------------------------------

    def enqueue(queue):
        text = request.form.get("text", "")
        job = {"id": uuid.uuid4().hex, "text": text}
        length = db.lpush(queue, json.dumps(job))
        return jsonify({"id": job["id"], "queued": length})

    @app.route("/jobs", methods=["POST"])
    def enqueue_job():
        return enqueue(QUEUE_KEY)

    @app.route("/reliable-jobs", methods=["POST"])
    def enqueue_reliable_job():
        return enqueue(RELIABLE_QUEUE_KEY)

    @app.route("/reliable-jobs/processing")
    def processing():
        return jsonify([json.loads(raw)["id"] for raw in db.lrange(PROCESSING_KEY, 0, -1)])

    @app.route("/jobs/<id>")
    def job_status(id):
        result = db.hget(RESULTS_KEY, id)
        if result is None:
            return jsonify({"id": id, "status": "pending"})
        return jsonify({"id": id, "status": "done", "result": result.decode()})

    # --- Live notifications: PUBLISH and Server-Sent Events ------------

    @app.route("/events/<topic>", methods=["POST"])
    def publish(topic):
        text = request.form.get("text", "")
        if not text:
            return jsonify({"error": "text is required"}), 400
        event = {"id": uuid.uuid4().hex, "topic": topic, "text": text, "at": app.config["CLOCK"]()}
        if g.session:
            event["from"] = g.session["user"]
        # PUBLISH answers how many subscribers received it: one per open
        # stream of this topic, one per open GET /events.
        receivers = db.publish(events_channel(topic), json.dumps(event))
        return jsonify({"id": event["id"], "receivers": receivers})

    def event_stream(pubsub):
        resp = Response(relay(pubsub, app.config["SSE_HEARTBEAT"]), mimetype="text/event-stream")
        resp.headers["Cache-Control"] = "no-cache"
        resp.headers["X-Accel-Buffering"] = "no"  # a proxy (nginx) must not buffer it
        # The server closes the response when the stream ends, however
        # it ends; closing the PubSub drops its connection, and with it
        # the subscription.
        resp.call_on_close(pubsub.close)
        return resp

    @app.route("/events/<topic>")
    def topic_stream(topic):
        # Subscribed, and confirmed, before the response starts: an event
        # published once the browser has the headers is not missed.
        return event_stream(open_subscription(db, channel=events_channel(topic)))

    @app.route("/events")
    def all_events_stream():
        return event_stream(open_subscription(db, pattern=EVENTS_PATTERN))

    # --- The first demo: a counter and expiring keys --------------------

    # --- Lua scripts: a rate-limited route and a distributed lock --------

    @app.route("/limited")
    @limiter.limit(RATE_LIMIT)
    def limited():
        return jsonify({"ok": True, "strategy": rate_limit_strategy})

    @app.route("/locks/<name>", methods=["POST"])
    def acquire_lock(name):
        token = uuid.uuid4().hex
        if not db.set(LOCK_PREFIX + name, token, nx=True, px=LOCK_TTL_MS):
            return jsonify({"locked": False}), 409
        return jsonify({"locked": True, "token": token})

    @app.route("/locks/<name>", methods=["DELETE"])
    def release(name):
        # register_script sends EVALSHA, and EVAL once on NOSCRIPT.
        released = release_lock(keys=[LOCK_PREFIX + name], args=[request.args.get("token", "")])
        return jsonify({"released": released == 1})

    @app.route("/")
    def index():
        # redis-py sends INCRBY hits 1.
        hits = db.incr("hits")
        return f"<h1>Hello from Ember</h1><p>This page has been viewed {hits} times.</p>\n"

    @app.route("/redis/set_data/<id>")
    def set_data(id):
        key = f"dyn_key_{id}"
        # transaction=True wraps both in MULTI ... EXEC.
        pipe = db.pipeline(transaction=True)
        pipe.set(key, f"dyn_data_{id}")
        pipe.expireat(key, int(time.time()) + EXPIRE_SECONDS)
        ok_set, ok_expire = pipe.execute()
        return jsonify({"key": key, "set": bool(ok_set), "expire": bool(ok_expire)})

    @app.route("/redis/get_data/<id>")
    def get_data(id):
        value = db.get(f"dyn_key_{id}")
        if value is None:
            return jsonify({})
        return jsonify({"data": value.decode()})

    return app


app = create_app()

if __name__ == "__main__":
    start_workers(app)
    try:
        app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
    finally:
        stop_workers(app)
