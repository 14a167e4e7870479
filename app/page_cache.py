"""Whole pages for visitors who are not signed in, from Redis, invalidated on commit.

Only the pages crowds arrive at are kept: home, the proposals list and a proposal's page. A page
is stored only when it is the same for every anonymous visitor of its language: a GET with no
signed-in user, no message waiting to be flashed, status 200, and no cookie set by the response
(a page that needed a CSRF token or touched the session is never stored).

Invalidation is by generation numbers, bumped after a commit, never before: each stored key
contains the generation of what the page shows —

- `p:<id>` for one proposal's page: bumped when that proposal, or a row that belongs to it (a
  sympathy, a comment, an answer, an attachment, a timeline event, a vote), changes;
- `lists` for home and the list: bumped whenever any proposal changes, except that a sympathy
  (which changes only a count) bumps it at most once per `PAGE_CACHE_LIST_REFRESH_MS`: the first
  one at once, the last one by the first reader after the window (see `_SOFT`), so a viral
  proposal does not empty the list's cache 500 times a second, and a list is never older than
  the window;
- `counts` for the exact totals of the lists ("4,336 proposals"): bumped only when a proposal is
  added or removed or changes what the filters match (status, category, neighbourhood, title), so
  a flood of sympathies leaves them cached;
- `all` for everything: bumped by any other change that a public page may show (a division's
  name, a category, a user's display name, the rules), and by a write whose proposal the session
  cannot tell (a bulk UPDATE).

A page rendered while a commit lands is stored under the generation it read first, which nobody
asks for again, so a visitor never gets a page older than the last commit they could have seen.
Visitors with no session cookie at all (most of a crowd) are answered by `PageCacheMiddleware`
before Flask even builds a request; the headers stored with the page are the ones Flask sent.
Redis trouble never breaks a page: the cache is skipped, and keys expire after `PAGE_CACHE_SECONDS`.

Signed-in visitors of home and the list see the same page as anyone else but for the end of the
header (their bell, their links, the staff menu). The middleware answers them too: it checks their
signed session cookie as Flask would (signature, Flask-Login's strong identifier, the account's
session token) and splices their header, cached per user under `u:<id>` and `me` generations, into
the anonymous page between the `<!--madang:...-->` markers of base.html. A message waiting to be
flashed, a stale token or a changed address sends the request to Flask as before.

A proposal's page carries a signed-in visitor's own controls (their support and follow state, the
vote, the comment form, staff and admin links), so the middleware keeps each visitor's own copy, as
Flask last rendered it for them with their CSRF token taken out, under the generations `all`,
`p:<id>`, `u:<user id>` and `me`, and answers their next look at it from Redis. Their follows,
reports and staff memberships (rows no public page shows) bump `u:<user id>` for that reason. The
first look at each proposal is Flask's, with the shared parts from `cached_parts`.
"""
import contextlib
import hashlib
import json
import logging
import re
import time

import redis
from flask import current_app, g, request, session
from flask_login import current_user
from itsdangerous import BadData, URLSafeTimedSerializer
from markupsafe import Markup
from sqlalchemy import event, inspect
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header, parse_cookie

from app.extensions import db
from app.i18n import select_locale

log = logging.getLogger(__name__)

ENDPOINTS = {"main.home": "lists", "proposals.index": "lists", "proposals.detail": "proposal"}
_TOUCHED = "page_cache_touched"
_KEY_HEADER = "X-Madang-Page-Key"  # between the app and the middleware only; never sent
# Rows no public page shows: writing them leaves every cached page valid.
_IGNORED_TABLES = frozenset({
    "notifications", "proposal_follows", "comment_reports", "audit_entries", "staff_memberships",
    "alembic_version",
})
# Tables whose rows belong to one proposal, through this column.
_PROPOSAL_COLUMN = {"proposals": "id", "sympathies": "proposal_id", "comments": "proposal_id",
                    "proposal_answers": "proposal_id", "proposal_attachments": "proposal_id",
                    "proposal_events": "proposal_id", "proposal_votes": "proposal_id"}


def _client(app):
    client = app.extensions.get("madang_page_cache")
    if client is None:
        from app.redis_store import get_redis

        base = get_redis(app)  # starts the embedded server if needed
        kwargs = dict(base.connection_pool.connection_kwargs)
        kwargs.update(socket_timeout=0.25, socket_connect_timeout=0.25)
        client = redis.Redis(connection_pool=redis.ConnectionPool(
            connection_class=base.connection_pool.connection_class, **kwargs))
        client.madang_copies = {}  # this process's copies of pages it fetched (see _copy_of)
        app.extensions["madang_page_cache"] = client
    return client


