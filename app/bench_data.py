"""`flask bench-data`: realistic benchmark volumes in PostgreSQL, loaded with COPY.

Run `flask db upgrade` and `flask seed` first: the dongs, divisions, categories and the imported
Seoul proposals (whose real titles, bodies and answers the bench rows reuse) must be there.

Bench rows are recognised by their accounts: every bench user's email ends in @bench.madang.invalid,
and every bench proposal, sympathy, comment, vote and follow belongs to such an account (bench
proposals are not imported rows: source and submission_key are NULL). A second run refuses until
`--reset` deletes the previous bench rows, and everything that hangs off them, first.

Everything is generated from random.Random(--seed) (only the session tokens and "now" differ between
runs), in one transaction: a failed run leaves nothing behind.
"""
import bisect
import json
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from random import Random
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import ProposalStatus
from app.services.rules import answer_due_at, current_rules

DOMAIN = "bench.madang.invalid"
EMAIL_PATTERN = "bench-user-{n:06d}@" + DOMAIN  # n = 1 … --users
PASSWORD = "bench-password-1"  # noqa: S105 -- public on purpose: printed and in the manifest
DAY = 86400.0
HOUR = 3600.0
WINDOW_DAYS = 3 * 365  # proposals are spread over the last three years
MAYOR_OFFICE = "구청장실"
# Every table this command writes, in foreign-key order (their sequences are reset afterwards).
TABLES = ("users", "policy_conferences", "proposals", "proposal_follows", "proposal_answers",
          "proposal_events", "proposal_votes", "sympathies", "comments")

S = ProposalStatus
OPEN, IN_REVIEW, ANSWERED = S.OPEN.value, S.IN_REVIEW.value, S.ANSWERED.value
AT_CONFERENCE, VOTING, ADOPTED, REJECTED = S.AT_CONFERENCE.value, S.VOTING.value, S.ADOPTED.value, S.REJECTED.value
IMPLEMENTING, COMPLETED = S.IMPLEMENTING.value, S.COMPLETED.value
CLOSED, WITHDRAWN, HIDDEN = S.CLOSED.value, S.WITHDRAWN.value, S.HIDDEN.value
# The policy-conference track, after the division's answer: a few hundred proposals in 100,000.
TRACK = (AT_CONFERENCE, VOTING, ADOPTED, REJECTED, IMPLEMENTING, COMPLETED)
TRACK_WEIGHTS = (10, 8, 12, 20, 15, 35)
TRACK_SHARE = 0.003
# For each track status: how long ago (days, oldest first) the proposal may have been created.
TRACK_CREATED = {AT_CONFERENCE: (150, 15), VOTING: (250, 30), ADOPTED: (320, 60), REJECTED: (WINDOW_DAYS, 60),
                 IMPLEMENTING: (700, 80), COMPLETED: (WINDOW_DAYS, 150)}
# Below the review threshold (status, weight) and at or above it (outside the conference track).
BELOW_THRESHOLD = ((OPEN, 4.0), (CLOSED, 90.5), (WITHDRAWN, 3.0), (HIDDEN, 2.5))
ABOVE_THRESHOLD = ((IN_REVIEW, 3.0), (ANSWERED, 96.0), (HIDDEN, 1.0))
DECISIONS = (("accepted", 25), ("partial", 30), ("considering", 25), ("rejected", 20))
REPLY_SHARE = 0.10
HOT_PROPOSALS = 10  # the most supported proposals also draw a tenth of all comments
DETAIL_COMMENTS = 50  # one proposal gets exactly this many top-level comments (and no replies)

SURNAMES = (("김", "Kim", 21.5), ("이", "Lee", 14.7), ("박", "Park", 8.4), ("최", "Choi", 4.7), ("정", "Jung", 4.3),
            ("강", "Kang", 2.3), ("조", "Cho", 2.1), ("윤", "Yoon", 2.1), ("장", "Jang", 2.0), ("임", "Lim", 1.7),
            ("한", "Han", 1.5), ("오", "Oh", 1.5), ("서", "Seo", 1.4), ("신", "Shin", 1.4), ("권", "Kwon", 1.4),
            ("황", "Hwang", 1.4), ("안", "Ahn", 1.4), ("송", "Song", 1.3), ("류", "Ryu", 1.2), ("홍", "Hong", 1.1))
GIVEN_FIRST = (("민", "Min"), ("서", "Seo"), ("지", "Ji"), ("현", "Hyun"), ("예", "Ye"), ("도", "Do"), ("하", "Ha"),
               ("수", "Su"), ("준", "Jun"), ("유", "Yu"), ("은", "Eun"), ("채", "Chae"), ("시", "Si"), ("주", "Ju"),
               ("다", "Da"), ("소", "So"), ("재", "Jae"), ("성", "Sung"), ("영", "Young"), ("태", "Tae"))
GIVEN_SECOND = (("준", "jun"), ("우", "woo"), ("윤", "yoon"), ("아", "a"), ("진", "jin"), ("서", "seo"), ("연", "yeon"),
                ("호", "ho"), ("민", "min"), ("은", "eun"), ("훈", "hoon"), ("희", "hee"), ("원", "won"), ("빈", "bin"),
                ("율", "yul"), ("현", "hyun"), ("수", "su"), ("린", "rin"), ("영", "young"), ("석", "seok"))
# Moderation notes and short reactions, as the district's officer and residents write them.
HIDDEN_REASONS = (
    "개인정보(전화번호)가 포함되어 있어 운영원칙에 따라 비공개 처리합니다.",
    "특정인을 비방하는 내용이 있어 운영원칙에 따라 비공개 처리합니다.",
    "같은 내용의 제안이 중복 등록되어 비공개 처리합니다.",
    "상업적 광고로 판단되어 비공개 처리합니다.",
)
COMMENT_HIDDEN_REASONS = ("욕설이 포함되어 비공개 처리합니다.", "개인정보가 포함되어 비공개 처리합니다.",
                          "제안과 관계없는 광고성 글입니다.")
