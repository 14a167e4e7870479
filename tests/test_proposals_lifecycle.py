"""The proposal lifecycle: propose, sympathize, review on a 15-day Seoul clock, answers, vote, result."""
import io
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.models import (
    Category,
    Division,
    Notification,
    Proposal,
    ProposalEvent,
    StaffMembership,
    Sympathy,
)
from app.services import ServiceError, comments
from app.services import proposals as service
from app.services.proposals import TransitionError
from app.services.rules import answer_due_at, current_rules, is_overdue

SEOUL = ZoneInfo("Asia/Seoul")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def residents(make_user):
    """Verified residents of 보라매동, made on demand."""
    made = []

    def residents(n, locale="ko"):
        new = [make_user(f"r{len(made) + i}@example.com", verified_dong="1162052500", locale=locale)
               for i in range(n)]
        made.extend(new)
        return new

    return residents


@pytest.fixture
def welfare(db):
    return db.session.execute(select(Category).filter_by(slug="health-welfare")).scalar_one()


@pytest.fixture
def staff(db, make_user, welfare):
    """An officer of the welfare category's division (복지정책과)."""
    officer = make_user("officer@gwanak.example", role="staff", display_name="담당자", locale="ko")
    db.session.add(StaffMembership(user=officer, division=welfare.default_division, wants_email=True))
    welfare.default_division.alert_email = "welfare@gwanak.example"
    service.mayor_office().alert_email = "mayor@gwanak.example"
    db.session.commit()
    return officer


@pytest.fixture
def proposal(db, residents, welfare):
    author = residents(1)[0]
    created = service.create_proposal(author, title="어르신 무료 급식소 확대", body="관악구 어르신 급식소를 늘려 주세요. " * 3,
                                      category=welfare)
    db.session.commit()
    return created


def alerts(db, event):
    return db.session.execute(select(func.count()).select_from(Notification).where(
        Notification.event == event, Notification.channel == "email",
        Notification.recipient_division_id.isnot(None))).scalar_one()


def support_n(db, proposal, people, now=None):
    for person in people:
        service.support_proposal(person, proposal, now=now)
        db.session.commit()


# --- propose -------------------------------------------------------------------------------------

def propose_form(forms, **changes):
    page = forms.client.get("/proposals/new")
    html = page.get_data(as_text=True)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html).group(1)
    data = {"title": "보라매공원 야간 조명 개선", "body": "보라매공원 산책로가 밤에 너무 어둡습니다. 조명을 늘려 주세요.",
            "category": "health-welfare", "dong": "1162052500", "submission_key": key, **changes}
    return data


