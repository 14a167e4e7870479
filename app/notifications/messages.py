"""Rendering a notification in its recipient's language: subject, plain text, HTML and SMS text."""
from collections.abc import Callable
from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.labels import PROPOSAL_STATUS
from app.notifications.objects import OBJECT_TYPES


@dataclass
class Message:
    subject: str
    text: str
    html: str
    sms: str


@dataclass(frozen=True)
class EventSpec:
    subject: object  # a lazy string with %(title)s (and %(status)s, %(site)s)
    template: str  # email/<template>.txt|.html and sms/<template>.txt
    more_context: Callable = None  # more template context from the object
    status: str = None  # for proposal.<status> events


def _reset_link(user):
    from app.services.accounts import password_reset_token
    from app.urls import external_url

    return {"link": external_url("auth.reset_password", token=password_reset_token(user))}


EVENTS = {
    "opinion.new": EventSpec(_l("[New opinion] %(title)s"), "opinion_new"),
    "deadline.d3": EventSpec(_l("[Answer due in 3 days] %(title)s"), "deadline"),
    "deadline.d1": EventSpec(_l("[Answer due tomorrow] %(title)s"), "deadline"),
    "deadline.overdue": EventSpec(_l("[Overdue] %(title)s"), "deadline"),
    "mayor_deadline.d3": EventSpec(_l("[Mayor's answer due in 3 days] %(title)s"), "mayor_deadline"),
    "mayor_deadline.d1": EventSpec(_l("[Mayor's answer due tomorrow] %(title)s"), "mayor_deadline"),
    "mayor_deadline.overdue": EventSpec(_l("[Mayor's answer overdue] %(title)s"), "mayor_deadline"),
    "account.welcome": EventSpec(_l("Welcome to %(site)s"), "welcome"),
    "account.password_reset": EventSpec(_l("Reset your password"), "password_reset", _reset_link),
    "review.requested": EventSpec(_l("[Review requested] %(title)s"), "review_requested"),
    "mayor.requested": EventSpec(_l("[Mayor's answer requested] %(title)s"), "review_requested"),
    "comment.new": EventSpec(_l("[New comment] %(title)s"), "comment_new"),
    "comment.hidden": EventSpec(_l("[Comment hidden] %(title)s"), "comment_hidden"),
    "proposal.mayor_answered": EventSpec(_l("[Mayor's answer] %(title)s"), "proposal_update"),
    "proposal.unhidden": EventSpec(_l("[Visible again] %(title)s"), "proposal_update"),
}
for _status in PROPOSAL_STATUS:
    EVENTS[f"proposal.{_status}"] = EventSpec(_l("[%(status)s] %(title)s"), "proposal_update", status=_status)


def subject_for(notification, obj):
    from app.template_helpers import site_name

    spec = EVENTS[notification.event]
    title = OBJECT_TYPES[notification.object_type].title(obj)
    status = str(PROPOSAL_STATUS[spec.status]) if spec.status else ""
    return str(spec.subject) % {"title": title, "site": site_name(), "status": status}


def render(notification, obj):
    spec = EVENTS[notification.event]
    kind = OBJECT_TYPES[notification.object_type]
    with force_locale(notification.locale):
        context = {
            "n": notification, "obj": obj, "title": kind.title(obj), "link": kind.url(obj),
            "recipient": notification.recipient_user or notification.recipient_division,
            "status": PROPOSAL_STATUS.get(spec.status) if spec.status else None,
        }
        if spec.more_context:
            context.update(spec.more_context(obj))
        if notification.channel == "sms":
            return Message(subject="", text="", html="",
                           sms=" ".join(render_template(f"sms/{spec.template}.txt", **context).split()))
        return Message(
            subject=subject_for(notification, obj),
            text=render_template(f"email/{spec.template}.txt", **context),
            html=render_template(f"email/{spec.template}.html", **context),
            sms="",
        )
