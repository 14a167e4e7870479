"""Forms of the account page."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField
from wtforms.validators import DataRequired, EqualTo, Length

from app.blueprints.auth.forms import LANGUAGE_CHOICES, password_field


class LanguageChangeForm(FlaskForm):
    locale = RadioField(_l("Preferred language"), choices=LANGUAGE_CHOICES,
                        validators=[DataRequired(message=_l("Choose a language."))])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password.")), Length(max=200)],
    )
    password = password_field(_l("New password"))
    password2 = PasswordField(
        _l("New password again"),
        validators=[DataRequired(message=_l("Enter the password again.")),
                    EqualTo("password", message=_l("The two passwords do not match."))],
    )
