"""The app's only Redis goes down (queue, page cache, rate limits): residents can still propose.

Unlike test_notifications' outage test, which takes away the queue's Redis only, here a second
app is built whose every Redis client points at one private redis-server, and that server is
stopped while a verified resident goes through the real new-proposal form (preview, then submit).
"""
import re
from datetime import timedelta

import pytest
import redis
from rq import SimpleWorker
from sqlalchemy import select

from app import create_app, fast_support
from app.extensions import db as _db
from app.extensions import limiter
from app.jobs import get_queue
from app.models import Category, Notification, Proposal
from app.models.base import utcnow
from app.notifications.jobs import sweep
from config import TestingConfig
from tests.conftest import PASSWORD, IsolatedClient
from tests.support import RedisServer, csrf_from

TITLE = "낙성대공원 야간 산책로 조명 설치 요청"
BODY = "밤에 산책로가 너무 어둡습니다. 조명을 설치해 주세요. 주차장 야간 개방도 요청합니다 🚗 (B동 앞)"


@pytest.fixture
def lone_redis():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def outage_app(app, lone_redis, smtp, sms, tmp_path):
    """The app again, with one private Redis for everything; pushed over the test's app."""

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        REDIS_URL = lone_redis.url  # RQ, the page cache and Flask-Limiter's storage
        INSTANCE_PATH = str(tmp_path / "outage-instance")
        MAIL_LOG_DIR = str(tmp_path / "outage-instance" / "mail")
        SITE_URL = "http://localhost"
        MAIL_SERVER, MAIL_PORT = "127.0.0.1", smtp.port
        SMS_BACKEND, SMS_API_URL, SMS_API_KEY, SMS_SENDER, SMS_CA_BUNDLE = (
            app.config[k] for k in ("SMS_BACKEND", "SMS_API_URL", "SMS_API_KEY", "SMS_SENDER", "SMS_CA_BUNDLE"))
        QUIET_HOURS = (0, 0)  # no quiet hours: the SMS must go out whatever the time of day

    other = create_app(Config)
    assert other.config["RATELIMIT_STORAGE_URI"] == lone_redis.url
    other.test_client_class = IsolatedClient
    with other.app_context():
        yield other
        _db.session.remove()
        fast_support.dispose(other)
        _db.engine.dispose()
    # Flask-Limiter keeps one "storage is down" flag per Limiter, and the Limiter is shared by
    # every app this test run builds: forget the outage so later tests start from Redis again.
    limiter._storage_dead = False
    if getattr(limiter, "_fallback_storage", None) is not None:
        limiter._fallback_storage.reset()


def _form_fields(html, action):
    """The named inputs of the page's form posting to `action`, as a browser would send them."""
    from html.parser import HTMLParser

    class Form(HTMLParser):
        def __init__(self):
            super().__init__()
            self.inside, self.fields = False, {}

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form":
                self.inside = attrs.get("action") == action
            elif tag == "input" and self.inside and attrs.get("name"):
                self.fields[attrs["name"]] = attrs.get("value") or ""

        def handle_endtag(self, tag):
            if tag == "form":
                self.inside = False

    parser = Form()
    parser.feed(html)
    return parser.fields


