"""A sympathy sent by the page's script is recorded before Flask, with the same rules and limits.

Every test here checks which path answered (the `X-Fast-Path` header): the fast path answers only
a plain "thank you"; every refusal, a withdrawal and a sympathy that moves the proposal on must
reach the Flask route and get its usual answer.
"""
import threading

import pytest
from flask.testing import FlaskClient
from flask_babel import refresh
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import Notification, Proposal, SupportShard, Sympathy
from app.services import proposals as service
from tests.conftest import PASSWORD, IsolatedClient
from tests.support import csrf_from, postgresql_only

JSON = {"Accept": "application/json"}


@pytest.fixture
def people(db, residents, welfare, proposal):
    """The author of `proposal` (conftest's, in the welfare division, which gets an alert address),
    then six more verified residents."""
    welfare.default_division.alert_email = "welfare@gwanak.example"
    db.session.commit()
    return [proposal.author, *residents(6)]


def signed_in(app, user, password=PASSWORD):
    """A browser of `user`: signed in, with the CSRF token of a proposal page."""
    client = IsolatedClient(app, use_cookies=True)  # its own app context per request, as in production
    page = client.get("/auth/login")
    response = client.post("/auth/login", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                "email": user.email, "password": password})
    assert response.status_code == 302
    client.token = csrf_from(client.get("/privacy").get_data(as_text=True))
    return client


def press(client, proposal_id, action="support", headers=JSON, **kwargs):
    """The page's script: the form's fields, asking for JSON."""
    return client.post(f"/proposals/{proposal_id}/support", data={"csrf_token": client.token, "action": action},
                       headers=headers, **kwargs)


def rows(proposal_id):
    _db.session.rollback()
    return _db.session.execute(select(func.count(Sympathy.id)).filter_by(proposal_id=proposal_id)).scalar_one()


def exact_count(proposal_id):
    _db.session.rollback()
    return _db.session.get(Proposal, proposal_id, populate_existing=True).support_count


def test_a_scripted_sympathy_is_recorded_before_flask_and_counted_exactly(app, db, proposal, people):
    client = signed_in(app, people[1])
    response = press(client, proposal.id)
    assert response.status_code == 200
    assert response.headers["X-Fast-Path"] == "support"
    body = response.get_json()
    assert body == {"ok": True, "message": "공감해 주셔서 감사합니다.", "supported": True, "count": 1, "reload": False,
                    "count_text": "1", "count_word": body["count_word"], "status_text": body["status_text"],
                    "status_text_so_far": body["status_text_so_far"]}
    assert "1" in body["status_text"]
    assert rows(proposal.id) == 1 == exact_count(proposal.id)
    # The security headers of every other answer.
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    # The supporter's next look shows it, and the button offers to withdraw.
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "<strong data-support-count>1</strong><span data-support-word>명 공감</span>" in page  # 1명, not 1 명
    assert 'name="action" value="withdraw"' in page


def test_the_answer_is_in_the_residents_saved_language(app, db, proposal, make_user):
    english = make_user("en-speaker@example.com", locale="en", verified_dong="1162052500")
    response = press(signed_in(app, english), proposal.id)
    assert response.headers["X-Fast-Path"] == "support"
    assert response.get_json()["message"] == "Thank you for your support."
    assert response.get_json()["status_text"] == "1 supporter"
    refresh()
    page = IsolatedClient(app).get(f"/proposals/{proposal.id}", headers={"Accept-Language": "en"})
    assert "<strong data-support-count>1</strong> <span data-support-word>supporter</span>" in page.get_data(as_text=True)


def test_the_scripts_multipart_form_and_the_token_header_are_read_as_flask_reads_them(app, db, proposal, people):
    client = signed_in(app, people[1])
    # fetch(new FormData(form)) sends multipart/form-data.
    response = client.post(f"/proposals/{proposal.id}/support", headers=JSON, content_type="multipart/form-data",
                           data={"csrf_token": client.token, "action": "support"})
    assert response.headers["X-Fast-Path"] == "support" and response.get_json()["count"] == 1
    other = signed_in(app, people[2])
    response = other.post(f"/proposals/{proposal.id}/support", headers={**JSON, "X-CSRFToken": other.token},
                          data={"action": "support"})
    assert response.headers["X-Fast-Path"] == "support" and response.get_json()["count"] == 2


