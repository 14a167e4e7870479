"""Accounts: register, sign in and out, password reset by queued email, account page, bad input."""
import re

import pytest

from app.models import User

GOOD = {
    "email": "jiwoo@example.com", "password": "sunflower 2026", "password2": "sunflower 2026",
    "display_name": "박지우", "locale": "en", "consent": "y",
}


def register(forms, **changes):
    data = {**GOOD, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    return forms.submit("/auth/register", data)


def test_registration_creates_a_resident_with_consent_stamped(forms, db, app):
    response = register(forms)
    assert response.status_code == 302
    user = db.session.query(User).filter_by(email="jiwoo@example.com").one()
    assert user.role == "resident" and not user.is_verified_resident
    assert user.locale == "en"
    assert user.privacy_consent_version == app.config["PRIVACY_CONSENT_VERSION"]
    assert user.privacy_consent_at is not None
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:")) and "sunflower" not in user.password_hash


def test_email_is_stored_lower_case_and_duplicates_are_refused(forms, db, make_user):
    make_user("jiwoo@example.com")
    response = register(forms, email="JiWoo@Example.com")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "이 이메일 주소로 가입된 계정이 이미 있습니다." in html
    assert 'value="박지우"' in html  # what they typed is kept
    assert db.session.query(User).count() == 1


@pytest.mark.parametrize("changes, message_en", [
    ({"password": "short1", "password2": "short1"}, "Choose a stronger password"),
    ({"password": "onlyletterslong", "password2": "onlyletterslong"}, "Choose a stronger password"),
    ({"password2": "sunflower 2027"}, "The two passwords do not match."),
    ({"consent": None}, "You must agree to the privacy notice to register."),
    ({"display_name": "가" * 10240}, "The display name must be between 2 and 30 characters."),
    ({"display_name": "박\x00지우"}, "This field contains characters that cannot be used."),
    ({"email": "not-an-email"}, "Enter a valid email address"),
])
def test_bad_registration_gets_a_clear_message_and_keeps_the_other_fields(forms, db, changes, message_en):
    forms.client.set_cookie("madang_lang", "en")
    response = register(forms, **changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message_en in html
    assert 'value="jiwoo@example.com"' in html or "email" in changes
    assert db.session.query(User).count() == 0


def test_invalid_utf8_in_a_field_gets_a_message_not_a_500(client, db):
    page = client.get("/auth/register")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    body = (
        b"csrf_token=" + token.encode() + b"&email=a%40example.com&password=sunflower+2026&password2=sunflower+2026"
        b"&display_name=%ff%fe%e2%82&locale=ko&consent=y"
    )
    response = client.post("/auth/register", data=body, content_type="application/x-www-form-urlencoded",
                           headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "This field contains characters that cannot be used." in response.get_data(as_text=True)
    assert db.session.query(User).count() == 0


def test_unknown_email_and_wrong_password_get_the_same_message(forms, make_user):
    make_user("known@example.com")
    forms.client.set_cookie("madang_lang", "en")
    wrong_password = forms.submit("/auth/login", {"email": "known@example.com", "password": "nope nope 1"})
    unknown_email = forms.submit("/auth/login", {"email": "nobody@example.com", "password": "nope nope 1"})
    assert wrong_password.status_code == unknown_email.status_code == 400

    def message(r):
        return re.search(r'class="form-hint-invalid"[^>]*>([^<]+)<', r.get_data(as_text=True)).group(1)

    assert message(wrong_password) == message(unknown_email) == "The email address or password is not correct."


def test_sign_in_and_out(forms, make_user, client):
    user = make_user()
    response = forms.submit("/auth/login", {"email": user.email, "password": "correct horse 42"})
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    forms.submit("/account/", {}, action="/auth/logout")
    assert client.get("/account/").status_code == 302


def test_login_is_rate_limited(forms, make_user, app):
    make_user("known@example.com")
    statuses = [
        forms.submit("/auth/login", {"email": "known@example.com", "password": f"wrong {i}"}).status_code
        for i in range(11)
    ]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429


def test_forgot_password_sends_a_link_through_the_queue_that_resets_the_password(
    forms, client, make_user, smtp, run_jobs, db
):
    user_id = make_user("reset@example.com", locale="en").id
    response = forms.submit("/auth/forgot", {"email": "Reset@Example.com"})
    assert response.status_code == 302
    assert smtp.messages == []  # nothing is sent in the request: the worker sends it
    run_jobs()
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["To"] == "reset@example.com"
    assert mail["Subject"] == "Reset your password"
    assert mail["From"].addresses[0].display_name == "온라인 관악청"
    text = mail.get_body(("plain",)).get_content()
    link = re.search(r"http://localhost(/auth/reset/\S+)", text).group(1)
    assert mail.get_body(("html",)) is not None

    response = forms.submit(link, {"password": "new sunflower 9", "password2": "new sunflower 9"})
    assert response.status_code == 302
    assert db.session.get(User, user_id).check_password("new sunflower 9")
    # The link dies with the old password.
    assert client.get(link).status_code == 302


def test_forgot_password_for_an_unknown_email_says_the_same_and_sends_nothing(forms, smtp, run_jobs):
    response = forms.submit("/auth/forgot", {"email": "ghost@example.com"})
    assert response.status_code == 302
    assert run_jobs().count == 0
    assert smtp.messages == []


def test_account_page_changes_language_and_password(forms, make_user, login_as, client, db):
    user = make_user(locale="ko")
    login_as(user)
    response = forms.submit("/account/", {"lang-locale": "en"}, action="/account/language")
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.locale == "en"
    assert 'lang="en"' in client.get("/account/").get_data(as_text=True)

    wrong = forms.submit("/account/", {"pw-current_password": "bad", "pw-password": "another pass 77",
                                       "pw-password2": "another pass 77"}, action="/account/password")
    assert wrong.status_code == 400
    assert "Your current password is not correct." in wrong.get_data(as_text=True)
    ok = forms.submit("/account/", {"pw-current_password": "correct horse 42", "pw-password": "another pass 77",
                                    "pw-password2": "another pass 77"}, action="/account/password")
    assert ok.status_code == 302
    db.session.refresh(user)
    assert user.check_password("another pass 77")


def test_a_copied_session_cookie_stops_working_after_sign_out(forms, make_user, client, app):
    user = make_user()
    forms.submit("/auth/login", {"email": user.email, "password": "correct horse 42"})
    stolen = client.get_cookie("session").value
    forms.submit("/account/", {}, action="/auth/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/account/").status_code == 302


def test_changing_the_password_signs_out_other_sessions_but_not_this_one(forms, make_user, app):
    user = make_user()
    other = app.test_client()
    other_forms = type(forms)(other)
    other_forms.submit("/auth/login", {"email": user.email, "password": "correct horse 42"})
    forms.submit("/auth/login", {"email": user.email, "password": "correct horse 42"})
    response = forms.submit("/account/", {"pw-current_password": "correct horse 42", "pw-password": "fresh pass 2026",
                                          "pw-password2": "fresh pass 2026"}, action="/account/password")
    assert response.status_code == 302
    assert forms.client.get("/account/").status_code == 200
    assert other.get("/account/").status_code == 302


def test_a_display_name_of_invisible_characters_is_refused(forms, db):
    forms.client.set_cookie("madang_lang", "en")
    response = register(forms, display_name="\u200b\u200b\u200b")
    assert response.status_code == 400
    assert "Use at least 2 visible characters." in response.get_data(as_text=True)


def test_the_rate_limit_page_says_how_long_to_wait(forms, make_user):
    make_user("known@example.com")
    forms.client.set_cookie("madang_lang", "en")
    for i in range(10):
        forms.submit("/auth/login", {"email": "known@example.com", "password": f"wrong {i}"})
    response = forms.submit("/auth/login", {"email": "known@example.com", "password": "wrong again"})
    assert response.status_code == 429
    assert "Please wait 1 minute and try again." in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "60"
    # Another account from the same address is not locked out.
    assert forms.submit("/auth/login", {"email": "other@example.com", "password": "x"}).status_code == 400
