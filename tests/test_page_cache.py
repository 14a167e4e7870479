"""Anonymous pages come from Redis and are invalidated on commit; signed-in pages never are cached."""
import re

import pytest
from flask_babel import refresh
from sqlalchemy import select

from app.models import Category, Division, StaffMembership
from app.services import comments
from app.services import proposals as service


def count_on(html):
    """The count a proposal's page shows beside its support button."""
    match = re.search(r"<strong data-support-count>([0-9,]+)</strong>", html)
    return int(match.group(1).replace(",", "")) if match else None


@pytest.fixture
def welfare(db):
    return db.session.execute(select(Category).filter_by(slug="health-welfare")).scalar_one()


@pytest.fixture
def residents(make_user):
    return [make_user(f"c{i}@example.com", verified_dong="1162052500") for i in range(4)]


@pytest.fixture
def proposal(db, residents, welfare):
    created = service.create_proposal(residents[0], title="신림천 산책로 조명 설치", body="밤에 산책로가 너무 어둡습니다. " * 3,
                                      category=welfare)
    db.session.commit()
    return created


def visit(app, url, **headers):
    """A new anonymous visitor. (Tests share one app context, so Babel's cached locale is dropped.)"""
    refresh()
    response = app.test_client().get(url, headers=headers)
    return response, response.get_data(as_text=True)


def test_an_anonymous_page_is_served_from_the_cache_the_second_time(app, proposal):
    for url in ("/", "/proposals/", f"/proposals/{proposal.id}"):
        first, first_html = visit(app, url)
        second, second_html = visit(app, url)
        assert first.headers["X-Page-Cache"] == "miss", url
        assert second.headers["X-Page-Cache"] == "hit", url
        assert second_html == first_html
        assert "Set-Cookie" not in second.headers
        # The security headers are added to a cached page too.
        assert second.headers.get("Content-Security-Policy") == first.headers.get("Content-Security-Policy")


def test_each_language_has_its_own_copy(app, proposal):
    visit(app, "/proposals/")
    _, english = visit(app, "/proposals/", **{"Accept-Language": "en"})
    _, korean = visit(app, "/proposals/", **{"Accept-Language": "ko"})
    assert "Policy proposals" in english and '<html lang="en">' in english
    assert '<html lang="ko">' in korean and "Policy proposals" not in korean


def test_a_new_sympathy_shows_on_the_next_anonymous_load(app, db, proposal, residents):
    url = f"/proposals/{proposal.id}"
    _, before = visit(app, url)
    visit(app, "/proposals/")
    service.support_proposal(residents[1], proposal)
    db.session.commit()
    response, after = visit(app, url)
    assert response.headers["X-Page-Cache"] == "miss"
    assert count_on(before) == 0 and count_on(after) == 1
    listed, list_html = visit(app, "/proposals/")
    assert listed.headers["X-Page-Cache"] == "miss"
    assert "1명" in list_html


def test_the_supporter_sees_their_own_sympathy_at_once(app, db, proposal, residents, forms, login_as):
    visit(app, f"/proposals/{proposal.id}")  # an anonymous copy is cached
    login_as(residents[2])
    done = forms.submit(f"/proposals/{proposal.id}", {"action": "support"},
                        action=f"/proposals/{proposal.id}/support")
    assert done.status_code == 302
    page = forms.client.get(f"/proposals/{proposal.id}")
    html = page.get_data(as_text=True)
    assert "X-Page-Cache" not in page.headers  # signed-in pages are never stored or served from it
    assert 'aria-pressed="true"' in html and count_on(html) == 1
    assert count_on(visit(app, f"/proposals/{proposal.id}")[1]) == 1


def test_a_comment_on_one_proposal_leaves_another_proposals_page_cached(app, db, proposal, residents, welfare):
    other = service.create_proposal(residents[1], title="봉천동 공영주차장 확충", body="주차 공간이 너무 부족합니다. " * 3,
                                    category=welfare)
    db.session.commit()
    visit(app, f"/proposals/{proposal.id}")
    visit(app, f"/proposals/{other.id}")
    comments.add_comment(residents[2], proposal, "저도 찬성합니다. 꼭 필요합니다.")
    db.session.commit()
    changed, html = visit(app, f"/proposals/{proposal.id}")
    untouched, _ = visit(app, f"/proposals/{other.id}")
    assert changed.headers["X-Page-Cache"] == "miss" and "저도 찬성합니다" in html
    assert untouched.headers["X-Page-Cache"] == "hit"


