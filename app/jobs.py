"""RQ queue access. Jobs take ids only and run in the app context of `flask worker`."""
from flask import current_app
from rq import Queue

from app.redis_store import get_redis


def get_queue():
    return Queue(current_app.config["RQ_QUEUE"], connection=get_redis(current_app))


def settle_support(proposal_id):
    """Job (after a burst of sympathies): count the proposal's shards into its row. Idempotent."""
    from app.extensions import db
    from app.services import proposals

    proposals.settle_support(proposal_id)
    db.session.commit()
    db.session.remove()