def test_a_verified_resident_previews_then_registers_a_proposal_with_attachments(
    forms, residents, login_as, db, welfare, app
):
    login_as(residents(1)[0])
    data = propose_form(forms)
    files = {"attachments": [(io.BytesIO(PNG), "../../사진 1.png"), (io.BytesIO(PNG), "사진:1.png")]}
    preview = forms.submit("/proposals/new", {**data, "action": "preview", **files}, content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Register the proposal" in html or "제안 등록" in html
    assert db.session.execute(select(func.count(Proposal.id)).where(Proposal.source.is_(None))).scalar_one() == 0
    done = forms.submit("/proposals/new", {**data, "action": "submit"})
    assert done.status_code == 302
    created = db.session.execute(select(Proposal).where(Proposal.source.is_(None))).scalar_one()
    assert created.status == "open" and created.division == welfare.default_division
    assert [a.original_name for a in created.attachments] == ["사진 1.png", "사진:1.png"]
    assert len({a.stored_name for a in created.attachments}) == 2  # alike names never overwrite
    assert all(".." not in a.stored_name and "/" not in a.stored_name for a in created.attachments)
    download = forms.client.get(f"/proposals/{created.id}/attachments/{created.attachments[0].id}")
    assert download.data == PNG
    assert "filename*=UTF-8''%EC%82%AC%EC%A7%84%201.png" in download.headers["Content-Disposition"]
    # The author follows their own proposal.
    assert service.is_following(created.author, created)


def test_a_double_submit_creates_one_proposal(forms, residents, login_as, db):
    login_as(residents(1)[0])
    data = {**propose_form(forms), "action": "submit"}
    first = forms.submit("/proposals/new", data)
    second = forms.submit("/proposals/new", data)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.execute(select(func.count(Proposal.id)).where(Proposal.source.is_(None))).scalar_one() == 1


def test_text_is_normalised_to_nfc(forms, residents, login_as, db):
    login_as(residents(1)[0])
    nfd = unicodedata.normalize("NFD", "보라매공원 야간 조명")
    forms.submit("/proposals/new", {**propose_form(forms, title=nfd), "action": "submit"})
    title = db.session.execute(select(Proposal.title).where(Proposal.source.is_(None))).scalar_one()
    assert title == unicodedata.normalize("NFC", nfd) and title != nfd


@pytest.mark.parametrize("changes, message", [
    ({"title": "짧음"}, "The title must be between 5 and 100 characters."),
    ({"body": "너무 짧은 본문"}, "The proposal must be between 20 and 10,000 characters."),
    ({"category": "nope"}, "Not a valid choice"),
])
def test_bad_proposals_are_explained_and_kept(forms, residents, login_as, changes, message):
    user = residents(1, locale="en")[0]
    login_as(user)
    response = forms.submit("/proposals/new", {**propose_form(forms, **changes), "action": "preview"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert "보라매공원" in html or "짧음" in html


def test_an_attachment_is_checked_by_its_content_not_its_name(forms, residents, login_as, db):
    login_as(residents(1, locale="en")[0])
    files = {"attachments": [(io.BytesIO(b"<script>alert(1)</script>"), "photo.png")]}
    response = forms.submit("/proposals/new", {**propose_form(forms), "action": "preview", **files},
                            content_type="multipart/form-data")
    assert response.status_code == 400
    assert "is not a PDF, PNG or JPEG file." in response.get_data(as_text=True)


def test_only_verified_residents_propose(client, make_user, login_as):
    login_as(make_user("plain@example.com"))
    assert client.get("/proposals/new").status_code == 302


# --- sympathy and thresholds ---------------------------------------------------------------------

def test_fifth_sympathy_sends_proposal_to_division_review(db, proposal, residents, staff):
    people = residents(5)
    support_n(db, proposal, people[:4])
    assert proposal.status == "open" and alerts(db, "review.requested") == 0
    support_n(db, proposal, people[4:])
    db.session.refresh(proposal)
    assert proposal.status == "in_review" and proposal.support_count == 5
    assert alerts(db, "review.requested") == 1
    assert proposal.answer_due_at is not None


def test_sixth_to_ninety_ninth_sympathies_queue_no_alert_and_the_hundredth_asks_the_mayor(
    db, proposal, residents, staff
):
    people = residents(101)
    support_n(db, proposal, people[:99])
    assert alerts(db, "review.requested") == 1 and alerts(db, "mayor.requested") == 0
    support_n(db, proposal, people[99:100])
    db.session.refresh(proposal)
    assert alerts(db, "mayor.requested") == 1 and proposal.mayor_due_at is not None
    support_n(db, proposal, people[100:])
    assert alerts(db, "mayor.requested") == 1 and alerts(db, "review.requested") == 1
    assert proposal.support_count == 101


def test_withdrawals_below_a_threshold_neither_undo_the_review_nor_alert_again(db, proposal, residents, staff):
    people = residents(6)
    support_n(db, proposal, people[:5])
    service.withdraw_support(people[0], proposal)
    service.withdraw_support(people[1], proposal)
    db.session.commit()
    assert proposal.status == "in_review" and proposal.support_count == 3
    support_n(db, proposal, people[:2] + people[5:])
    assert proposal.support_count == 6 and alerts(db, "review.requested") == 1


def test_one_sympathy_per_resident_and_the_count_equals_the_rows(db, proposal, residents):
    person = residents(1)[0]
    service.support_proposal(person, proposal)
    db.session.commit()
    with pytest.raises(ServiceError):
        service.support_proposal(person, proposal)
    db.session.rollback()
    rows = db.session.execute(select(func.count(Sympathy.id)).filter_by(proposal_id=proposal.id)).scalar_one()
    db.session.refresh(proposal)
    assert rows == proposal.support_count == 1


def test_an_author_cannot_support_their_own_proposal(db, proposal):
    with pytest.raises(ServiceError, match="자신의 제안에는 공감할 수 없습니다"):
        service.support_proposal(proposal.author, proposal)


@pytest.mark.parametrize("status", ["withdrawn", "closed", "hidden", "answered"])
def test_a_withdrawn_closed_hidden_or_reviewed_proposal_takes_no_sympathy(db, proposal, residents, status, staff):
    proposal.status = status
    db.session.commit()
    with pytest.raises(ServiceError):
        service.support_proposal(residents(1)[0], proposal)
    db.session.rollback()
    assert db.session.execute(select(func.count(Sympathy.id))).scalar_one() == 0
    assert db.session.execute(select(func.count(Notification.id)).where(
        Notification.event == "review.requested")).scalar_one() == 0


def test_the_support_button_names_the_count_and_works_without_javascript(forms, proposal, residents, login_as, db):
    person = residents(1, locale="en")[0]
    login_as(person)
    page = forms.client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert 'aria-pressed="false"' in page
    assert re.search(r"Support this</span><span class=\"sr-only\" data-support-sr>, 0 supporters so far", page)
    response = forms.submit(f"/proposals/{proposal.id}", {"action": "support"}, action=f"/proposals/{proposal.id}/support")
    assert response.status_code == 302
    page = forms.client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert 'aria-pressed="true"' in page and ", 1 supporter so far" in page
    assert 'role="status" aria-live="polite"' in page


def test_the_support_button_answers_json_for_the_script(forms, proposal, residents, login_as):
    login_as(residents(1, locale="ko")[0])
    response = forms.submit(f"/proposals/{proposal.id}", {"action": "support"}, action=f"/proposals/{proposal.id}/support",
                            headers={"Accept": "application/json"})
    data = response.get_json()
    assert response.status_code == 200
    assert data["supported"] is True and data["count"] == 1
    assert data["status_text_so_far"] == "현재 1명 공감"


# --- the clock -----------------------------------------------------------------------------------

def test_the_answer_is_due_at_the_end_of_the_fifteenth_day_in_seoul(app, db):
    rules = current_rules()
    reached = datetime(2025, 3, 1, 0, 30, tzinfo=SEOUL)
    due = answer_due_at(reached, rules)
    assert due == datetime(2025, 3, 16, 23, 59, 59, tzinfo=SEOUL)
    assert due.astimezone(UTC) == datetime(2025, 3, 16, 14, 59, 59, tzinfo=UTC)
    assert not is_overdue(due, datetime(2025, 3, 16, 23, 59, tzinfo=SEOUL))
    assert is_overdue(due, datetime(2025, 3, 17, 0, 0, tzinfo=SEOUL))


def test_the_business_day_option_skips_weekends_and_korean_holidays(app, db):
    rules = current_rules()
    rules.use_business_days = True
    # From Sat 2025-03-01: Mon 3 March is the alternative Independence Movement Day holiday.
    due = answer_due_at(datetime(2025, 3, 1, 0, 30, tzinfo=SEOUL), rules)
    assert due.date() == date(2025, 3, 24)  # 4–7, 10–14, 17–21 and 24 March: 15 business days


def test_during_a_special_period_every_new_proposal_goes_straight_to_review(db, residents, welfare, make_user, staff):
    from app.services.rules import add_special_period

    add_special_period(make_user("admin@example.com", role="admin"), title_ko="여름 특별 참여 기간",
                       title_en="Summer special period", starts_on=date(2026, 7, 1), ends_on=date(2026, 7, 31))
    created = service.create_proposal(residents(1)[0], title="여름 물놀이장 운영 연장", body="여름 물놀이장을 9월까지 열어 주세요.",
                                      category=welfare, now=datetime(2026, 7, 31, 23, 0, tzinfo=SEOUL))
    db.session.commit()
    assert created.status == "in_review" and created.is_special_period and created.support_count == 0
    assert alerts(db, "review.requested") == 1
    after = service.create_proposal(residents(1)[0], title="가을 축제 일정 공지", body="가을 축제 일정을 미리 알려 주세요.",
                                    category=welfare, now=datetime(2026, 8, 1, 0, 0, tzinfo=SEOUL))
    assert after.status == "open"


def test_an_open_proposal_that_reaches_no_threshold_closes_and_stays_readable(db, proposal, client):
    assert service.close_expired(now=proposal.created_at + timedelta(days=29)) == 0
    assert service.close_expired(now=proposal.created_at + timedelta(days=30)) == 1
    db.session.commit()
    assert proposal.status == "closed"
    assert client.get(f"/proposals/{proposal.id}").status_code == 200


def test_changing_a_rule_applies_from_then_on(db, proposal, residents, make_user, staff):
    from app.services.rules import update_rules

    people = residents(4)
    support_n(db, proposal, people[:3])
    due_before = proposal.open_until_at
    update_rules(make_user("admin@example.com", role="admin"), review_threshold=3, mayor_threshold=50,
                 answer_days=10, use_business_days=False, open_days=7)
    db.session.commit()
    db.session.refresh(proposal)
    assert proposal.status == "open" and proposal.open_until_at == due_before  # nothing recomputed
    assert alerts(db, "review.requested") == 0
    support_n(db, proposal, people[3:])  # the next sympathy uses the new threshold
    assert proposal.status == "in_review"
    from app.models import AuditEntry

    entry = db.session.execute(select(AuditEntry)).scalar_one()
    assert entry.action == "rules.update" and '"review_threshold": 5' in entry.before


# --- transitions ---------------------------------------------------------------------------------

ALL = ["open", "in_review", "answered", "at_conference", "voting", "adopted", "rejected", "implementing",
       "completed", "closed", "withdrawn", "hidden"]
ALLOWED = {("open", "in_review"), ("open", "closed"), ("open", "withdrawn"), ("in_review", "answered"),
           ("answered", "at_conference"), ("at_conference", "voting"), ("voting", "adopted"), ("voting", "rejected"),
           ("adopted", "implementing"), ("implementing", "completed")} | {(s, "hidden") for s in ALL if s != "hidden"}


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", ALL)
def test_every_allowed_and_forbidden_transition(source, target):
    assert service.can_move(source, target) == ((source, target) in ALLOWED)


def test_a_forbidden_transition_raises_and_the_route_shows_a_message(db, proposal, staff, forms, login_as):
    with pytest.raises(TransitionError):
        service.answer_proposal(staff, proposal, decision="accepted", body="검토 결과 수용합니다.")
    db.session.rollback()
    staff.locale = "en"
    db.session.commit()
    login_as(staff)
    response = forms.submit(f"/staff/proposals/{proposal.id}", {"decision": "accepted", "body": "검토 결과 수용합니다.",
                                                               "action": "submit"},
                            action=f"/staff/proposals/{proposal.id}/answer", follow_redirects=True)
    assert "Only a proposal under division review can be answered." in response.get_data(as_text=True)
    db.session.refresh(proposal)
    assert proposal.status == "open" and proposal.answers == []


def test_the_whole_lifecycle_from_review_to_published_result(db, proposal, residents, staff, make_user, run_jobs, smtp):
    admin = make_user("admin@example.com", role="admin")
    follower = residents(1)[0]
    service.follow(follower, proposal)
    support_n(db, proposal, residents(5))
    service.answer_proposal(staff, proposal, decision="accepted", body="복지정책과에서 검토하여 수용합니다.")
    from app.models import PolicyConference

    conference = PolicyConference(title="2026 상반기 정책토론회", held_on=date(2026, 6, 1))
    service.send_to_conference(admin, proposal, conference)
    now = datetime(2026, 6, 10, 10, 0, tzinfo=SEOUL)
    service.open_vote(admin, proposal, opens_at=now, closes_at=now + timedelta(days=7), quorum=3, now=now)
    voters = residents(4)
    for person, choice in zip(voters, ["yes", "yes", "yes", "no"], strict=True):
        service.cast_vote(person, proposal, choice, now=now + timedelta(hours=1))
    db.session.commit()
    with pytest.raises(ServiceError, match="이미 이 제안에 투표하셨습니다"):
        service.cast_vote(voters[0], proposal, "no", now=now + timedelta(hours=2))
    db.session.rollback()
    assert service.close_vote(None, proposal, now=now + timedelta(days=1)) is None  # not yet
    service.close_vote(None, proposal, now=now + timedelta(days=7))
    assert proposal.status == "adopted" and (proposal.votes_yes, proposal.votes_no) == (3, 1)
    service.start_implementation(staff, proposal)
    service.complete_proposal(staff, proposal, "급식소 2곳을 새로 열었습니다.")
    db.session.commit()
    kinds = [(e.kind, e.to_status) for e in db.session.execute(
        select(ProposalEvent).filter_by(proposal_id=proposal.id).order_by(ProposalEvent.id)).scalars()]
    assert [k for k in kinds if k[1]] == [
        ("created", "open"), ("threshold", "in_review"), ("answered", "answered"), ("status", "at_conference"),
        ("status", "voting"), ("status", "adopted"), ("status", "implementing"), ("status", "completed")]
    events = {n.event for n in db.session.execute(select(Notification).filter_by(recipient_user_id=follower.id))
              .scalars()}
    assert {"proposal.in_review", "proposal.answered", "proposal.adopted", "proposal.completed"} <= events


def test_a_vote_below_the_quorum_is_not_adopted(db, proposal, residents, staff, make_user):
    proposal.status = "voting"
    now = datetime(2026, 6, 10, tzinfo=SEOUL)
    proposal.vote_opens_at, proposal.vote_closes_at, proposal.vote_quorum = now, now + timedelta(days=1), 3
    db.session.commit()
    service.cast_vote(residents(1)[0], proposal, "yes", now=now)
    service.close_vote(None, proposal, now=now + timedelta(days=1))
    assert proposal.status == "rejected"


def test_the_author_withdraws_only_while_open_and_only_their_own(db, proposal, residents):
    with pytest.raises(ServiceError):
        service.withdraw_proposal(residents(1)[0], proposal)
    service.withdraw_proposal(proposal.author, proposal)
    assert proposal.status == "withdrawn"
    with pytest.raises(TransitionError):
        service.withdraw_proposal(proposal.author, proposal)


def test_staff_transfer_with_a_reason_on_the_timeline(db, proposal, staff, residents, client):
    support_n(db, proposal, residents(5))
    other = db.session.execute(select(Division).filter_by(name_ko="어르신지원과")).scalar_one()
    service.transfer_proposal(staff, proposal, other, "어르신 급식은 어르신지원과 소관입니다.")
    db.session.commit()
    assert proposal.division == other
    html = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "어르신 급식은 어르신지원과 소관입니다." in html
    assert not service.permissions.can_answer(staff, proposal)  # now the other division's


def test_the_mayors_answer_is_separate_with_its_own_deadline(db, proposal, residents, make_user, staff):
    from app.services.rules import current_rules as rules

    rules().mayor_threshold = 6
    support_n(db, proposal, residents(6))
    mayor_staff = make_user("mayor@gwanak.example", role="staff")
    db.session.add(StaffMembership(user=mayor_staff, division=service.mayor_office()))
    db.session.commit()
    with pytest.raises(ServiceError):
        service.answer_as_mayor(staff, proposal, decision="accepted", body="구청장 답변입니다.")
    service.answer_as_mayor(mayor_staff, proposal, decision="considering", body="구청장으로서 적극 검토하겠습니다.")
    db.session.commit()
    assert proposal.status == "in_review"  # the division still owes its own answer
    assert [a.kind for a in proposal.answers] == ["mayor"]


# --- comments ------------------------------------------------------------------------------------

def test_comments_have_one_level_of_replies_and_staff_replies_are_official(db, proposal, residents, staff):
    resident = residents(1)[0]
    first = comments.add_comment(resident, proposal, "좋은 제안입니다.")
    reply = comments.add_comment(staff, proposal, "검토하겠습니다.", parent=first)
    deeper = comments.add_comment(resident, proposal, "감사합니다.", parent=reply)
    db.session.commit()
    assert reply.is_official and reply.division == proposal.division
    assert deeper.parent_id == first.id  # one level: replies to a reply join the thread


def test_a_comment_on_a_proposal_under_review_alerts_its_division(db, proposal, residents, staff):
    resident = residents(1)[0]
    comments.add_comment(resident, proposal, "아직 공감 중인 제안에 남긴 의견")
    support_n(db, proposal, residents(5))
    comments.add_comment(resident, proposal, "검토 중인 제안에 남긴 의견")
    db.session.commit()
    assert alerts(db, "comment.new") == 1


def test_unverified_users_cannot_comment(db, proposal, make_user):
    with pytest.raises(ServiceError):
        comments.add_comment(make_user("plain@example.com"), proposal, "인증 없이 남기는 의견")


def test_a_reported_comment_is_hidden_with_a_reason_its_author_sees(db, proposal, residents, make_user, client, login_as):
    author = residents(1)[0]
    comment = comments.add_comment(author, proposal, "부적절한 표현이 담긴 댓글")
    db.session.commit()
    comments.report_comment(residents(1)[0], comment, "욕설이 있습니다")
    comments.hide_comment(make_user("admin@example.com", role="admin"), comment, "욕설 금지 규정 위반")
    db.session.commit()
    public = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "부적절한 표현" not in public and "욕설 금지 규정 위반" not in public
    login_as(author)
    own = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "욕설 금지 규정 위반" in own and "부적절한 표현" not in own
    assert db.session.execute(select(Notification).filter_by(event="comment.hidden", channel="inapp")).scalar_one()


# --- visibility ----------------------------------------------------------------------------------

def test_a_hidden_proposal_disappears_from_every_public_surface(db, proposal, make_user, client, login_as):
    title = proposal.title
    service.hide_proposal(make_user("admin@example.com", role="admin"), proposal, "개인정보 노출")
    db.session.commit()
    for url in ["/", "/proposals/", "/proposals/?q=급식소", "/proposals.csv", "/proposals.json", "/proposals.atom"]:
        assert title not in client.get(url).get_data(as_text=True), url
    assert client.get(f"/proposals/{proposal.id}").status_code == 404
    login_as(proposal.author)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "개인정보 노출" in page and "급식소를 늘려" not in page  # the reason, never the body
    assert db.session.get(Proposal, proposal.id) is not None  # kept for audit


def test_exports_offer_the_public_proposals_with_the_lists_filters(db, proposal, client):
    data = client.get("/proposals.json?category=health-welfare").get_json()
    assert [p["title"] for p in data["proposals"]] == ["어르신 무료 급식소 확대"]
    csv_text = client.get("/proposals.csv?category=health-welfare").get_data(as_text=True)
    assert csv_text.startswith("\ufeffid,title,status") and "어르신 무료 급식소 확대" in csv_text


# --- inbox and activity --------------------------------------------------------------------------

def test_the_inbox_lists_my_divisions_proposals_overdue_first(db, residents, welfare, staff, client, login_as):
    late = service.create_proposal(residents(1)[0], title="기한이 지난 제안입니다", body="기한이 지난 제안의 본문입니다. 충분히 깁니다.",
                                   category=welfare)
    fresh = service.create_proposal(residents(1)[0], title="새로 검토할 제안입니다", body="새로 검토할 제안의 본문입니다. 충분히 깁니다.",
                                    category=welfare)
    db.session.commit()
    old = datetime.now(UTC) - timedelta(days=20)
    for p, when in ((late, old), (fresh, datetime.now(UTC))):
        p.status, p.answer_due_at = "in_review", answer_due_at(when, current_rules())
    db.session.commit()
    login_as(staff)
    html = client.get("/staff/").get_data(as_text=True)
    assert html.index("기한이 지난 제안입니다") < html.index("새로 검토할 제안입니다")
    assert 'class="is-overdue"' in html


def test_my_activity_lists_what_i_did(db, proposal, residents, client, login_as):
    me = residents(1)[0]
    service.support_proposal(me, proposal)
    comments.add_comment(me, proposal, "저도 공감합니다.")
    service.follow(me, proposal)
    db.session.commit()
    login_as(me)
    html = client.get("/account/activity").get_data(as_text=True)
    assert html.count("어르신 무료 급식소 확대") >= 3 and "저도 공감합니다." in html


def test_a_new_proposal_alerts_its_division_the_moment_it_arrives(db, residents, welfare, staff, smtp, run_jobs):
    created = service.create_proposal(residents(1)[0], title="공원 화장실 야간 개방", body="공원 화장실을 밤에도 열어 주세요. 부탁드립니다.",
                                      category=welfare)
    db.session.commit()
    title = created.title
    assert alerts(db, "opinion.new") == 1
    run_jobs()
    subjects = {m["To"]: m["Subject"] for m in smtp.messages}
    assert subjects["welfare@gwanak.example"] == f"[새 의견] {title}"
