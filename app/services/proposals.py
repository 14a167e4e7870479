"""Policy proposals: every change of state happens here, one function per transition.

Each function checks that the move is allowed, stamps the moment, writes the public timeline
event (signed by a division, never a person), and queues notifications through the outbox. Routes
call these and commit; a refused move raises TransitionError, which routes show as a message.
"""
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app import page_cache
from app.extensions import db
from app.models import (
    Division,
    PolicyConference,
    Proposal,
    ProposalAnswer,
    ProposalEvent,
    ProposalFollow,
    ProposalStatus,
    ProposalVote,
    SupportShard,
    Sympathy,
)
from app.models.base import UTCDateTime, utcnow
from app.notifications import Recipient, alert_division, notify
from app.services import ServiceError, permissions
from app.services.rules import active_special_period, answer_due_at, current_rules

S = ProposalStatus
MAYOR_OFFICE = "구청장실"

# Which status may follow which. Hidden can follow anything and returns to where it was.
ALLOWED = {
    S.OPEN: {S.IN_REVIEW, S.CLOSED, S.WITHDRAWN},
    S.IN_REVIEW: {S.ANSWERED},
    S.ANSWERED: {S.AT_CONFERENCE},
    S.AT_CONFERENCE: {S.VOTING},
    S.VOTING: {S.ADOPTED, S.REJECTED},
    S.ADOPTED: {S.IMPLEMENTING},
    S.IMPLEMENTING: {S.COMPLETED},
}
ACCEPTS_SYMPATHY = (S.OPEN.value, S.IN_REVIEW.value)
MAX_QUORUM = 10_000_000  # more than the district's population; keeps the number in an INTEGER column


class TransitionError(ServiceError):
    """A move the lifecycle does not allow (e.g. answering a proposal that is not in review)."""


def can_move(from_status, to_status):
    if to_status == S.HIDDEN.value:
        return from_status != S.HIDDEN.value
    return S(to_status) in ALLOWED.get(S(from_status), set())


def _event(proposal, kind, *, actor_kind, division=None, note=None, from_status=None, to_status=None, now):
    event = ProposalEvent(proposal=proposal, kind=kind, actor_kind=actor_kind, division=division, note=note,
                          from_status=from_status, to_status=to_status, created_at=now)
    db.session.add(event)
    db.session.flush()
    return event


def _tell_followers(proposal, event, *, except_user=None, event_name=None):
    """The author and followers hear of every transition, in-app and by email.

    The one who made the move is not told of it (the author withdrawing, the admin hiding)."""
    user_ids = set(db.session.execute(
        select(ProposalFollow.user_id).where(ProposalFollow.proposal_id == proposal.id)).scalars())
    if proposal.author_id:
        user_ids.add(proposal.author_id)
    if except_user is not None:
        user_ids.discard(except_user.id)
    if not user_ids:
        return
    from app.models import User

    users = db.session.execute(select(User).where(User.id.in_(user_ids))).scalars().all()
    notify(event_name or f"proposal.{event.to_status or event.kind}", proposal, [Recipient(user=u) for u in users],
           channels=("inapp", "email"), occurrence=str(event.id), now=event.created_at)


def _check_move(proposal, to_status):
    if not can_move(proposal.status, to_status):
        raise TransitionError(_l("This proposal cannot go from “%(from)s” to “%(to)s”.",
                                 **{"from": _status_label(proposal.status), "to": _status_label(to_status)}))


def _move(proposal, to_status, *, actor_kind, division=None, note=None, now, actor=None, kind=None):
    """Change status (the only place it changes) and record it; raises TransitionError."""
    from_status = proposal.status
    _check_move(proposal, to_status)
    proposal.status = to_status
    proposal.updated_at = now
    event = _event(proposal, kind or "status", actor_kind=actor_kind, division=division, note=note,
                   from_status=from_status, to_status=to_status, now=now)
    _tell_followers(proposal, event, except_user=actor)
    return event


def _status_label(status):
    from app.labels import PROPOSAL_STATUS

    return PROPOSAL_STATUS.get(status, status)


def mayor_office():
    return db.session.execute(select(Division).filter_by(name_ko=MAYOR_OFFICE)).scalar_one_or_none()


# --- propose -----------------------------------------------------------------------------------

