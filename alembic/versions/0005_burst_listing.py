"""burst listing: mentions of a burst waiting to be listed in a digest message, and when
the last digest message was drawn

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10
"""

import sqlalchemy as sa

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_bursts") as batch:
        batch.add_column(sa.Column("pending", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("edited", sa.Float(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("channel_bursts") as batch:
        batch.drop_column("edited")
        batch.drop_column("pending")
