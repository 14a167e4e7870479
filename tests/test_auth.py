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


# Each bad input gets its message, in the visitor's language, on the field it is about.
MESSAGES = {
    "bad_characters": {"en": "This field contains characters that cannot be used. Please remove them and try again.",
                       "ko": "이 항목에 사용할 수 없는 문자가 있습니다. 해당 문자를 지우고 다시 시도해 주십시오."},
    "weak": {"en": "Choose a stronger password: at least 10 characters, with letters and numbers.",
             "ko": "더 안전한 비밀번호를 사용하십시오. 영문자와 숫자를 포함하여 10자 이상이어야 합니다."},
    "mismatch": {"en": "The two passwords do not match.", "ko": "두 비밀번호가 일치하지 않습니다."},
    "consent": {"en": "You must agree to the privacy notice to register.",
                "ko": "회원가입을 하려면 개인정보 수집·이용에 동의해야 합니다."},
    "name_length": {"en": "The display name must be between 2 and 30 characters.",
                    "ko": "표시 이름은 2자 이상 30자 이하여야 합니다."},
    "taken": {"en": "An account with this email address already exists.",
              "ko": "이 이메일 주소로 가입된 계정이 이미 있습니다."},
    "email": {"en": "Enter a valid email address, like name@example.com.",
              "ko": "name@example.com과 같은 올바른 이메일 주소를 입력하십시오."},
}
TEXT_FIELDS = ["email", "display_name"]  # typed fields a browser keeps; password fields come back blank


def typed_back(html):
    """What the form shows again: the text fields' values, the chosen language, the consent box."""
    from tests.page_parts import parse

    form = parse(html).find("main").find("form")
    values = {name: form.find("input", name=name).attrs.get("value") for name in TEXT_FIELDS}
    values["locale"] = [i.attrs["value"] for i in form.find_all("input", name="locale") if "checked" in i.attrs]
    values["consent"] = "checked" in form.find("input", name="consent").attrs
    values["password"] = form.find("input", name="password").attrs.get("value")
    return values


def error_on(html, field):
    from tests.page_parts import parse

    return parse(html).by_id(f"{field}-error").text()


def assert_refused_and_kept(response, field, message, lang, expected_kept):
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'<html lang="{lang}">' in html
    assert message[lang] in error_on(html, field)
    kept = typed_back(html)
    for name, value in expected_kept.items():
        assert kept[name] == value, name
    assert kept["password"] in (None, "")  # passwords are never echoed


def kept_except(field):
    """The other fields, exactly as GOOD typed them."""
    kept = {"email": GOOD["email"], "display_name": GOOD["display_name"], "locale": [GOOD["locale"]], "consent": True}
    kept.pop(field, None)
    return kept


BAD_REGISTRATIONS = {
    "weak password": ({"password": "short1", "password2": "short1"}, "password", "weak"),
    "letters only": ({"password": "onlyletterslong", "password2": "onlyletterslong"}, "password", "weak"),
    "mismatched passwords": ({"password2": "sunflower 2027"}, "password2", "mismatch"),
    "no consent": ({"consent": None}, "consent", "consent"),
    "10 KB display name": ({"display_name": "가" * 10240}, "display_name", "name_length"),
    "NUL in the display name": ({"display_name": "박\x00지우"}, "display_name", "bad_characters"),
    "NUL in the email": ({"email": "jiwoo\x00@example.com"}, "email", "bad_characters"),
    "NUL in the password": ({"password": "sunflower\x00 2026", "password2": "sunflower\x00 2026"}, "password",
                            "bad_characters"),
    "NUL in the repeated password": ({"password2": "sunflower\x00 2026"}, "password2", "bad_characters"),
    "not an email": ({"email": "not-an-email"}, "email", "email"),
}


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("case", BAD_REGISTRATIONS)
def test_bad_registration_gets_a_translated_message_on_its_field_and_keeps_the_other_fields(forms, db, case, lang):
    changes, field, message = BAD_REGISTRATIONS[case]
    forms.client.set_cookie("madang_lang", lang)
    response = register(forms, **changes)
    assert_refused_and_kept(response, field, MESSAGES[message], lang, kept_except(field))
    assert db.session.query(User).count() == 0
    if field == "consent":
        assert typed_back(response.get_data(as_text=True))["consent"] is False


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_an_existing_email_is_refused_in_the_visitors_language_and_the_rest_is_kept(forms, db, make_user, lang):
    make_user("jiwoo@example.com")
    forms.client.set_cookie("madang_lang", lang)
    response = register(forms, email="JiWoo@Example.com")
    assert_refused_and_kept(response, "email", MESSAGES["taken"], lang,
                            {"email": "JiWoo@Example.com", **kept_except("email")})  # as typed
    assert db.session.query(User).count() == 1


def post_raw_registration(client, lang, field, raw_value):
    """A registration posted as raw bytes, so a field can carry bytes that are not UTF-8."""
    from urllib.parse import quote

    from tests.support import csrf_from

    client.set_cookie("madang_lang", lang)
    token = csrf_from(client.get("/auth/register").get_data(as_text=True))
    pairs = {"csrf_token": token, **GOOD}
    body = b"&".join(name.encode() + b"=" + (raw_value if name == field else quote(value).encode())
                     for name, value in pairs.items())
    return client.post("/auth/register", data=body, content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("field", ["email", "password", "password2", "display_name"])
def test_invalid_utf8_in_any_field_gets_a_translated_message_keeps_the_rest_and_never_a_500(client, db, field, lang):
    response = post_raw_registration(client, lang, field, b"sun%ff%feflower+2026%e2%82")
    assert_refused_and_kept(response, field, MESSAGES["bad_characters"], lang, kept_except(field))
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
    # Flask-Limiter writes the seconds left in the window (60, or 59 once a second has ticked).
    assert 55 <= int(response.headers["Retry-After"]) <= 60
    # Another account from the same address is not locked out.
    assert forms.submit("/auth/login", {"email": "other@example.com", "password": "x"}).status_code == 400