def create_proposal(author, *, title, body, category, dong=None, submission_key=None, now=None):
    """A verified resident proposes; during a special period it goes straight to review."""
    now = now or utcnow()
    if not permissions.can_propose(author):
        raise ServiceError(_l("Only verified residents can propose. Ask the district office to verify you."))
    if submission_key:
        existing = db.session.execute(select(Proposal).filter_by(submission_key=submission_key)).scalar_one_or_none()
        if existing is not None and (existing.title, existing.body) == (title, body):
            return existing  # the same form sent twice
        if existing is not None:  # sent, then changed and sent again (Back, edit, register)
            raise ServiceError(_l("This form was already registered as “%(title)s”. Your changed text is kept "
                                  "below: register it again to make it a new proposal.", title=existing.title))
    rules = current_rules()
    proposal = Proposal(
        title=title, body=body, category=category, dong=dong, division=category.default_division,
        author=author, status=S.OPEN.value, settled_support_count=0, created_at=now, updated_at=now,
        open_until_at=now + timedelta(days=rules.open_days), submission_key=submission_key,
    )
    db.session.add(proposal)
    db.session.flush()
    _event(proposal, "created", actor_kind="resident", to_status=S.OPEN.value, now=now)
    db.session.add(ProposalFollow(proposal_id=proposal.id, user_id=author.id, created_at=now))
    if active_special_period(now) is not None:
        _start_review(proposal, now, special=True)  # its review alert is the division's notice
    else:
        alert_division("opinion.new", proposal, proposal.division, now=now)
    return proposal


def _start_review(proposal, now, *, special=False):
    """open → in_review, once: the conditional UPDATE makes concurrent thresholds fire one alert."""
    rules = current_rules()
    due = answer_due_at(now, rules)
    started = db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.status == S.OPEN.value, Proposal.review_started_at.is_(None))
        .values(status=S.IN_REVIEW.value, review_started_at=now, answer_due_at=due, is_special_period=special,
                updated_at=now)
        .returning(Proposal.id)
        .execution_options(synchronize_session=False)
    ).first()
    if started is None:
        return False
    db.session.refresh(proposal)
    event = _event(proposal, "special_period" if special else "threshold", actor_kind="system",
                   from_status=S.OPEN.value, to_status=S.IN_REVIEW.value, division=proposal.division, now=now)
    alert_division("review.requested", proposal, proposal.division, now=now)
    _tell_followers(proposal, event)
    return True


def _request_mayor(proposal, now):
    """At the Mayor's threshold, once: the Mayor's office must answer on the same clock."""
    due = answer_due_at(now, current_rules())
    requested = db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.mayor_requested_at.is_(None))
        .values(mayor_requested_at=now, mayor_due_at=due)
        .returning(Proposal.id)
        .execution_options(synchronize_session=False)
    ).first()
    if requested is None:
        return False
    db.session.refresh(proposal)
    office = mayor_office()
    _event(proposal, "mayor_requested", actor_kind="system", division=office, now=now)
    alert_division("mayor.requested", proposal, office, now=now)
    return True


# --- sympathy (공감) ----------------------------------------------------------------------------
#
# The hot path of a viral proposal. A sympathy never updates its proposal's row: it inserts its own
# row and adds 1 to one of SupportShard.SHARDS rows of the proposal (by the resident's id), in one
# transaction, so the exact count (Proposal.support_count: the settled column plus the shards) is
# always the number of rows, and residents do not queue for one row lock. The thresholds are
# checked against that exact count: inside the sympathy's transaction (it sees its own row and every
# committed one) and, because two sympathies committing side by side do not see each other, once
# more after the commit (`reach_thresholds`); the conditional UPDATEs of _start_review and
# _request_mayor make each fire exactly once whoever gets there. The minute tick looks again for a
# threshold whose check a crash interrupted, and settles the shards into the proposals' rows.

# Who may support, as SQL: the same rules as permissions.why_not_support (a verified resident, not
# the author, a proposal taking support), checked again where the row is written.
_ELIGIBLE = ("p.id = :proposal_id AND p.status IN (" + ", ".join(f"'{s}'" for s in ACCEPTS_SYMPATHY) + """)
      AND (p.author_id IS NULL OR p.author_id <> :user_id)
      AND u.id = :user_id AND u.is_verified_resident{token}""")
