"""Opinions (의견) on proposals: comments, one level of replies, reports and moderation."""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Comment, CommentReport, ProposalStatus
from app.models.base import utcnow
from app.notifications import Recipient, alert_division, notify
from app.services import ServiceError, permissions

DOUBLE_SUBMIT_WINDOW = timedelta(minutes=2)


def add_comment(user, proposal, body, parent=None, now=None):
    """A verified resident or staff member comments; staff of the division in charge reply officially."""
    now = now or utcnow()
    refusal = permissions.why_not_comment(user, proposal)
    if refusal:
        raise ServiceError(refusal)
    if parent is not None:
        if parent.proposal_id != proposal.id or parent.hidden_at is not None:
            raise ServiceError(_l("You cannot reply to that comment."))
        if parent.parent_id is not None:
            parent = parent.parent  # one level of replies: answer the thread's first comment
    # A double submit (a second click, a resent form) posts one comment: the same text by the same
    # person on the same thread moments ago is that comment.
    same = db.session.execute(
        select(Comment).filter_by(proposal_id=proposal.id, author_id=user.id, body=body,
                                  parent_id=parent.id if parent is not None else None)
        .where(Comment.created_at >= now - DOUBLE_SUBMIT_WINDOW).order_by(Comment.id.desc())
    ).scalars().first()
    if same is not None:
        return same
    # Official only from a member of the division in charge: its name is shown as the signer, and
    # an admin who is not in that division speaks for themselves.
    official = user.is_staff and permissions.is_member(user, proposal.division)
    comment = Comment(proposal=proposal, parent=parent, author=user, body=body, created_at=now,
                      is_official=official, division=proposal.division if official else None)
    db.session.add(comment)
    db.session.flush()
    if proposal.status == ProposalStatus.IN_REVIEW.value and not official:
        alert_division("comment.new", comment, proposal.division, now=now)
    return comment


def report_comment(user, comment, reason, now=None):
    """Anyone signed in reports someone else's visible comment, once while the report is open.

    A hidden comment has already been dealt with, and a second open report by the same person
    would only queue the same work twice for the moderator.
    """
    if not (user and user.is_authenticated):
        raise ServiceError(_l("Please sign in to report a comment."))
    if not (reason or "").strip():
        raise ServiceError(_l("Tell us why you are reporting this comment."))
    if comment.author_id == user.id:
        raise ServiceError(_l("You cannot report your own comment."))
    if comment.hidden_at is not None:
        raise ServiceError(_l("This comment has already been hidden by a moderator."))
    already = db.session.execute(select(CommentReport.id).filter_by(
        comment_id=comment.id, reporter_id=user.id, resolved_at=None)).first()
    if already is not None:
        raise ServiceError(_l("You have already reported this comment. A moderator will look at it."))
    report = CommentReport(comment=comment, reporter_id=user.id, reason=reason, created_at=now or utcnow())
    db.session.add(report)
    return report


def hide_comment(actor, comment, reason, now=None):
    """A moderator hides a comment; its author is told why."""
    now = now or utcnow()
    if not permissions.can_administer(actor):
        raise ServiceError(_l("Only the platform officer can do this."))
    if not (reason or "").strip():
        raise ServiceError(_l("Give the reason; the author will see it."))
    if comment.hidden_at is not None:  # its author was told the first reason; it stays the one shown
        raise ServiceError(_l("This comment is already hidden."))
    comment.hidden_at, comment.hidden_reason = now, reason
    for report in db.session.execute(select(CommentReport).filter_by(comment_id=comment.id, resolved_at=None)).scalars():
        report.resolved_at = now
    notify("comment.hidden", comment, [Recipient(user=comment.author)], channels=("inapp", "email"), now=now)
    return comment


def dismiss_reports(actor, comment, now=None):
    """A moderator finds the reports on a comment unfounded: they are closed, the comment stays."""
    now = now or utcnow()
    if not permissions.can_administer(actor):
        raise ServiceError(_l("Only the platform officer can do this."))
    reports = db.session.execute(
        select(CommentReport).filter_by(comment_id=comment.id, resolved_at=None)).scalars().all()
    if not reports:
        raise ServiceError(_l("There is no open report on this comment."))
    for report in reports:
        report.resolved_at = now
    return reports


def open_reports():
    return db.session.execute(
        select(CommentReport).where(CommentReport.resolved_at.is_(None)).order_by(CommentReport.created_at)
    ).scalars().all()
