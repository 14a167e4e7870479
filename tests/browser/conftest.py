"""Browser fixtures: the portal served by a real HTTP server on seeded SQLite, and Debian's Chromium."""
import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from config import TestingConfig
from tests.support import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, redis_server):
    """The whole app with the real seed data, served over HTTP from a thread."""
    from flask_migrate import upgrade

    from app.seed import run_seed

    tmp = tmp_path_factory.mktemp("live")

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp / 'live.sqlite3'}"
        REDIS_URL = redis_server.url
        INSTANCE_PATH = str(tmp / "instance")
        RATELIMIT_ENABLED = False  # the journeys sign in many times from one address

    app = create_app(Config)
    with app.app_context():
        upgrade()
        run_seed()
        db.session.remove()
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()
