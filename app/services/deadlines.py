"""Answer deadlines: D-3 and D-1 reminders, then "overdue" to the division and the admins.

Two answers can be owed for one proposal, each on its own clock: the division's (while it is in
review, until `answer_due_at`) and, from the Mayor's threshold on, the Mayor's (until
`mayor_due_at`, owed by the Mayor's office until the Mayor has answered, whatever the division did).
"""
from datetime import timedelta

from sqlalchemy import and_, exists, select

from app.extensions import db
from app.models import Proposal, ProposalAnswer, ProposalStatus
from app.models.base import utcnow
from app.notifications import Recipient, alert_division, notify
from app.notifications.outbox import admins

# Statuses in which a division still owes its answer.
AWAITING_ANSWER = (ProposalStatus.IN_REVIEW.value,)
# Statuses in which nobody owes the Mayor's answer any more: off the record, or never reviewed.
NO_MAYOR_ANSWER_OWED = (ProposalStatus.HIDDEN.value, ProposalStatus.WITHDRAWN.value, ProposalStatus.CLOSED.value)


def mayor_answer_owed():
    """SQL condition: the Mayor's office still owes this proposal the Mayor's answer."""
    answered = exists().where(ProposalAnswer.proposal_id == Proposal.id, ProposalAnswer.kind == "mayor")
    return and_(Proposal.mayor_requested_at.isnot(None), Proposal.mayor_due_at.isnot(None),
                Proposal.status.notin_(NO_MAYOR_ANSWER_OWED), Proposal.source.is_(None), ~answered)


def reminder_due(due_at, now):
    """Which reminder applies now: only the most pressing one, so a late run never sends D-3 late."""
    left = due_at - now
    if left < timedelta(0):
        return "deadline.overdue"
    if left <= timedelta(days=1):
        return "deadline.d1"
    if left <= timedelta(days=3):
        return "deadline.d3"
    return None


def _remind(event_name, proposal, division, due_at, now, *, prefix=""):
    # The due date is part of the key: a new deadline (after a transfer) gets its own reminders.
    occurrence = f"{prefix}{due_at:%Y%m%d%H%M}"
    rows = alert_division(event_name, proposal, division, now=now, occurrence=occurrence)
    if event_name.endswith(".overdue"):
        rows += notify(event_name, proposal, [Recipient(user=u) for u in admins()],
                       channels=("email", "inapp"), now=now, occurrence=occurrence)
    return rows


def send_deadline_reminders(now=None):
    """Create the reminders that are due; the outbox's dedupe keys make each one go out once."""
    from app.services.proposals import mayor_office

    now = now or utcnow()
    horizon = now + timedelta(days=3)
    created = 0
    proposals = db.session.execute(
        select(Proposal).where(Proposal.status.in_(AWAITING_ANSWER), Proposal.answer_due_at.isnot(None),
                               Proposal.answer_due_at <= horizon, Proposal.division_id.isnot(None))
    ).scalars().all()
    for proposal in proposals:
        event_name = reminder_due(proposal.answer_due_at, now)
        if event_name is not None:
            created += len(_remind(event_name, proposal, proposal.division, proposal.answer_due_at, now))
    office = mayor_office()
    owed = db.session.execute(
        select(Proposal).where(mayor_answer_owed(), Proposal.mayor_due_at <= horizon)
    ).scalars().all() if office is not None else []
    for proposal in owed:
        event_name = reminder_due(proposal.mayor_due_at, now)
        if event_name is not None:
            # Its own events and keys: the Mayor's office may also be the division in charge.
            created += len(_remind(f"mayor_{event_name}", proposal, office, proposal.mayor_due_at, now,
                                   prefix="mayor:"))
    db.session.commit()
    return created
