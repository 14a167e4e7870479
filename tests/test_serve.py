"""`flask serve` (what `make run` starts): web, worker and embedded Redis; an alert for a new opinion is
in the development mail folder within a second; Ctrl-C stops them all."""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from email import policy
from email.parser import BytesParser
from pathlib import Path

import psutil

from tests.support import csrf_from, free_port

ROOT = Path(__file__).resolve().parent.parent


def _browser():
    """A urllib opener that keeps cookies, like a browser session."""
    import http.cookiejar

    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _post(browser, url, fields):
    from urllib.parse import urlencode

    return browser.open(url, data=urlencode(fields).encode(), timeout=30)


def _wait_for_file(folder, pattern, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted(folder.glob(pattern)) if folder.exists() else []
        if found:
            return found[0]
        time.sleep(0.05)
    return None


class MailWatcher(threading.Thread):
    """Notes the moment a matching .eml appears in the mail folder (polled every 2 ms)."""

    def __init__(self, folder, pattern, timeout):
        super().__init__(daemon=True)
        self.folder, self.pattern, self.timeout = folder, pattern, timeout
        self.found_at, self.path = None, None

    def run(self):
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            found = list(self.folder.glob(self.pattern)) if self.folder.exists() else []
            if found:
                self.found_at, self.path = time.monotonic(), found[0]
                return
            time.sleep(0.002)


def test_serve_starts_web_worker_and_redis_delivers_an_alert_within_a_second_and_ctrl_c_stops_everything(
    tmp_path, capsys
):
    instance = tmp_path / "instance"
    database = tmp_path / "serve.sqlite3"
    env = dict(os.environ, MADANG_ENV="development", MADANG_INSTANCE_PATH=str(instance), FLASK_APP="wsgi",
               DATABASE_URL=f"sqlite:///{database}")
    for name in ("REDIS_URL", "MAIL_SERVER", "SMS_BACKEND"):  # embedded Redis; mail to the log and files
        env.pop(name, None)
    flask = [sys.executable, "-m", "flask"]
    for step in (["db", "upgrade"], ["seed"]):  # what `make run` does before `flask serve`
        subprocess.run(flask + step, cwd=ROOT, env=env, check=True, capture_output=True)
    division_email = "welfare@gwanak.example"
    with sqlite3.connect(database) as conn:  # the admin's /admin/divisions, done directly
        conn.execute("UPDATE divisions SET alert_email = ? WHERE id = "
                     "(SELECT default_division_id FROM categories WHERE slug = 'health-welfare')", (division_email,))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = subprocess.Popen(flask + ["serve", "--port", str(port)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        body = None
        for _ in range(120):
            try:
                body = urllib.request.urlopen(f"{base}/", timeout=2).read().decode()  # noqa: S310
                break
            except OSError:
                time.sleep(0.25)
        assert body and "<html lang=\"ko\">" in body
        assert (instance / "redis.sock").exists()
        family = psutil.Process(serve.pid).children(recursive=True)
        assert len(family) >= 3  # web, worker, redis-server

        # A resident registers; the welcome email shows that the worker is up and delivering.
        browser = _browser()
        page = browser.open(f"{base}/auth/register", timeout=30).read().decode()
        _post(browser, f"{base}/auth/register", {
            "csrf_token": csrf_from(page), "email": "resident@example.com", "password": "sunflower 2026",
            "password2": "sunflower 2026", "display_name": "새 주민", "locale": "ko", "consent": "y"})
        mail = instance / "mail"
        assert _wait_for_file(mail, "*-resident@example.com.eml", timeout=60), "no welcome email from the worker"
        subprocess.run(flask + ["users", "verify", "resident@example.com", "--dong", "1162052500"], cwd=ROOT,
                       env=env, check=True, capture_output=True)

        # The resident proposes (form, preview, register); the division's alert is a file in mail/.
        page = browser.open(f"{base}/proposals/new", timeout=30).read().decode()
        fields = {"csrf_token": csrf_from(page), "title": "보라매공원 야간 조명 개선",
                  "body": "보라매공원 산책로가 밤에 너무 어둡습니다. 조명을 늘려 주세요.",
                  "category": "health-welfare", "dong": "1162052500",
                  "submission_key": re.search(r'name="submission_key" type="hidden" value="([^"]+)"', page).group(1)}
        preview = _post(browser, f"{base}/proposals/new", {**fields, "action": "preview"}).read().decode()
        assert "제안 등록" in preview
        watcher = MailWatcher(mail, f"*-{division_email}.eml", timeout=30)
        watcher.start()
        started = time.monotonic()
        done = _post(browser, f"{base}/proposals/new", {**fields, "action": "submit"})
        answered = time.monotonic()
        assert re.search(r"/proposals/\d+$", done.geturl()) and "제안이 등록되었습니다." in done.read().decode()
        watcher.join()
        assert watcher.found_at is not None, "the division's alert never reached the mail folder"
        latency, after_answer = watcher.found_at - started, watcher.found_at - answered
        with capsys.disabled():
            print(f"\nalert .eml in mail/ {latency * 1000:.0f} ms after the submit was sent "
                  f"({after_answer * 1000:.0f} ms after its answer arrived; the request took "
                  f"{(answered - started) * 1000:.0f} ms)")
        assert latency < 1.0, f"the alert took {latency:.3f} s"
        for _ in range(50):  # the file is written in one call; read it once it is whole
            message = BytesParser(policy=policy.default).parsebytes(watcher.path.read_bytes())
            if message.get_body(("plain",)) is not None:
                break
            time.sleep(0.01)
        assert message["To"] == division_email
        assert message["Subject"] == "[새 의견] 보라매공원 야간 조명 개선"

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
