"""Flask CLI commands: seed, users, worker, serve and translations."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
POT = TRANSLATIONS / "messages.pot"


@click.command("seed")
@with_appcontext
def seed_command():
    """Load the real public data (dongs, divisions, categories, Seoul proposals)."""
    from app.seed import run_seed

    for kind, count in run_seed().items():
        click.echo(f"{kind}: {count} added")


users = click.Group("users", help="Manage accounts.")


@users.command("verify")
@click.argument("email")
@click.option("--dong", "dong_code", required=True, help="The dong's 10-digit administrative code.")
@with_appcontext
def users_verify(email, dong_code):
    """Mark EMAIL as a verified resident of a dong."""
    from app.extensions import db
    from app.models import User
    from app.services import ServiceError, accounts

    user = db.session.query(User).filter_by(email=accounts.normalise_email(email)).first()
    if user is None:
        raise click.ClickException(f"no account for {email}")
    try:
        accounts.verify_resident(user, dong_code)
    except ServiceError as err:
        raise click.ClickException(str(err.message)) from err
    db.session.commit()
    click.echo(f"{user.email} verified for {user.dong.name_ko} ({user.dong.code})")


@users.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(["resident", "staff", "admin"]))
@with_appcontext
def users_set_role(email, role):
    """Give EMAIL a role (resident, staff or admin)."""
    from app.extensions import db
    from app.models import User
    from app.services import ServiceError, accounts

    user = db.session.query(User).filter_by(email=accounts.normalise_email(email)).first()
    if user is None:
        raise click.ClickException(f"no account for {email}")
    try:
        accounts.set_role(user, role)
    except ServiceError as err:
        raise click.ClickException(str(err.message)) from None
    db.session.commit()
    click.echo(f"{user.email} is now {role}")


@users.command("add-to-division")
@click.argument("email")
@click.argument("division", metavar="DIVISION_NAME_KO")
@with_appcontext
def users_add_to_division(email, division):
    """Make EMAIL staff of a division (Korean name, e.g. 복지정책과)."""
    from app.extensions import db
    from app.models import Division, User
    from app.services import accounts

    user = db.session.query(User).filter_by(email=accounts.normalise_email(email)).first()
    if user is None:
        raise click.ClickException(f"no account for {email}")
    target = db.session.query(Division).filter_by(name_ko=division).first()
    if target is None:
        raise click.ClickException(f"no division named {division}")
    accounts.add_to_division(user, target)
    db.session.commit()
    click.echo(f"{user.email} is staff of {target.name_ko}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(burst):
    """Run an RQ worker with its scheduler and the minute ticker, inside the app context."""
    from app.notifications.worker import run_worker

    run_worker(current_app._get_current_object(), burst=burst)


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@with_appcontext
def serve_command(host, port):
    """Run the web server and one worker; Ctrl-C stops everything this started."""
    import socket

    from app.redis_store import die_with_parent, get_redis, redis_url

    with socket.socket() as probe:
        if probe.connect_ex((host, port)) == 0:
            raise click.ClickException(f"port {port} on {host} is already in use; try: make run PORT={port + 1}")
    get_redis(current_app).ping()  # starts the embedded Redis when REDIS_URL is unset
    env = dict(os.environ, REDIS_URL=redis_url(current_app))
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    children = [
        subprocess.Popen(flask + ["worker"], env=env, preexec_fn=die_with_parent),  # noqa: PLW1509
        subprocess.Popen(flask + ["run", "--host", host, "--port", str(port), "--no-reload"], env=env,
                         preexec_fn=die_with_parent),  # noqa: PLW1509
    ]
    click.echo(f"Madang is running on http://{host}:{port}/ (Ctrl-C stops it)")

    def _stop(signum, frame):
        raise KeyboardInterrupt

    # Ctrl-C, and also `kill` (SIGTERM) and a shell that started us with SIGINT ignored.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
    click.echo("Stopped.")


i18n = click.Group("i18n", help="Translation workflow (pybabel extract, update, compile, check).")


def _pybabel(*args):
    result = subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise click.ClickException(f"pybabel {args[0]} failed:\n{result.stdout}{result.stderr}")
    return result


def _extract(output):
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "_lp:1c,2", "--no-location", "--omit-header",
             "--sort-output", "-o", str(output), "app")


@i18n.command("extract")
def i18n_extract():
    """Extract messages into app/translations/messages.pot."""
    _extract(POT)


@i18n.command("update")
def i18n_update():
    """Extract, merge new messages into the ko and en catalogs, and fill en from the msgids.

    The msgids are the English text, so the en catalog copies them; ko is translated by hand.
    """
    _extract(POT)
    for locale in ("ko", "en"):
        if not (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").exists():
            _pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale, "--no-wrap")
    _pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "--no-wrap", "--ignore-obsolete",
             "--no-fuzzy-matching")
    from app.i18n_check import fill_english

    filled = fill_english(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po")
    click.echo(f"en: {filled} messages filled from their msgids")


@i18n.command("compile")
def i18n_compile():
    """Compile the .po catalogs to .mo files."""
    click.echo(_pybabel("compile", "-d", str(TRANSLATIONS), "--statistics").stderr.strip())


@i18n.command("check")
def i18n_check():
    """Fail if extraction would change the template, or a message is untranslated or fuzzy."""
    from app.i18n_check import check_catalogs

    problems = check_catalogs(ROOT, _extract)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo("translations complete")


def init_app(app):
    from app.bench_data import bench_data_command

    for command in (seed_command, users, worker_command, serve_command, i18n, bench_data_command):
        app.cli.add_command(command)
