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
        db.Index("ix_proposals_support", "support_count", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.Text, nullable=False)  # 5–100 for new ones; one imported title has 504
    body = db.Column(db.Text, nullable=False)  # Markdown
    category_id = db.Column(db.ForeignKey("categories.id"), index=True)
    dong_id = db.Column(db.ForeignKey("dongs.id"), index=True)
    division_id = db.Column(db.ForeignKey("divisions.id"), index=True)
    author_id = db.Column(db.ForeignKey("users.id"), index=True)  # never set on imported rows
    status = db.Column(db.String(20), nullable=False, default=ProposalStatus.OPEN.value)
    support_count = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    answer_due_at = db.Column(UTCDateTime, index=True)  # the division's deadline, while in review
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
    answered_at = db.Column(UTCDateTime, default=utcnow)  # unknown (None) for some imported rows

    proposal = db.relationship("Proposal", back_populates="answers")
    division = db.relationship("Division")
