"""axe-core (bundled with axe-playwright-python, no download) finds no violations, in both languages."""
import pytest

pytestmark = pytest.mark.browser

PAGES = ["/", "/proposals/", "/proposals/?status=adopted&sort=supported", "/auth/register", "/auth/login", "/about",
         "/privacy"]


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("path", PAGES + ["DETAIL", "REGISTER_ERRORS"])
def test_no_axe_violations(browser, live_server, axe, lang, path):
    context = browser.new_context(locale=lang)
    page = context.new_page()
    page.goto(live_server + f"/lang/{lang}?next=/")
    if path == "DETAIL":
        page.goto(live_server + "/proposals/?sort=supported")
        page.locator(".proposal-title a").first.click()
    elif path == "REGISTER_ERRORS":
        page.goto(live_server + "/auth/register")
        page.locator("button[type=submit]").last.click()
        assert page.locator(".form-error-summary").count() == 1
    else:
        page.goto(live_server + path)
    assert page.locator("html").get_attribute("lang") == lang
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    context.close()


@pytest.fixture(scope="module")
def lifecycle_pages(live_server, people):
    """Proposals in the states with pages of their own (under review with a comment, hidden, at the
    conference, being voted on), and the accounts that see them."""
    from datetime import timedelta

    from app.extensions import db
    from app.models import Category, PolicyConference, User
    from app.models.base import utcnow
    from app.services import comments
    from app.services import proposals as service

    resident = people("axe-resident@example.com", name="이서연")
    people("axe-staff@gwanak.example", role="staff", division_name="복지정책과")
    people("axe-admin@example.com", role="admin")
    supporters = [people(f"axe-s{i}@example.com") for i in range(5)]
    with live_server.app.app_context():
        def user(email):
            return db.session.query(User).filter_by(email=email).one()

        author, staff, admin = user(resident), user("axe-staff@gwanak.example"), user("axe-admin@example.com")
        category = db.session.query(Category).filter_by(slug="health-welfare").one()

        def in_review(title, body="**굵게** 쓴 본문과\n\n- 목록\n- 항목"):
            proposal = service.create_proposal(author, title=title, body=body, category=category)
            db.session.commit()
            for email in supporters:
                service.support_proposal(user(email), proposal)
                db.session.commit()
            return proposal

        def at_conference(title):
            proposal = in_review(title)
            service.answer_proposal(staff, proposal, decision="partial", body="복지정책과에서 **일부 수용**합니다.\n\n- 내년 예산 반영")
            conference = PolicyConference(title="2026 상반기 정책토론회", held_on=utcnow().date(),
                                          agenda="1. 제안 설명\n2. 토론", minutes="참석자 20명이 토론했습니다.")
            service.send_to_conference(admin, proposal, conference)
            db.session.commit()
            return proposal

        reviewed = in_review("접근성 점검용 제안입니다")
        comments.add_comment(author, reviewed, "첫 의견입니다.")
        hidden = in_review("숨김 점검용 제안입니다")
        service.hide_proposal(admin, hidden, "개인정보가 담겨 있어 숨깁니다.")
        conference = at_conference("정책토론회 점검용 제안입니다")
        voting = at_conference("주민 투표 점검용 제안입니다")
        now = utcnow()
        service.open_vote(admin, voting, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7), quorum=10)
        db.session.commit()
        ids = {"id": reviewed.id, "hidden": hidden.id, "conference": conference.id, "voting": voting.id}
        db.session.remove()
    return {**ids, "resident": resident, "voter": supporters[0], "staff": "axe-staff@gwanak.example",
            "admin": "axe-admin@example.com"}


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("who, path", [
    ("resident", "/proposals/new"), ("resident", "PREVIEW"), ("resident", "/proposals/{id}"),
    ("resident", "/account/activity"), ("resident", "/notifications/"), ("resident", "/account/"),
    ("resident", "/proposals/{hidden}"),  # the placeholder its author sees
    ("staff", "/staff/"), ("staff", "/staff/proposals/{id}"), ("staff", "ANSWER_PREVIEW"),
    ("admin", "/admin/rules"), ("admin", "/admin/proposals/{id}"), ("admin", "/admin/reports"),
    ("admin", "/admin/notifications"), ("admin", "/admin/users"),
    ("anonymous", "/proposals/{conference}"), ("voter", "/proposals/{conference}"), ("admin", "/admin/proposals/{conference}"),
    ("anonymous", "/proposals/{voting}"), ("voter", "/proposals/{voting}"), ("admin", "/admin/proposals/{voting}"),
])
def test_no_axe_violations_on_the_lifecycle_pages(browser, live_server, axe, lifecycle_pages, lang, who, path):
    from tests.browser.conftest import sign_in

    if who == "anonymous":
        context = browser.new_context(locale=lang)
        page = context.new_page()
        page.goto(live_server + f"/lang/{lang}?next=/")
    else:
        context, page = sign_in(browser, live_server, lifecycle_pages[who], lang)
    if path == "PREVIEW":
        page.goto(live_server + "/proposals/new")
        page.locator("#title").fill("미리 보기 점검용 제안")
        page.locator("#body").fill("미리 보기 화면의 접근성을 점검하는 본문입니다.")
        page.locator("#category").select_option("jobs")
        page.locator("button[value=preview]").click()
        assert page.locator(".preview-box").count() == 1
    elif path == "ANSWER_PREVIEW":
        page.goto(live_server + f"/staff/proposals/{lifecycle_pages['id']}")
        page.locator("input[name=decision][value=considering]").check(force=True)
        page.locator("#body").fill("복지정책과에서 **검토 중**입니다.\n\n- 현장 확인\n- 예산 협의")
        page.locator("button[value=preview]").click()
        assert page.locator(".preview-box strong").first.count() == 1
        assert "현장 확인" in page.locator(".preview-box").inner_text()
    else:
        page.goto(live_server + path.format(**lifecycle_pages))
    if path == "/proposals/{hidden}":
        assert page.locator("h1").inner_text() in ("숨겨진 제안입니다", "This proposal is hidden")
        assert "개인정보가 담겨 있어 숨깁니다." in page.content() and "굵게" not in page.content()
    if path.endswith("{voting}") and who == "voter":
        assert page.locator("input[name=choice]").count() == 2  # the vote form is on the page scanned
    assert page.locator("html").get_attribute("lang") == lang
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    context.close()
