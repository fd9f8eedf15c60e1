"""``python app.py demo`` (and ``make run`` without chat credentials): the whole flow of
the product on a throw-away SQLite database against the built-in Slack emulator, through the
real HTTP app — a signed webhook brings a negative mention, the bot posts it, a draft
with PHI is blocked, a clean draft is signed off by marketing and risk (signed Slack
requests to ``/slack/events``), released for manual posting and marked posted; then a
review polled from a local Google Business Profile sandbox is signed off and published
back to it through the API — then the channel is printed as a person would read it,
with how to connect a real workspace.

It lives outside the production packages: it builds the whole application (``app``)
the way ``python app.py serve`` does, and drives it like people would.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, TextIO

import aiohttp
from aiohttp import web

from sandbox.driver import Driver
from sandbox.slack_emulator import SlackEmulator
from workflows.state_machine import State

CHANNEL = "C0DEMOREVIEWS"
TEAM = "T0DEMO"
SIGNING_SECRET = "demo-signing-secret"  # noqa: S105 - the demo's own, throw-away
WEBHOOK_SECRET = "demo-webhook-secret"  # noqa: S105 - the demo's own, throw-away
AUTHOR, MARKETING, RISK = "U0ANN", "U0MARK", "U0RITA"

MENTION = {
    "source": "demo",
    "external_id": "google-review-1",
    "platform": "google",
    "author": "Jane Roe",
    "text": (
        "Waited three hours in the emergency department and nobody explained anything. "
        "<!channel> avoid this place."
    ),
    "url": "https://maps.google.com/?cid=1234567890&review=demo",
    "rating": 1,
}
PHI_DRAFT = (
    "Hi Jane, we reviewed your chart from your visit on March 3 and the doctor says your "
    "MRI results were normal."
)
CLEAN_DRAFT = (
    "Thank you for taking the time to share this. We take every concern seriously and "
    "would like to hear more. Please contact our Patient Relations team through our website."
)

GOOGLE_REVIEW = "Billing sent my account to collections twice and nobody returns calls."

CONNECT = """\
To connect a real Slack workspace:
  1. Create the app from packaging/slack/manifest.yml (api.slack.com/apps -> Create New App ->
     From a manifest), replacing YOUR-HOST with this server's public https address.
  2. Install it to the workspace; copy the Bot User OAuth Token (xoxb-…) and the
     Signing Secret into .env as SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET
     (or use Socket Mode: SLACK_APP_TOKEN=xapp-… needs no public address).
  3. Set SLACK_CHANNEL_ID to the review channel (not a Slack Connect channel) and
     /invite @Countersign there; set SLACK_TEAM_ID to your workspace id.
  4. Give people roles: python app.py roles add slack:U0123ABC marketing|risk|admin
  5. make run   (it serves instead of running this demo once credentials are set)
Mention and draft text reach Slack: the workspace must be covered by a business
associate agreement with Slack. Full steps: docs/slack.md
"""


class _KeywordScreen:
    """A stand-in when the PHI screen is not installed: blocks a few telling words and
    the reviewer's name (never used when workflows.phi.screen is present)."""

    WORDS: ClassVar[dict[str, str]] = {
        "chart": "confirms_patient",
        "visit": "confirms_patient",
        "mri": "clinical_detail",
        "results": "clinical_detail",
        "march": "visit_date",
    }

    def screen(self, reply: str, mention: Any, org: Any = None) -> Any:
        import re

        from workflows.phi.types import Finding, ScreenResult

        findings = []
        for word, kind in self.WORDS.items():
            for m in re.finditer(rf"\b{word}\b", reply, re.IGNORECASE):
                findings.append(
                    Finding(kind, m.start(), m.end(), m.group(0), "may disclose PHI", "remove it")
                )
        for part in (getattr(mention, "author", "") or "").split():
            for m in re.finditer(rf"\b{re.escape(part)}\b", reply):
                findings.append(
                    Finding(
                        "patient_name", m.start(), m.end(), m.group(0), "names the reviewer", "—"
                    )
                )
        findings.sort(key=lambda f: f.start)
        return ScreenResult("block" if findings else "pass", tuple(findings))


def _screen(app_module: Any, settings: Any) -> tuple[Any, str]:
    try:
        import workflows.phi.screen as phi_screen

        if hasattr(phi_screen, "build_screen"):
            return app_module.build_screen(settings), "the PHI screen (Presidio + rules)"
    except Exception as exc:  # a missing model or package: fall back, say so
        return _KeywordScreen(), f"a keyword stand-in ({type(exc).__name__} loading the screen)"
    return _KeywordScreen(), "a keyword stand-in (workflows.phi.screen not installed)"


