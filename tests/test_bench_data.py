"""`flask bench-data` at a small scale, on PostgreSQL: counts, lifecycle consistency, sign-in, re-runs."""
import json
import os
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from app.bench_data import DOMAIN
from app.models import ProposalStatus
from tests.support import postgresql_only  # COPY: these run in the session's PostgreSQL database

SMALL = {"users": 200, "proposals": 300, "sympathies": 2000, "comments": 500}
ARGS = [arg for name, value in SMALL.items() for arg in (f"--{name}", str(value))] + ["--seed", "7"]


def scalar(db, sql, **params):
    """One value; `:bench` in the SQL matches the bench users' emails."""
    return db.session.execute(text(sql), {"bench": "%@" + DOMAIN, **params}).scalar_one()


@pytest.fixture
def loaded(app, db, tmp_path):
    """`flask seed` (the imported proposals the bench rows reuse), then `flask bench-data` at a small scale."""
    runner = app.test_cli_runner()
    seeded = runner.invoke(args=["seed"])
    assert seeded.exit_code == 0, seeded.output
    manifest = tmp_path / "bench-manifest.json"
    result = runner.invoke(args=["bench-data", *ARGS, "--manifest", str(manifest)])
    assert result.exit_code == 0, result.output
    return {"output": result.output, "manifest": json.loads(manifest.read_text(encoding="utf-8"))}


def printed(loaded, pattern):
    match = re.search(pattern, loaded["output"])
    assert match, loaded["output"]
    return match.group(1)


@postgresql_only
def test_counts_statuses_and_the_printed_ids(loaded, db):
    assert scalar(db, "SELECT count(*) FROM users WHERE email LIKE :bench") == SMALL["users"]
    assert scalar(db, "SELECT count(*) FROM proposals WHERE author_id IN (SELECT id FROM users WHERE email LIKE :bench)") == SMALL["proposals"]
    assert scalar(db, "SELECT count(*) FROM sympathies") == SMALL["sympathies"]
    assert scalar(db, "SELECT count(*) FROM comments") == SMALL["comments"]
    assert scalar(db, "SELECT count(*) FROM comments WHERE parent_id IS NOT NULL") == SMALL["comments"] // 10
    statuses = set(db.session.execute(text("SELECT DISTINCT status FROM proposals WHERE author_id IS NOT NULL")).scalars())
    assert statuses == {s.value for s in ProposalStatus}
    # Bench proposals are not imported rows.
    assert scalar(db, "SELECT count(*) FROM proposals WHERE author_id IS NOT NULL "
                      "AND (source IS NOT NULL OR submission_key IS NOT NULL)") == 0

    detail = int(printed(loaded, r"exactly 50 comments: (\d+)"))
    assert scalar(db, "SELECT count(*) FROM comments WHERE proposal_id = :p AND parent_id IS NULL", p=detail) == 50
    top = int(printed(loaded, r"Most supported proposal: (\d+)"))
    assert scalar(db, "SELECT support_count FROM proposals WHERE id = :p", p=top) == scalar(
        db, "SELECT max(support_count) FROM proposals WHERE author_id IS NOT NULL")

    manifest = loaded["manifest"]
    assert manifest["detail_proposal_id"] == detail and manifest["top_proposal_id"] == top
    assert manifest["password"] == printed(loaded, r"with the password: (\S+)")
    assert manifest["counts"]["users"] == SMALL["users"] and manifest["counts"]["sympathies"] == SMALL["sympathies"]
    assert manifest["email_pattern"].format(n=1) == manifest["users"]["first_email"]


