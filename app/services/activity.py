"""A resident's own activity: proposals, supports, votes, comments and follows."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Comment, Proposal, ProposalFollow, ProposalVote, Sympathy


def activity_of(user):
    def mine(query):
        return db.session.execute(query).scalars().all()

    return {
        "proposals": mine(select(Proposal).where(Proposal.author_id == user.id).order_by(Proposal.created_at.desc())),
        "sympathies": mine(select(Sympathy).where(Sympathy.user_id == user.id).options(joinedload(Sympathy.proposal))
                           .order_by(Sympathy.created_at.desc())),
        "votes": mine(select(ProposalVote).where(ProposalVote.user_id == user.id)
                      .options(joinedload(ProposalVote.proposal)).order_by(ProposalVote.created_at.desc())),
        "comments": mine(select(Comment).where(Comment.author_id == user.id).options(joinedload(Comment.proposal))
                         .order_by(Comment.created_at.desc())),
        "follows": mine(select(ProposalFollow).where(ProposalFollow.user_id == user.id)
                        .options(joinedload(ProposalFollow.proposal)).order_by(ProposalFollow.created_at.desc())),
    }
