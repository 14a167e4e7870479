"""Open data: the public proposals as CSV and JSON, with the list's filters. Hidden ones never appear."""
import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Proposal
from app.services.proposal_queries import public_conditions

# Spreadsheet programs run a cell that starts with one of these as a formula (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

FIELDS = ["id", "title", "status", "category", "dong", "division", "support_count", "created_at",
          "answer_due_at", "source", "source_ref", "source_attribution"]


def rows(q):
    conditions = public_conditions(q)
    order = (Proposal.settled_support_count.desc(), Proposal.id.desc()) if q.sort == "supported" else (
        Proposal.created_at.desc(), Proposal.id.desc())
    query = (select(Proposal).where(*conditions).order_by(*order)
             .options(joinedload(Proposal.category), joinedload(Proposal.dong), joinedload(Proposal.division)))
    for p in db.session.execute(query).scalars():
        yield {
            "id": p.id, "title": p.title, "status": p.status,
            "category": p.category.name_ko if p.category else None, "dong": p.dong.code if p.dong else None,
            "division": p.division.name_ko if p.division else None, "support_count": p.support_count,
            "created_at": p.created_at.isoformat(),
            "answer_due_at": p.answer_due_at.isoformat() if p.answer_due_at else None,
            "source": p.source, "source_ref": p.source_ref, "source_attribution": p.source_attribution,
        }


def spreadsheet_safe(value):
    """A text cell a spreadsheet shows as text: a leading quote defuses a formula (OWASP's advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def as_csv(q):
    out = io.StringIO()
    out.write("\ufeff")  # so that spreadsheet programs read Korean as UTF-8
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    for row in rows(q):
        writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    return out.getvalue()
