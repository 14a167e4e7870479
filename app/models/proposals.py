"""Policy proposals (정책 제안): the read side, and imported historical proposals."""
import enum

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class ProposalStatus(str, enum.Enum):
    OPEN = "open"
    IN_REVIEW = "in_review"
    ANSWERED = "answered"
    AT_CONFERENCE = "at_conference"
    VOTING = "voting"
    ADOPTED = "adopted"
    REJECTED = "rejected"
    IMPLEMENTING = "implementing"
    COMPLETED = "completed"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    HIDDEN = "hidden"


class Proposal(db.Model):
    __tablename__ = "proposals"
    __table_args__ = (
        db.UniqueConstraint("source", "source_ref", name="uq_proposals_source_ref"),
        db.Index("ix_proposals_status_created", "status", "created_at"),
        db.Index("ix_proposals_support", "support_count", "id"),  # the settled count: the "most supported" sort
        db.Index("ix_proposals_created_id", "created_at", "id"),  # newest first, and its keyset pages
    )

    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.Text, nullable=False)  # 5–100 for new ones; one imported title has 504
    body = db.Column(db.Text, nullable=False)  # Markdown
    category_id = db.Column(db.ForeignKey("categories.id"), index=True)
    dong_id = db.Column(db.ForeignKey("dongs.id"), index=True)
    division_id = db.Column(db.ForeignKey("divisions.id"), index=True)
    author_id = db.Column(db.ForeignKey("users.id"), index=True)  # never set on imported rows
    status = db.Column(db.String(20), nullable=False, default=ProposalStatus.OPEN.value)
    # The sympathies counted into the row so far; the ones since wait in proposal_support_shards
    # (see SupportShard). Lists sort on this column; `support_count` below is the exact figure.
    settled_support_count = db.Column("support_count", db.Integer, nullable=False, default=0)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    answer_due_at = db.Column(UTCDateTime, index=True)  # the division's deadline, while in review
    # The rules' moments, stamped once: thresholds fire exactly once because these are set once.
    review_started_at = db.Column(UTCDateTime)
    is_special_period = db.Column(db.Boolean, nullable=False, default=False)
    mayor_requested_at = db.Column(UTCDateTime)
    mayor_due_at = db.Column(UTCDateTime)
    open_until_at = db.Column(UTCDateTime, index=True)  # closes (expires) after this, if still open
    closed_at = db.Column(UTCDateTime)
    withdrawn_at = db.Column(UTCDateTime)
    hidden_at = db.Column(UTCDateTime)
    hidden_reason = db.Column(db.Text)
    status_before_hidden = db.Column(db.String(20))
    conference_id = db.Column(db.ForeignKey("policy_conferences.id"))
    vote_opens_at = db.Column(UTCDateTime)
    vote_closes_at = db.Column(UTCDateTime)
    vote_quorum = db.Column(db.Integer)
    votes_yes = db.Column(db.Integer, nullable=False, default=0)
    votes_no = db.Column(db.Integer, nullable=False, default=0)
    result_body = db.Column(db.Text)  # the published result of an adopted proposal
    result_published_at = db.Column(UTCDateTime)
    submission_key = db.Column(db.String(64), unique=True)  # a double submit creates one proposal
    # Imported rows: which public dataset, the row's id there, and the attribution to show.
    source = db.Column(db.String(40))
    source_ref = db.Column(db.String(40))
    source_attribution = db.Column(db.String(300))
    source_url = db.Column(db.String(300))
    is_body_truncated = db.Column(db.Boolean, nullable=False, default=False)

    category = db.relationship("Category")
    dong = db.relationship("Dong")
    division = db.relationship("Division")
    author = db.relationship("User")
    answers = db.relationship(
        "ProposalAnswer", back_populates="proposal", order_by="ProposalAnswer.answered_at"
    )
    attachments = db.relationship("ProposalAttachment", back_populates="proposal", order_by="ProposalAttachment.id")
    events = db.relationship("ProposalEvent", back_populates="proposal", order_by="ProposalEvent.id")
    conference = db.relationship("PolicyConference")

    @property
    def is_public(self):
        return self.status != ProposalStatus.HIDDEN.value

    @property
    def is_imported(self):
        return self.source is not None


