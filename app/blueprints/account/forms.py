"""Forms of the account page."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from app.blueprints.admin.forms import PHONE_RE
from app.blueprints.auth.forms import LANGUAGE_CHOICES, password_field
from app.forms_common import CleanText, clean_filter


class LanguageChangeForm(FlaskForm):
    locale = RadioField(_l("Preferred language"), choices=LANGUAGE_CHOICES,
                        validators=[DataRequired(message=_l("Choose a language."))])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password.")), Length(max=200, message=_l("At most %(max)d characters."))],
    )
    password = password_field(_l("New password"))
    password2 = PasswordField(
        _l("New password again"),
        validators=[DataRequired(message=_l("Enter the password again.")),
                    EqualTo("password", message=_l("The two passwords do not match."))],
    )


class AlertPreferencesForm(FlaskForm):
    """Staff: how they want to hear about new opinions for their division."""

    phone = StringField(_l("Mobile number"), filters=[clean_filter],
                        validators=[Optional(), CleanText(), Length(max=20, message=_l("The number is too long.")),
                                    Regexp(PHONE_RE, message=_l("Enter a mobile number like 010-1234-5678."))])
    wants_email = BooleanField(_l("Email me when a new opinion arrives for my division"))
    wants_sms = BooleanField(_l("Text me (SMS) when a new opinion arrives for my division"))

    def validate_wants_sms(self, field):
        if field.data and not self.phone.data:
            raise ValidationError(_l("Enter your mobile number to get text messages."))