@pytest.mark.parametrize("case", ["already", "author", "unverified", "closed", "hidden"])
def test_every_refusal_is_the_flask_routes_with_its_message(app, db, proposal, people, make_user, case):
    expected = {
        "already": "이미 이 제안에 공감하셨습니다.",
        "author": "자신의 제안에는 공감할 수 없습니다.",
        "unverified": "인증된 주민만 공감할 수 있습니다.",
        "closed": "이 제안은 더 이상 공감을 받지 않습니다.",
    }
    user = people[1]
    if case == "already":
        press(signed_in(app, user), proposal.id)
    elif case == "author":
        user = people[0]
    elif case == "unverified":
        user = make_user("not-yet@example.com")
    elif case in ("closed", "hidden"):
        db.session.get(Proposal, proposal.id).status = case
        db.session.commit()
    before = rows(proposal.id)
    response = press(signed_in(app, user), proposal.id)
    assert "X-Fast-Path" not in response.headers
    if case == "hidden":
        assert response.status_code == 404
    else:
        assert response.status_code == 409
        assert response.get_json()["message"] == expected[case]
    assert rows(proposal.id) == before == exact_count(proposal.id)


def test_a_bad_token_or_no_script_or_a_withdrawal_goes_to_flask(app, db, proposal, people):
    client = signed_in(app, people[1])
    bad = client.post(f"/proposals/{proposal.id}/support", data={"csrf_token": "forged", "action": "support"},
                      headers=JSON)
    assert bad.status_code == 400 and "X-Fast-Path" not in bad.headers
    form = press(client, proposal.id, headers={})  # no script: the form posts and is redirected
    assert form.status_code == 302 and form.headers["Location"].endswith(f"/proposals/{proposal.id}#support")
    assert "X-Fast-Path" not in form.headers and rows(proposal.id) == 1
    withdrawn = press(client, proposal.id, action="withdraw")
    assert withdrawn.status_code == 200 and "X-Fast-Path" not in withdrawn.headers
    assert withdrawn.get_json()["count"] == 0 and withdrawn.get_json()["supported"] is False
    assert rows(proposal.id) == 0 == exact_count(proposal.id)
    again = press(client, proposal.id)
    assert again.headers["X-Fast-Path"] == "support" and again.get_json()["count"] == 1
    assert rows(proposal.id) == 1 == exact_count(proposal.id)


def test_a_session_ended_on_another_device_writes_nothing(app, db, proposal, people):
    client = signed_in(app, people[1])
    user = db.session.get(type(people[1]), people[1].id)
    user.renew_session_token()  # signed out everywhere (or a new password)
    db.session.commit()
    response = press(client, proposal.id)
    assert "X-Fast-Path" not in response.headers
    # The page's script is told to sign in, and where: back to the proposal afterwards.
    assert response.status_code == 401
    assert response.get_json()["login"] == f"/auth/login?next=/proposals/{proposal.id}"
    assert response.get_json()["message"] == "계속하려면 로그인하십시오."
    assert "계속하려면 로그인하십시오." in client.get(response.get_json()["login"]).get_data(as_text=True)  # waiting there
    assert rows(proposal.id) == 0


def test_signed_out_without_a_script_the_resident_signs_in_and_lands_on_the_proposal(app, db, proposal, people):
    """Not on /support, which only takes POSTs (it was a 405 page after signing in)."""
    client = IsolatedClient(app, use_cookies=True)
    token = csrf_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post(f"/proposals/{proposal.id}/support", data={"csrf_token": token, "action": "support"})
    assert response.status_code == 302
    login = response.headers["Location"]
    assert login == f"/auth/login?next=/proposals/{proposal.id}"
    page = client.get(login)
    assert "계속하려면 로그인하십시오." in page.get_data(as_text=True)
    signed = client.post(login, data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                      "email": people[1].email, "password": PASSWORD})
    assert signed.status_code == 302 and signed.headers["Location"] == f"/proposals/{proposal.id}"
    assert rows(proposal.id) == 0  # nothing was supported on the way