REACTIONS = ("적극 공감합니다.", "저도 같은 불편을 겪고 있어요.", "꼭 반영되었으면 좋겠습니다.", "좋은 제안 감사합니다.",
             "우리 동네에도 꼭 필요합니다.", "예산이 걱정되지만 취지에는 찬성합니다.", "구청의 빠른 답변 부탁드립니다.",
             "아이 키우는 입장에서 정말 필요한 일입니다.", "출퇴근길에 매일 느끼는 문제입니다.", "반대 의견도 들어봤으면 합니다.")


@dataclass(slots=True)
class Plan:
    """One bench proposal, planned in memory before anything is written."""

    count: int
    status: str
    id: int = 0
    title: str = ""
    body: str = ""
    category_id: int = 0
    division_id: int = 0
    dong_id: int | None = None
    author: int = 0  # index into the bench users
    limit: int = 0  # how many bench users existed when it was created (supporters come from these)
    created: float = 0.0
    open_until: float = 0.0
    review: float | None = None
    due: float | None = None
    mayor: float | None = None
    mayor_due: float | None = None
    answered: float | None = None
    decision: str | None = None
    conference: object = None  # the conference's held_on date
    vote_opens: float | None = None
    vote_closes: float | None = None
    quorum: int | None = None
    yes: int = 0
    no: int = 0
    result: str | None = None
    result_at: float | None = None
    closed: float | None = None
    withdrawn: float | None = None
    hidden: float | None = None
    hidden_reason: str | None = None
    before_hidden: str | None = None
    support_end: float = 0.0
    events: list = field(default_factory=list)  # (time, kind, from, to, actor_kind, division_id, note)
    answers: list = field(default_factory=list)  # (time, kind, division_id, decision, body)


class Context:
    """What the generators share: the clock, the rules, the reference rows and the real texts."""

    def __init__(self, rng, now, rules, ref):
        self.rng, self.now = rng, now
        self.start = now - WINDOW_DAYS * DAY
        self.tz = ZoneInfo(current_app.config["TIMEZONE"])
        self.rules = rules
        self.review_threshold, self.mayor_threshold = rules.review_threshold, rules.mayor_threshold
        self.open_days, self.answer_days = rules.open_days, rules.answer_days
        self.__dict__.update(ref)
        self._due = {}
        self.conferences = {}  # held_on date -> [titles]

    def due(self, ts):
        """The answer deadline for a clock started at ts, by the app's own rule (cached per Seoul day)."""
        moment = datetime.fromtimestamp(ts, self.tz)
        if moment.date() not in self._due:
            self._due[moment.date()] = answer_due_at(moment, self.rules).timestamp()
        return self._due[moment.date()]

    def conference_before(self, ts):
        """The last quarterly conference at or before ts."""
        moment = datetime.fromtimestamp(ts, self.tz)
        year, month = moment.year, moment.month
        while True:
            if month % 3 == 0:
                held = datetime(year, month, 15, 14, 0, tzinfo=self.tz)
                if held.timestamp() <= ts:
                    return held
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)

    def conference_after(self, ts):
        """The first quarterly conference (the 15th of Mar, Jun, Sep, Dec, 14:00) at or after ts."""
        moment = datetime.fromtimestamp(ts, self.tz)
        year, month = moment.year, moment.month
        while True:
            if month % 3 == 0:
                held = datetime(year, month, 15, 14, 0, tzinfo=self.tz)
                if held.timestamp() >= ts:
                    return held
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _u(rng, a, b):
    return a + (b - a) * rng.random()


def _dt(ts):
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def _weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


# --- the command ---------------------------------------------------------------------------------

