"""Rendering a notification in its recipient's language: subject, plain text, HTML and SMS text."""
from collections.abc import Callable
from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.notifications.objects import OBJECT_TYPES


@dataclass
class Message:
    subject: str
    text: str
    html: str
    sms: str


@dataclass(frozen=True)
class EventSpec:
    subject: object  # a lazy string with %(title)s
    template: str  # email/<template>.txt|.html and sms/<template>.txt
    more_context: Callable = None  # more template context from the object


def _reset_link(user):
    from app.services.accounts import password_reset_token
    from app.urls import external_url

    return {"link": external_url("auth.reset_password", token=password_reset_token(user))}


EVENTS = {
    "opinion.new": EventSpec(_l("[New opinion] %(title)s"), "opinion_new"),
    "deadline.d3": EventSpec(_l("[Answer due in 3 days] %(title)s"), "deadline"),
    "deadline.d1": EventSpec(_l("[Answer due tomorrow] %(title)s"), "deadline"),
    "deadline.overdue": EventSpec(_l("[Overdue] %(title)s"), "deadline"),
    "account.welcome": EventSpec(_l("Welcome to %(site)s"), "welcome"),
    "account.password_reset": EventSpec(_l("Reset your password"), "password_reset", _reset_link),
}


def subject_for(notification, obj):
    from app.template_helpers import site_name

    spec = EVENTS[notification.event]
    title = OBJECT_TYPES[notification.object_type].title(obj)
    return str(spec.subject) % {"title": title, "site": site_name()}


def render(notification, obj):
    spec = EVENTS[notification.event]
    kind = OBJECT_TYPES[notification.object_type]
    with force_locale(notification.locale):
        context = {
            "n": notification, "obj": obj, "title": kind.title(obj), "link": kind.url(obj),
            "recipient": notification.recipient_user or notification.recipient_division,
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
