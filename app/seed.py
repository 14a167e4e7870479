"""`flask seed`: loads the real public data in data/ idempotently (a second run adds nothing)."""
import csv
import html
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlalchemy import insert, select

from app.extensions import db
from app.models import Category, Division, Dong, Proposal, ProposalAnswer, ProposalStatus

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SEOUL = ZoneInfo("Asia/Seoul")
OA_2563 = "https://data.seoul.go.kr/dataList/OA-2563/S/1/datasetView.do"
SOURCES = {
    "seoul_free": {
        "file": "seoul_democracy_free_proposals.csv",
        "attribution": "서울특별시 열린데이터 광장, 민주주의 서울 자유제안 정보 (OA-2563), via SeoulDigitalFoundation/VoiceOfSeoul",
    },
    "seoul_adopted": {
        "file": "seoul_democracy_adopted_proposals.csv",
        "attribution": "서울특별시 열린데이터 광장, 민주주의 서울 채택제안 정보 (OA-2563), via SeoulDigitalFoundation/VoiceOfSeoul",
    },
}


def _rows(name):
    with open(DATA_DIR / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _seoul_time(text):
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SEOUL)


def _title(row):
    # The source left HTML entities (&#39;) in some titles; bodies were already unescaped.
    return html.unescape(row["title"]).strip()


def seed_dongs():
    existing = {d.code: d for d in db.session.execute(select(Dong)).scalars()}
    added = 0
    for row in _rows("gwanak_dongs.csv"):
        dong = existing.get(row["adm_code"])
        if dong is None:
            dong = Dong(code=row["adm_code"])
            db.session.add(dong)
            added += 1
        dong.name_ko, dong.name_en = row["name_ko"], row["name_en"]
        dong.hanja = row["hanja"] or None
        dong.legal_dong_ko, dong.legal_dong_en = row["legal_dong_ko"], row["legal_dong_en"]
        dong.former_names_ko = row["former_names_ko"] or None
        dong.latitude, dong.longitude = float(row["approx_lat"]), float(row["approx_lon"])
    return added


def seed_divisions():
    """Adds missing divisions only, so that an admin's edits survive a re-seed."""
    existing = set(db.session.execute(select(Division.name_ko)).scalars())
    added = 0
    for row in _rows("divisions.csv"):
        if row["name_ko"] in existing:
            continue
        db.session.add(Division(
            name_ko=row["name_ko"], name_en=row["name_en"],
            parent_ko=row["parent_ko"] or None, parent_en=row["parent_en"] or None,
            source=row["source_url"], locale="ko",
        ))
        added += 1
    return added


def seed_categories():
    db.session.flush()
    divisions = {d.name_ko: d for d in db.session.execute(select(Division)).scalars()}
    existing = set(db.session.execute(select(Category.slug)).scalars())
    added = 0
    for position, row in enumerate(_rows("categories.csv")):
        if row["slug"] in existing:
            continue
        db.session.add(Category(
            slug=row["slug"], name_ko=row["name_ko"], name_en=row["name_en"], position=position,
            default_division=divisions[row["default_division_ko"]],
        ))
        added += 1
    return added


def _existing_refs(source):
    return set(db.session.execute(select(Proposal.source_ref).where(Proposal.source == source)).scalars())


def seed_free_proposals(bar):
    source = "seoul_free"
    existing = _existing_refs(source)
    batch = []
    for row in _rows(SOURCES[source]["file"]):
        bar.update(1)
        if row["proposal_id"] in existing:
            continue
        created = _seoul_time(row["registered_at"])
        batch.append({
            "title": _title(row), "body": row["body_excerpt"],
            "status": ProposalStatus.CLOSED.value, "settled_support_count": int(row["votes"] or 0),
            "created_at": created, "updated_at": created, "source": source,
            "source_ref": row["proposal_id"], "source_attribution": SOURCES[source]["attribution"],
            "source_url": OA_2563, "is_body_truncated": row["body_truncated"] == "1",
        })
    if batch:
        db.session.execute(insert(Proposal), batch)
    return len(batch)


def _excerpt_answer(kind, department, text, chars):
    return ProposalAnswer(
        kind=kind, department_name=department or None, body=text, answered_at=None,
        is_body_truncated=int(chars or 0) > len(text),
    )


def seed_adopted_proposals(bar):
    """One proposal per id, with the department's answer and the expert panel's opinion(s).

    Two ids appear twice in the source with different expert opinions; both opinions are kept.
    """
    source = "seoul_adopted"
    existing = _existing_refs(source)
    by_id = {}
    for row in _rows(SOURCES[source]["file"]):
        bar.update(1)
        if row["proposal_id"] in existing:
            continue
        proposal = by_id.get(row["proposal_id"])
        if proposal is None:
            created = _seoul_time(row["registered_at"])
            proposal = by_id[row["proposal_id"]] = Proposal(
                title=_title(row), body=row["body_excerpt"],
                status=ProposalStatus.ADOPTED.value, settled_support_count=0,
                created_at=created, updated_at=created, source=source,
                source_ref=row["proposal_id"], source_attribution=SOURCES[source]["attribution"],
                source_url=OA_2563,
                is_body_truncated=int(row["body_chars"] or 0) > len(row["body_excerpt"]),
            )
            if row["department_response_excerpt"].strip():
                proposal.answers.append(_excerpt_answer(
                    "division", row["department_ko"], row["department_response_excerpt"],
                    row["department_response_chars"],
                ))
        if row["expert_panel_opinion_excerpt"].strip():
            proposal.answers.append(_excerpt_answer(
                "expert", None, row["expert_panel_opinion_excerpt"], row["expert_panel_opinion_chars"],
            ))
    db.session.add_all(by_id.values())
    return len(by_id)


def run_seed():
    """Load everything in one transaction; returns what was added, by kind."""
    added = {"dongs": seed_dongs(), "divisions": seed_divisions(), "categories": seed_categories()}
    total = sum(len(_rows(s["file"])) for s in SOURCES.values())
    with click.progressbar(length=total, label="proposals", file=None) as bar:
        added["free proposals"] = seed_free_proposals(bar)
        added["adopted proposals"] = seed_adopted_proposals(bar)
    db.session.commit()
    return added
