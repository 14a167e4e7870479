"""Whole pages for visitors who are not signed in, from Redis, invalidated on commit.

Only the pages crowds arrive at are kept: home, the proposals list and a proposal's page. A page
is stored only when it is the same for every anonymous visitor of its language: a GET with no
signed-in user, no message waiting to be flashed, status 200, and no cookie set by the response
(a page that needed a CSRF token or touched the session is never stored).

Invalidation is by generation numbers, bumped after a commit, never before: each stored key
contains the generation of what the page shows —

- `p:<id>` for one proposal's page: bumped when that proposal, or a row that belongs to it (a
  sympathy, a comment, an answer, an attachment, a timeline event, a vote), changes;
- `lists` for home and the list: bumped whenever any proposal changes;
- `all` for everything: bumped by any other change that a public page may show (a division's
  name, a category, a user's display name, the rules), and by a write whose proposal the session
  cannot tell (a bulk UPDATE).

A page rendered while a commit lands is stored under the generation it read first, which nobody
asks for again, so a visitor never gets a page older than the last commit they could have seen.
Redis trouble never breaks a page: the cache is skipped, and keys expire after `PAGE_CACHE_SECONDS`.
"""
import hashlib
import logging

import redis
from flask import current_app, g, request, session
from sqlalchemy import event
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter

from app.extensions import db
from app.i18n import select_locale

log = logging.getLogger(__name__)

ENDPOINTS = {"main.home": "lists", "proposals.index": "lists", "proposals.detail": "proposal"}
_TOUCHED = "page_cache_touched"
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
        app.extensions["madang_page_cache"] = client
    return client


def _gen_key(scope):
    return f"madang:gen:{scope}"


def clear(app):
    """Forget every stored page (used after bulk loads, and by tests)."""
    _client(app).incr(_gen_key("all"))


# --- serving and storing -------------------------------------------------------------------------

def _page_key(client):
    kind = ENDPOINTS.get(request.endpoint)
    if kind is None or request.method != "GET" or not current_app.config["PAGE_CACHE_ENABLED"]:
        return None
    if "_user_id" in session or "_flashes" in session:
        return None
    scope = f"p:{request.view_args['proposal_id']}" if kind == "proposal" else "lists"
    gen_all, gen_scope = client.mget(_gen_key("all"), _gen_key(scope))
    path = hashlib.sha256(request.full_path.encode()).hexdigest()
    # select_locale, not get_locale: Flask-Babel's get_locale returns None while `g` is still empty.
    return f"madang:page:{int(gen_all or 0)}:{scope}:{int(gen_scope or 0)}:{select_locale()}:{path}"


def _serve():
    g.page_cache_key = None
    if request.endpoint not in ENDPOINTS:
        return None
    try:
        client = _client(current_app)
        key = _page_key(client)
        if key is None:
            return None
        body = client.get(key)
    except redis.RedisError as err:
        log.warning("page cache skipped: %s", err)
        return None
    if body is None:
        g.page_cache_key = key
        return None
    response = current_app.response_class(body, mimetype="text/html")
    response.headers["X-Page-Cache"] = "hit"
    return response


def _store(response):
    key = g.pop("page_cache_key", None)
    if (key is None or response.status_code != 200 or response.mimetype != "text/html"
            or session.modified or response.headers.get("Set-Cookie") or response.direct_passthrough):
        return response
    try:
        _client(current_app).set(key, response.get_data(), ex=current_app.config["PAGE_CACHE_SECONDS"])
    except redis.RedisError as err:
        log.warning("page not cached: %s", err)
    response.headers["X-Page-Cache"] = "miss"
    return response


# --- invalidation --------------------------------------------------------------------------------

def _touch(session, scopes):
    session.info.setdefault(_TOUCHED, set()).update(scopes)


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


def _before_flush(session, flush_context, instances):
    scopes = set()
    # A collection that changed through a backref (a division's memberships) changes no column.
    dirty = [obj for obj in session.dirty if session.is_modified(obj, include_collections=False)]
    for obj in (*session.new, *dirty, *session.deleted):
        scopes.update(_scopes_of(obj))
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


def _do_orm_execute(state):
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name in _IGNORED_TABLES:
        return
    column = _PROPOSAL_COLUMN.get(name)
    ids = None
    where = getattr(state.statement, "whereclause", None)  # an INSERT has none
    if column is not None and where is not None:
        ids = _ids_in(where, column)
    if ids:
        _touch(state.session, {"lists", *(f"p:{i}" for i in ids)})
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
    try:
        pipe = _client(app).pipeline(transaction=False)
        for scope in ("all",) if "all" in scopes else sorted(scopes):
            pipe.incr(_gen_key(scope))
            pipe.expire(_gen_key(scope), 7 * 24 * 3600)
        pipe.execute()
    except redis.RedisError as err:  # pages stay stale for at most PAGE_CACHE_SECONDS
        log.warning("page cache not invalidated for %s: %s", sorted(scopes), err)


def _after_rollback(session):
    if not session.in_nested_transaction():
        session.info.pop(_TOUCHED, None)


def init_app(app):
    app.before_request(_serve)
    app.after_request(_store)
    if not event.contains(db.session, "after_commit", _after_commit):
        event.listen(db.session, "before_flush", _before_flush)
        event.listen(db.session, "do_orm_execute", _do_orm_execute)
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_rollback", _after_rollback)
