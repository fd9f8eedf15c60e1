"""With SLACK_TEAM_ID empty, the workspace is learned from auth.test at start-up and
every other workspace is refused, role or not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.slack.conftest import GUEST, MARKETING, TEAM, Slack, build_slack_container, ingest
from tests.slack.test_actions import CLEAN, click, draft
from workflows.actions import ActionId


@pytest.fixture
async def slack_unset_team(
    db_url: str, clock: Any, screen: Any, emulator: Any
) -> AsyncIterator[Slack]:
    from app import build_http_app
    from workflows.services import roles
    from workflows.types import Actor

    c = build_slack_container(db_url, clock, screen, emulator, SLACK_TEAM_ID=None)
    # a user of another organisation who was given a role by mistake
    roles.add_role(c.deps, Actor.cli("test"), f"slack:{GUEST}", "risk")
    app: web.Application = build_http_app(c)
    client = TestClient(TestServer(app))
    await client.start_server()
    yield Slack(client, emulator, c)
    await client.close()
    c.close()


async def test_workspace_learned_and_other_workspaces_refused(slack_unset_team: Slack) -> None:
    slack = slack_unset_team
    assert slack.container.deps.policy.slack_team_id == TEAM
    assert any(c.method == "auth.test" for c in slack.emulator.calls)
    mid = ingest(slack.container)
    await draft(slack, MARKETING, mid, CLEAN)
    answer = await click(slack, GUEST, ActionId.REPLY_SIGNOFF_RISK, f"M-{mid}:r1", team="T0OTHER")
    assert "own organisation" in answer
    from workflows.services import reporting
    from workflows.types import Actor

    st = reporting.status(slack.container.deps, Actor.cli(), mid)
    assert st.revisions[-1].signoffs == ()


async def test_service_does_not_start_when_slack_cannot_say(
    db_url: str, clock: Any, screen: Any, emulator: Any
) -> None:
    from app import build_http_app
    from bot.slack.wiring import WorkspaceUnknown

    c = build_slack_container(
        db_url, clock, screen, emulator, SLACK_TEAM_ID=None, SLACK_BOT_TOKEN="xoxb-wrong-token"
    )
    client = TestClient(TestServer(build_http_app(c)))
    with pytest.raises(WorkspaceUnknown, match="SLACK_TEAM_ID"):
        await client.start_server()
    await client.close()
    c.close()
