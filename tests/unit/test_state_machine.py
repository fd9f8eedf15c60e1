"""Table-driven: every (state, event) pair, against an expectation written out by hand."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from workflows import state_machine as sm
from workflows.state_machine import Event as E
from workflows.state_machine import State as S

# The lifecycle, written independently of the implementation's table.
EXPECTED: dict[S, dict[E, S]] = {
    S.IGNORED: {E.OPEN_FOR_REPLY: S.OPEN, E.DISMISS: S.DISMISSED},
    S.OPEN: {E.REVISION_BLOCKED: S.DRAFTING, E.REVISION_CLEAN: S.IN_REVIEW, E.DISMISS: S.DISMISSED},
    S.DRAFTING: {
        E.REVISION_BLOCKED: S.DRAFTING,
        E.REVISION_CLEAN: S.IN_REVIEW,
        E.FINDINGS_CLEARED: S.IN_REVIEW,
        E.DISMISS: S.DISMISSED,
    },
    S.IN_REVIEW: {
        E.REVISION_BLOCKED: S.DRAFTING,
        E.REVISION_CLEAN: S.IN_REVIEW,
        E.SIGNED_OFF: S.IN_REVIEW,
        E.FULLY_SIGNED: S.APPROVED,
        E.CHANGES_REQUESTED: S.DRAFTING,
        E.DISMISS: S.DISMISSED,
    },
    S.APPROVED: {
        E.PUBLISHED: S.RELEASED,
        E.MARKED_POSTED: S.RELEASED,
        E.PUBLISH_FAILED: S.PUBLISH_FAILED,
    },
    S.PUBLISH_FAILED: {
        E.RETRY_PUBLISH: S.APPROVED,
        E.MARKED_POSTED: S.RELEASED,
        E.REVISION_BLOCKED: S.DRAFTING,
        E.REVISION_CLEAN: S.IN_REVIEW,
        E.DISMISS: S.DISMISSED,
    },
    S.RELEASED: {E.TAKE_DOWN: S.TAKEN_DOWN},
    S.DISMISSED: {E.OPEN_FOR_REPLY: S.OPEN},
    S.TAKEN_DOWN: {},
}

PAIRS = [(s, e) for s in S for e in E]


def test_expectation_covers_every_state() -> None:
    assert set(EXPECTED) == set(S)


@pytest.mark.parametrize(("state", "event"), PAIRS, ids=[f"{s}-{e}" for s, e in PAIRS])
def test_every_state_event_pair(state: S, event: E) -> None:
    expected = EXPECTED[state].get(event)
    if expected is None:
        with pytest.raises(sm.IllegalTransition) as info:
            sm.transition(state, event)
        assert info.value.state is state and info.value.event is event
        assert state.value in str(info.value)
    else:
        assert sm.transition(state, event) is expected


def test_allowed_events_match_table() -> None:
    for state in S:
        assert sm.allowed_events(state) == frozenset(EXPECTED[state])


def test_terminal_and_approved_states_cannot_take_new_drafts() -> None:
    for state in (S.APPROVED, S.RELEASED, S.TAKEN_DOWN):
        with pytest.raises(sm.IllegalTransition):
            sm.transition(state, E.REVISION_CLEAN)


@pytest.mark.parametrize(
    ("findings", "overridden", "latest", "expected"),
    [
        (0, 0, True, sm.RevisionState.CLEAN),
        (2, 0, True, sm.RevisionState.BLOCKED),
        (2, 1, True, sm.RevisionState.BLOCKED),
        (2, 2, True, sm.RevisionState.CLEARED),
        (0, 0, False, sm.RevisionState.SUPERSEDED),
        (2, 2, False, sm.RevisionState.SUPERSEDED),
    ],
)
def test_revision_states(
    findings: int, overridden: int, latest: bool, expected: sm.RevisionState
) -> None:
    state = sm.revision_state(finding_count=findings, overridden_count=overridden, is_latest=latest)
    assert state is expected
    assert sm.may_sign(state) == (expected in (sm.RevisionState.CLEAN, sm.RevisionState.CLEARED))


def test_state_machine_imports_only_the_standard_library() -> None:
    source = Path(sm.__file__).read_text()
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module.split(".")[0])
    assert modules, "expected at least one import to check"
    assert all(m in sys.stdlib_module_names or m == "__future__" for m in modules), modules
