"""End-to-end test of the Flask demo against a real server process.

It builds ember-server (or uses the binary named by EMBER_SERVER_BIN),
starts it on a free loopback port with --requirepass 123456, points the app
at it, and drives the app through Flask's test client. The event streams,
which the test client would buffer whole, are read from the app served by
werkzeug's real HTTP server on another free loopback port.

Run it with Debian's python3, which has Flask and redis-py:

    /usr/bin/python3 examples/flask-demo/test_app.py

EMBER_SERVER_BIN=/usr/bin/redis-server runs the same test against the real
Redis, to check the test itself.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

import redis
from werkzeug.serving import WSGIRequestHandler, make_server

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # leave no __pycache__ in the example

import app as demo  # noqa: E402

PASSWORD = "123456"
START_TIMEOUT = 15.0  # seconds to wait for the server to answer PING
STOP_TIMEOUT = 10.0  # seconds to wait for a clean exit after SIGTERM
WAIT_TIMEOUT = 10.0  # seconds to wait for a worker, at most


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_binary(workdir):
    path = os.environ.get("EMBER_SERVER_BIN")
    if path:
        return path
    path = os.path.join(workdir, "ember-server")
    subprocess.run(["go", "build", "-o", path, "./cmd/ember-server"], cwd=REPO, check=True)
    return path


class ServerProcess:
    """A server started on a free loopback port, stopped with SIGTERM."""

    def __init__(self, binary, workdir):
        self.port = free_port()
        args = [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--requirepass", PASSWORD]
        if os.path.basename(binary) == "redis-server":
            # The reference Redis: keep it from writing files.
            args += ["--save", "", "--appendonly", "no"]
        self.log_path = os.path.join(workdir, "server.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, cwd=workdir, stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"redis://:{PASSWORD}@127.0.0.1:{self.port}/0"
        self._wait_ready()

    def _wait_ready(self):
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if client.ping():
                    client.close()
                    return
            except redis.exceptions.ConnectionError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not answer within {START_TIMEOUT}s:\n{self.output()}")
            time.sleep(0.05)

    def output(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        """SIGTERM, then wait; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's handler without its line per request (errors still log)."""

    def log_request(self, *args, **kwargs):
        pass


class LiveServer:
    """The app served over HTTP by werkzeug, threaded (a stream holds its
    thread), on a free loopback port (port 0: the system picks it)."""

    def __init__(self, app):
        self.httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
        self.port = self.httpd.server_port
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT_TIMEOUT)

    def post(self, path, **form):
        """POSTs form fields; returns the status and the decoded JSON."""
        conn = self.connection()
        try:
            body = urllib.parse.urlencode(form)
            conn.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read())
        finally:
            conn.close()

    def stop(self):
        """Stops serving and waits for the serving thread; True if it ended."""
        self.httpd.shutdown()
        self.thread.join(STOP_TIMEOUT)
        self.httpd.server_close()
        return not self.thread.is_alive()


class EventStream:
    """A client of a text/event-stream route, reading events as they come,
    as a browser's EventSource does (but without reconnecting)."""

    def __init__(self, live, path):
        self.conn = live.connection()
        self.conn.request("GET", path, headers={"Accept": "text/event-stream"})
        # The app has subscribed before it answers: once the headers are
        # here, nothing published is missed.
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.content_type = self.resp.getheader("Content-Type")
        self.cache_control = self.resp.getheader("Cache-Control")
        self.retry = None
        self.comments = []

    def next_event(self, deadline):
        """The next event as {"id": ..., "data": ...} (id None when the
        event has none), skipping comments; None at the end of the stream.
        Fails past deadline (time.monotonic()), keep-alives or not."""
        event_id, data = None, []
        while True:
            if time.monotonic() > deadline:
                raise AssertionError("no event before the deadline")
            line = self.resp.readline()  # bounded by the socket's timeout
            if not line:
                return None
            line = line.decode().rstrip("\r\n")
            if not line:
                if data:
                    return {"id": event_id, "data": "\n".join(data)}
                event_id = None  # a block of comments, or of retry:, only
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "":
                self.comments.append(value)
            elif field == "id":
                event_id = value
            elif field == "data":
                data.append(value)
            elif field == "retry":
                self.retry = int(value)

    def close(self):
        self.resp.close()
        self.conn.close()


