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

    @classmethod
    def tearDownClass(cls):
        cls.redis.close()
        code = cls.server.stop()
        cls.tmp.cleanup()
        if code != 0:
            raise AssertionError(f"server exit code after SIGTERM: {code}")

    def get_json(self, path):
        resp = self.client.get(path)
        self.assertEqual(resp.status_code, 200, resp.data)
        return json.loads(resp.data)

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


if __name__ == "__main__":
    unittest.main(verbosity=2)
