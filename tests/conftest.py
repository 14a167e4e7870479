"""Fixtures: the app on each database, a real Redis, a client, factories and login_as."""
import os
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app, fast_support
from app.extensions import db as _db
from config import TestingConfig
from tests.support import RedisServer, SmsProvider, SmtpSink, csrf_from, self_signed_certificate

DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(scope="session")
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


def _config(url, redis_url, instance):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        REDIS_URL = redis_url
        INSTANCE_PATH = str(instance)
        MAIL_LOG_DIR = str(instance / "mail")
        SITE_URL = "http://localhost"

    return Config


def _database_url(kind, tmp_path_factory):
    if kind == "sqlite":
        return "sqlite:///" + str(tmp_path_factory.mktemp("sqlite") / "test.sqlite3")
    return os.environ["TEST_DATABASE_URL"]


@pytest.fixture(scope="session", params=DATABASES)
def database(request, tmp_path_factory, redis_server):
    """One migrated database per kind, shared by the session; tests clean up after themselves."""
    from flask_migrate import downgrade, upgrade

    url = _database_url(request.param, tmp_path_factory)
    app = create_app(_config(url, redis_server.url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        _db.session.remove()
        if request.param == "postgresql":
            downgrade(revision="base")
        upgrade()
    yield {"kind": request.param, "url": url}
    with app.app_context():
        _db.session.remove()
        downgrade(revision="base")
        _db.engine.dispose()


def _wipe():
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    if _db.engine.dialect.name == "postgresql":
        _db.session.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            _db.session.execute(text(f"DELETE FROM {name}"))  # noqa: S608 -- names from our metadata
    _db.session.commit()


@pytest.fixture
def app(database, redis_server, tmp_path):
    app = create_app(_config(database["url"], redis_server.url, tmp_path / "instance"))
    import redis

    redis.Redis.from_url(redis_server.url).flushdb()
    with app.app_context():
        from app.seed import seed_categories, seed_divisions, seed_dongs

        seed_dongs()
        seed_divisions()
        seed_categories()
        _db.session.commit()
        yield app
        _db.session.remove()
        fast_support.dispose(app)
        _wipe()
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def smtp(app):
    """A real SMTP server; the app sends its mail there for this test."""
    sink = SmtpSink().start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def sms_certificate(tmp_path_factory):
    """(cert.pem, key.pem): a self-signed certificate for 127.0.0.1, made once per run."""
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def sms(app, sms_certificate):
    """A real HTTPS server as the SMS provider; the app's http backend posts to it, trusting the
    provider's self-signed certificate through SMS_CA_BUNDLE and nothing else."""
    provider = SmsProvider(tls=sms_certificate).start()
    app.config.update(SMS_BACKEND="http", SMS_API_URL=provider.url, SMS_API_KEY="test-key", SMS_SENDER="02-879-5114",
                      SMS_CA_BUNDLE=str(sms_certificate[0]))
    yield provider
    provider.stop()


@pytest.fixture
def run_jobs(app):
    """Run every queued job now, in this app context, as the worker would (burst mode)."""
    from rq import SimpleWorker

    from app.jobs import get_queue

    def run_jobs():
        queue = get_queue()
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        return queue

    return run_jobs


@pytest.fixture
def db(app):
    return _db


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, as in production, so `g` (the locale, the
    signed-in user) and the database session never leak from the test or between requests."""

    def open(self, *args, **kwargs):
        _db.session.commit()  # the test's own transaction must not hold SQLite's write lock
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # End the test's own read transaction, so that it sees what the request committed
        # (SQLite transactions read a snapshot).
        _db.session.commit()
        return response


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


class FormClient:
    """Posts forms the way a browser does: GET the page for its CSRF token first."""

    def __init__(self, client):
        self.client = client

    def submit(self, page_url, data, action=None, **kwargs):
        page = self.client.get(page_url, **kwargs)
        token = csrf_from(page.get_data(as_text=True))
        return self.client.post(action or page_url, data={"csrf_token": token, **data}, **kwargs)


@pytest.fixture
def forms(client):
    return FormClient(client)


PASSWORD = "correct horse 42"


@pytest.fixture
def make_user(db):
    counter = {"n": 0}

    def make_user(email=None, *, role="resident", locale="ko", verified_dong=None, display_name="김민수"):
        from app.models import Dong, User

        counter["n"] += 1
        user = User(
            email=email or f"user{counter['n']}@example.com", display_name=display_name,
            locale=locale, role=role, privacy_consent_version="test",
            privacy_consent_at=datetime.now(UTC),
        )
        user.set_password(PASSWORD)
        if verified_dong:
            user.is_verified_resident = True
            user.dong = db.session.query(Dong).filter_by(code=verified_dong).one()
            user.verified_at = datetime.now(UTC)
        db.session.add(user)
        db.session.commit()
        return user

    return make_user


@pytest.fixture
def login_as(forms):
    def login_as(user, password=PASSWORD):
        response = forms.submit("/auth/login", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return login_as


@pytest.fixture
def make_proposal(db):
    def make_proposal(title="보라매공원에 그늘막을 설치해 주세요", body="여름에 **그늘**이 필요합니다.", **fields):
        from app.models import Proposal

        proposal = Proposal(title=title, body=body, **fields)
        db.session.add(proposal)
        db.session.commit()
        return proposal

    return make_proposal


# Shared by the proposal tests (a module may define its own `residents` instead).
@pytest.fixture
def residents(make_user):
    """Verified residents of 보라매동, made on demand."""
    made = []

    def residents(n, locale="ko"):
        new = [make_user(f"r{len(made) + i}@example.com", verified_dong="1162052500", locale=locale)
               for i in range(n)]
        made.extend(new)
        return new

    return residents


@pytest.fixture
def welfare(db):
    from sqlalchemy import select

    from app.models import Category

    return db.session.execute(select(Category).filter_by(slug="health-welfare")).scalar_one()


@pytest.fixture
def proposal(db, residents, welfare):
    """An open proposal of the welfare category (복지정책과), by a verified resident of 보라매동."""
    from app.services import proposals as service

    created = service.create_proposal(residents(1)[0], title="어르신 무료 급식소 확대",
                                      body="관악구 어르신 급식소를 늘려 주세요. " * 3, category=welfare)
    db.session.commit()
    return created
