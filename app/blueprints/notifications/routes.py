"""Routes of the notifications page."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.blueprints.notifications import bp
from app.extensions import db
from app.forms_common import parse_id
from app.notifications.messages import subject_for
from app.notifications.objects import OBJECT_TYPES, load_object
from app.services import inbox


@bp.route("/")
@login_required
def index():
    items = []
    for row in inbox.recent(current_user):
        obj = load_object(row.object_type, row.object_id)
        if obj is None or not OBJECT_TYPES[row.object_type].is_deliverable(obj, row.event):
            continue
        url = OBJECT_TYPES[row.object_type].url(obj)
        items.append({"row": row, "text": subject_for(row, obj), "url": url})
    return render_template("notifications/index.html", items=items, form=FlaskForm())


@bp.route("/read", methods=["POST"])
@login_required
def mark_read():
    if FlaskForm().validate_on_submit():
        raw = request.form.get("id", "")
        notification_id = parse_id(raw) if raw else None
        if raw and notification_id is None:
            abort(404)  # not one of anyone's notices; never "mark all" by mistake
        count = inbox.mark_read(current_user, notification_id)
        db.session.commit()
        if count:
            flash(_("Marked as read."), "success")
    return redirect(url_for("notifications.index"))
