"""Routes of the proposals menu: thin — parse, call one service, commit, flash and redirect."""
import json
import secrets
import shutil
import uuid
from pathlib import Path

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import fast_support, page_cache
from app.blueprints.common import attempt
from app.blueprints.proposals import bp
from app.blueprints.proposals.forms import (
    ButtonForm,
    CommentForm,
    ProposalForm,
    ReasonForm,
    VoteForm,
    WithdrawForm,
)
from app.extensions import db, limiter
from app.forms_common import parse_id
from app.labels import PROPOSAL_SORTS, PUBLIC_STATUSES
from app.models import Category, Comment, Dong, Proposal, ProposalAttachment
from app.services import ServiceError, attachments, comments, permissions, proposal_queries
from app.services import proposals as service


def _participation_limit():
    return current_app.config["RATELIMIT_PARTICIPATION"]


def _participant_key():
    """Per resident when signed in (many residents share one address), else per address."""
    from flask_limiter.util import get_remote_address

    return f"user:{current_user.id}" if current_user.is_authenticated else get_remote_address()


@bp.route("/")
def index():
    def context():
        q = proposal_queries.parse_list_query(request.args)
        page = proposal_queries.list_proposals(q, current_app.config["PROPOSALS_PER_PAGE"])
        return dict(q=q, page=page, statuses=PUBLIC_STATUSES, sorts=PROPOSAL_SORTS,
                    **proposal_queries.filter_choices())

    # The list is the same for everyone who reads this language: only the header is personal.
    blocks = page_cache.cached_blocks("lists", "proposals/index.html", ("title", "content"), context)
    return render_template("_cached_page.html", blocks=blocks)


def _public_or_404(proposal_id):
    proposal = proposal_queries.get_public_proposal(proposal_id)
    if proposal is None:
        abort(404)
    return proposal


@bp.route("/<id:proposal_id>")
def detail(proposal_id):
    # Signed in: the row is enough, as the page's shared parts may come ready-made.
    proposal = (db.session.get(Proposal, proposal_id) if current_user.is_authenticated
                else proposal_queries.get_proposal_for_page(proposal_id))
    if proposal is None:
        abort(404)
    if not proposal.is_public:
        # The author sees why it was hidden; everyone else gets a 404. The body is never shown.
        if current_user.is_authenticated and (proposal.author_id == current_user.id or current_user.is_admin):
            return render_template("proposals/hidden.html", proposal=proposal, button=ButtonForm())
        abort(404)
    return _render_detail(proposal)


def _render_detail(proposal, comment_form=None):
    """The proposal's page. Signed-in visitors get the shared parts from the cache (rendered once
    per language and per "may comment") around their own action bar, vote and comment form."""
    context = _detail_context(proposal, comment_form)
    if not current_user.is_authenticated:
        return render_template("proposals/detail.html", **context)
    parts = page_cache.cached_parts(f"p:{proposal.id}", f"c{int(context['can_comment'])}",
                                    lambda: _shared_parts(proposal.id, context))
    if parts is None:  # no cache: everything rendered here, with this visitor's own token
        full = proposal_queries.get_proposal_for_page(proposal.id)
        context.update(proposal=full, thread=proposal_queries.comment_thread(full), csrf_value=page_cache.CSRF_PLACEHOLDER)
    html = render_template("proposals/detail.html", **dict(context, parts=parts))
    return page_cache.personalize(html, current_user.id)


def _shared_parts(proposal_id, context):
    proposal = proposal_queries.get_proposal_for_page(proposal_id)
    shared = dict(context, proposal=proposal, thread=proposal_queries.comment_thread(proposal),
                  csrf_value=page_cache.CSRF_PLACEHOLDER)
    parts = page_cache.render_blocks("proposals/detail.html", ("title_text", "top", "middle", "bottom"), **shared)
    parts["title"] = parts.pop("title_text")
    parts.update(page_cache.render_blocks_of_templates({"thread": "proposals/_comment_thread.html"}, **shared))
    return parts


