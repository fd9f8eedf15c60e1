"""Fixtures of the PHI screen tests: the screen is built once per test session."""

from __future__ import annotations

import pytest

from workflows.phi.screen import PresidioPhiScreen, build_screen
from workflows.phi.types import MentionContext, PhiScreen, ScreenResult


@pytest.fixture(scope="session")
def phi_screen() -> PhiScreen:
    return build_screen()


@pytest.fixture(scope="session")
def presidio_screen(phi_screen: PhiScreen) -> PresidioPhiScreen:
    assert isinstance(phi_screen, PresidioPhiScreen)
    return phi_screen


def run(screen: PhiScreen, reply: str, author: str = "", mention: str = "") -> ScreenResult:
    return screen.screen(reply, MentionContext(author=author, text=mention, platform="google"))
