"""With REDIS_URL unset the app starts its own Redis on a unix socket; jobs run through it."""
import os

import redis

from app import create_app
from app.redis_store import get_redis, stop_embedded_server
from config import TestingConfig


def test_without_redis_url_the_app_owns_a_private_redis_on_a_unix_socket(tmp_path):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'x.sqlite3'}"
        REDIS_URL = None
        INSTANCE_PATH = str(tmp_path / "instance")
        REDIS_SOCKET_PATH = str(tmp_path / "instance" / "redis.sock")

    app = create_app(Config)
    assert app.config["RATELIMIT_STORAGE_URI"] == f"redis+unix://{Config.REDIS_SOCKET_PATH}"
    try:
        with app.app_context():
            client = get_redis(app)
            assert client.ping()
            assert os.path.exists(Config.REDIS_SOCKET_PATH)
            from app.jobs import get_queue

            job = get_queue().enqueue("builtins.len", "마당")
            from rq import SimpleWorker

            SimpleWorker([get_queue()], connection=client).work(burst=True)
            job.refresh()
            assert job.return_value() == 2
        # A second app (another process in real life) finds the same server instead of starting one.
        other = redis.Redis(unix_socket_path=Config.REDIS_SOCKET_PATH)
        assert other.ping()
    finally:
        stop_embedded_server(Config.REDIS_SOCKET_PATH)
    assert not os.path.exists(Config.REDIS_SOCKET_PATH)


def test_with_redis_url_set_the_app_uses_that_server(app, redis_server):
    assert get_redis(app).connection_pool.connection_kwargs["port"] == redis_server.port
    assert app.config["RATELIMIT_STORAGE_URI"] == redis_server.url
