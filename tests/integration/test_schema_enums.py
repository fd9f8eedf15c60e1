"""The database's check constraints say exactly what the core's enums say: a new state or
role in ``workflows.state_machine`` without a migration (or the reverse) fails here, on
the migrated schema of both databases."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, inspect

from models.tables import APPROVER_ROLES, MENTION_STATES, ROLES
from workflows.state_machine import APPROVER_ROLES as APPROVER_ROLE_ENUMS
from workflows.state_machine import Role, State


def _allowed(db_url: str, table: str, name: str) -> set[str]:
    engine = create_engine(db_url)
    try:
        checks = inspect(engine).get_check_constraints(table)
    finally:
        engine.dispose()
    found = [c for c in checks if c["name"] == name]
    assert found, f"{table} has no check constraint {name}: {[c['name'] for c in checks]}"
    return set(re.findall(r"'([a-z_]+)'", found[0]["sqltext"]))


@pytest.mark.parametrize(
    ("table", "name", "values"),
    [
        ("mentions", "ck_mentions_state", {s.value for s in State}),
        ("role_members", "ck_role_members_role", {r.value for r in Role}),
        ("approver_roles", "ck_approver_roles_role", {r.value for r in APPROVER_ROLE_ENUMS}),
        ("signoffs", "ck_signoffs_role", {r.value for r in APPROVER_ROLE_ENUMS}),
    ],
)
def test_check_constraints_match_the_enums(
    db_url: str, table: str, name: str, values: set[str]
) -> None:
    assert _allowed(db_url, table, name) == values


def test_models_derive_their_lists_from_the_enums() -> None:
    assert tuple(s.value for s in State) == MENTION_STATES
    assert tuple(r.value for r in Role) == ROLES
    assert tuple(r.value for r in APPROVER_ROLE_ENUMS) == APPROVER_ROLES
