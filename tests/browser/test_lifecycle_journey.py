"""A proposal's life in Chromium, in Korean and in English: propose, five supporters (the last by
keyboard only), the division answers from its inbox, the author reads it on the timeline and the bell."""
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

TEXT = {
    "ko": {"propose": "정책 제안하기", "preview": "미리 보기", "register": "제안 등록하기", "inbox": "부서 업무함",
           "publish": "답변 공개하기", "accepted": "수용", "timeline": "진행 경과", "bell": "알림",
           "answer_notice": "[답변 완료] {title}", "review_notice": "[부서 검토] {title}",
           "answered_event": re.compile(r"복지정책과\S*\s*답변"), "thanks": "공감해 주셔서 감사합니다.",
           "in_review": "부서 검토"},
    "en": {"propose": "Propose a policy", "preview": "Preview", "register": "Register the proposal",
           "inbox": "Division inbox", "publish": "Publish the answer", "accepted": "Accepted", "timeline": "Timeline",
           "bell": "Notifications", "answer_notice": "[Answered] {title}", "review_notice": "[Division review] {title}",
           "answered_event": re.compile(r"Welfare Policy Division answered"), "thanks": "Thank you for your support.",
           "in_review": "Division review"},
}

# Set before a click; still there afterwards only if the page was not reloaded.
MARK = "() => { window.__sameDocument = 'kept'; }"
STILL_MARKED = "() => window.__sameDocument"


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_proposal_goes_from_a_resident_to_the_divisions_answer(browser, live_server, people, lang):
    t = TEXT[lang]
    run = uuid.uuid4().hex[:6]
    author = people(f"author-{run}@example.com", locale=lang, name="김민수")
    supporters = [people(f"s{i}-{run}@example.com", locale=lang) for i in range(5)]
    officer = people(f"officer-{run}@gwanak.example", role="staff", division_name="복지정책과", locale=lang,
                     name="복지 담당자")

    # The resident proposes, previews, registers.
    context, page = sign_in(browser, live_server, author, lang)
    page.goto(live_server + "/proposals/")
    page.get_by_role("link", name=t["propose"]).click()
    title = f"경로당 냉방비 지원 확대 {run}"
    page.locator("#title").fill(title)
    page.locator("#body").fill("여름철 **경로당** 냉방비가 부족합니다.\n\n- 지원 단가 인상\n- 지원 기간 연장")
    page.locator("#category").select_option("health-welfare")
    page.get_by_role("button", name=t["preview"]).click()
    assert page.locator(".preview-box strong").first.inner_text() == "경로당"
    page.get_by_role("button", name=t["register"]).click()
    assert re.search(r"/proposals/\d+$", page.url)
    proposal_url = page.url
    context.close()

    # Four residents support it with the mouse (JavaScript updates the page without a reload).
    for email in supporters[:4]:
        context, page = sign_in(browser, live_server, email, lang)
        page.goto(proposal_url)
        button = page.locator(".support-button")
        assert button.get_attribute("aria-pressed") == "false"
        page.evaluate(MARK)
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
        assert page.evaluate(STILL_MARKED) == "kept"  # updated in place: no reload, no new page
        context.close()

    # The fifth uses the keyboard only.
    context, page = sign_in(browser, live_server, supporters[4], lang)
    page.goto(proposal_url)
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('support-button')"):
            break
    else:
        pytest.fail("the support button cannot be reached with Tab")
    name_before = page.evaluate("() => document.activeElement.innerText")
    page.evaluate(MARK)
    # The fifth sends it to the division's review: more than the count changes, so the page reloads
    # and shows the proposal as it is now, with the thanks.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate(STILL_MARKED) is None
    expect(page.locator(".support-button")).to_have_attribute("aria-pressed", "true")
    assert page.locator("[data-support-count]").all_inner_texts() == ["5", "5"]  # the header fact too
    assert t["thanks"] in page.locator(".flash").inner_text()
    assert t["in_review"] in page.locator(".krds-badge.status-in_review").first.inner_text()
    assert name_before
    context.close()

    # The division's officer finds it in the inbox and answers, with a preview.
    context, page = sign_in(browser, live_server, officer, lang)
    page.get_by_role("link", name=t["inbox"]).first.click()
    page.get_by_role("link", name=title).click()
    page.get_by_label(t["accepted"], exact=True).check(force=True)
    page.locator("#body").fill("복지정책과에서 검토한 결과, 내년 예산에 냉방비 지원 확대를 반영하겠습니다.")
    page.get_by_role("button", name=t["preview"]).click()
    assert "냉방비 지원 확대를 반영" in page.locator(".preview-box").inner_text()
    page.get_by_role("button", name=t["publish"]).click()
    assert page.url == proposal_url
    context.close()

    # The author sees the answer on the timeline and in the bell.
    context, page = sign_in(browser, live_server, author, lang)
    page.goto(proposal_url)
    assert "냉방비 지원 확대를 반영" in page.locator(".answers").inner_text()
    # The timeline's newest entry is the division's answer.
    assert t["answered_event"].search(page.locator(".timeline li").last.inner_text())
    bell = page.locator(".bell-count").inner_text()
    assert int(bell) >= 2  # the review and the answer
    page.get_by_role("link", name=re.compile(t["bell"])).first.click()
    notices = page.locator(".notification-list li a").all_inner_texts()
    # The answer's own notice, newest first, above the earlier review notice (which also names the title).
    assert notices[:2] == [t["answer_notice"].format(title=title), t["review_notice"].format(title=title)]
    context.close()
