"""Follow-ups of the proposal lifecycle: the Mayor's own deadline, who acted on the timeline,
unhiding, conference minutes, the admin pages over HTTP, following, and the support button's name."""
import json
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.models import (
    AuditEntry,
    Notification,
    PolicyConference,
    Proposal,
    ProposalEvent,
    SpecialPeriod,
    StaffMembership,
)
from app.services import ServiceError
from app.services import proposals as service
from app.services.deadlines import send_deadline_reminders
from app.services.inbox_staff import overdue_by_division
from app.services.rules import answer_due_at, current_rules

SEOUL = ZoneInfo("Asia/Seoul")
STAFF_NAME = "홍길동"  # a staff member's personal name: it must never reach the public page
ADMIN_NAME = "박관리"


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


# --- 1. the Mayor's answer has its own deadline: inbox, reminders, overdue count -----------------

def test_the_mayors_office_sees_in_its_inbox_the_proposals_that_owe_the_mayors_answer(
    db, proposal, residents, staff, mayor_staff, client, login_as
):
    reached = datetime.now(UTC) - timedelta(days=20)  # the Mayor's deadline has passed
    to_mayor(db, proposal, residents, now=reached)
    assert proposal.mayor_due_at == answer_due_at(reached, current_rules())
    login_as(mayor_staff)
    html = client.get("/staff/").get_data(as_text=True)
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*어르신 무료 급식소 확대(?:(?!</tr>).)*</tr>", html, re.S).group(0)
    assert 'class="is-overdue"' in row and "구청장 답변" in row and "구청장실" in row
    assert proposal.mayor_due_at.astimezone(SEOUL).strftime("%Y. %-m. %-d.") in row
    # The division answering does not settle the Mayor's answer; the Mayor answering does.
    service.answer_proposal(staff, proposal, decision="accepted", body="복지정책과에서 검토하여 수용합니다.")
    db.session.commit()
    assert "어르신 무료 급식소 확대" in client.get("/staff/").get_data(as_text=True)
    service.answer_as_mayor(mayor_staff, proposal, decision="accepted", body="구청장으로서 추진하겠습니다.")
    db.session.commit()
    assert "어르신 무료 급식소 확대" not in client.get("/staff/").get_data(as_text=True)


def test_a_proposal_below_the_mayors_threshold_is_not_in_the_mayors_office_inbox(
    db, proposal, residents, mayor_staff, client, login_as
):
    support_n(db, proposal, residents(5))  # in review, but the Mayor owes nothing
    login_as(mayor_staff)
    assert "어르신 무료 급식소 확대" not in client.get("/staff/").get_data(as_text=True)


def test_the_mayors_office_is_reminded_d3_d1_and_overdue_on_the_mayors_own_deadline(
    db, proposal, residents, staff, mayor_staff, admin
):
    reached = datetime(2026, 3, 1, 0, 30, tzinfo=SEOUL)
    to_mayor(db, proposal, residents, now=reached)
    due = proposal.mayor_due_at
    assert due == datetime(2026, 3, 16, 23, 59, 59, tzinfo=SEOUL)
    office = service.mayor_office()

    def office_rows(event):
        return db.session.execute(select(Notification).filter_by(event=event, recipient_division_id=office.id)
                                  ).scalars().all()

    send_deadline_reminders(now=due - timedelta(days=4))
    assert office_rows("mayor_deadline.d3") == []  # not yet
    for when, event in ((due - timedelta(days=3), "mayor_deadline.d3"), (due - timedelta(hours=12), "mayor_deadline.d1"),
                        (due + timedelta(seconds=1), "mayor_deadline.overdue")):
        send_deadline_reminders(now=when)
        rows = office_rows(event)
        assert [(r.channel, r.address) for r in rows] == [("email", "mayor@gwanak.example")]
        assert sorted(n.channel for n in rows_for(db, mayor_staff, event)) == ["email", "inapp"]
        send_deadline_reminders(now=when + timedelta(minutes=1))  # the next minute's tick adds nothing
        assert len(office_rows(event)) == 1
    # Overdue also goes to the platform officer.
    assert sorted(n.channel for n in rows_for(db, admin, "mayor_deadline.overdue")) == ["email", "inapp"]


