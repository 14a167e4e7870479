"""Routes of the main blueprint."""
from flask import Response, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app import page_cache
from app.blueprints.main import bp
from app.extensions import db
from app.i18n import LOCALE_COOKIE
from app.security import safe_next
from app.services import stats


@bp.route("/")
def home():
    blocks = page_cache.cached_blocks("lists", "main/home.html", ("title", "content"), stats.home_summary)
    return render_template("_cached_page.html", blocks=blocks)


@bp.route("/about")
def about():
    return render_template("main/about.html", **stats.about_summary())


@bp.route("/privacy")
def privacy():
    return render_template("main/privacy.html")


@bp.route("/proposals.csv")
def proposals_csv():
    from app.services import exports, proposal_queries

    q = proposal_queries.parse_list_query(request.args)
    return Response(exports.as_csv(q), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=proposals.csv"})


@bp.route("/proposals.json")
def proposals_json():
    from app.services import exports, proposal_queries

    q = proposal_queries.parse_list_query(request.args)
    return jsonify(proposals=list(exports.rows(q)), licence="KOGL Type 1 (imported rows: see source_attribution)")


@bp.route("/proposals.atom")
def proposals_feed():
    """An Atom feed of the newest public proposals (the list's filters apply)."""
    from itertools import islice

    from app.services import exports, proposal_queries

    q = proposal_queries.parse_list_query(request.args)
    entries = list(islice(exports.rows(q), 50))
    return Response(render_template("main/feed.xml", entries=entries), mimetype="application/atom+xml")


@bp.route("/favicon.ico")
def favicon():
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.route("/lang/<code>")
def switch_language(code):
    """Remember the language in a cookie (and on the account) and go back to the same page."""
    target = safe_next(request.args.get("next"), url_for("main.home"))
    if code not in current_app.config["LANGUAGES"]:
        return redirect(target)
    if current_user.is_authenticated and current_user.locale != code:
        # Harmless if forged: the worst a cross-site link can do is change the display language.
        current_user.locale = code
        db.session.commit()
    response = redirect(target)
    response.set_cookie(LOCALE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax")
    return response