def _detail_context(proposal, comment_form=None):
    from app.models.base import utcnow
    from app.services import rules as rules_service

    now = utcnow()
    signed_in = current_user.is_authenticated
    return {
        "proposal": proposal, "now": now, "signed_in": signed_in, "parts": None,
        "supported": service.has_supported(current_user, proposal),
        "following": service.is_following(current_user, proposal),
        "support_refusal": permissions.why_not_support(current_user, proposal) if signed_in else None,
        "can_comment": permissions.can_comment(current_user, proposal),
        "can_answer": permissions.can_answer(current_user, proposal),
        "vote_refusal": permissions.why_not_vote(current_user, proposal, now) if proposal.status == "voting" else None,
        "voted": proposal.status == "voting" and _has_voted(proposal),
        # Only the anonymous page renders the thread inline; signed-in pages load it with the parts.
        "thread": None if signed_in else proposal_queries.comment_thread(proposal),
        # Forms (and so a CSRF token in the session) only for those who can use them: the page an
        # anonymous visitor gets is the same for everyone, and can be cached (app/page_cache.py).
        **({"comment_form": comment_form or CommentForm(), "vote_form": VoteForm(), "button": ButtonForm()}
           if signed_in else {"comment_form": None, "vote_form": None, "button": None}),
        # A refused reply comes back in the main form, still a reply to its comment.
        "replying_to": parse_id(comment_form.parent_id.data) if comment_form is not None else None,
        "overdue": rules_service.is_overdue(proposal.answer_due_at, now) if proposal.status == "in_review" else False,
        "rules": rules_service.current_rules(),
    }


def _has_voted(proposal):
    from app.models import ProposalVote

    return current_user.is_authenticated and db.session.execute(
        select(ProposalVote.id).filter_by(proposal_id=proposal.id, user_id=current_user.id)).first() is not None


# --- propose -------------------------------------------------------------------------------------

def _choices(form):
    categories = db.session.execute(select(Category).order_by(Category.position)).scalars().all()
    dongs = db.session.execute(select(Dong).order_by(Dong.name_ko)).scalars().all()
    form.category.choices = [("", _("Choose…"))] + [(c.slug, c.name) for c in categories]
    form.dong.choices = [("", _("Whole district"))] + [(d.code, d.name) for d in dongs]


def _staging_dir(key):
    safe = "".join(ch for ch in key if ch.isalnum())[:40] or "none"
    return Path(current_app.instance_path) / "uploads" / "staging" / str(current_user.id) / safe


