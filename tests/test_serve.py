"""`flask serve` (what `make run` starts): web, worker and embedded Redis; Ctrl-C stops them all."""
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

from tests.support import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_serve_starts_web_worker_and_redis_and_ctrl_c_stops_everything(tmp_path):
    instance = tmp_path / "instance"
    env = dict(os.environ, MADANG_ENV="development", MADANG_INSTANCE_PATH=str(instance), FLASK_APP="wsgi",
               DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}")
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    port = free_port()
    serve = subprocess.Popen([sys.executable, "-m", "flask", "serve", "--port", str(port)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        body = None
        for _ in range(120):
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read().decode()  # noqa: S310
                break
            except OSError:
                time.sleep(0.25)
        assert body and "<html lang=\"ko\">" in body
        assert (instance / "redis.sock").exists()
        family = psutil.Process(serve.pid).children(recursive=True)
        assert len(family) >= 3  # web, worker, redis-server
        serve.send_signal(signal.SIGINT)
        serve.wait(30)
        gone, alive = psutil.wait_procs(family, timeout=15)
        assert alive == []
        assert not (instance / "redis.sock").exists()
    finally:
        if serve.poll() is None:
            serve.kill()


def test_serve_refuses_a_busy_port_with_a_clear_message(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = dict(os.environ, MADANG_ENV="development", MADANG_INSTANCE_PATH=str(tmp_path), FLASK_APP="wsgi",
                   DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
        result = subprocess.run([sys.executable, "-m", "flask", "serve", "--port", str(port)], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert f"port {port} on 127.0.0.1 is already in use; try: make run PORT={port + 1}" in result.stderr
