"""The least-privilege database role the running service uses on PostgreSQL.

``db upgrade`` runs as the schema owner; ``serve`` runs as a role that may read and
write the application's tables, only insert and read audit events, read the migration
revision, and nothing else: it owns nothing, so it cannot drop or disable the audit
triggers, alter a table or create one."""

from __future__ import annotations

import re

from models.tables import Base

AUDIT_TABLE = "audit_events"
_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def runtime_grants(role: str) -> list[str]:
    """GRANT statements for ``role`` (an existing login role), to run as the owner after
    every ``db upgrade`` (new tables need their grants)."""
    if not _ROLE.match(role):
        raise ValueError("role must be a plain lower-case PostgreSQL identifier")
    tables = sorted(t for t in Base.metadata.tables if t != AUDIT_TABLE)
    out = [f"GRANT USAGE ON SCHEMA public TO {role};"]
    out += [f"GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO {role};" for t in tables]
    out += [
        f"GRANT SELECT, INSERT ON {AUDIT_TABLE} TO {role};",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {AUDIT_TABLE} FROM {role};",
        f"GRANT SELECT ON alembic_version TO {role};",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};",
    ]
    return out