_STATE = """p.support_count + COALESCE((SELECT SUM(s.n) FROM proposal_support_shards s WHERE s.proposal_id = p.id), 0)
         {plus} AS support_count,
       p.status, p.review_started_at IS NULL AS review_pending, p.mayor_requested_at IS NULL AS mayor_pending,
       (SELECT r.review_threshold FROM participation_rules r ORDER BY r.id LIMIT 1) AS review_threshold,
       (SELECT r.mayor_threshold FROM participation_rules r ORDER BY r.id LIMIT 1) AS mayor_threshold,
       u.locale"""
# PostgreSQL: one statement (on an autocommit connection, one round trip with its commit).
_RECORD_PG = """WITH target AS (
  SELECT p.id, u.id AS user_id FROM proposals p, users u WHERE """ + _ELIGIBLE + """
), ins AS (
  INSERT INTO sympathies (proposal_id, user_id, created_at) SELECT id, user_id, :now FROM target
  ON CONFLICT (proposal_id, user_id) DO NOTHING RETURNING proposal_id
), shard AS (
  INSERT INTO proposal_support_shards (proposal_id, shard, n) SELECT proposal_id, :shard, 1 FROM ins
  ON CONFLICT (proposal_id, shard) DO UPDATE SET n = proposal_support_shards.n + 1 RETURNING proposal_id
)
SELECT """ + _STATE.format(plus="+ 1") + """
FROM shard JOIN proposals p ON p.id = shard.proposal_id JOIN users u ON u.id = :user_id"""  # noqa: S608 -- constants
# SQLite (one writer at a time anyway): the same in three statements of one transaction.
_RECORD_SQLITE = """INSERT INTO sympathies (proposal_id, user_id, created_at)
SELECT p.id, u.id, :now FROM proposals p, users u WHERE """ + _ELIGIBLE + """
ON CONFLICT (proposal_id, user_id) DO NOTHING RETURNING proposal_id"""
_ADD_TO_SHARD = """INSERT INTO proposal_support_shards (proposal_id, shard, n) VALUES (:proposal_id, :shard, :n)
ON CONFLICT (proposal_id, shard) DO UPDATE SET n = proposal_support_shards.n + :n"""
_READ_STATE = ("SELECT " + _STATE.format(plus="") + """
FROM proposals p LEFT JOIN users u ON u.id = :user_id WHERE p.id = :proposal_id""")


@dataclass(frozen=True)
class SupportState:
    """A proposal's exact count, as one statement saw it, and whether a threshold is still to fire."""

    support_count: int
    status: str
    review_pending: bool
    mayor_pending: bool
    review_threshold: int | None  # None: no rules row yet (current_rules creates it)
    mayor_threshold: int | None
    locale: str | None  # the resident's saved language

    @property
    def threshold_due(self):
        """A threshold is reached (or the rules are unknown here) and has not fired yet."""
        if self.status not in ACCEPTS_SYMPATHY:
            return False
        if self.review_threshold is None or self.mayor_threshold is None:
            return self.review_pending or self.mayor_pending
        return ((self.review_pending and self.status == S.OPEN.value and self.support_count >= self.review_threshold)
                or (self.mayor_pending and self.support_count >= self.mayor_threshold))

    @property
    def threshold_pending(self):
        """A threshold has not fired yet: a sympathy committed beside this one may reach it unseen."""
        return self.status in ACCEPTS_SYMPATHY and (self.review_pending or self.mayor_pending)


def _state(row):
    return SupportState(int(row.support_count), row.status, bool(row.review_pending), bool(row.mayor_pending),
                        row.review_threshold, row.mayor_threshold, row.locale)


def record_sympathy(executor, *, user_id, proposal_id, now, session_token=None):
    """Insert a sympathy and count it in a shard, if the rules allow it: the SupportState after it,
    or None when nothing was written (already supported, or not allowed: why_not_support says why).

    `executor` is the ORM session or a Connection; the caller commits. With `session_token`, the
    account must still have it (a signed-out or re-passworded session writes nothing).
    """
    params = {"user_id": user_id, "proposal_id": proposal_id, "shard": user_id % SupportShard.SHARDS}
    token = ""
    if session_token is not None:
        token, params["token"] = " AND u.session_token = :token", session_token
    now_param = bindparam("now", now, type_=UTCDateTime())
    if _dialect(executor) == "postgresql":
        row = executor.execute(text(_RECORD_PG.format(token=token)).bindparams(now_param), params).first()
        return _state(row) if row is not None else None
    if executor.execute(text(_RECORD_SQLITE.format(token=token)).bindparams(now_param), params).first() is None:
        return None
    executor.execute(text(_ADD_TO_SHARD), {**params, "n": 1})
    return _state(executor.execute(text(_READ_STATE), params).one())