def test_a_proposal_submitted_while_redis_is_down_is_saved_and_its_alerts_go_out_once_after(
    outage_app, lone_redis, make_user, smtp, sms
):
    category = _db.session.execute(select(Category).filter_by(slug="health-welfare")).scalar_one()
    division = category.default_division
    division.alert_email, division.alert_phones = "welfare@gwanak.example", "010-5555-6666"
    resident = make_user("resident@example.com", verified_dong="1162052500")
    _db.session.commit()
    division_id, email = division.id, resident.email
    client = outage_app.test_client()

    lone_redis.stop()  # no queue, no page cache, no rate-limit storage
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(lone_redis.url).ping()

    page = client.get("/auth/login")
    assert page.status_code == 200
    signed_in = client.post("/auth/login", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                 "email": email, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:300]

    form = client.get("/proposals/new")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html).group(1)
    preview = client.post("/proposals/new", data={
        "csrf_token": csrf_from(html), "submission_key": key, "title": TITLE, "body": BODY,
        "category": "health-welfare", "dong": "1162052500", "action": "preview"})
    assert preview.status_code == 200, preview.get_data(as_text=True)[:300]
    preview_html = preview.get_data(as_text=True)
    assert "제안 등록" in preview_html  # the preview's "Register the proposal" button
    assert _db.session.execute(select(Proposal).filter_by(title=TITLE)).first() is None  # not yet

    fields = _form_fields(preview_html, "/proposals/new")
    assert {"csrf_token", "submission_key", "title", "body", "category", "dong"} <= set(fields)
    assert (fields["title"], fields["body"], fields["submission_key"]) == (TITLE, BODY, key)
    submitted = client.post("/proposals/new", data={**fields, "action": "submit"})  # "Register the proposal"
    assert submitted.status_code == 302, submitted.get_data(as_text=True)[:300]
    proposal = _db.session.execute(select(Proposal).filter_by(title=TITLE)).scalar_one()
    assert submitted.headers["Location"].endswith(f"/proposals/{proposal.id}")
    assert proposal.body == BODY and proposal.division_id == division_id
    shown = client.get(submitted.headers["Location"])
    assert shown.status_code == 200
    assert "제안이 등록되었습니다." in shown.get_data(as_text=True)  # the flash message
    assert client.get("/proposals/").status_code == 200  # the list, without its cache
    visitor = outage_app.test_client()  # no cookie: the page cache's middleware answers first
    assert visitor.get("/").status_code == 200 and visitor.get(f"/proposals/{proposal.id}").status_code == 200

    rows = _db.session.execute(select(Notification).filter_by(object_id=proposal.id, event="opinion.new")).scalars()
    assert sorted((r.channel, r.address, r.status) for r in rows) == [
        ("email", "welfare@gwanak.example", "pending"), ("sms", "010-5555-6666", "pending")]

    lone_redis.start()  # same port, empty: Redis is back
    later = utcnow() + timedelta(seconds=outage_app.config["NOTIFY_GRACE_SECONDS"] + 1)
    assert len(sweep(now=later)) == 2
    queue = get_queue()
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert [m["To"] for m in smtp.messages] == ["welfare@gwanak.example"]
    assert smtp.messages[0]["Subject"] == f"[새 의견] {TITLE}"
    assert [r["json"]["to"] for r in sms.received] == ["010-5555-6666"]
    assert sweep(now=later) == []  # nothing left over, and nothing sent twice
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert len(smtp.messages) == 1 and len(sms.received) == 1
    assert {r.status for r in _db.session.execute(select(Notification)).scalars()} == {"sent"}


def test_participation_limits_still_hold_while_redis_is_down(outage_app, lone_redis, make_user):
    """Failing open must not mean no limit: each process counts in memory until Redis is back."""
    outage_app.config["RATELIMIT_PARTICIPATION"] = "3 per minute"
    resident = make_user("resident@example.com", verified_dong="1162052500")
    client = outage_app.test_client()
    lone_redis.stop()
    page = client.get("/auth/login")
    client.post("/auth/login", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                     "email": resident.email, "password": PASSWORD})
    html = client.get("/proposals/new").get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), "title": TITLE, "body": BODY, "category": "health-welfare",
            "dong": "", "action": "preview",
            "submission_key": re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html).group(1)}
    answers = [client.post("/proposals/new", data=data).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_scripted_sympathies_while_redis_is_down_are_recorded_exactly_and_still_limited(
    outage_app, lone_redis, make_user
):
    """The fast path needs Redis for nothing it cannot do without: the limit falls back to memory
    (through Flask the first time), the cache bump and the settle wait; each count is exact."""
    from app.services import proposals as service

    outage_app.config["RATELIMIT_PARTICIPATION"] = "3 per minute"
    category = _db.session.execute(select(Category).filter_by(slug="health-welfare")).scalar_one()
    author = make_user("author@example.com", verified_dong="1162052500")
    resident = make_user("resident@example.com", verified_dong="1162052500")
    ids = [service.create_proposal(author, title=f"{TITLE} {n}", body=BODY, category=category).id for n in range(4)]
    _db.session.commit()
    client = outage_app.test_client()
    page = client.get("/auth/login")
    client.post("/auth/login", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                     "email": resident.email, "password": PASSWORD})
    token = csrf_from(client.get("/privacy").get_data(as_text=True))
    lone_redis.stop()
    answers = [client.post(f"/proposals/{i}/support", data={"csrf_token": token, "action": "support"},
                           headers={"Accept": "application/json"}) for i in ids]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.get_json()["count"] for a in answers[:3]] == [1, 1, 1]
    assert answers[1].headers.get("X-Fast-Path") == "support"  # the first went through Flask (Redis found down)
    _db.session.rollback()
    counts = [_db.session.get(Proposal, i, populate_existing=True).support_count for i in ids]
    assert counts == [1, 1, 1, 0]
