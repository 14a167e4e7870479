"""Forms of the admin pages."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.blueprints.auth.forms import LANGUAGE_CHOICES
from app.forms_common import CleanText, clean_filter

PHONE_RE = re.compile(r"^01[016789]-?\d{3,4}-?\d{4}$")


class VerifyResidentForm(FlaskForm):
    dong = SelectField(_l("Neighbourhood (dong)"), validators=[DataRequired(message=_l("Choose a neighbourhood."))])


class UnverifyResidentForm(FlaskForm):
    """A button-only form: just the CSRF token (also used for resending notifications)."""


def _phones(form, field):
    for number in [p.strip() for p in (field.data or "").split(",") if p.strip()]:
        if not PHONE_RE.match(number):
            raise ValidationError(_l("Enter mobile numbers like 010-1234-5678, separated by commas."))


class DivisionEditForm(FlaskForm):
    name_ko = StringField(_l("Name in Korean"), filters=[clean_filter],
                          validators=[DataRequired(message=_l("Enter the Korean name.")), CleanText(),
                                      Length(max=80, message=_l("The name is too long."))])
    name_en = StringField(_l("Name in English"), filters=[clean_filter],
                          validators=[DataRequired(message=_l("Enter the English name.")), CleanText(),
                                      Length(max=120, message=_l("The name is too long."))])
    alert_email = EmailField(_l("Alert email"), filters=[clean_filter],
                             validators=[Optional(), CleanText(), Length(max=254, message=_l("The email address is too long.")),
                                         Email(message=_l("Enter a valid email address, like name@example.com."))])
    alert_phones = StringField(_l("Alert mobile numbers"), filters=[clean_filter],
                               validators=[Optional(), CleanText(), Length(max=200, message=_l("Too many numbers.")), _phones])
    locale = RadioField(_l("Language of alerts"), choices=LANGUAGE_CHOICES,
                        validators=[DataRequired(message=_l("Choose a language."))])
    is_active = BooleanField(_l("Active"))
