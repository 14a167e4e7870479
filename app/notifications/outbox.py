"""notify(): write outbox rows in the caller's transaction; enqueue them only after it commits."""
import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import and_, event, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Notification, NotificationStatus, Role, User
from app.models.base import utcnow
from app.notifications.channels import CHANNELS
from app.notifications.objects import object_type_of

log = logging.getLogger(__name__)
_PENDING_KEY = "madang_outbox_ids"


@dataclass(frozen=True)
class Recipient:
    """A resident or staff member (user), or a division's alert contact (division)."""

    user: object = None
    division: object = None


def notify(event_name, obj, recipients, *, channels=("email",), urgent=False, occurrence=None, now=None):
    """Create one outbox row per recipient address and channel, at most once per dedupe key.

    `occurrence` distinguishes repeatable events (a second password reset); the key is otherwise
    (event, object, recipient, channel), so calling this twice for the same event sends once.
    Returns the rows created in this call.
    """
    now = now or utcnow()
    object_type, object_id = object_type_of(obj), obj.id
    created = []
    for channel in channels:
        for recipient in recipients:
            for key, address, user, division, locale in CHANNELS[channel].targets(recipient):
                dedupe = f"{event_name}:{object_type}:{object_id}:{key}:{channel}"
                if occurrence:
                    dedupe += f":{occurrence}"
                row = Notification(
                    recipient_user=user, recipient_division=division, address=address,
                    channel=channel, event=event_name, object_type=object_type, object_id=object_id,
                    locale=locale or "ko", is_urgent=urgent, dedupe_key=dedupe[:200],
                    created_at=now, updated_at=now,
                )
                CHANNELS[channel].prepare(row, now)  # SMS: quiet hours; in-app: delivered now
                if _insert_once(row):
                    created.append(row)
    pending = db.session.info.setdefault(_PENDING_KEY, [])
    pending.extend(r.id for r in created if r.status == NotificationStatus.PENDING.value
                   and (r.not_before_at is None or r.not_before_at <= now))
    return created


def resendable():
    """Rows an admin may send again: failed, never handed over, or claimed by a worker that died.

    A `sending` row whose lease is still running belongs to a live worker that may be talking to
    the SMTP server right now: sending it again could deliver it twice. Its claim is taken back
    once NOTIFY_LEASE_SECONDS have passed, exactly as `jobs._claim` and the sweeper do.
    """
    S = NotificationStatus
    lease = timedelta(seconds=current_app.config["NOTIFY_LEASE_SECONDS"])
    return or_(Notification.status.in_([S.FAILED.value, S.PENDING.value, S.QUEUED.value]),
               and_(Notification.status == S.SENDING.value, Notification.updated_at < utcnow() - lease))


def resend(notification_id):
    """Admin: try a row again from the start, after the caller commits. False if it may not be.

    One conditional UPDATE, so a worker claiming the row at the same moment either wins (and this
    refuses) or finds the row pending again and claims it once.
    """
    result = db.session.execute(
        update(Notification).where(Notification.id == notification_id, resendable())
        .values(status=NotificationStatus.PENDING.value, attempts=0, last_error=None, not_before_at=None,
                updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        return False
    db.session.info.setdefault(_PENDING_KEY, []).append(notification_id)
    return True


def _insert_once(row):
    if db.session.execute(select(Notification.id).filter_by(dedupe_key=row.dedupe_key)).first():
        return False
    try:
        with db.session.begin_nested():  # a concurrent twin loses here, not the whole transaction
            db.session.add(row)
    except IntegrityError:
        return False
    return True


def alert_division(event_name, obj, division, *, now=None, urgent=False, occurrence=None):
    """The division alert: email to the division's address, SMS to its alert phones, and to each
    staff member email/SMS as they opted in, plus an in-app notice. Phones are deduplicated."""
    if division is None:
        return []
    common = {"now": now, "urgent": urgent, "occurrence": occurrence}
    rows = notify(event_name, obj, [Recipient(division=division)], channels=("email", "sms"), **common)
    members = list(division.memberships)
    rows += notify(event_name, obj, [Recipient(user=m.user) for m in members if m.wants_email],
                   channels=("email",), **common)
    rows += notify(event_name, obj, [Recipient(user=m.user) for m in members if m.wants_sms],
                   channels=("sms",), **common)
    rows += notify(event_name, obj, [Recipient(user=m.user) for m in members], channels=("inapp",), **common)
    return rows


def admins():
    return db.session.execute(select(User).where(User.role == Role.ADMIN.value)).scalars().all()


# --- after commit -----------------------------------------------------------------------------

def job_id_for(notification_id):
    return f"notify-{notification_id}"


def enqueue_ids(ids):
    """Hand rows to RQ; a Redis outage leaves them pending for the sweeper. Returns the count."""
    if not ids:
        return 0
    from app.jobs import get_queue

    try:
        queue = get_queue()
        retry_intervals = current_app.config["NOTIFY_RETRY_INTERVALS"]
        from rq import Retry

        for notification_id in ids:
            queue.enqueue(
                "app.notifications.jobs.deliver", notification_id,
                job_id=job_id_for(notification_id), job_timeout=120,
                retry=Retry(max=len(retry_intervals), interval=retry_intervals),
                failure_ttl=7 * 24 * 3600,
            )
    except Exception as exc:  # noqa: BLE001 -- any Redis failure: keep the rows, the sweeper retries
        log.warning("Redis unavailable, %d notification(s) stay pending: %s", len(ids), exc)
        return 0
    now = utcnow()
    with db.engine.begin() as conn:
        conn.execute(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.status == NotificationStatus.PENDING.value)
            .values(status=NotificationStatus.QUEUED.value, queued_at=now, updated_at=now)
        )
    return len(ids)


def _after_commit(session):
    if session.in_nested_transaction():  # a SAVEPOINT was released; the real commit comes later
        return
    ids = session.info.pop(_PENDING_KEY, None)
    if ids and has_app_context():
        enqueue_ids(ids)


def _after_rollback(session):
    if not session.in_nested_transaction():  # the whole transaction, not a SAVEPOINT, was rolled back
        session.info.pop(_PENDING_KEY, None)


def init_app(app):
    if not event.contains(db.session, "after_commit", _after_commit):  # once, however many apps
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_rollback", _after_rollback)
