"""Counts and highlights for the home and about pages."""
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app import page_cache
from app.extensions import db
from app.models import Category, Division, Dong, Proposal, ProposalStatus

_VISIBLE = Proposal.status != ProposalStatus.HIDDEN.value


def home_summary():
    latest = db.session.execute(
        select(Proposal).where(_VISIBLE).options(joinedload(Proposal.category))
        .order_by(Proposal.created_at.desc(), Proposal.id.desc()).limit(5)
    ).scalars().all()
    top = db.session.execute(
        select(Proposal).where(_VISIBLE).options(joinedload(Proposal.category))
        .order_by(Proposal.settled_support_count.desc(), Proposal.id.desc()).limit(5)
    ).scalars().all()
    return {
        "proposal_count": page_cache.cached_count(
            ("proposals", ()), lambda: db.session.execute(select(func.count(Proposal.id)).where(_VISIBLE)).scalar_one()),
        "dongs": db.session.execute(select(Dong).order_by(Dong.name_ko)).scalars().all(),
        "division_count": db.session.execute(select(func.count(Division.id)).where(Division.is_active)).scalar_one(),
        "latest": latest,
        "top": top,
    }


def about_summary():
    return {
        "divisions": db.session.execute(
            select(Division).where(Division.is_active).order_by(Division.parent_ko, Division.name_ko)
        ).scalars().all(),
        "categories": db.session.execute(
            select(Category).options(joinedload(Category.default_division)).order_by(Category.position)
        ).scalars().all(),
        "dongs": db.session.execute(select(Dong).order_by(Dong.name_ko)).scalars().all(),
    }
