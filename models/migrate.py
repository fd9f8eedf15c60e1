"""Alembic, driven programmatically: upgrade under an advisory lock, and a currency check."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from alembic import command
from models.db import MIGRATION_LOCK_KEY

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(engine: Engine) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Apply pending migrations. On PostgreSQL a session advisory lock makes several
    processes starting at once take turns (the later ones find nothing to do)."""
    cfg = alembic_config(engine)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            conn.commit()
            try:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                conn.commit()
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
                conn.commit()
    else:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")


def offline_sql(url: str, since: str | None = None) -> str:
    """The DDL that ``upgrade`` would run on a database of ``url``'s kind, from revision
    ``since`` (None: from an empty database) to head, as reviewable SQL."""
    import io

    buffer = io.StringIO()
    cfg = Config(str(ROOT / "alembic.ini"), output_buffer=buffer)
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["url"] = url
    command.upgrade(cfg, f"{since}:head" if since else "head", sql=True)
    return buffer.getvalue()


def current_and_head(engine: Engine) -> tuple[str | None, str | None]:
    cfg = alembic_config(engine)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, head