def _gen_key(scope):
    return f"madang:gen:{scope}"


def clear(app):
    """Forget every stored page (used after bulk loads, and by tests)."""
    _client(app).incr(_gen_key("all"))


# --- serving and storing -------------------------------------------------------------------------

_DETAIL_PATH = re.compile(r"/proposals/([1-9][0-9]{0,9})")
_LIST_PATHS = frozenset({"/", "/proposals/"})

# Sympathies refresh the lists at most once a window. KEYS[3] = "a sympathy is waiting", KEYS[4] =
# "the window is running": a reader that finds one waiting after the window bumps `lists` itself.
_SOFT = """
if #KEYS >= 4 and redis.call('EXISTS', KEYS[3]) == 1 and redis.call('EXISTS', KEYS[4]) == 0 then
  redis.call('INCR', KEYS[2])
  redis.call('DEL', KEYS[3])
end
"""
_SOFT_WAITING, _SOFT_WINDOW = "madang:lists-waiting", "madang:lists-window"
# After the commit of a sympathy: open the window and bump now, or leave a note for the readers.
_SOFT_BUMP = """
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then
  redis.call('INCR', KEYS[1])
  redis.call('DEL', KEYS[3])
else
  redis.call('SET', KEYS[3], '1')
end
"""


def _soft_keys(scope):
    return [_SOFT_WAITING, _SOFT_WINDOW] if scope == "lists" else []

# Both generations and the page in one round trip: KEYS = generation keys, ARGV = key pieces.
_LOOKUP = _SOFT + """
local a = redis.call('GET', KEYS[1]) or '0'
local s = redis.call('GET', KEYS[2]) or '0'
local key = ARGV[1] .. a .. ':' .. ARGV[2] .. ':' .. s .. ':' .. ARGV[3]
if ARGV[4] == key then return {key, 1} end
return {key, redis.call('GET', key)}
"""

# A process keeps the pages it fetched for a moment: while a page's key (its generations) is still
# the current one, Redis answers "the one you have" (1) instead of sending the page again, so a
# crowd on one page costs a key lookup per request, not the page's bytes. A copy is used for at
# most _COPY_SECONDS after it was fetched, the most a page could lag if Redis lost its generations.
_COPY_SECONDS = 1.0
_MAX_COPIES = 256


def _known_key(client, slot):
    found = getattr(client, "madang_copies", {}).get(slot)
    return found[0] if found and time.monotonic() - found[2] < _COPY_SECONDS else ""


def _copy_of(client, slot, key, stored):
    """The page under `key`: the process's own copy if Redis said so (1), else `stored`, kept."""
    copies = getattr(client, "madang_copies", None)
    if copies is None:
        return None if stored == 1 else stored
    if stored == 1:
        found = copies.get(slot)
        return found[1] if found and found[0] == key else None
    if stored is not None:
        if len(copies) >= _MAX_COPIES:
            copies.clear()
        copies[slot] = (key, stored, time.monotonic())
    return stored


def _path_digest(environ):
    path = environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", "")
    return hashlib.sha256(path.encode("latin-1", "replace")).hexdigest()


def _script(client, source):
    """`source` registered once per Redis client (EVALSHA afterwards)."""
    script = _scripts.get((source, id(client)))
    if script is None:
        script = _scripts[(source, id(client))] = client.register_script(source)
    return script


def _lookup(client, scope, locale, environ, prefix="madang:page:"):
    """(the page's key, its stored bytes or None) for this request, read at one moment."""
    digest = _path_digest(environ)
    slot = (prefix, scope, locale, digest)
    key, stored = _script(client, _LOOKUP)(keys=[_gen_key("all"), _gen_key(scope), *_soft_keys(scope)],
                         args=[prefix, scope, f"{locale}:{digest}", _known_key(client, slot)], client=client)
    key = key.decode()
    return key, _copy_of(client, slot, key, stored)


_scripts = {}  # (source, id(client)) -> the registered script


def _pack(headers, body):
    kept = [(k, v) for k, v in headers if k.lower() not in _NOT_STORED]
    return json.dumps(kept).encode() + b"\n" + body


def _unpack(stored):
    head, _, body = stored.partition(b"\n")
    return json.loads(head), body


_NOT_STORED = frozenset({"set-cookie", "content-length", "date", "server", "x-page-cache", _KEY_HEADER.lower()})


