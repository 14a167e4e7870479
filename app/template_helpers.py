"""Jinja filters and globals: Seoul-time dates, numbers, Markdown, URLs that keep the query."""
from flask import current_app, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale

from app.labels import ANSWER_DECISION, AUDIT_ACTION, AUDIT_FIELD, PROPOSAL_STATUS, ROLE
from app.text import render_markdown


def url_with(**changes):
    """The current URL with some query arguments changed (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [value]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def site_name():
    key = "SITE_NAME_EN" if str(get_locale()) == "en" else "SITE_NAME_KO"
    return current_app.config[key]


def district_contact():
    contact = current_app.config["DISTRICT_CONTACT"]
    lang = "en" if str(get_locale()) == "en" else "ko"
    return {"address": contact[f"address_{lang}"], "phone": contact["phone"]}


# Korean public sites write "2025. 3. 16." and 24-hour times (KOREAN-CONVENTIONS.md).
DATE_PATTERNS = {"ko": "yyyy. M. d.", "en": "d MMM yyyy"}
DATETIME_PATTERNS = {"ko": "yyyy. M. d. HH:mm", "en": "d MMM yyyy, HH:mm"}


def seoul_date(value):
    return format_date(value, DATE_PATTERNS.get(str(get_locale()), "medium")) if value else ""


def seoul_datetime(value):
    return format_datetime(value, DATETIME_PATTERNS.get(str(get_locale()), "medium")) if value else ""


def unread_notifications():
    from flask_login import current_user

    from app.services.inbox import unread_count

    return unread_count(current_user) if current_user.is_authenticated else 0


def _receiving_division(event):
    """Who received a transfer: the giver of the next transfer, or the division in charge now
    (a transfer event records the division that gave the proposal away)."""
    later = [e for e in event.proposal.events if e.kind == "transferred" and e.id > event.id]
    receiver = min(later, key=lambda e: e.id).division if later else event.proposal.division
    return receiver.name if receiver else ""


def timeline_text(event):
    """One line of a proposal's public timeline, in the reader's language: what happened and by whom.

    "By whom" is a role, never a person: the division's name for staff, "the platform officer" for
    the admin, "the author" for the author, "automatically" for the scheduler and the thresholds.
    Whole sentences per case, so that Korean gets its particles right.
    """
    from flask_babel import gettext as _

    division = event.division.name if event.division else ""
    status = str(PROPOSAL_STATUS.get(event.to_status, event.to_status or ""))
    actor = event.actor_kind
    if actor in ("division", "mayor") and not division:
        actor = "system"  # an old row without its division: say no more than we know
    by_kind = {
        "created": lambda: _("Proposed by a resident"),
        "threshold": lambda: _("Reached the support threshold: sent automatically to %(division)s for review",
                               division=division),
        "special_period": lambda: _("Sent automatically to %(division)s for review (special participation period)",
                                    division=division),
        "mayor_requested": lambda: _("Reached the Mayor's threshold: the Mayor's answer was requested automatically"),
        "mayor_answered": lambda: _("The Mayor answered"),
        "answered": lambda: _("%(division)s answered", division=division),
        "transferred": lambda: _("%(division)s transferred it to %(receiver)s", division=division,
                                 receiver=_receiving_division(event)),
        "expired": lambda: _("Closed automatically: the open period ended without reaching the threshold"),
        "hidden": lambda: _("Hidden by the platform officer"),
        "unhidden": lambda: _("The platform officer made it visible again"),
    }
    if event.kind in by_kind:
        return by_kind[event.kind]()
    by_status = {
        ("at_conference", "admin"): lambda: (
            _("The platform officer sent it to the policy conference “%(conference)s”", conference=event.note)
            if event.note else _("The platform officer sent it to a policy conference")),
        ("voting", "admin"): lambda: _("The platform officer opened the residents' vote"),
        ("adopted", "admin"): lambda: _("The platform officer closed and counted the vote: %(status)s", status=status),
        ("rejected", "admin"): lambda: _("The platform officer closed and counted the vote: %(status)s", status=status),
        ("adopted", "system"): lambda: _("The vote closed automatically and was counted: %(status)s", status=status),
        ("rejected", "system"): lambda: _("The vote closed automatically and was counted: %(status)s", status=status),
        ("implementing", "division"): lambda: _("%(division)s started carrying it out", division=division),
        ("implementing", "admin"): lambda: _("The platform officer marked it as in progress"),
        ("completed", "division"): lambda: _("%(division)s completed it and published the result", division=division),
        ("completed", "admin"): lambda: _("The platform officer completed it and published the result"),
        ("withdrawn", "resident"): lambda: _("Withdrawn by the author"),
    }
    if (event.to_status, actor) in by_status:
        return by_status[(event.to_status, actor)]()
    by_actor = {
        "division": lambda: _("%(division)s changed the status to “%(status)s”", division=division, status=status),
        "mayor": lambda: _("%(division)s changed the status to “%(status)s”", division=division, status=status),
        "admin": lambda: _("The platform officer changed the status to “%(status)s”", status=status),
        "resident": lambda: _("The author changed the status to “%(status)s”", status=status),
    }
    return by_actor.get(actor, lambda: _("The status changed automatically to “%(status)s”", status=status))()


def current_rules_global():
    from app.services.rules import current_rules

    return current_rules()


def rules_summary(kind):
    """How proposals move, from the rules in force (never hard-coded numbers): "list" for the
    proposals list, "new" for the proposal form; a special participation period is said first."""
    from flask_babel import gettext as _

    from app.models.base import utcnow
    from app.services.rules import active_special_period, current_rules

    rules = current_rules()
    numbers = {"review": format_decimal(rules.review_threshold), "mayor": format_decimal(rules.mayor_threshold),
               "days": rules.answer_days}
    if rules.use_business_days:
        clock = _("within %(days)s business days (weekends and public holidays not counted)", **numbers)
    else:
        clock = _("within %(days)s days", **numbers)
    period = active_special_period(utcnow())
    if period is not None:
        title = period.title_en if str(get_locale()) == "en" else period.title_ko
        special = _("Special participation period “%(title)s” until %(end)s: every new proposal goes straight to "
                    "the division in charge, which answers %(clock)s.", title=title, end=seoul_date(period.ends_on),
                    clock=clock)
        return special + " " + _("At %(mayor)s supporters the Mayor answers too.", **numbers)
    if kind == "new":
        return _("At %(review)s supporters your proposal goes to the division in charge, which answers "
                 "%(clock)s. You will see a preview before it is registered.", clock=clock, **numbers)
    return _("Residents propose; at %(review)s supporters the division in charge reviews the proposal and "
             "answers %(clock)s, and at %(mayor)s the Mayor answers too.", clock=clock, **numbers)


def vote_result_text(proposal):
    """The outcome of a finished vote, in words."""
    from flask_babel import gettext as _

    from app.services.proposals import vote_result

    result = vote_result(proposal)
    if result == "adopted":
        return _("Adopted: most votes were yes.")
    if result == "no_quorum":
        return _("Not adopted: fewer than %(num)s votes were cast, the minimum needed.", num=proposal.vote_quorum)
    return _("Not adopted: the yes votes were not a majority.")


def audit_action(entry):
    return str(AUDIT_ACTION.get(entry.action, entry.action))


def audit_changes(entry):
    """The entry's before/after JSON as readable lines: "Days to answer: 15 → 10" (only what changed)."""
    import json

    from flask_babel import gettext as _

    before = json.loads(entry.before) if entry.before else None
    after = json.loads(entry.after) if entry.after else None

    def shown(value):
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, int):
            return format_decimal(value)
        return str(value)

    lines = []
    for key in list((before or {}).keys()) + [k for k in (after or {}) if k not in (before or {})]:
        old, new = (before or {}).get(key), (after or {}).get(key)
        if before is not None and after is not None and old == new:
            continue
        label = str(AUDIT_FIELD.get(key, key))
        if before is None:
            lines.append(f"{label}: {shown(new)}")
        elif after is None:
            lines.append(f"{label}: {shown(old)} → " + _("deleted"))
        else:
            lines.append(f"{label}: {shown(old)} → {shown(new)}")
    return lines