def read_support_state(executor, proposal_id, user_id=None):
    """The proposal's exact count and threshold state, as committed now."""
    row = executor.execute(text(_READ_STATE), {"proposal_id": proposal_id, "user_id": user_id}).first()
    return _state(row) if row is not None else None


def _dialect(executor):
    bind = executor.get_bind() if hasattr(executor, "get_bind") else executor
    return bind.dialect.name


def support_proposal(user, proposal, now=None):
    """One sympathy per verified resident; returns the exact count with it.

    The thresholds it reaches fire here, in its transaction; `reach_thresholds` after the commit
    catches the one a sympathy committed beside it reached unseen (routes call both).
    """
    now = now or utcnow()
    refusal = permissions.why_not_support(user, proposal)
    if refusal:
        raise ServiceError(refusal)
    state = record_sympathy(db.session, user_id=user.id, proposal_id=proposal.id, now=now)
    if state is None:
        if has_supported(user, proposal):
            raise ServiceError(_l("You already support this proposal."))
        raise ServiceError(_l("This proposal no longer takes support."))  # it moved on meanwhile
    page_cache.touch(db.session, {"lists~", f"p:{proposal.id}"})
    set_committed_value(proposal, "support_count", state.support_count)
    if state.threshold_due:
        _reach_thresholds(proposal, state.support_count, now)
    return state.support_count


def reach_thresholds(proposal_id, now=None):
    """After a sympathy's commit: fire a threshold the exact count has reached and nobody fired yet.

    Returns whether the proposal moved (to review). The caller commits.
    """
    state = read_support_state(db.session, proposal_id)
    if state is None or not state.threshold_due:
        return False
    proposal = db.session.get(Proposal, proposal_id, populate_existing=True)
    return _reach_thresholds(proposal, state.support_count, now or utcnow())


def _reach_thresholds(proposal, count, now):
    rules = current_rules()
    moved = False
    if proposal.status not in ACCEPTS_SYMPATHY:
        return False
    if count >= rules.review_threshold and proposal.review_started_at is None and proposal.status == S.OPEN.value:
        moved = _start_review(proposal, now)
    if count >= rules.mayor_threshold and proposal.mayor_requested_at is None:
        _request_mayor(proposal, now)
    return moved


_SETTLE_PG = """WITH moved AS (DELETE FROM proposal_support_shards WHERE proposal_id = :proposal_id RETURNING n)
UPDATE proposals SET support_count = support_count + (SELECT COALESCE(SUM(n), 0) FROM moved)
WHERE id = :proposal_id AND EXISTS (SELECT 1 FROM moved)"""


def settle_support(proposal_id):
    """Count a proposal's shards into its row (what the "most supported" order reads).

    The exact count does not change: the shards' sum moves into the row in one transaction. A
    sympathy committing meanwhile lands in a shard again and is settled next time. The caller commits.
    """
    params = {"proposal_id": proposal_id}
    if _dialect(db.session) == "postgresql":
        db.session.execute(text(_SETTLE_PG), params)
    else:
        moved = db.session.execute(text("SELECT COALESCE(SUM(n), 0) FROM proposal_support_shards "
                                        "WHERE proposal_id = :proposal_id"), params).scalar_one()
        db.session.execute(text("DELETE FROM proposal_support_shards WHERE proposal_id = :proposal_id"), params)
        db.session.execute(text("UPDATE proposals SET support_count = support_count + :moved "
                                "WHERE id = :proposal_id"), {**params, "moved": moved})
    page_cache.touch(db.session, {"lists~"})  # the order of the lists; every page already shows the count