# A signed-in visitor's header record, then the anonymous page in the record's language, in one
# round trip. KEYS = generations (all, scope, u:<id>, me); ARGV = page prefix, scope, digest, record prefix.
_PERSONAL_LOOKUP = """
if redis.call('EXISTS', KEYS[5]) == 1 and redis.call('EXISTS', KEYS[6]) == 0 then
  redis.call('INCR', KEYS[2])
  redis.call('DEL', KEYS[5])
end
local a = redis.call('GET', KEYS[1]) or '0'
local s = redis.call('GET', KEYS[2]) or '0'
local u = redis.call('GET', KEYS[3]) or '0'
local m = redis.call('GET', KEYS[4]) or '0'
local rkey = ARGV[4] .. u .. ':' .. m
local rec = redis.call('GET', rkey)
if not rec then return {rkey, false, false, false} end
local pkey = ARGV[1] .. a .. ':' .. ARGV[2] .. ':' .. s .. ':' .. string.sub(rec, 1, 2) .. ':' .. ARGV[3]
for i = 5, #ARGV do
  if ARGV[i] == pkey then return {rkey, rec, pkey, 1} end
end
return {rkey, rec, pkey, redis.call('GET', pkey)}
"""
_ME_ENVIRON = "madang.personal_key"  # the record's key, from the middleware to Flask on a miss
CSRF_PLACEHOLDER = _CSRF_PLACEHOLDER = "__madang_csrf__"
_MARKERS = ((b"<!--madang:account-->", b"<!--/madang:account-->", "account"),
            (b"<!--madang:menu-->", b"<!--/madang:menu-->", "menu"))


# A signed-in visitor's own copy of a proposal's page. KEYS = generations (all, p:<id>, u:<id>, me);
# ARGV = key prefix, digest of the path.
_MYPAGE_LOOKUP = """
local a = redis.call('GET', KEYS[1]) or '0'
local p = redis.call('GET', KEYS[2]) or '0'
local u = redis.call('GET', KEYS[3]) or '0'
local m = redis.call('GET', KEYS[4]) or '0'
local key = ARGV[1] .. a .. ':' .. p .. ':' .. u .. ':' .. m .. ':' .. ARGV[2]
if ARGV[3] == key then return {key, 1} end
return {key, redis.call('GET', key)}
"""
_MYPAGE_ENVIRON = "madang.mypage_key"  # the copy's key, from the middleware to Flask on a miss
_MYPAGE_HEADER, _MYPAGE_CSRF_HEADER = "X-Madang-Mypage-Key", "X-Madang-Mypage-Csrf"  # never sent


def _mypage_lookup(client, proposal_id, user_id, environ):
    slot = ("madang:mypage:", user_id, _path_digest(environ))
    key, page = _script(client, _MYPAGE_LOOKUP)(
        keys=[_gen_key("all"), _gen_key(f"p:{proposal_id}"), _gen_key(f"u:{user_id}"), _gen_key("me")],
        args=[f"madang:mypage:{user_id}:", slot[2], _known_key(client, slot)], client=client)
    key = key.decode()
    return key, _copy_of(client, slot, key, page)


def _store_mypage(response):
    """After Flask rendered a proposal's page for a signed-in visitor: mark it for the middleware,
    which keeps it (with this request's CSRF token taken out) as that visitor's own copy."""
    key = request.environ.get(_MYPAGE_ENVIRON)
    if (not key or response.status_code != 200 or response.mimetype != "text/html" or session.modified
            or response.headers.get("Set-Cookie") or response.direct_passthrough
            or not current_user.is_authenticated or "csrf_token" not in g):
        return response
    response.headers[_MYPAGE_HEADER] = key
    response.headers[_MYPAGE_CSRF_HEADER] = g.csrf_token
    return response


def _personal_lookup(client, scope, user_id, environ, languages):
    digest = _path_digest(environ)
    # The anonymous page is the same for every visitor of a language: the copies of each language.
    known = [_known_key(client, ("madang:page:", scope, lang, digest)) for lang in languages]
    rkey, record, pkey, page = _script(client, _PERSONAL_LOOKUP)(
        keys=[_gen_key("all"), _gen_key(scope), _gen_key(f"u:{user_id}"), _gen_key("me"), _SOFT_WAITING, _SOFT_WINDOW],
        args=["madang:page:", scope, digest, f"madang:me:{user_id}:", *known], client=client)
    if not pkey:
        return rkey.decode(), record, None, page
    pkey = pkey.decode()
    locale = record[:2].decode() if record else ""
    return rkey.decode(), record, pkey, _copy_of(client, ("madang:page:", scope, locale, digest), pkey, page)


def _identifier(environ):
    """Flask-Login's session identifier (flask_login.utils._create_identifier), from the environ."""
    address = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR"))
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    agent = environ.get("HTTP_USER_AGENT")
    if agent is not None:
        agent = agent.encode("utf-8")
    return hashlib.sha512(f"{address}|{agent}".encode()).hexdigest()


