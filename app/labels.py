"""Translated labels for enum values, built lazily at import."""
from flask_babel import lazy_gettext as _l

PROPOSAL_STATUS = {
    "open": _l("Open for support"),
    "in_review": _l("Division review"),
    "answered": _l("Answered"),
    "at_conference": _l("Policy conference"),
    "voting": _l("Residents' vote"),
    "adopted": _l("Adopted"),
    "rejected": _l("Not adopted"),
    "implementing": _l("In progress"),
    "completed": _l("Completed"),
    "closed": _l("Closed"),
    "withdrawn": _l("Withdrawn"),
    "hidden": _l("Hidden"),
}

# Statuses the public may filter by; hidden proposals are never listed.
PUBLIC_STATUSES = [key for key in PROPOSAL_STATUS if key != "hidden"]

PROPOSAL_SORTS = {
    "newest": _l("Newest"),
    "supported": _l("Most supported"),
}

ANSWER_DECISION = {
    "accepted": _l("Accepted"),
    "partial": _l("Partially accepted"),
    "considering": _l("Under consideration"),
    "rejected": _l("Not accepted"),
}

ROLE = {
    "resident": _l("Resident"),
    "staff": _l("Division staff"),
    "admin": _l("Platform officer"),
}

# The audit log on /admin/rules: what was done, and the names of the fields it changed.
AUDIT_ACTION = {
    "rules.update": _l("Rules changed"),
    "special_period.create": _l("Special participation period added"),
    "special_period.delete": _l("Special participation period deleted"),
}

AUDIT_FIELD = {
    "review_threshold": _l("Supporters for division review"),
    "mayor_threshold": _l("Supporters for the Mayor's answer"),
    "answer_days": _l("Days to answer"),
    "use_business_days": _l("Count Korean business days (weekends and public holidays excluded)"),
    "open_days": _l("Days a proposal stays open for support"),
    "title_ko": _l("Title in Korean"),
    "title_en": _l("Title in English"),
    "starts_on": _l("First day"),
    "ends_on": _l("Last day"),
}