def settle_all_supports(now=None):
    """The minute tick: settle every proposal with shards, and fire any threshold a crash left unfired."""
    ids = db.session.execute(select(SupportShard.proposal_id).distinct()).scalars().all()
    for proposal_id in ids:
        reach_thresholds(proposal_id, now)
        settle_support(proposal_id)
    # Settled now, the column is exact: a threshold whose check after a commit failed shows here.
    rules = current_rules()
    missed = db.session.execute(select(Proposal.id).where(
        Proposal.status.in_(ACCEPTS_SYMPATHY),
        ((Proposal.status == S.OPEN.value) & Proposal.review_started_at.is_(None)
         & (Proposal.settled_support_count >= rules.review_threshold))
        | (Proposal.mayor_requested_at.is_(None) & (Proposal.settled_support_count >= rules.mayor_threshold)))
    ).scalars().all()
    for proposal_id in missed:
        reach_thresholds(proposal_id, now)
    return len(ids)


def withdraw_support(user, proposal, now=None):
    """Withdrawing never undoes a review or the Mayor's request."""
    if proposal.status not in ACCEPTS_SYMPATHY:
        raise ServiceError(_l("Support can only be withdrawn while the proposal is open."))
    removed = db.session.execute(
        delete(Sympathy).where(Sympathy.proposal_id == proposal.id, Sympathy.user_id == user.id)
        .returning(Sympathy.id).execution_options(synchronize_session=False)
    ).first()
    if removed is None:
        raise ServiceError(_l("You do not support this proposal."))
    db.session.execute(text(_ADD_TO_SHARD), {"proposal_id": proposal.id, "shard": user.id % SupportShard.SHARDS,
                                              "n": -1})
    db.session.refresh(proposal)
    return proposal.support_count


def has_supported(user, proposal):
    if not user or not user.is_authenticated:
        return False
    return db.session.execute(
        select(Sympathy.id).filter_by(proposal_id=proposal.id, user_id=user.id)).first() is not None


# --- the division and the Mayor ------------------------------------------------------------------

def answer_proposal(actor, proposal, *, decision, body, now=None):
    """in_review → answered, signed by the division."""
    now = now or utcnow()
    if not permissions.can_answer(actor, proposal):
        raise ServiceError(_l("Only the division in charge can answer this proposal."))
    if proposal.status != S.IN_REVIEW.value:
        raise TransitionError(_l("Only a proposal under division review can be answered."))
    db.session.add(ProposalAnswer(proposal=proposal, kind="division", division=proposal.division,
                                  decision=decision, body=body, answered_at=now))
    return _move(proposal, S.ANSWERED.value, actor_kind="division", division=proposal.division, now=now,
                 actor=actor, kind="answered")


def answer_as_mayor(actor, proposal, *, decision, body, now=None):
    """The Mayor's separate answer, owed once the Mayor's threshold is reached."""
    now = now or utcnow()
    office = mayor_office()
    if not permissions.can_answer_as_mayor(actor, office):
        raise ServiceError(_l("Only the Mayor's office can give the Mayor's answer."))
    if proposal.mayor_requested_at is None:
        raise TransitionError(_l("This proposal has not reached the Mayor's threshold."))
    if any(a.kind == "mayor" for a in proposal.answers):
        raise TransitionError(_l("The Mayor has already answered this proposal."))
    db.session.add(ProposalAnswer(proposal=proposal, kind="mayor", division=office, decision=decision,
                                  body=body, answered_at=now))
    event = _event(proposal, "mayor_answered", actor_kind="mayor", division=office, now=now)
    _tell_followers(proposal, event, except_user=actor)
    return event


def transfer_proposal(actor, proposal, division, reason, now=None):
    """Staff of the division in charge (or an admin) hand the proposal to another division."""
    now = now or utcnow()
    if not permissions.can_answer(actor, proposal):
        raise ServiceError(_l("Only the division in charge can transfer this proposal."))
    if proposal.status not in (S.OPEN.value, S.IN_REVIEW.value):
        raise TransitionError(_l("Only an open proposal or one under review can be transferred."))
    if division is None or division.id == proposal.division_id:
        raise ServiceError(_l("Choose a different division."))
    previous = proposal.division
    proposal.division = division
    proposal.updated_at = now
    event = _event(proposal, "transferred", actor_kind="division", division=previous, note=reason, now=now)
    if proposal.status == S.IN_REVIEW.value:
        alert_division("review.requested", proposal, division, now=now, occurrence=str(event.id))
    return event


# --- conference, vote, result --------------------------------------------------------------------

