"""Security headers and the same-origin check for `next` redirects."""
from urllib.parse import urlsplit

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'; frame-ancestors 'none'"
)


def is_safe_next(target):
    """True only for a same-origin path such as "/proposals/7?tab=opinions".

    Browsers strip leading whitespace and treat "\\" as "/", so "\\t//evil", "/\\evil" and
    "https:evil" all leave the site; anything but a plain absolute path is refused.
    """
    if not target or not isinstance(target, str):
        return False
    if target[0] != "/" or target.startswith("//") or "\\" in target:
        return False
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target, default="/"):
    return target if is_safe_next(target) else default


HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def _headers(response):
    for name, value in HEADERS:
        response.headers.setdefault(name, value)
    return response


def init_app(app):
    app.after_request(_headers)
