"""The platform officer's pages: residents' verification and divisions."""
from flask import Blueprint, abort
from flask_login import current_user

from app.services.permissions import can_administer

bp = Blueprint("admin", __name__)


@bp.before_request
def require_admin():
    if not current_user.is_authenticated:
        from app.extensions import login_manager

        return login_manager.unauthorized()
    if not can_administer(current_user):
        abort(403)


from app.blueprints.admin import routes  # noqa: E402,F401
