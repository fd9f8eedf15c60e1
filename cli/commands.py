"""Every ``python app.py`` command (typer). Each builds the container the way the service
does (``app.build_container``) and calls the same core functions as Slack and Teams."""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import typer

from app import (
    UNREACHABLE,
    ConfigError,
    Container,
    Settings,
    build_container,
    build_screen,
    configure_logging,
    readiness,
    utcnow,
    wait_until_ready,
)
from runtime.scheduler import write_audit_checkpoint

# a crash report must never show local variables: they may hold review text
cli = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Countersign",
    pretty_exceptions_show_locals=False,
)
db_cli = typer.Typer(no_args_is_help=True, help="Database")
roles_cli = typer.Typer(no_args_is_help=True, help="Role membership")
mentions_cli = typer.Typer(no_args_is_help=True, help="Mentions")
audit_cli = typer.Typer(no_args_is_help=True, help="Audit trail")
keys_cli = typer.Typer(no_args_is_help=True, help="Data-encryption and audit keys")
cli.add_typer(db_cli, name="db")
cli.add_typer(roles_cli, name="roles")
cli.add_typer(mentions_cli, name="mentions")
cli.add_typer(audit_cli, name="audit")
cli.add_typer(keys_cli, name="keys")


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _settings() -> Settings:
    """Settings from the environment and .env; a bad value is one line naming it."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first.get("loc", ())) or "a setting"
        _fail(f"setting {name}: {first.get('msg', 'invalid value')}")


def _container(
    *,
    screen: Any = None,
    need_screen: bool = False,
    verify_only: bool = False,
    migrating: bool = False,
) -> Container:
    """The container for a command. ``verify_only``: for `audit verify`, which needs no
    data-encryption key and no current audit key (see ``app.build_container``)."""
    settings = _settings()
    configure_logging(settings.LOG_LEVEL)
    if screen is None and not need_screen:
        from workflows.phi.types import ScreenResult

        class _NoScreen:
            def screen(self, reply: str, mention: Any, org: Any = None) -> Any:
                return ScreenResult("pass", ())

        screen = _NoScreen()
    sqlite_file = _sqlite_file(settings.DATABASE_URL)
    existed = sqlite_file is None or sqlite_file.exists()
    try:
        c = build_container(settings, screen=screen, verify_only=verify_only)
    except ConfigError as exc:
        _fail(str(exc))
    if not migrating:
        _require_schema(c, None if existed else sqlite_file)
    return c


def _sqlite_file(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _require_schema(c: Container, created: Path | None) -> None:
    """Commands other than `db upgrade` need the schema; say so instead of failing on a
    missing table (and leave no empty database file behind)."""
    from models.migrate import current_and_head

    try:
        current, _head = current_and_head(c.engine)
    except Exception as exc:  # unreachable database: the driver's message has no user text
        c.close()
        _fail(f"cannot reach the database in DATABASE_URL ({type(exc).__name__})")
    if current is None:
        c.close()
        if created is not None and created.exists() and created.stat().st_size == 0:
            created.unlink()
        _fail("the database has no schema yet: run `python app.py db upgrade` first")


@db_cli.command("sql")
def db_sql(
    since: str = typer.Option("", "--from", help="Revision the database is at (default: empty)"),
) -> None:
    """Print the migrations as SQL for DATABASE_URL's kind of database, for a DBA to
    review and run as the schema owner (connects to nothing)."""
    from alembic.util.exc import CommandError

    from models.migrate import offline_sql

    settings = _settings()
    try:
        typer.echo(offline_sql(settings.DATABASE_URL, since or None), nl=False)
    except CommandError as exc:
        _fail(f"cannot produce SQL from revision {since!r}: {str(exc).splitlines()[0]}")


@db_cli.command("grants")
def db_grants(
    role: str,
    apply: bool = typer.Option(False, "--apply", help="Run them on DATABASE_URL (the owner)"),
) -> None:
    """Print the GRANTs that let ROLE (a PostgreSQL login role) run `serve` with data
    rights only; run them as the schema owner after each `db upgrade` (or --apply)."""
    from models.grants import runtime_grants

    try:
        statements = runtime_grants(role)
    except ValueError as exc:
        _fail(str(exc))
    if not apply:
        typer.echo("\n".join(statements))
        return
    from sqlalchemy import text

    c = _container()
    if c.engine.dialect.name != "postgresql":
        c.close()
        _fail("db grants --apply needs PostgreSQL in DATABASE_URL")
    try:
        with c.engine.begin() as conn:
            for stmt in statements:
                conn.execute(text(stmt))
    except Exception as exc:  # the driver's message names the role or table, not data
        c.close()
        _fail(f"grants not applied ({type(exc).__name__}): does role {role} exist?")
    c.close()
    typer.echo(f"{role} may now run `serve` with data rights only")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations (safe to run from several processes at once)."""
    from models.migrate import current_and_head, upgrade

    c = _container(migrating=True)
    upgrade(c.engine)
    current, _ = current_and_head(c.engine)
    typer.echo(f"database at revision {current}")
    c.close()


