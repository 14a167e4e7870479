"""Reading proposals: the public list with its filters, sort and pages, and one proposal."""
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from app import page_cache
from app.extensions import db
from app.forms_common import has_bad_characters
from app.labels import PROPOSAL_SORTS, PUBLIC_STATUSES
from app.models import Category, Comment, Dong, Proposal, ProposalAnswer, ProposalEvent, ProposalStatus
from app.text import clean_text

MAX_PAGE = 10**9
_DIGITS = re.compile(r"[0-9]{1,30}")
_CURSOR = re.compile(r"([0-9]{1,20})\.([0-9]{1,12})")
# Deeper than this many rows, a page finds its first row by a seek on the sort index (reading only
# the index's narrow entries), then reads its own rows from there: OFFSET never walks whole rows.
SEEK_AFTER_ROWS = 200
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class ListQuery:
    category: Category | None = None
    status: str | None = None
    dong: Dong | None = None
    sort: str = "newest"
    text: str = ""
    page: int = 1
    after: tuple | None = None  # keyset cursor: the sort key of the previous page's last row
    problems: list = field(default_factory=list)  # translated notes about ignored input

    @property
    def args(self):
        """The query-string arguments that reproduce this list (for links and forms)."""
        out = {}
        if self.category:
            out["category"] = self.category.slug
        if self.status:
            out["status"] = self.status
        if self.dong:
            out["dong"] = self.dong.code
        if self.sort != "newest":
            out["sort"] = self.sort
        if self.text:
            out["q"] = self.text
        return out


def parse_list_query(args):
    """Turn request arguments into a ListQuery; unknown values are ignored with a note."""
    q = ListQuery()
    undecodable = g.get("invalid_utf8_args", {})  # arguments whose bytes were not UTF-8 (app/forms_common)

    def unusable(name, value):
        return has_bad_characters(value) or name in undecodable

    # A value with NUL or undecodable bytes names nothing, and PostgreSQL refuses NUL in a query.
    if slug := args.get("category", "").strip():
        q.category = None if unusable("category", slug) else (
            db.session.execute(select(Category).filter_by(slug=slug)).scalar_one_or_none())
        if q.category is None:
            q.problems.append(_l("The category you asked for does not exist, so all categories are shown."))
    if status := args.get("status", "").strip():
        if status in PUBLIC_STATUSES:
            q.status = status
        else:
            q.problems.append(_l("The status you asked for does not exist, so all statuses are shown."))
    if code := args.get("dong", "").strip():
        q.dong = None if unusable("dong", code) else (
            db.session.execute(select(Dong).filter_by(code=code)).scalar_one_or_none())
        if q.dong is None:
            q.problems.append(_l("The neighbourhood you asked for does not exist, so all neighbourhoods are shown."))
    text = args.get("q", "")
    if unusable("q", text):
        q.problems.append(_l("The search text contained characters that cannot be used; it was searched without them."))
        text = clean_text(undecodable.get("q", text)).replace("\ufffd", "")
    q.text = " ".join(text.split())[:100]
    sort = args.get("sort", "newest")
    if sort in PROPOSAL_SORTS:
        q.sort = sort
    else:
        q.problems.append(_l("Unknown sort order; newest first is shown."))
    raw_page = args.get("page", "1").strip()
    if _DIGITS.fullmatch(raw_page) and int(raw_page) >= 1:
        # Huge numbers are clamped to the last page by list_proposals, with a note.
        q.page = min(int(raw_page), MAX_PAGE)
    else:
        q.problems.append(_l("The page number must be a whole number from 1; the first page is shown."))
    if (m := _CURSOR.fullmatch(args.get("after", "").strip())) and q.page > 1:
        q.after = (int(m.group(1)), int(m.group(2)))  # ours, from a "next" link; anything else is ignored
    return q


@dataclass
class Page:
    items: list
    total: int
    page: int
    pages: int
    next_cursor: str | None = None


def _sort_key(sort):
    return (Proposal.settled_support_count, Proposal.id) if sort == "supported" else (Proposal.created_at, Proposal.id)


