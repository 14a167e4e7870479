"""Forms of the auth blueprint."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from app.forms_common import CleanText, VisibleText, clean_filter

LANGUAGE_CHOICES = [("ko", "한국어"), ("en", "English")]


class PasswordStrength:
    """At least 10 characters, with a letter and a digit, and not only the email's name."""

    def __call__(self, form, field):
        value = field.data or ""
        if len(value) < 10 or not any(c.isalpha() for c in value) or not any(c.isdigit() for c in value):
            raise ValidationError(
                _l("Choose a stronger password: at least 10 characters, with letters and numbers.")
            )
        email = getattr(form, "email", None)
        if email is not None and email.data and value.lower() in (email.data or "").lower():
            raise ValidationError(_l("Your password must not be part of your email address."))


def password_field(label):
    return PasswordField(
        label,
        validators=[DataRequired(message=_l("Enter a password.")), Length(max=200, message=_l("The password is too long.")), CleanText(), PasswordStrength()],
    )


class RegisterForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        filters=[clean_filter],
        validators=[
            DataRequired(message=_l("Enter your email address.")),
            CleanText(),
            Length(max=254, message=_l("The email address is too long.")),
            Email(message=_l("Enter a valid email address, like name@example.com.")),
        ],
    )
    password = password_field(_l("Password"))
    password2 = PasswordField(
        _l("Password again"),
        validators=[
            DataRequired(message=_l("Enter the password again.")),
            CleanText(),
            EqualTo("password", message=_l("The two passwords do not match.")),
        ],
    )
    display_name = StringField(
        _l("Display name"),
        filters=[clean_filter],
        validators=[
            DataRequired(message=_l("Enter a display name.")),
            CleanText(),
            Length(min=2, max=30, message=_l("The display name must be between 2 and 30 characters.")),
            VisibleText(2),
        ],
    )
    locale = RadioField(_l("Preferred language"), choices=LANGUAGE_CHOICES, default="ko",
                        validators=[DataRequired(message=_l("Choose a language."))])
    consent = BooleanField(
        _l("I agree to the collection and use of my personal information as described above."),
        validators=[DataRequired(message=_l("You must agree to the privacy notice to register."))],
    )


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[clean_filter],
                       validators=[DataRequired(message=_l("Enter your email address.")), CleanText(),
                                   Length(max=254, message=_l("The email address is too long."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter a password.")),
                                                         Length(max=200, message=_l("The password is too long."))])
    remember = BooleanField(_l("Keep me signed in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[clean_filter],
                       validators=[DataRequired(message=_l("Enter your email address.")), CleanText(),
                                   Length(max=254, message=_l("The email address is too long.")),
                                   Email(message=_l("Enter a valid email address, like name@example.com."))])


class ResetPasswordForm(FlaskForm):
    password = password_field(_l("New password"))
    password2 = PasswordField(
        _l("New password again"),
        validators=[DataRequired(message=_l("Enter the password again.")), CleanText(),
                    EqualTo("password", message=_l("The two passwords do not match."))],
    )
