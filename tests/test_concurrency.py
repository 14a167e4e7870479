"""Simultaneous sympathies, with real threads and real transactions, repeated 20 times."""
import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.models import Category, Notification, Proposal, Sympathy, User
from app.services import ServiceError
from app.services import proposals as service
from tests.support import csrf_from, postgresql_only

ROUNDS = 20


def at_once(app, jobs):
    """Run each job in its own thread and app context, released together; returns unexpected errors."""
    from app.extensions import db

    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        with app.app_context():
            try:
                barrier.wait(5)
                job()
                db.session.commit()
            except ServiceError:
                db.session.rollback()
            except Exception as exc:  # noqa: BLE001 -- anything else is what the test looks for
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return errors


def support(user_id, proposal_id):
    from app.extensions import db

    def job():
        service.support_proposal(db.session.get(User, user_id), db.session.get(Proposal, proposal_id))

    return job


@pytest.fixture
def setup(db, make_user):
    category = db.session.execute(select(Category).filter_by(slug="jobs")).scalar_one()
    category.default_division.alert_email = "jobs@gwanak.example"
    service.mayor_office().alert_email = "mayor@gwanak.example"
    people = [make_user(f"c{i}@example.com", verified_dong="1162052500").id for i in range(8)]
    db.session.commit()
    return category, people


def fresh_proposal(db, category, author_id, supporters):
    proposal = service.create_proposal(db.session.get(User, author_id), title="청년 일자리 박람회 정례화",
                                       body="매년 봄과 가을에 청년 일자리 박람회를 열어 주세요.", category=category)
    db.session.commit()
    proposal_id = proposal.id
    for user_id in supporters:
        service.support_proposal(db.session.get(User, user_id), proposal)
        db.session.commit()
    db.session.rollback()  # hold no transaction (SQLite's write lock) while the threads run
    return proposal_id


def review_alerts(db, proposal_id, event="review.requested"):
    return db.session.execute(select(func.count(Notification.id)).where(
        Notification.event == event, Notification.object_id == proposal_id,
        Notification.recipient_division_id.isnot(None), Notification.channel == "email")).scalar_one()


def test_a_double_sympathy_by_one_resident_makes_one_row_and_no_error(app, db, setup):
    category, people = setup
    for _ in range(ROUNDS):
        proposal_id = fresh_proposal(db, category, people[0], [])
        errors = at_once(app, [support(people[1], proposal_id), support(people[1], proposal_id)])
        assert errors == []
        db.session.rollback()
        rows = db.session.execute(select(func.count(Sympathy.id)).filter_by(proposal_id=proposal_id)).scalar_one()
        assert rows == 1 == db.session.get(Proposal, proposal_id).support_count


def test_simultaneous_fifth_and_sixth_sympathies_send_one_alert(app, db, setup):
    category, people = setup
    for _ in range(ROUNDS):
        proposal_id = fresh_proposal(db, category, people[0], people[1:5])
        errors = at_once(app, [support(people[5], proposal_id), support(people[6], proposal_id)])
        assert errors == []
        db.session.rollback()
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal.support_count == 6 and proposal.status == "in_review"
        assert review_alerts(db, proposal_id) == 1


@pytest.fixture
def crowd(db, setup):
    """101 verified residents, inserted in one statement (they share one password hash)."""
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from app.models import Dong

    template = db.session.get(User, setup[1][0])
    now = datetime.now(UTC)
    dong_id = db.session.execute(select(Dong.id).filter_by(code="1162052500")).scalar_one()
    db.session.execute(insert(User), [
        {"email": f"crowd{i}@example.com", "password_hash": template.password_hash, "display_name": "주민",
         "locale": "ko", "role": "resident", "is_verified_resident": True, "dong_id": dong_id, "verified_at": now,
         "privacy_consent_version": "test", "privacy_consent_at": now, "created_at": now, "session_token": f"{i:032x}"}
        for i in range(101)])
    db.session.commit()
    return db.session.execute(select(User.id).where(User.email.like("crowd%")).order_by(User.id)).scalars().all()


def add_supporters_in_bulk(db, proposal_id, user_ids):
    """Sympathy rows in one INSERT and the count moved to match, as if each had been given."""
    from sqlalchemy import insert, update

    db.session.execute(insert(Sympathy), [{"proposal_id": proposal_id, "user_id": user_id} for user_id in user_ids])
    db.session.execute(update(Proposal).where(Proposal.id == proposal_id)
                       .values(settled_support_count=Proposal.settled_support_count + len(user_ids)))
    db.session.commit()


def proposal_with_99(db, category, author_id, crowd):
    """99 committed supporters: 4 in bulk, the 5th through the service (so the review starts as in
    real life, with its one alert), then 94 more in bulk."""
    proposal_id = fresh_proposal(db, category, author_id, [])
    add_supporters_in_bulk(db, proposal_id, crowd[:4])
    service.support_proposal(db.session.get(User, crowd[4]), db.session.get(Proposal, proposal_id))
    db.session.commit()
    add_supporters_in_bulk(db, proposal_id, crowd[5:99])
    return proposal_id


def test_simultaneous_hundredth_and_hundred_first_send_one_mayor_alert(app, db, setup, crowd):
    from app.services.rules import current_rules

    assert (current_rules().review_threshold, current_rules().mayor_threshold) == (5, 100)  # the real defaults
    db.session.commit()
    category, people = setup
    for _ in range(ROUNDS):
        proposal_id = proposal_with_99(db, category, people[0], crowd)
        proposal = db.session.get(Proposal, proposal_id)
        assert (proposal.support_count, proposal.status) == (99, "in_review")
        assert review_alerts(db, proposal_id, "mayor.requested") == 0
        db.session.rollback()
        errors = at_once(app, [support(crowd[99], proposal_id), support(crowd[100], proposal_id)])
        assert errors == []
        db.session.rollback()
        proposal = db.session.get(Proposal, proposal_id)
        rows = db.session.execute(select(func.count(Sympathy.id)).filter_by(proposal_id=proposal_id)).scalar_one()
        assert proposal.support_count == rows == 101
        assert proposal.mayor_requested_at is not None and proposal.mayor_due_at is not None
        assert review_alerts(db, proposal_id, "mayor.requested") == 1
        assert review_alerts(db, proposal_id) == 1  # the review alert of the 5th, and no other


