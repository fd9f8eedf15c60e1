"""The one helper that makes a database datetime comparable with the clock's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from workflows.services.shared import aware


def test_naive_values_are_read_as_utc() -> None:
    assert aware(datetime(2026, 1, 2, 3, 4)) == datetime(2026, 1, 2, 3, 4, tzinfo=UTC)


def test_aware_values_are_left_alone() -> None:
    plus_two = datetime(2026, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=2)))
    assert aware(plus_two) is plus_two
