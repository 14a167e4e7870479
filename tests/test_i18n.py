"""Language: the choice order, the switcher, and dates in Asia/Seoul."""
from datetime import UTC, datetime

from flask_babel import force_locale


def lang_of(response):
    import re

    return re.search(r'<html lang="([a-z]+)"', response.get_data(as_text=True)).group(1)


def test_korean_is_the_default(client):
    assert lang_of(client.get("/")) == "ko"


def test_accept_language_is_used_when_nothing_else_is_chosen(client):
    assert lang_of(client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})) == "en"


def test_cookie_beats_accept_language(client):
    client.set_cookie("madang_lang", "ko")
    assert lang_of(client.get("/", headers={"Accept-Language": "en"})) == "ko"


def test_the_accounts_language_beats_the_cookie(client, make_user, login_as):
    login_as(make_user(locale="en"))
    client.set_cookie("madang_lang", "ko")
    assert lang_of(client.get("/", headers={"Accept-Language": "ko"})) == "en"


def test_switcher_returns_to_the_same_page_and_the_choice_sticks(client):
    response = client.get("/lang/en?next=%2Fproposals%2F%3Fstatus%3Dopen%26page%3D2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/proposals/?status=open&page=2"
    assert lang_of(client.get("/proposals/?status=open")) == "en"
    assert lang_of(client.get("/about")) == "en"


def test_switcher_refuses_to_leave_the_site(client):
    assert client.get("/lang/en?next=//evil.example").headers["Location"] == "/"


def test_switcher_saves_the_language_on_the_account(client, make_user, login_as, db):
    user = make_user(locale="ko")
    login_as(user)
    client.get("/lang/en?next=/")
    db.session.refresh(user)
    assert user.locale == "en"


def test_switcher_link_on_every_page_points_back_to_that_page(client):
    html = client.get("/proposals/?status=open&page=1").get_data(as_text=True)
    assert 'href="/lang/en?next=/proposals/?status%3Dopen%26page%3D1"' in html


def test_pages_are_translated_into_korean(client):
    html = client.get("/proposals/", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "정책 제안" in html and "Policy proposals" not in html


def test_dates_are_shown_in_seoul_time_per_locale(app):
    from app.template_helpers import seoul_date, seoul_datetime

    late_utc = datetime(2025, 3, 16, 15, 30, tzinfo=UTC)  # 2025-03-17 00:30 in Seoul
    with app.test_request_context():
        with force_locale("ko"):
            assert seoul_datetime(late_utc) == "2025. 3. 17. 00:30"
            assert seoul_date(late_utc) == "2025. 3. 17."
        with force_locale("en"):
            assert seoul_datetime(late_utc) == "17 Mar 2025, 00:30"
