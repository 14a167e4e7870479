"""Follow-ups of the proposal lifecycle: the Mayor's own deadline, who acted on the timeline,
unhiding, conference minutes, the admin pages over HTTP, following, and the support button's name."""
import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.models import (
    Category,
    Notification,
    StaffMembership,
)
from app.services import proposals as service
from app.services.rules import current_rules

SEOUL = ZoneInfo("Asia/Seoul")
STAFF_NAME = "홍길동"  # a staff member's personal name: it must never reach the public page
ADMIN_NAME = "박관리"


@pytest.fixture
def residents(make_user):
    made = []

    def residents(n, locale="ko"):
        new = [make_user(f"r{len(made) + i}@example.com", verified_dong="1162052500", locale=locale)
               for i in range(n)]
        made.extend(new)
        return new

    return residents


@pytest.fixture
def welfare(db):
    return db.session.execute(select(Category).filter_by(slug="health-welfare")).scalar_one()


@pytest.fixture
def staff(db, make_user, welfare):
    """An officer of 복지정책과 (the welfare category's division), with a personal name."""
    officer = make_user("officer@gwanak.example", role="staff", display_name=STAFF_NAME)
    db.session.add(StaffMembership(user=officer, division=welfare.default_division, wants_email=True))
    welfare.default_division.alert_email = "welfare@gwanak.example"
    db.session.commit()
    return officer


@pytest.fixture
def mayor_staff(db, make_user):
    """An officer of the Mayor's office only (not of the division in charge)."""
    office = service.mayor_office()
    office.alert_email = "mayor@gwanak.example"
    officer = make_user("mayor-officer@gwanak.example", role="staff", display_name="구청장실담당")
    db.session.add(StaffMembership(user=officer, division=office, wants_email=True))
    db.session.commit()
    return officer


@pytest.fixture
def admin(make_user):
    return make_user("admin@gwanak.example", role="admin", display_name=ADMIN_NAME)


@pytest.fixture
def proposal(db, residents, welfare):
    created = service.create_proposal(residents(1)[0], title="어르신 무료 급식소 확대",
                                      body="관악구 어르신 급식소를 늘려 주세요. " * 3, category=welfare)
    db.session.commit()
    return created


def support_n(db, proposal, people, now=None):
    for person in people:
        service.support_proposal(person, proposal, now=now)
        db.session.commit()


def to_mayor(db, proposal, residents, now=None):
    """Lower the Mayor's threshold to 6 and reach it: review at 5, the Mayor's answer owed at 6."""
    current_rules().mayor_threshold = 6
    db.session.commit()
    support_n(db, proposal, residents(6), now=now)


def rows_for(db, user, event=None):
    query = select(Notification).filter_by(recipient_user_id=user.id)
    if event:
        query = query.filter_by(event=event)
    return db.session.execute(query).scalars().all()


def per_channel(db, user, event):
    return Counter(n.channel for n in rows_for(db, user, event))


# --- 7. the support button's accessible name -----------------------------------------------------

def accessible_name(html):
    """The support button's name from its content: what is not aria-hidden (no aria-label overrides it).
    tests/browser/test_followups.py checks the name Chromium itself computes."""
    button = re.search(r'<button[^>]*class="[^"]*support-button[^"]*"[^>]*>(.*?)</button>', html, re.S)
    assert "aria-label" not in button.group(0)
    content = re.sub(r'<span aria-hidden="true">.*?</span>', "", button.group(1), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", content)).strip()


@pytest.mark.parametrize("locale, name", [("en", "Support, 4 supporters so far"), ("ko", "공감하기, 현재 4명 공감")])
def test_the_support_buttons_accessible_name_is_support_and_the_count(
    db, proposal, residents, login_as, client, locale, name
):
    support_n(db, proposal, residents(4))
    login_as(residents(1, locale=locale)[0])
    html = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert accessible_name(html) == name
    assert 'aria-pressed="false"' in html and 'role="status" aria-live="polite"' in html


def test_the_translation_gate_tells_the_button_word_from_the_same_word_without_context(tmp_path):
    """"Support" is 공감 as a heading and 공감하기 on the button (pgettext): the gate checks each."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from app.i18n_check import check_catalogs

    def catalog(locale, heading, button):
        made = Catalog(locale=locale)
        made.add("Support", heading)
        made.add("Support", button, context="button")
        return made

    def extract(output):
        with open(output, "wb") as fh:
            write_po(fh, catalog(None, "", ""))

    translations = tmp_path / "app" / "translations"
    for locale, heading, button in (("ko", "공감", ""), ("en", "Support", "Support")):
        (translations / locale / "LC_MESSAGES").mkdir(parents=True)
        with open(translations / locale / "LC_MESSAGES" / "messages.po", "wb") as fh:
            write_po(fh, catalog(locale, heading, button))
    extract(translations / "messages.pot")
    assert check_catalogs(tmp_path, extract) == ["ko: untranslated 'button|Support'"]