@postgresql_only
def test_sympathies_comments_and_the_lifecycle_are_consistent(loaded, db):
    violations = {
        "support_count differs from the rows": "SELECT count(*) FROM proposals p WHERE p.author_id IS NOT NULL "
        "AND p.support_count <> (SELECT count(*) FROM sympathies s WHERE s.proposal_id = p.id)",
        "an author supports their own proposal": "SELECT count(*) FROM sympathies s "
        "JOIN proposals p ON p.id = s.proposal_id WHERE s.user_id = p.author_id",
        "a reply's parent is on another proposal or is itself a reply": "SELECT count(*) FROM comments r "
        "JOIN comments c ON c.id = r.parent_id WHERE r.proposal_id <> c.proposal_id OR c.parent_id IS NOT NULL "
        "OR r.created_at < c.created_at",
        "a proposal without its 'created' event": "SELECT count(*) FROM proposals p WHERE p.author_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM proposal_events e WHERE e.proposal_id = p.id AND e.kind = 'created')",
        "open but already expired": "SELECT count(*) FROM proposals WHERE author_id IS NOT NULL AND status = 'open' AND open_until_at <= now()",
        "open or closed at the review threshold": "SELECT count(*) FROM proposals p WHERE p.author_id IS NOT NULL "
        "AND status IN ('open', 'closed', 'withdrawn') AND support_count >= "
        "(SELECT review_threshold FROM participation_rules ORDER BY id LIMIT 1)",
        "in review without its clock": "SELECT count(*) FROM proposals WHERE author_id IS NOT NULL AND status = 'in_review' "
        "AND (review_started_at IS NULL OR answer_due_at IS NULL)",
        "answered without the division's answer": "SELECT count(*) FROM proposals p WHERE p.author_id IS NOT NULL "
        "AND status IN ('answered', 'at_conference', 'voting', 'adopted', 'rejected', 'implementing', 'completed') "
        "AND NOT EXISTS (SELECT 1 FROM proposal_answers a WHERE a.proposal_id = p.id AND a.kind = 'division' "
        "AND a.division_id = p.division_id)",
        "past the conference without one": "SELECT count(*) FROM proposals WHERE author_id IS NOT NULL AND status IN "
        "('at_conference', 'voting', 'adopted', 'rejected', 'implementing', 'completed') AND conference_id IS NULL",
        "a vote that is not open": "SELECT count(*) FROM proposals WHERE author_id IS NOT NULL AND status = 'voting' "
        "AND NOT (vote_opens_at <= now() AND now() < vote_closes_at)",
        "vote counts differ from the votes": "SELECT count(*) FROM proposals p WHERE p.author_id IS NOT NULL "
        "AND p.votes_yes + p.votes_no <> (SELECT count(*) FROM proposal_votes v WHERE v.proposal_id = p.id)",
        "adopted without a majority": "SELECT count(*) FROM proposals WHERE author_id IS NOT NULL AND status IN "
        "('adopted', 'implementing', 'completed') AND votes_yes <= votes_no",
        "completed without a result": "SELECT count(*) FROM proposals WHERE author_id IS NOT NULL AND status = 'completed' "
        "AND (result_body IS NULL OR result_published_at IS NULL)",
        "closed without its time": "SELECT count(*) FROM proposals p WHERE p.author_id IS NOT NULL "
        "AND status = 'closed' AND closed_at IS NULL",
        "withdrawn without its time": "SELECT count(*) FROM proposals WHERE author_id IS NOT NULL AND status = 'withdrawn' AND withdrawn_at IS NULL",
        "hidden without the reason": "SELECT count(*) FROM proposals WHERE author_id IS NOT NULL AND status = 'hidden' "
        "AND (hidden_reason IS NULL OR hidden_at IS NULL OR status_before_hidden IS NULL)",
        "the division is not the category's": "SELECT count(*) FROM proposals p JOIN categories c "
        "ON c.id = p.category_id WHERE p.author_id IS NOT NULL AND p.division_id <> c.default_division_id",
        "an event in the future": "SELECT count(*) FROM proposal_events WHERE created_at > now()",
    }
    found = {name: scalar(db, sql) for name, sql in violations.items()}
    assert {name: n for name, n in found.items() if n} == {}


@postgresql_only
def test_sequences_are_advanced_so_the_app_can_insert(loaded, db, make_user, make_proposal):
    from app.models import (
        Category,
        Comment,
        PolicyConference,
        ProposalAnswer,
        ProposalEvent,
        ProposalFollow,
        ProposalVote,
        Sympathy,
    )

    now = datetime.now(UTC)
    user = make_user("after-bench@example.com", verified_dong="1162052500")
    category = db.session.query(Category).first()
    proposal = make_proposal(author=user, category=category, division=category.default_division)
    conference = PolicyConference(title="after", held_on=date.today())
    comment = Comment(proposal=proposal, author=user, body="after", created_at=now)
    db.session.add_all([conference, comment, Sympathy(proposal_id=proposal.id, user_id=user.id),
                        ProposalFollow(proposal_id=proposal.id, user_id=user.id),
                        ProposalVote(proposal_id=proposal.id, user_id=user.id, choice="yes"),
                        ProposalEvent(proposal=proposal, kind="created", actor_kind="resident"),
                        ProposalAnswer(proposal=proposal, kind="division", body="after", answered_at=now)])
    db.session.commit()  # duplicate primary keys would fail here
    assert user.id > loaded["manifest"]["users"]["last_id"]
    assert proposal.id > loaded["manifest"]["proposal_ids"][1]


@postgresql_only
def test_a_bench_user_signs_in_with_the_printed_password(loaded, forms):
    email = loaded["manifest"]["users"]["last_email"]
    password = printed(loaded, r"with the password: (\S+)")
    response = forms.submit("/auth/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


@postgresql_only
def test_a_second_run_refuses_and_reset_loads_again(loaded, app, db, make_user):
    imported = scalar(db, "SELECT count(*) FROM proposals WHERE source IS NOT NULL")
    outsider = make_user("outsider@example.com", verified_dong="1162052500")
    runner = app.test_cli_runner()
    again = runner.invoke(args=["bench-data", *ARGS])
    assert again.exit_code == 1 and "--reset" in again.output

    reset = runner.invoke(args=["bench-data", *ARGS, "--reset"])
    assert reset.exit_code == 0, reset.output
    assert scalar(db, "SELECT count(*) FROM users WHERE email LIKE :bench") == SMALL["users"]
    assert scalar(db, "SELECT count(*) FROM proposals WHERE author_id IN (SELECT id FROM users WHERE email LIKE :bench)") == SMALL["proposals"]
    assert scalar(db, "SELECT count(*) FROM sympathies") == SMALL["sympathies"]
    assert scalar(db, "SELECT count(*) FROM comments") == SMALL["comments"]
    assert scalar(db, "SELECT count(*) FROM proposals WHERE source IS NOT NULL") == imported
    assert scalar(db, "SELECT count(*) FROM users WHERE id = :u", u=outsider.id) == 1
    assert os.path.exists(os.path.join(app.instance_path, "bench-manifest.json"))


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_sqlite_is_refused_with_a_clear_message(app):
    result = app.test_cli_runner().invoke(args=["bench-data"])
    assert result.exit_code == 1
    assert "needs PostgreSQL" in result.output
