"""Locale choice (account → cookie → Accept-Language → ko) and Babel wiring."""
from flask import current_app, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

from app.extensions import babel

LOCALE_COOKIE = "madang_lang"


def select_locale():
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and jobs (jobs use force_locale)
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in supported:
        return cookie
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app):
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel 4 does not give templates get_locale (STACK-NOTES.md).
    app.jinja_env.globals["get_locale"] = get_locale
