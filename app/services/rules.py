"""The rules in force: thresholds, the answer clock (calendar or Korean business days), periods."""
import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, ParticipationRules, SpecialPeriod
from app.models.base import utcnow
from app.services import ServiceError

RULE_FIELDS = ("review_threshold", "mayor_threshold", "answer_days", "use_business_days", "open_days")


def seoul():
    return ZoneInfo(current_app.config["TIMEZONE"])


def current_rules():
    """The single rules row, created with the reference district's defaults on first use."""
    rules = db.session.execute(select(ParticipationRules).order_by(ParticipationRules.id)).scalars().first()
    if rules is None:
        rules = ParticipationRules(review_threshold=5, mayor_threshold=100, answer_days=15,
                                   use_business_days=False, open_days=30)
        db.session.add(rules)
        db.session.flush()
    return rules


def _is_business_day(day, kr_holidays):
    return day.weekday() < 5 and day not in kr_holidays


def answer_due_at(started_at, rules):
    """End (23:59:59 Asia/Seoul) of the Nth day after the day the clock started.

    Reached 2025-03-01 00:30 KST with 15 days: due 2025-03-16 23:59:59 KST. With business days,
    weekends and Korean public holidays (the `holidays` package) are not counted.
    """
    tz = seoul()
    day = started_at.astimezone(tz).date()
    if rules.use_business_days:
        kr = holidays.KR(years=range(day.year, day.year + 2))
        counted = 0
        while counted < rules.answer_days:
            day += timedelta(days=1)
            if _is_business_day(day, kr):
                counted += 1
    else:
        day += timedelta(days=rules.answer_days)
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz)


def is_overdue(due_at, now):
    """Overdue from 00:00 Asia/Seoul of the day after the due day."""
    return due_at is not None and now.astimezone(seoul()).date() > due_at.astimezone(seoul()).date()


def days_left(due_at, now):
    """Whole Seoul calendar days from today to the due day (0 on the due day, negative if late)."""
    return (due_at.astimezone(seoul()).date() - now.astimezone(seoul()).date()).days


def active_special_period(now):
    today = now.astimezone(seoul()).date()
    return db.session.execute(
        select(SpecialPeriod).where(SpecialPeriod.starts_on <= today, SpecialPeriod.ends_on >= today)
        .order_by(SpecialPeriod.starts_on)
    ).scalars().first()


def _audit(actor, action, target, before, after):
    db.session.add(AuditEntry(actor_id=actor.id if actor else None, action=action, target=target,
                              before=json.dumps(before, ensure_ascii=False, default=str),
                              after=json.dumps(after, ensure_ascii=False, default=str)))


def update_rules(actor, **values):
    """Change the rules from now on; existing proposals keep their clocks and alerts."""
    if (values["review_threshold"] < 1 or values["mayor_threshold"] <= values["review_threshold"]
            or values["mayor_threshold"] > 1_000_000):
        raise ServiceError(_l("The Mayor's threshold must be greater than the review threshold, both from 1 to 1,000,000."))
    if not 1 <= values["answer_days"] <= 90 or not 1 <= values["open_days"] <= 365:
        raise ServiceError(_l("Answer days must be 1–90 and the open period 1–365 days."))
    rules = current_rules()
    before = {f: getattr(rules, f) for f in RULE_FIELDS}
    if all(before[f] == values[f] for f in RULE_FIELDS):
        return rules  # nothing changed: nothing to record
    for field in RULE_FIELDS:
        setattr(rules, field, values[field])
    rules.updated_at = utcnow()
    _audit(actor, "rules.update", "participation_rules", before, {f: getattr(rules, f) for f in RULE_FIELDS})
    return rules


# A special period sends every new proposal straight to review: a typo in the year must not.
PERIOD_YEARS = (2000, 2100)


def add_special_period(actor, *, title_ko, title_en, starts_on: date, ends_on: date):
    if ends_on < starts_on:
        raise ServiceError(_l("The period must end on or after the day it starts."))
    if not (PERIOD_YEARS[0] <= starts_on.year and ends_on.year <= PERIOD_YEARS[1]):
        raise ServiceError(_l("Choose dates between the years 2000 and 2100."))
    if (ends_on - starts_on).days > 366:
        raise ServiceError(_l("A special participation period lasts at most a year."))
    period = SpecialPeriod(title_ko=title_ko, title_en=title_en, starts_on=starts_on, ends_on=ends_on)
    db.session.add(period)
    db.session.flush()
    _audit(actor, "special_period.create", f"special_period:{period.id}", None,
           {"title_ko": title_ko, "title_en": title_en, "starts_on": starts_on, "ends_on": ends_on})
    return period


def delete_special_period(actor, period):
    _audit(actor, "special_period.delete", f"special_period:{period.id}",
           {"title_ko": period.title_ko, "starts_on": period.starts_on, "ends_on": period.ends_on}, None)
    db.session.delete(period)
