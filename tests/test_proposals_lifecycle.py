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
def staff(db, make_user, welfare):
    """An officer of the welfare category's division (복지정책과)."""
    officer = make_user("officer@gwanak.example", role="staff", display_name="담당자", locale="ko")
    db.session.add(StaffMembership(user=officer, division=welfare.default_division, wants_email=True))
    welfare.default_division.alert_email = "welfare@gwanak.example"
    service.mayor_office().alert_email = "mayor@gwanak.example"
    db.session.commit()
    return officer


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
    assert preview.status_code == 200 and "제안 등록하기" in html  # the resident reads Korean
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
    assert re.search(r"<span>Support</span><span data-support-sr>, 0 supporters so far", page)
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


def test_the_kst_deadline_example_holds_through_the_database(db, residents, welfare):
    """Reached 2025-03-01 00:30 KST by the 5th sympathy: due 2025-03-16 23:59:59 KST (14:59:59 UTC), read back
    from the database; not overdue at 23:59 that day, overdue at 00:00 on the 17th, in Python and in SQL."""
    from sqlalchemy import text

    from app.services.inbox_staff import overdue_by_division

    created_at = datetime(2025, 2, 27, 9, 0, tzinfo=SEOUL)
    proposal = service.create_proposal(residents(1)[0], title="신림역 횡단보도 신호 연장", body="신림역 앞 횡단보도 신호가 너무 짧습니다.",
                                       category=welfare, now=created_at)
    db.session.commit()
    people = residents(5)
    support_n(db, proposal, people[:4], now=created_at + timedelta(hours=1))
    assert proposal.answer_due_at is None
    support_n(db, proposal, people[4:], now=datetime(2025, 3, 1, 0, 30, tzinfo=SEOUL))
    proposal_id, division_id = proposal.id, welfare.default_division_id
    db.session.expunge_all()  # nothing from memory: what the database stored

    due, started = db.session.execute(select(Proposal.answer_due_at, Proposal.review_started_at)
                                      .where(Proposal.id == proposal_id)).one()
    assert due.tzinfo is not None and due.utcoffset() == timedelta(0)
    assert due == datetime(2025, 3, 16, 14, 59, 59, tzinfo=UTC)
    assert due.astimezone(SEOUL) == datetime(2025, 3, 16, 23, 59, 59, tzinfo=SEOUL)
    assert started == datetime(2025, 2, 28, 15, 30, tzinfo=UTC)
    raw = db.session.execute(text("SELECT answer_due_at FROM proposals WHERE id = :id"), {"id": proposal_id}).scalar_one()
    if db.engine.dialect.name == "postgresql":
        assert raw == datetime(2025, 3, 16, 14, 59, 59, tzinfo=UTC)  # timestamptz: an instant
    else:
        assert str(raw).startswith("2025-03-16 14:59:59")  # SQLite: UTC, written without an offset

    def sql_overdue(now):
        row = next(r for r in overdue_by_division(now) if r["division"].id == division_id)
        assert row["in_review"] == 1
        return row["overdue"]

    last_minute, next_day = datetime(2025, 3, 16, 23, 59, tzinfo=SEOUL), datetime(2025, 3, 17, 0, 0, tzinfo=SEOUL)
    assert not is_overdue(due, last_minute) and sql_overdue(last_minute) == 0
    assert is_overdue(due, next_day) and sql_overdue(next_day) == 1


def _in_review_until(proposal, due_day, started_days_before=15):
    """Put a proposal under review with its answer due at the end of `due_day` (Seoul)."""
    due = datetime.combine(due_day, datetime.max.time().replace(microsecond=0), tzinfo=SEOUL)
    proposal.status, proposal.answer_due_at = "in_review", due
    proposal.review_started_at = due - timedelta(days=started_days_before)
    return proposal


def _propose(residents, category, title):
    return service.create_proposal(residents(1)[0], title=title, body=f"{title}: 본문을 충분히 길게 씁니다.", category=category)


def _overview_rows(html):
    """{division: (under review, overdue, row marked overdue)} from the admin's table on /staff/."""
    section = html[html.index('id="overview-title"'):html.index('id="list-title"')]
    rows = re.findall(r'<tr( class="is-overdue")?><th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td></tr>',
                      section)
    return {name: (int(n), int(late), bool(marked)) for marked, name, n, late in rows}


