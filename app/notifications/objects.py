"""What a notification can be about: how to load it, whether it may still be sent, and its link."""
from collections.abc import Callable
from dataclasses import dataclass

from app.extensions import db
from app.models import Proposal, ProposalStatus, User
from app.urls import external_url


@dataclass(frozen=True)
class ObjectType:
    model: type
    is_deliverable: Callable  # False once deleted content is hidden: the row is skipped
    url: Callable
    title: Callable


OBJECT_TYPES = {
    "proposal": ObjectType(
        model=Proposal,
        is_deliverable=lambda p: p.status != ProposalStatus.HIDDEN.value,
        url=lambda p: external_url("proposals.detail", proposal_id=p.id),
        title=lambda p: p.title,
    ),
    "user": ObjectType(
        model=User,
        is_deliverable=lambda u: True,
        url=lambda u: external_url("account.settings"),
        title=lambda u: u.display_name,
    ),
}


def object_type_of(obj):
    for name, kind in OBJECT_TYPES.items():
        if isinstance(obj, kind.model):
            return name
    raise TypeError(f"no notification object type for {type(obj).__name__}")


def load_object(object_type, object_id):
    kind = OBJECT_TYPES.get(object_type)
    return db.session.get(kind.model, object_id) if kind else None
