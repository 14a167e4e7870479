"""Division staff: the inbox of proposals routed to my division, answers, transfers, results."""
from flask import Blueprint, abort
from flask_login import current_user

bp = Blueprint("staff", __name__)


@bp.before_request
def require_staff():
    if not current_user.is_authenticated:
        from app.extensions import login_manager

        return login_manager.unauthorized()
    if not current_user.is_staff:
        abort(403)


from app.blueprints.staff import routes  # noqa: E402,F401
