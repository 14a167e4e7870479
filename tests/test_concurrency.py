"""Simultaneous sympathies, with real threads and real transactions, repeated 20 times."""
import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.models import Category, Notification, Proposal, Sympathy, User
from app.services import ServiceError
from app.services import proposals as service
from tests.support import csrf_from

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


def test_simultaneous_hundredth_and_hundred_first_send_one_mayor_alert(app, db, setup):
    from app.services.rules import current_rules

    current_rules().review_threshold, current_rules().mayor_threshold = 2, 5  # same rule, smaller numbers
    db.session.commit()
    category, people = setup
    for _ in range(ROUNDS):
        proposal_id = fresh_proposal(db, category, people[0], people[1:5])  # 4 supporters
        errors = at_once(app, [support(people[5], proposal_id), support(people[6], proposal_id)])
        assert errors == []
        db.session.rollback()
        assert db.session.get(Proposal, proposal_id).support_count == 6
        assert review_alerts(db, proposal_id, "mayor.requested") == 1


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