@click.command("bench-data")
@click.option("--users", "n_users", default=50_000, show_default=True, type=click.IntRange(min=20))
@click.option("--proposals", "n_proposals", default=100_000, show_default=True, type=click.IntRange(min=30))
@click.option("--sympathies", "n_sympathies", default=1_000_000, show_default=True, type=click.IntRange(min=0))
@click.option("--comments", "n_comments", default=200_000, show_default=True, type=click.IntRange(min=60))
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of the random generator.")
@click.option("--reset", is_flag=True, help="Delete the previous bench data (users @bench.madang.invalid and "
              "everything that references them) first. Without it a second run refuses.")
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the ids and counts as JSON [default: instance/bench-manifest.json].")
@with_appcontext
def bench_data_command(n_users, n_proposals, n_sympathies, n_comments, seed, reset, manifest):
    """Fill the PostgreSQL database with benchmark volumes (after `flask seed`), using COPY.

    All bench users share one password (printed at the end); ids a benchmark needs go to --manifest.
    """
    _check_database()
    ref = _reference_rows()
    existing = db.session.execute(text("SELECT count(*) FROM users WHERE email LIKE :p"),
                                  {"p": "%@" + DOMAIN}).scalar_one()
    timings = {}
    if existing and not reset:
        raise click.ClickException(
            f"this database already holds bench data ({existing} users @{DOMAIN}). "
            "Run `flask bench-data --reset` to delete it (and everything that references it) and load again.")
    if existing:
        timings["reset"] = _reset()
    started = time.monotonic()
    loader = Loader(seed, ref, n_users, n_proposals, n_sympathies, n_comments)
    result = loader.run()
    timings.update(loader.timings)
    timings["total"] = round(time.monotonic() - started + timings.get("reset", 0), 1)
    path = manifest or Path(current_app.instance_path) / "bench-manifest.json"
    data = _manifest(seed, result, timings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    counts = result["counts"]
    click.echo(f"Loaded {counts['users']:,} users, {counts['proposals']:,} proposals, "
               f"{counts['sympathies']:,} sympathies, {counts['comments']:,} comments "
               f"({counts['replies']:,} replies), {counts['proposal_events']:,} timeline events, "
               f"{counts['proposal_answers']:,} answers, {counts['proposal_votes']:,} votes "
               f"in {timings['total']} s.")
    click.echo(f"Sign in as any of {data['users']['first_email']} … {data['users']['last_email']} "
               f"with the password: {PASSWORD}")
    click.echo(f"Proposal with exactly {DETAIL_COMMENTS} comments: {result['detail_proposal_id']}")
    click.echo(f"Most supported proposal: {result['top_proposal_id']} ({result['top_support_count']:,} supporters)")
    click.echo(f"Manifest: {path}")


def _check_database():
    engine = db.engine
    if engine.dialect.name != "postgresql":
        raise click.ClickException(
            f"bench-data needs PostgreSQL, but DATABASE_URL is {engine.url.render_as_string(hide_password=True)}. "
            "Set DATABASE_URL=postgresql+psycopg://user@host/dbname (an empty database), then run "
            "`flask db upgrade` and `flask seed` first.")
    if engine.dialect.driver != "psycopg":
        raise click.ClickException(f"bench-data loads with psycopg 3's COPY; use a postgresql+psycopg:// URL, "
                                   f"not {engine.dialect.driver}.")


def _reference_rows():
    """The seeded rows the bench data hangs on; refuses clearly when `flask seed` has not run."""
    def q(sql):
        return db.session.execute(text(sql)).all()

    dongs = [r[0] for r in q("SELECT id FROM dongs ORDER BY id")]
    categories = q("SELECT id, default_division_id FROM categories ORDER BY position, id")
    sources = q("SELECT title, body FROM proposals WHERE source LIKE 'seoul%' ORDER BY id")
    if not dongs or not categories or not sources:
        raise click.ClickException(
            "the dongs, divisions, categories and imported Seoul proposals are missing: "
            "run `flask db upgrade` and `flask seed` first (on the same DATABASE_URL).")
    sources = [(t.strip(), b.strip()) for t, b in sources if 5 <= len(t.strip()) <= 100 and b.strip()]
    division_answers = [r[0] for r in q("SELECT a.body FROM proposal_answers a JOIN proposals p ON p.id = a.proposal_id "
                                        "WHERE p.source LIKE 'seoul%' AND a.kind = 'division' ORDER BY a.id")]
    expert_opinions = [r[0] for r in q("SELECT a.body FROM proposal_answers a JOIN proposals p ON p.id = a.proposal_id "
                                       "WHERE p.source LIKE 'seoul%' AND a.kind = 'expert' ORDER BY a.id")]
    mayor = db.session.execute(text("SELECT id FROM divisions WHERE name_ko = :n"), {"n": MAYOR_OFFICE}).scalar()
    sentences = []
    for _, body in sources:
        for line in body.replace("다. ", "다.\n").replace("요. ", "요.\n").splitlines():
            line = line.strip(" -*·•\t")
            if 15 <= len(line) <= 160 and not line.startswith("["):
                sentences.append(line)
    paragraphs = [p.strip() for _, b in sources for p in b.split("\n\n") if 40 <= len(p.strip()) <= 600]
    return {
        "dong_ids": dongs, "categories": categories, "sources": sources, "sentences": sentences or [s[0] for s in sources],
        "paragraphs": paragraphs or [s[1] for s in sources],
        "answer_bodies": division_answers or [s[1] for s in sources],
        "result_bodies": expert_opinions or division_answers or [s[1] for s in sources], "mayor_id": mayor,
    }


def _reset():
    """Delete the bench users and everything that references them, in bulk, in one transaction."""
    started = time.monotonic()
    steps = [
        "CREATE TEMP TABLE bench_users ON COMMIT DROP AS SELECT id FROM users WHERE email LIKE :bench_emails",
        "CREATE TEMP TABLE bench_proposals ON COMMIT DROP AS "
        "SELECT id, conference_id FROM proposals WHERE author_id IN (SELECT id FROM bench_users)",
        "CREATE TEMP TABLE bench_comments ON COMMIT DROP AS SELECT id FROM comments "
        "WHERE proposal_id IN (SELECT id FROM bench_proposals) OR author_id IN (SELECT id FROM bench_users)",
        # Other proposals the bench users supported or voted on get their counts recomputed below.
        "CREATE TEMP TABLE touched ON COMMIT DROP AS SELECT DISTINCT proposal_id AS id FROM ("
        " SELECT proposal_id FROM sympathies WHERE user_id IN (SELECT id FROM bench_users)"
        " UNION ALL SELECT proposal_id FROM proposal_votes WHERE user_id IN (SELECT id FROM bench_users)) t "
        "WHERE proposal_id NOT IN (SELECT id FROM bench_proposals)",
        "DELETE FROM notifications WHERE recipient_user_id IN (SELECT id FROM bench_users)"
        " OR (object_type = 'proposal' AND object_id IN (SELECT id FROM bench_proposals))"
        " OR (object_type = 'comment' AND object_id IN (SELECT id FROM bench_comments))"
        " OR (object_type = 'user' AND object_id IN (SELECT id FROM bench_users))",
        "DELETE FROM sympathies WHERE proposal_id IN (SELECT id FROM bench_proposals)"
        " OR user_id IN (SELECT id FROM bench_users)",
        "DELETE FROM proposal_votes WHERE proposal_id IN (SELECT id FROM bench_proposals)"
        " OR user_id IN (SELECT id FROM bench_users)",
        "DELETE FROM proposal_follows WHERE proposal_id IN (SELECT id FROM bench_proposals)"
        " OR user_id IN (SELECT id FROM bench_users)",
        "DELETE FROM comment_reports WHERE comment_id IN (SELECT id FROM bench_comments)",
        # Replies by anyone to a deleted comment go with it (ON DELETE CASCADE).
        "DELETE FROM comments WHERE id IN (SELECT id FROM bench_comments)",
        "DELETE FROM proposal_events WHERE proposal_id IN (SELECT id FROM bench_proposals)",
        "DELETE FROM proposal_answers WHERE proposal_id IN (SELECT id FROM bench_proposals)",
        "DELETE FROM proposal_attachments WHERE proposal_id IN (SELECT id FROM bench_proposals)",
        "DELETE FROM proposals WHERE id IN (SELECT id FROM bench_proposals)",
        "DELETE FROM policy_conferences WHERE id IN (SELECT conference_id FROM bench_proposals)"
        " AND id NOT IN (SELECT conference_id FROM proposals WHERE conference_id IS NOT NULL)",
        "DELETE FROM staff_memberships WHERE user_id IN (SELECT id FROM bench_users)",
        "DELETE FROM users WHERE id IN (SELECT id FROM bench_users)",
        "UPDATE proposals p SET support_count = (SELECT count(*) FROM sympathies s WHERE s.proposal_id = p.id),"
        " votes_yes = (SELECT count(*) FROM proposal_votes v WHERE v.proposal_id = p.id AND v.choice = 'yes'),"
        " votes_no = (SELECT count(*) FROM proposal_votes v WHERE v.proposal_id = p.id AND v.choice = 'no')"
        " WHERE p.id IN (SELECT id FROM touched)",
    ]
    with click.progressbar(steps, label="reset (deleting the previous bench data)") as bar:
        for sql in bar:
            db.session.execute(text(sql), {"bench_emails": "%@" + DOMAIN} if ":bench_emails" in sql else {})
    db.session.commit()
    took = round(time.monotonic() - started, 1)
    click.echo(f"reset: {took} s")
    return took


def _manifest(seed, result, timings):
    counts = result["counts"]
    first, last = result["user_numbers"]
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": db.engine.url.render_as_string(hide_password=True),
        "seed": seed,
        "password": PASSWORD,
        "email_pattern": EMAIL_PATTERN,
        "users": {"first_email": EMAIL_PATTERN.format(n=first), "last_email": EMAIL_PATTERN.format(n=last),
                  "first_id": result["user_ids"][0], "last_id": result["user_ids"][1]},
        "detail_proposal_id": result["detail_proposal_id"],
        "detail_proposal_comments": DETAIL_COMMENTS,
        "top_proposal_id": result["top_proposal_id"],
        "top_support_count": result["top_support_count"],
        "open_proposal_id": result["open_proposal_id"],
        "proposal_ids": result["proposal_ids"],
        "counts": counts,
        "statuses": result["statuses"],
        "timings_seconds": timings,
    }