def _splice(page, parts):
    """The anonymous page with each marked region replaced by the visitor's own."""
    for start, end, name in _MARKERS:
        i, j = page.find(start), page.find(end)
        if i < 0 or j < i:
            return None
        page = page[:i + len(start)] + parts[name] + page[j:]
    return page


def _store_personal(response):
    """After Flask served a signed-in visitor the middleware could not: keep their header."""
    key = request.environ.get(_ME_ENVIRON)
    if not key or response.status_code != 200 or not current_user.is_authenticated:
        return response
    locale = current_user.locale
    if locale not in current_app.config["LANGUAGES"] or len(locale) != 2:
        return response
    parts = render_blocks_of_templates(
        {"account": "_account_links.html", "menu": "_staff_menu.html"}, csrf_value=_CSRF_PLACEHOLDER)
    record = f"{locale}\n{current_user.session_token}\n".encode() + json.dumps(parts).encode()
    with contextlib.suppress(redis.RedisError):
        _client(current_app).set(key, record, ex=current_app.config["PAGE_CACHE_SECONDS"] * 10)
    return response


def _scope_for_request():
    kind = ENDPOINTS.get(request.endpoint)
    if kind is None or request.method != "GET" or not current_app.config["PAGE_CACHE_ENABLED"]:
        return None
    if "_user_id" in session or "_flashes" in session:
        return None
    return f"p:{request.view_args['proposal_id']}" if kind == "proposal" else "lists"


def _serve():
    g.page_cache_key = None
    if request.endpoint not in ENDPOINTS:
        return None
    try:
        scope = _scope_for_request()
        if scope is None:
            return None
        # select_locale, not get_locale: Flask-Babel's get_locale returns None while `g` is empty.
        key, stored = _lookup(_client(current_app), scope, select_locale(), request.environ)
    except redis.RedisError as err:
        log.warning("page cache skipped: %s", err)
        return None
    if stored is None:
        g.page_cache_key = key
        return None
    headers, body = _unpack(stored)
    response = current_app.response_class(body, headers=headers)
    response.headers["X-Page-Cache"] = "hit"
    return response


def _store(response):
    """Mark a page that may be stored; the middleware stores it with its final headers."""
    key = g.pop("page_cache_key", None)
    if (key is None or response.status_code != 200 or response.mimetype != "text/html"
            or session.modified or response.headers.get("Set-Cookie") or response.direct_passthrough):
        return response
    response.headers[_KEY_HEADER] = key
    response.headers["X-Page-Cache"] = "miss"
    return response


class SignedSession:
    """A signed-in visitor's session, read from the cookie as Flask and Flask-Login would read it."""

    def __init__(self, app):
        self.app = app
        self.cookie_name = app.config["SESSION_COOKIE_NAME"]
        self.serializer = app.session_interface.get_signing_serializer(app)
        self.csrf = URLSafeTimedSerializer(app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key,
                                           salt="wtf-csrf-token")

    def read(self, environ):
        """(user id, account session token, raw CSRF token, the session's data) if the cookie is
        signed, not expired, holds a user and a CSRF token, and was made for this address and
        browser (Flask-Login's strong protection); None to let Flask decide."""
        cookie = parse_cookie(environ.get("HTTP_COOKIE", "")).get(self.cookie_name)
        if not cookie:
            return None
        try:
            data = self.serializer.loads(cookie, max_age=int(self.app.permanent_session_lifetime.total_seconds()))
        except BadData:
            return None
        user, raw_csrf = data.get("_user_id"), data.get("csrf_token")
        if not isinstance(user, str) or not isinstance(raw_csrf, str):
            return None
        user_id, _, token = user.partition(":")
        if not (user_id.isdigit() and len(user_id) <= 12 and token) or data.get("_id") != _identifier(environ):
            return None
        return int(user_id), token, raw_csrf, data