def _cursor_value(sort, proposal):
    """A row's sort key as plain integers (a timestamp as microseconds since the epoch, UTC)."""
    if sort == "supported":
        return f"{proposal.settled_support_count}.{proposal.id}"
    moment = proposal.created_at
    micros = (moment - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{proposal.id}"


def _from_cursor(sort, after):
    first, ident = after
    if sort == "supported":
        return first, ident
    return _EPOCH + timedelta(microseconds=first), ident


def public_conditions(q):
    """The filters of the list, the search and the exports; hidden proposals never match."""
    conditions = [Proposal.status != ProposalStatus.HIDDEN.value]
    if q.category:
        conditions.append(Proposal.category_id == q.category.id)
    if q.status:
        conditions.append(Proposal.status == q.status)
    if q.dong:
        conditions.append(Proposal.dong_id == q.dong.id)
    if q.text:
        escaped = q.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(Proposal.title.like(f"%{escaped}%", escape="\\"))
    return conditions


def list_proposals(q, per_page):
    """One page of the list, newest or most supported first, id breaking ties (a stable order).

    The first pages use LIMIT/OFFSET. Deeper ones seek: a "next" link carries the previous page's
    last sort key (keyset pagination, no offset at all); a page jumped to directly first finds its
    first row's key through the index alone. The query count stays fixed either way.
    """
    conditions = public_conditions(q)
    total = page_cache.cached_count(
        ("proposals", tuple(sorted(q.args.items()))),
        lambda: db.session.execute(select(func.count(Proposal.id)).where(*conditions)).scalar_one())
    pages = max(1, -(-total // per_page))
    if q.page > pages:
        q.problems.append(_l("That page number is past the end; the last page (%(pages)s) is shown.", pages=pages))
        q.page, q.after = pages, None
    key = _sort_key(q.sort)
    order = tuple(column.desc() for column in key)
    query = (select(Proposal).where(*conditions)
             .options(joinedload(Proposal.category), joinedload(Proposal.dong))
             .order_by(*order).limit(per_page))
    offset = (q.page - 1) * per_page
    if q.after is not None:
        query = query.where(tuple_(*key) < _from_cursor(q.sort, q.after))
    elif offset > SEEK_AFTER_ROWS:
        first = db.session.execute(select(*key).where(*conditions).order_by(*order).offset(offset).limit(1)).first()
        query = query.where(tuple_(*key) <= tuple(first)) if first else query.offset(offset)
    else:
        query = query.offset(offset)
    items = db.session.execute(query).scalars().all()
    next_cursor = _cursor_value(q.sort, items[-1]) if items and q.page < pages else None
    return Page(items=items, total=total, page=q.page, pages=pages, next_cursor=next_cursor)


def get_proposal_for_page(proposal_id):
    """One proposal with everything its page shows, in a fixed number of queries (or None)."""
    return db.session.execute(
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .options(
            joinedload(Proposal.category), joinedload(Proposal.dong), joinedload(Proposal.division),
            joinedload(Proposal.author), joinedload(Proposal.conference),
            selectinload(Proposal.answers).joinedload(ProposalAnswer.division),
            selectinload(Proposal.events).joinedload(ProposalEvent.division),
            selectinload(Proposal.attachments),
        )
    ).unique().scalar_one_or_none()


def get_public_proposal(proposal_id):
    """A proposal the public may read, or None (hidden ones are not public)."""
    proposal = db.session.get(Proposal, proposal_id)  # actions need the row, not the whole page
    if proposal is None or proposal.status == ProposalStatus.HIDDEN.value:
        return None
    return proposal


def comment_thread(proposal):
    """Top-level comments in order, with their replies, authors and divisions loaded up front."""
    replies = selectinload(Comment.replies)
    return db.session.execute(
        select(Comment).where(Comment.proposal_id == proposal.id, Comment.parent_id.is_(None))
        .options(joinedload(Comment.author), joinedload(Comment.division),
                 replies.joinedload(Comment.author), replies.joinedload(Comment.division))
        .order_by(Comment.created_at, Comment.id)
    ).scalars().all()


def filter_choices():
    categories = db.session.execute(select(Category).order_by(Category.position)).scalars().all()
    dongs = db.session.execute(select(Dong).order_by(Dong.name_ko)).scalars().all()
    return {"categories": categories, "dongs": dongs}