def test_the_admins_inbox_counts_the_overdue_reviews_of_each_division(db, residents, welfare, make_user, client,
                                                                      login_as):
    jobs = db.session.execute(select(Category).filter_by(slug="jobs")).scalar_one()  # 일자리벤처과
    today = datetime.now(SEOUL).date()
    _in_review_until(_propose(residents, welfare, "복지 제안 열흘 지남"), today - timedelta(days=10))
    _in_review_until(_propose(residents, welfare, "복지 제안 어제 기한"), today - timedelta(days=1))
    _in_review_until(_propose(residents, welfare, "복지 제안 오늘 기한"), today)
    _in_review_until(_propose(residents, jobs, "일자리 제안 사흘 지남"), today - timedelta(days=3))
    _in_review_until(_propose(residents, jobs, "일자리 제안 다음 주 기한"), today + timedelta(days=7))
    answered = _in_review_until(_propose(residents, jobs, "일자리 제안 답변 완료"), today - timedelta(days=20))
    answered.status = "answered"  # answered late, but no longer owed: not counted
    _propose(residents, welfare, "아직 공감을 받는 제안")  # open: no clock yet
    db.session.commit()
    login_as(make_user("admin@example.com", role="admin", locale="ko"))
    rows = _overview_rows(client.get("/staff/").get_data(as_text=True))
    assert rows["복지정책과"] == (3, 2, True)
    assert rows["일자리벤처과"] == (2, 1, True)
    assert rows["교통행정과"] == (0, 0, False)
    assert sum(late for _, late, _ in rows.values()) == 3


def test_division_staff_see_their_inbox_without_the_all_divisions_overview(db, residents, welfare, staff, client,
                                                                           login_as):
    _in_review_until(_propose(residents, welfare, "복지 제안 열흘 지남"), datetime.now(SEOUL).date() - timedelta(days=10))
    db.session.commit()
    login_as(staff)
    html = client.get("/staff/").get_data(as_text=True)
    assert "복지 제안 열흘 지남" in html and 'id="overview-title"' not in html


def _inbox_rows(html):
    """[(title, marked overdue, days-left cell as text)] of the inbox table, in page order."""
    table = html[html.index('<table class="tbl col data inbox">'):]
    table = table[:table.index("</table>")]
    rows = []
    for marked, row in re.findall(r'<tr( class="is-overdue")?>\s*<th scope="row">(.*?)</tr>', table, re.S):
        title = re.search(r'<a href="[^"]+">([^<]+)</a>', row).group(1)
        last_cell = re.findall(r"<td>(.*?)</td>", row, re.S)[-1]
        rows.append((title, bool(marked), " ".join(re.sub(r"<[^>]+>", "", last_cell).split())))
    return rows


@pytest.mark.parametrize("locale, late10, late1, today, tomorrow, in5", [
    ("en", "Overdue (10 days late)", "Overdue (1 day late)", "0 days", "1 day", "5 days"),
    ("ko", "기한 초과 (10일 지남)", "기한 초과 (1일 지남)", "0일", "1일", "5일"),
])
def test_the_inbox_shows_the_days_left_with_overdue_ones_first_and_marked(db, residents, welfare, staff, client,
                                                                          login_as, locale, late10, late1, today,
                                                                          tomorrow, in5):
    day = datetime.now(SEOUL).date()
    # Created in an order unlike the expected one, so the order on the page is the inbox's own.
    for title, due_day in [("닷새 남은 제안입니다", day + timedelta(days=5)), ("하루 지난 제안입니다", day - timedelta(days=1)),
                           ("오늘 기한인 제안입니다", day), ("열흘 지난 제안입니다", day - timedelta(days=10)),
                           ("내일 기한인 제안입니다", day + timedelta(days=1))]:
        _in_review_until(_propose(residents, welfare, title), due_day)
    _propose(residents, welfare, "공감을 받는 중인 제안")
    staff.locale = locale
    db.session.commit()
    login_as(staff)
    rows = _inbox_rows(client.get("/staff/").get_data(as_text=True))
    assert rows == [
        ("열흘 지난 제안입니다", True, late10),
        ("하루 지난 제안입니다", True, late1),
        ("오늘 기한인 제안입니다", False, today),
        ("내일 기한인 제안입니다", False, tomorrow),
        ("닷새 남은 제안입니다", False, in5),
        ("공감을 받는 중인 제안", False, "—"),
    ]


