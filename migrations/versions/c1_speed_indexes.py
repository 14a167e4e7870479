"""speed: a (created_at, id) index for the newest-first list and its keyset pages

Revision ID: c1a7e5d0b3f2
Revises: d08d87fcef35
Create Date: 2026-12-03 21:55:00

The list orders by (created_at, id) and deep pages seek on that pair: with both in one index a
seek is an index-only scan. The old single-column index on created_at is its prefix, so it goes.
"""
from alembic import op

revision = "c1a7e5d0b3f2"
down_revision = "d08d87fcef35"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("proposals") as batch_op:
        batch_op.create_index("ix_proposals_created_id", ["created_at", "id"], unique=False)
        batch_op.drop_index("ix_proposals_created_at")


def downgrade():
    with op.batch_alter_table("proposals") as batch_op:
        batch_op.create_index("ix_proposals_created_at", ["created_at"], unique=False)
        batch_op.drop_index("ix_proposals_created_id")