@roles_cli.command("add")
def roles_add(member: str, role: str) -> None:
    """Give MEMBER (slack:U0123ABC or teams:<object id>) ROLE (marketing|risk|admin)."""
    from workflows.errors import CountersignError
    from workflows.services import roles
    from workflows.types import Actor

    c = _container()
    try:
        roles.add_role(c.deps, Actor.cli(_operator()), member, role)
    except CountersignError as exc:
        _fail(exc.message)
    typer.echo(f"{member} is now {role}")
    c.close()


@roles_cli.command("remove")
def roles_remove(member: str, role: str) -> None:
    """Take ROLE away from MEMBER."""
    from workflows.errors import CountersignError
    from workflows.services import roles
    from workflows.types import Actor

    c = _container()
    try:
        roles.remove_role(c.deps, Actor.cli(_operator()), member, role)
    except CountersignError as exc:
        _fail(exc.message)
    typer.echo(f"{member} no longer holds {role}")
    c.close()


@roles_cli.command("list")
def roles_list() -> None:
    """Everyone who holds a role."""
    from workflows.services import roles
    from workflows.types import Actor

    c = _container()
    rows = roles.list_roles(c.deps, Actor.cli(_operator()))
    if not rows:
        typer.echo("no role members yet (python app.py roles add slack:U0123ABC admin)")
    for member, role in rows:
        typer.echo(f"{role:<10} {member}")
    c.close()


def _operator() -> str:
    return os.environ.get("SUDO_USER") or os.environ.get("USER") or "operator"


def _read_rows(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed object or an Exception) for a CSV or JSONL file."""
    suffix = path.suffix.lower()
    with path.open("r", encoding="utf-8", newline="") as fh:
        if suffix in (".jsonl", ".ndjson", ".json"):
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    yield lineno, json.loads(line)
                except ValueError:
                    yield lineno, ValueError("not valid JSON")
                except RecursionError:
                    yield lineno, ValueError("JSON nested too deeply")
        elif suffix == ".csv":
            reader = csv.DictReader(fh)
            for row in reader:
                cleaned = {k: (v if v != "" else None) for k, v in row.items() if k}
                yield reader.line_num, cleaned
        else:
            raise ValueError("the file must end in .csv or .jsonl")


@mentions_cli.command("import")
def mentions_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),  # noqa: B008
    batch_size: int = typer.Option(200, min=1, max=1000),
) -> None:
    """Backfill mentions from a CSV or JSONL file (duplicates are absorbed)."""
    from workflows.errors import FieldError
    from workflows.ingest import parse_mention
    from workflows.services import mentions

    c = _container()
    imported = duplicates = 0
    rejected: list[tuple[int, str]] = []
    batch: list[Any] = []

    def flush() -> None:
        nonlocal imported, duplicates
        if batch:
            for r in mentions.ingest(c.deps, batch):
                if r.duplicate:
                    duplicates += 1
                else:
                    imported += 1
            batch.clear()

    try:
        rows = list(_read_rows(file))
    except (ValueError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {file.name}: {exc}")
    with typer.progressbar(rows, label="importing", file=sys.stderr) as progress:
        for lineno, obj in progress:
            if isinstance(obj, Exception):
                rejected.append((lineno, str(obj)))
                continue
            try:
                batch.append(parse_mention(obj))
            except FieldError as exc:
                rejected.append((lineno, f"{exc.field}: {exc.message}"))
                continue
            if len(batch) >= batch_size:
                flush()
        flush()
    typer.echo(f"imported {imported}, duplicates {duplicates}, rejected {len(rejected)}")
    for lineno, why in rejected:
        typer.echo(f"  line {lineno}: {why}")
    c.close()
    if rejected:
        raise typer.Exit(1)


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the hash chain and the latest external checkpoint; name the first bad event."""
    from models import audit

    c = _container(verify_only=True)
    _require_migrated(c)
    path = Path(c.settings.AUDIT_CHECKPOINT_PATH)
    with c.engine.connect() as conn:
        from sqlalchemy.orm import Session

        with Session(bind=conn) as session:
            trail = audit.trail_of(session)
            checkpoint = audit.latest_checkpoint(path, trail)
            result = audit.verify(session, checkpoint)
    c.close()
    others = audit.other_trails(path, trail)
    if others and checkpoint is None:
        typer.echo(
            f"note: {path} holds {others} checkpoint(s) of other audit trails and none of "
            "this one: another database writes there, or this trail was rebuilt from its "
            "first event",
            err=True,
        )
    if result.missing_key is not None:
        _fail(str(result.problem))
    if result.ok:
        cp = f"; matches checkpoint at event #{checkpoint.seq}" if checkpoint else ""
        typer.echo(
            f"audit trail OK: {result.checked} events ({result.signed} signed with the audit "
            f"key, {result.legacy} legacy unsigned), "
            f"head #{result.head_seq} {result.head_hash[:16]}…{cp}"
        )
        return
    typer.echo(f"AUDIT TRAIL BROKEN at event #{result.bad_seq}: {result.problem}", err=True)
    raise typer.Exit(1)


