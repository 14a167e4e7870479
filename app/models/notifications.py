"""The outbox: one row per notification, written in the same transaction as its cause."""
import enum

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class NotificationStatus(str, enum.Enum):
    PENDING = "pending"  # committed, not yet handed to the queue (or Redis was down)
    QUEUED = "queued"  # a job exists for it
    SENDING = "sending"  # a worker has claimed it (a lease: stale claims are swept)
    SENT = "sent"
    FAILED = "failed"  # retries exhausted; an admin can resend
    SKIPPED = "skipped"  # its object was deleted or hidden before delivery


class Channel(str, enum.Enum):
    EMAIL = "email"
    SMS = "sms"
    INAPP = "inapp"


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        db.Index("ix_notifications_status_created", "status", "created_at"),
        db.Index("ix_notifications_inbox", "recipient_user_id", "channel", "read_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    # Who: a user, or a division's alert contact; `address` is the email or phone used.
    recipient_user_id = db.Column(db.ForeignKey("users.id", ondelete="CASCADE"))
    recipient_division_id = db.Column(db.ForeignKey("divisions.id", ondelete="CASCADE"))
    address = db.Column(db.String(254))
    channel = db.Column(db.String(10), nullable=False)
    event = db.Column(db.String(40), nullable=False)
    object_type = db.Column(db.String(30), nullable=False)
    object_id = db.Column(db.Integer, nullable=False)
    locale = db.Column(db.String(5), nullable=False, default="ko")
    is_urgent = db.Column(db.Boolean, nullable=False, default=False)
    status = db.Column(db.String(10), nullable=False, default=NotificationStatus.PENDING.value)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    last_error = db.Column(db.Text)
    dedupe_key = db.Column(db.String(200), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    not_before_at = db.Column(UTCDateTime)  # quiet hours: held until then
    queued_at = db.Column(UTCDateTime)
    sent_at = db.Column(UTCDateTime)
    read_at = db.Column(UTCDateTime)  # in-app only

    recipient_user = db.relationship("User")
    recipient_division = db.relationship("Division")