def test_two_clicks_at_once_over_http_never_give_a_500(app, db, setup):
    category, people = setup
    proposal_id = fresh_proposal(db, category, people[0], [])
    email = db.session.get(User, people[1]).email
    client = FlaskClient(app, use_cookies=True)
    page = client.get("/auth/login")
    client.post("/auth/login", data={"csrf_token": csrf_from(page.get_data(as_text=True)), "email": email,
                                     "password": "correct horse 42"})
    token = csrf_from(client.get(f"/proposals/{proposal_id}").get_data(as_text=True))
    db.session.rollback()
    statuses = []
    barrier = threading.Barrier(2)

    def click():
        own = FlaskClient(app, use_cookies=True)
        own._cookies = client._cookies.copy()
        barrier.wait(5)
        statuses.append(own.post(f"/proposals/{proposal_id}/support", data={"csrf_token": token, "action": "support"},
                                 headers={"Accept": "application/json"}).status_code)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [200, 409]
    db.session.rollback()
    assert db.session.get(Proposal, proposal_id).support_count == 1


# --- the same proposal form, sent twice at once --------------------------------------------------

def signed_in(app, email):
    client = FlaskClient(app, use_cookies=True)
    page = client.get("/auth/login")
    client.post("/auth/login", data={"csrf_token": csrf_from(page.get_data(as_text=True)), "email": email,
                                     "password": "correct horse 42"})
    return client


def proposal_form(client, key):
    token = csrf_from(client.get("/proposals/new").get_data(as_text=True))
    return {"csrf_token": token, "title": "청년 일자리 박람회 정례화", "body": "매년 봄과 가을에 청년 일자리 박람회를 열어 주세요.",
            "category": "jobs", "dong": "", "submission_key": key, "action": "submit"}


def post_in_thread(app, client, data, results, barrier=None):
    def post():
        own = FlaskClient(app, use_cookies=True)
        own._cookies = client._cookies.copy()
        if barrier:
            barrier.wait(5)
        try:
            response = own.post("/proposals/new", data=data)
        except Exception as exc:  # noqa: BLE001 -- a 500 in the making is what the tests look for
            results.append(("error", repr(exc)))
        else:
            results.append((response.status_code, response.headers.get("Location")))

    thread = threading.Thread(target=post)
    thread.start()
    return thread


def made_with(db, key):
    return db.session.execute(select(Proposal.id).filter_by(submission_key=key)).scalars().all()


def test_a_double_submit_at_once_creates_one_proposal_and_no_error(app, db, setup):
    import uuid

    _, people = setup
    client = signed_in(app, db.session.get(User, people[2]).email)
    for _ in range(ROUNDS):
        key = uuid.uuid4().hex
        data = proposal_form(client, key)
        db.session.rollback()
        results, barrier = [], threading.Barrier(2)
        threads = [post_in_thread(app, client, data, results, barrier) for _ in range(2)]
        for t in threads:
            t.join(30)
        db.session.rollback()
        made = made_with(db, key)
        assert len(made) == 1
        assert results == [(302, f"/proposals/{made[0]}")] * 2


@postgresql_only  # needs PostgreSQL's row locks (SQLite has one writer at a time)
def test_a_submit_that_loses_the_race_on_the_unique_key_lands_on_the_winners_proposal(app, db, setup):
    """The second request inserts while the first has inserted but not yet committed: PostgreSQL
    makes it wait on the unique key, then refuses it; the route must answer with the first's
    proposal (its IntegrityError branch), not a 500 or a second proposal."""
    import time
    import uuid

    from sqlalchemy import text

    from app.services.rules import current_rules

    category, people = setup
    current_rules()
    db.session.commit()
    author = db.session.get(User, people[3])
    client = signed_in(app, author.email)
    key = uuid.uuid4().hex
    data = proposal_form(client, key)
    db.session.rollback()
    # The first submit, in the test's own transaction: inserted, not committed.
    first = service.create_proposal(db.session.get(User, people[3]), title=data["title"], body=data["body"],
                                    category=category, submission_key=key)
    db.session.flush()
    first_id = first.id
    results = []
    thread = post_in_thread(app, client, data, results)
    # A third connection watches the request wait for our transaction. Before its INSERT the request
    # only reads, which never waits, so a lock wait is the INSERT on the key. (Not matched by the
    # query text: psycopg prepares repeated statements, and pg_stat_activity may show an older one.)
    with db.engine.connect() as watcher:
        for _ in range(1000):
            waiting = watcher.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND wait_event = 'transactionid'")).scalar_one()
            watcher.rollback()  # pg_stat_activity is a snapshot per transaction: take a new one
            if waiting:
                break
            time.sleep(0.01)
        else:
            activity = watcher.execute(text(
                "SELECT state, wait_event_type, wait_event, left(query, 80) FROM pg_stat_activity "
                "WHERE datname = current_database()")).all()
            pytest.fail(f"the second submit never waited on the submission key: {results} {activity}")
    db.session.commit()
    thread.join(30)
    assert results == [(302, f"/proposals/{first_id}")]
    db.session.rollback()
    assert made_with(db, key) == [first_id]
