"""`serve` waits at start for a database it cannot reach yet, and only for that."""

from __future__ import annotations

from app import UNREACHABLE, wait_until_ready


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def probe_answering(*answers: tuple[bool, str]):  # type: ignore[no-untyped-def]
    it = iter(answers)
    last = answers[-1]
    return lambda: next(it, last)


def test_a_database_that_comes_back_is_waited_for() -> None:
    t = FakeTime()
    probe = probe_answering(
        (False, f"{UNREACHABLE} (OperationalError)"),
        (False, f"{UNREACHABLE} (OperationalError)"),
        (True, "database reachable, migrations current"),
    )
    assert wait_until_ready(probe, 60, t.sleep, t.clock) == (
        True,
        "database reachable, migrations current",
    )
    assert t.sleeps == [1.0, 1.0]


def test_pending_migrations_are_reported_at_once() -> None:
    t = FakeTime()
    probe = probe_answering((False, "migrations pending (at None, head abc)"))
    ok, detail = wait_until_ready(probe, 60, t.sleep, t.clock)
    assert not ok and detail.startswith("migrations pending")
    assert t.sleeps == []


def test_the_wait_is_bounded() -> None:
    t = FakeTime()
    probe = probe_answering((False, f"{UNREACHABLE} (OperationalError)"))
    ok, detail = wait_until_ready(probe, 5, t.sleep, t.clock)
    assert not ok and detail.startswith(UNREACHABLE)
    assert len(t.sleeps) == 5


def test_no_wait_when_the_setting_is_zero() -> None:
    t = FakeTime()
    probe = probe_answering((False, f"{UNREACHABLE} (OperationalError)"))
    assert not wait_until_ready(probe, 0, t.sleep, t.clock)[0]
    assert t.sleeps == []