# --- rule changes apply from then on ---------------------------------------------------------------

def _rules(admin, **changes):
    from app.services.rules import update_rules

    values = {"review_threshold": 5, "mayor_threshold": 100, "answer_days": 15, "use_business_days": False,
              "open_days": 30, **changes}
    update_rules(admin, **values)


@pytest.mark.parametrize("changes", [{"answer_days": 3}, {"answer_days": 60}, {"use_business_days": True}],
                         ids=["shorter", "longer", "business-days"])
def test_changing_the_answer_clock_leaves_a_proposal_in_review_due_when_it_was(db, proposal, residents, make_user,
                                                                               welfare, changes, staff):
    from app.services.deadlines import send_deadline_reminders

    reached = datetime(2025, 3, 1, 0, 30, tzinfo=SEOUL)
    support_n(db, proposal, residents(5), now=reached)
    due = proposal.answer_due_at
    assert due == datetime(2025, 3, 16, 23, 59, 59, tzinfo=SEOUL)
    _rules(make_user("admin@example.com", role="admin"), **changes)
    db.session.commit()
    support_n(db, proposal, residents(1), now=reached + timedelta(days=1))  # more support, same review
    send_deadline_reminders(now=reached + timedelta(days=2))
    db.session.expire_all()
    assert proposal.status == "in_review" and proposal.answer_due_at == due
    # A proposal reaching review from now on runs on the new clock.
    later = service.create_proposal(residents(1)[0], title="새 규칙으로 검토될 제안", body="새 규칙이 적용되는지 보는 제안입니다.",
                                    category=welfare, now=reached)
    db.session.commit()
    support_n(db, later, residents(5), now=reached)
    assert later.answer_due_at == answer_due_at(reached, current_rules()) != due


def test_changing_the_open_period_never_reopens_a_closed_proposal(db, proposal, residents, make_user, forms,
                                                                  login_as):
    closed_at = proposal.created_at + timedelta(days=30)
    assert service.close_expired(now=closed_at) == 1
    db.session.commit()
    admin = make_user("admin@example.com", role="admin", locale="en")
    login_as(admin)
    response = forms.submit("/admin/rules", {"review_threshold": "1", "mayor_threshold": "100", "answer_days": "15",
                                             "open_days": "365"})
    assert response.status_code == 302
    assert current_rules().open_days == 365 and current_rules().review_threshold == 1
    assert service.close_expired(now=closed_at + timedelta(days=1)) == 0  # nothing left to close, nothing reopened
    db.session.commit()
    db.session.refresh(proposal)
    assert proposal.status == "closed" and proposal.closed_at == closed_at
    with pytest.raises(ServiceError):  # even one supporter, now enough for review, cannot revive it
        service.support_proposal(residents(1)[0], proposal)
    db.session.rollback()
    assert proposal.status == "closed" and proposal.support_count == 0
    assert db.session.execute(select(func.count()).select_from(ProposalEvent).where(
        ProposalEvent.proposal_id == proposal.id, ProposalEvent.to_status == "open")).scalar_one() == 1  # created only


def test_lowering_the_mayors_threshold_below_a_count_sends_no_alert_and_changes_nothing(
    db, proposal, residents, make_user, staff, run_jobs, smtp
):
    from app.services.deadlines import send_deadline_reminders

    support_n(db, proposal, residents(7))
    db.session.refresh(proposal)
    before = (proposal.status, proposal.answer_due_at, proposal.support_count)
    notices = db.session.execute(select(func.count(Notification.id))).scalar_one()
    events = len(proposal.events)
    _rules(make_user("admin@example.com", role="admin"), mayor_threshold=6)
    db.session.commit()
    send_deadline_reminders()
    service.close_expired()
    db.session.commit()
    proposal_id = proposal.id
    run_jobs()  # anything queued would be delivered now
    proposal = db.session.get(Proposal, proposal_id)
    assert (proposal.status, proposal.answer_due_at, proposal.support_count) == before
    assert proposal.mayor_requested_at is None and proposal.mayor_due_at is None
    assert alerts(db, "mayor.requested") == 0
    assert db.session.execute(select(func.count(Notification.id))).scalar_one() == notices
    assert len(proposal.events) == events
    assert "mayor@gwanak.example" not in {m["To"] for m in smtp.messages}


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

