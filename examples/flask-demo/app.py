"""A small Flask app that keeps its data in Ember (or any Redis).

It talks to the server through redis-py directly, the way the flask-redis
extension does underneath. REDIS_URL says where the server is.
"""

import os
import time

import redis
from flask import Flask, jsonify

DEFAULT_URL = "redis://:123456@localhost:6379/0"
EXPIRE_SECONDS = 60


def create_app(url=None):
    app = Flask(__name__)
    db = redis.Redis.from_url(url or os.environ.get("REDIS_URL", DEFAULT_URL))
    app.config["REDIS"] = db

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
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")))