async def _until(cond: Callable[[], bool], what: str, wait: float = 30.0) -> None:
    deadline = time.monotonic() + wait
    while True:
        try:
            if cond():
                return
        except Exception:  # noqa: S110 - not there yet (e.g. no such revision)
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the demo timed out waiting for: {what}")
        await asyncio.sleep(0.05)


async def _deliver(container: Any) -> None:
    """Run the outbox relay until nothing more is due (retries after a rate limit too)."""
    idle = 0
    deadline = time.monotonic() + 60
    while idle < 2 and time.monotonic() < deadline:
        n = await asyncio.to_thread(container.relay.deliver_due)
        idle = 0 if n else idle + 1
        if not n:
            await asyncio.sleep(0.6)


def _migrate(database_url: str, app_file: str) -> None:
    """Apply the migrations with the app's own command (the composition root owns it)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEMO_MODE": "true",
        "LOG_LEVEL": "WARNING",
        "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and app
        [sys.executable, app_file, "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError("database migration failed:\n" + done.stderr[-2000:])


async def _flow(app_module: Any, emu: SlackEmulator, tmp: Path, out: TextIO) -> int:
    from workflows.services import roles, viewing
    from workflows.types import Actor

    db_url = f"sqlite:///{tmp / 'demo.db'}"
    _migrate(db_url, app_module.__file__)
    google, google_runner, google_url = await _google_sandbox()
    settings = app_module.Settings(
        **google.settings(google_url),
        _env_file=None,
        DATABASE_URL=db_url,
        DEMO_MODE=True,
        LOG_LEVEL="WARNING",
        SLACK_BOT_TOKEN=emu.token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_CHANNEL_ID=CHANNEL,
        SLACK_API_BASE_URL=emu.base_url,
        SLACK_TEAM_ID=TEAM,
        WEBHOOK_SECRET=WEBHOOK_SECRET,
        AUDIT_CHECKPOINT_PATH=str(tmp / "audit-checkpoints.jsonl"),
        ORG_NAME="Demo Hospital",
    )
    screen, screen_name = _screen(app_module, settings)
    container = app_module.build_container(settings, screen=screen)
    cli = Actor.cli("demo")
    roles.add_role(container.deps, cli, f"slack:{MARKETING}", "marketing")
    roles.add_role(container.deps, cli, f"slack:{RISK}", "risk")
    http = app_module.build_http_app(container)
    runner = web.AppRunner(http, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    port = int(server.sockets[0].getsockname()[1]) if server is not None else 0  # type: ignore[attr-defined]
    steps: list[str] = [f"PHI screen: {screen_name}"]
    try:
        async with aiohttp.ClientSession() as session:
            d = Driver(
                session,
                lambda: [f"http://127.0.0.1:{port}"],
                team=TEAM,
                channel=CHANNEL,
                signing_secret=SIGNING_SECRET,
                webhook_secret=WEBHOOK_SECRET,
                name="demo",
            )
            status, result = await d.webhook([MENTION])
            if status != 202:
                raise RuntimeError(f"webhook answered {status}")
            ref = result["mentions"][0]["id"]
            mid = int(ref.split("-")[1])
            steps.append(f"webhook: a 1-star Google review arrived as {ref}")
            await _deliver(container)

            def revisions() -> int:
                latest = viewing.mention_view(container.deps, mid).latest
                return latest.number if latest else 0

            await d.command(AUTHOR, f"{ref} {PHI_DRAFT}")
            await _until(lambda: revisions() >= 1, "the first draft")
            first = viewing.mention_view(container.deps, mid).latest
            assert first is not None
            steps.append(
                f"@ann drafted revision 1: {first.verdict} ({', '.join(first.finding_kinds)})"
            )
            await d.command(AUTHOR, f"{ref} {CLEAN_DRAFT}")
            await _until(lambda: revisions() >= 2, "the second draft")
            second = viewing.mention_view(container.deps, mid).latest
            assert second is not None
            steps.append(f"@ann drafted revision 2: {second.verdict}")
            if second.verdict != "pass":
                raise RuntimeError("the clean demo draft was blocked by the PHI screen")
            await _deliver(container)
            value = f"{ref}:r{second.number}"
            await d.click(MARKETING, "reply_signoff_marketing", value)
            await _until(
                lambda: (
                    viewing.mention_view(container.deps, mid).latest.signed_by("marketing")  # type: ignore[union-attr]
                    is not None
                ),
                "the marketing sign-off",
            )
            steps.append("@mark signed off as marketing")
            await d.click(RISK, "reply_signoff_risk", value)
            await _until(
                lambda: viewing.mention_view(container.deps, mid).state == State.APPROVED,
                "the risk sign-off",
            )
            steps.append("@rita signed off as risk: approved, handed over for manual posting")
            await _deliver(container)
            await d.click(MARKETING, "reply_mark_posted", value)
            await _until(
                lambda: viewing.mention_view(container.deps, mid).state == State.RELEASED,
                "the reply marked posted",
            )
            await _deliver(container)
            final = viewing.mention_view(container.deps, mid)
            steps.append(f"@mark marked it posted: {final.state}, SHA-256 {final.published_hash}")
            steps.extend(await _google_act(container, d, google))
    finally:
        await runner.cleanup()
        await google_runner.cleanup()
        container.close()

    out.write("Countersign demo — what happened:\n")
    out.writelines(f"  • {s}\n" for s in steps)
    out.write("\nThe review channel, as a person reads it:\n\n")
    out.write(emu.render_channel(CHANNEL))
    out.write("\nWhat only @ann (the author) saw:\n\n")
    out.write(emu.render_ephemerals(AUTHOR))
    out.write("\n" + CONNECT)
    return 0


async def _google_sandbox() -> tuple[Any, web.AppRunner, str]:
    """A local Google Business Profile (connectors.sandbox) with one 2-star review."""
    from connectors.sandbox import GoogleSandbox

    google = GoogleSandbox()
    google.add_review("demo-review-2", "Sam Poe", "TWO", GOOGLE_REVIEW)
    runner = web.AppRunner(google.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    port = int(server.sockets[0].getsockname()[1]) if server is not None else 0  # type: ignore[attr-defined]
    return google, runner, f"http://127.0.0.1:{port}"


async def _google_act(container: Any, d: Driver, google: Any) -> list[str]:
    """A review polled from the Google sandbox, signed off, published back through the
    API (PUT …/reviews/{id}/reply), and read on the sandbox as the approved text."""
    from connectors.wiring import runtime
    from workflows import polling
    from workflows.services import viewing

    source = runtime(container).connectors.sources["gbp"]
    outcome = await asyncio.to_thread(polling.poll_source, container.deps, source)
    (result,) = outcome.results
    ref, mid = result.ref, result.id
    steps = [f"Google Business Profile (local sandbox): a 2-star review was polled in as {ref}"]
    await _deliver(container)
    await d.command(AUTHOR, f"{ref} {CLEAN_DRAFT}")
    await _until(lambda: viewing.mention_view(container.deps, mid).latest is not None, "a draft")
    await d.click(MARKETING, "reply_signoff_marketing", f"{ref}:r1")
    await _until(
        lambda: (
            viewing.mention_view(container.deps, mid).latest.signed_by("marketing")  # type: ignore[union-attr]
            is not None
        ),
        "the marketing sign-off",
    )
    await d.click(RISK, "reply_signoff_risk", f"{ref}:r1")
    await _until(lambda: viewing.mention_view(container.deps, mid).state != "in_review", "risk")
    await _deliver(container)
    view = viewing.mention_view(container.deps, mid)
    on_google = google.replies.get(result.external_id, {}).get("comment")
    if view.state != "released" or on_google != CLEAN_DRAFT:
        raise RuntimeError("the approved reply did not reach the Google sandbox")
    steps.append(
        f"@ann drafted, @mark and @rita signed off; published to Google through the API: "
        f"the review shows exactly the approved text (SHA-256 {view.published_hash})"
    )
    return steps


def run_demo(out: TextIO | None = None) -> int:
    """Run the demo; returns the exit code (0 when the reply was released)."""
    import app as app_module

    stream = out or sys.stdout
    emu = SlackEmulator(team_id=TEAM, rate_limit_interval=1.0, rate_limit_burst=2)
    emu.add_user(AUTHOR, "ann", real_name="Ann (communications)")
    emu.add_user(MARKETING, "mark", real_name="Mark (marketing)")
    emu.add_user(RISK, "rita", real_name="Rita (risk)")
    emu.add_channel(CHANNEL, "patient-reviews", members=[AUTHOR, MARKETING, RISK])
    emu.start_background()
    try:
        with tempfile.TemporaryDirectory(prefix="countersign-demo-") as tmp:
            return asyncio.run(_flow(app_module, emu, Path(tmp), stream))
    except Exception as exc:
        stream.write(f"demo failed: {exc}\n")
        return 1
    finally:
        emu.stop_background()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(run_demo())