def _require_migrated(c: Container) -> None:
    ok, detail = readiness(c)
    if not ok:
        c.close()
        _fail(f"{detail}; run `python app.py db upgrade` first")


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Record the chain head outside the database (`serve` also does so hourly)."""

    c = _container()
    cp = write_audit_checkpoint(c)
    typer.echo(f"checkpoint: event #{cp.seq} {cp.hash}")
    c.close()


EXPORT_FIELDS = (
    "seq",
    "time",
    "mention_id",
    "platform",
    "url",
    "actor",
    "role",
    "action",
    "outcome",
    "revision",
    "text_hash",
    "finding_kinds",
    "override_reason",
    "refusal_reason",
    "reason",
    "detail",
    "published_hash",
    "prev_hash",
    "hash",
)


@audit_cli.command("export")
def audit_export(
    since: str | None = typer.Option(None, help="YYYY-MM-DD"),
    mention: str | None = typer.Option(None, help="M-42"),
    fmt: str = typer.Option("jsonl", "--format", help="csv or jsonl"),
    include_text: bool = typer.Option(False, "--include-text", help="admins only; audited"),
    as_member: str | None = typer.Option(
        None, "--as", help="the admin running an --include-text export"
    ),
) -> None:
    """Export audit events (with the chain head, which is also checkpointed)."""
    from workflows import reports
    from workflows.errors import CountersignError
    from workflows.types import Actor

    if fmt not in ("csv", "jsonl"):
        _fail("--format must be csv or jsonl")
    since_dt = None
    if since:
        try:
            since_dt = datetime.fromisoformat(since).replace(tzinfo=UTC)
        except ValueError:
            _fail("--since must be a date like 2026-01-31")
    c = _container()
    actor = (
        Actor(platform=as_member.split(":")[0], user_id=as_member.split(":", 1)[1])
        if as_member and ":" in as_member
        else Actor.cli(_operator())
    )
    try:
        rows, head = reports.audit_export(
            c.deps, actor, since=since_dt, mention=mention, include_text=include_text
        )
    except CountersignError as exc:
        _fail(exc.message)
    from models import audit

    with c.deps.uow() as uow:
        trail = audit.trail_of(uow.session)
        signed_from = audit.first_signed(uow.session)
    audit.write_checkpoint(
        Path(c.settings.AUDIT_CHECKPOINT_PATH), head[0], head[1], utcnow(), trail, signed_from
    )
    fields = list(EXPORT_FIELDS) + (["mention_text", "reply_text"] if include_text else [])
    out = sys.stdout
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    else:
        for row in rows:
            out.write(json.dumps({k: row.get(k) for k in fields}) + "\n")
    typer.echo(f"chain head: event #{head[0]} {head[1]}", err=True)
    c.close()


@keys_cli.command("generate")
def keys_generate() -> None:
    """Print a new data-encryption key (put it first in DATA_ENCRYPTION_KEY to rotate)."""
    from models.crypto import Keyring

    typer.echo(Keyring.generate_key())


@keys_cli.command("generate-audit")
def keys_generate_audit() -> None:
    """Print a new audit key (AUDIT_HMAC_KEY; to rotate, move the old one to
    AUDIT_HMAC_PREVIOUS_KEYS)."""
    from models.audit_keys import AuditKeys

    typer.echo(AuditKeys.generate_key())


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt stored text under the first key of DATA_ENCRYPTION_KEY (new key first,
    old keys after it). Audit reasons keep their original key: do not drop old keys."""
    from models.rotate import rotate_all

    c = _container()
    _require_migrated(c)
    counts = rotate_all(c.engine)
    c.close()
    typer.echo(f"re-encrypted {sum(counts.values())} values under the primary key")
    for name, n in counts.items():
        if n:
            typer.echo(f"  {name}: {n}")


