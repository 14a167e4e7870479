"""A user's in-app notifications: the bell's count, the list, marking as read."""
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Channel, Notification, NotificationStatus
from app.models.base import utcnow

_MINE = (Notification.channel == Channel.INAPP.value, Notification.status == NotificationStatus.SENT.value)


def unread_count(user):
    return db.session.execute(
        select(func.count(Notification.id)).where(
            Notification.recipient_user_id == user.id, Notification.read_at.is_(None), *_MINE)
    ).scalar_one()


def recent(user, limit=50):
    return db.session.execute(
        select(Notification).where(Notification.recipient_user_id == user.id, *_MINE)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ).scalars().all()


def mark_read(user, notification_id=None):
    """Mark one (or, without an id, every) unread notification of this user as read."""
    query = update(Notification).where(Notification.recipient_user_id == user.id,
                                       Notification.read_at.is_(None), *_MINE)
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return db.session.execute(query.values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount
