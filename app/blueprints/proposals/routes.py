"""Routes of the proposals menu."""
from flask import abort, current_app, render_template, request

from app.blueprints.proposals import bp
from app.labels import PROPOSAL_SORTS, PUBLIC_STATUSES
from app.services import proposal_queries


@bp.route("/")
def index():
    q = proposal_queries.parse_list_query(request.args)
    page = proposal_queries.list_proposals(q, current_app.config["PROPOSALS_PER_PAGE"])
    return render_template(
        "proposals/index.html", q=q, page=page, statuses=PUBLIC_STATUSES, sorts=PROPOSAL_SORTS,
        **proposal_queries.filter_choices(),
    )


@bp.route("/<id:proposal_id>")
def detail(proposal_id):
    proposal = proposal_queries.get_public_proposal(proposal_id)
    if proposal is None:
        abort(404)
    return render_template("proposals/detail.html", proposal=proposal)
