"""A sympathy sent by the page's script, recorded before Flask: the viral proposal's hot path.

When a proposal goes viral, thousands of residents press 공감 within minutes, nearly all from the
page's script (a POST asking for JSON). Through Flask each cost ~13 ms of one core (the session,
Flask-Login's user, Flask-WTF, Flask-Limiter, the ORM, ten round trips to the database); here it
costs a fraction of that, with the same checks, each done once:

- the session cookie is read as Flask and Flask-Login read it (page_cache.SignedSession);
- the CSRF token is checked as Flask-WTF checks it (and, over HTTPS, the Referer's origin);
- the resident's participation limit is counted in Flask-Limiter's own counters;
- the database decides the rules, in the statement that writes the sympathy
  (services.proposals.record_sympathy: verified, not the author, the proposal taking support, the
  account's session token unchanged), and the thresholds fire as the Flask route fires them.

Anything it cannot answer with a plain "thank you" goes on to the Flask route unchanged, which
explains or redirects as it always did: no script (a form POST), a withdrawal, a refusal of any
kind (already supported, not verified, signed out elsewhere, over the limit, a bad token), or a
sympathy that moved the proposal on to review (the route tells the page to reload, with its
message waiting). What was counted or written here is passed on in the environ, so the route
neither counts the request twice against the limit nor writes the sympathy again.
"""
import contextlib
import hmac
import io
import logging
import re
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import redis
from flask import current_app, g, has_app_context, request
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadData
from werkzeug.datastructures import LanguageAccept, MIMEAccept
from werkzeug.formparser import parse_form_data
from werkzeug.http import parse_accept_header, parse_cookie

log = logging.getLogger(__name__)

_PATH = re.compile(r"/proposals/([1-9][0-9]{0,9})/support")
_COUNTED = "madang.support.counted"  # the participation limit was counted here
_RECORDED = "madang.support.recorded"  # (count, moved): the sympathy was written here
_MAX_BODY = 16 * 1024  # a sympathy form is a token and a button; anything bigger is Flask's business
_SETTLE_KEY = "madang:settle:{}"


def already_counted():
    """For the route's limiter: this request was counted against the limit before Flask."""
    return request.environ.get(_COUNTED) is not None


def recorded_before_flask():
    """(exact count, moved) if this request's sympathy was written before Flask, else None."""
    return request.environ.get(_RECORDED)


def _settle_window(app, proposal_id):
    """Add to a pipeline: open this proposal's settle window (SET NX PX); its result says whether."""
    window_ms = max(app.config["PAGE_CACHE_LIST_REFRESH_MS"], 1)
    return lambda pipe: pipe.set(_SETTLE_KEY.format(proposal_id), 1, nx=True, px=window_ms)


def settle_soon(app, proposal_id, acquired=None):
    """After a sympathy's commit: count the proposal's shards into its row (the "most supported"
    order) now if nobody did in the last PAGE_CACHE_LIST_REFRESH_MS, and once more after that
    window, so a burst is settled at most once a window and its last sympathies within two.
    `acquired`: the window was already asked for (True/False), in the caller's pipeline."""
    from app.extensions import db
    from app.jobs import get_queue
    from app.page_cache import _client
    from app.services import proposals as service

    window_ms = max(app.config["PAGE_CACHE_LIST_REFRESH_MS"], 1)
    try:
        if acquired is None:
            acquired = _client(app).set(_SETTLE_KEY.format(proposal_id), 1, nx=True, px=window_ms)
        if not acquired:
            return False  # settled a moment ago; the job after that window takes this one too
        get_queue().enqueue_in(timedelta(milliseconds=window_ms + 200), "app.jobs.settle_support", proposal_id,
                               job_timeout=60, result_ttl=0)
    except redis.RedisError as err:  # the minute tick settles it
        log.warning("support not settled now: %s", err)
        return False
    service.settle_support(proposal_id)
    db.session.commit()
    return True


def after_sympathy(app, proposal_id, *, check=True, acquired=None):
    """After a sympathy's commit: fire a threshold it reached unseen (`check`), then settle soon.

    Returns whether the proposal moved on. A failure here is logged, never shown: the sympathy is
    saved, and the minute tick fires and settles what was missed (services.settle_all_supports).
    """
    from app.extensions import db
    from app.services import proposals as service

    moved = False
    if check:
        try:
            moved = service.reach_thresholds(proposal_id)
            db.session.commit()
        except Exception:  # noqa: BLE001 -- the sympathy is committed; the tick looks again
            db.session.rollback()
            log.exception("threshold check after a sympathy on proposal %s failed", proposal_id)
    try:
        settle_soon(app, proposal_id, acquired=acquired)
    except Exception:  # noqa: BLE001 -- the minute tick settles it
        db.session.rollback()
        log.exception("settling the support of proposal %s failed", proposal_id)
    return moved


