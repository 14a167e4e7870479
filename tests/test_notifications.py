"""The outbox: rows with the opinion, enqueued after commit, delivered once, never lost."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.models import Division, Notification, StaffMembership
from app.notifications import Recipient, alert_division, notify
from app.notifications.channels.sms import truncate_bytes
from app.notifications.jobs import deliver, sweep

SEOUL = ZoneInfo("Asia/Seoul")
NOON = datetime(2026, 12, 3, 12, 0, tzinfo=SEOUL)  # outside quiet hours


@pytest.fixture
def division(db, make_user):
    """자치행정과 with an alert address and one staff member who opted in to SMS only."""
    division = db.session.execute(select(Division).filter_by(name_ko="자치행정과")).scalar_one()
    division.alert_email = "jachi@gwanak.example"
    staff = make_user("officer@gwanak.example", role="staff", display_name="담당자")
    staff.phone = "010-1234-5678"
    db.session.add(StaffMembership(user=staff, division=division, wants_email=False, wants_sms=True))
    db.session.commit()
    return division


def new_opinion(db, make_proposal, division, title="우리 동네 골목길 가로등 밝기 개선 및 CCTV 추가 설치 요청", now=NOON):
    """An opinion arrives: the proposal and its alert rows are committed together."""
    proposal = make_proposal(title=title, body="주차장 야간 개방을 요청합니다 🚗 (B동 앞)", division=division)
    rows = alert_division("opinion.new", proposal, division, now=now)
    db.session.commit()
    return proposal, {row.channel: row.id for row in rows}


def statuses(db):
    return sorted((n.channel, n.status) for n in db.session.execute(select(Notification)).scalars())


def test_rows_are_written_with_the_opinion_and_enqueued_only_after_commit(db, make_proposal, division, app):
    from app.jobs import get_queue

    proposal = make_proposal(division=division)
    rows = alert_division("opinion.new", proposal, division, now=NOON)
    assert {(r.channel, r.address) for r in rows} == {
        ("email", "jachi@gwanak.example"), ("sms", "010-1234-5678"), ("inapp", None)}
    assert get_queue().count == 0  # nothing before the commit
    db.session.commit()
    assert sorted(get_queue().job_ids) == sorted(f"notify-{r.id}" for r in rows if r.channel != "inapp")
    assert statuses(db) == [("email", "queued"), ("inapp", "sent"), ("sms", "queued")]


def test_a_rolled_back_transaction_enqueues_nothing(db, make_proposal, division):
    from app.jobs import get_queue

    proposal = make_proposal(division=division)
    alert_division("opinion.new", proposal, division, now=NOON)
    db.session.rollback()
    db.session.commit()  # a later, unrelated commit must not send the dropped rows
    assert get_queue().count == 0
    assert db.session.execute(select(Notification)).first() is None


def test_the_same_event_for_the_same_recipient_is_written_once(db, make_proposal, division):
    proposal, first = new_opinion(db, make_proposal, division)
    again = alert_division("opinion.new", proposal, division, now=NOON)
    db.session.commit()
    assert set(first) == {"email", "sms", "inapp"} and again == []


def test_division_gets_one_email_and_staff_one_sms(db, make_proposal, division, smtp, sms, run_jobs):
    new_opinion(db, make_proposal, division)
    run_jobs()
    assert [m["To"] for m in smtp.messages] == ["jachi@gwanak.example"]
    assert [r["json"]["to"] for r in sms.received] == ["010-1234-5678"]
    assert sms.received[0]["headers"]["Authorization"] == "Bearer test-key"
    assert statuses(db) == [("email", "sent"), ("inapp", "sent"), ("sms", "sent")]


def test_a_job_that_runs_twice_sends_once(db, make_proposal, division, smtp, sms, app):
    _, ids = new_opinion(db, make_proposal, division)
    assert deliver(ids["email"]) == "sent"
    assert deliver(ids["email"]) == "not-claimed"
    assert len(smtp.messages) == 1


def test_when_redis_is_down_the_opinion_is_kept_and_the_sweeper_sends_it_exactly_once(
    db, make_proposal, division, smtp, sms, app, run_jobs
):
    from tests.support import RedisServer

    own = RedisServer().start()
    app.config["REDIS_URL"] = own.url
    app.extensions.pop("madang_redis", None)
    own.stop()
    proposal, ids = new_opinion(db, make_proposal, division)  # commits fine without Redis
    assert proposal.id is not None
    assert statuses(db) == [("email", "pending"), ("inapp", "sent"), ("sms", "pending")]

    own.start()  # same port, empty
    assert sweep(now=NOON) == []  # within the grace period: left alone
    later = NOON + timedelta(seconds=app.config["NOTIFY_GRACE_SECONDS"] + 1)
    assert len(sweep(now=later)) == 2
    run_jobs()
    assert len(smtp.messages) == 1 and len(sms.received) == 1
    assert sweep(now=later) == []  # nothing left to do
    run_jobs()
    assert len(smtp.messages) == 1 and len(sms.received) == 1
    own.stop()


def test_smtp_refuses_then_accepts_and_the_message_is_sent_once(db, make_proposal, division, smtp, sms, run_jobs):
    smtp.refuse = 1
    _, ids = new_opinion(db, make_proposal, division)
    run_jobs()
    assert len(smtp.messages) == 1
    email = db.session.get(Notification, ids["email"])
    assert (email.status, email.attempts) == ("sent", 2)
    assert email.last_error is None


def test_after_every_retry_fails_the_row_is_failed_and_an_admin_can_resend_it(
    db, make_proposal, division, smtp, sms, run_jobs, make_user, login_as, forms, app
):
    smtp.refuse = 5  # 1 try + 4 retries
    _, ids = new_opinion(db, make_proposal, division)
    run_jobs()
    email_id = ids["email"]
    email = db.session.get(Notification, email_id)
    assert (email.status, email.attempts) == ("failed", 5)
    assert "451" in email.last_error and smtp.messages == []

    login_as(make_user("admin@example.com", role="admin", locale="en"))
    page = forms.client.get("/admin/notifications").get_data(as_text=True)
    assert "jachi@gwanak.example" in page and "failed" in page
    response = forms.submit("/admin/notifications", {}, action=f"/admin/notifications/{email_id}/resend")
    assert response.status_code == 302
    run_jobs()
    assert len(smtp.messages) == 1
    assert db.session.get(Notification, email_id).status == "sent"


def test_sms_provider_errors_are_retried(db, make_proposal, division, smtp, sms, run_jobs):
    sms.fail = 2
    new_opinion(db, make_proposal, division)
    run_jobs()
    assert len(sms.received) == 1
    row = db.session.execute(select(Notification).filter_by(channel="sms")).scalar_one()
    assert (row.status, row.attempts) == ("sent", 3)


@pytest.mark.parametrize("gone", ["deleted", "hidden"])
def test_an_object_deleted_or_hidden_before_the_job_runs_is_skipped_not_retried(
    db, make_proposal, division, smtp, sms, run_jobs, gone
):
    proposal, _ = new_opinion(db, make_proposal, division)
    if gone == "deleted":
        db.session.delete(proposal)
    else:
        proposal.status = "hidden"
    db.session.commit()
    queue = run_jobs()
    assert smtp.messages == [] and sms.received == []
    rows = db.session.execute(select(Notification).where(Notification.channel != "inapp")).scalars().all()
    assert {(r.status, r.attempts) for r in rows} == {("skipped", 1)}
    assert queue.count == 0 and queue.failed_job_registry.count == 0


def test_subject_from_and_body_survive_encoding_exactly(db, make_proposal, division, smtp, sms, run_jobs, app):
    app.config["MAIL_SENDER_NAME"] = "관악구청 주민참여"
    new_opinion(db, make_proposal, division)
    run_jobs()
    raw = smtp.raw[0]
    from email import message_from_bytes, policy
    from email.parser import BytesParser

    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed["Subject"] == "[새 의견] 우리 동네 골목길 가로등 밝기 개선 및 CCTV 추가 설치 요청"
    assert parsed["From"].addresses[0].display_name == "관악구청 주민참여"
    header_block = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    for line in header_block.splitlines():
        assert line.isascii() and len(line) <= 998, line
    plain = parsed.get_body(("plain",))
    assert plain.get_content_charset() == "utf-8"
    assert parsed.get_body(("html",)).get_content_charset() == "utf-8"
    body = "주차장 야간 개방을 요청합니다 🚗 (B동 앞)"
    assert body.encode("utf-8") in plain.get_payload(decode=True)
    assert message_from_bytes(raw, policy=policy.default)["Subject"] == parsed["Subject"]
    # The SMS provider receives the Korean text unchanged, as UTF-8 JSON.
    text = sms.received[0]["json"]["text"]
    assert "[새 의견]" not in text and "우리 동네 골목길 가로등 밝기 개선 및 CCTV 추가 설치 요청" in text
    assert "우리 동네 골목길".encode() in sms.received[0]["raw"]


def test_sms_is_cut_at_the_provider_limit_on_a_character_boundary():
    text = "가로등🚗" * 10
    cut = truncate_bytes(text, 20)
    assert cut == "가로등🚗가로"  # 9 + 4 + 3 + 3 = 19 bytes; the next 3-byte 등 would make 22
    assert len(cut.encode()) <= 20
    assert truncate_bytes("짧은 문자", 2000) == "짧은 문자"


def test_long_sms_bodies_are_cut_before_they_reach_the_provider(db, make_proposal, division, smtp, sms, run_jobs, app):
    app.config["SMS_MAX_BYTES"] = 45
    new_opinion(db, make_proposal, division)
    run_jobs()
    sent = sms.received[0]["json"]["text"]
    assert len(sent.encode()) <= 45 and sent  # whole characters only: it decoded as JSON text


def test_a_non_urgent_sms_created_at_22_kst_is_held_until_8(db, make_proposal, division, smtp, sms, run_jobs, app):
    ten_pm = datetime(2026, 12, 3, 22, 0, tzinfo=SEOUL)
    _, ids = new_opinion(db, make_proposal, division, now=ten_pm)
    assert db.session.get(Notification, ids["sms"]).not_before_at == datetime(2026, 12, 4, 8, 0, tzinfo=SEOUL)
    assert db.session.get(Notification, ids["email"]).not_before_at is None  # email is never held
    run_jobs()
    assert len(smtp.messages) == 1 and sms.received == []
    assert sweep(now=datetime(2026, 12, 4, 7, 59, tzinfo=SEOUL)) == []
    assert sweep(now=datetime(2026, 12, 4, 8, 0, tzinfo=SEOUL)) == [ids["sms"]]
    run_jobs()
    assert len(sms.received) == 1


def test_an_urgent_sms_is_not_held(db, make_proposal, division, make_user):
    proposal = make_proposal(division=division)
    rows = alert_division("opinion.new", proposal, division, now=datetime(2026, 12, 3, 23, 0, tzinfo=SEOUL), urgent=True)
    assert next(r for r in rows if r.channel == "sms").not_before_at is None


def test_each_recipient_reads_their_own_language(db, make_proposal, division, smtp, run_jobs, make_user):
    resident = make_user("resident@example.com", locale="en")
    proposal, _ = new_opinion(db, make_proposal, division, title="보라매공원 야간 조명 개선")
    notify("opinion.new", proposal, [Recipient(user=resident)], channels=("email",))
    db.session.commit()
    run_jobs()
    by_recipient = {m["To"]: m for m in smtp.messages}
    assert by_recipient["resident@example.com"]["Subject"] == "[New opinion] 보라매공원 야간 조명 개선"
    assert "A new opinion has arrived" in by_recipient["resident@example.com"].get_body(("plain",)).get_content()
    assert by_recipient["jachi@gwanak.example"]["Subject"] == "[새 의견] 보라매공원 야간 조명 개선"
    assert "새 의견이 도착했습니다" in by_recipient["jachi@gwanak.example"].get_body(("plain",)).get_content()


def test_the_bell_counts_unread_and_mark_as_read_clears_it(db, make_proposal, division, client, login_as, forms):
    new_opinion(db, make_proposal, division)
    staff = division.memberships[0].user
    login_as(staff)
    home = client.get("/").get_data(as_text=True)
    assert '<span class="bell-count">1</span>' in home
    page = client.get("/notifications/").get_data(as_text=True)
    assert "[새 의견] 우리 동네 골목길" in page
    forms.submit("/notifications/", {}, action="/notifications/read")
    assert '<span class="bell-count">0</span>' in client.get("/").get_data(as_text=True)


def test_staff_choose_email_and_sms_alerts_on_their_account_page(db, division, login_as, forms):
    staff = division.memberships[0].user
    login_as(staff)
    page = forms.client.get("/account/").get_data(as_text=True)
    assert "alert-wants_sms" in page
    bad = forms.submit("/account/", {"alert-phone": "", "alert-wants_sms": "y"}, action="/account/alerts")
    assert bad.status_code == 400
    assert "휴대전화 번호를 입력" in bad.get_data(as_text=True)
    ok = forms.submit("/account/", {"alert-phone": "010-2222-3333", "alert-wants_email": "y"}, action="/account/alerts")
    assert ok.status_code == 302
    membership = db.session.get(StaffMembership, division.memberships[0].id)
    db.session.refresh(membership)
    assert (membership.wants_email, membership.wants_sms) == (True, False)
    assert membership.user.phone == "010-2222-3333"


def test_password_reset_and_welcome_go_through_the_outbox(db, forms, smtp, run_jobs):
    forms.submit("/auth/register", {"email": "new@example.com", "password": "sunflower 2026",
                                    "password2": "sunflower 2026", "display_name": "새 주민", "locale": "ko",
                                    "consent": "y"})
    row = db.session.execute(select(Notification).filter_by(event="account.welcome")).scalar_one()
    assert row.status == "queued" and row.address == "new@example.com"
    run_jobs()
    assert smtp.messages[0]["Subject"] == "온라인 관악청에 오신 것을 환영합니다"


def test_deadline_reminders_go_out_at_d3_d1_and_overdue_once_each(db, make_proposal, division, make_user, smtp, run_jobs):
    from app.services.deadlines import send_deadline_reminders

    admin = make_user("admin@example.com", role="admin")
    due = datetime(2025, 3, 16, 23, 59, 59, tzinfo=SEOUL)
    make_proposal(title="마을버스 배차 간격 단축 요청", division=division, status="in_review", answer_due_at=due)

    def events():
        return sorted((n.event, n.channel, n.address or f"user:{n.recipient_user_id}")
                      for n in db.session.execute(select(Notification)).scalars())

    assert send_deadline_reminders(now=due - timedelta(days=4)) == 0
    send_deadline_reminders(now=due - timedelta(days=3))
    send_deadline_reminders(now=due - timedelta(days=2))  # still D-3: nothing new
    assert [e for e in events() if e[1] == "email"] == [("deadline.d3", "email", "jachi@gwanak.example")]
    send_deadline_reminders(now=due - timedelta(hours=20))
    assert ("deadline.d1", "email", "jachi@gwanak.example") in events()
    send_deadline_reminders(now=due + timedelta(seconds=1))
    send_deadline_reminders(now=due + timedelta(days=1))
    overdue = [e for e in events() if e[0] == "deadline.overdue"]
    assert ("deadline.overdue", "email", "jachi@gwanak.example") in overdue
    assert ("deadline.overdue", "email", "admin@example.com") in overdue
    assert ("deadline.overdue", "inapp", f"user:{admin.id}") in overdue
    assert len([e for e in overdue if e[1] == "email"]) == 2  # once each, however often it runs
    run_jobs()
    subjects = sorted(m["Subject"] for m in smtp.messages)
    assert subjects == sorted([
        "[답변 기한 3일 전] 마을버스 배차 간격 단축 요청", "[답변 기한 1일 전] 마을버스 배차 간격 단축 요청",
        "[기한 초과] 마을버스 배차 간격 단축 요청", "[기한 초과] 마을버스 배차 간격 단축 요청"])


def test_a_late_run_sends_only_the_most_pressing_reminder():
    from app.services.deadlines import reminder_due

    due = datetime(2025, 3, 16, 23, 59, 59, tzinfo=SEOUL)
    assert reminder_due(due, due - timedelta(days=3, seconds=1)) is None
    assert reminder_due(due, due - timedelta(days=3)) == "deadline.d3"
    assert reminder_due(due, due - timedelta(hours=12)) == "deadline.d1"
    assert reminder_due(due, due) == "deadline.d1"
    assert reminder_due(due, due + timedelta(seconds=1)) == "deadline.overdue"


def test_the_worker_ticker_enqueues_the_periodic_job_once_per_slot(app, db):
    from app.jobs import get_queue
    from app.notifications.worker import Ticker

    ticker = Ticker(app)
    ticker.tick()
    ticker.tick()  # a second worker in the same minute
    assert [job.func_name for job in get_queue().jobs] == ["app.notifications.jobs.periodic"]


@pytest.mark.parametrize("subject", [
    "[기한 초과] 마을버스 배차 간격 단축 요청",
    "[새 의견] 우리 동네 골목길 가로등 밝기 개선 및 CCTV 추가 설치 요청",
    "가 나 다 라 마 바 사 아 자 차 카 타 파 하 " * 6,
    "👩‍👩‍👧 가족 🚗 주차장 야간 개방",
])
def test_every_space_survives_folding_of_long_korean_subjects(app, subject):
    from email import policy
    from email.parser import BytesParser

    from app.notifications.mail import build_message

    raw = build_message(to="a@example.com", subject=subject, text="본문", html="<p>본문</p>").as_bytes(
        policy=policy.SMTP)
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert BytesParser(policy=policy.default).parsebytes(raw)["Subject"] == subject
    assert head.isascii() and max(len(line) for line in head.split(b"\r\n")) <= 78


# --- the channel registry: in-app is a channel like the others ------------------------------------

def test_in_app_is_a_channel_module_delivered_with_the_commit_and_never_queued(
    db, make_proposal, division, app, smtp, run_jobs
):
    from app.jobs import get_queue
    from app.notifications.channels import CHANNELS, email, inapp, sms
    from app.services import inbox

    assert {"email": email, "sms": sms, "inapp": inapp} == CHANNELS
    for module in CHANNELS.values():
        assert all(callable(getattr(module, name, None)) for name in ("targets", "prepare", "send")), module
    staff = division.memberships[0].user
    assert list(inapp.targets(Recipient(division=division))) == []  # a division has no bell

    proposal = make_proposal(division=division)
    alert_division("opinion.new", proposal, division, now=NOON)
    db.session.rollback()  # the notice goes with the opinion
    assert inbox.unread_count(staff) == 0

    _, ids = new_opinion(db, make_proposal, division)
    row = db.session.get(Notification, ids["inapp"])
    # In the bell at once: no job, no worker, nothing in Redis for it.
    assert (row.status, row.sent_at, row.recipient_user_id) == ("sent", NOON, staff.id)
    assert inbox.unread_count(staff) == 1
    assert f"notify-{row.id}" not in get_queue().job_ids

    # Should a job ever get an in-app row (the sweeper finding one pending), the registry's
    # in-app send is its delivery: marked sent, nothing sent anywhere else.
    from sqlalchemy import update

    row_id, staff_id = row.id, staff.id
    run_jobs()  # the division's email
    assert len(smtp.messages) == 1
    db.session.execute(update(Notification).where(Notification.id == row_id).values(status="pending", sent_at=None))
    db.session.commit()
    assert inbox.unread_count(db.session.get(Notification, row_id).recipient_user) == 0
    assert deliver(row_id) == "sent"
    row = db.session.get(Notification, row_id)
    assert (row.status, row.attempts, row.recipient_user_id) == ("sent", 1, staff_id)
    assert len(smtp.messages) == 1
    assert inbox.unread_count(row.recipient_user) == 1


# --- SMS over HTTPS --------------------------------------------------------------------------------

def test_sms_goes_as_utf8_json_over_https_trusting_only_the_configured_ca_bundle(
    db, make_proposal, division, smtp, sms, run_jobs, app
):
    import json

    from app.notifications.messages import render

    assert sms.url.startswith("https://127.0.0.1:") and app.config["SMS_CA_BUNDLE"]
    proposal, ids = new_opinion(db, make_proposal, division)
    row = db.session.get(Notification, ids["sms"])
    expected = render(row, proposal).sms
    assert "우리 동네 골목길 가로등 밝기 개선 및 CCTV 추가 설치 요청" in expected
    run_jobs()
    [received] = sms.received
    assert received["tls"] in ("TLSv1.2", "TLSv1.3")  # the request really came over TLS
    assert received["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(received["raw"].decode("utf-8"))["text"] == expected  # the Korean text, unchanged
    assert expected.encode("utf-8") in received["raw"]  # as UTF-8 bytes, not \\u escapes
    assert db.session.get(Notification, ids["sms"]).status == "sent"


def test_without_the_ca_bundle_a_self_signed_provider_is_not_trusted(
    db, make_proposal, division, smtp, sms, run_jobs, app
):
    app.config["SMS_CA_BUNDLE"] = None  # the system's CAs only
    _, ids = new_opinion(db, make_proposal, division)
    run_jobs()
    row = db.session.get(Notification, ids["sms"])
    assert sms.received == []
    assert row.status == "failed" and "CERTIFICATE_VERIFY_FAILED" in row.last_error


def test_plain_http_sms_url_is_refused_outside_development_and_testing(app, tmp_path, db, make_proposal, division,
                                                                       smtp, sms, run_jobs):
    from app import create_app
    from app.notifications.channels.sms import SmsConfigError, check_config
    from config import ProductionConfig

    def settings(env, url):
        return {"ENV_NAME": env, "SMS_BACKEND": "http", "SMS_API_URL": url}

    check_config(settings("production", "https://sms.example/v1"))
    for env in ("development", "testing"):
        check_config(settings(env, "http://127.0.0.1:8025/v1"))  # a local stand-in
    for url in ("http://sms.example/v1", "ftp://sms.example", "", None):
        with pytest.raises(SmsConfigError, match="SMS_API_URL must be an https:// URL"):
            check_config(settings("production", url))
    with pytest.raises(SmsConfigError, match="unknown SMS_BACKEND"):
        check_config({**settings("production", None), "SMS_BACKEND": "carrier-pigeon"})

    class Production(ProductionConfig):  # at start-up: the app refuses to be built
        SECRET_KEY = "x" * 32
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        REDIS_URL = "redis://127.0.0.1:1/0"
        INSTANCE_PATH = str(tmp_path / "production")
        SMS_BACKEND, SMS_API_URL = "http", "http://sms.example/v1"

    with pytest.raises(SmsConfigError, match="https://"):
        create_app(Production)
    Production.SMS_API_URL = "https://sms.example/v1"
    assert create_app(Production).config["SMS_API_URL"] == "https://sms.example/v1"

    # At send time too (settings changed after start-up): the row records why, nothing is sent.
    app.config.update(ENV_NAME="production", SMS_API_URL=sms.url.replace("https://", "http://"))
    _, ids = new_opinion(db, make_proposal, division)
    run_jobs()
    row = db.session.get(Notification, ids["sms"])
    assert sms.received == [] and row.status == "failed"
    assert row.last_error.startswith("SmsConfigError: SMS_API_URL must be an https:// URL")


# --- deadline reminders and expiry as the worker's scheduled job ----------------------------------

def test_the_periodic_job_the_ticker_enqueues_sends_reminders_and_closes_expired_proposals(
    db, make_proposal, division, make_user, smtp, app, run_jobs
):
    from rq.job import Job, JobStatus

    from app.jobs import get_queue
    from app.models import Proposal
    from app.models.base import utcnow
    from app.notifications.worker import Ticker

    now = utcnow()
    division_id = division.id
    make_user("admin@example.com", role="admin")
    d3 = make_proposal(title="마을버스 배차 간격 단축 요청", division=division, status="in_review",
                       answer_due_at=now + timedelta(days=2, hours=12))
    d1 = make_proposal(title="신림천 산책로 야간 조명", division=division, status="in_review",
                       answer_due_at=now + timedelta(hours=12))
    late = make_proposal(title="봉천동 공영주차장 확충", division=division, status="in_review",
                         answer_due_at=now - timedelta(hours=1))
    far = make_proposal(title="낙성대공원 운동기구 교체", division=division, status="in_review",
                        answer_due_at=now + timedelta(days=10))
    expired = make_proposal(title="기한이 지난 제안", division=division, status="open",
                            open_until_at=now - timedelta(minutes=1))
    still_open = make_proposal(title="아직 열려 있는 제안", division=division, status="open",
                               open_until_at=now + timedelta(days=1))
    vote = make_proposal(title="주민투표가 끝난 제안", division=division, status="voting",
                         vote_opens_at=now - timedelta(days=7), vote_closes_at=now - timedelta(minutes=1),
                         votes_yes=3, votes_no=1)

    d3_id, d1_id, late_id, far_id = d3.id, d1.id, late.id, far.id
    expired_id, still_open_id, vote_id = expired.id, still_open.id, vote.id

    Ticker(app).tick()  # what the worker's minute ticker does
    queue = get_queue()
    [periodic_id] = queue.job_ids
    assert queue.fetch_job(periodic_id).func_name == "app.notifications.jobs.periodic"
    run_jobs()  # an RQ worker, against the real Redis, until the queue is empty

    job = Job.fetch(periodic_id, connection=queue.connection)
    assert job.get_status() == JobStatus.FINISHED
    result = job.return_value()
    assert (result["expired"], result["votes_closed"]) == (1, 1) and result["reminders"] > 0

    reminders = {(n.event, n.object_id) for n in db.session.execute(
        select(Notification).where(Notification.event.like("deadline.%"), Notification.channel == "email",
                                   Notification.recipient_division_id == division_id)).scalars()}
    assert reminders == {("deadline.d3", d3_id), ("deadline.d1", d1_id), ("deadline.overdue", late_id)}
    admin_overdue = db.session.execute(select(Notification.address).where(
        Notification.event == "deadline.overdue", Notification.recipient_user_id.isnot(None),
        Notification.channel == "email")).scalars().all()
    assert admin_overdue == ["admin@example.com"]
    assert not any(object_id == far_id for _, object_id in reminders)

    for proposal_id, status in ((expired_id, "closed"), (still_open_id, "open"), (vote_id, "adopted"),
                                (d3_id, "in_review")):
        assert db.session.get(Proposal, proposal_id).status == status, proposal_id
    # The reminders the job wrote were delivered by the same worker run, once each.
    assert sorted(m["Subject"] for m in smtp.messages) == sorted([
        "[답변 기한 3일 전] 마을버스 배차 간격 단축 요청", "[답변 기한 1일 전] 신림천 산책로 야간 조명",
        "[기한 초과] 봉천동 공영주차장 확충", "[기한 초과] 봉천동 공영주차장 확충"])

    # The next minute's run finds nothing new to remind about or to close.
    queue.connection.flushdb()  # a new slot for the ticker
    Ticker(app).tick()
    run_jobs()
    assert len(smtp.messages) == 4
    assert db.session.get(Proposal, expired_id).closed_at is not None


# --- the sweeper's branches ---------------------------------------------------------------------

def test_a_queued_row_whose_job_vanished_is_enqueued_again_and_sent_exactly_once(
    db, make_proposal, division, smtp, sms, app, run_jobs
):
    from sqlalchemy import update

    from app.jobs import get_queue
    from app.models.base import utcnow

    _, ids = new_opinion(db, make_proposal, division)
    sent_by_job = [ids["email"], ids["sms"]]
    assert statuses(db) == [("email", "queued"), ("inapp", "sent"), ("sms", "queued")]

    def age_rows():
        past = utcnow() - timedelta(seconds=app.config["NOTIFY_GRACE_SECONDS"] + 1)
        db.session.execute(update(Notification).where(Notification.status == "queued").values(updated_at=past))
        db.session.commit()

    age_rows()
    assert sweep() == []  # their jobs are still waiting in Redis: nothing to do
    get_queue().connection.flushdb()  # Redis restarted empty: the jobs are gone, the rows say queued
    assert sorted(sweep()) == sorted(sent_by_job)
    run_jobs()
    assert [m["To"] for m in smtp.messages] == ["jachi@gwanak.example"]
    assert [r["json"]["to"] for r in sms.received] == ["010-1234-5678"]
    assert statuses(db) == [("email", "sent"), ("inapp", "sent"), ("sms", "sent")]
    age_rows()
    assert sweep() == []
    run_jobs()
    assert len(smtp.messages) == 1 and len(sms.received) == 1


# --- retry backoff --------------------------------------------------------------------------------

def test_a_failing_delivery_backs_off_1_5_30_120_minutes_in_rq_then_the_row_is_failed(
    db, make_proposal, division, smtp, app, run_jobs
):
    import time as clock

    from rq.job import Job, JobStatus
    from rq.scheduler import RQScheduler

    from app.jobs import get_queue
    from config import Config

    assert Config.NOTIFY_RETRY_INTERVALS == [60, 300, 1800, 7200]  # the default, unlike TestingConfig's zeros
    app.config["NOTIFY_RETRY_INTERVALS"] = list(Config.NOTIFY_RETRY_INTERVALS)
    smtp.refuse = 99
    _, ids = new_opinion(db, make_proposal, division)
    queue = get_queue()
    job_id = f"notify-{ids['email']}"
    job = Job.fetch(job_id, connection=queue.connection)
    assert (job.retries_left, job.retry_intervals) == (4, [60, 300, 1800, 7200])
    scheduled = queue.scheduled_job_registry

    def email():
        db.session.expire_all()
        row = db.session.get(Notification, ids["email"])
        return row.status, row.attempts

    for attempt, interval in enumerate([60, 300, 1800, 7200], start=1):
        before = clock.time()
        run_jobs()  # the attempt fails; RQ schedules the retry instead of running it now
        assert email() == ("queued", attempt)
        assert job_id in scheduled.get_job_ids() and job_id not in queue.job_ids
        assert Job.fetch(job_id, connection=queue.connection).get_status() == JobStatus.SCHEDULED
        at = scheduled.get_scheduled_time(job_id).timestamp()
        assert before + interval - 1 <= at <= clock.time() + interval + 1, (attempt, at - before)
        # The sweeper leaves a job waiting for its retry alone (it would defeat the backoff).
        assert sweep(now=datetime.now(SEOUL) + timedelta(seconds=interval + 60)) == []
        # Time passes: the retry falls due and RQ's scheduler puts it back on the queue.
        queue.connection.zadd(scheduled.key, {job_id: clock.time() - 1})
        scheduler = RQScheduler([queue], connection=queue.connection)
        assert scheduler.acquire_locks()
        scheduler.enqueue_scheduled_jobs()
        scheduler.release_locks()
        assert job_id in queue.job_ids

    run_jobs()  # the fifth attempt, the last retry, fails too
    assert email() == ("failed", 5)
    assert job_id in queue.failed_job_registry.get_job_ids() and job_id not in scheduled.get_job_ids()
    assert smtp.messages == []


# --- the admin's page of undelivered rows -------------------------------------------------------

def _outbox_row(db, address, status, created_at, *, channel="email", not_before_at=None, updated_at=None):
    row = Notification(channel=channel, address=address, event="opinion.new", object_type="proposal", object_id=1,
                       status=status, dedupe_key=f"test:{address}", created_at=created_at,
                       updated_at=updated_at or created_at, not_before_at=not_before_at)
    db.session.add(row)
    return row


def test_the_admin_page_lists_long_pending_rows_but_not_fresh_sent_or_held_ones(
    db, app, make_user, login_as, client
):
    from app.models.base import utcnow
    from app.services.outbox_admin import problem_notifications

    now = utcnow()
    old, fresh = now - timedelta(minutes=11), now - timedelta(minutes=2)
    listed = [
        _outbox_row(db, "old-pending@example.com", "pending", old),
        _outbox_row(db, "old-queued@example.com", "queued", old),
        _outbox_row(db, "old-sending@example.com", "sending", old),
        _outbox_row(db, "failed@example.com", "failed", fresh),
        # Held for quiet hours, released long ago, and still not sent: that is stuck.
        _outbox_row(db, "010-0000-0001", "pending", now - timedelta(hours=10), channel="sms", not_before_at=old),
    ]
    hidden = [
        _outbox_row(db, "fresh-pending@example.com", "pending", fresh),
        _outbox_row(db, "old-sent@example.com", "sent", old),
        _outbox_row(db, "old-skipped@example.com", "skipped", old),
        # A non-urgent SMS written at 22:00 and held until 08:00 is waiting as it should.
        _outbox_row(db, "010-0000-0002", "pending", now - timedelta(hours=10), channel="sms",
                    not_before_at=now + timedelta(hours=1)),
        # Released two minutes ago: it gets the same ten minutes as any new row.
        _outbox_row(db, "010-0000-0003", "pending", now - timedelta(hours=10), channel="sms", not_before_at=fresh),
    ]
    db.session.commit()
    assert {r.address for r in problem_notifications(now=now)} == {r.address for r in listed}

    login_as(make_user("admin@example.com", role="admin", locale="en"))
    page = client.get("/admin/notifications").get_data(as_text=True)
    assert all(r.address in page for r in listed)
    assert not any(r.address in page for r in hidden)


def test_a_row_a_live_worker_is_sending_cannot_be_resent_until_its_lease_runs_out(
    db, make_proposal, division, smtp, app, run_jobs, make_user, login_as, forms
):
    from sqlalchemy import update

    from app.models.base import utcnow
    from app.notifications.jobs import _claim
    from app.services import ServiceError
    from app.services.outbox_admin import resend_notification

    _, ids = new_opinion(db, make_proposal, division)
    email_id = ids["email"]
    # A worker claims the row and is talking to the SMTP server; ten minutes later it still holds it.
    assert _claim(email_id, utcnow())
    db.session.execute(update(Notification).where(Notification.id == email_id)
                       .values(created_at=utcnow() - timedelta(minutes=11)))
    db.session.commit()

    with pytest.raises(ServiceError, match="지금 발송 중입니다"):  # "…is being sent right now"
        resend_notification(email_id)
    db.session.rollback()
    login_as(make_user("admin@example.com", role="admin", locale="en"))
    page = forms.client.get("/admin/notifications").get_data(as_text=True)
    assert "jachi@gwanak.example" in page and "A worker is sending it" in page
    assert f"/admin/notifications/{email_id}/resend" not in page  # no button to press
    refused = forms.submit("/admin/notifications", {}, action=f"/admin/notifications/{email_id}/resend")
    assert refused.status_code == 302
    assert "being sent right now" in forms.client.get("/admin/notifications").get_data(as_text=True)
    db.session.expire_all()
    assert (db.session.get(Notification, email_id).status, db.session.get(Notification, email_id).attempts) == (
        "sending", 1)

    # The worker died: once NOTIFY_LEASE_SECONDS have passed since its claim, the row may go again.
    lease = app.config["NOTIFY_LEASE_SECONDS"]
    db.session.execute(update(Notification).where(Notification.id == email_id)
                       .values(updated_at=utcnow() - timedelta(seconds=lease + 1)))
    db.session.commit()
    page = forms.client.get("/admin/notifications").get_data(as_text=True)
    assert f"/admin/notifications/{email_id}/resend" in page
    done = forms.submit("/admin/notifications", {}, action=f"/admin/notifications/{email_id}/resend")
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Notification, email_id).status == "queued"
    run_jobs()  # the original job and the resend's: one email
    assert [m["To"] for m in smtp.messages] == ["jachi@gwanak.example"]
    assert db.session.get(Notification, email_id).status == "sent"
    with pytest.raises(ServiceError, match="다시 보낼 수 없습니다"):  # "…cannot be sent again"
        resend_notification(email_id)  # sent rows stay sent