# --- the load ------------------------------------------------------------------------------------

class Loader:
    def __init__(self, seed, ref, n_users, n_proposals, n_sympathies, n_comments):
        self.rng = Random(seed)
        self.ref = ref
        self.n_users, self.n_proposals = n_users, n_proposals
        self.n_sympathies, self.n_comments = n_sympathies, n_comments
        self.timings = {}
        self.counts = {}

    def run(self):
        session = db.session
        rules = current_rules()  # created with the defaults if the admin never saved any
        session.execute(text(f"LOCK TABLE {', '.join(TABLES)} IN EXCLUSIVE MODE"))
        self.next_id = {t: session.execute(text(f"SELECT coalesce(max(id), 0) + 1 FROM {t}")).scalar_one()  # noqa: S608
                        for t in TABLES}
        # A supporter is a user who existed when the proposal was made: at least the launch cohort.
        self.cohort = max(2, int(self.n_users * 0.4))
        self.c = Context(self.rng, time.time(), rules, self.ref)
        self.c.voter_cap = self.cohort
        self.cur = session.connection().connection.driver_connection.cursor()
        cap = self.cohort - 1
        if self.n_sympathies > self.n_proposals * cap:
            raise click.ClickException(f"{self.n_sympathies} sympathies cannot fit: at most {cap} per proposal "
                                       f"(the users who existed when it was made, less its author); add --users.")
        self._phase("users", self.load_users)
        self._phase("planning proposals", self.plan_proposals)
        self._phase("proposals", self.load_proposals)
        self._phase("timeline", self.load_timeline)
        self._phase("sympathies", self.load_sympathies)
        self._phase("comments", self.load_comments)
        self._phase("sequences and commit", self.finish)
        self._phase("analyze", self.analyze)
        top = max(self.plans, key=lambda p: (p.count, -p.id))
        opened = [p for p in self.plans if p.status == OPEN]
        return {
            "counts": self.counts,
            "user_numbers": (1, self.n_users),
            "user_ids": (self.next_id["users"], self.next_id["users"] + self.n_users - 1),
            "proposal_ids": [self.plans[0].id, self.plans[-1].id],
            "detail_proposal_id": self.detail.id,
            "top_proposal_id": top.id, "top_support_count": top.count,
            "open_proposal_id": min(opened, key=lambda p: (p.count, p.id)).id,
            "statuses": dict(sorted(Counter(p.status for p in self.plans).items())),
        }

    def _phase(self, name, step):
        started = time.monotonic()
        step()
        self.timings[name] = round(time.monotonic() - started, 1)
        click.echo(f"{name}: {self.timings[name]} s")

    def _copy(self, table, columns, rows, label, length):
        """COPY rows (tuples of Python values) into table, with a progress bar; returns the count."""
        done = 0
        with click.progressbar(length=max(length, 1), label=label) as bar, \
                self.cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                done += 1
                if done % 10_000 == 0:
                    bar.update(10_000)
            bar.update(done % 10_000)
        self.counts[table] = self.counts.get(table, 0) + done
        return done

    # --- users -----------------------------------------------------------------------------------

    def load_users(self):
        rng, c = self.rng, self.c
        n, cohort = self.n_users, self.cohort
        # The launch cohort signed up before the window (accounts carried over); the rest over it.
        times = sorted(_u(rng, c.start - 120 * DAY, c.start - 30 * DAY) for _ in range(cohort))
        times += sorted(_u(rng, c.start, c.now - DAY) for _ in range(n - cohort))
        self.user_times = times
        self.user_dong = [rng.choice(c.dong_ids) for _ in range(n)]
        self.user_ids = [self.next_id["users"] + i for i in range(n)]
        self.active = rng.sample(range(cohort), min(300, cohort))  # prolific authors
        password_hash = generate_password_hash(PASSWORD, method=current_app.config["PASSWORD_HASH_METHOD"])
        consent = current_app.config["PRIVACY_CONSENT_VERSION"]
        weights = [s[2] for s in SURNAMES]

        def rows():
            for i in range(n):
                surname = rng.choices(SURNAMES, weights)[0]
                first, second = rng.choice(GIVEN_FIRST), rng.choice(GIVEN_SECOND)
                locale = "en" if rng.random() < 0.08 else "ko"
                name = (f"{first[1]}{second[1]} {surname[1]}" if locale == "en"
                        else surname[0] + first[0] + second[0])
                created = _dt(times[i])
                verified = _dt(min(times[i] + _u(rng, HOUR, 3 * DAY), c.now))
                yield (self.user_ids[i], EMAIL_PATTERN.format(n=i + 1), password_hash, name, locale, "resident",
                       True, self.user_dong[i], verified, consent, created, created, created, secrets.token_hex(16))

        self._copy("users", ("id", "email", "password_hash", "display_name", "locale", "role", "is_verified_resident",
                             "dong_id", "verified_at", "privacy_consent_version", "privacy_consent_at", "created_at",
                             "password_changed_at", "session_token"), rows(), "users", n)

    # --- proposals: counts, statuses, timelines ----------------------------------------------------

    def plan_proposals(self):
        rng, c = self.rng, self.c
        counts = support_counts(rng, self.n_proposals, self.n_sympathies, self.cohort - 1)
        statuses = assign_statuses(rng, counts, c.review_threshold, self.n_proposals)
        plans = []
        cat_weights = [1 / (k + 1) ** 0.7 for k in range(len(c.categories))]
        with click.progressbar(length=len(counts), label="planning proposals") as bar:
            for k, (count, status) in enumerate(zip(counts, statuses, strict=True)):
                p = Plan(count=count, status=status)
                p.category_id, p.division_id = rng.choices(c.categories, cat_weights)[0]
                p.title, p.body = rng.choice(c.sources)
                if rng.random() < 0.25:  # a second real paragraph, from another proposal
                    p.body += "\n\n" + rng.choice(c.paragraphs)
                plan_timeline(c, p)
                plans.append(p)
                if k % 10_000 == 9_999:
                    bar.update(10_000)
            bar.update(len(counts) % 10_000)
        plans.sort(key=lambda p: p.created)
        active_share = 0.15
        for k, p in enumerate(plans):
            p.id = self.next_id["proposals"] + k
            p.limit = max(bisect.bisect_right(self.user_times, p.created), self.cohort)
            if rng.random() < active_share:
                p.author = rng.choice(self.active)
            else:
                p.author = rng.randrange(p.limit)
            roll = rng.random()
            p.dong_id = self.user_dong[p.author] if roll < 0.75 else rng.choice(c.dong_ids) if roll < 0.9 else None
        self.plans = plans

    def load_proposals(self):
        c = self.c
        # Conferences first: the proposals point at them.
        held_dates = sorted({p.conference for p in self.plans if p.conference is not None})
        self.conference_ids = {d: self.next_id["policy_conferences"] + k for k, d in enumerate(held_dates)}
        agendas = {}
        for p in self.plans:
            if p.conference is not None:
                agendas.setdefault(p.conference, []).append(p.title)

        def conferences():
            for held in held_dates:
                quarter = held.month // 3
                title = f"{held.year}년 {quarter}분기 관악구 주민 정책토론회"
                agenda = "\n".join(f"- {t}" for t in agendas[held])
                minutes = "" if held.timestamp() > c.now else f"{title}: 제안 {len(agendas[held])}건을 발표하고 토론했습니다."
                yield (self.conference_ids[held], title, held.date(), agenda, minutes, _dt(held.timestamp() - 45 * DAY))

        self._copy("policy_conferences", ("id", "title", "held_on", "agenda", "minutes", "created_at"), conferences(),
                   "conferences", len(held_dates))

        def rows():
            for p in self.plans:
                updated = max(e[0] for e in p.events)
                yield (p.id, p.title, p.body, p.category_id, p.dong_id, p.division_id, self.user_ids[p.author],
                       p.status, p.count, _dt(p.created), _dt(updated), _dt(p.due), _dt(p.review), False,
                       _dt(p.mayor), _dt(p.mayor_due), _dt(p.open_until), _dt(p.closed), _dt(p.withdrawn),
                       _dt(p.hidden), p.hidden_reason, p.before_hidden,
                       self.conference_ids[p.conference] if p.conference is not None else None,
                       _dt(p.vote_opens), _dt(p.vote_closes), p.quorum, p.yes, p.no, p.result, _dt(p.result_at), False)

        self._copy("proposals", (
            "id", "title", "body", "category_id", "dong_id", "division_id", "author_id", "status", "support_count",
            "created_at", "updated_at", "answer_due_at", "review_started_at", "is_special_period", "mayor_requested_at",
            "mayor_due_at", "open_until_at", "closed_at", "withdrawn_at", "hidden_at", "hidden_reason",
            "status_before_hidden", "conference_id", "vote_opens_at", "vote_closes_at", "vote_quorum", "votes_yes",
            "votes_no", "result_body", "result_published_at", "is_body_truncated"), rows(), "proposals", len(self.plans))

    def load_timeline(self):
        """Follows (the author), answers, the public timeline and the residents' votes."""
        rng = self.rng
        follow_id = self.next_id["proposal_follows"]
        self._copy("proposal_follows", ("id", "proposal_id", "user_id", "created_at"),
                   ((follow_id + k, p.id, self.user_ids[p.author], _dt(p.created)) for k, p in enumerate(self.plans)),
                   "follows", len(self.plans))
        answers = sorted(((a[0], p.id) + a[1:] for p in self.plans for a in p.answers), key=lambda a: a[:2])
        answer_id = self.next_id["proposal_answers"]
        self._copy("proposal_answers", ("id", "proposal_id", "answered_at", "kind", "division_id", "decision", "body",
                                        "is_body_truncated"),
                   ((answer_id + k, a[1], _dt(a[0]), *a[2:], False) for k, a in enumerate(answers)),
                   "answers", len(answers))
        events = sorted(((e[0], p.id) + e[1:] for p in self.plans for e in p.events), key=lambda e: e[:2])
        event_id = self.next_id["proposal_events"]
        self._copy("proposal_events", ("id", "proposal_id", "created_at", "kind", "from_status", "to_status",
                                       "actor_kind", "division_id", "note"),
                   ((event_id + k, e[1], _dt(e[0]), *e[2:]) for k, e in enumerate(events)), "timeline events", len(events))

        votes = []
        for p in self.plans:
            cast = p.yes + p.no
            if not cast:
                continue
            voters = rng.sample(range(max(bisect.bisect_right(self.user_times, p.vote_opens), self.cohort)), cast)
            end = min(p.vote_closes, self.c.now - 60)
            for k, voter in enumerate(voters):
                votes.append((_u(rng, p.vote_opens, end), p.id, self.user_ids[voter], "yes" if k < p.yes else "no"))
        votes.sort()
        vote_id = self.next_id["proposal_votes"]
        self._copy("proposal_votes", ("id", "proposal_id", "user_id", "choice", "created_at"),
                   ((vote_id + k, v[1], v[2], v[3], _dt(v[0])) for k, v in enumerate(votes)), "votes", len(votes))

    # --- sympathies ------------------------------------------------------------------------------

    def load_sympathies(self):
        rng, c = self.rng, self.c
        first_id = self.next_id["sympathies"]

        def rows():
            sid = first_id
            for p in self.plans:
                if not p.count:
                    continue
                # Supporters: users who existed when it was made, never its author.
                picked = rng.sample(range(p.limit), p.count + 1)
                if p.author in picked:
                    picked.remove(p.author)
                else:
                    picked.pop()
                for user, moment in zip(picked, support_times(rng, c, p), strict=True):
                    yield (sid, p.id, self.user_ids[user], _dt(moment))
                    sid += 1

        self._copy("sympathies", ("id", "proposal_id", "user_id", "created_at"), rows(), "sympathies", self.n_sympathies)

    # --- comments --------------------------------------------------------------------------------

    def load_comments(self):
        rng, c = self.rng, self.c
        replies = round(self.n_comments * REPLY_SHARE)
        tops = self.n_comments - replies
        answered = [p for p in self.plans if p.status == ANSWERED]
        self.detail = detail = rng.choice(answered)
        others = [p for p in self.plans if p is not detail]
        per = Counter({detail.id: DETAIL_COMMENTS})
        remaining = tops - DETAIL_COMMENTS
        hot = sorted(others, key=lambda p: (-p.count, p.id))[:HOT_PROPOSALS]
        hot_total = remaining // 10 if remaining >= 1000 else 0
        shares = [_u(rng, 0.5, 1.5) for _ in hot]
        for p, share in zip(hot, shares, strict=True):
            per[p.id] += int(hot_total * share / sum(shares))
        spread = remaining - sum(per.values()) + DETAIL_COMMENTS
        weights = [(p.count + 1) ** 0.6 * rng.paretovariate(1.6) for p in others]
        for p in rng.choices(others, weights, k=spread):
            per[p.id] += 1
        by_id = {p.id: p for p in self.plans}

        def window(p):
            end = p.hidden if p.hidden is not None else min(c.now - 60, p.created + 120 * DAY)
            return p.created + 60, max(end, p.created + 120)

        def body(reply):
            roll = rng.random()
            if reply:
                return rng.choice(REACTIONS) if roll < 0.5 else rng.choice(c.sentences)
            if roll < 0.4:
                return rng.choice(REACTIONS)
            if roll < 0.75:
                return rng.choice(c.sentences)
            return rng.choice(REACTIONS) + " " + " ".join(rng.choice(c.sentences) for _ in range(rng.randint(1, 2)))

        # (time, proposal id, parent index or -1, author index, body, hidden_at, hidden_reason)
        comments = []
        for pid, n in sorted(per.items()):
            p = by_id[pid]
            lo, hi = window(p)
            for _ in range(n):
                moment = lo + (hi - lo) * rng.random() ** 2  # most comments come early
                comments.append([moment, pid, -1, rng.randrange(p.limit), body(False), None, None])
        parents = [k for k, cm in enumerate(comments) if cm[1] != detail.id]
        for _ in range(replies):
            k = rng.choice(parents)
            parent = comments[k]
            p = by_id[parent[1]]
            hi = window(p)[1]
            moment = min(hi, parent[0] + rng.expovariate(1.0) * DAY)
            moment = max(moment, parent[0] + 1)
            author = p.author if rng.random() < 0.3 else rng.randrange(p.limit)
            comments.append([moment, parent[1], k, author, body(True), None, None])
        for cm in comments:  # the moderator hid a few (never the detail page's own fifty)
            if cm[1] != detail.id and rng.random() < 0.003:
                cm[5] = min(cm[0] + _u(rng, HOUR, 3 * DAY), c.now - 1)
                cm[6] = rng.choice(COMMENT_HIDDEN_REASONS)
        order = sorted(range(len(comments)), key=lambda k: (comments[k][0], k))
        ids = [0] * len(comments)
        for position, k in enumerate(order):
            ids[k] = self.next_id["comments"] + position

        def rows():
            for k in order:
                moment, pid, parent, author, text_, hidden, reason = comments[k]
                yield (ids[k], pid, ids[parent] if parent >= 0 else None, self.user_ids[author], text_, False,
                       _dt(moment), _dt(hidden), reason)

        self._copy("comments", ("id", "proposal_id", "parent_id", "author_id", "body", "is_official", "created_at",
                                "hidden_at", "hidden_reason"), rows(), "comments", len(comments))
        self.counts["replies"] = replies

    # --- the end ---------------------------------------------------------------------------------

    def finish(self):
        for table in TABLES:
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 1), max(id) IS NOT NULL) "  # noqa: S608
                f"FROM {table}"))
        self.cur.close()
        db.session.commit()

    def analyze(self):
        with click.progressbar(TABLES, label="analyze") as bar:
            for table in bar:
                db.session.execute(text(f"ANALYZE {table}"))
        db.session.commit()


