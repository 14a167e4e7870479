"""Reading proposals: the public list with its filters, sort and pages, and one proposal."""
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.labels import PROPOSAL_SORTS, PUBLIC_STATUSES
from app.models import Category, Dong, Proposal, ProposalStatus

MAX_PAGE = 10**9
_DIGITS = re.compile(r"[0-9]{1,30}")


@dataclass
class ListQuery:
    category: Category | None = None
    status: str | None = None
    dong: Dong | None = None
    sort: str = "newest"
    text: str = ""
    page: int = 1
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
    if slug := args.get("category", "").strip():
        q.category = db.session.execute(select(Category).filter_by(slug=slug)).scalar_one_or_none()
        if q.category is None:
            q.problems.append(_l("The category you asked for does not exist, so all categories are shown."))
    if status := args.get("status", "").strip():
        if status in PUBLIC_STATUSES:
            q.status = status
        else:
            q.problems.append(_l("The status you asked for does not exist, so all statuses are shown."))
    if code := args.get("dong", "").strip():
        q.dong = db.session.execute(select(Dong).filter_by(code=code)).scalar_one_or_none()
        if q.dong is None:
            q.problems.append(_l("The neighbourhood you asked for does not exist, so all neighbourhoods are shown."))
    q.text = " ".join(args.get("q", "").split())[:100]
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
    return q


@dataclass
class Page:
    items: list
    total: int
    page: int
    pages: int


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
    conditions = public_conditions(q)
    total = db.session.execute(select(func.count(Proposal.id)).where(*conditions)).scalar_one()
    pages = max(1, -(-total // per_page))
    if q.page > pages:
        q.problems.append(_l("That page number is past the end; the last page (%(pages)s) is shown.", pages=pages))
        q.page = pages
    order = (
        (Proposal.support_count.desc(), Proposal.id.desc())
        if q.sort == "supported"
        else (Proposal.created_at.desc(), Proposal.id.desc())
    )
    items = db.session.execute(
        select(Proposal)
        .where(*conditions)
        .options(joinedload(Proposal.category), joinedload(Proposal.dong))
        .order_by(*order)
        .limit(per_page)
        .offset((q.page - 1) * per_page)
    ).scalars().all()
    return Page(items=items, total=total, page=q.page, pages=pages)


def get_public_proposal(proposal_id):
    """A proposal the public may read, or None (hidden ones are not public)."""
    proposal = db.session.execute(
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .options(
            joinedload(Proposal.category), joinedload(Proposal.dong),
            joinedload(Proposal.division), selectinload(Proposal.answers),
        )
    ).unique().scalar_one_or_none()
    if proposal is None or proposal.status == ProposalStatus.HIDDEN.value:
        return None
    return proposal


def filter_choices():
    categories = db.session.execute(select(Category).order_by(Category.position)).scalars().all()
    dongs = db.session.execute(select(Dong).order_by(Dong.name_ko)).scalars().all()
    return {"categories": categories, "dongs": dongs}
