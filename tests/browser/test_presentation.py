"""Presentation in Chromium: admin pages on a 360 px phone, the banner, Markdown lists, live support counts."""
import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

ADMIN_PAGES = ["/admin/users", "/admin/rules", "/admin/divisions", "/admin/notifications", "/admin/reports",
               "/admin/conferences", "/staff/"]

# The widest element outside a scrolling table region, to say what pushes the page past the viewport.
WIDEST = """() => { let w = null; for (const el of document.querySelectorAll('body *')) {
  if (el.closest('.krds-table-wrap')) continue;
  const r = el.getBoundingClientRect(); if (r.right > 360 && (!w || r.right > w.r)) w = {r: r.right, tag: el.tagName,
  cls: el.className, text: (el.innerText || '').slice(0, 40)}; } return w; }"""


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_admin_pages_fit_a_360px_phone_without_sideways_scrolling(browser, live_server, people, lang):
    admin = people(f"narrow-admin-{lang}@example.com", role="admin", division_name="복지정책과", locale=lang)
    context, page = sign_in(browser, live_server, admin, lang)
    page.set_viewport_size({"width": 360, "height": 740})
    too_wide = []
    for path in ADMIN_PAGES:
        page.goto(live_server + path)
        assert page.evaluate("document.documentElement.lang") == lang
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            too_wide.append(f"{path} is {width}px wide: {page.evaluate(WIDEST)}")
        # A table wider than the phone scrolls in a region a keyboard can reach and a screen reader names.
        for wrap in page.locator(".krds-table-wrap").all():
            if wrap.evaluate("el => el.scrollWidth > el.clientWidth"):
                caption = wrap.locator("caption").inner_text()
                assert wrap.get_attribute("tabindex") == "0", path
                assert page.get_by_role("region", name=caption, exact=True).count() == 1, path
    assert too_wide == [], "\n".join(too_wide)
    context.close()
