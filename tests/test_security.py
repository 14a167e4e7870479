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


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https:evil.example",
                                    "javascript:alert(1)", "\t//evil.example"])
def test_login_never_redirects_off_site(client, make_user, forms, target):
    user = make_user()
    response = forms.submit("/auth/login", {"email": user.email, "password": "correct horse 42"},
                            action="/auth/login?next=" + target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_keeps_a_same_origin_next_with_its_query(client, make_user, forms):
    user = make_user()
    response = forms.submit("/auth/login", {"email": user.email, "password": "correct horse 42"},
                            action="/auth/login?next=%2Fproposals%2F7%3Ftab%3Dopinions")
    assert response.headers["Location"] == "/proposals/7?tab=opinions"


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
