"""Flask-Login wiring: loading the user and where anonymous visitors are sent."""
from flask_babel import lazy_gettext as _l

from app.extensions import db, login_manager


@login_manager.user_loader
def load_user(user_id):
    from app.models import User

    return db.session.get(User, int(user_id)) if str(user_id).isdigit() else None


def init_app(app):
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
