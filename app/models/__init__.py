"""All models, imported here so Alembic and the app see every table."""
from app.models.notifications import Channel, Notification, NotificationStatus
from app.models.org import Category, Division, Dong
from app.models.proposals import Proposal, ProposalAnswer, ProposalStatus
from app.models.users import Role, StaffMembership, User

__all__ = [
    "Channel", "Notification", "NotificationStatus",
    "Category", "Division", "Dong", "Proposal", "ProposalAnswer", "ProposalStatus",
    "Role", "StaffMembership", "User",
]
