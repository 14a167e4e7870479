"""Every transition function from every state: allowed moves happen, forbidden ones raise
TransitionError and change nothing, and the routes turn a forbidden move into a translated message."""
import html as html_lib
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.models import Category, PolicyConference, Proposal, ProposalEvent, StaffMembership
from app.services import ServiceError
from app.services import proposals as service
from app.services.proposals import TransitionError

STATES = ["open", "in_review", "answered", "at_conference", "voting", "adopted", "rejected", "implementing",
          "completed", "closed", "withdrawn", "hidden"]
NOW = datetime(2026, 6, 10, 1, 0, tzinfo=UTC)


@pytest.fixture
def people(db, make_user):
    welfare = db.session.execute(select(Category).filter_by(slug="health-welfare")).scalar_one()
    officer = make_user("officer@gwanak.example", role="staff")
    db.session.add(StaffMembership(user=officer, division=welfare.default_division))
    db.session.commit()
    return {"author": make_user("author@example.com", verified_dong="1162052500"),
            "admin": make_user("admin@example.com", role="admin"), "staff": officer, "category": welfare}


def in_state(db, people, state, *, hidden_from="in_review"):
    """A proposal put straight into `state`, with the fields that state has in real life."""
    proposal = service.create_proposal(people["author"], title="어르신 무료 급식소 확대",
                                       body="관악구 어르신 급식소를 늘려 주세요. 충분히 긴 본문입니다.", category=people["category"],
                                       now=NOW - timedelta(days=40))
    proposal.status = state
    proposal.review_started_at = NOW - timedelta(days=20)
    proposal.answer_due_at = NOW - timedelta(days=5)
    if state == "voting":
        proposal.vote_opens_at, proposal.vote_closes_at = NOW - timedelta(days=1), NOW + timedelta(days=6)
    if state == "hidden":
        proposal.status_before_hidden, proposal.hidden_at, proposal.hidden_reason = hidden_from, NOW, "개인정보 노출"
    db.session.commit()
    return proposal


def conference():
    return PolicyConference(title="2026 상반기 정책토론회", held_on=date(2026, 6, 1))


# move name → (call, {allowed from: status afterwards})
MOVES = {
    "answer_proposal": (lambda p, who: service.answer_proposal(who["staff"], p, decision="accepted",
                                                               body="복지정책과에서 검토하여 수용합니다.", now=NOW),
                        {"in_review": "answered"}),
    "send_to_conference": (lambda p, who: service.send_to_conference(who["admin"], p, conference(), now=NOW),
                           {"answered": "at_conference"}),
    "open_vote": (lambda p, who: service.open_vote(who["admin"], p, opens_at=NOW, closes_at=NOW + timedelta(days=7),
                                                   now=NOW),
                  {"at_conference": "voting"}),
    "close_vote": (lambda p, who: service.close_vote(who["admin"], p, now=NOW),
                   {"voting": "rejected"}),  # no votes cast: no majority
    "start_implementation": (lambda p, who: service.start_implementation(who["admin"], p, now=NOW),
                             {"adopted": "implementing"}),
    "complete_proposal": (lambda p, who: service.complete_proposal(who["admin"], p, "급식소 2곳을 새로 열었습니다.", now=NOW),
                          {"implementing": "completed"}),
    "withdraw_proposal": (lambda p, who: service.withdraw_proposal(who["author"], p, now=NOW),
                          {"open": "withdrawn"}),
    "hide_proposal": (lambda p, who: service.hide_proposal(who["admin"], p, "개인정보 노출", now=NOW),
                      {s: "hidden" for s in STATES if s != "hidden"}),
    "unhide_proposal": (lambda p, who: service.unhide_proposal(who["admin"], p, now=NOW),
                        {"hidden": "in_review"}),  # back to where it was hidden from
}


def events_of(db, proposal_id):
    return db.session.execute(select(ProposalEvent).filter_by(proposal_id=proposal_id)
                              .order_by(ProposalEvent.id)).scalars().all()


