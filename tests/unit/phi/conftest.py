"""Fixtures of the PHI screen tests: the screen is built once per test session."""

from __future__ import annotations

import pytest

from workflows.phi.screen import ClassifierPhiScreen, build_screen
from workflows.phi.types import FINDING_KINDS, MentionContext, PhiScreen, ScreenResult


@pytest.fixture(scope="session")
def phi_screen() -> PhiScreen:
    return build_screen()


@pytest.fixture(scope="session")
def presidio_screen(phi_screen: PhiScreen) -> ClassifierPhiScreen:
    assert isinstance(phi_screen, ClassifierPhiScreen)
    return phi_screen


def run(screen: PhiScreen, reply: str, author: str = "", mention: str = "") -> ScreenResult:
    return screen.screen(reply, MentionContext(author=author, text=mention, platform="google"))


def assert_blocks(
    screen: PhiScreen, author: str, mention: str, reply: str, kinds: set[str]
) -> ScreenResult:
    """The reply is blocked with at least *kinds*, every finding well formed."""
    result = run(screen, reply, author, mention)
    assert result.verdict == "block", reply
    assert kinds <= set(result.kinds), result.kinds
    for f in result.findings:
        assert f.kind in FINDING_KINDS
        assert reply[f.start : f.end] == f.text
        assert 0 <= f.start < f.end <= len(reply)
        assert f.reason and "\n" not in f.reason
        assert f.suggestion
    return result