@cli.command("phi-check")
def phi_check(
    text: str | None = typer.Argument(None, help="a draft reply to check"),
    jsonl: bool = typer.Option(False, "--jsonl", help="read JSON lines from stdin"),
    author: str = typer.Option("", help="the reviewer's name or handle"),
    mention_text: str = typer.Option("", "--mention", help="the review text"),
    platform: str = typer.Option("", help="google, yelp, facebook, x, ..."),
) -> None:
    """Screen a draft reply for PHI (stores nothing)."""
    import workflows.phi.cli as phi_cli

    settings = _settings()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        screen = build_screen(settings)
    except Exception as exc:  # ScreenError: a missing model or pipeline, never the text
        _fail(str(exc))
    if jsonl:
        raise typer.Exit(phi_cli.run_jsonl(screen, sys.stdin, sys.stdout))
    if not text:
        _fail("give the text to check, or --jsonl to read JSON lines from stdin")
    result = phi_cli.check_text(
        screen, text, author=author, mention_text=mention_text, platform=platform
    )
    typer.echo(phi_cli.format_report(text, result))
    raise typer.Exit(1 if result.blocked else 0)


@cli.command("serve")
def serve() -> None:
    """Run the service: HTTP (and Socket Mode), relay and scheduler. It does not migrate:
    run `db upgrade` first, as the schema owner (`make run` and the demo do it for you)."""
    _serve(migrate=False)


def _serve(*, migrate: bool) -> None:
    from models.migrate import upgrade
    from runtime.serve import serve_forever

    settings = _settings()
    configure_logging(settings.LOG_LEVEL)
    log = logging.getLogger("countersign")
    try:
        container = build_container(settings)
    except ConfigError as exc:
        _fail(str(exc))
    if migrate:
        upgrade(container.engine)
    else:
        ok, detail = wait_until_ready(lambda: readiness(container), settings.DB_START_WAIT_SECONDS)
        if not ok:
            container.close()
            if detail.startswith(UNREACHABLE):
                _fail(
                    f"{detail} for {settings.DB_START_WAIT_SECONDS:g} s: check DATABASE_URL "
                    "and that the database is up"
                )
            _fail(f"{detail}: run `python app.py db upgrade` (as the schema owner) first")
    try:
        asyncio.run(serve_forever(container))
    except ConfigError as exc:
        container.close()
        _fail(str(exc))
    log.info("stopped")


@cli.command("run", hidden=True)
def run() -> None:
    """`make run`: serve when chat credentials are configured, else run the demo."""
    settings = _settings()
    if settings.slack_configured or settings.teams_configured:
        _serve(migrate=True)  # a one-machine setup: migrate, then serve
        return
    typer.echo(
        "No Slack or Teams credentials are configured: running the end-to-end demo against "
        "the built-in Slack emulator (see README: Connecting a real Slack workspace)."
    )
    demo()


@cli.command("demo")
def demo() -> None:
    """Run the end-to-end demo against the built-in Slack emulator (no credentials)."""
    try:
        from sandbox.demo import run_demo
    except ImportError:
        _fail("the Slack demo is not available in this build")
    raise typer.Exit(run_demo())


def _sources_cli() -> None:
    """`python app.py sources list|test NAME|poll NAME` (connectors.cli)."""
    from connectors.cli import build_sources_cli

    cli.add_typer(build_sources_cli(_settings, _container), name="sources")


_sources_cli()
