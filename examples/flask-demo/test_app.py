"""End-to-end test of the Flask demo against a real server process.

It builds ember-server (or uses the binary named by EMBER_SERVER_BIN),
starts it on a free loopback port with --requirepass 123456, points the app
at it, and drives the app through Flask's test client.

Run it with Debian's python3, which has Flask and redis-py:

    /usr/bin/python3 examples/flask-demo/test_app.py

EMBER_SERVER_BIN=/usr/bin/redis-server runs the same test against the real
Redis, to check the test itself.
"""

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

import redis

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

    @classmethod
    def tearDownClass(cls):
        cls.handler.release.set()
        demo.stop_workers(cls.app)
        errors = [f"{name}: {w.error!r}" for name, w in cls.workers.items() if w.error or w.is_alive()]
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
        self.assertEqual(
            self.call("GET", "/online"),
            {"users": ["carol", "dave", "mid"], "count": 3, "this_minute": 2},
        )
        self.assertEqual(self.redis.smembers(demo.online_key(minute)), {b"carol", b"dave"})
        for m in (minute - 5, minute - 4, minute - 2, minute):
            ttl = self.redis.ttl(demo.online_key(m))
            self.assertTrue(0 < ttl <= demo.ONLINE_TTL, f"TTL {ttl} of minute {m}")

        # A minute later "mid" has dropped out, and nobody is on yet.
        now[0] = (minute + 1) * 60.0
        self.assertEqual(
            self.call("GET", "/online"),
            {"users": ["carol", "dave"], "count": 2, "this_minute": 0},
        )
        self.call("GET", "/session", carol)
        self.assertEqual(self.call("GET", "/online")["this_minute"], 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
