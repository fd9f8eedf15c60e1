"""listing hold: until when a burst listing holds a channel's posting slots (listings go
before notes); the claims themselves are chat_threads rows

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_pace") as batch:
        batch.add_column(sa.Column("held_until", sa.Float(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("channel_pace") as batch:
        batch.drop_column("held_until")
