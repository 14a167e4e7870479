"""In-app notifications (알림): the list and mark-as-read."""
from flask import Blueprint

bp = Blueprint("notifications", __name__)

from app.blueprints.notifications import routes  # noqa: E402,F401
