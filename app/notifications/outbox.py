"""notify(): write outbox rows in the caller's transaction; enqueue them only after it commits."""
import logging
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Channel, Notification, NotificationStatus, Role, User
from app.models.base import utcnow
from app.notifications.objects import object_type_of

log = logging.getLogger(__name__)
_PENDING_KEY = "madang_outbox_ids"


@dataclass(frozen=True)
class Recipient:
    """A resident or staff member (user), or a division's alert contact (division)."""

    user: object = None
    division: object = None


def _digits(phone):
    return re.sub(r"\D", "", phone or "")


def _quiet_until(now):
    """The end of quiet hours if `now` falls inside them (Asia/Seoul), else None."""
    start, end = current_app.config["QUIET_HOURS"]
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    local = now.astimezone(tz)
    in_quiet = (local.hour >= start or local.hour < end) if start > end else start <= local.hour < end
    if not in_quiet:
        return None
    day = local.date() if local.hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), tzinfo=tz)


def _targets(recipient, channel):
    """(recipient key, address, user, division, locale) for each address of this recipient."""
    user, division = recipient.user, recipient.division
    if user is not None:
        if channel == Channel.EMAIL.value and user.email:
            yield f"user:{user.id}", user.email, user, None, user.locale
        elif channel == Channel.SMS.value and _digits(user.phone):
            yield f"phone:{_digits(user.phone)}", user.phone, user, None, user.locale
        elif channel == Channel.INAPP.value:
            yield f"user:{user.id}", None, user, None, user.locale
    elif division is not None:
        if channel == Channel.EMAIL.value and division.alert_email:
            yield f"division:{division.id}", division.alert_email, None, division, division.locale
        elif channel == Channel.SMS.value:
            for phone in division.alert_phone_list:
                yield f"phone:{_digits(phone)}", phone, None, division, division.locale


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
            for key, address, user, division, locale in _targets(recipient, channel):
                dedupe = f"{event_name}:{object_type}:{object_id}:{key}:{channel}"
                if occurrence:
                    dedupe += f":{occurrence}"
                row = Notification(
                    recipient_user=user, recipient_division=division, address=address,
                    channel=channel, event=event_name, object_type=object_type, object_id=object_id,
                    locale=locale or "ko", is_urgent=urgent, dedupe_key=dedupe[:200],
                    created_at=now, updated_at=now,
                )
                if channel == Channel.SMS.value and not urgent:
                    row.not_before_at = _quiet_until(now)
                if channel == Channel.INAPP.value:
                    # The row itself is the in-app message: nothing to deliver.
                    row.status, row.sent_at = NotificationStatus.SENT.value, now
                if _insert_once(row):
                    created.append(row)
    pending = db.session.info.setdefault(_PENDING_KEY, [])
    pending.extend(r.id for r in created if r.status == NotificationStatus.PENDING.value
                   and (r.not_before_at is None or r.not_before_at <= now))
    return created


def resend(row):
    """Admin: try a failed or stuck row again from the start, after the caller commits."""
    row.status, row.attempts, row.last_error = NotificationStatus.PENDING.value, 0, None
    row.not_before_at, row.updated_at = None, utcnow()
    db.session.info.setdefault(_PENDING_KEY, []).append(row.id)


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
