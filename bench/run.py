"""`make bench`: Madang's production stack under wrk, beside a bare Flask ceiling, as one table.

What it starts (and stops at the end): gunicorn serving `wsgi:app` in the production
configuration against PostgreSQL (BENCH_DATABASE_URL, filled by `flask bench-data`) and Redis
(BENCH_REDIS_URL, a database of its own that is flushed first), one RQ worker, and an in-process
SMTP sink for the alerts. In the same run and with the same gunicorn settings it serves
bench/ceiling.py, which returns the bytes of the proposals list page and does nothing else.

Rows: anonymous and signed-in pages, sympathy POSTs by distinct signed-in residents, then the viral
run: 30,000 distinct residents support one new proposal while a second wrk loads pages. After it,
the proposal's count is checked against its rows and its alerts are counted.

    .venv/bin/python bench/run.py [--seconds 10] [--connections 32] [--workers 2]

Each page row is a wrk run of --seconds with --connections over two wrk threads; the cores are
shared by wrk, gunicorn, PostgreSQL and Redis, as they would be on one small server.
"""
import argparse
import json
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WRK_DIR = ROOT / "bench" / "wrk"
USER_AGENT = "madang-bench"
BENCH_EMAIL_DOMAIN = "@bench.madang.invalid"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/madang_bench"))
    p.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"))
    p.add_argument("--seconds", type=int, default=10, help="length of each page row")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "4")))
    p.add_argument("--worker-class", default=os.environ.get("BENCH_WORKER_CLASS", "sync"))
    p.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread)")
    p.add_argument("--viral-residents", type=int, default=30000)
    p.add_argument("--viral-seconds", type=int, default=60, help="the target window for the viral run")
    p.add_argument("--support-residents", type=int, default=12000, help="pool for the sympathy row")
    p.add_argument("--skip-viral", action="store_true")
    p.add_argument("--only", default="", help="comma-separated row names to run (debugging)")
    return p.parse_args()


# --- processes -----------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 -- our own http://127.0.0.1
                return resp.read()
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"no answer from {url} after {timeout}s")


def gunicorn(app_spec, port, args, env, log):
    cmd = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
           "--worker-class", args.worker_class, "--threads", str(args.threads),
           "--log-level", "warning", app_spec]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)


def stop(proc):
    if proc and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# --- wrk -----------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def run_wrk(url, seconds, connections, script=None, script_args=(), threads=2, timeout="10s"):
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout}", "--latency",
           "-H", f"User-Agent: {USER_AGENT}"]
    if script:
        cmd += ["-s", str(script)]
    cmd.append(url)
    if script_args:
        cmd += ["--", *map(str, script_args)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)),
              "requests": int(re.search(r"([0-9]+) requests in", out).group(1)),
              "non2xx": 0, "errors": 0, "raw": out}
    for pct in ("50", "99"):
        result[f"p{pct}"] = _ms(re.search(rf"\s{pct}%\s+([0-9.]+(?:us|ms|s|m))", out).group(1))
    if m := re.search(r"Non-2xx or 3xx responses: ([0-9]+)", out):
        result["non2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        result["errors"] = sum(int(x) for x in m.groups())
    if m := re.search(r"STATUS ok=(\d+) conflict=(\d+) other=(\d+) fast=(\d+)", out):
        result.update(ok=int(m.group(1)), conflict=int(m.group(2)), other=int(m.group(3)), fast=int(m.group(4)))
    return result


# --- the app's side: ids, residents' sessions, fresh target proposals ----------------------------

def bench_env(args, smtp_port):
    env = dict(os.environ)
    env.update(MADANG_ENV="production", DATABASE_URL=args.database_url, REDIS_URL=args.redis_url,
               SECRET_KEY=env.get("BENCH_SECRET_KEY") or secrets.token_hex(32), RQ_QUEUE="madang-bench",
               MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_port), SMS_BACKEND="log",
               PYTHONPATH=str(ROOT), SWEEP_INTERVAL_SECONDS="60")
    return env


