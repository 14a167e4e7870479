"""`flask seed` loads the real public data once, and a second run adds nothing."""
from sqlalchemy import func, select

from app.models import Category, Division, Dong, Proposal, ProposalAnswer


def count(db, model, *where):
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_seed_loads_every_real_row_once_and_is_idempotent(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert "free proposals: 4002 added" in first.output
    assert "adopted proposals: 334 added" in first.output
    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0, second.output
    assert "free proposals: 0 added" in second.output and "adopted proposals: 0 added" in second.output

    assert count(db, Dong) == 21
    assert count(db, Division) == 25
    assert count(db, Category) == 17
    assert count(db, Proposal, Proposal.source == "seoul_free") == 4002
    assert count(db, Proposal, Proposal.source == "seoul_adopted") == 334
    # 336 adopted rows: two ids appear twice, each with its own expert opinion.
    assert count(db, ProposalAnswer, ProposalAnswer.kind == "expert") == 276
    assert count(db, ProposalAnswer, ProposalAnswer.kind == "division") == 310
    assert count(db, Proposal, Proposal.author_id.isnot(None)) == 0
    assert count(db, Proposal, Proposal.source_attribution.is_(None)) == 0
    assert count(db, Proposal, Proposal.title.contains("&#39;")) == 0  # entities in titles decoded


def test_seeded_support_counts_and_dates_are_the_real_ones(app, db):
    app.test_cli_runner().invoke(args=["seed"])
    first = db.session.execute(select(Proposal).filter_by(source="seoul_free", source_ref="179114")).scalar_one()
    assert first.support_count == 3
    # Registered 2017-09-01 15:30:35 in Seoul = 06:30:35 UTC.
    assert first.created_at.isoformat() == "2017-09-01T06:30:35+00:00"
    top = db.session.execute(select(func.max(Proposal.support_count))).scalar_one()
    assert top == 619


def test_every_category_has_a_default_division(app, db):
    rows = db.session.execute(select(Category)).scalars().all()
    assert {c.name_ko for c in rows} >= {"보건복지", "교통/건축/국토", "기타"}
    assert all(c.default_division is not None for c in rows)


def test_every_dong_has_its_english_name(app, db):
    dongs = {d.name_ko: d.name_en for d in db.session.execute(select(Dong)).scalars()}
    assert dongs["보라매동"] == "Boramae-dong" and dongs["남현동"] == "Namhyeon-dong"
    assert all(name.endswith("-dong") for name in dongs.values())
