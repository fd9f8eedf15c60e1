"""The relay's claim loops are woken one at a time, and no wake is lost."""

from __future__ import annotations

import threading
import time

from runtime.serve import ClaimerWakes


def _sleeper(wakes: ClaimerWakes, me: int, woken: list[int]) -> threading.Thread:
    def run() -> None:
        if wakes.wait(me, 5.0):
            woken.append(me)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _until_idle(wakes: ClaimerWakes, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(wakes._idle) < count:
        assert time.monotonic() < deadline, "the loops never went idle"
        time.sleep(0.001)


def test_a_commit_wakes_one_idle_loop_not_all() -> None:
    wakes = ClaimerWakes(3)
    woken: list[int] = []
    threads = [_sleeper(wakes, i, woken) for i in range(3)]
    _until_idle(wakes, 3)
    wakes.wake_one()
    deadline = time.monotonic() + 5
    while not woken and time.monotonic() < deadline:
        time.sleep(0.001)
    time.sleep(0.05)
    assert len(woken) == 1
    assert len(wakes._idle) == 2
    wakes.wake_one()
    wakes.wake_one()
    for thread in threads:
        thread.join(5)
    assert sorted(woken) == [0, 1, 2]


def test_a_wake_while_every_loop_is_busy_is_kept_for_the_next_to_go_idle() -> None:
    wakes = ClaimerWakes(2)
    wakes.wake_one()  # nobody idle: both are claiming
    started = time.monotonic()
    assert wakes.wait(0, 5.0) is True
    assert time.monotonic() - started < 1.0
    # the note is used once: the next wait sleeps until its timeout
    assert wakes.wait(1, 0.01) is False


def test_an_unwoken_loop_returns_after_its_timeout() -> None:
    wakes = ClaimerWakes(1)
    assert wakes.wait(0, 0.01) is False
    assert wakes._idle == []
