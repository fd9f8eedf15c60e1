"""A publisher note (post-publish alert, takedown instructions) reaches the mention's
Teams thread, on SQLite and PostgreSQL."""

from __future__ import annotations

from sandbox.bot_connector import FakeConnector
from tests.teams.conftest import CHANNEL, Teams, ingest
from workflows.publishing import add_note
from workflows.services import chat


async def test_platform_note_in_the_thread(teams: Teams, connector: FakeConnector) -> None:
    mention_id = ingest(teams.container)
    await teams.install()
    await teams.deliver()
    thread = chat.get_thread(teams.container.deps, mention_id, "teams")
    assert thread is not None and thread.ts
    assert add_note(
        teams.container.deps,
        mention_id,
        "platform_rejected",
        "google moderation rejected the published reply <b>now</b>",
        key=f"chat.platform_note:{mention_id}:platform_rejected:x",
    )
    await teams.deliver()
    notes = connector.thread(CHANNEL, str(thread.ts))
    assert any("moderation rejected the published reply" in n.dump for n in notes)
    assert not any("<b>" in n.dump for n in notes), "escaped like any outside text"
