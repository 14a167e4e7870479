"""Routes of the auth blueprint: parse the form, call a service, flash and redirect."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.blueprints.auth import bp
from app.blueprints.auth.forms import ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm
from app.extensions import db, limiter
from app.i18n import LOCALE_COOKIE
from app.security import safe_next
from app.services import ServiceError, accounts


def _login_limit():
    return current_app.config["RATELIMIT_LOGIN"]


def _ip_limit():
    return current_app.config["RATELIMIT_LOGIN_IP"]


def _email_key():
    """Limit attempts per account, whatever address they come from."""
    return "email:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_email_key)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if request.method == "GET":
        form.locale.data = str(request.cookies.get(LOCALE_COOKIE) or _current_locale())
    if form.validate_on_submit():
        try:
            user = accounts.register_user(
                email=form.email.data, password=form.password.data,
                display_name=form.display_name.data, locale=form.locale.data,
            )
        except ServiceError as err:
            form.email.errors.append(err.message)
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome, %(name)s. Your account has been created.", name=user.display_name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("main.home")))
    return render_template("auth/register.html", form=form), 400 if form.errors else 200


def _current_locale():
    from flask_babel import get_locale

    return str(get_locale())


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_email_key)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("main.home")))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("The email address or password is not correct."))
        else:
            login_user(user, remember=form.remember.data)
            flash(_("You are signed in."), "success")
            return redirect(safe_next(request.args.get("next"), url_for("main.home")))
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    current_user.renew_session_token()  # a copied cookie stops working too
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_email_key)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        db.session.commit()
        flash(_("If an account exists for that address, we have sent it a link to reset the password. The link works for one hour."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    if accounts.user_for_reset_token(token) is None:
        flash(_("This reset link is invalid or has expired. Please ask for a new one."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except ServiceError as err:
            flash(err.message, "error")
            return redirect(url_for("auth.forgot_password"))
        db.session.commit()
        flash(_("Your password has been changed. Please sign in."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), 400 if form.errors else 200
