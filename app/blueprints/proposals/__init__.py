"""Policy proposals (정책 제안): the list and each proposal's page."""
from flask import Blueprint

bp = Blueprint("proposals", __name__)

from app.blueprints.proposals import routes  # noqa: E402,F401
