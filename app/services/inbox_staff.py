"""The staff inbox: proposals routed to my divisions, overdue first; admins see every division.

The Mayor's office also sees each proposal that still owes the Mayor's answer, with the Mayor's own
deadline: that answer is separate from the division's and is owed until the Mayor has given it.
"""
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Division, Proposal, ProposalStatus
from app.models.base import utcnow
from app.services.deadlines import mayor_answer_owed
from app.services.rules import days_left, is_overdue

WORK_STATUSES = (ProposalStatus.OPEN.value, ProposalStatus.IN_REVIEW.value, ProposalStatus.ANSWERED.value,
                 ProposalStatus.ADOPTED.value, ProposalStatus.IMPLEMENTING.value)


def inbox_for(user, now=None):
    from app.services.proposals import mayor_office

    now = now or utcnow()
    division_ids = [m.division_id for m in user.memberships]
    loads = (joinedload(Proposal.division), joinedload(Proposal.category))
    query = (select(Proposal).options(*loads)
             .where(Proposal.status.in_(WORK_STATUSES), Proposal.source.is_(None)))
    if not user.is_admin:
        query = query.where(Proposal.division_id.in_(division_ids or [-1]))
    rows = db.session.execute(query).scalars().all()
    items = [{"proposal": p, "owed_by": p.division, "is_mayor": False,
              "due": p.answer_due_at if p.status == "in_review" else None} for p in rows]
    office = mayor_office()
    if office is not None and (user.is_admin or office.id in division_ids):
        owed = db.session.execute(select(Proposal).options(*loads).where(mayor_answer_owed())).scalars().all()
        items += [{"proposal": p, "owed_by": office, "is_mayor": True, "due": p.mayor_due_at} for p in owed]
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
    """For the admin: every division with the answers it owes and how many are overdue.

    The Mayor's office's row counts the Mayor's answers still owed, on the Mayor's deadline."""
    from app.services.proposals import mayor_office
    from app.services.rules import seoul

    today_start = now.astimezone(seoul()).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = db.session.execute(
        select(Division, func.count(Proposal.id),
               func.coalesce(func.sum(case((Proposal.answer_due_at < today_start, 1), else_=0)), 0))
        .outerjoin(Proposal, (Proposal.division_id == Division.id) & (Proposal.status == ProposalStatus.IN_REVIEW.value))
        .group_by(Division.id).order_by(Division.name_ko)
    ).all()
    overview = [{"division": d, "in_review": n, "overdue": int(late), "mayor_owed": 0} for d, n, late in rows]
    office = mayor_office()
    if office is not None:
        owed, late = db.session.execute(
            select(func.count(Proposal.id),
                   func.coalesce(func.sum(case((Proposal.mayor_due_at < today_start, 1), else_=0)), 0))
            .where(mayor_answer_owed())
        ).one()
        for row in overview:
            if row["division"].id == office.id:
                row["in_review"] += owed
                row["overdue"] += int(late)
                row["mayor_owed"] = owed
    return overview
