"""Forms of the staff pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.forms_common import CleanText, clean_filter
from app.labels import ANSWER_DECISION


def _body(label, message):
    return TextAreaField(label, filters=[clean_filter], validators=[
        DataRequired(message=message), CleanText(),
        Length(min=10, max=10000, message=_l("Write between 10 and 10,000 characters."))])


class AnswerForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=list(ANSWER_DECISION.items()),
                          validators=[DataRequired(message=_l("Choose a decision."))])
    body = _body(_l("Answer"), _l("Write the answer."))


class TransferForm(FlaskForm):
    division = SelectField(_l("Transfer to"), validators=[DataRequired(message=_l("Choose a division."))])
    reason = TextAreaField(_l("Reason for the transfer"), filters=[clean_filter], validators=[
        DataRequired(message=_l("Give the reason for the transfer.")), CleanText(), Length(max=1000, message=_l("At most %(max)d characters."))])


class ResultForm(FlaskForm):
    body = _body(_l("Result to publish"), _l("Write the result to publish."))
