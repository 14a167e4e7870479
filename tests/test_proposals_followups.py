"""Follow-ups of the proposal lifecycle: the Mayor's own deadline, who acted on the timeline,
unhiding, conference minutes, the admin pages over HTTP, following, and the support button's name."""
import re
from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.models import (
    Category,
    Notification,
    Proposal,
    StaffMembership,
)
from app.services import ServiceError
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


# --- 4. conference minutes, after the conference -------------------------------------------------

@pytest.fixture
def at_conference(db, proposal, residents, staff, admin):
    support_n(db, proposal, residents(5))
    service.answer_proposal(staff, proposal, decision="accepted", body="복지정책과에서 검토하여 수용합니다.")
    conference = service.create_conference(admin, title="2026 상반기 정책토론회", held_on=date(2026, 6, 1),
                                           agenda="급식소 확대")
    service.send_to_conference(admin, proposal, conference)
    db.session.commit()
    return conference


def test_the_admin_adds_the_minutes_after_the_conference_and_the_public_page_shows_safe_markdown(
    db, proposal, at_conference, admin, forms, login_as, client
):
    login_as(admin)
    url = f"/admin/conferences/{at_conference.id}"
    form_page = client.get(url).get_data(as_text=True)
    assert "2026 상반기 정책토론회" in form_page and "급식소 확대" in form_page
    minutes = "**결정**: 2곳 신설\n\n- 보라매동\n- 신림동\n\n<script>alert(1)</script> [자료](javascript:alert(1))"
    saved = forms.submit(url, {"title": "2026 상반기 정책토론회", "held_on": "2026-06-03",
                               "agenda": "1. 급식소 확대\n2. **예산**", "minutes": minutes})
    assert saved.status_code == 302
    db.session.refresh(at_conference)
    assert at_conference.held_on == date(2026, 6, 3) and at_conference.minutes == minutes
    db.session.refresh(proposal)
    assert proposal.status == "at_conference"  # filling in the minutes is not a transition
    html = client.application.test_client().get(f"/proposals/{proposal.id}").get_data(as_text=True)
    section = re.search(r'<div class="conference-minutes">(.*?)</div>', html, re.S).group(1)
    assert "<strong>결정</strong>" in section and "<li>보라매동</li>" in section
    assert "<script>" not in section and "&lt;script&gt;" in section and 'href="javascript' not in section
    agenda = re.search(r'<div class="conference-agenda">(.*?)</div>', html, re.S).group(1)
    assert "<strong>예산</strong>" in agenda
    assert "2026. 6. 3." in html


def test_the_conference_form_explains_a_missing_title_and_keeps_the_old_record(
    db, at_conference, admin, forms, login_as
):
    login_as(admin)
    url = f"/admin/conferences/{at_conference.id}"
    response = forms.submit(url, {"title": "", "held_on": "2026-06-03", "agenda": "", "minutes": "회의록"})
    assert response.status_code == 400 and "제목을 입력해 주세요." in response.get_data(as_text=True)
    db.session.refresh(at_conference)
    assert at_conference.title == "2026 상반기 정책토론회" and at_conference.minutes == ""


def test_only_the_platform_officer_edits_a_conference(db, at_conference, staff, login_as, client):
    with pytest.raises(ServiceError):
        service.update_conference(staff, at_conference, title="바꾼 제목", held_on=date(2026, 6, 2), agenda="",
                                  minutes="")
    db.session.rollback()
    login_as(staff)
    assert client.get(f"/admin/conferences/{at_conference.id}").status_code == 403
    assert client.get("/admin/conferences").status_code == 403


def test_the_conference_list_links_each_conference_to_its_form(db, at_conference, admin, login_as, client):
    login_as(admin)
    html = client.get("/admin/conferences").get_data(as_text=True)
    assert "2026 상반기 정책토론회" in html and f'href="/admin/conferences/{at_conference.id}"' in html
    assert f'href="/admin/conferences/{at_conference.id}"' in client.get(
        f"/admin/proposals/{at_conference_proposal_id(db, at_conference)}").get_data(as_text=True)


def at_conference_proposal_id(db, conference):
    return db.session.execute(select(Proposal.id).filter_by(conference_id=conference.id)).scalar_one()


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
