"""The one helper that makes a database datetime comparable with the clock's, and the
view's time rules built on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from workflows.state_machine import State
from workflows.types import aware
from workflows.views import MentionView


def test_naive_values_are_read_as_utc() -> None:
    assert aware(datetime(2026, 1, 2, 3, 4)) == datetime(2026, 1, 2, 3, 4, tzinfo=UTC)


def test_aware_values_are_left_alone() -> None:
    plus_two = datetime(2026, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=2)))
    assert aware(plus_two) is plus_two


def _mention(**kw: object) -> MentionView:
    values: dict[str, object] = {
        "id": 7,
        "source": "webhook",
        "platform": "google",
        "author": "Pat",
        "text": None,
        "url": None,
        "rating": 1,
        "severity": "high",
        "severity_reasons": (),
        "state": State.OPEN,
        "received_at": datetime(2026, 1, 2, 3, 0),  # naive, as SQLite returns it
    }
    values.update(kw)
    return MentionView(**values)  # type: ignore[arg-type]


def test_overdue_compares_a_stored_deadline_with_the_clock() -> None:
    m = _mention(sla_due_at=datetime(2026, 1, 2, 4, 0))
    assert not m.overdue(datetime(2026, 1, 2, 4, 0, tzinfo=UTC))
    assert m.overdue(datetime(2026, 1, 2, 4, 1, tzinfo=UTC))
    assert not m.overdue(None) and not _mention().overdue(datetime.now(UTC))


def test_age_is_whole_minutes_and_never_negative() -> None:
    m = _mention()
    assert m.age_minutes(datetime(2026, 1, 2, 3, 59, 59, tzinfo=UTC)) == 59
    assert m.age_minutes(datetime(2026, 1, 2, 2, 0, tzinfo=UTC)) == 0
