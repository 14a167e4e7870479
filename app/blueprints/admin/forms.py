"""Forms of the admin pages."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from app.blueprints.auth.forms import LANGUAGE_CHOICES
from app.forms_common import CleanText, clean_filter
from app.services.proposals import MAX_QUORUM

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


class RulesForm(FlaskForm):
    # Upper bounds keep every number inside an INTEGER column (and the service's own checks).
    review_threshold = IntegerField(_l("Supporters for division review"), validators=[
        InputRequired(message=_l("Enter a number.")),
        NumberRange(min=1, max=100000, message=_l("Enter a number from 1 to 100,000."))])
    mayor_threshold = IntegerField(_l("Supporters for the Mayor's answer"), validators=[
        InputRequired(message=_l("Enter a number.")),
        NumberRange(min=2, max=1000000, message=_l("Enter a number from 2 to 1,000,000."))])
    answer_days = IntegerField(_l("Days to answer"), validators=[
        InputRequired(message=_l("Enter a number.")), NumberRange(min=1, max=90, message=_l("Enter 1 to 90."))])
    use_business_days = BooleanField(_l("Count Korean business days (weekends and public holidays excluded)"))
    open_days = IntegerField(_l("Days a proposal stays open for support"), validators=[
        InputRequired(message=_l("Enter a number.")), NumberRange(min=1, max=365, message=_l("Enter 1 to 365."))])


class SpecialPeriodForm(FlaskForm):
    title_ko = StringField(_l("Title in Korean"), filters=[clean_filter], validators=[
        DataRequired(message=_l("Enter a title.")), CleanText(), Length(max=200, message=_l("At most %(max)d characters."))])
    title_en = StringField(_l("Title in English"), filters=[clean_filter], validators=[
        DataRequired(message=_l("Enter a title.")), CleanText(), Length(max=200, message=_l("At most %(max)d characters."))])
    starts_on = DateField(_l("First day"), validators=[InputRequired(message=_l("Enter a date."))])
    ends_on = DateField(_l("Last day"), validators=[InputRequired(message=_l("Enter a date."))])


class ConferenceForm(FlaskForm):
    title = StringField(_l("Conference title"), filters=[clean_filter], validators=[
        DataRequired(message=_l("Enter a title.")), CleanText(), Length(max=200, message=_l("At most %(max)d characters."))])
    held_on = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter a date."))])
    agenda = TextAreaField(_l("Agenda"), filters=[clean_filter], validators=[
        Optional(), CleanText(), Length(max=10000, message=_l("At most %(max)d characters."))])
    minutes = TextAreaField(_l("Minutes"), filters=[clean_filter], validators=[
        Optional(), CleanText(), Length(max=20000, message=_l("At most %(max)d characters."))])


class VoteOpenForm(FlaskForm):
    opens_at = DateTimeLocalField(_l("Opens (Seoul time)"), format="%Y-%m-%dT%H:%M",
                                  validators=[InputRequired(message=_l("Enter a date and time."))])
    closes_at = DateTimeLocalField(_l("Closes (Seoul time)"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired(message=_l("Enter a date and time."))])
    quorum = IntegerField(_l("Minimum number of votes (optional)"), validators=[
        Optional(), NumberRange(min=1, max=MAX_QUORUM, message=_l("Enter a number from 1 to 10,000,000."))])


class HideForm(FlaskForm):
    reason = TextAreaField(_l("Reason (shown to the author)"), filters=[clean_filter], validators=[
        DataRequired(message=_l("Give the reason; the author will see it.")), CleanText(), Length(max=1000, message=_l("At most %(max)d characters."))])


class StaffForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[DataRequired(message=_l("Choose a role."))])
    division = SelectField(_l("Add to division"), validators=[Optional()])