# --- the pure parts: counts, statuses, timelines ---------------------------------------------------

def support_counts(rng, n, total, cap):
    """Heavy-tailed supporter counts (most 0–5, a few thousands), each at most cap, summing to total exactly."""
    weights = [rng.paretovariate(1.25) - 1.0 for _ in range(n)]

    def filled(scale):
        return sum(min(int(w * scale), cap) for w in weights)

    lo, hi = 0.0, 1.0
    while filled(hi) < total:
        hi *= 2
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if filled(mid) <= total else (lo, mid)
    counts = [min(int(w * lo), cap) for w in weights]
    rest = total - sum(counts)
    by_fraction = sorted(range(n), key=lambda i: (-((weights[i] * lo) % 1), i))
    while rest:
        for i in by_fraction:
            if rest and counts[i] < cap:
                counts[i] += 1
                rest -= 1
    return counts


def assign_statuses(rng, counts, threshold, n):
    """Statuses consistent with the counts (review at the threshold); every status at least once."""
    statuses = [None] * len(counts)
    reviewed = [i for i, count in enumerate(counts) if count >= threshold]
    below = [i for i, count in enumerate(counts) if count < threshold]
    if len(reviewed) < len(TRACK) + 3 or len(below) < 4:
        raise click.ClickException(
            f"with these numbers {len(reviewed)} proposals reach {threshold} supporters and {len(below)} do not; "
            f"every status needs at least {len(TRACK) + 3} and 4: change --sympathies or --proposals.")
    rng.shuffle(reviewed)
    rng.shuffle(below)
    # The conference track: picked among the more popular answered proposals.
    n_track = min(max(len(TRACK), round(n * TRACK_SHARE)), len(reviewed) - 3)
    popular = sorted(reviewed, key=lambda i: -counts[i])[:max(n_track, len(reviewed) * 2 // 5)]
    for k, i in enumerate(rng.sample(popular, n_track)):
        statuses[i] = TRACK[k] if k < len(TRACK) else rng.choices(TRACK, TRACK_WEIGHTS)[0]
    for k, i in enumerate([j for j in reviewed if statuses[j] is None]):
        statuses[i] = ABOVE_THRESHOLD[k][0] if k < len(ABOVE_THRESHOLD) else _weighted(rng, ABOVE_THRESHOLD)
    for k, i in enumerate(below):
        statuses[i] = BELOW_THRESHOLD[k][0] if k < len(BELOW_THRESHOLD) else _weighted(rng, BELOW_THRESHOLD)
    return statuses


def plan_timeline(c, p):
    """Times, fields, events and answers for p's status, as the lifecycle services would have left them."""
    rng = c.rng
    status = p.status
    if status == HIDDEN:
        p.before_hidden = (_weighted(rng, ((IN_REVIEW, 3), (ANSWERED, 7))) if p.count >= c.review_threshold
                           else _weighted(rng, ((OPEN, 3), (CLOSED, 7))))
        status = p.before_hidden
    if status == OPEN:
        if p.before_hidden:  # hidden while it was open, at any time in the window
            _created(c, p, _u(rng, c.start, c.now - 2 * HOUR))
            p.hidden = _u(rng, p.created + HOUR, min(c.now - 60, p.open_until))
            p.support_end = p.hidden
        else:
            _created(c, p, _u(rng, c.now - (c.open_days - 0.2) * DAY, c.now - 600))
            p.support_end = c.now - 60
    elif status == CLOSED:
        _created(c, p, _u(rng, c.start, c.now - (c.open_days + 1) * DAY))
        p.closed = p.open_until + _u(rng, 5, 60)  # the minute tick
        p.events.append((p.closed, "expired", OPEN, CLOSED, "system", None, None))
        p.support_end = p.open_until
        if p.before_hidden:
            p.hidden = _u(rng, p.closed, min(c.now - 60, p.closed + 180 * DAY))
    elif status == WITHDRAWN:
        _created(c, p, _u(rng, c.start, c.now - 2 * HOUR))
        p.withdrawn = _u(rng, p.created + HOUR, min(c.now - 60, p.open_until))
        p.events.append((p.withdrawn, "status", OPEN, WITHDRAWN, "resident", None, None))
        p.support_end = p.withdrawn
    elif status == IN_REVIEW:
        if p.before_hidden:
            review = _u(rng, c.now - 60 * DAY, c.now - HOUR)
        elif rng.random() < 0.9:
            review = _u(rng, c.now - (c.answer_days - 0.5) * DAY, c.now - 600)
        else:  # overdue: the division is late
            review = _u(rng, c.now - (c.answer_days + 20) * DAY, c.now - (c.answer_days + 1.5) * DAY)
        _created(c, p, review - _review_delay(c))
        _review(c, p, review)
        p.support_end = c.now - 60
        if p.before_hidden:
            p.hidden = _u(rng, review + 60, c.now - 60)
            p.support_end = p.hidden
        _mayor(c, p)
    elif status == ANSWERED:
        review_delay, answer_delay = _review_delay(c), _answer_delay(c)
        answered = _u(rng, c.start + review_delay + answer_delay, c.now - HOUR)
        _created(c, p, answered - answer_delay - review_delay)
        _review(c, p, answered - answer_delay)
        _answer(c, p, answered, _weighted(rng, DECISIONS))
        if p.before_hidden:
            p.hidden = _u(rng, answered + 60, min(c.now - 60, answered + 90 * DAY))
    else:
        _track(c, p)
    if p.before_hidden:
        p.hidden_reason = rng.choice(HIDDEN_REASONS)
        p.events.append((p.hidden, "hidden", p.before_hidden, HIDDEN, "admin", None, p.hidden_reason))


def _created(c, p, created):
    p.created = created
    p.open_until = created + c.open_days * DAY
    p.events.append((created, "created", None, OPEN, "resident", None, None))


def _review_delay(c):
    """Days from proposing to the threshold: popular proposals get there within days."""
    return max(0.05, min(c.rng.expovariate(1 / 3.0), c.open_days - 0.5)) * DAY


def _answer_delay(c):
    if c.rng.random() < 0.92:
        return _u(c.rng, 0.5, c.answer_days - 0.5) * DAY
    return _u(c.rng, c.answer_days + 1, c.answer_days + 20) * DAY  # late


def _review(c, p, review):
    p.review, p.due = review, c.due(review)
    p.events.append((review, "threshold", OPEN, IN_REVIEW, "system", p.division_id, None))


def _answer(c, p, answered, decision):
    p.answered, p.decision, p.support_end = answered, decision, answered
    p.answers.append((answered, "division", p.division_id, decision, c.rng.choice(c.answer_bodies)))
    p.events.append((answered, "answered", IN_REVIEW, ANSWERED, "division", p.division_id, None))
    _mayor(c, p)


def _mayor(c, p):
    """At the Mayor's threshold: requested when the Nth supporter came; mostly answered if there was time."""
    if p.count < c.mayor_threshold or p.review is None:
        return
    fraction = (c.mayor_threshold - c.review_threshold) / max(1, p.count - c.review_threshold)
    p.mayor = p.review + (p.support_end - p.review) * min(1.0, fraction)
    p.mayor_due = c.due(p.mayor)
    p.events.append((p.mayor, "mayor_requested", None, None, "system", c.mayor_id, None))
    if p.answered is not None:
        answered = p.mayor + _u(c.rng, 1, c.answer_days - 0.5) * DAY
        if answered < c.now - 60 and c.rng.random() < 0.9:
            decision = _weighted(c.rng, DECISIONS)
            p.answers.append((answered, "mayor", c.mayor_id, decision, c.rng.choice(c.answer_bodies)))
            p.events.append((answered, "mayor_answered", None, None, "mayor", c.mayor_id, None))


def _track(c, p):
    """Answered, then the policy conference, the residents' vote, implementation and the result."""
    rng, now, status = c.rng, c.now, p.status
    if status == VOTING:
        # Backwards from a vote opened in the last two weeks (forwards, the quarterly grid may allow none).
        vote_event = now - _u(rng, HOUR, 13 * DAY)
        opens = vote_event + _u(rng, 0, min(2 * DAY, now - 60 - vote_event))
        closes = opens + 14 * DAY
        held = c.conference_before(vote_event - 3 * DAY)
        sent = held.timestamp() - _u(rng, 7, 45) * DAY
        answered = sent - _u(rng, 7, 60) * DAY
        review = answered - _answer_delay(c)
        created = review - _review_delay(c)
    else:
        oldest, newest = TRACK_CREATED[status]
        for _ in range(5000):
            created = now - _u(rng, newest, min(oldest, WINDOW_DAYS)) * DAY
            review = created + _review_delay(c)
            answered = review + _answer_delay(c)
            sent = answered + _u(rng, 7, 60) * DAY
            held = c.conference_after(sent + 7 * DAY)
            vote_event = held.timestamp() + _u(rng, 3, 21) * DAY
            opens = vote_event + _u(rng, 0, 2) * DAY
            closes = opens + 14 * DAY
            outcome = closes + _u(rng, 30, 90)
            implementing = outcome + _u(rng, 14, 60) * DAY
            completed = implementing + _u(rng, 60, 300) * DAY
            reached = {AT_CONFERENCE: sent, ADOPTED: outcome, REJECTED: outcome, IMPLEMENTING: implementing,
                       COMPLETED: completed}[status]
            following = {AT_CONFERENCE: vote_event, IMPLEMENTING: completed}.get(status, float("inf"))
            if reached <= now - HOUR < following:
                break
        else:  # cannot happen with a three-year window; refuse rather than write an inconsistent row
            raise click.ClickException(f"could not place a proposal in status {status}")
    _created(c, p, created)
    _review(c, p, review)
    _answer(c, p, answered, _weighted(rng, (("accepted", 60), ("partial", 40))))
    p.conference = held
    title = f"{held.year}년 {held.month // 3}분기 관악구 주민 정책토론회"
    p.events.append((sent, "status", ANSWERED, AT_CONFERENCE, "admin", None, title))
    if status == AT_CONFERENCE:
        return
    p.vote_opens, p.vote_closes = opens, closes
    p.events.append((vote_event, "status", AT_CONFERENCE, VOTING, "admin", None, None))
    adopted = status in (ADOPTED, IMPLEMENTING, COMPLETED)
    voters = max(1, min(rng.randint(40, 1200), c.voter_cap))
    if status == VOTING:
        # Votes so far, in proportion to the time the vote has been open.
        share = max(0.0, min(1.0, (now - opens) / (closes - opens)))
        cast = int(voters * share)
        p.yes = round(cast * _u(rng, 0.3, 0.8))
        p.no = cast - p.yes
        if rng.random() < 0.3:
            p.quorum = max(1, voters // 2)
        return
    yes = round(voters * (_u(rng, 0.55, 0.85) if adopted else _u(rng, 0.2, 0.5)))
    yes = max(yes, voters // 2 + 1) if adopted else min(yes, voters // 2)
    p.yes, p.no = yes, voters - yes
    if rng.random() < 0.3:
        p.quorum = max(1, voters * 3 // 4) if adopted else voters + rng.randint(1, 100)
        if not adopted and p.yes <= p.no:
            p.quorum = max(1, voters // 2)
    outcome_status = ADOPTED if adopted else REJECTED
    p.events.append((outcome, "status", VOTING, outcome_status, "system", None, f"{p.yes}:{p.no}"))
    if status in (IMPLEMENTING, COMPLETED):
        p.events.append((implementing, "status", ADOPTED, IMPLEMENTING, "division", p.division_id, None))
    if status == COMPLETED:
        p.result, p.result_at = rng.choice(c.result_bodies), completed
        p.events.append((completed, "status", IMPLEMENTING, COMPLETED, "division", p.division_id, None))


def support_times(rng, c, p):
    """The supporters' moments: the threshold-th exactly when the review started, the Mayor's likewise."""
    k = p.count
    if p.review is None:
        return [_u(rng, p.created, p.support_end) for _ in range(k)]
    times = [_u(rng, p.created, p.review) for _ in range(c.review_threshold - 1)] + [p.review]
    if p.mayor is not None:
        times += [_u(rng, p.review, p.mayor) for _ in range(c.mayor_threshold - c.review_threshold - 1)] + [p.mayor]
        times += [_u(rng, p.mayor, p.support_end) for _ in range(k - c.mayor_threshold)]
    else:
        times += [_u(rng, p.review, p.support_end) for _ in range(k - c.review_threshold)]
    return times