def test_errors_answer_the_script_in_json_with_their_message(app, db, proposal, people):
    client = signed_in(app, people[1])
    garbage = press(client, proposal.id, action="garbage")
    assert garbage.status_code == 400 and garbage.get_json()["ok"] is False and garbage.get_json()["message"]
    assert rows(proposal.id) == 0
    missing = client.post("/proposals/99999/support", data={"csrf_token": client.token}, headers=JSON)
    assert missing.status_code == 404 and missing.get_json()["message"] == "요청한 페이지가 없거나 다른 곳으로 옮겨졌습니다."
    # Digits that are not ASCII are not an id (int() would read them).
    wide = client.post("/proposals/" + "".join(chr(0xFF10 + int(d)) for d in str(proposal.id)) + "/support",
                       data={"csrf_token": client.token}, headers=JSON)
    zeros = client.post(f"/proposals/00{proposal.id}/support", data={"csrf_token": client.token}, headers=JSON)
    assert wide.status_code == zeros.status_code == 404 and rows(proposal.id) == 0
    assert client.get(f"/proposals/0{proposal.id}").status_code == 404  # one page, one address
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "data-support-message hidden" in page  # where the script shows what it was told


def test_over_https_the_referer_must_be_this_site(app, db, proposal, people):
    client = signed_in(app, people[1])
    https = {"base_url": "https://localhost/"}
    missing = press(client, proposal.id, **https)
    assert missing.status_code == 400 and "X-Fast-Path" not in missing.headers
    foreign = press(client, proposal.id, headers={**JSON, "Referer": "https://evil.example/"}, **https)
    assert foreign.status_code == 400 and "X-Fast-Path" not in foreign.headers
    ours = press(client, proposal.id, headers={**JSON, "Referer": f"https://localhost/proposals/{proposal.id}"},
                 **https)
    assert ours.headers["X-Fast-Path"] == "support" and ours.status_code == 200
    assert rows(proposal.id) == 1


def test_the_participation_limit_is_shared_with_the_flask_route(app, db, people, welfare):
    app.config["RATELIMIT_PARTICIPATION"] = "3 per minute"
    proposals = []
    for n in range(4):
        made = service.create_proposal(people[0], title=f"보행로 정비 요청 {n}번", body="보행로가 좁아 위험합니다. " * 3,
                                       category=welfare)
        proposals.append(made)
    db.session.commit()
    client = signed_in(app, people[1])
    assert press(client, proposals[0].id, headers={}).status_code == 302  # counted by Flask-Limiter
    first = press(client, proposals[1].id)
    second = press(client, proposals[2].id)
    assert first.headers["X-Fast-Path"] == second.headers["X-Fast-Path"] == "support"
    over = press(client, proposals[3].id)
    assert over.status_code == 429 and "X-Fast-Path" not in over.headers
    assert over.get_json() == {"ok": False, "message": "짧은 시간에 너무 많이 시도하셨습니다. 1분 후에 다시 시도해 주세요."}
    assert rows(proposals[3].id) == 0
    # A refusal after the fast path counted it is not counted a second time by Flask.
    other = signed_in(app, people[2])
    press(other, proposals[0].id)
    assert press(other, proposals[0].id).status_code == 409  # already: counted once, by the fast path
    assert press(other, proposals[1].id).headers.get("X-Fast-Path") == "support"  # the 3rd of 3


def review_alerts(proposal_id, event="review.requested"):
    _db.session.rollback()
    return _db.session.execute(select(func.count(Notification.id)).where(
        Notification.event == event, Notification.object_id == proposal_id,
        Notification.recipient_division_id.isnot(None), Notification.channel == "email")).scalar_one()


def test_the_sympathy_that_reaches_review_reloads_the_page_with_the_message_waiting(app, db, proposal, people):
    for person in people[1:5]:
        assert press(signed_in(app, person), proposal.id).headers["X-Fast-Path"] == "support"
    assert review_alerts(proposal.id) == 0 and rows(proposal.id) == 4
    fifth = signed_in(app, people[5])
    response = press(fifth, proposal.id)
    assert response.status_code == 200
    assert "X-Fast-Path" not in response.headers  # the route wrote the message into the session
    body = response.get_json()
    assert body["reload"] is True and body["count"] == 5 and body["ok"] is True
    page = fifth.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "공감해 주셔서 감사합니다." in page and "부서 검토" in page, page[:3000]
    sixth = press(signed_in(app, people[6]), proposal.id)
    assert sixth.headers["X-Fast-Path"] == "support" and sixth.get_json()["reload"] is False
    assert rows(proposal.id) == 6 == exact_count(proposal.id)
    assert review_alerts(proposal.id) == 1


