"""Security baseline: safe redirects, inert Markdown, headers, CSRF."""
import re

import pytest

from app.security import is_safe_next
from app.text import render_markdown


@pytest.mark.parametrize("target", [
    "//evil.example", "/\\evil.example", "https:evil.example", "javascript:alert(1)",
    "\t//evil.example", "https://evil.example/", " /x", "", None, "\n/ok", "/ok\x00",
])
def test_next_refuses_anything_but_a_same_origin_path(target):
    assert not is_safe_next(target)


def test_next_keeps_a_same_origin_path_exactly():
    assert is_safe_next("/proposals/7?tab=opinions")


# The targets the issue lists; the tab is a real U+0009, which browsers strip before resolving.
REFUSED_NEXT = ["//evil.example", "/\\evil.example", "https:evil.example", "javascript:alert(1)",
                "\t//evil.example"]
KEPT_NEXT = "/proposals/7?tab=opinions"


def sign_in_with_next(forms, user, target):
    """Sign in the way a browser would after following /auth/login?next=<target>: the target is
    sent as a real query argument (query_string, so Werkzeug's URL parsing cannot strip a tab)
    and, for good measure, as a posted field too."""
    response = forms.submit("/auth/login", {"email": user.email, "password": "correct horse 42", "next": target},
                            query_string={"next": target})
    assert response.request.args["next"] == target  # what the route saw, byte for byte
    return response


@pytest.mark.parametrize("target", REFUSED_NEXT)
def test_login_never_redirects_off_site(make_user, forms, target):
    response = sign_in_with_next(forms, make_user(), target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_keeps_a_same_origin_next_with_its_query_exactly(make_user, forms):
    response = sign_in_with_next(forms, make_user(), KEPT_NEXT)
    assert response.status_code == 302
    assert response.headers["Location"] == KEPT_NEXT


@pytest.mark.parametrize("target", REFUSED_NEXT)
def test_an_already_signed_in_visitor_sent_to_login_is_never_redirected_off_site(make_user, login_as, client, target):
    login_as(make_user())
    response = client.get("/auth/login", query_string={"next": target})
    assert response.request.args["next"] == target
    assert response.status_code == 302 and response.headers["Location"] == "/"
    kept = client.get("/auth/login", query_string={"next": KEPT_NEXT})
    assert kept.headers["Location"] == KEPT_NEXT


@pytest.mark.parametrize("target", REFUSED_NEXT)
def test_registration_never_redirects_off_site(forms, target):
    data = {"email": "next@example.com", "password": "sunflower 2026", "password2": "sunflower 2026",
            "display_name": "박지우", "locale": "ko", "consent": "y", "next": target}
    response = forms.submit("/auth/register", data, query_string={"next": target})
    assert response.request.args["next"] == target
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", REFUSED_NEXT)
def test_the_language_switcher_never_redirects_off_site(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.request.args["next"] == target
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/lang/ko", query_string={"next": KEPT_NEXT}).headers["Location"] == KEPT_NEXT


@pytest.mark.parametrize("source", [
    "[x](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    "[d](data:text/html;base64,PHNjcmlwdD4=)",
    "<script>alert(1)</script>",
    "[x](JAVASCRIPT:alert(1))",
])
def test_markdown_renders_inert(source):
    html = str(render_markdown(source))
    tags = re.findall(r"<([a-z0-9]+)([^>]*)>", html)
    assert {name for name, _ in tags} <= {"p", "a", "br"}
    for _name, attrs in tags:
        assert "on" not in re.findall(r"\s(on)[a-z]+=", attrs)
        for href in re.findall(r'href="([^"]*)"', attrs):
            assert href.startswith(("http://", "https://", "mailto:")), href


def test_markdown_still_renders_bold_lists_and_https_links():
    html = str(render_markdown("**굵게**\n\n- 하나\n- 둘\n\n[관악구](https://www.gwanak.go.kr)"))
    assert "<strong>굵게</strong>" in html
    assert "<li>하나</li>" in html
    assert '<a href="https://www.gwanak.go.kr" rel="nofollow noopener noreferrer ugc">관악구</a>' in html


def test_every_page_sends_the_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_a_form_posted_without_its_csrf_token_is_refused(client, make_user):
    user = make_user()
    response = client.post("/auth/login", data={"email": user.email, "password": "correct horse 42"})
    assert response.status_code == 400
    assert client.get("/account/").status_code == 302  # still signed out


def test_production_cookies_are_secure():
    from config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE and ProductionConfig.REMEMBER_COOKIE_SECURE


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    from app import create_app
    from config import ProductionConfig

    class NoSecret(ProductionConfig):
        SECRET_KEY = None

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(NoSecret)


SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
                    "Permissions-Policy")


def assert_security_headers(response):
    from app.security import CSP

    for name in SECURITY_HEADERS:
        assert len(response.headers.getlist(name)) == 1, name
    csp = response.headers["Content-Security-Policy"]
    assert csp == CSP
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/", "/proposals/", "/proposals/{id}"])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_pages_answered_by_the_page_cache_send_the_same_security_headers(app, client, make_proposal, path, lang):
    """A crowd is answered from Redis, by the WSGI middleware (no cookie at all) or by Flask's
    before-request hook (a session cookie without a user); both must send Flask's headers."""
    url = path.format(id=make_proposal().id)
    headers = {"Accept-Language": lang}
    first = app.test_client().get(url, headers=headers)
    assert first.headers["X-Page-Cache"] == "miss"
    assert_security_headers(first)

    middleware_hit = app.test_client().get(url, headers=headers)
    assert middleware_hit.headers["X-Page-Cache"] == "hit"
    assert middleware_hit.get_data() == first.get_data()
    assert_security_headers(middleware_hit)

    with_session = app.test_client()
    with_session.get("/auth/login", headers=headers)  # the CSRF token puts a session cookie in the jar
    assert with_session.get_cookie("session") is not None
    flask_hit = with_session.get(url, headers=headers)
    assert flask_hit.headers["X-Page-Cache"] == "hit"
    assert_security_headers(flask_hit)

    for name in SECURITY_HEADERS:
        assert middleware_hit.headers[name] == flask_hit.headers[name] == first.headers[name], name


def test_a_request_larger_than_any_form_is_refused_before_it_is_read(client):
    body = b"x" * (17 * 1024 * 1024)
    response = client.post("/auth/login", data=body, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                               "Accept-Language": "ko"})
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "보낸 내용이 너무 큽니다" in html and '<html lang="ko">' in html
