"""The number of SQL statements a page runs does not grow with the page size or the data size.

Counted through SQLAlchemy's `before_cursor_execute` event on the app's engine, for the pages a
viral proposal brings crowds to: home, the list (first and deeper pages, filtered), and a detail
page with many comments, replies, answers, attachments and timeline events — anonymous and signed in.
Anonymous pages may come from the page cache, which runs no SQL at all, so each is counted on a
cold cache (the page cache is cleared before each count).
"""
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from app.models import Category, Comment, Division, Dong, Proposal, ProposalAnswer, ProposalAttachment, ProposalEvent

# A small fixed number: the user (signed in), the unread count, the rules, the filters' choices,
# the page's rows with their joined names, the count. Growth, not this bound, is the real test.
MAX_LIST = 8
MAX_DETAIL = 14


@contextmanager
def counting(engine):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def cold(app):
    from app import page_cache

    page_cache.clear(app)


def queries(app, client, db, url):
    cold(app)
    db.session.remove()  # nothing comes from the test's own identity map
    with counting(db.engine) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements), statements


def _proposals(db, n, author, start=0):
    categories = db.session.query(Category).all()
    dongs = db.session.query(Dong).all()
    base = datetime(2025, 3, 1, tzinfo=UTC)
    rows = [
        Proposal(title=f"공원 산책로 정비 제안 {start + i}", body="산책로에 조명을 설치해 주세요." * 2,
                 category=categories[i % len(categories)], dong=dongs[i % len(dongs)],
                 division=categories[i % len(categories)].default_division, author=author,
                 status=("open", "in_review", "answered", "closed")[i % 4], settled_support_count=i,
                 created_at=base + timedelta(hours=start + i))
        for i in range(n)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def _busy(db, proposal, users, n_comments):
    """Comments with replies by many authors, official replies, answers, attachments, events."""
    divisions = db.session.query(Division).limit(3).all()
    now = datetime(2025, 3, 2, tzinfo=UTC)
    for i in range(n_comments):
        top = Comment(proposal=proposal, author=users[i % len(users)], body=f"의견 {i}", created_at=now)
        db.session.add(top)
        db.session.add(Comment(proposal=proposal, parent=top, author=users[(i + 1) % len(users)],
                               body=f"답글 {i}", created_at=now, is_official=i % 3 == 0,
                               division=divisions[i % 3] if i % 3 == 0 else None))
    for i, division in enumerate(divisions):
        db.session.add(ProposalEvent(proposal=proposal, kind="transferred", actor_kind="division",
                                     division=division, note="이관", created_at=now))
        db.session.add(ProposalAnswer(proposal=proposal, kind="division", division=division, decision="accepted",
                                      body="검토하겠습니다.", answered_at=now))
        db.session.add(ProposalAttachment(proposal=proposal, original_name=f"자료 {i}.pdf",
                                          stored_name=f"stored-{proposal.id}-{i}", content_type="application/pdf",
                                          size=100))
    db.session.commit()


@pytest.fixture
def residents(make_user):
    return [make_user(display_name=f"주민{i}") for i in range(6)]


def test_list_pages_run_the_same_few_queries_whatever_the_data(app, client, db, residents):
    _proposals(db, 3, residents[0])
    small = {url: queries(app, client, db, url)[0] for url in ("/", "/proposals/", "/proposals/?sort=supported")}
    _proposals(db, 90, residents[1], start=3)  # more than four pages, every category and dong
    urls = ("/", "/proposals/", "/proposals/?sort=supported", "/proposals/?page=4",
            "/proposals/?category=health-welfare&status=open&sort=supported")
    large = {url: queries(app, client, db, url)[0] for url in urls}
    for url in small:
        assert large[url] == small[url], (url, small[url], large[url])
    assert large["/proposals/?page=4"] == large["/proposals/"]
    assert max(large.values()) <= MAX_LIST, large


def test_detail_page_runs_the_same_few_queries_with_fifty_comments(app, client, db, residents):
    quiet, busy = _proposals(db, 2, residents[0])
    _busy(db, quiet, residents, 1)
    _busy(db, busy, residents, 50)
    quiet_id, busy_id = quiet.id, busy.id
    n_quiet, _ = queries(app, client, db, f"/proposals/{quiet_id}")
    n_busy, statements = queries(app, client, db, f"/proposals/{busy_id}")
    assert n_busy == n_quiet, statements
    assert n_busy <= MAX_DETAIL, statements


def test_signed_in_pages_run_the_same_few_queries(app, client, db, residents, login_as, make_user):
    reader = make_user("reader@example.com")
    quiet, busy = _proposals(db, 2, residents[0])
    _busy(db, quiet, residents, 1)
    _busy(db, busy, residents, 50)
    quiet_id, busy_id = quiet.id, busy.id
    author = residents[1]
    login_as(reader)
    n_quiet, _ = queries(app, client, db, f"/proposals/{quiet_id}")
    n_busy, statements = queries(app, client, db, f"/proposals/{busy_id}")
    assert n_busy == n_quiet, statements
    assert n_busy <= MAX_DETAIL + 3, statements
    queries(app, client, db, "/proposals/")  # keeps this visitor's header (app/page_cache.py)
    first, _ = queries(app, client, db, "/proposals/?page=1")
    _proposals(db, 60, db.session.merge(author), start=10)
    deeper, statements = queries(app, client, db, "/proposals/?page=3")
    assert deeper == first, statements
    assert deeper <= MAX_LIST, statements  # the shared page, rendered once for everyone
    db.session.remove()
    with counting(db.engine) as statements:
        again = client.get("/proposals/?page=3")
    assert again.status_code == 200 and again.headers["X-Page-Cache"] == "hit-personal"
    assert statements == []  # their header and the shared page both came from Redis
