"""Editing the district's divisions (admin)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Division
from app.services import ServiceError


def update_division(division, *, name_ko, name_en, alert_email, alert_phones, locale, is_active):
    clash = db.session.execute(
        select(Division.id).where(Division.name_ko == name_ko, Division.id != division.id)
    ).first()
    if clash:
        raise ServiceError(_l("Another division already has this Korean name."))
    division.name_ko = name_ko
    division.name_en = name_en
    division.alert_email = alert_email or None
    division.alert_phones = alert_phones or None
    division.locale = locale
    division.is_active = is_active
    return division
