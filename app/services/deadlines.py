"""Answer deadlines: D-3 and D-1 reminders to the division, then "overdue" to it and the admins."""
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Proposal, ProposalStatus
from app.models.base import utcnow
from app.notifications import Recipient, alert_division, notify
from app.notifications.outbox import admins

# Statuses in which a division still owes its answer.
AWAITING_ANSWER = (ProposalStatus.IN_REVIEW.value,)


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


def send_deadline_reminders(now=None):
    """Create the reminders that are due; the outbox's dedupe keys make each one go out once."""
    now = now or utcnow()
    horizon = now + timedelta(days=3)
    proposals = db.session.execute(
        select(Proposal).where(Proposal.status.in_(AWAITING_ANSWER), Proposal.answer_due_at.isnot(None),
                               Proposal.answer_due_at <= horizon, Proposal.division_id.isnot(None))
    ).scalars().all()
    created = 0
    for proposal in proposals:
        event_name = reminder_due(proposal.answer_due_at, now)
        if event_name is None:
            continue
        # The due date is part of the key: a new deadline (after a transfer) gets its own reminders.
        occurrence = f"{proposal.answer_due_at:%Y%m%d%H%M}"
        rows = alert_division(event_name, proposal, proposal.division, now=now, occurrence=occurrence)
        if event_name == "deadline.overdue":
            rows += notify(event_name, proposal, [Recipient(user=u) for u in admins()],
                           channels=("email", "inapp"), now=now, occurrence=occurrence)
        created += len(rows)
    db.session.commit()
    return created
