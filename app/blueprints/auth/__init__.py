"""Registration, sign-in, sign-out and password reset."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.blueprints.auth import routes  # noqa: E402,F401
