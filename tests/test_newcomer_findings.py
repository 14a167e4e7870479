"""What a newcomer found by using the portal: typed text never lost, page text that follows the
rules in force, and the support box after the support stage."""
import html as html_lib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.models import Comment, SpecialPeriod, StaffMembership
from app.services import comments
from app.services import proposals as service
from app.services.rules import current_rules
from tests.conftest import PASSWORD, FormClient, csrf_from


def text_of(response):
    return html_lib.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("locale, message", [("en", "A comment can be at most 3,000 characters."),
                                             ("ko", "의견은 3,000자까지")])
def test_a_refused_reply_comes_back_as_a_reply_to_the_same_comment_with_its_text(
        db, proposal, residents, forms, login_as, locale, message):
    first = comments.add_comment(residents(1)[0], proposal, "급식소 위치가 어디인가요?")
    db.session.commit()
    replier = residents(1, locale=locale)[0]
    login_as(replier)
    too_long = "답글입니다. " * 500  # 3,500 characters
    response = forms.submit(f"/proposals/{proposal.id}", {"body": too_long, "parent_id": str(first.id)},
                            action=f"/proposals/{proposal.id}/comments")
    html = text_of(response)
    assert response.status_code == 400 and message in html
    assert too_long.strip() in html
    form = html.split('class="comment-form"', 1)[1].split("</form>", 1)[0]
    assert f'<input type="hidden" name="parent_id" value="{first.id}">' in form
    assert f'href="#comment-{first.id}"' in form
    # Shortened and sent again from that form, it is a reply, not a new opinion.
    forms.submit(f"/proposals/{proposal.id}", {"body": "답글입니다.", "parent_id": str(first.id)},
                 action=f"/proposals/{proposal.id}/comments")
    reply = db.session.execute(select(Comment).filter_by(body="답글입니다.")).scalar_one()
    assert reply.parent_id == first.id


def test_reply_boxes_stop_at_the_limit_too(db, proposal, residents, client, login_as):
    comments.add_comment(residents(1)[0], proposal, "첫 의견입니다.")
    db.session.commit()
    login_as(residents(1)[0])
    client.get(f"/proposals/{proposal.id}")
    html = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert re.search(r'<textarea id="reply-\d+" name="body" class="krds-input" rows="3" maxlength="3000" required>', html)
    assert re.search(r'<textarea id="body" name="body" class="krds-input" rows="4" maxlength="3000"', html)


@pytest.mark.parametrize("locale, message", [("en", "This proposal no longer takes opinions."),
                                             ("ko", "더 이상 의견을 받지 않습니다")])
def test_an_opinion_sent_as_the_proposal_stops_taking_them_is_given_back(db, proposal, residents, forms, login_as,
                                                                        locale, message):
    reader = residents(1, locale=locale)[0]
    login_as(reader)
    page = f"/proposals/{proposal.id}"
    forms.client.get(page)
    token_page = forms.client.get(page).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', token_page).group(1)
    service.withdraw_proposal(db.session.merge(proposal).author, db.session.merge(proposal))
    db.session.commit()
    response = forms.client.post(f"{page}/comments", data={"csrf_token": token, "body": "늦게 도착한 의견입니다."})
    html = text_of(response)
    assert response.status_code == 400 and message in html
    assert re.search(r'<textarea id="body" class="krds-input" rows="4" readonly>늦게 도착한 의견입니다.</textarea>', html)
    assert db.session.execute(select(Comment).filter_by(body="늦게 도착한 의견입니다.")).first() is None


def test_a_staff_answer_refused_because_the_mayor_already_answered_keeps_its_text(
        db, proposal, residents, make_user, forms, login_as):
    office = service.mayor_office()
    officer = make_user("mayor-office@example.com", role="staff", locale="en")
    db.session.add(StaffMembership(user=officer, division=office))
    proposal.mayor_requested_at = datetime.now(UTC)
    db.session.commit()
    login_as(officer)
    page = f"/staff/proposals/{proposal.id}"
    forms.client.get(page)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', forms.client.get(page).get_data(as_text=True))
    service.answer_as_mayor(officer, db.session.merge(proposal), decision="accepted", body="먼저 도착한 답변입니다.")
    db.session.commit()
    response = forms.client.post(f"{page}/answer", data={
        "csrf_token": token.group(1), "decision": "accepted", "as": "mayor", "action": "submit",
        "body": "두 번째로 쓴 구청장 답변입니다."})
    html = text_of(response)
    assert response.status_code == 409 and "The Mayor has already answered this proposal." in html
    assert "두 번째로 쓴 구청장 답변입니다." in html and "readonly" in html