def test_shards_settle_into_the_row_without_changing_the_exact_count(app, db, proposal, people):
    for person in people[1:4]:
        press(signed_in(app, person), proposal.id)
    db.session.rollback()
    settled = db.session.execute(select(Proposal.settled_support_count).filter_by(id=proposal.id)).scalar_one()
    shards = db.session.execute(select(func.coalesce(func.sum(SupportShard.n), 0))
                                .filter_by(proposal_id=proposal.id)).scalar_one()
    # The first sympathy of a quiet moment settled at once; the next two wait for the window's job.
    assert (settled, shards) == (1, 2)
    assert exact_count(proposal.id) == 3
    service.settle_support(proposal.id)
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(SupportShard)
                              .filter_by(proposal_id=proposal.id)).scalar_one() == 0
    assert db.session.execute(select(Proposal.settled_support_count).filter_by(id=proposal.id)).scalar_one() == 3
    assert exact_count(proposal.id) == 3 == rows(proposal.id)


def test_the_minute_tick_settles_every_proposal_and_the_most_supported_list_follows(app, db, people, welfare):
    from app.notifications.jobs import periodic

    quiet = service.create_proposal(people[0], title="조용한 제안입니다", body="조용한 제안의 본문입니다. " * 3, category=welfare)
    busy = service.create_proposal(people[1], title="붐비는 제안입니다", body="붐비는 제안의 본문입니다. " * 3, category=welfare)
    db.session.commit()
    quiet_id, busy_id = quiet.id, busy.id
    press(signed_in(app, people[2]), quiet_id)
    for person in people[2:6]:
        press(signed_in(app, person), busy_id)  # the first is settled at once, three wait in shards
    assert periodic()["supports_settled"] == 1
    assert db.session.execute(select(func.count()).select_from(SupportShard)).scalar_one() == 0
    db.session.rollback()
    counts = dict(db.session.execute(select(Proposal.id, Proposal.settled_support_count)
                                     .where(Proposal.id.in_((quiet_id, busy_id)))).all())
    assert counts == {quiet_id: 1, busy_id: 4}
    listed = IsolatedClient(app).get("/proposals/?sort=supported").get_data(as_text=True)
    assert listed.index("붐비는 제안입니다") < listed.index("조용한 제안입니다")


@postgresql_only
def test_fourth_and_fifth_at_once_send_one_review_alert_over_http(app, db, people, welfare):
    """Side by side, neither sympathy's statement sees the other's: the look after the commit does."""
    browsers = [signed_in(app, person) for person in people[1:6]]
    for _ in range(10):
        made = service.create_proposal(people[0], title="동시에 다섯째 공감", body="동시에 도착한 공감을 셉니다. " * 3,
                                       category=welfare)
        db.session.commit()
        for browser in browsers[:3]:
            press(browser, made.id)
        clients = browsers[3:]
        db.session.rollback()
        barrier, answers = threading.Barrier(2), []

        def go(client, proposal_id=made.id, barrier=barrier, answers=answers):
            own = FlaskClient(app, use_cookies=True)  # in its thread: each request its own app context
            own._cookies, own.token = client._cookies.copy(), client.token
            barrier.wait(5)
            answers.append(press(own, proposal_id))

        threads = [threading.Thread(target=go, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(a.status_code for a in answers) == [200, 200]
        assert rows(made.id) == 5 == exact_count(made.id)
        db.session.rollback()
        assert db.session.get(Proposal, made.id, populate_existing=True).status == "in_review"
        assert review_alerts(made.id) == 1


def test_a_threshold_whose_check_was_cut_off_fires_at_the_next_minute_tick(app, db, proposal, people):
    """A crash between a sympathy's commit and the look after it: the sympathy is saved, the review
    has not started; the worker's minute tick finds it and starts it, with its one alert."""
    from app.models.base import utcnow
    from app.notifications.jobs import periodic

    proposal_id = proposal.id
    for person in people[1:5]:
        service.support_proposal(person, db.session.get(Proposal, proposal_id))
        db.session.commit()
    # The 5th, written as the fast path writes it, and then nothing (the process died).
    service.record_sympathy(db.session, user_id=people[5].id, proposal_id=proposal_id, now=utcnow())
    db.session.commit()
    assert exact_count(proposal_id) == 5
    assert db.session.get(Proposal, proposal_id).status == "open" and review_alerts(proposal_id) == 0
    service.settle_support(proposal_id)  # even once settled (no shard left to point at it)
    db.session.commit()
    periodic()
    db.session.rollback()
    assert db.session.get(Proposal, proposal_id, populate_existing=True).status == "in_review"
    assert review_alerts(proposal_id) == 1
    periodic()
    assert review_alerts(proposal_id) == 1  # once
