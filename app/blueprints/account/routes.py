"""Routes of the account page: language and password."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, login_user

from app.blueprints.account import bp
from app.blueprints.account.forms import AlertPreferencesForm, LanguageChangeForm, PasswordChangeForm
from app.extensions import db
from app.i18n import LOCALE_COOKIE
from app.services import ServiceError, accounts


def _alert_form():
    first = current_user.memberships[0] if current_user.memberships else None
    return AlertPreferencesForm(prefix="alert", phone=current_user.phone,
                                wants_email=first.wants_email if first else True,
                                wants_sms=first.wants_sms if first else False)


def _page(language_form=None, password_form=None, alert_form=None, status=200):
    language_form = language_form or LanguageChangeForm(prefix="lang", locale=current_user.locale)
    password_form = password_form or PasswordChangeForm(prefix="pw")
    alert_form = alert_form or (_alert_form() if current_user.memberships else None)
    return render_template(
        "account/settings.html", language_form=language_form, password_form=password_form,
        alert_form=alert_form,
    ), status


@bp.route("/", methods=["GET"])
@login_required
def settings():
    return _page()


@bp.route("/language", methods=["POST"])
@login_required
def change_language():
    form = LanguageChangeForm(prefix="lang")
    if not form.validate_on_submit():
        return _page(language_form=form, status=400)
    try:
        accounts.change_locale(current_user, form.locale.data)
    except ServiceError as err:
        form.locale.errors.append(err.message)
        return _page(language_form=form, status=400)
    db.session.commit()
    refresh()
    flash(_("Your language has been saved."), "success")
    response = redirect(url_for("account.settings"))
    response.set_cookie(LOCALE_COOKIE, form.locale.data, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@bp.route("/password", methods=["POST"])
@login_required
def change_password():
    form = PasswordChangeForm(prefix="pw")
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
        except ServiceError as err:
            form.current_password.errors.append(err.message)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # this browser stays signed in; others are out
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("account.settings"))
    return _page(password_form=form, status=400)


@bp.route("/alerts", methods=["POST"])
@login_required
def change_alerts():
    if not current_user.memberships:
        return redirect(url_for("account.settings"))
    form = AlertPreferencesForm(prefix="alert")
    if form.validate_on_submit():
        try:
            accounts.update_alert_preferences(current_user, phone=form.phone.data,
                                              wants_email=form.wants_email.data, wants_sms=form.wants_sms.data)
        except ServiceError as err:
            form.phone.errors.append(err.message)
        else:
            db.session.commit()
            flash(_("Your alert settings have been saved."), "success")
            return redirect(url_for("account.settings"))
    return _page(alert_form=form, status=400)


@bp.route("/activity")
@login_required
def activity():
    from app.services import activity as activity_service

    return render_template("account/activity.html", **activity_service.activity_of(current_user))