def _stage(key, checked):
    folder = _staging_dir(key)
    if checked:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        manifest = []
        for name, data, kind in checked:
            stored = secrets.token_hex(8)
            (folder / stored).write_bytes(data)
            manifest.append([name, stored, kind])
        (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
    return _staged(key)


def _staged(key):
    manifest = _staging_dir(key) / "manifest.json"
    if not manifest.exists():
        return []
    return [(name, (_staging_dir(key) / stored).read_bytes(), kind)
            for name, stored, kind in json.loads(manifest.read_text())]


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit(_participation_limit, methods=["POST"], key_func=_participant_key)
def new():
    if not permissions.can_propose(current_user):
        flash(_("Only verified residents can propose. Ask the district office to verify you."), "error")
        return redirect(url_for("proposals.index"))
    form = ProposalForm()
    _choices(form)
    if request.method == "GET":
        form.submission_key.data = uuid.uuid4().hex
        return render_template("proposals/new.html", form=form)
    action = request.form.get("action", "preview")
    valid = form.validate_on_submit()
    key = form.submission_key.data or ""
    try:
        checked = attachments.check_files(request.files.getlist(form.attachments.name))
    except ServiceError as err:
        form.attachments.errors = [err.message]
        return render_template("proposals/new.html", form=form, staged=_staged(key)), 400
    # Good files are kept even when the text needs fixing, so they need not be chosen again.
    files = _stage(key, checked)
    if not valid:
        return render_template("proposals/new.html", form=form, staged=files), 400
    if action != "submit":
        return render_template("proposals/preview.html", form=form, files=files)
    return _create(form, files)


def _create(form, files):
    category = db.session.execute(select(Category).filter_by(slug=form.category.data)).scalar_one()
    dong = db.session.execute(select(Dong).filter_by(code=form.dong.data)).scalar_one_or_none() if form.dong.data else None
    try:
        proposal = service.create_proposal(current_user, title=form.title.data, body=form.body.data, category=category,
                                           dong=dong, submission_key=form.submission_key.data)
        if not proposal.attachments:
            db.session.add_all(attachments.store(proposal, files))
        db.session.commit()
    except IntegrityError:  # the same form, sent twice at once: the other request made it
        db.session.rollback()
        proposal = db.session.execute(select(Proposal).filter_by(submission_key=form.submission_key.data)).scalar_one()
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")
        # A fresh key (the old one named a registered proposal), the staged files moved with it.
        old, form.submission_key.data = form.submission_key.data, uuid.uuid4().hex
        if _staging_dir(old).exists():
            shutil.move(_staging_dir(old), _staging_dir(form.submission_key.data))
        return render_template("proposals/new.html", form=form, staged=files), 400
    shutil.rmtree(_staging_dir(form.submission_key.data), ignore_errors=True)
    flash(_("Your proposal has been registered."), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


@bp.route("/new/edit", methods=["POST"])
@login_required
def edit_draft():
    """Back from the preview to the form, with everything typed (and staged files) kept."""
    form = ProposalForm()  # filled from the posted preview
    _choices(form)
    return render_template("proposals/new.html", form=form, staged=_staged(form.submission_key.data or ""))


@bp.route("/<id:proposal_id>/attachments/<id:attachment_id>")
def attachment(proposal_id, attachment_id):
    proposal = _public_or_404(proposal_id)
    item = db.session.get(ProposalAttachment, attachment_id)
    if item is None or item.proposal_id != proposal.id:
        abort(404)
    # Flask writes filename*=UTF-8''… for the Korean name; the file on disk has a generated name.
    return send_file(attachments.path_of(item), mimetype=item.content_type, as_attachment=True,
                     download_name=item.original_name)


# --- sympathy ------------------------------------------------------------------------------------

def _wants_json():
    return request.accept_mimetypes.best == "application/json"


@bp.route("/<id:proposal_id>/support", methods=["POST"])
@limiter.limit(_participation_limit, key_func=_participant_key, exempt_when=fast_support.already_counted)
def support(proposal_id):
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not proposal.is_public:
        abort(404)
    if not current_user.is_authenticated:
        # Back to the proposal after signing in (this address only takes POSTs).
        login = url_for("auth.login", next=url_for("proposals.detail", proposal_id=proposal_id))
        flash(_("Please sign in to continue."), "info")  # on the sign-in form, with or without the script
        if _wants_json():
            return jsonify(ok=False, message=_("Please sign in to continue."), login=login), 401
        return redirect(login)
    action = request.form.get("action", "support")
    if action not in ("support", "withdraw"):
        abort(400)
    withdraw = action == "withdraw"
    ok = ButtonForm().validate_on_submit()
    moved = False
    recorded = fast_support.recorded_before_flask()
    try:
        if not ok:
            abort(400)
        if recorded is not None:  # written before Flask; a threshold it reached moved the proposal on
            count, moved = recorded
            message = _("Thank you for your support.")
        elif withdraw:
            count = service.withdraw_support(current_user, proposal)
            message = _("Your support has been withdrawn.")
        else:
            status_before = proposal.status
            count = service.support_proposal(current_user, proposal)
            moved = proposal.status != status_before  # read before the commit expires it
            message = _("Thank you for your support.")
        db.session.commit()
        if not withdraw:  # a threshold one committed beside it reached unseen; the settle
            moved = fast_support.after_sympathy(current_app, proposal_id, check=not moved) or moved
        category, supported = "success", not withdraw  # known without reading anything again
    except ServiceError as err:
        db.session.rollback()
        message, category = str(err.message), "error"
        proposal = db.session.get(Proposal, proposal_id)
        count, supported = proposal.support_count, service.has_supported(current_user, proposal)
    if _wants_json():
        # A sympathy that moved the proposal on (to review) changes more than the count: the page
        # reloads, and the message waits for it.
        if moved:
            flash(message, category)
        return jsonify(support_answer(message, category == "success", supported, count, moved)), (
            200 if category == "success" else 409)
    flash(message, category)
    return redirect(url_for("proposals.detail", proposal_id=proposal_id) + "#support")


def support_answer(message, ok, supported, count, moved):
    """What the page's script needs after a sympathy, in the request's language."""
    return dict(ok=ok, message=message, supported=supported, count=count, reload=moved,
                count_text=format_decimal(count), count_word=ngettext("supporter", "supporters", count),
                status_text=ngettext("%(num)s supporter", "%(num)s supporters", count),
                status_text_so_far=ngettext("%(num)s supporter so far", "%(num)s supporters so far", count))


# --- follow, withdraw ----------------------------------------------------------------------------

@bp.route("/<id:proposal_id>/follow", methods=["POST"])
@login_required
def follow(proposal_id):
    proposal = _public_or_404(proposal_id)
    if ButtonForm().validate_on_submit():
        if request.form.get("action") == "unfollow":
            service.unfollow(current_user, proposal)
            flash(_("You no longer follow this proposal."), "info")
        else:
            service.follow(current_user, proposal)
            flash(_("You follow this proposal: you will hear about every step."), "success")
        db.session.commit()
    return redirect(url_for("proposals.detail", proposal_id=proposal_id))


@bp.route("/<id:proposal_id>/withdraw", methods=["POST"])
@login_required
def withdraw(proposal_id):
    proposal = _public_or_404(proposal_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        attempt(lambda: service.withdraw_proposal(current_user, proposal), _("Your proposal has been withdrawn."))
    elif form.confirm.errors:
        flash(form.confirm.errors[0], "error")
        return redirect(url_for("proposals.detail", proposal_id=proposal_id) + "#withdraw")
    return redirect(url_for("proposals.detail", proposal_id=proposal_id))


# --- comments ------------------------------------------------------------------------------------

@bp.route("/<id:proposal_id>/comments", methods=["POST"])
@login_required
@limiter.limit(_participation_limit, key_func=_participant_key)
def comment(proposal_id):
    proposal = _public_or_404(proposal_id)
    form = CommentForm()
    if not form.validate_on_submit():
        return _render_detail(proposal, form), 400
    parent = None
    if form.parent_id.data:
        parent_id = parse_id(form.parent_id.data)
        parent = db.session.get(Comment, parent_id) if parent_id else None
        if parent is None:
            form.body.errors.append(_("The comment you replied to no longer exists. Your text is kept below."))
            return _render_detail(proposal, form), 400
    try:
        created = comments.add_comment(current_user, proposal, form.body.data, parent=parent)
        db.session.commit()
    except ServiceError as err:
        db.session.rollback()
        form.body.errors.append(err.message)
        return _render_detail(proposal, form), 400
    flash(_("Your comment has been posted."), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal_id) + f"#comment-{created.id}")


@bp.route("/<id:proposal_id>/comments/<id:comment_id>/report", methods=["POST"])
@login_required
@limiter.limit(_participation_limit, key_func=_participant_key)
def report(proposal_id, comment_id):
    _public_or_404(proposal_id)
    item = db.session.get(Comment, comment_id)
    if item is None or item.proposal_id != proposal_id:
        abort(404)
    form = ReasonForm()
    if form.validate_on_submit():
        attempt(lambda: comments.report_comment(current_user, item, form.reason.data), _("Thank you. A moderator will look at this comment."))
    else:
        flash(form.reason.errors[0] if form.reason.errors else _("Tell us why you are reporting this comment."), "error")
    return redirect(url_for("proposals.detail", proposal_id=proposal_id) + f"#comment-{comment_id}")


# --- vote ----------------------------------------------------------------------------------------

@bp.route("/<id:proposal_id>/vote", methods=["POST"])
@login_required
@limiter.limit(_participation_limit, key_func=_participant_key)
def vote(proposal_id):
    proposal = _public_or_404(proposal_id)
    form = VoteForm()
    if not form.validate_on_submit():
        flash(_("Choose yes or no."), "error")
        return redirect(url_for("proposals.detail", proposal_id=proposal_id) + "#vote")
    attempt(lambda: service.cast_vote(current_user, proposal, form.choice.data), _("Your vote has been recorded."))
    return redirect(url_for("proposals.detail", proposal_id=proposal_id) + "#vote")