class JobHandler:
    """The workers' job handler in the test: it records what it was given,
    in order, and holds any job whose text starts with "hold" until the
    test releases it, so that the test can look at a job in flight."""

    def __init__(self):
        self.lock = threading.Lock()
        self.seen = []
        self.started = threading.Event()  # a held job has begun
        self.release = threading.Event()

    def __call__(self, text):
        with self.lock:
            self.seen.append(text)
        if text.startswith("hold"):
            self.started.set()
            self.release.wait(WAIT_TIMEOUT)
        return demo.process_job(text)


class FlaskDemoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="ember-flask-demo-")
        cls.server = ServerProcess(server_binary(cls.tmp.name), cls.tmp.name)
        os.environ["REDIS_URL"] = cls.server.url
        cls.app = demo.create_app(cls.server.url)
        cls.app.testing = True
        cls.client = cls.app.test_client()
        cls.redis = redis.Redis.from_url(cls.server.url, socket_timeout=5)
        cls.handler = JobHandler()
        cls.workers = demo.start_workers(cls.app, cls.handler)
        # Keep-alives every 50 ms: a stream notices a closed client fast.
        cls.app.config["SSE_HEARTBEAT"] = 0.05
        cls.live = LiveServer(cls.app)

    @classmethod
    def tearDownClass(cls):
        cls.handler.release.set()
        demo.stop_workers(cls.app)
        errors = [f"{name}: {w.error!r}" for name, w in cls.workers.items() if w.error or w.is_alive()]
        if not cls.live.stop():
            errors.append("the HTTP server did not stop")
        cls.redis.close()
        code = cls.server.stop()
        cls.tmp.cleanup()
        if errors:
            raise AssertionError(f"workers failed or did not stop: {errors}")
        if code != 0:
            raise AssertionError(f"server exit code after SIGTERM: {code}")

    def get_json(self, path):
        resp = self.client.get(path)
        self.assertEqual(resp.status_code, 200, resp.data)
        return json.loads(resp.data)

    def call(self, method, path, client=None, status=200, **kwargs):
        """Sends a request through client (the shared one by default),
        checks the status and returns the decoded JSON body."""
        resp = (client or self.client).open(path, method=method, **kwargs)
        self.assertEqual(resp.status_code, status, resp.data)
        return json.loads(resp.data)

    @staticmethod
    def session_id(client):
        ids = [c.value for c in client.cookie_jar if c.name == demo.SESSION_COOKIE]
        return ids[0] if ids else None

    def wait_until(self, what, predicate, timeout=WAIT_TIMEOUT):
        """Polls predicate until it is true, failing after timeout."""
        deadline = time.monotonic() + timeout
        while not predicate():
            self.assertLess(time.monotonic(), deadline, f"still waiting after {timeout}s for {what}")
            time.sleep(0.02)

    def hits(self):
        resp = self.client.get("/")
        self.assertEqual(resp.status_code, 200, resp.data)
        m = re.search(rb"viewed (\d+) times", resp.data)
        self.assertIsNotNone(m, resp.data)
        return int(m.group(1))

    def test_rate_limit_strategies(self):
        # Each strategy allows RATE_LIMIT's 3 requests a minute per client,
        # then refuses with 429, as against Redis; they keep separate
        # counters, so the second starts afresh.
        for strategy in ("fixed-window", "moving-window"):
            with self.subTest(strategy=strategy):
                self.redis.flushdb()
                app = demo.create_app(self.server.url, rate_limit_strategy=strategy)
                client = app.test_client()
                for i in range(3):
                    resp = client.get("/limited")
                    self.assertEqual(resp.status_code, 200, (i, resp.data))
                    self.assertEqual(json.loads(resp.data)["strategy"], strategy)
                resp = client.get("/limited")
                self.assertEqual(resp.status_code, 429, resp.data)
                # Flask-Limiter ran its scripts: they are in the cache.
                self.assertTrue(self.redis.info("memory")["number_of_cached_scripts"] >= 1)
                # reset() clears the counters with a script too.
                app.config["LIMITER"].reset()
                self.assertEqual(client.get("/limited").status_code, 200)

    def test_distributed_lock(self):
        first = self.call("POST", "/locks/report")
        self.assertTrue(first["locked"])
        self.assertFalse(self.call("POST", "/locks/report", status=409)["locked"])
        pttl = self.redis.pttl(demo.LOCK_PREFIX + "report")
        self.assertTrue(0 < pttl <= demo.LOCK_TTL_MS, pttl)
        # Only the token's holder frees it.
        self.assertFalse(self.call("DELETE", "/locks/report?token=not-mine")["released"])
        self.assertTrue(self.call("DELETE", "/locks/report?token=" + first["token"])["released"])
        self.assertFalse(self.call("DELETE", "/locks/report?token=" + first["token"])["released"])
        # Once SCRIPT FLUSH forgets the script, redis-py sends EVAL again.
        self.redis.script_flush()
        again = self.call("POST", "/locks/report")
        self.assertTrue(self.call("DELETE", "/locks/report?token=" + again["token"])["released"])

    def test_counter_increments(self):
        first = self.hits()
        second = self.hits()
        third = self.hits()
        self.assertEqual([second, third], [first + 1, first + 2])
        self.assertEqual(int(self.redis.get("hits")), third)

    def test_set_get_and_ttl(self):
        self.assertEqual(
            self.get_json("/redis/set_data/42"),
            {"key": "dyn_key_42", "set": True, "expire": True},
        )
        self.assertEqual(self.get_json("/redis/get_data/42"), {"data": "dyn_data_42"})
        self.assertEqual(self.redis.get("dyn_key_42"), b"dyn_data_42")
        ttl = self.redis.ttl("dyn_key_42")
        self.assertTrue(1 <= ttl <= 60, f"TTL {ttl} not in [1, 60]")

    def test_missing_key(self):
        self.assertEqual(self.get_json("/redis/get_data/never-set"), {})

    def test_key_expires_on_the_real_clock(self):
        key = "dyn_key_soon"
        self.assertTrue(self.redis.set(key, "dyn_data_soon"))
        # Two seconds ahead in whole seconds: the key lives 1 to 2 s more.
        self.assertTrue(self.redis.expireat(key, int(time.time()) + 2))
        self.assertEqual(self.get_json("/redis/get_data/soon"), {"data": "dyn_data_soon"})
        ttl = self.redis.ttl(key)
        self.assertTrue(0 <= ttl <= 2, f"TTL {ttl} not in [0, 2]")
        deadline = time.monotonic() + 5.0
        while self.get_json("/redis/get_data/soon") != {}:
            self.assertLess(time.monotonic(), deadline, "key still there 5 s after a 2 s EXPIREAT")
            time.sleep(0.1)
        self.assertEqual(self.redis.exists(key), 0)
        self.assertEqual(self.redis.ttl(key), -2)


    # --- Login sessions --------------------------------------------------

    def test_session_lifecycle(self):
        client = self.app.test_client()
        self.assertEqual(self.call("GET", "/session", client, status=401), {})
        self.assertEqual(self.call("POST", "/login", client, status=400), {"error": "user is required"})

        before = int(time.time())
        self.assertEqual(
            self.call("POST", "/login", client, data={"user": "alice"}),
            {"user": "alice", "ttl": demo.SESSION_TTL},
        )
        sid = self.session_id(client)
        self.assertIsNotNone(sid, "no session cookie after login")
        key = demo.session_key(sid)
        stored = self.redis.hgetall(key)
        self.assertEqual(stored[b"user"], b"alice")
        self.assertTrue(before <= int(stored[b"login_at"]) <= int(time.time()) + 1, stored)
        ttl = self.redis.ttl(key)
        self.assertTrue(0 < ttl <= demo.SESSION_TTL, f"TTL {ttl} after login")

        # Let the session run down, then one request refreshes it.
        self.assertTrue(self.redis.expire(key, 5))
        got = self.call("GET", "/session", client)
        self.assertEqual(got["session"]["user"], "alice")
        self.assertTrue(5 < got["ttl"] <= demo.SESSION_TTL, got)
        ttl = self.redis.ttl(key)
        self.assertTrue(5 < ttl <= demo.SESSION_TTL, f"TTL {ttl} after a request, want it refreshed")
        # Any request refreshes it, not only /session.
        self.assertTrue(self.redis.expire(key, 5))
        self.call("GET", "/articles/top", client)
        self.assertGreater(self.redis.ttl(key), 5)

        self.assertEqual(self.call("POST", "/logout", client), {"logged_out": True})
        self.assertEqual(self.redis.exists(key), 0)
        self.assertIsNone(self.session_id(client), "cookie kept after logout")
        self.assertEqual(self.call("GET", "/session", client, status=401), {})
        self.assertEqual(self.call("POST", "/logout", client), {"logged_out": False})

    def test_session_expires(self):
        client = self.app.test_client()
        self.call("POST", "/login", client, data={"user": "bob"})
        key = demo.session_key(self.session_id(client))
        self.assertTrue(self.redis.pexpire(key, 50))
        self.wait_until("the session to expire", lambda: self.redis.exists(key) == 0)
        # The cookie is still sent, but the session is gone, and the
        # request's EXPIRE does not bring it back.
        self.assertEqual(self.call("GET", "/session", client, status=401), {})
        self.assertEqual(self.redis.exists(key), 0)

    # --- The leaderboard -------------------------------------------------

    def test_leaderboard(self):
        self.redis.delete(demo.LIKES_KEY)
        # a01 gets 1 like, ..., a12 gets 12; a00 ties with a12.
        likes = {f"a{i:02d}": i for i in range(1, 13)}
        likes["a00"] = 12
        for name, count in likes.items():
            for n in range(1, count + 1):
                self.assertEqual(self.call("POST", f"/articles/{name}/like"), {"article": name, "likes": n})
        self.assertEqual(self.redis.zscore(demo.LIKES_KEY, "a07"), 7.0)

        # The top ten, most liked first; a tie goes to the member that
        # sorts last (ZREVRANGE is the reverse of ZRANGE's order).
        want = [("a12", 12), ("a00", 12)] + [(f"a{i:02d}", i) for i in range(11, 3, -1)]
        top = self.call("GET", "/articles/top")
        self.assertEqual([(row["article"], row["likes"]) for row in top], want)

        self.assertEqual(self.call("GET", "/articles/a12/rank"), {"article": "a12", "rank": 1, "likes": 12})
        self.assertEqual(self.call("GET", "/articles/a00/rank"), {"article": "a00", "rank": 2, "likes": 12})
        # Ranked even when outside the top ten.
        self.assertEqual(self.call("GET", "/articles/a01/rank"), {"article": "a01", "rank": 13, "likes": 1})
        self.assertEqual(self.call("GET", "/articles/nobody/rank", status=404), {})

        # Two more likes move a01 past a02, to a tie with a03, which
        # stays ahead.
        self.call("POST", "/articles/a01/like")
        self.assertEqual(self.call("POST", "/articles/a01/like"), {"article": "a01", "likes": 3})
        self.assertEqual(self.call("GET", "/articles/a03/rank")["rank"], 11)
        self.assertEqual(self.call("GET", "/articles/a01/rank")["rank"], 12)
        self.assertEqual(self.call("GET", "/articles/a02/rank")["rank"], 13)

    # --- The work queues -------------------------------------------------

    def job_result(self, job_id):
        return self.call("GET", f"/jobs/{job_id}")

    def test_work_queue(self):
        worker = self.workers["plain"]
        done_before = worker.processed
        texts = [f"job {i}" for i in range(20)]
        ids = [self.call("POST", "/jobs", data={"text": t})["id"] for t in texts]
        self.assertTrue(worker.wait_processed(done_before + len(texts), WAIT_TIMEOUT), "worker did not finish the jobs")
        for job_id, text in zip(ids, texts):
            self.assertEqual(self.job_result(job_id), {"id": job_id, "status": "done", "result": text.upper()})
        self.assertEqual(self.redis.llen(demo.QUEUE_KEY), 0)
        # One worker on BRPOP of an LPUSHed list: first in, first out.
        with self.handler.lock:
            seen = [t for t in self.handler.seen if t in texts]
        self.assertEqual(seen, texts)
        self.assertEqual(self.job_result("no-such-job"), {"id": "no-such-job", "status": "pending"})

    def test_reliable_queue(self):
        worker = self.workers["reliable"]
        done_before = worker.processed
        self.handler.started.clear()
        self.handler.release.clear()
        held = self.call("POST", "/reliable-jobs", data={"text": "hold me"})["id"]
        self.assertTrue(self.handler.started.wait(WAIT_TIMEOUT), "the worker never took the job")

        # In flight: out of the queue, in the processing list, no result.
        self.assertEqual(self.call("GET", "/reliable-jobs/processing"), [held])
        self.assertEqual(self.redis.llen(demo.RELIABLE_QUEUE_KEY), 0)
        self.assertEqual(self.job_result(held)["status"], "pending")
        # Jobs queued meanwhile wait in the queue.
        later = [self.call("POST", "/reliable-jobs", data={"text": f"later {i}"})["id"] for i in range(3)]
        self.assertEqual(self.redis.llen(demo.RELIABLE_QUEUE_KEY), 3)

        self.handler.release.set()
        self.assertTrue(worker.wait_processed(done_before + 4, WAIT_TIMEOUT), "worker did not finish the jobs")
        self.assertEqual(self.job_result(held), {"id": held, "status": "done", "result": "HOLD ME"})
        for i, job_id in enumerate(later):
            self.assertEqual(self.job_result(job_id)["result"], f"LATER {i}")
        # Done: gone from the processing list, and the empty list deleted.
        self.assertEqual(self.call("GET", "/reliable-jobs/processing"), [])
        self.assertEqual(self.redis.exists(demo.PROCESSING_KEY, demo.RELIABLE_QUEUE_KEY), 0)

    # --- Online users ----------------------------------------------------

    def online(self):
        """GET /online's users, without the day's counts."""
        got = self.call("GET", "/online")
        return {k: got[k] for k in ("users", "count", "this_minute")}

    def set_clock(self, t):
        """Sets the app's clock to t; returns a function that moves it."""
        now = [t]
        saved = self.app.config["CLOCK"]
        self.app.config["CLOCK"] = lambda: now[0]
        self.addCleanup(self.app.config.__setitem__, "CLOCK", saved)
        return lambda t: now.__setitem__(0, t)

    def visitor(self, vid):
        """A browser whose visitor cookie is vid: the same ids in every run,
        so the HyperLogLogs' estimates are the same in every run too."""
        client = self.app.test_client()
        client.set_cookie("localhost", demo.VISITOR_COOKIE, vid)
        return client

    def test_daily_active_users(self):
        base = 41_000 * demo.DAY_SECONDS  # day 41000 (2082): nobody else's
        set_clock = self.set_clock(base + 3600)
        day0, day1 = demo.day_name(base), demo.day_name(base + demo.DAY_SECONDS)
        users = [f"user{i}" for i in range(10)]
        clients = {u: self.app.test_client() for u in users}
        for u in users:
            self.call("POST", "/login", clients[u], data={"user": u})
        # More requests, and a second login, change nothing: one bit each.
        for _ in range(3):
            self.call("GET", "/session", clients["user0"])
        self.call("POST", "/login", self.app.test_client(), data={"user": "user3"})
        ids = {u: int(self.redis.hget(demo.USER_IDS_KEY, u)) for u in users}
        self.assertEqual(len(set(ids.values())), len(users))
        key = demo.active_key(day0)
        self.assertEqual(self.redis.bitcount(key), 10)
        self.assertEqual([self.redis.getbit(key, ids[u]) for u in users], [1] * 10)
        # One bit per user number, from bit 0: max/8 + 1 bytes.
        self.assertEqual(self.redis.strlen(key), max(ids.values()) // 8 + 1)
        ttl = self.redis.ttl(key)
        self.assertTrue(0 < ttl <= demo.DAY_TTL, f"TTL {ttl} of {key}")
        self.assertEqual(self.call("GET", "/online")["active_today"], 10)

        # The next day two of them come back.
        set_clock(base + demo.DAY_SECONDS + 60)
        for u in ("user0", "user5"):
            self.call("GET", "/session", clients[u])
        self.assertEqual(self.call("GET", "/online")["active_today"], 2)
        self.assertEqual(self.redis.bitcount(demo.active_key(day1)), 2)
        got = self.call("GET", "/users/user0/active")
        self.assertEqual(got["user"], "user0")
        week = [demo.day_name(base + (1 - i) * demo.DAY_SECONDS) for i in range(demo.WEEK_DAYS)]
        self.assertEqual(got["days"], [{"day": d, "active": d in (day0, day1)} for d in week])
        got = self.call("GET", "/users/user1/active")["days"]
        self.assertEqual([d["day"] for d in got if d["active"]], [day0])
        self.assertEqual(self.call("GET", "/users/nobody/active", status=404), {})
        days = self.call("GET", "/online/days")
        self.assertEqual([(d["day"], d["active"]) for d in days[:3]], [(day1, 2), (day0, 10), (demo.day_name(base - demo.DAY_SECONDS), 0)])

    def test_unique_visitors(self):
        base = 40_000 * demo.DAY_SECONDS  # day 40000 (2079): nobody else's
        set_clock = self.set_clock(base)
        # Day d (0 to 6) has visitors 40d to 40d+59: 60 a day, 20 shared
        # with the next day, 300 in the week; each visits twice.
        for d in range(7):
            set_clock(base + d * demo.DAY_SECONDS + 600)
            for v in range(40 * d, 40 * d + 60):
                client = self.visitor(f"visitor-{v}")
                client.get("/articles/top")
                client.get("/")
        day6 = demo.day_name(base + 6 * demo.DAY_SECONDS)
        ttl = self.redis.ttl(demo.visitors_key(day6))
        self.assertTrue(0 < ttl <= demo.DAY_TTL, f"TTL {ttl} of {day6}'s visitors")
        self.assertEqual(self.redis.type(demo.visitors_key(day6)), b"string")
        self.assertEqual(self.redis.getrange(demo.visitors_key(day6), 0, 3), b"HYLL")

        # Day 6, and one more visitor: the one who asks.
        observer = self.visitor("observer")
        got = self.call("GET", "/online", observer)
        # HyperLogLog counts are estimates, within 0.81% typically.
        self.assertAlmostEqual(got["visitors_today"], 61, delta=2)
        self.assertAlmostEqual(got["visitors_week"], 301, delta=301 * 0.03)
        days = self.call("GET", "/online/days", observer)
        self.assertEqual([d["day"] for d in days], [demo.day_name(base + (6 - i) * demo.DAY_SECONDS) for i in range(7)])
        for d in days:
            self.assertAlmostEqual(d["visitors"], 61 if d["day"] == day6 else 60, delta=2, msg=d)

        # A day later day 0 is out of the week: visitors 40 to 299, and
        # the observer, who is today's only visitor so far.
        set_clock(base + 7 * demo.DAY_SECONDS + 600)
        got = self.call("GET", "/online", observer)
        self.assertEqual(got["visitors_today"], 1)
        self.assertAlmostEqual(got["visitors_week"], 261, delta=261 * 0.03)

        # A browser without the cookie gets one, and counts once.
        client = self.app.test_client()
        resp = client.get("/articles/top")
        self.assertIn(f"{demo.VISITOR_COOKIE}=", resp.headers.get("Set-Cookie", ""))
        client.get("/articles/top")
        self.assertEqual(self.call("GET", "/online", observer)["visitors_today"], 2)

    def test_online_users(self):
        minute = 1_000_000  # far from the real clock: other tests' logins go elsewhere
        now = [minute * 60.0]
        saved = self.app.config["CLOCK"]
        self.app.config["CLOCK"] = lambda: now[0]
        self.addCleanup(self.app.config.__setitem__, "CLOCK", saved)

        def login_at(m, user):
            now[0] = m * 60.0 + 30
            client = self.app.test_client()
            self.call("POST", "/login", client, data={"user": user})
            return client

        login_at(minute - 5, "old")  # outside the five minutes
        login_at(minute - 4, "mid")
        carol = login_at(minute - 2, "carol")
        login_at(minute, "dave")
        now[0] = minute * 60.0 + 59
        self.call("GET", "/session", carol)  # carol again, this minute
        self.assertEqual(self.online(), {"users": ["carol", "dave", "mid"], "count": 3, "this_minute": 2})
        self.assertEqual(self.redis.smembers(demo.online_key(minute)), {b"carol", b"dave"})
        for m in (minute - 5, minute - 4, minute - 2, minute):
            ttl = self.redis.ttl(demo.online_key(m))
            self.assertTrue(0 < ttl <= demo.ONLINE_TTL, f"TTL {ttl} of minute {m}")

        # A minute later "mid" has dropped out, and nobody is on yet.
        now[0] = (minute + 1) * 60.0
        self.assertEqual(self.online(), {"users": ["carol", "dave"], "count": 2, "this_minute": 0})
        self.call("GET", "/session", carol)
        self.assertEqual(self.call("GET", "/online")["this_minute"], 1)

    # --- Live notifications ----------------------------------------------

    def numsub(self, channel):
        return dict(self.redis.pubsub_numsub(channel))[channel.encode()]

    def open_stream(self, path):
        stream = EventStream(self.live, path)
        self.addCleanup(stream.close)
        self.assertEqual(stream.status, 200)
        self.assertEqual(stream.content_type, "text/event-stream; charset=utf-8")
        self.assertEqual(stream.cache_control, "no-cache")
        return stream

    def read_events(self, stream, n):
        deadline = time.monotonic() + WAIT_TIMEOUT
        events = []
        for _ in range(n):
            event = stream.next_event(deadline)
            self.assertIsNotNone(event, f"the stream ended after {len(events)} of {n} events")
            events.append(event)
        return events

    def test_publish_needs_text(self):
        self.assertEqual(self.call("POST", "/events/news", status=400), {"error": "text is required"})

    def test_live_events(self):
        channel = demo.events_channel("news")
        # Nobody listens yet: PUBLISH reaches no one, and nothing keeps it.
        status, reply = self.live.post("/events/news", text="too early")
        self.assertEqual((status, reply["receivers"]), (200, 0))

        news = self.open_stream("/events/news")
        everything = self.open_stream("/events")
        self.assertEqual(self.numsub(channel), 1)
        self.assertEqual(self.redis.pubsub_numpat(), 1)

        # Through the route, over HTTP: each event reaches both streams.
        texts = [f"story {i}" for i in range(20)]
        ids = []
        for text in texts:
            status, reply = self.live.post("/events/news", text=text)
            self.assertEqual((status, reply["receivers"]), (200, 2), reply)
            ids.append(reply["id"])
        # Another topic: only the stream of every topic gets it.
        status, reply = self.live.post("/events/sports", text="goal")
        self.assertEqual(reply["receivers"], 1)
        ids.append(reply["id"])
        # A logged-in user's event says who sent it.
        client = self.app.test_client()
        self.call("POST", "/login", client, data={"user": "erin"})
        ids.append(self.call("POST", "/events/news", client, data={"text": "hello"})["id"])
        # A message PUBLISHed by another program, on two lines, no JSON.
        self.assertEqual(self.redis.publish(channel, "line one\nline two"), 2)

        got = self.read_events(news, len(texts) + 2)
        self.assertEqual([e["id"] for e in got[:-1]], ids[:20] + ids[21:])
        events = [json.loads(e["data"]) for e in got[:-1]]
        self.assertEqual([e["text"] for e in events], texts + ["hello"])
        self.assertEqual({e["topic"] for e in events}, {"news"})
        self.assertNotIn("from", events[0])
        self.assertEqual(events[-1]["from"], "erin")
        self.assertEqual(got[-1], {"id": None, "data": "line one\nline two"})
        self.assertEqual(news.retry, demo.SSE_RETRY_MS)
        self.assertIn("subscribed", news.comments)

        got = self.read_events(everything, len(texts) + 3)
        self.assertEqual([e["id"] for e in got[:-1]], ids)
        self.assertEqual([json.loads(e["data"])["text"] for e in got[:-1]], texts + ["goal", "hello"])
        self.assertEqual(got[-1]["data"], "line one\nline two")

        # The browser goes away: the next keep-alive fails to be written,
        # and the stream drops its subscription.
        news.close()
        everything.close()
        self.wait_until("the streams to unsubscribe", lambda: self.numsub(channel) == 0)
        self.wait_until("the pattern stream to unsubscribe", lambda: self.redis.pubsub_numpat() == 0)
        self.assertEqual(self.live.post("/events/news", text="too late")[1]["receivers"], 0)

    def test_live_events_stream_ends_with_its_connection(self):
        stream = self.open_stream("/events/alerts")
        self.assertEqual(self.numsub(demo.events_channel("alerts")), 1)
        # The server drops the subscriber's connection: the stream ends
        # cleanly (the browser would reconnect), rather than hang.
        # Streams a failed test left open drop out at their next keep-alive.
        self.wait_until("one subscriber", lambda: len(self.redis.client_list(_type="pubsub")) == 1)
        self.assertEqual(self.redis.execute_command("CLIENT", "KILL", "TYPE", "pubsub"), 1)
        self.assertIsNone(stream.next_event(time.monotonic() + WAIT_TIMEOUT))


if __name__ == "__main__":
    unittest.main(verbosity=2)