def test_once_the_mayor_has_answered_no_reminder_is_owed(db, proposal, residents, staff, mayor_staff):
    reached = datetime(2026, 3, 1, 0, 30, tzinfo=SEOUL)
    to_mayor(db, proposal, residents, now=reached)
    service.answer_as_mayor(mayor_staff, proposal, decision="considering", body="구청장으로서 검토하겠습니다.")
    db.session.commit()
    send_deadline_reminders(now=proposal.mayor_due_at + timedelta(days=1))
    assert db.session.execute(select(Notification).where(Notification.event.like("mayor_deadline.%"))
                              ).scalars().all() == []


def test_the_mayors_reminder_email_names_the_mayors_deadline(db, proposal, residents, staff, mayor_staff, smtp, run_jobs):
    reached = datetime(2026, 3, 1, 0, 30, tzinfo=SEOUL)
    to_mayor(db, proposal, residents, now=reached)
    smtp.messages.clear()
    send_deadline_reminders(now=proposal.mayor_due_at + timedelta(seconds=1))
    run_jobs()
    to_office = [m for m in smtp.messages if m["To"] == "mayor@gwanak.example"
                 and "구청장 답변 기한 초과" in m["Subject"]]
    assert len(to_office) == 1
    text = to_office[0].get_body(("plain",)).get_content()
    assert "이 제안의 구청장 답변 기한이 지났습니다." in text and "2026. 3. 16. 23:59" in text


def test_the_admin_overview_counts_the_mayors_overdue_answers_under_the_mayors_office(
    db, proposal, residents, staff, mayor_staff, client, login_as, admin
):
    now = datetime.now(UTC)
    to_mayor(db, proposal, residents, now=now - timedelta(days=20))
    service.answer_proposal(staff, proposal, decision="accepted", body="복지정책과에서 검토하여 수용합니다.")
    db.session.commit()
    by_name = {row["division"].name_ko: row for row in overdue_by_division(now)}
    assert (by_name["구청장실"]["in_review"], by_name["구청장실"]["overdue"], by_name["구청장실"]["mayor_owed"]) == (1, 1, 1)
    assert (by_name["복지정책과"]["in_review"], by_name["복지정책과"]["overdue"]) == (0, 0)  # it has answered
    login_as(admin)
    html = client.get("/staff/").get_data(as_text=True)
    assert "구청장 답변 1건 포함" in html
    service.answer_as_mayor(admin, proposal, decision="accepted", body="구청장으로서 추진하겠습니다.")
    db.session.commit()
    by_name = {row["division"].name_ko: row for row in overdue_by_division(now)}
    assert (by_name["구청장실"]["in_review"], by_name["구청장실"]["overdue"]) == (0, 0)


# --- 2. the timeline says what, when and by whom -------------------------------------------------

def timeline(html):
    return re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S).group(1)


def walk_to_completion(db, proposal, residents, staff, admin, after_answer=None):
    support_n(db, proposal, residents(5))
    service.answer_proposal(staff, proposal, decision="accepted", body="복지정책과에서 검토하여 수용합니다.")
    if after_answer:
        after_answer()
    conference = service.create_conference(admin, title="2026 상반기 정책토론회", held_on=date(2026, 6, 1))
    service.send_to_conference(admin, proposal, conference)
    now = datetime.now(UTC)
    service.open_vote(admin, proposal, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7))
    db.session.commit()
    for person in residents(2):
        service.cast_vote(person, proposal, "yes")
    service.close_vote(admin, proposal)
    service.start_implementation(staff, proposal)
    service.complete_proposal(staff, proposal, "급식소 2곳을 새로 열었습니다.")
    db.session.commit()