@pytest.mark.parametrize("state", STATES)
def test_each_transition_function_moves_only_from_the_states_it_allows(db, people, state):
    for move, (call, allowed) in MOVES.items():
        proposal = in_state(db, people, state)
        proposal_id, before = proposal.id, len(events_of(db, proposal.id))
        if state in allowed:
            call(proposal, people)
            db.session.commit()
            db.session.expire_all()
            assert db.session.get(Proposal, proposal_id).status == allowed[state], move
            last = events_of(db, proposal_id)[-1]
            assert (last.from_status, last.to_status) == (state, allowed[state]), move
        else:
            with pytest.raises(TransitionError):
                call(proposal, people)
            db.session.rollback()
            assert db.session.get(Proposal, proposal_id).status == state, move
            assert len(events_of(db, proposal_id)) == before, move
    assert db.session.execute(select(func.count(PolicyConference.id))).scalar_one() == (
        1 if state == "answered" else 0)  # a refused move leaves no conference behind


@pytest.mark.parametrize("state", STATES)
def test_the_threshold_and_expiry_move_only_an_open_proposal(db, people, make_user, state):
    """The system's own moves (open → in_review at the threshold, open → closed at expiry) are
    no-ops from any other state: a late sympathy or a late run of the job changes nothing."""
    from app.services.rules import current_rules

    current_rules().review_threshold = 1
    supporter = make_user("supporter@example.com", verified_dong="1162052500")
    proposal = in_state(db, people, state)
    if state == "open":
        proposal.review_started_at = proposal.answer_due_at = None
        db.session.commit()
    proposal_id = proposal.id
    if state in ("open", "in_review"):
        service.support_proposal(supporter, proposal, now=NOW)
        db.session.commit()
    else:
        with pytest.raises(ServiceError, match="더 이상 공감을 받지 않습니다"):
            service.support_proposal(supporter, proposal, now=NOW)
        db.session.rollback()
    assert db.session.get(Proposal, proposal_id).status == ("in_review" if state in ("open", "in_review") else state)

    expiring = in_state(db, people, state)
    expiring.open_until_at = NOW - timedelta(days=1)
    if state == "open":
        expiring.review_started_at = expiring.answer_due_at = None
    db.session.commit()
    assert service.close_expired(now=NOW) == (1 if state == "open" else 0)
    db.session.commit()
    assert db.session.get(Proposal, expiring.id).status == ("closed" if state == "open" else state)


@pytest.mark.parametrize("hidden_from", ["open", "in_review", "answered", "voting", "adopted", "completed",
                                         "withdrawn"])
def test_unhiding_returns_a_proposal_to_the_status_it_was_hidden_from(db, people, hidden_from):
    proposal = in_state(db, people, hidden_from)
    service.hide_proposal(people["admin"], proposal, "개인정보 노출", now=NOW)
    db.session.commit()
    assert proposal.status == "hidden" and proposal.status_before_hidden == hidden_from
    service.unhide_proposal(people["admin"], proposal, now=NOW + timedelta(hours=1))
    db.session.commit()
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    assert proposal.status == hidden_from
    assert proposal.status_before_hidden is None and proposal.hidden_at is None and proposal.hidden_reason is None
    last = events_of(db, proposal.id)[-1]
    assert (last.kind, last.from_status, last.to_status) == ("unhidden", "hidden", hidden_from)


# --- the routes: a forbidden move is a message, not a 500 ------------------------------------------

