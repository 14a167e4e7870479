"""Accounts: registration, sign-in, password reset, language, resident verification."""
import uuid

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.extensions import db
from app.models import Dong, Role, User
from app.models.base import utcnow
from app.notifications import Recipient, notify
from app.services import ServiceError

# Hash of a throwaway password, checked when the email is unknown, so a wrong email and a
# wrong password take the same time as well as giving the same message.
_DUMMY = {}


def normalise_email(email):
    return (email or "").strip().lower()


def email_taken(email):
    return db.session.query(User.id).filter_by(email=normalise_email(email)).first() is not None


def register_user(*, email, password, display_name, locale, phone=None):
    """Create a resident account with the current privacy-consent version stamped."""
    if email_taken(email):
        raise ServiceError(_l("An account with this email address already exists."))
    user = User(
        email=normalise_email(email),
        display_name=display_name,
        locale=locale,
        phone=phone or None,
        role=Role.RESIDENT.value,
        privacy_consent_version=current_app.config["PRIVACY_CONSENT_VERSION"],
        privacy_consent_at=utcnow(),
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    notify("account.welcome", user, [Recipient(user=user)], channels=("email",), urgent=True)
    return user


def authenticate(email, password):
    """The user for these credentials, or None; never says which of the two was wrong."""
    user = db.session.query(User).filter_by(email=normalise_email(email)).first()
    if user is None:
        if "hash" not in _DUMMY:
            probe = User()
            probe.set_password("not-a-real-password")
            _DUMMY["hash"] = probe
        _DUMMY["hash"].check_password(password)
        return None
    return user if user.check_password(password) else None


def change_password(user, current_password, new_password):
    if not user.check_password(current_password):
        raise ServiceError(_l("Your current password is not correct."))
    user.set_password(new_password)


def change_locale(user, locale):
    if locale not in current_app.config["LANGUAGES"]:
        raise ServiceError(_l("That language is not available."))
    user.locale = locale


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def password_reset_token(user):
    # The password hash is signed in, so a token dies as soon as the password changes.
    return _serializer().dumps({"uid": user.id, "ph": user.password_hash[-16:]})


def user_for_reset_token(token):
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or user.password_hash[-16:] != data.get("ph"):
        return None
    return user


def request_password_reset(email):
    """Queue a reset email if the account exists; the caller says the same thing either way."""
    user = db.session.query(User).filter_by(email=normalise_email(email)).first()
    if user is not None:
        # Each request is its own occurrence, so asking twice sends twice.
        notify("account.password_reset", user, [Recipient(user=user)], channels=("email",),
               urgent=True, occurrence=uuid.uuid4().hex)


def reset_password(token, new_password):
    user = user_for_reset_token(token)
    if user is None:
        raise ServiceError(_l("This reset link is invalid or has expired. Please ask for a new one."))
    user.set_password(new_password)
    return user


def verify_resident(user, dong_code):
    """Mark a resident as verified for a dong; later features require this."""
    dong = db.session.query(Dong).filter_by(code=dong_code).first()
    if dong is None:
        raise ServiceError(_l("Unknown neighbourhood code."))
    user.is_verified_resident = True
    user.dong = dong
    user.verified_at = utcnow()
    return user


def unverify_resident(user):
    user.is_verified_resident = False
    user.verified_at = None


def update_alert_preferences(user, *, phone, wants_email, wants_sms):
    """Staff opt in or out of alert emails and SMS for every division they belong to."""
    if wants_sms and not phone:
        raise ServiceError(_l("Enter your mobile number to get text messages."))
    user.phone = phone or None
    for membership in user.memberships:
        membership.wants_email = wants_email
        membership.wants_sms = wants_sms


def set_role(user, role):
    from app.models import Role

    if role not in {r.value for r in Role}:
        raise ServiceError(_l("Unknown role."))
    if user.role == Role.ADMIN.value and role != Role.ADMIN.value:
        others = db.session.execute(select(func.count(User.id)).where(
            User.role == Role.ADMIN.value, User.id != user.id)).scalar_one()
        if not others:
            raise ServiceError(_l("This is the last platform officer's account: make someone else platform officer first."))
    user.role = role
    return user


def set_role_and_division(user, role, division=None):
    """The admin's account page: a role, and optionally one more division. A resident belongs to no
    division, and division staff to at least one (else they would get no inbox and no alerts)."""
    from app.models import Role

    if role == Role.RESIDENT.value and (division is not None or user.memberships):
        raise ServiceError(_l("A resident belongs to no division: choose the division staff role, or remove "
                              "the divisions first."))
    if role == Role.STAFF.value and division is None and not user.memberships:
        raise ServiceError(_l("Division staff belong to a division: choose one."))
    set_role(user, role)
    if division is not None:
        add_to_division(user, division)
    return user


def add_to_division(user, division):
    """Make `user` staff of `division` (alerts by email on, SMS off until they choose)."""
    from app.models import Role, StaffMembership

    if any(m.division_id == division.id for m in user.memberships):
        return None
    if user.role == Role.RESIDENT.value:
        user.role = Role.STAFF.value
    membership = StaffMembership(user=user, division=division, wants_email=True, wants_sms=False)
    db.session.add(membership)
    return membership


def remove_from_division(user, division):
    for membership in list(user.memberships):
        if membership.division_id == division.id:
            db.session.delete(membership)