class PageCacheMiddleware:
    """Answers cookie-less GETs of cached pages before Flask; stores the pages Flask marked."""

    def __init__(self, wsgi_app, app):
        self.wsgi_app, self.app = wsgi_app, app
        self.languages = tuple(app.config["LANGUAGES"])
        self.default_locale = app.config["BABEL_DEFAULT_LOCALE"]
        self.session_cookie = app.config["SESSION_COOKIE_NAME"]
        self._sessions = self._csrf = None  # made on first use: the secret key may be set late

    def _signed_in(self, environ):
        """(user id, session token, raw CSRF token) of a signed-in visitor of home or the list
        whose cookie Flask would accept as it is, or None to let Flask decide."""
        if environ.get("REQUEST_METHOD") != "GET" or not self.app.config["PAGE_CACHE_ENABLED"]:
            return None
        path = environ.get("PATH_INFO", "")
        if path not in _LIST_PATHS and not _DETAIL_PATH.fullmatch(path):
            return None
        if self._sessions is None:
            self._sessions = SignedSession(self.app)
            self._csrf = self._sessions.csrf
        found = self._sessions.read(environ)
        if found is None or "_flashes" in found[3]:
            return None
        return found[:3]

    def _personal(self, environ, start_response):
        """The page for a signed-in visitor, assembled here; None if Flask must render it."""
        found = self._signed_in(environ)
        if found is None:
            return None
        user_id, token, raw_csrf = found
        if m := _DETAIL_PATH.fullmatch(environ.get("PATH_INFO", "")):
            return self._mypage(environ, start_response, int(m.group(1)), user_id, token, raw_csrf)
        try:
            client = _client(self.app)
            rkey, record, pkey, page = _personal_lookup(client, "lists", user_id, environ, self.languages)
        except redis.RedisError:
            return None
        if record is None:
            environ[_ME_ENVIRON] = rkey
            return None
        locale, stored_token, parts = record.split(b"\n", 2)
        if stored_token.decode() != token:
            return None  # signed out elsewhere, or a new password: Flask ends this session
        if page is None:
            page = self._render_anonymous(environ, locale.decode(), client, pkey)
            if page is None:
                return None
        headers, body = _unpack(page)
        csrf = self._csrf.dumps(raw_csrf).encode()
        parts = {k: v.encode().replace(_CSRF_PLACEHOLDER.encode(), csrf) for k, v in json.loads(parts).items()}
        body = _splice(body, parts)
        if body is None:
            return None
        headers = [(k, v) for k, v in headers if k.lower() not in ("cache-control", "vary")] + [
            ("Cache-Control", "private, no-cache"), ("Vary", "Cookie"),
            ("Content-Length", str(len(body))), ("X-Page-Cache", "hit-personal")]
        start_response("200 OK", headers)
        return [body]

    def _mypage(self, environ, start_response, proposal_id, user_id, token, raw_csrf):
        """A signed-in visitor's own copy of a proposal's page, as Flask last rendered it for them
        under the same generations; None (Flask renders, and the copy is kept) on a miss."""
        try:
            key, stored = _mypage_lookup(_client(self.app), proposal_id, user_id, environ)
        except redis.RedisError:
            return None
        if stored is None:
            environ[_MYPAGE_ENVIRON] = key
            return None
        stored_token, _, page = stored.partition(b"\n")
        if stored_token.decode() != token:
            return None  # signed out elsewhere, or a new password: Flask ends this session
        headers, body = _unpack(page)
        body = body.replace(_CSRF_PLACEHOLDER.encode(), self._csrf.dumps(raw_csrf).encode())
        headers = [(k, v) for k, v in headers if k.lower() not in ("cache-control", "vary")] + [
            ("Cache-Control", "private, no-cache"), ("Vary", "Cookie"),
            ("Content-Length", str(len(body))), ("X-Page-Cache", "hit-personal")]
        start_response("200 OK", headers)
        return [body]

    def _render_anonymous(self, environ, locale, client, key):
        """Render (and store) the page an anonymous visitor of this language would get."""
        from app.i18n import LOCALE_COOKIE

        anonymous = {k: v for k, v in environ.items() if k not in ("HTTP_COOKIE", _ME_ENVIRON)}
        anonymous["HTTP_COOKIE"] = f"{LOCALE_COOKIE}={locale}"
        captured = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)
            return lambda data: None

        result = self.wsgi_app(anonymous, capture)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        headers = captured.get("headers", [])
        if not captured.get("status", "").startswith("200") or not any(k == _KEY_HEADER for k, _ in headers):
            return None
        stored = _pack([(k, v) for k, v in headers if k != _KEY_HEADER], body)
        with contextlib.suppress(redis.RedisError):
            client.set(next(v for k, v in headers if k == _KEY_HEADER), stored,
                       ex=self.app.config["PAGE_CACHE_SECONDS"])
        return stored

    def _fast_scope(self, environ):
        if environ.get("REQUEST_METHOD") != "GET" or not self.app.config["PAGE_CACHE_ENABLED"]:
            return None
        cookies = environ.get("HTTP_COOKIE", "")
        if "session=" in cookies:
            return None  # Flask decides: the session may hold a user or a message
        path = environ.get("PATH_INFO", "")
        if path in _LIST_PATHS:
            return "lists", cookies
        if m := _DETAIL_PATH.fullmatch(path):
            return f"p:{int(m.group(1))}", cookies
        return None

    def _locale(self, environ, cookies):
        """The same choice as app.i18n.select_locale for a visitor who is not signed in."""
        from app.i18n import LOCALE_COOKIE

        chosen = parse_cookie(cookies).get(LOCALE_COOKIE) if cookies else None
        if chosen in self.languages:
            return chosen
        header = environ.get("HTTP_ACCEPT_LANGUAGE")
        best = parse_accept_header(header, LanguageAccept).best_match(self.languages) if header else None
        return best or self.default_locale

    def __call__(self, environ, start_response):
        personal = self._personal(environ, start_response)
        if personal is not None:
            return personal
        found = self._fast_scope(environ)
        if found is not None:
            scope, cookies = found
            try:
                key, stored = _lookup(_client(self.app), scope, self._locale(environ, cookies), environ)
            except redis.RedisError:
                stored = None
            if stored is not None:
                headers, body = _unpack(stored)
                headers = [(k, v) for k, v in headers] + [
                    ("Content-Length", str(len(body))), ("X-Page-Cache", "hit")]
                start_response("200 OK", headers)
                return [body]
        captured = {}

        def capture(status, headers, exc_info=None):
            key = next((v for k, v in headers if k == _KEY_HEADER), None)
            if key is not None:
                headers = [(k, v) for k, v in headers if k != _KEY_HEADER]
                captured.update(key=key, status=status, headers=headers)
            mine = next((v for k, v in headers if k == _MYPAGE_HEADER), None)
            if mine is not None:
                token = next(v for k, v in headers if k == _MYPAGE_CSRF_HEADER)
                headers = [(k, v) for k, v in headers if k not in (_MYPAGE_HEADER, _MYPAGE_CSRF_HEADER)]
                captured.update(mine=mine, token=token, status=status, headers=headers)
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, capture)
        if "mine" in captured:
            return self._keep_mypage(result, captured, environ)
        if "key" not in captured:
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        if captured["status"].startswith("200"):
            try:
                _client(self.app).set(captured["key"], _pack(captured["headers"], body),
                                      ex=self.app.config["PAGE_CACHE_SECONDS"])
            except redis.RedisError as err:
                log.warning("page not cached: %s", err)
        return [body]


    def _keep_mypage(self, result, captured, environ):
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        token = environ.get("HTTP_COOKIE") and _session_token_of(self, environ)
        if captured["status"].startswith("200") and token:
            page = body.replace(captured["token"].encode(), _CSRF_PLACEHOLDER.encode())
            with contextlib.suppress(redis.RedisError):
                _client(self.app).set(captured["mine"], token.encode() + b"\n" + _pack(captured["headers"], page),
                                      ex=self.app.config["PAGE_CACHE_SECONDS"])
        return [body]


