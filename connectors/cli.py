"""``python app.py sources list | test NAME | poll NAME``.

Configuration mistakes and platform refusals are one line naming the setting, with a
non-zero exit: 2 for a source that is off or a malformed setting, 1 for credentials the
platform refused or a host that cannot be reached. Never a stack trace, never review
text (``poll`` prints ids, ratings and states)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import typer

from connectors.config import SOURCE_NAMES, SourceConfigError, build_source, statuses


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def build_sources_cli(
    settings_factory: Callable[[], Any], container_factory: Callable[[], Any]
) -> typer.Typer:
    app = typer.Typer(no_args_is_help=True, help="Polled review sources: list, test, poll")

    @app.command("list")
    def list_sources() -> None:
        """Which sources are on, what each needs, and how replies are published."""
        settings = settings_factory()
        interval = getattr(settings, "POLL_INTERVAL_SECONDS", 300)
        for s in statuses(settings):
            if s.on:
                polls = f"polled every {interval}s" if s.polls else "not polled"
                typer.echo(f"on   {s.name:<9} {s.label}: {polls}; replies: {s.publishes}")
            else:
                typer.echo(f"off  {s.name:<9} {s.label}: set {', '.join(s.missing)}")

    @app.command("test")
    def test_source(name: str = typer.Argument(..., help=", ".join(SOURCE_NAMES))) -> None:
        """Check credentials and reachability (exit 1 with the setting to fix)."""
        from connectors.http import HttpClient
        from workflows.platforms import PlatformError

        settings = settings_factory()
        http = HttpClient(retries=0)
        try:
            connector = build_source(name, settings, http)
            if not hasattr(connector, "check"):
                typer.echo(f"ok: {name}: nothing to connect to ({connector.describe()})")
                return
            summary = connector.check()
        except SourceConfigError as exc:
            _fail(str(exc), 2)
        except PlatformError as exc:
            _fail(f"{name}: {exc.line()}", 1)
        finally:
            http.close()
        typer.echo(f"ok: {name}: {summary}")

    @app.command("poll")
    def poll_source(name: str = typer.Argument(..., help=", ".join(SOURCE_NAMES))) -> None:
        """Poll once now and print what was ingested (ids, never text)."""
        from connectors.http import HttpClient
        from workflows import polling
        from workflows.services import viewing

        settings = settings_factory()
        http = HttpClient()
        try:
            connector = build_source(name, settings, http)
        except SourceConfigError as exc:
            http.close()
            _fail(str(exc), 2)
        if not hasattr(connector, "poll"):
            http.close()
            _fail(f"{name} is not polled (replies to it are posted by hand)", 2)
        container = container_factory()
        try:
            outcome = polling.poll_source(container.deps, connector)
            if outcome.error is not None:
                _fail(f"{name}: {outcome.error.line()}", 1)
            typer.echo(
                f"{name}: fetched {outcome.fetched}, new {outcome.new}, "
                f"duplicates {outcome.duplicates}"
            )
            for r in outcome.results:
                if r.duplicate:
                    continue
                view = viewing.mention_view(container.deps, r.id)
                stars = f"{view.rating}★" if view.rating else "-"
                typer.echo(f"  {view.ref:<7} {view.state:<8} {stars:<3} {r.external_id}")
        finally:
            http.close()
            container.close()

    return app