def prepare(args, env):
    """Inside the app: pick the pages' ids, make target proposals, write residents' sessions."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import redis
    from flask_login import login_user
    from itsdangerous import URLSafeTimedSerializer
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.models import Category, Comment, Proposal, User
    from app.services import proposals as service

    redis.Redis.from_url(args.redis_url).flushdb()
    app = create_app()
    with app.app_context():
        n_users = db.session.execute(
            select(func.count(User.id)).where(User.email.like(f"%{BENCH_EMAIL_DOMAIN}"))).scalar_one()
        n_proposals = db.session.execute(select(func.count(Proposal.id))).scalar_one()
        need = args.viral_residents + args.support_residents + 3
        if n_users < need:
            raise SystemExit(f"{n_users} bench residents; {need} needed. Run `flask bench-data` first.")
        users = db.session.execute(
            select(User).where(User.email.like(f"%{BENCH_EMAIL_DOMAIN}")).order_by(User.id).limit(need)
        ).scalars().all()
        author, signed_in, pool = users[0], users[1:3], users[3:]
        commented = db.session.execute(
            select(Comment.proposal_id).where(Comment.parent_id.is_(None))
            .group_by(Comment.proposal_id).having(func.count() == 50).limit(1)).scalar_one()
        category = db.session.execute(
            select(Category).join(Proposal, Proposal.category_id == Category.id)
            .group_by(Category.id).order_by(func.count().desc()).limit(1)).scalar_one()
        # The alerts are what the viral run checks: give the division and the Mayor's office an
        # address (bench data leaves them empty), so each threshold queues its email row.
        for division in (category.default_division, service.mayor_office()):
            division.alert_email = division.alert_email or "bench-division@bench.madang.invalid"
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        body = ("보라매공원 주변 보행로가 좁아 유모차와 휠체어가 다니기 어렵습니다. 보행로를 넓히고 "
                "그늘막을 설치해 주세요. (성능 측정용 제안, " + stamp + ")")
        targets = [service.create_proposal(author, title=f"{label} 성능 측정 제안 {stamp}", body=body,
                                           category=category) for label in ("공감", "확산")]
        db.session.commit()
        ids = {"detail": commented, "support": targets[0].id, "viral": targets[1].id,
               "category": category.slug, "users": n_users, "proposals": n_proposals}

        # Sessions as the login form would leave them (Flask-Login "strong" protection hashes the
        # address and User-Agent, so the identifier is taken from a request like wrk's).
        with app.test_request_context("/", headers={"User-Agent": USER_AGENT},
                                      environ_base={"REMOTE_ADDR": "127.0.0.1"}):
            from flask import session

            login_user(author)
            identifier = session["_id"]
        signer = app.session_interface.get_signing_serializer(app)
        csrf = URLSafeTimedSerializer(app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key,
                                      salt="wtf-csrf-token")

        def line(user):
            raw = secrets.token_hex(20)
            cookie = signer.dumps({"_user_id": user.get_id(), "_fresh": True, "_id": identifier,
                                   "csrf_token": raw})
            return f"{cookie}\t{csrf.dumps(raw)}\n"

        files = {}
        for name, group in (("signed_in", signed_in), ("support", pool[:args.support_residents]),
                            ("viral", pool[args.support_residents:args.support_residents + args.viral_residents])):
            path = Path(tempfile.gettempdir()) / f"madang-bench-{name}.tsv"
            path.write_text("".join(line(u) for u in group))
            files[name] = path
    return ids, files


def check_viral(args, proposal_id):
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.models import Proposal, Sympathy
    from app.models.notifications import Notification

    app = create_app()
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        rows = db.session.execute(select(func.count(Sympathy.id)).filter_by(proposal_id=proposal_id)).scalar_one()
        first, last = db.session.execute(
            select(func.min(Sympathy.created_at), func.max(Sympathy.created_at)).filter_by(proposal_id=proposal_id)
        ).one()
        alerts = dict(db.session.execute(
            select(Notification.event, func.count()).where(
                Notification.object_type == "proposal", Notification.object_id == proposal_id,
                Notification.channel == "email", Notification.recipient_division_id.isnot(None),
                Notification.event.in_(("review.requested", "mayor.requested")))
            .group_by(Notification.event)).all())
        return {"count": proposal.support_count, "settled": proposal.settled_support_count, "rows": rows,
                "status": proposal.status,
                "span": (last - first).total_seconds() if rows > 1 else 0.0,
                "review_alerts": alerts.get("review.requested", 0), "mayor_alerts": alerts.get("mayor.requested", 0)}


# --- the run -------------------------------------------------------------------------------------

def smtp_sink():
    from aiosmtpd.controller import Controller

    class Sink:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.received += 1
            return "250 OK"

    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


def main():
    args = parse_args()
    if subprocess.run(["which", "wrk"], capture_output=True).returncode:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    only = set(filter(None, args.only.split(",")))
    controller, smtp_port = smtp_sink()
    env = bench_env(args, smtp_port)
    print(f"preparing (database {args.database_url.rsplit('/', 1)[-1]}, redis {args.redis_url}) …", flush=True)
    ids, files = prepare(args, env)
    log = open(Path(tempfile.gettempdir()) / "madang-bench-servers.log", "w")  # noqa: SIM115 -- closed in finally
    results, procs = [], []
    try:
        app_port, ceiling_port = free_port(), free_port()
        app_proc = gunicorn("wsgi:app", app_port, args, env, log)
        procs.append(app_proc)
        base = f"http://127.0.0.1:{app_port}"
        list_bytes = wait_for_http(f"{base}/proposals/", app_proc)
        body_file = Path(tempfile.gettempdir()) / "madang-bench-ceiling.html"
        body_file.write_bytes(list_bytes)
        stop(app_proc)

        ceiling = gunicorn("bench.ceiling:app", ceiling_port,
                           args, dict(env, CEILING_BODY=str(body_file)), log)
        procs.append(ceiling)
        wait_for_http(f"http://127.0.0.1:{ceiling_port}/", ceiling)
        run_wrk(f"http://127.0.0.1:{ceiling_port}/", 2, args.connections)  # warm-up
        ceil = run_wrk(f"http://127.0.0.1:{ceiling_port}/", args.seconds, args.connections)
        results.append(("ceiling: bare Flask, same bytes as list page 1", "anonymous", ceil))
        stop(ceiling)

        app_proc = gunicorn("wsgi:app", app_port, args, env, log)
        procs.append(app_proc)
        wait_for_http(f"{base}/", app_proc)
        worker = subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                                  stdout=log, stderr=log, start_new_session=True)
        procs.append(worker)
        pages = [
            ("home", "/"),
            ("list page 1", "/proposals/"),
            ("list page 2,000", "/proposals/?page=2000"),
            ("filtered list", f"/proposals/?category={ids['category']}&status=closed&sort=supported"),
            ("detail, 50 comments", f"/proposals/{ids['detail']}"),
        ]
        signed = WRK_DIR / "signed_in.lua"
        for who, script, script_args in (("anonymous", None, ()), ("signed in", signed, (files["signed_in"],))):
            for name, path in pages:
                if only and name not in only:
                    continue
                run_wrk(base + path, 2, args.connections, script, script_args)  # warm-up
                r = run_wrk(base + path, args.seconds, args.connections, script, script_args)
                results.append((name, who, r))
                print(f"  {name:<24} {who:<10} {r['rps']:8.0f} req/s", flush=True)

        name = "detail, 50 comments, first look"
        if not only or name in only:
            # Each request by another resident (the sympathy row's residents, before they support):
            # no one has their own copy of the page yet, so each is rendered by Flask.
            path = f"/proposals/{ids['detail']}"
            r = run_wrk(base + path, args.seconds, args.connections, WRK_DIR / "first_look.lua",
                        (files["support"], 2))
            if "REPEATED 0" not in r["raw"]:
                print("  (the residents ran out: some requests were second looks)", flush=True)
            results.append((name, "signed in", r))
            print(f"  {name:<24} signed in  {r['rps']:8.0f} req/s", flush=True)

        if not only or "support" in only:
            r = run_wrk(f"{base}/proposals/{ids['support']}/support", args.seconds, args.connections,
                        WRK_DIR / "support.lua", (f"/proposals/{ids['support']}/support", files["support"], 2))
            results.append(("sympathy POST, distinct residents", "signed in", r))
            print(f"  sympathy POST: {r['rps']:.0f} req/s, ok={r.get('ok')} conflict={r.get('conflict')} "
                  f"other={r.get('other')}, answered before Flask {r.get('fast')}", flush=True)

        viral = None
        if not args.skip_viral:
            print(f"viral run: {args.viral_residents} residents on proposal {ids['viral']} …", flush=True)
            path = f"/proposals/{ids['viral']}/support"
            load = subprocess.Popen(
                ["wrk", "-t1", "-c4", f"-d{args.viral_seconds}s", "--latency", "-H", f"User-Agent: {USER_AGENT}",
                 f"{base}/proposals/"], stdout=subprocess.PIPE, text=True)
            started = time.monotonic()
            r = run_wrk(base + path, args.viral_seconds * 3, args.connections, WRK_DIR / "support.lua",
                        (path, files["viral"], 2), timeout="30s")
            elapsed = time.monotonic() - started
            page_out = load.communicate()[0]
            page_p99 = _ms(re.search(r"\s99%\s+([0-9.]+(?:us|ms|s|m))", page_out).group(1))
            page_p50 = _ms(re.search(r"\s50%\s+([0-9.]+(?:us|ms|s|m))", page_out).group(1))
            time.sleep(3)  # the worker delivers the alerts
            viral = {"wrk": r, "elapsed": elapsed, "page_p50": page_p50, "page_p99": page_p99,
                     **check_viral(args, ids["viral"])}
            # wrk divides by its whole -d (it sleeps that long whatever its threads do): the row's
            # rate is the sympathies' own, first to last.
            if viral["span"]:
                r = dict(r, rps=viral["rows"] / viral["span"])
            results.append(("viral: sympathy POSTs on one proposal (rows ÷ first-to-last)", "signed in", r))
    finally:
        for proc in procs:
            stop(proc)
        controller.stop()
        log.close()

    print_table(args, ids, results, viral)


def print_table(args, ids, results, viral):
    ceiling = results[0][2]["rps"]
    print()
    print(f"Madang bench — {time.strftime('%Y-%m-%d %H:%M')} — {platform.node()}, {os.cpu_count()} cores; "
          f"gunicorn {args.workers}×{args.worker_class} threads={args.threads}; wrk -t2 -c{args.connections} "
          f"-d{args.seconds}s; {ids['proposals']:,} proposals, {ids['users']:,} bench residents")
    print()
    print("| row | visitor | req/s | p50 ms | p99 ms | vs ceiling | non-2xx/3xx |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, who, r in results:
        bad = r["non2xx"] + r["errors"]
        print(f"| {name} | {who} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} | "
              f"{100 * r['rps'] / ceiling:.0f} % | {bad} |")
    if viral:
        r = viral["wrk"]
        rate = viral["rows"] / viral["span"] if viral["span"] else 0
        print()
        print(f"viral: {viral['rows']:,} sympathies in {viral['span']:.1f} s = {rate:,.0f}/s sustained "
              f"(target ≥ 500/s: {'met' if rate >= 500 and viral['rows'] >= args.viral_residents else 'MISSED'}); "
              f"wrk ok={r.get('ok')} conflict={r.get('conflict')} other={r.get('other')}, "
              f"answered before Flask {r.get('fast')}")
        print(f"viral: count {viral['count']:,} = rows {viral['rows']:,}: "
              f"{'exact' if viral['count'] == viral['rows'] else 'MISMATCH'} ({viral['settled']:,} settled into the row "
              f"3 s after the run); status {viral['status']}; "
              f"review alerts {viral['review_alerts']}, mayor alerts {viral['mayor_alerts']} (each must be 1)")
        print(f"viral: list page 1 during the run (wrk -t1 -c4): p50 {viral['page_p50']:.1f} ms, "
              f"p99 {viral['page_p99']:.1f} ms (target ≤ 200 ms)")
    out = ROOT / "instance" / "bench-last.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "ids": ids,
                               "rows": [(n, w, {k: v for k, v in r.items() if k != "raw"}) for n, w, r in results],
                               "viral": {k: v for k, v in (viral or {}).items() if k != "wrk"}}, indent=1))


if __name__ == "__main__":
    main()
