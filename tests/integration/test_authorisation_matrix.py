"""The authorisation matrix: every action of the catalogue × every role (none, marketing,
risk, admin, and a non-member without a role) × author of the latest revision or not ×
Slack and Teams, run through ``workflows.perform.perform`` — the one entry both
adapters call for a button — on a real database. Allowed ⇔ ``permissions.offered``
(state and person) says so for a channel member; a non-member without a role is
refused everything. A refused action changes nothing but an audited refusal (and its
channel note). The endpoints' own refusals are exercised by tests/slack/test_actions.py
and tests/teams/test_flows.py on representative buttons."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest

from tests.support.hostile import Snapshot, tally
from workflows import perform
from workflows.actions import CATALOGUE, ActionId, ButtonValue, Carries, Click
from workflows.errors import CountersignError
from workflows.permissions import Viewer, offered
from workflows.services import drafting, mentions, roles, viewing
from workflows.types import Actor, MentionInput

ROLES = ("none", "marketing", "risk", "admin", "outsider")
BLOCKED_SCENE = {ActionId.REPLY_OVERRIDE_PHI, ActionId.REPLY_SEND_TO_RISK}


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


def _actor(platform: str, role: str, author: bool) -> Actor:
    who = f"{role}-{'author' if author else 'other'}"
    return Actor(platform, who, None, channel_member=role != "outsider", private=True)


def _scene(deps: Any, n: int, writer: Actor, blocked: bool) -> int:
    mid = mentions.ingest(
        deps,
        [
            MentionInput(
                source="webhook",
                external_id=f"matrix-{n}",
                platform="google",
                author="Jane Roe",
                text="Terrible wait at the clinic.",
                url="https://example.test/r/1",
                rating=1,
            )
        ],
    )[0].id
    text = "We reviewed your chart." if blocked else "Thank you; please call us."
    drafting.create_revision(deps, writer, mid, text, None)
    return mid


def test_every_action_role_and_authorship_on_both_platforms(container: Any) -> None:
    deps = container.deps
    cli = Actor.cli("test")
    for platform, role, author in itertools.product(("slack", "teams"), ROLES, (True, False)):
        if role not in ("none", "outsider"):
            roles.add_role(deps, cli, _actor(platform, role, author).key, role)
    mismatches: list[tuple[Any, ...]] = []
    refusals: Counter[int] = Counter()
    counted = 0
    for n, (platform, role, author, action) in enumerate(
        itertools.product(("slack", "teams"), ROLES, (True, False), list(ActionId))
    ):
        actor = _actor(platform, role, author)
        # the revision's author: this actor, or a member with no role
        writer = actor if author and role != "outsider" else _actor(platform, "none", True)
        if author and role == "outsider":
            continue  # a non-member cannot have written a revision
        mid = _scene(deps, n, writer, action in BLOCKED_SCENE)
        view = viewing.mention_view(deps, mid)
        viewer = Viewer.of(actor.key, [role] if role not in ("none", "outsider") else [])
        expected = action in offered(view, viewer) and role != "outsider"
        spec = CATALOGUE[action]
        value = ButtonValue(
            mid,
            None if spec.carries is Carries.MENTION else 1,
            0 if spec.carries is Carries.FINDING else None,
        )
        before = Snapshot.take(container)
        try:
            perform.perform(deps, actor, Click(spec, value), "a reason")
            allowed = True
        except CountersignError:
            allowed = False
            refusals[before.assert_only_refusals(container, (platform, role, author, action))] += 1
        counted += 1
        if allowed != expected:
            mismatches.append((platform, role, author, action.value, allowed, expected))
    tally("authorisation matrix (service layer)", n=counted)
    assert not mismatches, mismatches
    # one refused press, one audit row (opening the editor used to audit it twice)
    assert set(refusals) == {1}, refusals
