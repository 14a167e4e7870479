"""The staff inbox: proposals routed to my divisions, overdue first; admins see every division."""
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Division, Proposal, ProposalStatus
from app.models.base import utcnow
from app.services.rules import days_left, is_overdue

WORK_STATUSES = (ProposalStatus.OPEN.value, ProposalStatus.IN_REVIEW.value, ProposalStatus.ANSWERED.value,
                 ProposalStatus.ADOPTED.value, ProposalStatus.IMPLEMENTING.value)


def inbox_for(user, now=None):
    now = now or utcnow()
    division_ids = [m.division_id for m in user.memberships]
    query = (select(Proposal).options(joinedload(Proposal.division), joinedload(Proposal.category))
             .where(Proposal.status.in_(WORK_STATUSES), Proposal.source.is_(None)))
    if not user.is_admin:
        query = query.where(Proposal.division_id.in_(division_ids or [-1]))
    rows = db.session.execute(query).scalars().all()
    items = [{"proposal": p, "due": p.answer_due_at if p.status == "in_review" else None} for p in rows]
    for item in items:
        due = item["due"]
        item["overdue"] = bool(due and is_overdue(due, now))
        item["days_left"] = days_left(due, now) if due else None
    # Overdue first, then the nearest deadline, then the rest, newest first.
    items.sort(key=lambda i: (not i["overdue"], i["due"] is None, i["due"] or now, -i["proposal"].id))
    overview = None
    if user.is_admin:
        overview = overdue_by_division(now)
    return {"items": items, "overview": overview, "now": now}


def overdue_by_division(now):
    """For the admin: every division with its open reviews and how many are overdue."""
    from app.services.rules import seoul

    today_start = now.astimezone(seoul()).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = db.session.execute(
        select(Division, func.count(Proposal.id),
               func.coalesce(func.sum(case((Proposal.answer_due_at < today_start, 1), else_=0)), 0))
        .outerjoin(Proposal, (Proposal.division_id == Division.id) & (Proposal.status == ProposalStatus.IN_REVIEW.value))
        .group_by(Division.id).order_by(Division.name_ko)
    ).all()
    return [{"division": d, "in_review": n, "overdue": int(late)} for d, n, late in rows]
