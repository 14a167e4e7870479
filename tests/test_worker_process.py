"""A real `flask worker` process killed with SIGKILL mid-job: a new worker delivers exactly once."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from app.models import Division, Notification
from app.notifications import alert_division

ROOT = Path(__file__).resolve().parent.parent


def start_worker(app, smtp, tmp_path, name):
    env = dict(
        os.environ, MADANG_ENV="testing", FLASK_APP="wsgi",
        TEST_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], TEST_REDIS_URL=app.config["REDIS_URL"],
        MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port), MADANG_INSTANCE_PATH=str(tmp_path / name),
        NOTIFY_LEASE_SECONDS="2", SMS_BACKEND="log",
    )
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 -- closed with the process
    return subprocess.Popen([sys.executable, "-m", "flask", "worker"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_worker_killed_in_the_middle_of_a_job_then_a_new_worker_delivers_exactly_once(
    app, db, make_proposal, smtp, tmp_path
):
    division = db.session.execute(select(Division).filter_by(name_ko="자치행정과")).scalar_one()
    division.alert_email = "jachi@gwanak.example"
    db.session.commit()
    smtp.stall_mail = 6  # the first delivery hangs inside the SMTP conversation

    first = start_worker(app, smtp, tmp_path, "worker-a")
    try:
        proposal = make_proposal(title="신림천 산책로 야간 조명", division=division)
        alert_division("opinion.new", proposal, division)
        db.session.commit()
        assert smtp.mail_started.wait(30), (tmp_path / "worker-a.log").read_text()
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)

    def row():
        """(status, attempts) now; the read transaction ends at once so workers can write."""
        db.session.rollback()
        found = db.session.execute(select(Notification.status, Notification.attempts).filter_by(channel="email")).one()
        db.session.rollback()
        return found

    assert row().status == "sending" and smtp.messages == []

    time.sleep(2.5)  # the dead worker's claim (NOTIFY_LEASE_SECONDS=2) runs out
    second = start_worker(app, smtp, tmp_path, "worker-b")
    try:
        assert wait_for(lambda: row().status == "sent"), (tmp_path / "worker-b.log").read_text()
        time.sleep(1)  # room for a duplicate to show up, if there were one
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(15)
    assert len(smtp.messages) == 1
    assert smtp.messages[0]["To"] == "jachi@gwanak.example"
    assert row().attempts == 2