def test_every_timeline_line_names_who_acted_by_role_and_never_a_staff_members_name(
    db, proposal, residents, staff, admin, client
):
    from app.services import comments

    # With an official comment by the officer on the way: it is signed by the division too.
    walk_to_completion(db, proposal, residents, staff, admin,
                       after_answer=lambda: comments.add_comment(staff, proposal, "추진 경과를 알려 드립니다."))
    html = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    lines = timeline(html)
    for line in ("주민이 제안했습니다", "공감 기준에 이르러 복지정책과에 자동으로 검토를 요청했습니다", "복지정책과에서 답변했습니다",
                 "관리자가 정책토론회 “2026 상반기 정책토론회”에 상정했습니다", "관리자가 주민 투표를 시작했습니다",
                 "관리자가 투표를 마감하고 개표했습니다: 채택", "복지정책과에서 추진을 시작했습니다",
                 "복지정책과에서 완료하고 결과를 공개했습니다"):
        assert line in lines, line
    assert "상태가" not in lines  # no line without its actor
    for name in (STAFF_NAME, "홍*동", ADMIN_NAME, "박*리"):
        assert name not in html
    english = timeline(client.get(f"/proposals/{proposal.id}", headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert "Welfare Policy Division started carrying it out" in english
    assert "The platform officer closed and counted the vote: Adopted" in english
    assert "Status changed" not in english


def test_side_states_name_the_author_the_platform_officer_or_automatically(db, residents, welfare, admin, client):
    withdrawn = service.create_proposal(residents(1)[0], title="철회할 제안입니다", body="이 제안은 곧 철회됩니다. " * 2,
                                        category=welfare)
    expired = service.create_proposal(residents(1)[0], title="기간이 끝날 제안입니다", body="이 제안은 기간이 끝납니다. " * 2,
                                      category=welfare, now=datetime.now(UTC) - timedelta(days=40))
    db.session.commit()
    service.hide_proposal(admin, withdrawn, "개인정보가 들어 있었습니다.")
    service.unhide_proposal(admin, withdrawn)
    service.withdraw_proposal(withdrawn.author, withdrawn)
    service.close_expired()
    db.session.commit()
    lines = timeline(client.get(f"/proposals/{withdrawn.id}").get_data(as_text=True))
    assert "관리자가 숨겼습니다" in lines and "관리자가 다시 공개했습니다" in lines and "제안자가 철회했습니다" in lines
    lines = timeline(client.get(f"/proposals/{expired.id}").get_data(as_text=True))
    assert "공감 기간 안에 기준에 이르지 못해 자동으로 마감되었습니다" in lines


def test_a_vote_closed_by_the_scheduler_says_automatically_and_an_admin_step_is_the_platform_officers(
    db, proposal, residents, staff, admin, client
):
    support_n(db, proposal, residents(5))
    service.answer_proposal(staff, proposal, decision="accepted", body="복지정책과에서 검토하여 수용합니다.")
    service.send_to_conference(admin, proposal, service.create_conference(admin, title="토론회", held_on=date(2026, 6, 1)))
    now = datetime.now(UTC)
    service.open_vote(admin, proposal, opens_at=now - timedelta(hours=2), closes_at=now - timedelta(hours=1),
                      now=now - timedelta(hours=3))  # opened ahead of time; now it is over
    service.close_finished_votes(now=now)
    db.session.commit()
    assert proposal.status == "rejected"  # nobody voted
    lines = timeline(client.get(f"/proposals/{proposal.id}").get_data(as_text=True))
    assert "투표가 자동으로 마감되고 개표되었습니다: 미채택" in lines


def test_an_admin_who_is_not_of_the_division_is_named_the_platform_officer_not_the_division(
    db, proposal, admin, client
):
    proposal.status = "adopted"
    db.session.commit()
    service.start_implementation(admin, proposal)
    db.session.commit()
    event = db.session.execute(select(ProposalEvent).filter_by(proposal_id=proposal.id, to_status="implementing")
                               ).scalar_one()
    assert event.actor_kind == "admin"
    lines = timeline(client.get(f"/proposals/{proposal.id}").get_data(as_text=True))
    assert "관리자가 추진 중으로 바꿨습니다" in lines and "복지정책과에서 추진" not in lines


# --- 3. unhiding tells the followers -------------------------------------------------------------

def test_unhiding_returns_to_the_previous_status_and_tells_author_and_followers_once(db, proposal, residents, admin):
    follower = residents(1)[0]
    service.follow(follower, proposal)
    support_n(db, proposal, residents(5))
    service.hide_proposal(admin, proposal, "욕설이 들어 있었습니다.")
    db.session.commit()
    assert proposal.status == "hidden"
    service.unhide_proposal(admin, proposal)
    db.session.commit()
    assert proposal.status == "in_review" and proposal.hidden_reason is None
    event = db.session.execute(select(ProposalEvent).filter_by(proposal_id=proposal.id, kind="unhidden")).scalar_one()
    assert (event.from_status, event.to_status, event.actor_kind) == ("hidden", "in_review", "admin")
    for person in (follower, proposal.author):
        assert per_channel(db, person, "proposal.unhidden") == {"inapp": 1, "email": 1}
    assert rows_for(db, admin, "proposal.unhidden") == []  # the one who did it is not told
    with pytest.raises(service.TransitionError):
        service.unhide_proposal(admin, proposal)


def test_the_unhide_route_makes_the_proposal_public_again_and_notifies_once(
    db, proposal, residents, admin, forms, login_as, client
):
    follower = residents(1)[0]
    service.follow(follower, proposal)
    db.session.commit()
    login_as(admin)
    page = f"/admin/proposals/{proposal.id}"
    hidden = forms.submit(page, {"reason": "개인정보가 들어 있었습니다."}, action=f"{page}/hide")
    assert hidden.status_code == 302
    db.session.refresh(proposal)
    assert proposal.status == "hidden" and proposal.status_before_hidden == "open"
    anonymous = client.application.test_client()
    assert anonymous.get(f"/proposals/{proposal.id}").status_code == 404
    shown = forms.submit(page, {}, action=f"{page}/unhide")
    assert shown.status_code == 302 and shown.headers["Location"].endswith(page)
    db.session.refresh(proposal)
    assert proposal.status == "open"
    public = anonymous.get(f"/proposals/{proposal.id}")
    assert public.status_code == 200 and "관리자가 다시 공개했습니다" in public.get_data(as_text=True)
    again = forms.submit(page, {}, action=f"{page}/unhide")  # a second press: a message, no second notice
    assert again.status_code == 302
    assert "이 제안은 숨김 상태가 아닙니다." in client.get(page).get_data(as_text=True)
    assert per_channel(db, follower, "proposal.unhidden") == {"inapp": 1, "email": 1}


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


# --- 5. the admin pages over HTTP ----------------------------------------------------------------

RULES = {"review_threshold": "5", "mayor_threshold": "100", "answer_days": "10", "open_days": "30",
         "use_business_days": "y"}


def test_saving_the_rules_over_http_applies_them_and_the_audit_records_who_what_and_when(
    db, admin, forms, login_as, client
):
    login_as(admin)
    before = datetime.now(UTC)
    response = forms.submit("/admin/rules", RULES)
    after = datetime.now(UTC)
    assert response.status_code == 302
    db.session.expire_all()
    rules = current_rules()
    assert (rules.answer_days, rules.use_business_days) == (10, True)
    entry = db.session.execute(select(AuditEntry).filter_by(action="rules.update")).scalar_one()
    assert entry.actor_id == admin.id and before <= entry.created_at <= after
    assert json.loads(entry.before)["answer_days"] == 15 and json.loads(entry.after)["answer_days"] == 10
    html = client.get("/admin/rules").get_data(as_text=True)
    assert "규칙 변경" in html and "admin@gwanak.example" in html and "답변 기한(일): 15 → 10" in html


def test_a_special_period_is_added_and_deleted_over_http_with_audit_entries(db, admin, forms, login_as, client):
    login_as(admin)
    added = forms.submit("/admin/rules", {"title_ko": "2026 주민참여 주간", "title_en": "Participation week 2026",
                                          "starts_on": "2026-05-01", "ends_on": "2026-05-07"},
                         action="/admin/special-periods")
    assert added.status_code == 302
    period = db.session.execute(select(SpecialPeriod)).scalar_one()
    assert (period.starts_on, period.ends_on, period.title_en) == (date(2026, 5, 1), date(2026, 5, 7),
                                                                   "Participation week 2026")
    created = db.session.execute(select(AuditEntry).filter_by(action="special_period.create")).scalar_one()
    assert created.actor_id == admin.id and created.target == f"special_period:{period.id}"
    assert json.loads(created.after)["starts_on"] == "2026-05-01"
    period_id = period.id
    deleted = forms.submit("/admin/rules", {}, action=f"/admin/special-periods/{period_id}/delete")
    assert deleted.status_code == 302
    db.session.expire_all()
    assert db.session.get(SpecialPeriod, period_id) is None
    gone = db.session.execute(select(AuditEntry).filter_by(action="special_period.delete")).scalar_one()
    assert gone.actor_id == admin.id and json.loads(gone.before)["title_ko"] == "2026 주민참여 주간"
    assert gone.after == "null"
    html = client.get("/admin/rules").get_data(as_text=True)
    assert "특별 참여 기간 추가" in html and "특별 참여 기간 삭제" in html


def test_creating_a_conference_over_http_presents_the_proposal(db, proposal, residents, staff, admin, forms, login_as):
    support_n(db, proposal, residents(5))
    service.answer_proposal(staff, proposal, decision="accepted", body="복지정책과에서 검토하여 수용합니다.")
    db.session.commit()
    login_as(admin)
    page = f"/admin/proposals/{proposal.id}"
    response = forms.submit(page, {"title": "2026 상반기 정책토론회", "held_on": "2026-06-01", "agenda": "급식소 확대",
                                   "minutes": ""}, action=f"{page}/conference")
    assert response.status_code == 302
    db.session.refresh(proposal)
    assert proposal.status == "at_conference"
    assert (proposal.conference.title, proposal.conference.held_on, proposal.conference.agenda) == (
        "2026 상반기 정책토론회", date(2026, 6, 1), "급식소 확대")


def test_presenting_at_an_existing_conference_over_http(db, proposal, residents, staff, admin, forms, login_as,
                                                        welfare):
    support_n(db, proposal, residents(5))
    service.answer_proposal(staff, proposal, decision="accepted", body="복지정책과에서 검토하여 수용합니다.")
    existing = service.create_conference(admin, title="기존 토론회", held_on=date(2026, 6, 1))
    db.session.commit()
    login_as(admin)
    page = f"/admin/proposals/{proposal.id}"
    response = forms.submit(page, {"conference_id": str(existing.id)}, action=f"{page}/conference")
    assert response.status_code == 302
    db.session.refresh(proposal)
    assert proposal.status == "at_conference" and proposal.conference_id == existing.id
    assert db.session.execute(select(PolicyConference)).scalars().all() == [existing]  # no second one


def test_opening_and_closing_a_vote_over_http_records_the_real_close_time(
    db, at_conference, proposal, residents, admin, forms, login_as
):
    login_as(admin)
    page = f"/admin/proposals/{proposal.id}"
    opens = (datetime.now(SEOUL) - timedelta(hours=1)).replace(second=0, microsecond=0)
    closes = opens + timedelta(days=7)
    response = forms.submit(page, {"opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
                                   "closes_at": closes.strftime("%Y-%m-%dT%H:%M"), "quorum": "2"},
                            action=f"{page}/vote/open")
    assert response.status_code == 302
    db.session.refresh(proposal)
    assert proposal.status == "voting" and proposal.vote_quorum == 2
    assert proposal.vote_opens_at == opens and proposal.vote_closes_at == closes
    for person, choice in zip(residents(3), ["yes", "yes", "no"], strict=True):
        service.cast_vote(person, proposal, choice)
    db.session.commit()
    before = datetime.now(UTC)
    closed = forms.submit(page, {}, action=f"{page}/vote/close")
    after = datetime.now(UTC)
    assert closed.status_code == 302
    db.session.refresh(proposal)
    assert proposal.status == "adopted" and (proposal.votes_yes, proposal.votes_no) == (2, 1)
    assert before <= proposal.vote_closes_at <= after < closes  # closed early: the real moment, not the plan


def test_hiding_over_http_needs_a_reason_and_records_it(db, proposal, admin, forms, login_as):
    login_as(admin)
    page = f"/admin/proposals/{proposal.id}"
    refused = forms.submit(page, {"reason": ""}, action=f"{page}/hide")
    assert refused.status_code == 400
    db.session.refresh(proposal)
    assert proposal.status == "open"
    done = forms.submit(page, {"reason": "개인정보가 들어 있었습니다."}, action=f"{page}/hide")
    assert done.status_code == 302
    db.session.refresh(proposal)
    assert (proposal.status, proposal.hidden_reason) == ("hidden", "개인정보가 들어 있었습니다.")
    event = db.session.execute(select(ProposalEvent).filter_by(proposal_id=proposal.id, kind="hidden")).scalar_one()
    assert (event.actor_kind, event.note) == ("admin", "개인정보가 들어 있었습니다.")


# --- 6. following, and a notice on every transition ----------------------------------------------

def test_unfollowing_stops_the_notices_and_the_route_takes_action_unfollow(
    db, proposal, residents, staff, forms, login_as
):
    follower = residents(1)[0]
    service.follow(follower, proposal)
    service.follow(follower, proposal)  # twice is still one follow
    db.session.commit()
    assert service.is_following(follower, proposal)
    service.unfollow(follower, proposal)
    db.session.commit()
    assert not service.is_following(follower, proposal)

    login_as(follower)
    page = f"/proposals/{proposal.id}"
    assert forms.submit(page, {"action": "follow"}, action=f"{page}/follow").status_code == 302
    assert service.is_following(follower, proposal)
    assert forms.submit(page, {"action": "unfollow"}, action=f"{page}/follow").status_code == 302
    assert not service.is_following(follower, proposal)
    html = forms.client.get(page).get_data(as_text=True)
    assert 'aria-pressed="false"' in html and 'name="action" value="follow"' in html
    support_n(db, proposal, residents(5))
    assert rows_for(db, follower) == []  # no longer told of the review
    assert per_channel(db, proposal.author, "proposal.in_review") == {"inapp": 1, "email": 1}


def test_the_author_and_a_follower_get_one_inapp_and_one_email_notice_per_transition(
    db, proposal, residents, staff, admin, smtp, run_jobs
):
    follower = residents(1)[0]
    service.follow(follower, proposal)
    db.session.commit()
    walk_to_completion(db, proposal, residents, staff, admin)
    transitions = ["in_review", "answered", "at_conference", "voting", "adopted", "implementing", "completed"]
    for person in (proposal.author, follower):
        events = Counter((n.event, n.channel) for n in rows_for(db, person))
        assert events == Counter({(f"proposal.{s}", c): 1 for s in transitions for c in ("inapp", "email")}), person
    # The emails really go out, each rendered in the recipient's language.
    author_email, follower_email = proposal.author.email, follower.email
    run_jobs()
    received = Counter(m["To"] for m in smtp.messages)
    assert received[author_email] == received[follower_email] == len(transitions)
    subjects = {m["Subject"] for m in smtp.messages if m["To"] == follower_email}
    assert "[추진 중] 어르신 무료 급식소 확대" in subjects and "[채택] 어르신 무료 급식소 확대" in subjects


def test_the_side_states_notify_too_except_the_author_of_their_own_withdrawal(db, residents, welfare, admin):
    """Closed, hidden and unhidden reach the author and followers; withdrawing reaches followers
    only: the author is the one who withdrew (the one who acts is never told of their own act)."""
    def new(title, **kwargs):
        made = service.create_proposal(residents(1)[0], title=title, body="본문이 충분히 길어야 합니다. " * 2,
                                       category=welfare, **kwargs)
        follower = residents(1)[0]
        service.follow(follower, made)
        db.session.commit()
        return made, follower

    expired, expired_follower = new("기간이 끝날 제안입니다", now=datetime.now(UTC) - timedelta(days=40))
    service.close_expired()
    withdrawn, withdrawn_follower = new("철회할 제안입니다")
    service.withdraw_proposal(withdrawn.author, withdrawn)
    hidden, hidden_follower = new("숨겼다가 다시 공개할 제안입니다")
    service.hide_proposal(admin, hidden, "개인정보가 들어 있었습니다.")
    service.unhide_proposal(admin, hidden)
    db.session.commit()
    both = {"inapp": 1, "email": 1}
    assert per_channel(db, expired.author, "proposal.closed") == per_channel(db, expired_follower, "proposal.closed") == both
    assert per_channel(db, withdrawn_follower, "proposal.withdrawn") == both
    assert per_channel(db, withdrawn.author, "proposal.withdrawn") == {}
    for event in ("proposal.hidden", "proposal.unhidden"):
        assert per_channel(db, hidden.author, event) == per_channel(db, hidden_follower, event) == both
    assert rows_for(db, admin) == []


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


def test_only_the_author_is_told_why_their_proposal_was_hidden(app, db, proposal, admin, residents):
    """The moderator's reason may name what got it hidden (personal data, abuse): it goes to the
    author, who can fix it; followers hear only that it was hidden."""
    from app.models import Notification
    from app.notifications.messages import render

    follower = residents(1)[0]
    service.follow(follower, proposal)
    service.hide_proposal(admin, proposal, "전화번호가 공개되어 있습니다.")
    db.session.commit()
    emails = db.session.execute(select(Notification).filter_by(
        event="proposal.hidden", channel="email", object_id=proposal.id)).scalars().all()
    by_user = {n.recipient_user_id: render(n, proposal) for n in emails}
    to_author, to_follower = by_user[proposal.author_id], by_user[follower.id]
    assert "전화번호가 공개되어 있습니다." in to_author.text and "전화번호가 공개되어 있습니다." in to_author.html
    assert "전화번호가 공개되어 있습니다." not in to_follower.text + to_follower.html
    assert "관리자가 이 제안을 숨겼습니다" in to_follower.text or "숨겼" in to_follower.text


# --- found by a newcomer -------------------------------------------------------------------------

def test_a_vote_that_would_already_be_over_is_refused_and_the_proposal_stays_at_conference(
    db, proposal, at_conference, admin, forms, login_as, client
):
    """Opening a vote whose closing time has passed would reject the proposal at the next tick, with no votes."""
    login_as(admin)
    page = f"/admin/proposals/{proposal.id}"
    refused = forms.submit(page, {"opens_at": "2020-01-01T00:00", "closes_at": "2020-01-02T00:00"},
                           action=f"{page}/vote/open")
    db.session.refresh(proposal)
    assert proposal.status == "at_conference" and proposal.vote_closes_at is None
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "마감 시각이 이미 지났습니다" in html
    # The form comes back with the times that were typed.
    assert 'value="2020-01-01T00:00"' in html and 'value="2020-01-02T00:00"' in html
    with pytest.raises(ServiceError):
        service.open_vote(admin, proposal, opens_at=datetime(2020, 1, 1, tzinfo=UTC),
                          closes_at=datetime(2020, 1, 2, tzinfo=UTC))


def test_an_admin_outside_the_division_in_charge_does_not_sign_as_that_division(db, proposal, admin, staff):
    from app.services import comments as comment_service

    by_admin = comment_service.add_comment(admin, proposal, "관리자로서 의견을 남깁니다.")
    by_officer = comment_service.add_comment(staff, proposal, "복지정책과에서 검토하겠습니다.")
    db.session.commit()
    assert (by_admin.is_official, by_admin.division) == (False, None)
    assert by_officer.is_official and by_officer.division == proposal.division


def test_saving_the_rules_unchanged_writes_no_audit_entry(db, admin, forms, login_as):
    login_as(admin)
    unchanged = {"review_threshold": "5", "mayor_threshold": "100", "answer_days": "15", "open_days": "30"}
    assert forms.submit("/admin/rules", unchanged).status_code == 302
    assert db.session.execute(select(AuditEntry).filter_by(action="rules.update")).first() is None


@pytest.mark.parametrize("starts, ends, message", [
    ("0001-01-01", "2026-12-31", "2000년부터 2100년 사이의 날짜를 선택해 주세요."),
    ("2026-01-01", "2027-06-30", "특별 참여 기간은 최대 1년까지 정할 수 있습니다."),
])
def test_a_special_period_with_an_implausible_span_is_refused_with_the_fields_kept(db, admin, forms, login_as,
                                                                                   starts, ends, message):
    login_as(admin)
    response = forms.submit("/admin/rules", {"title_ko": "주민참여 주간", "title_en": "Participation week",
                                             "starts_on": starts, "ends_on": ends}, action="/admin/special-periods")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert 'value="주민참여 주간"' in html and f'value="{starts}"' in html
    assert db.session.execute(select(AuditEntry).filter_by(action="special_period.create")).first() is None


def test_a_too_long_report_reason_is_explained(db, proposal, residents, login_as, forms):
    from app.services import comments as comment_service

    writer, reader = residents(2)
    item = comment_service.add_comment(writer, proposal, "이 제안에 의견을 남깁니다.")
    db.session.commit()
    login_as(reader)
    page = f"/proposals/{proposal.id}"
    done = forms.submit(page, {"reason": "가" * 1001}, action=f"{page}/comments/{item.id}/report")
    assert done.status_code == 302
    assert '<p class="flash flash-error">1,000자까지 쓸 수 있습니다.</p>' in forms.client.get(page).get_data(as_text=True)