def create_conference(actor, *, title, held_on, agenda="", minutes=""):
    """A new policy conference (정책토론회); proposals are then presented there."""
    _admin_only(actor)
    conference = PolicyConference(title=title, held_on=held_on, agenda=agenda or "", minutes=minutes or "")
    db.session.add(conference)
    return conference


def update_conference(actor, conference, *, title, held_on, agenda, minutes):
    """The admin completes a conference after it was held: its agenda, date and minutes.

    Not a transition: the proposals presented there keep their status; the public page shows the
    new text at once (as Markdown, sanitised when rendered)."""
    _admin_only(actor)
    if not (title or "").strip():
        raise ServiceError(_l("Enter a title."))
    conference.title, conference.held_on = title, held_on
    conference.agenda, conference.minutes = agenda or "", minutes or ""
    db.session.flush()
    return conference


def send_to_conference(actor, proposal, conference, now=None):
    now = now or utcnow()
    _admin_only(actor)
    proposal.conference = conference
    return _move(proposal, S.AT_CONFERENCE.value, actor_kind="admin", now=now, actor=actor,
                 note=conference.title)


def open_vote(actor, proposal, *, opens_at, closes_at, quorum=None, now=None):
    now = now or utcnow()
    _admin_only(actor)
    _check_move(proposal, S.VOTING.value)  # the state first: its dates matter only if it may open
    if closes_at <= opens_at:
        raise ServiceError(_l("The vote must close after it opens."))
    if closes_at <= now:
        # It would be counted at the next tick with no votes: a proposal rejected by a typo.
        raise ServiceError(_l("The closing time has already passed. Choose a time in the future."))
    if quorum is not None and not 1 <= quorum <= MAX_QUORUM:
        raise ServiceError(_l("The quorum must be from 1 to 10,000,000, or empty."))
    proposal.vote_opens_at, proposal.vote_closes_at, proposal.vote_quorum = opens_at, closes_at, quorum
    return _move(proposal, S.VOTING.value, actor_kind="admin", now=now, actor=actor)


def cast_vote(user, proposal, choice, now=None):
    """One vote per verified resident while the vote is open."""
    now = now or utcnow()
    refusal = permissions.why_not_vote(user, proposal, now)
    if refusal:
        raise ServiceError(refusal)
    if choice not in ("yes", "no"):
        raise ServiceError(_l("Choose yes or no."))
    try:
        with db.session.begin_nested():
            db.session.add(ProposalVote(proposal_id=proposal.id, user_id=user.id, choice=choice, created_at=now))
    except IntegrityError:
        raise ServiceError(_l("You have already voted on this proposal.")) from None
    column = Proposal.votes_yes if choice == "yes" else Proposal.votes_no
    db.session.execute(update(Proposal).where(Proposal.id == proposal.id).values({column: column + 1})
                       .execution_options(synchronize_session=False))
    db.session.refresh(proposal)


def vote_result(proposal):
    """Why the vote ended as it did: "adopted", "no_quorum" or "no_majority"."""
    cast = proposal.votes_yes + proposal.votes_no
    if proposal.vote_quorum and cast < proposal.vote_quorum:
        return "no_quorum"
    return "adopted" if proposal.votes_yes > proposal.votes_no else "no_majority"


def vote_outcome(proposal):
    """Adopted on a majority of the votes cast, if the quorum (when set) was reached."""
    return S.ADOPTED.value if vote_result(proposal) == "adopted" else S.REJECTED.value


def close_vote(actor, proposal, now=None):
    now = now or utcnow()
    if actor is not None:
        _admin_only(actor)
    if proposal.status != S.VOTING.value:
        raise TransitionError(_l("This proposal is not being voted on."))
    if actor is None and now < proposal.vote_closes_at:
        return None
    if now < proposal.vote_closes_at:
        proposal.vote_closes_at = now  # closed early: the page shows when it really closed
    outcome = vote_outcome(proposal)
    return _move(proposal, outcome, actor_kind="admin" if actor else "system", now=now, actor=actor,
                 note=f"{proposal.votes_yes}:{proposal.votes_no}")


def start_implementation(actor, proposal, now=None):
    now = now or utcnow()
    if not permissions.can_answer(actor, proposal):
        raise ServiceError(_l("Only the division in charge can update this proposal."))
    return _move(proposal, S.IMPLEMENTING.value, actor_kind=_acting_as(actor, proposal.division),
                 division=proposal.division, now=now, actor=actor)