PUBLIC_SURFACES = {
    "list": "/proposals/", "search": "/proposals/?q=급식소", "home": "/", "feed": "/proposals.atom",
    "csv": "/proposals.csv", "json": "/proposals.json",
}


def _surface_text(client, url):
    """What a reader of this surface sees; JSON is decoded (it escapes Korean as \\uXXXX)."""
    response = client.get(url)
    assert response.status_code == 200, url
    if url.endswith(".json"):
        return "\n".join(p["title"] for p in response.get_json()["proposals"])
    return response.get_data(as_text=True)


def _home_widgets(html):
    """The home page's two proposal widgets (latest, most supported), each as its own HTML."""
    latest = html[html.index('id="latest-title"'):html.index('id="top-title"')]
    top = html[html.index('id="top-title"'):html.index('id="dong-title"')]
    return latest, top


def test_a_hidden_proposal_disappears_from_every_public_surface(db, proposal, make_user, residents, client, login_as,
                                                              forms):
    from app.services import attachments

    attachment = attachments.store(proposal, [("현장 사진.png", PNG, "image/png")])[0]
    db.session.add(attachment)
    db.session.commit()
    title, body_part = proposal.title, "급식소를 늘려"
    download = f"/proposals/{proposal.id}/attachments/{attachment.id}"
    # Before: the proposal is on every surface (so "absent afterwards" means something).
    for surface, url in PUBLIC_SURFACES.items():
        assert title in _surface_text(client, url), surface
    home = client.get("/").get_data(as_text=True)
    assert all(title in widget for widget in _home_widgets(home))
    assert client.get(download).data == PNG
    assert body_part in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)

    service.hide_proposal(make_user("admin@example.com", role="admin"), proposal, "개인정보 노출")
    db.session.commit()

    for surface, url in PUBLIC_SURFACES.items():
        assert title not in _surface_text(client, url), surface
    home = client.get("/").get_data(as_text=True)
    assert not any(title in widget for widget in _home_widgets(home))
    assert client.get(download).status_code == 404
    assert client.get(f"/proposals/{proposal.id}").status_code == 404
    # Another signed-in resident gets the same 404.
    login_as(residents(1)[0])
    other = client.get(f"/proposals/{proposal.id}")
    assert other.status_code == 404 and body_part not in other.get_data(as_text=True)
    assert client.get(download).status_code == 404
    forms.submit("/", {}, action="/auth/logout")
    # Its author sees the placeholder with the moderator's reason, never the body or the file.
    login_as(proposal.author)
    own = client.get(f"/proposals/{proposal.id}")
    page = own.get_data(as_text=True)
    assert own.status_code == 200 and "숨겨진 제안입니다" in page
    assert "개인정보 노출" in page and body_part not in page
    assert client.get(download).status_code == 404
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


