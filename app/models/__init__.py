"""All models, imported here so Alembic and the app see every table."""
from app.models.notifications import Channel, Notification, NotificationStatus
from app.models.org import Category, Division, Dong
from app.models.proposals import (
    Comment,
    CommentReport,
    PolicyConference,
    Proposal,
    ProposalAnswer,
    ProposalAttachment,
    ProposalEvent,
    ProposalFollow,
    ProposalStatus,
    ProposalVote,
    SupportShard,
    Sympathy,
)
from app.models.rules import AuditEntry, ParticipationRules, SpecialPeriod
from app.models.users import Role, StaffMembership, User

__all__ = [
    "AuditEntry", "Comment", "CommentReport", "ParticipationRules", "PolicyConference", "ProposalAttachment",
    "ProposalEvent", "ProposalFollow", "ProposalVote", "SpecialPeriod", "SupportShard", "Sympathy",
    "Channel", "Notification", "NotificationStatus",
    "Category", "Division", "Dong", "Proposal", "ProposalAnswer", "ProposalStatus",
    "Role", "StaffMembership", "User",
]
