"""Forms of the proposals menu."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms_common import CleanText, VisibleText, clean_filter


class ProposalForm(FlaskForm):
    title = StringField(_l("Title"), filters=[clean_filter], validators=[
        DataRequired(message=_l("Enter a title.")), CleanText(), VisibleText(5),
        Length(min=5, max=100, message=_l("The title must be between 5 and 100 characters."))])
    body = TextAreaField(_l("Proposal"), filters=[clean_filter], validators=[
        DataRequired(message=_l("Describe your proposal.")), CleanText(),
        Length(min=20, max=10000, message=_l("The proposal must be between 20 and 10,000 characters."))])
    category = SelectField(_l("Category"), validators=[DataRequired(message=_l("Choose a category."))])
    dong = SelectField(_l("Neighbourhood (optional)"), validators=[Optional()])
    attachments = MultipleFileField(_l("Attachments (optional)"))
    submission_key = HiddenField()
    staged = HiddenField()  # files kept from the preview step


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Your comment"), filters=[clean_filter], validators=[
        DataRequired(message=_l("Write a comment.")), CleanText(),
        Length(max=3000, message=_l("A comment can be at most 3,000 characters."))])
    parent_id = HiddenField()


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), filters=[clean_filter], validators=[
        DataRequired(message=_l("Give a reason.")), CleanText(), Length(max=1000, message=_l("At most 1,000 characters."))])


class VoteForm(FlaskForm):
    # "vote" context: in Korean a ballot says 찬성/반대 (as the error and the result do), not 예/아니요.
    choice = RadioField(_l("Your vote"), choices=[("yes", _lp("vote", "Yes")), ("no", _lp("vote", "No"))],
                        validators=[DataRequired(message=_l("Choose yes or no."))])


class ButtonForm(FlaskForm):
    """A button that posts: only the CSRF token."""


class WithdrawForm(FlaskForm):
    """Withdrawing cannot be undone: the author ticks a box first (no JavaScript needed)."""

    confirm = BooleanField(_l("I understand that withdrawing cannot be undone."), validators=[
        DataRequired(message=_l("Tick the box to confirm that you want to withdraw your proposal."))])