def test_a_hidden_proposal_is_gone_from_the_cache_at_once(app, db, proposal, make_user):
    admin = make_user("admin@example.com", role="admin")
    assert visit(app, f"/proposals/{proposal.id}")[0].status_code == 200
    visit(app, "/proposals/")
    service.hide_proposal(admin, proposal, "개인정보가 포함되어 있습니다.")
    db.session.commit()
    assert visit(app, f"/proposals/{proposal.id}")[0].status_code == 404
    assert "신림천 산책로 조명 설치" not in visit(app, "/proposals/")[1]


def test_renaming_a_division_refreshes_every_page(app, db, proposal, welfare):
    url = f"/proposals/{proposal.id}"
    visit(app, url)
    division = db.session.get(Division, welfare.default_division_id)
    division.name_ko = "어르신복지과"
    db.session.commit()
    response, html = visit(app, url)
    assert response.headers["X-Page-Cache"] == "miss" and "어르신복지과" in html


def test_writes_no_public_page_shows_keep_the_cache(app, db, proposal, residents, welfare):
    visit(app, "/proposals/")
    service.follow(residents[3], proposal)
    db.session.add(StaffMembership(user=residents[3], division=welfare.default_division))
    db.session.commit()
    assert visit(app, "/proposals/")[0].headers["X-Page-Cache"] == "hit"


def test_a_page_with_a_message_is_not_stored(app, proposal):
    client = app.test_client()
    client.post("/auth/login", data={"email": "nobody@example.com", "password": "x"})  # no CSRF: refused
    with client.session_transaction() as s:
        s["_flashes"] = [("info", "한 번만 보이는 안내")]
    shown = client.get("/proposals/")
    assert "한 번만 보이는 안내" in shown.get_data(as_text=True)
    assert "X-Page-Cache" not in shown.headers
    response, html = visit(app, "/proposals/")
    assert "한 번만 보이는 안내" not in html


def test_a_rolled_back_write_does_not_invalidate(app, db, proposal, residents):
    visit(app, f"/proposals/{proposal.id}")
    service.support_proposal(residents[1], proposal)
    db.session.rollback()
    assert visit(app, f"/proposals/{proposal.id}")[0].headers["X-Page-Cache"] == "hit"


def test_without_redis_pages_are_still_served(app, proposal):
    from app import page_cache

    app.extensions["madang_page_cache"] = page_cache.redis.Redis(port=1, socket_connect_timeout=0.2)
    response, html = visit(app, f"/proposals/{proposal.id}")
    assert response.status_code == 200 and "신림천 산책로 조명 설치" in html
    assert "X-Page-Cache" not in response.headers


def test_the_internal_key_header_never_leaves_the_app(app, proposal):
    for _ in range(2):
        response, _html = visit(app, f"/proposals/{proposal.id}")
        assert not any(name.lower() == "x-madang-page-key" for name, _value in response.headers.items())


def test_a_visitor_with_a_session_cookie_but_no_account_gets_the_cached_page_too(app, proposal):
    visit(app, "/proposals/")
    client = app.test_client()
    with client.session_transaction() as s:
        s["csrf_token"] = "a-token-from-an-earlier-form"
    refresh()
    response = client.get("/proposals/")
    assert response.headers["X-Page-Cache"] == "hit"


def test_list_totals_stay_cached_through_sympathies_and_move_with_new_or_hidden_proposals(
        app, db, proposal, residents, welfare, make_user):
    from app import page_cache

    moderator = make_user("mod@example.com", role="admin")  # made first: a new account refreshes everything
    computed = []

    def total():
        """How many times the count has been computed so far (1 on the first call)."""
        return page_cache.cached_count(("test",), lambda: computed.append(1) or len(computed))

    with app.test_request_context("/"):
        assert total() == 1 and total() == 1
        service.support_proposal(residents[1], proposal)
        db.session.commit()
        assert total() == 1  # a sympathy changes no total: still the first count
        service.create_proposal(residents[2], title="관악산 등산로 안내판 정비", body="안내판이 낡아 읽기 어렵습니다. " * 3,
                                category=welfare)
        db.session.commit()
        assert total() == 2 and total() == 2  # recounted once after a new proposal
        service.hide_proposal(moderator, proposal, "중복 게시물입니다.")
        db.session.commit()
        assert total() == 3  # and once after one is hidden
    _, html = visit(app, "/proposals/")
    assert "1건" in html or "1 proposal" in html


