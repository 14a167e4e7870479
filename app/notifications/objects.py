"""What a notification can be about: how to load it, whether it may still be sent, and its link."""
from collections.abc import Callable
from dataclasses import dataclass

from app.extensions import db
from app.models import Comment, Proposal, ProposalStatus, User
from app.urls import external_url


@dataclass(frozen=True)
class ObjectType:
    model: type
    is_deliverable: Callable  # (obj, event) -> False once the content is hidden: the row is skipped
    url: Callable
    title: Callable


OBJECT_TYPES = {
    "proposal": ObjectType(
        model=Proposal,
        # The author still hears that (and why) their proposal was hidden.
        is_deliverable=lambda p, event: p.status != ProposalStatus.HIDDEN.value or event == "proposal.hidden",
        url=lambda p: external_url("proposals.detail", proposal_id=p.id),
        title=lambda p: p.title,
    ),
    "user": ObjectType(
        model=User,
        is_deliverable=lambda u, event: True,
        url=lambda u: external_url("account.settings"),
        title=lambda u: u.display_name,
    ),
    "comment": ObjectType(
        model=Comment,
        is_deliverable=lambda c, event: (c.hidden_at is None or event == "comment.hidden")
        and c.proposal.status != ProposalStatus.HIDDEN.value,
        url=lambda c: external_url("proposals.detail", proposal_id=c.proposal_id) + f"#comment-{c.id}",
        title=lambda c: c.proposal.title,
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