def test_a_conference_refused_for_the_proposals_state_keeps_the_title_agenda_and_minutes(
        db, proposal, make_user, forms, login_as):
    admin = make_user("admin@example.com", role="admin", locale="ko")
    login_as(admin)
    page = f"/admin/proposals/{proposal.id}"
    response = forms.submit(page, {"title": "2026 상반기 정책토론회", "held_on": "2026-06-01",
                                   "agenda": "급식소 확대 논의", "minutes": "참석자 12명"},
                            action=f"{page}/conference")
    html = text_of(response)
    assert response.status_code == 409 and "바꿀 수 없습니다" in html
    for typed in ("2026 상반기 정책토론회", "급식소 확대 논의", "참석자 12명"):
        assert typed in html
    db.session.refresh(proposal)
    assert proposal.status == "open" and proposal.conference_id is None


@pytest.mark.parametrize("locale", ["en", "ko"])
def test_the_list_and_the_form_say_the_rules_in_force(db, client, residents, login_as, locale):
    rules = current_rules()
    rules.review_threshold, rules.mayor_threshold, rules.answer_days, rules.use_business_days = 7, 250, 10, True
    db.session.commit()
    client.set_cookie("madang_lang", locale)
    listing = text_of(client.get("/proposals/", headers={"Accept-Language": locale}))
    login_as(residents(1, locale=locale)[0])
    form = text_of(client.get("/proposals/new"))
    if locale == "en":
        assert ("at 7 supporters the division in charge reviews the proposal and answers within 10 business days "
                "(weekends and public holidays not counted), and at 250 the Mayor answers too.") in listing
        assert "At 7 supporters your proposal goes to the division in charge, which answers within 10 business days" in form
    else:
        assert "7명이 공감하면 담당 부서가 검토하여 10 근무일(주말·공휴일 제외) 안에 답변하며, 250명이 공감하면 구청장도" in listing
        assert "7명이 공감하면 제안이 담당 부서로 넘어가고, 부서는 10 근무일(주말·공휴일 제외) 안에 답변합니다" in form
    assert "5 supporters" not in listing and "15 days" not in listing and "15일" not in listing


def test_during_a_special_period_the_form_says_proposals_go_straight_to_review(db, client, residents, login_as):
    today = datetime.now(UTC).date()
    db.session.add(SpecialPeriod(title_ko="주민참여 집중 기간", title_en="Participation fortnight",
                                 starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=13)))
    db.session.commit()
    login_as(residents(1, locale="en")[0])
    form = text_of(client.get("/proposals/new"))
    assert "Special participation period “Participation fortnight” until" in form
    assert "every new proposal goes straight to the division in charge, which answers within 15 days." in form
    assert "At 5 supporters your proposal" not in form


def test_after_the_support_stage_a_supporter_is_told_they_supported_and_gets_no_button(
        db, proposal, residents, client, login_as):
    supporter = residents(1, locale="en")[0]
    service.support_proposal(supporter, proposal)
    db.session.commit()
    login_as(supporter)
    client.get(f"/proposals/{proposal.id}")
    html = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert 'aria-pressed="true"' in html  # open: pressing again withdraws
    proposal = db.session.merge(proposal)
    proposal.status = "answered"
    db.session.commit()
    html = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "You supported this proposal." in html
    assert "support-button" not in html and "Press again to withdraw" not in html


@pytest.mark.parametrize("count, words", [(1, "1</strong> <span data-support-word>supporter</span>"),
                                          (2, "2</strong> <span data-support-word>supporters</span>")])
