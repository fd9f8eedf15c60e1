"""Alembic environment. The engine (with its keyring) or a connection is passed in by
models.migrate; the command line `alembic` uses DATABASE_URL."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import create_engine

from alembic import context
from models.crypto import EncryptedText
from models.tables import Base

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    if type_ == "type" and isinstance(obj, EncryptedText):
        autogen_context.imports.add("import sqlalchemy as sa")
        return "sa.Text()"
    return False


def _configure(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=render_item,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = config.attributes.get("engine") or create_engine(
        os.environ.get("DATABASE_URL", "sqlite:///./data/countersign.db")
    )
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_offline() -> None:
    """SQL for a DBA to review and run (``python app.py db sql``); nothing connects."""
    context.configure(
        url=config.attributes["url"],
        target_metadata=target_metadata,
        render_item=render_item,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
