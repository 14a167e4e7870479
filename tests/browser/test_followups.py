"""The lifecycle follow-ups in Chromium: the support button's computed accessible name, and axe-core
on the new pages (conference list and form, minutes on the public page, the Mayor's office inbox)."""
import pytest

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture(scope="module")
def followup_pages(live_server, people):
    """A proposal at a conference with Markdown minutes that owes the Mayor's answer."""
    from datetime import date

    from app.extensions import db
    from app.models import Category, User
    from app.models.base import utcnow
    from app.services import proposals as service
    from app.services.rules import answer_due_at, current_rules

    author = people("fu-author@example.com", name="정하늘")
    people("fu-reader@example.com", locale="en")
    people("fu-mayor@gwanak.example", role="staff", division_name="구청장실")
    people("fu-admin@example.com", role="admin")
    supporters = [people(f"fu-s{i}@example.com") for i in range(5)]
    with live_server.app.app_context():
        def user(email):
            return db.session.query(User).filter_by(email=email).one()

        category = db.session.query(Category).filter_by(slug="health-welfare").one()
        proposal = service.create_proposal(user(author), title="회의록 점검용 제안입니다",
                                           body="정책토론회 회의록 화면을 점검하는 본문입니다.", category=category)
        db.session.commit()
        for email in supporters:
            service.support_proposal(user(email), proposal)
            db.session.commit()
        # Owed the Mayor's answer without lowering the shared server's threshold for everyone else.
        now = utcnow()
        proposal.mayor_requested_at, proposal.mayor_due_at = now, answer_due_at(now, current_rules())
        admin = user("fu-admin@example.com")
        service.answer_proposal(admin, proposal, decision="accepted", body="검토하여 수용합니다.")
        conference = service.create_conference(admin, title="점검용 정책토론회", held_on=date(2026, 6, 1))
        service.send_to_conference(admin, proposal, conference)
        service.update_conference(admin, conference, title="점검용 정책토론회", held_on=date(2026, 6, 2),
                                  agenda="1. 급식소\n2. **예산**", minutes="**결정**\n\n- 보라매동\n- 신림동")
        db.session.commit()
        # And an open one with four supporters, where the support button still shows.
        still_open = service.create_proposal(user(author), title="버튼 이름 점검용 제안입니다",
                                             body="공감 버튼의 이름을 점검하는 본문입니다.", category=category)
        db.session.commit()
        for email in supporters[:4]:
            service.support_proposal(user(email), still_open)
            db.session.commit()
        ids = {"id": proposal.id, "conference": conference.id, "open": still_open.id}
        db.session.remove()
    return {**ids, "resident": "fu-reader@example.com", "mayor": "fu-mayor@gwanak.example",
            "admin": "fu-admin@example.com"}


@pytest.mark.parametrize("lang, name", [("en", "Support, 4 supporters so far"), ("ko", "공감하기, 현재 4명 공감")])
def test_the_support_buttons_computed_name_is_support_and_the_count(browser, live_server, followup_pages, lang,
                                                                      name):
    from tests.browser.conftest import sign_in

    context, page = sign_in(browser, live_server, followup_pages["resident"], lang)
    page.goto(live_server + f"/proposals/{followup_pages['open']}")
    button = page.get_by_role("button", name=name, exact=True)  # Chromium's own accessible-name computation
    assert button.count() == 1 and button.get_attribute("aria-pressed") == "false"
    context.close()


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("who, path", [
    ("admin", "/admin/conferences"), ("admin", "/admin/conferences/{conference}"),
    ("resident", "/proposals/{id}"), ("mayor", "/staff/"),
])
def test_no_axe_violations_on_the_followup_pages(browser, live_server, axe, followup_pages, lang, who, path):
    from tests.browser.conftest import sign_in

    context, page = sign_in(browser, live_server, followup_pages[who], lang)
    page.goto(live_server + path.format(**followup_pages))
    if path == "/proposals/{id}":
        assert page.locator(".conference-minutes strong").inner_text() == "결정"
    if who == "mayor":
        assert page.locator(".mayor-answer").count() >= 1
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    context.close()