def test_sympathies_after_the_threshold_leave_the_totals_cached(app, db, proposal, make_user):
    from app import page_cache

    supporters = [make_user(f"s{i}@example.com", verified_dong="1162052500") for i in range(8)]
    computed = []
    with app.test_request_context("/"):
        for person in supporters[:5]:
            service.support_proposal(person, proposal)
            db.session.commit()
        assert proposal.status == "in_review"
        page_cache.cached_count(("t",), lambda: computed.append(1) or len(computed))
        for person in supporters[5:]:  # the 6th to 8th move no status
            service.support_proposal(person, proposal)
            db.session.commit()
        assert page_cache.cached_count(("t",), lambda: computed.append(1) or len(computed)) == 1


def test_signed_in_visitors_get_the_shared_list_with_their_own_header(app, db, proposal, residents, login_as,
                                                                       client, welfare):
    from tests.test_query_counts import counting

    login_as(residents[1])
    client.get("/proposals/")  # shows (and so uses up) the "signed in" message
    first = client.get("/proposals/").get_data(as_text=True)
    db.session.remove()
    with counting(db.engine) as statements:
        again = client.get("/proposals/").get_data(as_text=True)
    assert "신림천 산책로 조명 설치" in again and "로그아웃" in again
    assert not any("FROM proposals" in s for s in statements), statements  # the list came ready-made
    assert again == first
    service.create_proposal(db.session.merge(residents[2]), title="낙성대 공원 화장실 개선", body="화장실이 낡고 불편합니다. " * 3,
                            category=db.session.merge(welfare))
    db.session.commit()
    assert "낙성대 공원 화장실 개선" in client.get("/proposals/").get_data(as_text=True)


# --- signed-in visitors, answered by the middleware with their own header -------------------------

SIGN_OUT = 'action="/auth/logout"'


def bell(html):
    match = re.search(r'<span class="bell-count">([0-9,]+)</span>', html)
    return int(match.group(1).replace(",", "")) if match else None


def warm(client, url="/proposals/"):
    """The first pages after signing in show its message and keep the visitor's header."""
    client.get(url)
    return client.get(url)


def test_a_signed_in_visitor_is_answered_before_flask_with_their_own_header(app, db, proposal, residents,
                                                                            login_as, client):
    from tests.test_query_counts import counting

    login_as(residents[1])
    warm(client)
    db.session.remove()
    with counting(db.engine) as statements:
        response = client.get("/proposals/")
    html = response.get_data(as_text=True)
    assert response.headers["X-Page-Cache"] == "hit-personal" and statements == []
    assert "신림천 산책로 조명 설치" in html and "로그아웃" in html and bell(html) == 0
    assert 'href="/auth/login' not in html and "__madang_csrf__" not in html
    assert response.headers["Cache-Control"] == "private, no-cache" and "Cookie" in response.headers["Vary"]
    assert "Content-Security-Policy" in response.headers
    # The spliced CSRF token is this session's own: signing out with it works.
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    after = client.get("/proposals/").get_data(as_text=True)
    assert SIGN_OUT not in after and "/auth/login" in after


def test_a_new_notice_shows_in_the_bell_on_the_next_load_and_reading_it_clears_it(app, db, proposal, residents,
                                                                                  login_as, client):
    from app.notifications.outbox import Recipient, notify
    from app.services.inbox import mark_read

    reader = residents[2]
    login_as(reader)
    assert bell(warm(client).get_data(as_text=True)) == 0
    notify("proposal.answered", db.session.merge(proposal), [Recipient(user=db.session.merge(reader))],
           channels=("inapp",))
    db.session.commit()
    assert bell(client.get("/proposals/").get_data(as_text=True)) == 1
    assert client.get("/proposals/").headers["X-Page-Cache"] == "hit-personal"
    mark_read(db.session.merge(reader))
    db.session.commit()
    assert bell(client.get("/").get_data(as_text=True)) == 0


def test_a_session_cookie_from_another_browser_is_left_to_flask(app, db, proposal, residents, login_as, client):
    login_as(residents[1])
    warm(client)
    response = client.get("/proposals/", headers={"User-Agent": "another browser"})
    assert response.headers.get("X-Page-Cache") != "hit-personal"
    assert SIGN_OUT not in response.get_data(as_text=True)  # Flask-Login's strong protection signed it out


