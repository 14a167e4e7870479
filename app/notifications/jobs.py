"""RQ jobs of the outbox: deliver one row (by id, idempotently), sweep, and the periodic tick."""
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from app.extensions import db
from app.models import Notification, NotificationStatus
from app.models.base import utcnow
from app.notifications.channels import CHANNELS
from app.notifications.messages import render
from app.notifications.objects import OBJECT_TYPES, load_object

log = logging.getLogger(__name__)
S = NotificationStatus


def _claim(notification_id, now):
    """Atomically take the row for sending; False if it is sent, skipped or being sent by another."""
    lease = timedelta(seconds=current_app.config["NOTIFY_LEASE_SECONDS"])
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            or_(
                Notification.status.in_([S.PENDING.value, S.QUEUED.value]),
                and_(Notification.status == S.SENDING.value, Notification.updated_at < now - lease),
            ),
        )
        .values(status=S.SENDING.value, attempts=Notification.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _finish(notification_id, **values):
    db.session.execute(
        update(Notification).where(Notification.id == notification_id)
        .values(updated_at=utcnow(), **values).execution_options(synchronize_session=False)
    )
    db.session.commit()


def deliver(notification_id):
    """Send one outbox row. Raises on a channel failure so that RQ retries with backoff."""
    try:
        now = utcnow()
        if not _claim(notification_id, now):
            log.info("notification %s not claimable (already sent or in progress)", notification_id)
            return "not-claimed"
        row = db.session.get(Notification, notification_id)
        obj = load_object(row.object_type, row.object_id)
        if obj is None or not OBJECT_TYPES[row.object_type].is_deliverable(obj, row.event):
            log.info("notification %s skipped: %s %s is gone or hidden", row.id, row.object_type, row.object_id)
            _finish(row.id, status=S.SKIPPED.value, last_error="object deleted or hidden")
            return "skipped"
        try:
            CHANNELS[row.channel].send(row, render(row, obj))
        except Exception as exc:
            attempts = row.attempts
            final = attempts > len(current_app.config["NOTIFY_RETRY_INTERVALS"])
            db.session.rollback()
            _finish(notification_id, status=(S.FAILED if final else S.QUEUED).value,
                    last_error=f"{type(exc).__name__}: {exc}"[:2000])
            log.warning("notification %s attempt %s failed: %s", notification_id, attempts, exc)
            raise
        _finish(row.id, status=S.SENT.value, sent_at=utcnow(), last_error=None)
        return "sent"
    finally:
        db.session.remove()


def sweep(now=None):
    """Enqueue rows that never reached the queue, whose job vanished, or whose claim went stale."""
    from app.notifications.outbox import enqueue_ids

    now = now or utcnow()
    cfg = current_app.config
    grace = now - timedelta(seconds=cfg["NOTIFY_GRACE_SECONDS"])
    lease = now - timedelta(seconds=cfg["NOTIFY_LEASE_SECONDS"])
    due = or_(Notification.not_before_at.is_(None), Notification.not_before_at <= now)
    pending = db.session.execute(
        select(Notification.id).where(Notification.status == S.PENDING.value, due,
                                      or_(Notification.created_at <= grace, Notification.not_before_at.isnot(None)))
    ).scalars().all()
    stale = db.session.execute(
        select(Notification.id).where(Notification.status == S.SENDING.value, Notification.updated_at <= lease)
    ).scalars().all()
    queued = db.session.execute(
        select(Notification.id).where(Notification.status == S.QUEUED.value, Notification.updated_at <= grace)
    ).scalars().all()
    db.session.commit()  # release SQLite's lock before talking to Redis and updating rows
    vanished = []
    try:
        vanished = _vanished_jobs(queued)
    except Exception as exc:  # noqa: BLE001 -- Redis down: the pending rows wait for the next sweep
        log.warning("sweeper cannot reach Redis: %s", exc)
        db.session.remove()
        return []
    if stale:
        # Let a new claim succeed, whatever happened to the worker that held it.
        db.session.execute(update(Notification).where(Notification.id.in_(stale))
                           .values(status=S.QUEUED.value, updated_at=now).execution_options(synchronize_session=False))
        db.session.commit()
    ids = sorted(set(pending) | set(stale) | set(vanished))
    if ids:
        enqueue_ids(ids)
        log.info("sweeper enqueued %d notification(s)", len(ids))
    db.session.remove()
    return ids


def _vanished_jobs(queued_ids):
    """Rows marked queued whose job is gone (Redis restarted empty) or ended without sending."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    from app.jobs import get_queue
    from app.notifications.outbox import job_id_for

    connection = get_queue().connection
    gone = []
    for notification_id in queued_ids:
        try:
            status = Job.fetch(job_id_for(notification_id), connection=connection).get_status()
        except NoSuchJobError:
            status = None
        if status in (None, JobStatus.FAILED, JobStatus.FINISHED, JobStatus.CANCELED, JobStatus.STOPPED):
            gone.append(notification_id)
    return gone


def periodic():
    """Run every minute by the worker's ticker: sweeper, deadline reminders, expiry, vote closing."""
    from app.services import proposals
    from app.services.deadlines import send_deadline_reminders

    swept = sweep()
    reminded = send_deadline_reminders()
    closed = proposals.close_expired()
    counted = proposals.close_finished_votes()
    db.session.commit()
    settled = proposals.settle_all_supports()  # after the expiries: a closed proposal's count is final
    db.session.commit()
    db.session.remove()
    return {"swept": len(swept), "reminders": reminded, "expired": closed, "votes_closed": counted,
            "supports_settled": settled}
