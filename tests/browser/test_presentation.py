"""Presentation in Chromium: admin pages on a 360 px phone, the banner, Markdown lists, live support counts."""
import re

import pytest
from playwright.sync_api import expect

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


@pytest.fixture(scope="module")
def open_proposal(live_server, people):
    """Make an open proposal with two supporters: proposal id."""
    def make(title):
        from app.extensions import db
        from app.models import Category, User
        from app.services import proposals as service

        author = people("look-author@example.com", name="한가람")
        fans = [people(f"look-fan{i}@example.com") for i in range(2)]
        with live_server.app.app_context():
            def user(email):
                return db.session.query(User).filter_by(email=email).one()

            category = db.session.query(Category).filter_by(slug="health-welfare").one()
            proposal = service.create_proposal(user(author), title=title, category=category,
                                               body="- 첫째 항목\n- 둘째 항목\n\n1. 하나\n2. 둘")
            db.session.commit()
            for email in fans:
                service.support_proposal(user(email), proposal)
                db.session.commit()
            proposal_id = proposal.id
            db.session.remove()
        return proposal_id

    return make


@pytest.mark.parametrize("lang, support", [("ko", "공감하기"), ("en", "Support")])
def test_supporting_with_javascript_updates_every_count_and_presses_the_button(
        browser, live_server, people, open_proposal, lang, support):
    proposal_id = open_proposal(f"공감 버튼 화면 점검 ({lang})")
    context, page = sign_in(browser, live_server, people(f"look-reader-{lang}@example.com", locale=lang), lang)
    page.goto(live_server + f"/proposals/{proposal_id}")
    button = page.locator(".support-button")
    hint = page.locator("[data-support-hint]")
    assert page.locator("[data-support-count]").all_inner_texts() == ["2", "2"]  # header fact, support box
    assert button.locator("[aria-hidden=true]").inner_text() == support and hint.is_hidden()

    page.evaluate("window.notReloaded = true")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.notReloaded === true")
    assert page.locator("[data-support-count]").all_inner_texts() == ["3", "3"]
    # A toggle: the same label, pressed, and the hint says how to withdraw.
    assert button.locator("[aria-hidden=true]").inner_text() == support and hint.is_visible()
    assert page.get_by_role("button", name=re.compile("^" + re.escape(support) + ", "), pressed=True).count() == 1
    after_js = (button.inner_html(), hint.inner_text())

    page.reload()  # the page the server renders says the same
    assert (button.inner_html(), hint.inner_text()) == after_js
    assert page.locator("[data-support-count]").all_inner_texts() == ["3", "3"]

    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    assert page.locator("[data-support-count]").all_inner_texts() == ["2", "2"]
    assert button.locator("[aria-hidden=true]").inner_text() == support and hint.is_hidden()
    context.close()


# Each word of an element's text as a Range: a word split across two lines has two client rects.
SPLIT_WORDS = """(el) => { const node = el.firstChild, text = node.textContent, split = [];
  for (const m of text.matchAll(/\\S+/g)) { const r = document.createRange(); r.setStart(node, m.index);
    r.setEnd(node, m.index + m[0].length); if (r.getClientRects().length > 1) split.push(m[0]); }
  return split; }"""


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_government_banner_wraps_between_words_on_a_360px_phone(browser, live_server, lang):
    context = browser.new_context(locale="ko-KR", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(live_server + f"/lang/{lang}?next=/")
    banner = page.locator("#krds-masthead .nuri-txt")
    assert banner.evaluate(SPLIT_WORDS) == []
    assert banner.evaluate("el => getComputedStyle(el).wordBreak") != "break-all"
    context.close()


def test_markdown_lists_keep_their_bullets_and_numbers_in_the_body_and_the_answer(browser, live_server, people,
                                                                                  open_proposal):
    from app.extensions import db
    from app.models import Proposal, User
    from app.services import proposals as service

    proposal_id = open_proposal("목록 모양 점검용 제안입니다")
    admin = people("look-admin@example.com", role="admin")
    more = [people(f"look-more{i}@example.com") for i in range(3)]  # the fifth sends it to review
    with live_server.app.app_context():
        for email in more:
            service.support_proposal(db.session.query(User).filter_by(email=email).one(),
                                     db.session.get(Proposal, proposal_id))
            db.session.commit()
        service.answer_proposal(db.session.query(User).filter_by(email=admin).one(), db.session.get(Proposal, proposal_id),
                                decision="accepted", body="검토 결과:\n\n- 예산 반영\n- 내년 시행")
        db.session.commit()
        db.session.remove()
    context = browser.new_context(locale="ko-KR", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(live_server + f"/proposals/{proposal_id}")
    marker = "el => [getComputedStyle(el).display, getComputedStyle(el).listStyleType]"
    assert page.locator(".proposal-body ul > li").first.evaluate(marker) == ["list-item", "disc"]
    assert page.locator(".proposal-body ol > li").first.evaluate(marker) == ["list-item", "decimal"]
    assert page.locator(".answer ul > li").first.evaluate(marker) == ["list-item", "disc"]
    # The bullet sits inside the box, not past its left edge.
    body_left = page.locator(".proposal-body").evaluate("el => el.getBoundingClientRect().left")
    assert page.locator(".proposal-body ul").evaluate("el => parseFloat(getComputedStyle(el).paddingLeft)") > 0
    assert page.locator(".proposal-body ul > li").first.evaluate("el => el.getBoundingClientRect().left") > body_left
    context.close()
