"""axe-core (bundled with axe-playwright-python, no download) finds no violations, in both languages."""
import pytest

pytestmark = pytest.mark.browser

PAGES = ["/", "/proposals/", "/proposals/?status=adopted&sort=supported", "/auth/register", "/auth/login", "/about"]


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