def _session_token_of(middleware, environ):
    found = middleware._signed_in(environ)
    return found[1] if found else None


# --- the content of a page, for signed-in visitors too ----------------------------------------------

def render_blocks(template_name, names, **context):
    """Render some blocks of a template with the normal Flask context (no page around them)."""
    current_app.update_template_context(context)
    template = current_app.jinja_env.get_template(template_name)
    jinja_context = template.new_context(context)
    return {name: "".join(template.blocks[name](jinja_context)) for name in names}


def render_blocks_of_templates(templates, **context):
    """Render whole small templates (partials) by name, with the normal Flask context."""
    current_app.update_template_context(context)
    return {name: current_app.jinja_env.get_template(path).render(context) for name, path in templates.items()}


def cached_blocks(scope, template_name, names, context):
    """The blocks (title, content…) of a page that is the same for every visitor of a language.

    Signed-in visitors get them from here with their own header, bell and menu around them; the
    generations are the page cache's, so the blocks refresh on the same commits.
    `context` is a function, called only when the blocks must be rendered.
    """
    parts = cached_parts(scope, "blocks", lambda: render_blocks(template_name, names, **context()))
    return parts if parts is not None else {n: _rendered(h) for n, h in render_blocks(
        template_name, names, **context()).items()}


def cached_parts(scope, variant, render):
    """Rendered parts of a page (name -> HTML) shared by visitors of a language and `variant`,
    under the page cache's generations; `render` is called only on a miss. None without a cache."""
    if not current_app.config["PAGE_CACHE_ENABLED"]:
        return None
    key = None
    try:
        client = _client(current_app)
        key, stored = _lookup(client, scope, select_locale(), request.environ, prefix=f"madang:part:{variant}:")
        if stored is not None:
            return {name: _rendered(html) for name, html in json.loads(stored).items()}
    except redis.RedisError as err:
        log.warning("content cache skipped: %s", err)
    parts = render()
    if key is not None:
        with contextlib.suppress(redis.RedisError):
            client.set(key, json.dumps(parts), ex=current_app.config["PAGE_CACHE_SECONDS"])
    return {name: _rendered(html) for name, html in parts.items()}