def test_the_support_box_says_supporter_for_one_in_english(db, proposal, residents, client, count, words):
    for person in residents(count):
        service.support_proposal(person, proposal)
    db.session.commit()
    client.set_cookie("madang_lang", "en")
    assert words in client.get(f"/proposals/{proposal.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_the_sympathy_that_starts_the_review_tells_the_page_to_reload(app, db, proposal, residents, client):
    for person in residents(4):
        service.support_proposal(person, proposal)
    db.session.commit()
    fifth, sixth = residents(2, locale="en")
    page = f"/proposals/{proposal.id}"

    def support_with_javascript(person):  # each in their own browser (IsolatedClient, from `client`)
        browser = FormClient(app.test_client())
        browser.submit("/auth/login", {"email": person.email, "password": PASSWORD})
        browser.client.get(page)
        token = csrf_from(browser.client.get(page).get_data(as_text=True))
        return browser, browser.client.post(f"{page}/support", data={"csrf_token": token, "action": "support"},
                                            headers={"Accept": "application/json"})

    browser, response = support_with_javascript(fifth)
    data = response.get_json()
    assert response.status_code == 200 and data["reload"] is True and data["count"] == 5
    assert data["count_word"] == "supporters"
    # The reloaded page shows the message and the review.
    html = browser.client.get(page).get_data(as_text=True)
    assert "Thank you for your support." in html and "Division review" in html
    _, sixth_response = support_with_javascript(sixth)
    assert sixth_response.get_json()["reload"] is False and sixth_response.get_json()["count"] == 6


def test_the_same_opinion_sent_twice_is_posted_once(db, proposal, residents, forms, login_as):
    login_as(residents(1)[0])
    page = f"/proposals/{proposal.id}"
    first = forms.submit(page, {"body": "두 번 눌러도 한 번만"}, action=f"{page}/comments")
    second = forms.submit(page, {"body": "두 번 눌러도 한 번만"}, action=f"{page}/comments")
    posted = db.session.execute(select(Comment).filter_by(body="두 번 눌러도 한 번만")).scalars().all()
    assert len(posted) == 1
    assert first.headers["Location"] == second.headers["Location"] == f"{page}#comment-{posted[0].id}"
    # A different text, or the same one later, is a new opinion.
    forms.submit(page, {"body": "두 번째 의견입니다"}, action=f"{page}/comments")
    assert len(db.session.execute(select(Comment).where(Comment.proposal_id == proposal.id)).scalars().all()) == 2


def test_the_same_text_again_after_the_window_is_a_new_opinion(db, proposal, residents):
    author = residents(1)[0]
    early = comments.add_comment(author, proposal, "매주 같은 의견", now=datetime.now(UTC) - timedelta(minutes=3))
    db.session.commit()
    again = comments.add_comment(author, proposal, "매주 같은 의견")
    db.session.commit()
    assert again.id != early.id


def test_hiding_a_hidden_comment_again_is_refused_and_the_first_reason_stays(db, proposal, residents, make_user):
    from app.services import ServiceError

    admin = make_user("admin@example.com", role="admin")
    comment = comments.add_comment(residents(1)[0], proposal, "광고 글입니다")
    comments.hide_comment(admin, comment, "광고성 댓글")
    db.session.commit()
    with pytest.raises(ServiceError, match="이미 숨긴 댓글입니다"):
        comments.hide_comment(admin, comment, "다시 숨김")
    db.session.rollback()
    db.session.refresh(comment)
    assert comment.hidden_reason == "광고성 댓글"


@pytest.mark.parametrize("locale, message", [("en", "This form was already registered as “보라매공원 야간 조명 개선”."),
                                             ("ko", "이 양식은 이미 “보라매공원 야간 조명 개선”(으)로 등록되었습니다.")])
def test_a_registered_form_changed_and_sent_again_keeps_the_new_text_and_can_become_a_new_proposal(
        db, residents, forms, login_as, locale, message):
    from app.models import Proposal

    login_as(residents(1, locale=locale)[0])
    html = forms.client.get("/proposals/new").get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html).group(1)
    data = {"title": "보라매공원 야간 조명 개선", "body": "보라매공원 산책로가 밤에 너무 어둡습니다. 조명을 늘려 주세요.",
            "category": "health-welfare", "dong": "1162052500", "submission_key": key, "action": "submit"}
    assert forms.submit("/proposals/new", data).status_code == 302
    changed = {**data, "title": "보라매공원 화장실 개선", "body": "보라매공원 화장실이 낡았습니다. 새로 고쳐 주세요."}
    response = forms.submit("/proposals/new", changed)
    html = text_of(response)
    assert response.status_code == 400 and message in html
    assert "보라매공원 화장실 개선" in html and "보라매공원 화장실이 낡았습니다." in html
    fresh = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html).group(1)
    assert fresh != key
    assert forms.submit("/proposals/new", {**changed, "submission_key": fresh}).status_code == 302
    titles = db.session.execute(select(Proposal.title).where(Proposal.source.is_(None)).order_by(Proposal.id)).scalars().all()
    assert titles == ["보라매공원 야간 조명 개선", "보라매공원 화장실 개선"]
    # The very same form twice is still one proposal.
    assert forms.submit("/proposals/new", {**changed, "submission_key": fresh}).status_code == 302
    assert len(db.session.execute(select(Proposal.id).where(Proposal.source.is_(None))).scalars().all()) == 2