def complete_proposal(actor, proposal, result_body, now=None):
    now = now or utcnow()
    if not permissions.can_answer(actor, proposal):
        raise ServiceError(_l("Only the division in charge can update this proposal."))
    if not (result_body or "").strip():
        raise ServiceError(_l("Write the result to publish."))
    proposal.result_body, proposal.result_published_at = result_body, now
    return _move(proposal, S.COMPLETED.value, actor_kind=_acting_as(actor, proposal.division),
                 division=proposal.division, now=now, actor=actor)


# --- side states ---------------------------------------------------------------------------------

def withdraw_proposal(actor, proposal, now=None):
    now = now or utcnow()
    if actor is None or proposal.author_id != actor.id:
        raise ServiceError(_l("Only the author can withdraw a proposal."))
    proposal.withdrawn_at = now
    return _move(proposal, S.WITHDRAWN.value, actor_kind="resident", now=now, actor=actor)


def hide_proposal(actor, proposal, reason, now=None):
    now = now or utcnow()
    _admin_only(actor)
    if proposal.status == S.HIDDEN.value:
        raise TransitionError(_l("This proposal is already hidden."))
    if not (reason or "").strip():
        raise ServiceError(_l("Give the reason; the author will see it."))
    previous = proposal.status
    event = _move(proposal, S.HIDDEN.value, actor_kind="admin", note=reason, now=now, actor=actor, kind="hidden")
    proposal.status_before_hidden, proposal.hidden_at, proposal.hidden_reason = previous, now, reason
    return event


def unhide_proposal(actor, proposal, now=None):
    now = now or utcnow()
    _admin_only(actor)
    if proposal.status != S.HIDDEN.value:
        raise TransitionError(_l("This proposal is not hidden."))
    restored = proposal.status_before_hidden or S.CLOSED.value
    proposal.status = restored
    proposal.updated_at = now
    proposal.hidden_at = proposal.hidden_reason = proposal.status_before_hidden = None
    event = _event(proposal, "unhidden", actor_kind="admin", from_status=S.HIDDEN.value, to_status=restored,
                   now=now)
    # "Visible again", not "now in review": the status it returns to is the one they already knew.
    _tell_followers(proposal, event, except_user=actor, event_name="proposal.unhidden")
    return event


def close_expired(now=None):
    """Scheduled: open proposals whose open period ended without a threshold close (and stay readable)."""
    now = now or utcnow()
    expired = db.session.execute(
        select(Proposal).where(Proposal.status == S.OPEN.value, Proposal.open_until_at.isnot(None),
                               Proposal.open_until_at <= now)
    ).scalars().all()
    for proposal in expired:
        proposal.closed_at = now
        _move(proposal, S.CLOSED.value, actor_kind="system", now=now, kind="expired")
    return len(expired)


def close_finished_votes(now=None):
    """Scheduled: votes whose closing time has passed are counted."""
    now = now or utcnow()
    due = db.session.execute(
        select(Proposal).where(Proposal.status == S.VOTING.value, Proposal.vote_closes_at <= now)
    ).scalars().all()
    for proposal in due:
        close_vote(None, proposal, now)
    return len(due)


# --- follows -------------------------------------------------------------------------------------

def follow(user, proposal):
    try:
        with db.session.begin_nested():
            db.session.add(ProposalFollow(proposal_id=proposal.id, user_id=user.id))
    except IntegrityError:
        pass


def unfollow(user, proposal):
    db.session.execute(delete(ProposalFollow).where(ProposalFollow.proposal_id == proposal.id,
                                                    ProposalFollow.user_id == user.id))


def is_following(user, proposal):
    if not user or not user.is_authenticated:
        return False
    return db.session.execute(select(ProposalFollow.id).filter_by(proposal_id=proposal.id, user_id=user.id)).first() is not None


def _acting_as(actor, division):
    """Who signs a step on the timeline: staff act as their division; an admin who is not one of
    its members acts as the platform officer (the timeline must not credit a division that did
    nothing)."""
    return "division" if permissions.is_member(actor, division) else "admin"


def _admin_only(actor):
    if not permissions.can_administer(actor):
        raise ServiceError(_l("Only the platform officer can do this."))
