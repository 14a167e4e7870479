"""Routes of the admin pages."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from app.blueprints.admin import bp
from app.blueprints.admin.forms import (
    ConferenceForm,
    DivisionEditForm,
    HideForm,
    RulesForm,
    SpecialPeriodForm,
    StaffForm,
    UnverifyResidentForm,
    VerifyResidentForm,
    VoteOpenForm,
)
from app.blueprints.common import attempt
from app.extensions import db
from app.forms_common import clean_filter, parse_id
from app.models import Division, Dong, User
from app.services import ServiceError, accounts, divisions, outbox_admin


def _dong_choices():
    dongs = db.session.execute(select(Dong).order_by(Dong.name_ko)).scalars().all()
    return [("", _("Choose…"))] + [(d.code, d.name) for d in dongs]


@bp.route("/users")
def users():
    term = clean_filter(request.args.get("q") or "")[:100]  # no NUL or controls reach the database
    query = select(User).order_by(User.created_at.desc()).limit(50)
    if term:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(or_(User.email.like(f"%{escaped.lower()}%", escape="\\"),
                                User.display_name.like(f"%{escaped}%", escape="\\")))
    rows = db.session.execute(query).scalars().all()
    verify_form = VerifyResidentForm()
    verify_form.dong.choices = _dong_choices()
    return render_template("admin/users.html", users=rows, term=term, verify_form=verify_form,
                           unverify_form=UnverifyResidentForm())


@bp.route("/users/<id:user_id>/verify", methods=["POST"])
def verify_user(user_id):
    user = db.session.get(User, user_id) or abort(404)
    form = VerifyResidentForm()
    form.dong.choices = _dong_choices()
    if not form.validate_on_submit():
        flash(_("Choose a neighbourhood to verify this resident."), "error")
        return redirect(url_for("admin.users"))
    try:
        accounts.verify_resident(user, form.dong.data)
    except ServiceError as err:
        flash(err.message, "error")
        return redirect(url_for("admin.users"))
    db.session.commit()
    flash(_("%(name)s is now a verified resident of %(dong)s.", name=user.display_name, dong=user.dong.name), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
def user(user_id):
    """Role and division memberships of one account."""
    from app.labels import ROLE

    account = db.session.get(User, user_id) or abort(404)
    form = StaffForm(role=account.role)
    form.role.choices = [(key, str(label)) for key, label in ROLE.items()]
    divisions = db.session.execute(select(Division).where(Division.is_active).order_by(Division.name_ko)).scalars().all()
    form.division.choices = [("", _("Choose…"))] + [(str(d.id), d.name) for d in divisions]
    remove = request.form.get("remove_division", "")
    if remove and form.validate_on_submit():
        division_id = parse_id(remove)
        division = db.session.get(Division, division_id) if division_id else None
        accounts.remove_from_division(account, division or abort(404))
        db.session.commit()
        flash(_("The account has been saved."), "success")
        return redirect(url_for("admin.user", user_id=account.id))
    if form.validate_on_submit():
        try:
            division = db.session.get(Division, int(form.division.data)) if form.division.data else None
            accounts.set_role_and_division(account, form.role.data, division)
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
            return render_template("admin/user.html", account=account, form=form), 400
        db.session.commit()
        flash(_("The account has been saved."), "success")
        return redirect(url_for("admin.user", user_id=account.id))
    return render_template("admin/user.html", account=account, form=form), 400 if form.errors else 200


@bp.route("/users/<id:user_id>/unverify", methods=["POST"])
def unverify_user(user_id):
    user = db.session.get(User, user_id) or abort(404)
    if UnverifyResidentForm().validate_on_submit():
        accounts.unverify_resident(user)
        db.session.commit()
        flash(_("The verification of %(name)s was removed.", name=user.display_name), "success")
    return redirect(url_for("admin.users"))


@bp.route("/divisions")
def division_list():
    rows = db.session.execute(select(Division).order_by(Division.parent_ko, Division.name_ko)).scalars().all()
    return render_template("admin/divisions.html", divisions=rows)


@bp.route("/divisions/<id:division_id>", methods=["GET", "POST"])
def division_edit(division_id):
    division = db.session.get(Division, division_id) or abort(404)
    form = DivisionEditForm(obj=division)
    if form.validate_on_submit():
        try:
            divisions.update_division(
                division, name_ko=form.name_ko.data, name_en=form.name_en.data,
                alert_email=form.alert_email.data, alert_phones=form.alert_phones.data,
                locale=form.locale.data, is_active=form.is_active.data,
            )
        except ServiceError as err:
            form.name_ko.errors.append(err.message)
        else:
            db.session.commit()
            flash(_("The division has been saved."), "success")
            return redirect(url_for("admin.division_list"))
    return render_template("admin/division_edit.html", form=form, division=division), 400 if form.errors else 200


@bp.route("/notifications")
def notifications():
    rows = outbox_admin.problem_notifications()
    return render_template("admin/notifications.html", rows=rows, resendable=outbox_admin.resendable_ids(rows),
                           form=UnverifyResidentForm())


@bp.route("/notifications/<id:notification_id>/resend", methods=["POST"])
def resend_notification(notification_id):
    if UnverifyResidentForm().validate_on_submit():
        try:
            outbox_admin.resend_notification(notification_id)
        except ServiceError as err:
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("The notification will be sent again."), "success")
    return redirect(url_for("admin.notifications"))


# --- rules, special periods, audit ---------------------------------------------------------------

def _rules_page(rules_form=None, period_form=None, status=200):
    from app.models import AuditEntry, SpecialPeriod
    from app.services.rules import current_rules

    rules = current_rules()
    return render_template(
        "admin/rules.html", rules_form=rules_form or RulesForm(obj=rules), period_form=period_form or SpecialPeriodForm(),
        periods=db.session.execute(select(SpecialPeriod).order_by(SpecialPeriod.starts_on.desc())).scalars().all(),
        audit=db.session.execute(select(AuditEntry).order_by(AuditEntry.created_at.desc()).limit(50)).scalars().all(),
        button=UnverifyResidentForm(),
    ), status


@bp.route("/rules", methods=["GET", "POST"])
def rules():
    from app.services import rules as rules_service

    if request.method == "GET":
        return _rules_page()
    form = RulesForm()
    if not form.validate_on_submit():
        return _rules_page(rules_form=form, status=400)
    try:
        rules_service.update_rules(current_user, **{f: getattr(form, f).data for f in rules_service.RULE_FIELDS})
        db.session.commit()
    except ServiceError as err:
        db.session.rollback()
        form.mayor_threshold.errors.append(err.message)
        return _rules_page(rules_form=form, status=400)
    flash(_("The rules have been saved. They apply from now on."), "success")
    return redirect(url_for("admin.rules"))


@bp.route("/special-periods", methods=["POST"])
def add_special_period():
    from app.services import rules as rules_service

    form = SpecialPeriodForm()
    if not form.validate_on_submit():
        return _rules_page(period_form=form, status=400)
    try:
        rules_service.add_special_period(current_user, title_ko=form.title_ko.data, title_en=form.title_en.data,
                                         starts_on=form.starts_on.data, ends_on=form.ends_on.data)
        db.session.commit()
    except ServiceError as err:
        db.session.rollback()
        form.ends_on.errors.append(err.message)
        return _rules_page(period_form=form, status=400)
    flash(_("The special participation period has been added."), "success")
    return redirect(url_for("admin.rules"))


@bp.route("/special-periods/<id:period_id>/delete", methods=["POST"])
def delete_special_period(period_id):
    from app.models import SpecialPeriod
    from app.services import rules as rules_service

    period = db.session.get(SpecialPeriod, period_id)
    if period is None:  # deleted already (a second click, another tab): say so on the rules page
        flash(_("That special participation period has already been deleted."), "info")
        return redirect(url_for("admin.rules"))
    if UnverifyResidentForm().validate_on_submit():
        rules_service.delete_special_period(current_user, period)
        db.session.commit()
        flash(_("The special participation period has been deleted."), "success")
    return redirect(url_for("admin.rules"))


# --- one proposal: hide, conference, vote --------------------------------------------------------

def _proposal_page(proposal, hide_form=None, conference_form=None, vote_form=None, status=200, unsent=None,
                   unsent_status=None):
    from app.models import PolicyConference

    conferences = db.session.execute(select(PolicyConference).order_by(PolicyConference.held_on.desc())).scalars().all()
    return render_template(
        "admin/proposal.html", proposal=proposal, hide_form=hide_form or HideForm(),
        conference_form=conference_form or ConferenceForm(), vote_form=vote_form or VoteOpenForm(),
        conferences=conferences, button=UnverifyResidentForm(), unsent=unsent, unsent_status=unsent_status,
    ), status


def _run_form(proposal, action, success, form, field, shown_in, **page):
    """`_run` for a form with typed content: a refusal shows the form again with what was typed
    (or, if the proposal has moved on and the form is gone, that content read-only) and the reason."""
    try:
        action()
        db.session.commit()
    except ServiceError as err:
        db.session.rollback()
        form[field].errors.append(err.message)
        return _proposal_page(proposal, status=409, unsent=form, unsent_status=shown_in, **page)
    flash(success, "success")
    return redirect(url_for("admin.proposal", proposal_id=proposal.id))


def _admin_proposal(proposal_id):
    from app.models import Proposal

    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.is_imported:
        abort(404)
    return proposal


@bp.route("/proposals/<id:proposal_id>")
def proposal(proposal_id):
    return _proposal_page(_admin_proposal(proposal_id))


def _run(proposal, action, success):
    try:
        action()
        db.session.commit()
        flash(success, "success")
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
    return redirect(url_for("admin.proposal", proposal_id=proposal.id))


@bp.route("/proposals/<id:proposal_id>/hide", methods=["POST"])
def hide_proposal(proposal_id):
    from app.services import proposals as service

    proposal = _admin_proposal(proposal_id)
    form = HideForm()
    if not form.validate_on_submit():
        return _proposal_page(proposal, hide_form=form, status=400)
    return _run(proposal, lambda: service.hide_proposal(current_user, proposal, form.reason.data),
                _("The proposal is hidden from the public."))


@bp.route("/proposals/<id:proposal_id>/unhide", methods=["POST"])
def unhide_proposal(proposal_id):
    from app.services import proposals as service

    proposal = _admin_proposal(proposal_id)
    if not UnverifyResidentForm().validate_on_submit():
        abort(400)
    return _run(proposal, lambda: service.unhide_proposal(current_user, proposal), _("The proposal is visible again."))


@bp.route("/proposals/<id:proposal_id>/conference", methods=["POST"])
def send_to_conference(proposal_id):
    from app.models import PolicyConference
    from app.services import proposals as service

    proposal = _admin_proposal(proposal_id)
    existing = request.form.get("conference_id", "")
    if existing:
        conference_id = parse_id(existing)
        conference = (db.session.get(PolicyConference, conference_id) if conference_id else None) or abort(404)
        if not UnverifyResidentForm().validate_on_submit():
            abort(400)
    else:
        form = ConferenceForm()
        if not form.validate_on_submit():
            return _proposal_page(proposal, conference_form=form, status=400)


        def create_and_send():
            conference = service.create_conference(current_user, title=form.title.data, held_on=form.held_on.data,
                                                   agenda=form.agenda.data, minutes=form.minutes.data)
            service.send_to_conference(current_user, proposal, conference)

        return _run_form(proposal, create_and_send, _("The proposal goes to the policy conference."),
                         form, "title", "answered", conference_form=form)
    return _run(proposal, lambda: service.send_to_conference(current_user, proposal, conference),
                _("The proposal goes to the policy conference."))


@bp.route("/proposals/<id:proposal_id>/vote/open", methods=["POST"])
def open_vote(proposal_id):
    from app.services import proposals as service
    from app.services.rules import seoul

    proposal = _admin_proposal(proposal_id)
    form = VoteOpenForm()
    if not form.validate_on_submit():
        return _proposal_page(proposal, vote_form=form, status=400)
    opens = form.opens_at.data.replace(tzinfo=seoul())
    closes = form.closes_at.data.replace(tzinfo=seoul())
    return _run_form(proposal, lambda: service.open_vote(current_user, proposal, opens_at=opens, closes_at=closes,
                                                         quorum=form.quorum.data), _("The residents' vote is open."),
                     form, "closes_at", "at_conference", vote_form=form)


@bp.route("/proposals/<id:proposal_id>/vote/close", methods=["POST"])
def close_vote(proposal_id):
    from app.services import proposals as service

    proposal = _admin_proposal(proposal_id)
    if not UnverifyResidentForm().validate_on_submit():
        abort(400)
    return _run(proposal, lambda: service.close_vote(current_user, proposal), _("The vote is closed and counted."))


# --- policy conferences: filled in after they were held ------------------------------------------

@bp.route("/conferences")
def conferences():
    from app.models import PolicyConference

    rows = db.session.execute(select(PolicyConference).order_by(PolicyConference.held_on.desc(),
                                                                PolicyConference.id.desc())).scalars().all()
    return render_template("admin/conferences.html", conferences=rows)


@bp.route("/conferences/<id:conference_id>", methods=["GET", "POST"])
def conference(conference_id):
    from app.models import PolicyConference, Proposal
    from app.services import proposals as service

    item = db.session.get(PolicyConference, conference_id) or abort(404)
    form = ConferenceForm(obj=item)
    if form.validate_on_submit():
        try:
            service.update_conference(current_user, item, title=form.title.data, held_on=form.held_on.data,
                                      agenda=form.agenda.data, minutes=form.minutes.data)
        except ServiceError as err:
            db.session.rollback()
            form.title.errors.append(err.message)
        else:
            db.session.commit()
            flash(_("The conference has been saved. Its proposals' pages show it now."), "success")
            return redirect(url_for("admin.conference", conference_id=item.id))
    presented = db.session.execute(select(Proposal).filter_by(conference_id=item.id).order_by(Proposal.id)).scalars().all()
    return render_template("admin/conference.html", form=form, conference=item, proposals=presented), \
        400 if form.errors else 200


# --- reported comments ---------------------------------------------------------------------------

@bp.route("/reports")
def reports():
    from app.services import comments as comment_service

    return render_template("admin/reports.html", reports=comment_service.open_reports(), form=HideForm(),
                           button=UnverifyResidentForm())


@bp.route("/comments/<id:comment_id>/hide", methods=["POST"])
def hide_comment(comment_id):
    from app.models import Comment
    from app.services import comments as comment_service

    item = db.session.get(Comment, comment_id) or abort(404)
    form = HideForm()
    if form.validate_on_submit():
        attempt(lambda: comment_service.hide_comment(current_user, item, form.reason.data), _("The comment is hidden; its author has been told why."))
    else:
        flash(form.reason.errors[0] if form.reason.errors else _("Give the reason; the author will see it."), "error")
    return redirect(url_for("admin.reports"))


@bp.route("/comments/<id:comment_id>/dismiss", methods=["POST"])
def dismiss_reports(comment_id):
    from app.models import Comment
    from app.services import comments as comment_service

    item = db.session.get(Comment, comment_id) or abort(404)
    if not UnverifyResidentForm().validate_on_submit():
        abort(400)
    attempt(lambda: comment_service.dismiss_reports(current_user, item), _("The report has been dismissed; the comment stays visible."))
    return redirect(url_for("admin.reports"))