def why_not_comment(user, proposal):
    from app.services.permissions import why_not_comment

    return why_not_comment(user, proposal)


def init_app(app):
    app.jinja_env.globals["site_name"] = site_name
    app.jinja_env.globals["unread_notifications"] = unread_notifications
    app.jinja_env.globals["timeline_text"] = timeline_text
    app.jinja_env.globals["current_rules"] = current_rules_global
    app.jinja_env.globals["rules_summary"] = rules_summary
    app.jinja_env.globals["why_not_comment"] = why_not_comment
    app.jinja_env.globals["vote_result_text"] = vote_result_text
    app.jinja_env.globals["audit_action"] = audit_action
    app.jinja_env.globals["audit_changes"] = audit_changes
    app.jinja_env.globals["status_labels"] = PROPOSAL_STATUS
    app.jinja_env.globals["decision_labels"] = ANSWER_DECISION
    app.jinja_env.globals["role_labels"] = ROLE
    app.jinja_env.globals["district_contact"] = district_contact
    app.jinja_env.filters["dict_without_none"] = lambda d: {k: v for k, v in d.items() if v is not None}
    app.jinja_env.filters["date"] = seoul_date
    app.jinja_env.filters["datetime"] = seoul_datetime
    app.jinja_env.filters["number"] = lambda value: format_decimal(value or 0)
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
