"""The admin's view of the outbox: failed and long-pending notifications, and resending them."""
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from app.extensions import db
from app.models import Notification, NotificationStatus
from app.models.base import utcnow
from app.notifications.outbox import resend, resendable
from app.services import ServiceError

S = NotificationStatus


def problem_notifications(now=None, limit=200):
    """Failed rows, and rows still not sent after NOTIFY_STALE_PENDING_MINUTES (held SMS excepted)."""
    now = now or utcnow()
    old = now - timedelta(minutes=current_app.config["NOTIFY_STALE_PENDING_MINUTES"])
    waiting = and_(
        Notification.status.in_([S.PENDING.value, S.QUEUED.value, S.SENDING.value]),
        Notification.created_at <= old,
        or_(Notification.not_before_at.is_(None), Notification.not_before_at <= old),
    )
    return db.session.execute(
        select(Notification).where(or_(Notification.status == S.FAILED.value, waiting))
        .order_by(Notification.created_at.desc()).limit(limit)
    ).scalars().all()


def resendable_ids(rows):
    """Which of these rows may be sent again now (one query, for the page's buttons)."""
    ids = [row.id for row in rows]
    if not ids:
        return set()
    return set(db.session.execute(select(Notification.id).where(Notification.id.in_(ids), resendable())).scalars())


def resend_notification(notification_id):
    """Send a row again; refused for sent and skipped rows, and for one a live worker is sending."""
    row = db.session.get(Notification, notification_id)
    if row is None:
        raise ServiceError(_l("This notification cannot be sent again."))
    status = row.status
    if not resend(notification_id):
        if status == S.SENDING.value:
            raise ServiceError(_l("This notification is being sent right now. Try again in a few minutes."))
        raise ServiceError(_l("This notification cannot be sent again."))
    return row