_MINE = re.compile(r"<!--mine:(\d+)-->(.*?)<!--/mine:\1-->", re.S)
_OTHERS = re.compile(r"<!--others:(\d+)-->(.*?)<!--/others:\1-->", re.S)


def personalize(html, user_id):
    """A shared page made this visitor's: what only an author sees kept for that author, what
    everyone but the author sees dropped for them, and their own CSRF token put in."""
    from flask_wtf.csrf import generate_csrf

    me = str(user_id)
    html = _MINE.sub(lambda m: m.group(2) if m.group(1) == me else "", html)
    html = _OTHERS.sub(lambda m: "" if m.group(1) == me else m.group(2), html)
    return html.replace(CSRF_PLACEHOLDER, generate_csrf())


def _rendered(html):
    """Output of our own autoescaping templates, stored as is: already safe HTML."""
    return Markup(html)  # noqa: S704 -- rendered by Jinja with autoescape, never user input


# --- exact counts --------------------------------------------------------------------------------

def cached_count(parts, compute):
    """An exact total (of a list with these filters), kept until the `counts` generation moves.

    The generations are read before the count is computed, so a count is never stored under a
    generation newer than the data it saw (on PostgreSQL's read-committed statements).
    """
    if not current_app.config["PAGE_CACHE_ENABLED"]:
        return compute()
    try:
        client = _client(current_app)
        gen_all, gen_counts = client.mget(_gen_key("all"), _gen_key("counts"))
        digest = hashlib.sha256(repr(parts).encode()).hexdigest()
        key = f"madang:count:{int(gen_all or 0)}:{int(gen_counts or 0)}:{digest}"
        stored = client.get(key)
    except redis.RedisError:
        return compute()
    if stored is not None:
        return int(stored)
    value = compute()
    with contextlib.suppress(redis.RedisError):
        client.set(key, value, ex=current_app.config["PAGE_CACHE_SECONDS"] * 10)
    return value


# --- invalidation --------------------------------------------------------------------------------

def _touch(session, scopes):
    session.info.setdefault(_TOUCHED, set()).update(scopes)


def touch(session, scopes):
    """Name the scopes a write changes that the statement's shape does not tell (raw SQL): they
    are bumped after the commit, as the ORM's own writes are. "lists~" is a sympathy's soft bump."""
    _touch(session, scopes)


_COUNTED = ("status", "category_id", "dong_id", "title")  # what the lists' filters match on


def _changes_counts(session, obj):
    if obj in session.new or obj in session.deleted:
        return True
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in _COUNTED)


def _scopes_of(obj):
    table = getattr(obj, "__tablename__", None)
    if table in _IGNORED_TABLES:
        return ()
    column = _PROPOSAL_COLUMN.get(table)
    if column is None:
        return ("all",)
    proposal_id = getattr(obj, column, None)
    if proposal_id is None and table != "proposals":
        proposal = getattr(obj, "proposal", None)
        proposal_id = getattr(proposal, "id", None)
    return ("lists", f"p:{proposal_id}") if proposal_id is not None else ("lists",)


# Rows no public page shows, but their user's own pages do (through this column).
_PERSONAL_ROWS = {"proposal_follows": "user_id", "comment_reports": "reporter_id", "staff_memberships": "user_id"}


def _user_scope_of(obj):
    """The signed-in header a row changes: its user's (the account, their in-app notices)."""
    table = getattr(obj, "__tablename__", None)
    if table == "users":
        return f"u:{obj.id}" if obj.id is not None else None
    if table in _PERSONAL_ROWS:  # their follow button, their reports, their staff controls
        user_id = getattr(obj, _PERSONAL_ROWS[table], None)
        return f"u:{user_id}" if user_id is not None else "me"
    if table == "notifications" and obj.channel == "inapp":
        user_id = obj.recipient_user_id or getattr(obj.recipient_user, "id", None)
        return f"u:{user_id}" if user_id is not None else "me"
    return None


def _before_flush(session, flush_context, instances):
    scopes = set()
    # A collection that changed through a backref (a division's memberships) changes no column.
    dirty = [obj for obj in session.dirty if session.is_modified(obj, include_collections=False)]
    for obj in (*session.new, *dirty, *session.deleted):
        scopes.update(_scopes_of(obj))
        if user_scope := _user_scope_of(obj):
            scopes.add(user_scope)
        if getattr(obj, "__tablename__", None) == "proposals" and _changes_counts(session, obj):
            scopes.add("counts")
    if scopes:
        _touch(session, scopes)


