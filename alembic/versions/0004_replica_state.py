"""state shared between replicas: seen Slack signatures, channel pace, burst digests

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-04
"""

import sqlalchemy as sa

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seen_signatures",
        sa.Column("signature", sa.String(length=80), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("signature", name=op.f("pk_seen_signatures")),
    )
    op.create_index(
        op.f("ix_seen_signatures_expires_at"), "seen_signatures", ["expires_at"], unique=False
    )
    op.create_table(
        "channel_pace",
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.Column("blocked_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_channel_pace")),
    )
    op.create_table(
        "channel_bursts",
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("recent", sa.JSON(), nullable=False),
        sa.Column("digest_ts", sa.String(length=32), nullable=True),
        sa.Column("opened", sa.Float(), nullable=False),
        sa.Column("last", sa.Float(), nullable=False),
        sa.Column("mention_ids", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_channel_bursts")),
    )


def downgrade() -> None:
    op.drop_table("channel_bursts")
    op.drop_table("channel_pace")
    op.drop_index(op.f("ix_seen_signatures_expires_at"), table_name="seen_signatures")
    op.drop_table("seen_signatures")