def _section(html, heading_id):
    """The HTML of one <section aria-labelledby=…> of a page."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    return html[start:html.index("</section>", start)]


def test_my_activity_lists_my_proposals_sympathies_votes_comments_and_follows(db, proposal, residents, welfare,
                                                                              client, login_as):
    me = residents(1)[0]
    service.support_proposal(me, proposal)
    comments.add_comment(me, proposal, "저도 공감합니다.")
    service.create_proposal(me, title="내가 낸 자전거 보관소 제안", body="역 앞에 자전거 보관소를 더 만들어 주세요.",
                            category=welfare)
    voted = service.create_proposal(residents(1)[0], title="주민 투표 중인 산책로 제안", body="도림천 산책로에 쉼터를 만들어 주세요.",
                                    category=welfare)
    voted.status = "voting"
    voted.vote_opens_at, voted.vote_closes_at = datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) + timedelta(days=7)
    db.session.flush()
    service.cast_vote(me, voted, "no")
    db.session.commit()
    service.follow(me, proposal)
    service.follow(residents(1)[0], voted)  # someone else's follow is not mine
    db.session.commit()
    login_as(me)
    html = client.get("/account/activity").get_data(as_text=True)
    assert "내가 낸 자전거 보관소 제안" in _section(html, "a-proposals")
    assert "어르신 무료 급식소 확대" not in _section(html, "a-proposals")  # someone else's
    assert "어르신 무료 급식소 확대" in _section(html, "a-support")
    votes = _section(html, "a-votes")
    assert "주민 투표 중인 산책로 제안" in votes and "— 반대" in votes
    assert "어르신 무료 급식소 확대" not in votes
    assert "저도 공감합니다." in _section(html, "a-comments")
    follows = _section(html, "a-follows")
    # Authors follow their own proposal automatically.
    assert "내가 낸 자전거 보관소 제안" in follows and "어르신 무료 급식소 확대" in follows
    assert "주민 투표 중인 산책로 제안" not in follows


def test_a_new_proposal_alerts_its_division_the_moment_it_arrives(db, residents, welfare, staff, smtp, run_jobs):
    created = service.create_proposal(residents(1)[0], title="공원 화장실 야간 개방", body="공원 화장실을 밤에도 열어 주세요. 부탁드립니다.",
                                      category=welfare)
    db.session.commit()
    title = created.title
    assert alerts(db, "opinion.new") == 1
    run_jobs()
    subjects = {m["To"]: m["Subject"] for m in smtp.messages}
    assert subjects["welfare@gwanak.example"] == f"[새 의견] {title}"


# --- defects found by a newcomer -----------------------------------------------------------------

def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_start_with_a_quote(db, make_proposal, client):
    for title in ["=HYPERLINK(\"http://evil.example\")", "+1+2 더하기", "-2-3 빼기", "@SUM(A1:A2)", "\t탭으로 시작"]:
        make_proposal(title=title, status="open")
    make_proposal(title="평범한 제목입니다", status="open")
    import csv

    rows = list(csv.DictReader(io.StringIO(client.get("/proposals.csv").get_data(as_text=True).lstrip("\ufeff"))))
    titles = {r["title"] for r in rows}
    assert titles == {"'=HYPERLINK(\"http://evil.example\")", "'+1+2 더하기", "'-2-3 빼기", "'@SUM(A1:A2)",
                      "'\t탭으로 시작", "평범한 제목입니다"}


def _staff_of(db, make_user, name_ko, email):
    officer = make_user(email, role="staff")
    db.session.add(StaffMembership(user=officer, division=db.session.execute(
        select(Division).filter_by(name_ko=name_ko)).scalar_one()))
    db.session.commit()
    return officer


def test_staff_see_only_their_own_divisions_proposals_on_the_staff_page(db, proposal, staff, make_user, client, login_as,
                                                                        forms):
    other = _staff_of(db, make_user, "어르신지원과", "other@gwanak.example")
    login_as(other)
    response = client.get(f"/staff/proposals/{proposal.id}")
    assert response.status_code == 404 and "급식소를 늘려" not in response.get_data(as_text=True)
    forms.submit("/", {}, action="/auth/logout")
    login_as(staff)
    assert client.get(f"/staff/proposals/{proposal.id}").status_code == 200


def test_a_hidden_proposal_is_not_shown_to_its_division_staff_only_to_admins(db, proposal, staff, make_user, client,
                                                                             login_as, forms):
    admin = make_user("admin@example.com", role="admin")
    service.hide_proposal(admin, proposal, "개인정보 노출")
    db.session.commit()
    login_as(staff)
    response = client.get(f"/staff/proposals/{proposal.id}")
    assert response.status_code == 404 and "급식소를 늘려" not in response.get_data(as_text=True)
    forms.submit("/", {}, action="/auth/logout")
    login_as(admin)
    assert "급식소를 늘려" in client.get(f"/staff/proposals/{proposal.id}").get_data(as_text=True)


def test_a_vote_quorum_too_large_for_the_database_is_explained_not_a_500(db, proposal, make_user, forms, login_as):
    proposal.status = "at_conference"
    db.session.commit()
    login_as(make_user("admin@example.com", role="admin", locale="en"))
    response = forms.submit(f"/admin/proposals/{proposal.id}", {
        "opens_at": "2026-06-10T10:00", "closes_at": "2026-06-17T10:00", "quorum": "99999999999999999999"},
        action=f"/admin/proposals/{proposal.id}/vote/open")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Enter a number from 1 to 10,000,000." in html
    assert "99999999999999999999" in html  # what was typed is kept
    db.session.refresh(proposal)
    assert proposal.status == "at_conference"
    with pytest.raises(ServiceError):
        service.open_vote(make_user("admin2@example.com", role="admin"), proposal, opens_at=datetime.now(UTC),
                          closes_at=datetime.now(UTC) + timedelta(days=1), quorum=10_000_001)


@pytest.mark.parametrize("field, value, message", [
    ("review_threshold", "99999999999999999999", "Enter a number from 1 to 100,000."),
    ("mayor_threshold", "99999999999999999999", "Enter a number from 2 to 1,000,000."),
    ("answer_days", "99999999999999999999", "Enter 1 to 90."),
    ("open_days", "-99999999999999999999", "Enter 1 to 365."),
])
def test_rule_numbers_too_large_for_the_database_are_explained(db, make_user, forms, login_as, field, value, message):
    login_as(make_user("admin@example.com", role="admin", locale="en"))
    data = {"review_threshold": "5", "mayor_threshold": "100", "answer_days": "15", "open_days": "30", field: value}
    response = forms.submit("/admin/rules", data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


@pytest.mark.parametrize("field, value", [("remove_division", "99999999999999999999"), ("conference_id", "99999999999999999999")])
def test_admin_ids_out_of_range_are_a_404_not_a_500(db, proposal, make_user, forms, login_as, field, value):
    admin = make_user("admin@example.com", role="admin")
    login_as(admin)
    proposal.status = "answered"
    db.session.commit()
    url = f"/admin/users/{admin.id}" if field == "remove_division" else f"/admin/proposals/{proposal.id}/conference"
    response = forms.submit(f"/admin/users/{admin.id}", {"role": "admin", field: value}, action=url)
    assert response.status_code == 404


def test_the_error_page_rolls_back_a_failed_transaction_before_it_renders(app, db, make_user, client, login_as):
    from app.models import ParticipationRules

    def broken():
        db.session.add(ParticipationRules(review_threshold=10**20, mayor_threshold=1, answer_days=1, open_days=1))
        db.session.flush()  # fails: too large for an INTEGER column; the session now needs a rollback

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    login_as(make_user(locale="en"))
    response = client.get("/broken-for-test")
    assert response.status_code == 500 and "Something went wrong" in response.get_data(as_text=True)


@pytest.mark.parametrize("parent_id", ["99999999999999999999999", "abc", "999999"])
def test_a_reply_to_a_comment_that_cannot_exist_is_explained_and_the_text_kept(
    db, proposal, residents, forms, login_as, parent_id
):
    login_as(residents(1, locale="en")[0])
    response = forms.submit(f"/proposals/{proposal.id}", {"body": "제 답글입니다", "parent_id": parent_id},
                            action=f"/proposals/{proposal.id}/comments")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "The comment you replied to no longer exists." in html
    assert "제 답글입니다" in html


def test_good_attachments_are_kept_when_the_text_needs_fixing(forms, residents, login_as, db):
    login_as(residents(1, locale="en")[0])
    data = propose_form(forms, title="짧음")
    files = {"attachments": [(io.BytesIO(PNG), "현장 사진.png")]}
    response = forms.submit("/proposals/new", {**data, "action": "preview", **files}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "The title must be between 5 and 100 characters." in html
    assert "Already attached: 현장 사진.png" in html
    # Fixed text, no file chosen again: the kept file goes with the proposal.
    forms.submit("/proposals/new", {**data, "title": "보라매공원 야간 조명 개선", "action": "submit"})
    created = db.session.execute(select(Proposal).where(Proposal.source.is_(None))).scalar_one()
    assert [a.original_name for a in created.attachments] == ["현장 사진.png"]


def test_the_moderators_reason_starts_empty_and_the_report_is_shown_apart(db, proposal, residents, make_user, client,
                                                                          login_as):
    comment = comments.add_comment(residents(1)[0], proposal, "문제가 될 수 있는 댓글")
    db.session.commit()
    comments.report_comment(residents(1)[0], comment, "신고자가 쓴 사유입니다")
    db.session.commit()
    login_as(make_user("admin@example.com", role="admin"))
    html = client.get("/admin/reports").get_data(as_text=True)
    assert html.count("신고자가 쓴 사유입니다") == 1  # in the report, not in the box for the author
    assert re.search(r'<textarea id="reason-\d+" name="reason" class="krds-input" rows="2" maxlength="1000" required></textarea>', html)


def test_a_moderator_dismisses_an_unfounded_report_and_the_comment_stays(db, proposal, residents, make_user, forms,
                                                                         login_as, client):
    comment = comments.add_comment(residents(1)[0], proposal, "멀쩡한 댓글입니다")
    db.session.commit()
    comments.report_comment(residents(1)[0], comment, "그냥 싫어요")
    db.session.commit()
    login_as(make_user("admin@example.com", role="admin"))
    response = forms.submit("/admin/reports", {}, action=f"/admin/comments/{comment.id}/dismiss")
    assert response.status_code == 302
    assert comments.open_reports() == []
    db.session.refresh(comment)
    assert comment.hidden_at is None and "멀쩡한 댓글입니다" in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)


def test_reports_one_open_per_person_never_on_hidden_or_own_comments(db, proposal, residents, make_user, forms,
                                                                       login_as):
    author, reporter = residents(2, locale="en")
    comment = comments.add_comment(author, proposal, "신고될 댓글입니다")
    db.session.commit()
    comments.report_comment(reporter, comment, "첫 신고")
    db.session.commit()
    with pytest.raises(ServiceError, match="이미 신고한 댓글"):
        comments.report_comment(reporter, comment, "두 번째 신고")
    with pytest.raises(ServiceError, match="자신의 댓글은 신고할 수 없습니다"):
        comments.report_comment(author, comment, "제 댓글 신고")
    comments.hide_comment(make_user("admin@example.com", role="admin"), comment, "규정 위반")
    db.session.commit()
    with pytest.raises(ServiceError, match="이미 관리자가 숨겼습니다"):
        comments.report_comment(residents(1)[0], comment, "숨긴 댓글 신고")
    db.session.rollback()
    assert comments.open_reports() == []
    login_as(reporter)  # over HTTP: a message, not a new open report
    response = forms.submit(f"/proposals/{proposal.id}", {"reason": "또 신고"}, follow_redirects=True,
                            action=f"/proposals/{proposal.id}/comments/{comment.id}/report")
    assert "This comment has already been hidden by a moderator." in response.get_data(as_text=True)
    assert comments.open_reports() == []


@pytest.mark.parametrize("status, accepted", [
    ("open", True), ("in_review", True), ("answered", True), ("at_conference", True), ("voting", True),
    ("adopted", True), ("implementing", True),
    ("withdrawn", False), ("closed", False), ("hidden", False), ("rejected", False), ("completed", False),
])
def test_opinions_are_taken_only_while_a_proposal_is_being_decided_or_carried_out(db, proposal, residents, status,
                                                                                 accepted):
    proposal.status = status
    db.session.commit()
    if accepted:
        comments.add_comment(residents(1)[0], proposal, "의견입니다")
    else:
        with pytest.raises(ServiceError, match="더 이상 의견을 받지 않습니다"):
            comments.add_comment(residents(1)[0], proposal, "의견입니다")


def test_a_comment_on_a_withdrawn_proposal_is_refused_with_a_message(db, proposal, residents, forms, login_as):
    reader = residents(1, locale="en")[0]
    service.withdraw_proposal(proposal.author, proposal)
    db.session.commit()
    login_as(reader)
    page = forms.client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "This proposal no longer takes opinions." in page and 'name="body"' not in page
    response = forms.submit(f"/proposals/{proposal.id}", {"body": "철회된 제안에 남기는 의견"},
                            action=f"/proposals/{proposal.id}/comments")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "This proposal no longer takes opinions." in html


def test_the_follow_button_says_which_state_it_is_in(db, proposal, residents, forms, login_as):
    login_as(residents(1, locale="en")[0])
    page = forms.client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Follow this proposal" in page and "Following ✓" not in page
    forms.submit(f"/proposals/{proposal.id}", {"action": "follow"}, action=f"/proposals/{proposal.id}/follow")
    page = forms.client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Following ✓" in page and "Press again to stop following." in page
    assert "Follow this proposal</button>" not in page


def test_withdrawing_needs_the_box_ticked_without_javascript(db, proposal, forms, login_as):
    proposal.author.locale = "en"
    db.session.commit()
    login_as(proposal.author)
    page = forms.client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "I understand that withdrawing cannot be undone." in page
    response = forms.submit(f"/proposals/{proposal.id}", {}, action=f"/proposals/{proposal.id}/withdraw",
                            follow_redirects=True)
    assert "Tick the box to confirm that you want to withdraw your proposal." in response.get_data(as_text=True)
    db.session.refresh(proposal)
    assert proposal.status == "open"
    forms.submit(f"/proposals/{proposal.id}", {"confirm": "y"}, action=f"/proposals/{proposal.id}/withdraw")
    db.session.refresh(proposal)
    assert proposal.status == "withdrawn"


@pytest.mark.parametrize("quorum, votes, words", [
    (None, ["yes", "yes", "no"], "Adopted: most votes were yes."),
    (None, ["yes", "no"], "Not adopted: the yes votes were not a majority."),
    (5, ["yes", "yes"], "Not adopted: fewer than 5 votes were cast, the minimum needed."),
])
def test_a_vote_closed_early_shows_when_it_closed_and_the_outcome_in_words(db, proposal, residents, make_user,
                                                                          client, quorum, votes, words):
    proposal.status = "voting"
    opened = datetime.now(UTC) - timedelta(days=1)
    proposal.vote_opens_at, proposal.vote_closes_at, proposal.vote_quorum = opened, opened + timedelta(days=30), quorum
    db.session.commit()
    for person, choice in zip(residents(len(votes)), votes, strict=True):
        service.cast_vote(person, proposal, choice)
    closed_at = datetime.now(UTC)
    service.close_vote(make_user("admin@example.com", role="admin"), proposal, now=closed_at)
    db.session.commit()
    assert proposal.vote_closes_at == closed_at
    html = client.get(f"/proposals/{proposal.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The vote is closed." in html and words in html
    assert closed_at.astimezone(SEOUL).strftime("%H:%M") in html


def test_the_staff_page_shows_the_answer_deadline_only_while_it_applies(db, proposal, residents, staff, client,
                                                                        login_as):
    support_n(db, proposal, residents(5))
    login_as(staff)
    assert "답변 기한" in client.get(f"/staff/proposals/{proposal.id}").get_data(as_text=True)
    service.answer_proposal(staff, proposal, decision="accepted", body="복지정책과에서 검토하여 수용합니다.")
    db.session.commit()
    assert "답변 기한" not in client.get(f"/staff/proposals/{proposal.id}").get_data(as_text=True)


def test_the_timeline_names_the_division_that_received_a_transfer(db, proposal, staff, make_user, client):
    elderly = db.session.execute(select(Division).filter_by(name_ko="어르신지원과")).scalar_one()
    service.transfer_proposal(staff, proposal, elderly, "어르신 소관입니다.")
    admin = make_user("admin@example.com", role="admin")
    welfare_division = db.session.execute(select(Division).filter_by(name_ko="복지정책과")).scalar_one()
    service.transfer_proposal(admin, proposal, welfare_division, "다시 복지정책과로 보냅니다.")
    db.session.commit()
    html = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "복지정책과에서 어르신지원과(으)로 이관했습니다" in html
    assert "어르신지원과에서 복지정책과(으)로 이관했습니다" in html


def test_the_audit_log_reads_as_sentences_not_keys_and_json(db, make_user, client, login_as):
    from app.services.rules import update_rules

    admin = make_user("admin@example.com", role="admin", locale="en")
    update_rules(admin, review_threshold=5, mayor_threshold=100, answer_days=10, use_business_days=True, open_days=30)
    db.session.commit()
    login_as(admin)
    html = client.get("/admin/rules").get_data(as_text=True)
    assert "Rules changed" in html and "rules.update" not in html and "{&#34;" not in html and '{"' not in html
    assert "Days to answer: 15 → 10" in html
    assert "Count Korean business days (weekends and public holidays excluded): No → Yes" in html
    assert "Supporters for division review: 5" not in html  # unchanged fields are left out


def test_a_too_short_title_gets_one_message(forms, residents, login_as):
    login_as(residents(1, locale="en")[0])
    response = forms.submit("/proposals/new", {**propose_form(forms, title="짧음"), "action": "preview"})
    html = response.get_data(as_text=True)
    assert "The title must be between 5 and 100 characters." in html
    assert "Use at least 5 visible characters." not in html
