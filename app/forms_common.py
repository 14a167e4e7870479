"""Validators and filters shared by every form."""
from urllib.parse import unquote_to_bytes

from flask import g, request
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from app.text import clean_text


def has_bad_characters(value):
    """NUL and other control characters, or U+FFFD where the browser sent invalid UTF-8."""
    return any(
        ch == "\ufffd" or (ord(ch) < 0x20 and ch not in "\n\r\t") or ord(ch) == 0x7F
        for ch in value
    )


class CleanText:
    """Refuses text with characters that cannot be stored or shown safely."""

    message = _l("This field contains characters that cannot be used. Please remove them and try again.")

    def __call__(self, form, field):
        raw = field.raw_data[0] if field.raw_data else ""
        if (isinstance(raw, str) and has_bad_characters(raw)) or field.name in g.get("invalid_utf8_fields", ()):
            raise ValidationError(self.message)


class VisibleText:
    """At least `minimum` characters that show on screen (not spaces or zero-width marks).

    Used next to Length(min=minimum): text that is simply too short is Length's to explain, so
    one problem gets one message; this catches text long enough only thanks to invisible marks.
    """

    def __init__(self, minimum=2):
        self.minimum = minimum

    def __call__(self, form, field):
        import unicodedata

        if len(field.data or "") < self.minimum:
            return
        visible = [ch for ch in field.data or "" if unicodedata.category(ch)[0] not in ("Z", "C")]
        if len(visible) < self.minimum:
            raise ValidationError(_l("Use at least %(num)s visible characters.", num=self.minimum))


# The largest id an INTEGER column holds; the same bound as the <id:...> URL converter.
MAX_ID = 2**31 - 1


def parse_id(value):
    """A database id from a form field, or None: junk and numbers no column could hold are not ids
    (a lookup with them would overflow the database driver and end in a 500)."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def clean_filter(value):
    """Form filter: normalised, control characters dropped, surrounding spaces trimmed."""
    return clean_text(value).strip() if isinstance(value, str) else value


def _undecodable(pairs):
    """{name: value with the undecodable bytes left out} for the pairs that are not valid UTF-8."""
    bad = {}
    for pair in pairs:
        key, _, value = pair.partition(b"=")
        raw = unquote_to_bytes(value.replace(b"+", b" "))
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            bad[unquote_to_bytes(key).decode("utf-8", "replace")] = raw.decode("utf-8", "ignore")
    return bad


def _find_invalid_utf8():
    """Werkzeug leaves undecodable %-escapes as literal text; note which arguments and form fields
    had them (a search for "%FF" typed by a visitor arrives as %25FF, so the raw bytes decide)."""
    g.invalid_utf8_args = _undecodable(request.query_string.split(b"&")) if request.query_string else {}
    if request.method != "POST" or request.mimetype != "application/x-www-form-urlencoded":
        return
    if (request.content_length or 0) > 1_000_000:
        return
    # Cached, so Werkzeug parses request.form from the same bytes afterwards.
    g.invalid_utf8_fields = set(_undecodable(request.get_data(cache=True).split(b"&")))


def init_app(app):
    # First of all hooks: CSRFProtect's hook parses request.form, which would consume the body.
    app.before_request_funcs.setdefault(None, []).insert(0, _find_invalid_utf8)
