"""chat installations (Teams conversation reference of the installing channel)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_installations",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("conversation_ref", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", name=op.f("pk_chat_installations")),
    )


def downgrade() -> None:
    op.drop_table("chat_installations")
