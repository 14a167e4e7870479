"""Routes of the staff pages."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.blueprints.common import attempt
from app.blueprints.proposals.forms import ButtonForm
from app.blueprints.staff import bp
from app.blueprints.staff.forms import AnswerForm, ResultForm, TransferForm
from app.extensions import db
from app.models import Division, Proposal
from app.services import ServiceError, inbox_staff, permissions
from app.services import proposals as service
from app.services.proposals import TransitionError


@bp.route("/")
def inbox():
    return render_template("staff/inbox.html", **inbox_staff.inbox_for(current_user))


def _proposal_or_404(proposal_id):
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.is_imported:
        abort(404)
    if not permissions.can_see_staff_page(current_user, proposal, service.mayor_office()):
        abort(404)  # another division's (or a hidden) proposal: as if it did not exist here
    return proposal


def _page(proposal, answer_form=None, transfer_form=None, result_form=None, preview=None, status=200, unsent=None):
    transfer_form = transfer_form or TransferForm()
    divisions = db.session.execute(select(Division).where(Division.is_active).order_by(Division.name_ko)).scalars()
    transfer_form.division.choices = [("", _("Choose…"))] + [(str(d.id), d.name) for d in divisions
                                                             if d.id != proposal.division_id]
    office = service.mayor_office()
    return render_template(
        "staff/proposal.html", proposal=proposal, answer_form=answer_form or AnswerForm(),
        transfer_form=transfer_form, result_form=result_form or ResultForm(), button=ButtonForm(), preview=preview,
        unsent=unsent,
        can_answer=permissions.can_answer(current_user, proposal),
        can_answer_as_mayor=permissions.can_answer_as_mayor(current_user, office) and proposal.mayor_requested_at
        and not any(a.kind == "mayor" for a in proposal.answers),
    ), status


def _refused(proposal, err):
    """A move the proposal's status no longer allows (a page left open while it moved on): the
    form it came from is not on the page any more, so the message goes to the top of the page."""
    db.session.rollback()
    flash(err.message, "error")
    return redirect(url_for("staff.proposal", proposal_id=proposal.id))


@bp.route("/proposals/<id:proposal_id>")
def proposal(proposal_id):
    return _page(_proposal_or_404(proposal_id))


@bp.route("/proposals/<id:proposal_id>/answer", methods=["POST"])
def answer(proposal_id):
    form = AnswerForm()
    moved_away = db.session.get(Proposal, proposal_id)
    if (moved_away is not None and not moved_away.is_imported
            and not permissions.can_see_staff_page(current_user, moved_away, service.mayor_office())):
        # Transferred (or hidden) while the answer was being written: the text comes back, nothing more.
        form.validate_on_submit()
        if form.body.data and "csrf_token" not in form.errors:
            form.body.errors.append(_("This proposal is no longer with your division (it was transferred or "
                                      "hidden), so your answer was not published."))
            return render_template("staff/unsent.html", form=form), 409
    proposal = _proposal_or_404(proposal_id)
    if not form.validate_on_submit():
        return _page(proposal, answer_form=form, status=400)
    if request.form.get("action") != "submit":
        return _page(proposal, answer_form=form, preview=form.body.data)
    as_mayor = request.form.get("as") == "mayor"
    try:
        if as_mayor:
            service.answer_as_mayor(current_user, proposal, decision=form.decision.data, body=form.body.data)
        else:
            service.answer_proposal(current_user, proposal, decision=form.decision.data, body=form.body.data)
        db.session.commit()
    except ServiceError as err:
        # Refused (answered meanwhile, moved on): the text comes back, in the form or read-only.
        db.session.rollback()
        form.body.errors.append(err.message)
        return _page(proposal, answer_form=form, status=409, unsent=form)
    flash(_("The answer has been published."), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


@bp.route("/proposals/<id:proposal_id>/transfer", methods=["POST"])
def transfer(proposal_id):
    proposal = _proposal_or_404(proposal_id)
    form = TransferForm()
    _page(proposal, transfer_form=form)  # fills the choices
    if not form.validate_on_submit():
        return _page(proposal, transfer_form=form, status=400)
    try:
        service.transfer_proposal(current_user, proposal, db.session.get(Division, int(form.division.data)),
                                  form.reason.data)
        db.session.commit()
    except TransitionError as err:
        return _refused(proposal, err)
    except ServiceError as err:
        db.session.rollback()
        form.division.errors.append(err.message)
        return _page(proposal, transfer_form=form, status=400)
    flash(_("The proposal has been transferred."), "success")
    return redirect(url_for("staff.inbox"))


@bp.route("/proposals/<id:proposal_id>/implement", methods=["POST"])
def implement(proposal_id):
    proposal = _proposal_or_404(proposal_id)
    if ButtonForm().validate_on_submit():
        attempt(lambda: service.start_implementation(current_user, proposal), _("The proposal is now in progress."))
    return redirect(url_for("staff.proposal", proposal_id=proposal_id))


@bp.route("/proposals/<id:proposal_id>/complete", methods=["POST"])
def complete(proposal_id):
    proposal = _proposal_or_404(proposal_id)
    form = ResultForm()
    if not form.validate_on_submit():
        return _page(proposal, result_form=form, status=400)
    try:
        service.complete_proposal(current_user, proposal, form.body.data)
        db.session.commit()
    except TransitionError as err:
        return _refused(proposal, err)
    except ServiceError as err:
        db.session.rollback()
        form.body.errors.append(err.message)
        return _page(proposal, result_form=form, status=400)
    flash(_("The result has been published."), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal_id))