class ProposalAnswer(db.Model):
    """A division's (or the mayor's) answer to a proposal."""

    __tablename__ = "proposal_answers"

    id = db.Column(db.Integer, primary_key=True)
    proposal_id = db.Column(
        db.ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind = db.Column(db.String(10), nullable=False, default="division")  # division | mayor | expert
    division_id = db.Column(db.ForeignKey("divisions.id"))
    # Imported answers come from a Seoul city department that is not one of our divisions.
    department_name = db.Column(db.String(100))
    decision = db.Column(db.String(20))  # accepted | partial | considering | rejected
    body = db.Column(db.Text, nullable=False)
    is_body_truncated = db.Column(db.Boolean, nullable=False, default=False)
    answered_at = db.Column(UTCDateTime)  # set by the service; unknown (None) for imported rows

    proposal = db.relationship("Proposal", back_populates="answers")
    division = db.relationship("Division")


class Sympathy(db.Model):
    """공감: one per resident per proposal; withdrawing deletes the row, so count == rows."""

    __tablename__ = "sympathies"
    __table_args__ = (db.UniqueConstraint("proposal_id", "user_id"),)

    id = db.Column(db.Integer, primary_key=True)
    proposal_id = db.Column(db.ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = db.Column(db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    proposal = db.relationship("Proposal")


class ProposalAttachment(db.Model):
    __tablename__ = "proposal_attachments"

    id = db.Column(db.Integer, primary_key=True)
    proposal_id = db.Column(db.ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False, index=True)
    original_name = db.Column(db.String(255), nullable=False)  # shown and offered for download
    stored_name = db.Column(db.String(80), nullable=False, unique=True)  # generated; never from the user
    content_type = db.Column(db.String(50), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    proposal = db.relationship("Proposal", back_populates="attachments")


class ProposalEvent(db.Model):
    """The public timeline: what happened, when, and by whom (a division, never a person)."""

    __tablename__ = "proposal_events"

    id = db.Column(db.Integer, primary_key=True)
    proposal_id = db.Column(db.ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = db.Column(db.String(30), nullable=False)
    from_status = db.Column(db.String(20))
    to_status = db.Column(db.String(20))
    actor_kind = db.Column(db.String(10), nullable=False, default="system")  # resident|division|mayor|admin|system
    division_id = db.Column(db.ForeignKey("divisions.id"))
    note = db.Column(db.Text)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    proposal = db.relationship("Proposal", back_populates="events")
    division = db.relationship("Division")


class Comment(db.Model):
    """의견: residents' comments, one level of replies; staff replies are official."""

    __tablename__ = "comments"

    id = db.Column(db.Integer, primary_key=True)
    proposal_id = db.Column(db.ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False, index=True)
    parent_id = db.Column(db.ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    author_id = db.Column(db.ForeignKey("users.id"), nullable=False, index=True)
    body = db.Column(db.Text, nullable=False)
    is_official = db.Column(db.Boolean, nullable=False, default=False)
    division_id = db.Column(db.ForeignKey("divisions.id"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    hidden_at = db.Column(UTCDateTime)
    hidden_reason = db.Column(db.Text)

    proposal = db.relationship("Proposal")
    author = db.relationship("User")
    division = db.relationship("Division")
    parent = db.relationship("Comment", remote_side=[id], backref="replies")


class CommentReport(db.Model):
    __tablename__ = "comment_reports"

    id = db.Column(db.Integer, primary_key=True)
    comment_id = db.Column(db.ForeignKey("comments.id", ondelete="CASCADE"), nullable=False, index=True)
    reporter_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))
    reason = db.Column(db.Text, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    resolved_at = db.Column(UTCDateTime)

    comment = db.relationship("Comment")


class ProposalFollow(db.Model):
    __tablename__ = "proposal_follows"
    __table_args__ = (db.UniqueConstraint("proposal_id", "user_id"),)

    id = db.Column(db.Integer, primary_key=True)
    proposal_id = db.Column(db.ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = db.Column(db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    user = db.relationship("User")
    proposal = db.relationship("Proposal")


class PolicyConference(db.Model):
    """정책토론회: where selected proposals are presented before the residents' vote."""

    __tablename__ = "policy_conferences"

    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    held_on = db.Column(db.Date, nullable=False)
    agenda = db.Column(db.Text, nullable=False, default="")
    minutes = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


class ProposalVote(db.Model):
    """주민 투표: one yes/no vote per verified resident."""

    __tablename__ = "proposal_votes"
    __table_args__ = (db.UniqueConstraint("proposal_id", "user_id"),)

    id = db.Column(db.Integer, primary_key=True)
    proposal_id = db.Column(db.ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = db.Column(db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    choice = db.Column(db.String(3), nullable=False)  # yes | no
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    proposal = db.relationship("Proposal")


class SupportShard(db.Model):
    """Sympathies not yet counted into their proposal's row, spread over a few rows per proposal.

    A viral proposal gets hundreds of sympathies a second. Had each one updated the proposal's row,
    each would wait for the one before it to commit (PostgreSQL holds a row's lock until the commit
    is on disk, ~2.5 ms here): at most ~400 a second, whatever the server. A sympathy adds 1 to one
    of SHARDS rows instead (by its resident's id), in the transaction that inserts it, so the exact
    count is always `settled_support_count + the sum of the shards` (Proposal.support_count), and
    `settle_support` moves the shards into the row from time to time (app/services/proposals.py).
    """

    __tablename__ = "proposal_support_shards"
    SHARDS = 16

    proposal_id = db.Column(db.ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True)
    shard = db.Column(db.SmallInteger, primary_key=True, autoincrement=False)
    n = db.Column(db.Integer, nullable=False, default=0)


# The exact number of supporters: what every page shows and every rule reads.
Proposal.support_count = db.column_property(
    Proposal.settled_support_count + db.func.coalesce(
        db.select(db.func.sum(SupportShard.n)).where(SupportShard.proposal_id == Proposal.id)
        .correlate_except(SupportShard).scalar_subquery(), 0),
    expire_on_flush=True)
