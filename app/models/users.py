"""Accounts: residents, division staff and administrators."""
import enum
import secrets

from flask import current_app
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class Role(str, enum.Enum):
    RESIDENT = "resident"
    STAFF = "staff"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), nullable=False, unique=True)  # stored lower-cased
    password_hash = db.Column(db.String(255), nullable=False)
    display_name = db.Column(db.String(50), nullable=False)
    locale = db.Column(db.String(5), nullable=False, default="ko")
    phone = db.Column(db.String(20))
    role = db.Column(db.String(10), nullable=False, default=Role.RESIDENT.value)
    is_verified_resident = db.Column(db.Boolean, nullable=False, default=False)
    dong_id = db.Column(db.ForeignKey("dongs.id"))
    verified_at = db.Column(UTCDateTime)
    privacy_consent_version = db.Column(db.String(20), nullable=False)
    privacy_consent_at = db.Column(UTCDateTime, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    # Bumped on password change so that reset links already sent stop working.
    password_changed_at = db.Column(UTCDateTime)
    # Part of the signed-in session's id: renewing it signs the account out everywhere.
    session_token = db.Column(db.String(32), nullable=False, default=lambda: secrets.token_hex(16))

    dong = db.relationship("Dong")
    memberships = db.relationship("StaffMembership", back_populates="user")

    def set_password(self, password):
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )
        self.password_changed_at = utcnow()
        self.renew_session_token()

    def renew_session_token(self):
        self.session_token = secrets.token_hex(16)

    def get_id(self):
        return f"{self.id}:{self.session_token}"

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    @property
    def is_admin(self):
        return self.role == Role.ADMIN.value

    @property
    def is_staff(self):
        return self.role in (Role.STAFF.value, Role.ADMIN.value)

    @property
    def masked_name(self):
        """김*수 / 이* — how the public sees a resident's name."""
        name = self.display_name
        if len(name) <= 1:
            return name
        if len(name) == 2:
            return name[0] + "*"
        return name[0] + "*" * (len(name) - 2) + name[-1]


class StaffMembership(db.Model):
    """A staff member's place in a division, and how they want to be alerted."""

    __tablename__ = "staff_memberships"
    __table_args__ = (db.UniqueConstraint("user_id", "division_id"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    division_id = db.Column(db.ForeignKey("divisions.id", ondelete="CASCADE"), nullable=False)
    wants_email = db.Column(db.Boolean, nullable=False, default=True)
    wants_sms = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    user = db.relationship("User", back_populates="memberships")
    division = db.relationship("Division", back_populates="memberships")