# limits' incr_expire.lua (FixedWindowRateLimiter on Redis) for several keys: ARGV = their expiries.
_HIT_ALL = """
local counts = {}
for i, key in ipairs(KEYS) do
  local current = redis.call("incrby", key, 1)
  if tonumber(current) == 1 then
    redis.call("expire", key, ARGV[i])
  end
  counts[i] = current
end
return counts
"""


def _script(client, source):
    from app.page_cache import _script as registered

    return registered(client, source)


class FastSupportMiddleware:
    """Records JSON sympathies that need nothing but a "thank you"; passes everything else to Flask."""

    def __init__(self, wsgi_app, app):
        self.wsgi_app, self.app = wsgi_app, app
        self._session = None  # made on first use: the secret key may be set late
        self._limits = None
        self._pg = None  # this process's autocommit pool (PostgreSQL), made on first use
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        m = _PATH.fullmatch(environ.get("PATH_INFO", ""))
        if m is None or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        answer = None
        try:
            answer = self._try(environ, int(m.group(1)))
        except Exception:  # noqa: BLE001 -- never worse than Flask: it answers instead, and logs
            # Flask refuses or thanks as the environ says: once the sympathy is written, it thanks.
            log.exception("fast sympathy path failed; Flask answers")
        if answer is None:
            return self.wsgi_app(environ, start_response)
        start_response("200 OK", answer[0])
        return [answer[1]]

    # --- the checks, in the order Flask makes them --------------------------------------------------

    def _try(self, environ, proposal_id):
        """(headers, body) of the answer, or None to let Flask answer (environ says what was done)."""
        accept = environ.get("HTTP_ACCEPT")
        if not accept or parse_accept_header(accept, MIMEAccept).best != "application/json":
            return None  # the form without a script: Flask redirects with the message
        body = self._body(environ)
        if body is None:
            return None
        if self._session is None:
            from app.page_cache import SignedSession

            self._session = SignedSession(self.app)
        found = self._session.read(environ)
        if found is None:
            return None
        user_id, token, raw_csrf, data = found
        form = parse_form_data(dict(environ, **{"wsgi.input": io.BytesIO(body)}))[1]
        if form.get("action", "support") != "support" or not self._csrf_ok(environ, form, raw_csrf):
            return None
        if not self._count_against_limit(environ, user_id):
            return None
        return self._record(environ, proposal_id, user_id, token, data)

    def _body(self, environ):
        """The request's bytes, put back for Flask; None if there is no small form body."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        kind = environ.get("CONTENT_TYPE", "")
        if not 0 < length <= _MAX_BODY or not kind.startswith(("application/x-www-form-urlencoded",
                                                                 "multipart/form-data")):
            return None
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return body if len(body) == length else None

    def _csrf_ok(self, environ, form, raw_csrf):
        """Flask-WTF's check: the signed token of this session (no time limit: WTF_CSRF_TIME_LIMIT)."""
        config = self.app.config
        if not config.get("WTF_CSRF_ENABLED", True) or config.get("WTF_CSRF_TIME_LIMIT") is not None:
            return False  # settings this path does not follow: Flask decides
        signed = form.get("csrf_token") or environ.get("HTTP_X_CSRFTOKEN") or environ.get("HTTP_X_CSRF_TOKEN")
        if not signed:
            return False
        try:
            token = self._session.csrf.loads(signed)
        except BadData:
            return False
        if not isinstance(token, str) or not hmac.compare_digest(token, raw_csrf):
            return False
        if environ.get("wsgi.url_scheme") == "https":  # WTF_CSRF_SSL_STRICT: the page was ours
            referrer = urlsplit(environ.get("HTTP_REFERER", ""))
            if referrer.scheme != "https" or referrer.netloc != environ.get("HTTP_HOST"):
                return False
        return True

    def _count_against_limit(self, environ, user_id):
        """Count one participation for the resident in Flask-Limiter's counters (the route's key and
        scope); False when a limit is reached, or the counters are out of reach (Flask decides)."""
        from limits import parse_many
        from limits.storage import RedisStorage
        from limits.strategies import FixedWindowRateLimiter

        from app.extensions import limiter

        if not self.app.config.get("RATELIMIT_ENABLED", True):
            environ[_COUNTED] = True
            return True
        if self.app.config.get("RATELIMIT_KEY_PREFIX"):
            return False
        if self._limits is None:
            self._limits = sorted(parse_many(self.app.config["RATELIMIT_PARTICIPATION"]))
        identifiers = (f"user:{user_id}", "proposals.support")
        with self._context():
            strategy = limiter.limiter  # the in-memory fallback while Redis is out of reach
            try:
                if type(strategy) is FixedWindowRateLimiter and isinstance(strategy.storage, RedisStorage):
                    # Every limit in one round trip: the INCRBY and EXPIRE of limits' own script, per key.
                    storage = strategy.storage
                    keys = [storage.prefixed_key(item.key_for(*identifiers)) for item in self._limits]
                    counts = _script(storage.storage, _HIT_ALL)(
                        keys=keys, args=[item.get_expiry() for item in self._limits], client=storage.storage)
                    if any(int(n) > item.amount for n, item in zip(counts, self._limits, strict=True)):
                        return False  # Flask counts it too and answers 429
                else:
                    for item in self._limits:
                        if not strategy.hit(item, *identifiers):
                            return False
            except redis.RedisError:
                return False
        environ[_COUNTED] = True
        return True

    def _context(self):
        """An app context for this request, as Flask's request would have: the current one if it
        is this app's (the test client's), else a new one."""
        if has_app_context() and current_app._get_current_object() is self.app:
            return contextlib.nullcontext()
        return self.app.app_context()

    def _record(self, environ, proposal_id, user_id, token, data):
        from app.extensions import db
        from app.models.base import utcnow
        from app.page_cache import bump, touch
        from app.services import proposals as service

        with self._context():
            g.madang_fast_support = True  # Flask-Babel's force_locale needs a non-empty `g`
            engine = self._engine()
            if engine is not None:  # PostgreSQL: the statement is its own transaction
                with engine.connect() as conn:
                    state = service.record_sympathy(conn, user_id=user_id, proposal_id=proposal_id, now=utcnow(),
                                                    session_token=token)
                    if state is None:
                        return None  # not written: Flask says why
                    environ[_RECORDED] = (state.support_count, False)  # from here on, Flask would thank
                    window = bump(self.app, {"lists~", f"p:{proposal_id}"}, also=_settle_window(self.app, proposal_id))
                    settle_now = bool(window[0]) if window else None  # None: ask again (Redis was out of reach)
                    if state.threshold_pending and not state.threshold_due:
                        # A sympathy committed beside this one is not in its count: look again, committed.
                        state = service.read_support_state(conn, proposal_id, user_id) or state
            else:  # SQLite: one writer at a time, in the session's transaction
                try:
                    state = service.record_sympathy(db.session, user_id=user_id, proposal_id=proposal_id,
                                                    now=utcnow(), session_token=token)
                    if state is None:
                        db.session.rollback()
                        return None
                    touch(db.session, {"lists~", f"p:{proposal_id}"})
                    db.session.commit()
                    environ[_RECORDED] = (state.support_count, False)  # from here on, Flask would thank
                finally:
                    db.session.rollback()
                settle_now = None
            moved = after_sympathy(self.app, proposal_id, check=state.threshold_due, acquired=settle_now)
            if moved:
                environ[_RECORDED] = (state.support_count, True)
                return None  # the page reloads with the message waiting: Flask writes it in the session
            locale = state.locale if state.locale in self.app.config["LANGUAGES"] else self._locale(environ)
            with force_locale(locale):
                from app.blueprints.proposals.routes import support_answer

                answer = support_answer(_("Thank you for your support."), True, True, state.support_count, False)
                body = (self.app.json.dumps(answer) + "\n").encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                   ("Cache-Control", "no-store"), ("Vary", "Cookie"), ("X-Fast-Path", "support"),
                   *self._security_headers()]
        return headers, body

    def _engine(self):
        """PostgreSQL: this process's own pool of autocommit connections for the one statement of a
        sympathy (no BEGIN, COMMIT or pre-ping round trips; a dropped connection fails this request
        over to Flask, whose pool pings). None on SQLite."""
        if self._pg is None:
            from sqlalchemy import create_engine

            with self._lock:  # gthread workers: one pool per process
                if self._pg is None:
                    url = self.app.config["SQLALCHEMY_DATABASE_URI"]
                    engine = (create_engine(url, isolation_level="AUTOCOMMIT", pool_size=2, max_overflow=8)
                              if url.startswith("postgresql") else False)
                    self.app.extensions["madang_fast_support_engine"] = engine
                    self._pg = engine
        return self._pg or None


    def _locale(self, environ):
        """The visitor's choice when the account has no usable language (as app.i18n.select_locale)."""
        from app.i18n import LOCALE_COOKIE

        languages = tuple(self.app.config["LANGUAGES"])
        chosen = parse_cookie(environ.get("HTTP_COOKIE", "")).get(LOCALE_COOKIE)
        if chosen in languages:
            return chosen
        header = environ.get("HTTP_ACCEPT_LANGUAGE")
        best = parse_accept_header(header, LanguageAccept).best_match(languages) if header else None
        return best or self.app.config["BABEL_DEFAULT_LOCALE"]

    @staticmethod
    def _security_headers():
        from app.security import HEADERS

        return HEADERS


def dispose(app):
    """Close the fast path's database connections (tests, and before a fork)."""
    engine = app.extensions.pop("madang_fast_support_engine", None)
    if engine:
        engine.dispose()


def init_app(app):
    app.wsgi_app = FastSupportMiddleware(app.wsgi_app, app)
