"""speed: proposal_support_shards, so sympathies on one proposal do not queue for its row

Revision ID: d1f0a2b4c6e8
Revises: c1a7e5d0b3f2
Create Date: 2026-12-04 09:40:00

A sympathy adds 1 to one of a few shard rows of its proposal instead of updating the proposal's
row, whose lock each sympathy held until its commit reached the disk. proposals.support_count
keeps the sympathies counted so far; the exact count is it plus the shards (app/models/proposals.py).
"""
import sqlalchemy as sa
from alembic import op

revision = "d1f0a2b4c6e8"
down_revision = "c1a7e5d0b3f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "proposal_support_shards",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("shard", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"], ondelete="CASCADE",
                                name=op.f("fk_proposal_support_shards_proposal_id_proposals")),
        sa.PrimaryKeyConstraint("proposal_id", "shard", name=op.f("pk_proposal_support_shards")),
    )


def downgrade():
    # Count what is still in the shards into the proposals before the table goes.
    op.execute("UPDATE proposals SET support_count = support_count + COALESCE("
               "(SELECT SUM(n) FROM proposal_support_shards s WHERE s.proposal_id = proposals.id), 0)")
    op.drop_table("proposal_support_shards")
