"""Nothing a reviewer or a drafter wrote reaches the log stream, whatever path it takes."""

from __future__ import annotations

import logging

import pytest
import structlog

MARKER = "Zq7LogMarkerText"


def test_marker_never_logged_through_any_path(capsys: pytest.CaptureFixture[str]) -> None:
    from app import configure_logging

    configure_logging("DEBUG")
    std = logging.getLogger("countersign.test")
    std.info("stdlib extra", extra={"text": MARKER, "reply": MARKER, "mention_id": 7})
    std.warning("stdlib args %s", "id-only")
    try:
        raise ValueError(f"could not parse {MARKER}")
    except ValueError:
        std.exception("stdlib exception")
    try:
        raise RuntimeError(MARKER)
    except RuntimeError as exc:
        std.error("stdlib exc_info object", exc_info=exc)
    slog = structlog.get_logger("countersign.test")
    slog.info("structlog keys", text=MARKER, author=MARKER, mention_id=7)
    try:
        raise KeyError(MARKER)
    except KeyError:
        slog.exception("structlog exception")
    logging.getLogger().handlers[0].flush()
    err = capsys.readouterr().err
    assert MARKER not in err
    # still useful: where it happened, what type, and the non-sensitive fields
    assert "ValueError (message withheld)" in err
    assert "RuntimeError (message withheld)" in err
    assert '"mention_id": 7' in err
    assert "test_logging.py" in err


def test_marker_never_logged_nested_chained_or_as_a_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app import configure_logging

    configure_logging("DEBUG")
    std = logging.getLogger("countersign.test")
    std.info("nested extra", extra={"mention": {"id": 7, "Text": MARKER, "tags": [{"body": 1}]}})
    std.info("nested list", extra={"rows": [{"author": MARKER}, ("ok", {"draft": MARKER})]})
    std.warning("exception as a value", extra={"error": ValueError(MARKER), "ids": [7]})
    try:
        try:
            raise KeyError(MARKER)
        except KeyError as inner:
            raise RuntimeError(f"wrapped {MARKER}") from inner
    except RuntimeError:
        std.exception("chained exception")
    slog = structlog.get_logger("countersign.test")
    slog.error("a caller's own exception text", exception=f"Traceback ... {MARKER}")
    slog.warning("structlog nested", detail={"reason": MARKER, "n": 3}, error=OSError(MARKER))
    slog.info("structlog upper-case key", TEXT=MARKER)
    logging.getLogger().handlers[0].flush()
    err = capsys.readouterr().err
    assert MARKER not in err
    assert '"id": 7' in err and '"n": 3' in err and '"ids": [7]' in err
    assert "ValueError (message withheld)" in err and "OSError (message withheld)" in err
    assert "RuntimeError (message withheld)" in err
