"""What the thin routes of every menu share: one service call, its commit, and the message."""
from flask import flash

from app.extensions import db
from app.services import ServiceError


def attempt(action, success):
    """Run `action` (one service call), commit, and flash `success`; a refused change (ServiceError)
    is rolled back and its reason flashed instead. Returns whether it went through."""
    try:
        action()
        db.session.commit()
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
        return False
    flash(success, "success")
    return True
