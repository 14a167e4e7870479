"""Browser fixtures: the portal served by a real HTTP server on seeded SQLite, and Debian's Chromium."""
import threading
from datetime import UTC

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


class Live(str):
    """The server's base URL (a str, so `live_server + "/path"` works) that also carries the app."""

    app = None


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
    live = Live(f"http://127.0.0.1:{port}")
    live.app = app
    yield live
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


@pytest.fixture(scope="session")
def people(live_server):
    """Accounts on the live server: make_person(email, role=..., verified=True, division=...) -> email."""
    from datetime import datetime

    from app.models import Dong, StaffMembership, User

    app = live_server.app

    def make_person(email, *, role="resident", verified=True, division_name=None, locale="ko", name="주민"):
        with app.app_context():
            user = db.session.query(User).filter_by(email=email).first()
            if user is None:
                user = User(email=email, display_name=name, locale=locale, role=role, privacy_consent_version="t",
                            privacy_consent_at=datetime.now(UTC))
                user.set_password("sunflower 2026")
                db.session.add(user)
            if verified:
                user.is_verified_resident = True
                user.dong = db.session.query(Dong).filter_by(code="1162052500").one()
                user.verified_at = datetime.now(UTC)
            if division_name:
                from app.models import Division

                division = db.session.query(Division).filter_by(name_ko=division_name).one()
                db.session.add(StaffMembership(user=user, division=division))
            db.session.commit()
            db.session.remove()
        return email

    return make_person


def sign_in(browser, live_server, email, locale):
    context = browser.new_context(locale="ko-KR" if locale == "ko" else "en-US")
    page = context.new_page()
    page.goto(live_server + f"/lang/{locale}?next=/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill("sunflower 2026")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(live_server + f"/lang/{locale}?next=/")  # the account's saved language follows the switch
    return context, page
