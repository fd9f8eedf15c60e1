"""audit events record the fingerprint of the HMAC key that signed them

Revision ID: 0003
Revises: 0002
Create Date: 2027-01-15

A plain ADD COLUMN: the table is not rebuilt, so the append-only triggers (SQLite and
PostgreSQL) stay in place. Events written before this have ``key_id`` NULL and keep
verifying as legacy SHA-256 events.
"""

import sqlalchemy as sa

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("key_id", sa.String(length=16), nullable=True))


def downgrade() -> None:
    signed = op.get_bind().execute(
        sa.text("SELECT COUNT(*) FROM audit_events WHERE key_id IS NOT NULL")
    )
    if signed.scalar_one():
        raise RuntimeError(
            "audit_events holds events signed with an audit key: dropping key_id would make "
            "them unverifiable"
        )
    op.drop_column("audit_events", "key_id")