def _ids_in(clause, column_name):
    """The literal ids a WHERE clause pins `column_name` to (`col = :x`), or None if it does not."""
    if isinstance(clause, BinaryExpression) and clause.operator is operators.eq:
        left, right = clause.left, clause.right
        if getattr(left, "name", None) == column_name and isinstance(right, BindParameter):
            return {right.value} if right.value is not None else None
        return None
    if getattr(clause, "operator", None) is operators.and_:
        for part in clause.clauses:
            found = _ids_in(part, column_name)
            if found:
                return found
    return None


def _inserted_value(statement, column_name):
    """The literal value a single-row INSERT gives `column_name`, as a set, or None."""
    for column, value in (getattr(statement, "_values", None) or {}).items():
        if getattr(column, "key", column) == column_name:
            value = getattr(value, "value", value)
            return {value} if isinstance(value, int) else None
    return None


def _sets_counted_column(statement):
    """Whether an UPDATE writes a column the lists filter on (unknown shapes count as yes)."""
    values = getattr(statement, "_values", None)
    if not values:
        return True
    names = {getattr(column, "key", column) for column in values}
    return bool(names & set(_COUNTED))


def _sets_only(statement, names):
    values = getattr(statement, "_values", None)
    return bool(values) and {getattr(column, "key", column) for column in values} <= names


def _do_orm_execute(state):
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name in ("users", "notifications") or name in _PERSONAL_ROWS:
        # Whose header changes: the user the statement pins, or (unknown) everyone's.
        where = getattr(state.statement, "whereclause", None)
        column = {"users": "id", "notifications": "recipient_user_id"}.get(name) or _PERSONAL_ROWS[name]
        users = _ids_in(where, column) if where is not None else _inserted_value(state.statement, column)
        _touch(state.session, {f"u:{i}" for i in users} if users else {"me"})
    if name in _IGNORED_TABLES:
        return
    column = _PROPOSAL_COLUMN.get(name)
    ids = None
    where = getattr(state.statement, "whereclause", None)  # an INSERT has none
    if column is not None and where is not None:
        ids = _ids_in(where, column)
    elif column is not None and state.is_insert and column != "id":
        ids = _inserted_value(state.statement, column)
    if ids:
        # A sympathy (its row, or the count it moves) changes what the lists show only by a count.
        soft = name == "sympathies" or (name == "proposals" and state.is_update
                                        and _sets_only(state.statement, {"settled_support_count"}))
        scopes = {"lists~" if soft else "lists", *(f"p:{i}" for i in ids)}
        if name == "proposals" and (state.is_delete or _sets_counted_column(state.statement)):
            scopes.add("counts")
        _touch(state.session, scopes)
    else:
        _touch(state.session, {"all"})


def _after_commit(session):
    if session.in_nested_transaction():
        return
    scopes = session.info.pop(_TOUCHED, None)
    if not scopes:
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return
    bump(app, scopes)


def bump(app, scopes, also=None):
    """Move the generations of `scopes` on, after a commit (never before): their pages are stale.

    `also(pipe)` adds one more command to the same round trip; its result is returned in a list
    (None if Redis could not be reached)."""
    try:
        client = _client(app)
        soft = "lists~" in scopes and not scopes & {"lists", "all"}
        scopes = set(scopes) - {"lists~"}  # when not soft, a hard `lists` or `all` bump covers it
        pipe = client.pipeline(transaction=False)
        personal = {scope for scope in scopes if scope == "me" or scope.startswith("u:")}
        for scope in ({"all"} | personal) if "all" in scopes else sorted(scopes):
            pipe.incr(_gen_key(scope))
            pipe.expire(_gen_key(scope), 7 * 24 * 3600)
        if soft:
            pipe.eval(_SOFT_BUMP, 3, _gen_key("lists"), _SOFT_WINDOW, _SOFT_WAITING,
                      app.config["PAGE_CACHE_LIST_REFRESH_MS"])
        if also is not None:
            also(pipe)
        results = pipe.execute()
        return results[-1:] if also is not None else None
    except redis.RedisError as err:  # pages stay stale for at most PAGE_CACHE_SECONDS
        log.warning("page cache not invalidated for %s: %s", sorted(scopes), err)
        return None


def _after_rollback(session):
    if not session.in_nested_transaction():
        session.info.pop(_TOUCHED, None)


def init_app(app):
    app.before_request(_serve)
    app.after_request(_store)
    app.after_request(_store_personal)
    app.after_request(_store_mypage)
    app.wsgi_app = PageCacheMiddleware(app.wsgi_app, app)
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "before_flush", _before_flush)
        event.listen(db.session, "do_orm_execute", _do_orm_execute)
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_rollback", _after_rollback)
