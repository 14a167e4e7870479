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
    """A proposal under review with a comment, and the accounts that see every new page."""
    from app.extensions import db
    from app.models import Category, User
    from app.services import comments
    from app.services import proposals as service

    resident = people("axe-resident@example.com", name="이서연")
    people("axe-staff@gwanak.example", role="staff", division_name="복지정책과")
    people("axe-admin@example.com", role="admin")
    supporters = [people(f"axe-s{i}@example.com") for i in range(5)]
    with live_server.app.app_context():
        author = db.session.query(User).filter_by(email=resident).one()
        category = db.session.query(Category).filter_by(slug="health-welfare").one()
        proposal = service.create_proposal(author, title="접근성 점검용 제안입니다", body="**굵게** 쓴 본문과\n\n- 목록\n- 항목",
                                           category=category)
        db.session.commit()
        for email in supporters:
            service.support_proposal(db.session.query(User).filter_by(email=email).one(), proposal)
            db.session.commit()
        comments.add_comment(author, proposal, "첫 의견입니다.")
        db.session.commit()
        proposal_id = proposal.id
        db.session.remove()
    return {"id": proposal_id, "resident": resident, "staff": "axe-staff@gwanak.example",
            "admin": "axe-admin@example.com"}


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("who, path", [
    ("resident", "/proposals/new"), ("resident", "PREVIEW"), ("resident", "/proposals/{id}"),
    ("resident", "/account/activity"), ("resident", "/notifications/"), ("resident", "/account/"),
    ("staff", "/staff/"), ("staff", "/staff/proposals/{id}"),
    ("admin", "/admin/rules"), ("admin", "/admin/proposals/{id}"), ("admin", "/admin/reports"),
    ("admin", "/admin/notifications"), ("admin", "/admin/users"),
])
def test_no_axe_violations_on_signed_in_pages(browser, live_server, axe, lifecycle_pages, lang, who, path):
    from tests.browser.conftest import sign_in

    context, page = sign_in(browser, live_server, lifecycle_pages[who], lang)
    if path == "PREVIEW":
        page.goto(live_server + "/proposals/new")
        page.locator("#title").fill("미리 보기 점검용 제안")
        page.locator("#body").fill("미리 보기 화면의 접근성을 점검하는 본문입니다.")
        page.locator("#category").select_option("jobs")
        page.locator("button[value=preview]").click()
        assert page.locator(".preview-box").count() == 1
    else:
        page.goto(live_server + path.format(id=lifecycle_pages["id"]))
    assert page.locator("html").get_attribute("lang") == lang
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()
    context.close()
