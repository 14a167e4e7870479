"""A newcomer's journey in headless Chromium, in Korean then English, with and without JavaScript."""
import re
import uuid

import pytest

pytestmark = pytest.mark.browser


def html_lang(page):
    return page.locator("html").get_attribute("lang")


class Languages:
    """The language each page of the journey must declare: `at(lang)` checks the page now shown,
    and every page the browser loaded must have been checked, with its own expected language."""

    def __init__(self, page):
        self.page, self.loads, self.checked = page, [], []
        page.on("load", lambda p: self.loads.append(p.url))

    def at(self, lang):
        self.page.wait_for_load_state()
        assert html_lang(self.page) == lang, self.page.url
        self.checked.append((self.page.url, lang))

    def assert_every_page_checked(self):
        self.page.wait_for_load_state()
        assert [url for url, _ in self.checked] == self.loads


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_newcomer_reads_switches_language_registers_signs_in_filters_and_opens_a_proposal(
    browser, live_server, javascript
):
    context = browser.new_context(locale="ko-KR", java_script_enabled=javascript)
    page = context.new_page()
    langs = Languages(page)

    # Home in Korean, with the real data counted.
    page.goto(live_server + "/")
    langs.at("ko")
    assert page.get_by_role("link", name="정책 제안").first.is_visible()
    counted = int(page.locator(".count-list strong").first.inner_text().replace(",", ""))
    assert counted >= 4336  # every imported proposal, plus any that other journeys created
    assert page.locator(".dong-list li").count() == 21

    # Switch to English: the same page comes back in English, and stays English.
    page.get_by_role("link", name="English").click()
    langs.at("en")
    assert page.url == live_server + "/"
    assert page.get_by_role("heading", name="Latest proposals").is_visible()

    # Register.
    email = f"newcomer-{uuid.uuid4().hex[:8]}@example.com"
    page.get_by_role("link", name="Register").click()
    langs.at("en")
    page.get_by_label("Email").fill(email)
    page.locator("#password").fill("sunflower 2026")
    page.get_by_label("Password again").fill("sunflower 2026")
    page.get_by_label("Display name").fill("Nguyen Van An")
    page.get_by_label("English").check()
    page.locator("label[for=consent]").click()  # KRDS draws the box on the label
    assert page.get_by_label("I agree to the collection").is_checked()
    page.get_by_role("button", name="Create account").click()
    langs.at("en")
    assert "Welcome, Nguyen Van An" in page.locator(".flash-area").inner_text()

    # Sign out and sign in again.
    page.get_by_role("button", name="Sign out").click()
    langs.at("en")
    page.get_by_role("link", name="Sign in").click()
    langs.at("en")
    page.get_by_label("Email").fill(email)
    page.locator("#password").fill("sunflower 2026")
    page.get_by_role("button", name="Sign in").click()
    langs.at("en")
    assert "You are signed in." in page.locator(".flash-area").inner_text()

    # Filter the list: adopted proposals, most supported first.
    page.get_by_role("link", name="Policy proposals").first.click()
    langs.at("en")
    page.get_by_label("Status").select_option("adopted")
    page.get_by_label("Sort by").select_option("supported")
    page.get_by_role("button", name="Apply filters").click()
    langs.at("en")
    assert re.search(r"status=adopted", page.url)
    assert "334 proposals" in page.locator(".result-count").inner_text()
    assert page.locator(".proposal-card .krds-badge").first.inner_text() == "Adopted"

    # Page 2 keeps the filters and the language.
    page.get_by_role("link", name="Next").click()
    langs.at("en")
    assert "status=adopted" in page.url and "page=2" in page.url

    # Open a proposal: its source is shown.
    page.locator(".proposal-title a").first.click()
    langs.at("en")
    assert re.search(r"/proposals/\d+$", page.url)
    assert page.get_by_text("Seoul Open Data Plaza", exact=False).count() >= 1
    assert "민주주의 서울" in page.locator(".source-box").inner_text()

    # And back to Korean from the detail page, which stays on the same proposal.
    detail_url = page.url
    page.get_by_role("link", name="한국어").click()
    langs.at("ko")
    assert page.url == detail_url

    # Korean sticks for the signed-in account: the list and the account page come back in Korean.
    page.get_by_role("link", name="정책 제안").first.click()
    langs.at("ko")
    page.get_by_role("link", name="내 정보").click()
    langs.at("ko")

    langs.assert_every_page_checked()
    assert len(langs.checked) == 14
    context.close()


def test_pages_fit_a_360px_phone_without_sideways_scrolling(browser, live_server):
    context = browser.new_context(locale="ko-KR", viewport={"width": 360, "height": 740})
    page = context.new_page()
    for path in ["/", "/proposals/", "/proposals/?status=adopted", "/auth/register", "/auth/login", "/about",
                 "/privacy"]:
        page.goto(live_server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide"
        assert page.get_by_role("navigation", name="주 메뉴").is_visible()
    context.close()
