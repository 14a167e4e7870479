"""Flask-Login wiring: loading the user and where anonymous visitors are sent."""
import secrets

from flask_babel import lazy_gettext as _l

from app.extensions import db, login_manager


@login_manager.user_loader
def load_user(session_id):
    """The session holds "<id>:<token>"; a renewed token (sign-out, new password) ends old sessions."""
    from app.models import User

    user_id, _, token = str(session_id).partition(":")
    if not user_id.isdigit() or len(user_id) > 12 or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def init_app(app):
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
