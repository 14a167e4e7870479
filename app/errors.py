"""Error pages in the visitor's language: 400, 403, 404, 413, 429, 500, and CSRF failures."""
import time

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("The page you asked for does not exist or has been moved.")),
    405: (_l("Not allowed"), _l("This address cannot be used that way.")),
    413: (_l("Too large"), _l("What you sent is too large: at most 3 files of 5 MB each, and a text of at most "
                              "10,000 characters. Please go back and send less.")),
    429: (_l("Too many attempts"), _l("Too many attempts in a short time. Please wait a minute and try again.")),
    500: (_l("Something went wrong"), _l("An error occurred on our side. It has been logged; please try again later.")),
}


def _render(code, title=None, message=None):
    from flask import jsonify, request

    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    if request.accept_mimetypes.best == "application/json":  # the page's script: it shows the message
        return jsonify(ok=False, message=str(message or default_message)), code
    return (
        render_template(
            "errors/error.html", code=code, title=title or default_title,
            message=message or default_message,
        ),
        code,
    )


def _too_many(e):
    """Say how long to wait, from the limit that was hit."""
    from flask_babel import ngettext

    from app.extensions import limiter

    minutes = 1
    hit = limiter.current_limit
    if hit is not None:
        minutes = max(1, -(-int(hit.reset_at - time.time()) // 60))
    body, code = _render(429, message=ngettext(
        "Too many attempts in a short time. Please wait %(num)s minute and try again.",
        "Too many attempts in a short time. Please wait %(num)s minutes and try again.", minutes))
    return body, code, {"Retry-After": str(minutes * 60)}


def _server_error(e):
    """A failed flush leaves the session unusable until rolled back, and the page itself reads the
    database (the signed-in user, the bell): roll back first, or the error page fails too."""
    from app.extensions import db

    db.session.rollback()
    return _render(500)


def init_app(app):
    for code in MESSAGES:
        if code not in (429, 500):
            app.register_error_handler(code, lambda e, code=code: _render(code))
    app.register_error_handler(500, _server_error)
    app.register_error_handler(429, _too_many)

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return _render(
            400, _l("The form expired"),
            _l("For your security the form could not be accepted. Please go back, reload the page and send it again."),
        )
