"""Routes of the admin pages."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.blueprints.admin import bp
from app.blueprints.admin.forms import DivisionEditForm, UnverifyResidentForm, VerifyResidentForm
from app.extensions import db
from app.models import Division, Dong, User
from app.services import ServiceError, accounts, divisions, outbox_admin


def _dong_choices():
    dongs = db.session.execute(select(Dong).order_by(Dong.name_ko)).scalars().all()
    return [("", _("Choose…"))] + [(d.code, d.name) for d in dongs]


@bp.route("/users")
def users():
    term = (request.args.get("q") or "").strip()[:100]
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
    return render_template("admin/notifications.html", rows=outbox_admin.problem_notifications(),
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
