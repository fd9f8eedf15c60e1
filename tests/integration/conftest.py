"""Integration fixtures shared by the publishing tests."""

from __future__ import annotations

import dataclasses

import pytest

from workflows.services import roles
from workflows.types import Actor


@pytest.fixture
def d(deps):  # type: ignore[no-untyped-def]
    """The services in Slack workspace ``T1`` with marketing ``UMKT`` and risk ``URISK``."""
    deps.policy = dataclasses.replace(deps.policy, slack_team_id="T1")
    for member, role in [("slack:UMKT", "marketing"), ("slack:URISK", "risk")]:
        roles.add_role(deps, Actor.cli(), member, role)
    return deps
