"""RQ queue access and the jobs of the foundation. Jobs take ids only and run in the app context."""
import logging

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from redis.exceptions import RedisError
from rq import Queue, Retry

from app.redis_store import get_redis
from app.urls import external_url

log = logging.getLogger(__name__)


def get_queue():
    return Queue(current_app.config["RQ_QUEUE"], connection=get_redis(current_app))


def enqueue(func_path, *args):
    """Enqueue by dotted path with retries; a Redis outage is logged, never raised to the user."""
    try:
        return get_queue().enqueue(func_path, *args, retry=Retry(max=4, interval=[60, 300, 1800, 7200]))
    except (RedisError, OSError, RuntimeError):
        log.exception("could not enqueue %s%r", func_path, args)
        return None


def send_password_reset_email(user_id):
    from app.extensions import db
    from app.models import User
    from app.notifications.mail import send_mail
    from app.services.accounts import password_reset_token

    user = db.session.get(User, user_id)
    if user is None:
        log.info("password reset for deleted user %s skipped", user_id)
        return
    with force_locale(user.locale):
        link = external_url("auth.reset_password", token=password_reset_token(user))
        context = {"user": user, "link": link}
        send_mail(
            to=user.email,
            subject=_("Reset your password"),
            text=render_template("email/password_reset.txt", **context),
            html=render_template("email/password_reset.html", **context),
        )
    db.session.remove()
