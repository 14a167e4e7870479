"""The participation rules the admin configures, special periods, and the audit trail."""
from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class ParticipationRules(db.Model):
    """One row: the current rules. Changing them applies from then on (nothing is recomputed)."""

    __tablename__ = "participation_rules"

    id = db.Column(db.Integer, primary_key=True)
    review_threshold = db.Column(db.Integer, nullable=False, default=5)
    mayor_threshold = db.Column(db.Integer, nullable=False, default=100)
    answer_days = db.Column(db.Integer, nullable=False, default=15)
    use_business_days = db.Column(db.Boolean, nullable=False, default=False)
    open_days = db.Column(db.Integer, nullable=False, default=30)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


class SpecialPeriod(db.Model):
    """특별 참여 기간: every new proposal goes straight to review (dates are Asia/Seoul, inclusive)."""

    __tablename__ = "special_periods"

    id = db.Column(db.Integer, primary_key=True)
    title_ko = db.Column(db.String(200), nullable=False)
    title_en = db.Column(db.String(200), nullable=False)
    starts_on = db.Column(db.Date, nullable=False)
    ends_on = db.Column(db.Date, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


class AuditEntry(db.Model):
    """Who changed which rule, when, from what to what."""

    __tablename__ = "audit_entries"

    id = db.Column(db.Integer, primary_key=True)
    actor_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))
    action = db.Column(db.String(60), nullable=False)
    target = db.Column(db.String(100), nullable=False)
    before = db.Column(db.Text)
    after = db.Column(db.Text)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    actor = db.relationship("User")