def test_a_signed_out_session_replayed_gets_no_personal_page(app, db, proposal, residents, login_as, client):
    login_as(residents[1])
    warm(client)
    stolen = client.get_cookie("session").value
    html = client.get("/proposals/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post("/auth/logout", data={"csrf_token": token})
    other = app.test_client()
    other.set_cookie("session", stolen)
    replay = other.get("/proposals/")
    assert replay.headers.get("X-Page-Cache") != "hit-personal"
    assert SIGN_OUT not in replay.get_data(as_text=True)


def test_becoming_platform_officer_shows_the_admin_menu_at_once(app, db, proposal, residents, login_as, client):
    login_as(residents[1])
    assert "/admin/" not in warm(client).get_data(as_text=True)
    db.session.merge(residents[1]).role = "admin"
    db.session.commit()
    assert 'href="/admin/users"' in client.get("/proposals/").get_data(as_text=True)


def test_a_message_waiting_to_be_shown_goes_through_flask(app, db, proposal, residents, login_as, client):
    login_as(residents[1])
    response = client.get("/proposals/")  # the "signed in" message is in the session
    assert response.headers.get("X-Page-Cache") != "hit-personal"
    assert '<p class="flash flash-success">로그인되었습니다' in response.get_data(as_text=True)


def test_an_english_speaking_resident_gets_the_english_page_from_the_cache(app, db, proposal, make_user,
                                                                          login_as, client):
    reader = make_user("en-reader@example.com", locale="en")
    login_as(reader)
    warm(client, "/")
    response = client.get("/", headers={"Accept-Language": "ko"})
    html = response.get_data(as_text=True)
    assert response.headers["X-Page-Cache"] == "hit-personal"
    assert '<html lang="en">' in html and "Sign out" in html and "로그아웃" not in html


# --- a proposal's page for signed-in visitors: shared parts, personal controls --------------------

def test_signed_in_visitors_share_the_proposal_page_parts_but_not_their_controls(app, db, proposal, residents,
                                                                                 login_as, client, make_user):
    from app.models.base import utcnow
    from tests.test_query_counts import counting

    mine = comments.add_comment(db.session.merge(residents[1]), db.session.merge(proposal), "가로등이 꼭 필요합니다.")
    theirs = comments.add_comment(db.session.merge(residents[2]), db.session.merge(proposal), "저도 찬성합니다.")
    hidden = comments.add_comment(db.session.merge(residents[3]), db.session.merge(proposal), "광고 글입니다.")
    hidden.hidden_at, hidden.hidden_reason = utcnow(), "광고성 게시물"
    db.session.commit()
    mine_id, theirs_id, pid, hider = mine.id, theirs.id, proposal.id, residents[3].email
    login_as(residents[1])
    client.get(f"/proposals/{pid}")  # uses up the "signed in" message
    first = client.get(f"/proposals/{pid}").get_data(as_text=True)
    db.session.remove()
    with counting(db.engine) as statements:
        html = client.get(f"/proposals/{pid}").get_data(as_text=True)
    assert not any("FROM comments" in s or "FROM proposal_events" in s for s in statements), statements
    assert html.count("<article class=\"comment") == first.count("<article class=\"comment") == 3
    # No report button on my own comment; one on the other resident's; no one else's hiding reason.
    assert f"/comments/{mine_id}/report" not in html and f"/comments/{theirs_id}/report" in html
    assert "광고성 게시물" not in html and "<!--" not in html.split("<main", 1)[1].split("</main>")[0]
    assert CSRF not in html
    token = re.search(rf'action="/proposals/{pid}/comments/{theirs_id}/report">\s*<input type="hidden" '
                      r'name="csrf_token" value="([^"]+)"', html).group(1)
    reported = client.post(f"/proposals/{pid}/comments/{theirs_id}/report",
                           data={"csrf_token": token, "reason": "욕설이 있습니다"})
    assert reported.status_code == 302  # the spliced token is this visitor's own

    other = app.test_client()
    login_other = other.post("/auth/login", data={"email": hider, "password": "correct horse 42",
                                                  "csrf_token": _token(other)})
    assert login_other.status_code == 302
    other.get(f"/proposals/{pid}")
    seen = other.get(f"/proposals/{pid}").get_data(as_text=True)
    assert "광고성 게시물" in seen  # the author of the hidden comment sees why
    assert f"/comments/{mine_id}/report" in seen


CSRF = "__madang_csrf__"


def _token(client):
    html = client.get("/auth/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_a_new_comment_shows_at_once_to_signed_in_visitors(app, db, proposal, residents, login_as, client):
    login_as(residents[1])
    client.get(f"/proposals/{proposal.id}")
    assert "새 의견입니다" not in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    comments.add_comment(db.session.merge(residents[2]), db.session.merge(proposal), "새 의견입니다. 공감합니다.")
    db.session.commit()
    assert "새 의견입니다" in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)


def test_a_flood_of_sympathies_refreshes_the_list_at_most_once_a_window_and_never_later(app, db, proposal,
                                                                                    make_user):
    """The first sympathy shows on the list at once; the next ones within the window wait for it to
    end (the list's cache survives a viral proposal); the first visitor after the window sees them
    all. The proposal's own page shows every sympathy at once."""
    import time

    app.config["PAGE_CACHE_LIST_REFRESH_MS"] = 1500
    supporters = [make_user(f"flood{i}@example.com", verified_dong="1162052500") for i in range(3)]
    visit(app, "/proposals/")

    def listed():
        response, html = visit(app, "/proposals/")
        match = re.search(r"([0-9,]+)명", html.split("신림천 산책로 조명 설치", 1)[1])
        return response.headers["X-Page-Cache"], int(match.group(1))

    service.support_proposal(db.session.merge(supporters[0]), db.session.merge(proposal))
    db.session.commit()
    opened = time.monotonic()
    assert listed() == ("miss", 1)  # the first in a window: at once
    for person in supporters[1:]:
        service.support_proposal(db.session.merge(person), db.session.merge(proposal))
        db.session.commit()
    assert count_on(visit(app, f"/proposals/{proposal.id}")[1]) == 3  # the proposal's page: at once
    assert time.monotonic() - opened < 1.2, "too slow to see inside the window"
    assert listed() == ("hit", 1)  # within the window the list keeps its cached copy
    time.sleep(max(0.0, 1.55 - (time.monotonic() - opened)))
    assert listed() == ("miss", 3)  # the first reader after the window refreshes it
    assert listed() == ("hit", 3)


# --- a proposal's page for a signed-in visitor: their own copy, answered before Flask --------------

def pressed(html, cls):
    """aria-pressed of the support ("support-button") or follow ("follow-button") toggle."""
    match = re.search(rf'class="[^"]*{cls}"\s+aria-pressed="(true|false)"', html)
    return match.group(1) if match else None


def test_a_signed_in_visitors_second_look_at_a_proposal_is_their_own_copy_before_flask(
        app, db, proposal, residents, login_as, client):
    from tests.test_query_counts import counting

    pid = proposal.id
    login_as(residents[1])
    warm(client, f"/proposals/{pid}")
    first = client.get(f"/proposals/{pid}")
    db.session.remove()
    with counting(db.engine) as statements:
        again = client.get(f"/proposals/{pid}")
    html = again.get_data(as_text=True)
    assert again.headers["X-Page-Cache"] == "hit-personal" and statements == []
    assert first.get_data(as_text=True) == html
    assert again.headers["Cache-Control"] == "private, no-cache" and "Cookie" in again.headers["Vary"]
    assert "Content-Security-Policy" in again.headers and "X-Madang-Mypage-Key" not in again.headers
    assert "신림천 산책로 조명 설치" in html and SIGN_OUT in html and CSRF not in html
    assert pressed(html, "support-button") == "false" and count_on(html) == 0
    # The token put in is this session's own: supporting with it works, and shows at once.
    token = re.search(rf'action="/proposals/{pid}/support"[^>]*>\s*<input[^>]*name="csrf_token"[^>]*value="([^"]+)"',
                      html).group(1)
    assert client.post(f"/proposals/{pid}/support", data={"csrf_token": token}).status_code == 302
    client.get(f"/proposals/{pid}")  # shows (and uses up) "Thank you for your support."
    after = client.get(f"/proposals/{pid}").get_data(as_text=True)
    assert pressed(after, "support-button") == "true" and count_on(after) == 1


def test_following_shows_on_the_visitors_own_copy_at_once(app, db, proposal, residents, login_as, client):
    pid = proposal.id
    login_as(residents[1])
    warm(client, f"/proposals/{pid}")
    assert pressed(client.get(f"/proposals/{pid}").get_data(as_text=True), "follow-button") == "false"
    service.follow(db.session.merge(residents[1]), db.session.merge(proposal))
    db.session.commit()
    response = client.get(f"/proposals/{pid}")
    assert pressed(response.get_data(as_text=True), "follow-button") == "true"
    assert response.headers.get("X-Page-Cache") != "hit-personal"  # rendered afresh, then kept
    service.unfollow(db.session.merge(residents[1]), db.session.merge(proposal))
    db.session.commit()
    assert pressed(client.get(f"/proposals/{pid}").get_data(as_text=True), "follow-button") == "false"


def test_each_visitor_gets_only_their_own_copy(app, db, proposal, residents, login_as, client):
    """The author sees no support button on their own proposal; another resident's copy has one."""
    pid = proposal.id
    login_as(residents[1])
    warm(client, f"/proposals/{pid}")
    assert client.get(f"/proposals/{pid}").headers["X-Page-Cache"] == "hit-personal"
    author = app.test_client()
    author.post("/auth/login", data={"email": residents[0].email, "password": "correct horse 42",
                                     "csrf_token": _token(author)})
    author.get(f"/proposals/{pid}")
    mine = author.get(f"/proposals/{pid}")
    again = author.get(f"/proposals/{pid}")
    assert again.headers["X-Page-Cache"] == "hit-personal"
    assert pressed(again.get_data(as_text=True), "support-button") is None
    assert again.get_data(as_text=True).count(SIGN_OUT) == mine.get_data(as_text=True).count(SIGN_OUT) == 1
    assert pressed(client.get(f"/proposals/{pid}").get_data(as_text=True), "support-button") == "false"


def test_joining_the_division_in_charge_shows_the_staff_control_at_once(app, db, proposal, residents, login_as,
                                                                          client):
    pid = proposal.id
    login_as(residents[2])
    warm(client, f"/proposals/{pid}")
    assert "/staff/proposals/" not in client.get(f"/proposals/{pid}").get_data(as_text=True)
    staff = db.session.merge(residents[2])
    staff.role = "staff"
    db.session.commit()  # the role alone is a change of the account; the membership below is not
    client.get(f"/proposals/{pid}")
    assert client.get(f"/proposals/{pid}").headers["X-Page-Cache"] == "hit-personal"
    db.session.add(StaffMembership(user_id=staff.id, division_id=db.session.merge(proposal).division_id))
    db.session.commit()
    html = client.get(f"/proposals/{pid}").get_data(as_text=True)
    assert f'href="/staff/proposals/{pid}"' in html


def test_a_signed_out_session_replayed_gets_no_copy_of_a_proposal(app, db, proposal, residents, login_as, client):
    pid = proposal.id
    login_as(residents[1])
    warm(client, f"/proposals/{pid}")
    html = client.get(f"/proposals/{pid}").get_data(as_text=True)
    stolen = client.get_cookie("session").value
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post("/auth/logout", data={"csrf_token": token})
    other = app.test_client()
    other.set_cookie("session", stolen)
    replay = other.get(f"/proposals/{pid}")
    assert replay.headers.get("X-Page-Cache") != "hit-personal"
    assert SIGN_OUT not in replay.get_data(as_text=True)


def test_a_crowd_on_one_page_gets_it_from_the_process_not_over_and_over_from_redis(app, proposal):
    """While a page's key is current, Redis answers "the one you have": 20 visits move the page's
    bytes out of Redis once, not 20 times (Redis's own count of bytes sent)."""
    import redis as redis_lib

    url = f"/proposals/{proposal.id}"
    server = redis_lib.Redis.from_url(app.config["REDIS_URL"])
    visit(app, url)
    first, html = visit(app, url)
    assert first.headers["X-Page-Cache"] == "hit"
    before = server.info("stats")["total_net_output_bytes"]
    for _ in range(20):
        response, again = visit(app, url)
        assert response.headers["X-Page-Cache"] == "hit" and again == html
    sent = server.info("stats")["total_net_output_bytes"] - before
    assert len(html.encode()) > 5000
    assert sent < 2 * len(html.encode()), sent  # 20 small answers, not 20 pages


def test_a_process_copy_is_never_older_than_a_second_even_if_redis_went_back_in_time(app, db, proposal, residents):
    """Redis restored from an older snapshot: its generations are what they were when the copy was
    made, so the copy's key looks current although the page has changed since. A process's copy is
    used for at most a second after it was fetched; then the new page shows."""
    import time

    import redis as redis_lib

    server = redis_lib.Redis.from_url(app.config["REDIS_URL"])
    url = f"/proposals/{proposal.id}"
    visit(app, url)
    assert count_on(visit(app, url)[1]) == 0
    snapshot = {key: server.get(key) for key in server.scan_iter("madang:gen:*")}
    service.support_proposal(residents[1], proposal)
    db.session.commit()
    server.flushdb()
    server.mset(snapshot)  # the old generations, no pages
    time.sleep(1.05)
    assert count_on(visit(app, url)[1]) == 1