ROUTES = [
    # (who, state, url, form, en, ko)
    ("staff", "open", "/staff/proposals/{id}/answer",
     {"decision": "accepted", "body": "검토하여 수용합니다.", "action": "submit"},
     "Only a proposal under division review can be answered.", "부서 검토 중인 제안에만 답변할 수 있습니다."),
    ("admin", "open", "/admin/proposals/{id}/conference", {"title": "2026 상반기 정책토론회", "held_on": "2026-06-01"},
     "This proposal cannot go from “Open for support” to “Policy conference”.",
     "이 제안은 “공감 진행 중”에서 “정책토론회”(으)로 바꿀 수 없습니다."),
    ("admin", "answered", "/admin/proposals/{id}/vote/open", {"opens_at": "2026-06-10T10:00", "closes_at": "2026-06-17T10:00"},
     "This proposal cannot go from “Answered” to “Residents' vote”.",
     "이 제안은 “답변 완료”에서 “주민 투표”(으)로 바꿀 수 없습니다."),
    ("admin", "at_conference", "/admin/proposals/{id}/vote/close", {},
     "This proposal is not being voted on.", "이 제안은 투표 중이 아닙니다."),
    ("staff", "voting", "/staff/proposals/{id}/implement", {},
     "This proposal cannot go from “Residents' vote” to “In progress”.",
     "이 제안은 “주민 투표”에서 “추진 중”(으)로 바꿀 수 없습니다."),
    ("staff", "answered", "/staff/proposals/{id}/transfer", {"division": "OTHER", "reason": "어르신 소관입니다."},
     "Only an open proposal or one under review can be transferred.",
     "공감 진행 중이거나 검토 중인 제안만 이관할 수 있습니다."),
    ("staff", "adopted", "/staff/proposals/{id}/complete", {"body": "급식소 2곳을 새로 열었습니다."},
     "This proposal cannot go from “Adopted” to “Completed”.", "이 제안은 “채택”에서 “완료”(으)로 바꿀 수 없습니다."),
    ("author", "in_review", "/proposals/{id}/withdraw", {"confirm": "y"},
     "This proposal cannot go from “Division review” to “Withdrawn”.",
     "이 제안은 “부서 검토”에서 “철회”(으)로 바꿀 수 없습니다."),
    ("admin", "hidden", "/admin/proposals/{id}/hide", {"reason": "두 번째 숨김"},
     "This proposal is already hidden.", "이미 숨김 처리된 제안입니다."),
    ("admin", "open", "/admin/proposals/{id}/unhide", {},
     "This proposal is not hidden.", "이 제안은 숨김 상태가 아닙니다."),
]


@pytest.mark.parametrize("locale", ["en", "ko"])
@pytest.mark.parametrize("who, state, url, form, en, ko", ROUTES,
                         ids=[r[2].split("}")[1].strip("/").replace("/", "-") for r in ROUTES])
def test_a_forbidden_move_through_a_route_is_a_translated_message(db, people, forms, login_as, locale, who, state,
                                                                  url, form, en, ko):
    proposal = in_state(db, people, state)
    before = {"status": proposal.status, "result": proposal.result_body, "conference": proposal.conference_id,
              "division": proposal.division_id, "events": len(events_of(db, proposal.id))}
    people[who].locale = locale
    db.session.commit()
    login_as(people[who])
    page = f"/admin/proposals/{proposal.id}" if who == "admin" else (
        f"/staff/proposals/{proposal.id}" if who == "staff" else f"/proposals/{proposal.id}")
    if form.get("division") == "OTHER":
        from app.models import Division

        form = {**form, "division": str(db.session.execute(select(Division.id).filter_by(name_ko="어르신지원과")).scalar_one())}
    response = forms.submit(page, form, action=url.format(id=proposal.id), follow_redirects=True)
    text = html_lib.unescape(response.get_data(as_text=True))
    assert (en if locale == "en" else ko) in text
    if url.endswith(("/answer", "/conference", "/vote/open")):
        # Typed text is not lost: the page answers at once (409) and gives it back to copy.
        assert response.status_code == 409
        assert all(value in text for name, value in form.items() if name in ("body", "title", "opens_at"))
    else:
        assert response.status_code == 200
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    assert {"status": proposal.status, "result": proposal.result_body, "conference": proposal.conference_id,
            "division": proposal.division_id, "events": len(events_of(db, proposal.id))} == before
    assert db.session.execute(select(func.count(PolicyConference.id))).scalar_one() == 0