def test_the_mayors_due_date_is_shown_only_while_the_mayor_owes_the_answer(db, proposal, make_user, client):
    office = service.mayor_office()
    officer = make_user("mayor-desk@example.com", role="staff")
    db.session.add(StaffMembership(user=officer, division=office))
    proposal.mayor_requested_at = datetime.now(UTC)
    proposal.mayor_due_at = datetime.now(UTC) + timedelta(days=15)
    db.session.commit()
    client.set_cookie("madang_lang", "en")
    assert "Mayor's answer due" in text_of(client.get(f"/proposals/{proposal.id}"))
    service.answer_as_mayor(officer, db.session.merge(proposal), decision="accepted", body="구청장 답변입니다.")
    db.session.commit()
    html = text_of(client.get(f"/proposals/{proposal.id}"))
    assert "구청장 답변입니다." in html and "Mayor's answer due" not in html


def test_deleting_a_special_period_twice_says_it_is_gone(db, make_user, forms, login_as):
    admin = make_user("admin@example.com", role="admin", locale="en")
    today = datetime.now(UTC).date()
    period = SpecialPeriod(title_ko="집중 기간", title_en="Focus weeks", starts_on=today, ends_on=today + timedelta(days=7))
    db.session.add(period)
    db.session.commit()
    login_as(admin)
    url = f"/admin/special-periods/{period.id}/delete"
    assert forms.submit("/admin/rules", {}, action=url).status_code == 302
    again = forms.submit("/admin/rules", {}, action=url, follow_redirects=True)
    assert again.status_code == 200
    assert "That special participation period has already been deleted." in text_of(again)


@pytest.mark.parametrize("locale, item", [
    ("en", '">I agree to the collection and use of my personal information as described above</a>: '),
    ("ko", '">위와 같이 개인정보를 수집·이용하는 데 동의합니다</a>: '),
])
def test_a_sentence_label_loses_its_full_stop_before_the_colon_in_the_error_summary(client, locale, item):
    client.set_cookie("madang_lang", locale)
    page = client.get("/auth/register").get_data(as_text=True)
    token = csrf_from(page)
    response = client.post("/auth/register", data={"csrf_token": token, "email": "new@example.com",
                                                   "display_name": "새 주민", "password": "correct horse 42",
                                                   "password2": "correct horse 42", "locale": locale})
    summary = text_of(response).split('class="form-error-summary"', 1)[1].split("</div>", 1)[0]
    assert item in summary


@pytest.mark.parametrize("locale, message", [
    ("en", "This proposal is no longer with your division (it was transferred or hidden), so your answer was not published."),
    ("ko", "이 제안은 더 이상 소속 부서의 업무가 아니므로(이관 또는 숨김), 답변이 공개되지 않았습니다."),
])
def test_an_answer_to_a_proposal_transferred_away_meanwhile_is_given_back(db, proposal, make_user, client, welfare,
                                                                          locale, message):
    from app.models import Division

    officer = make_user("welfare-officer@example.com", role="staff", locale=locale)
    db.session.add(StaffMembership(user=officer, division=welfare.default_division))
    admin = make_user("admin@example.com", role="admin")
    db.session.commit()
    browser = FormClient(client)
    browser.submit("/auth/login", {"email": officer.email, "password": PASSWORD})
    page = f"/staff/proposals/{proposal.id}"
    browser.client.get(page)
    token = csrf_from(browser.client.get(page).get_data(as_text=True))
    other = db.session.execute(select(Division).filter_by(name_ko="어르신지원과")).scalar_one()
    service.transfer_proposal(admin, db.session.merge(proposal), other, "어르신 소관입니다.")
    db.session.commit()
    response = browser.client.post(f"{page}/answer", data={"csrf_token": token, "decision": "accepted",
                                                           "action": "submit", "body": "복지정책과의 답변 초안입니다."})
    html = text_of(response)
    assert response.status_code == 409 and message in html
    assert "복지정책과의 답변 초안입니다." in html
    # Without a valid token nothing is echoed: the page is simply not found.
    forged = browser.client.post(f"{page}/answer", data={"decision": "accepted", "body": "위조된 글"})
    assert forged.status_code in (400, 404) and "위조된 글" not in forged.get_data(as_text=True)
