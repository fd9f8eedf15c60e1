"""Shared helpers: turning platform records into validated mentions, compact cursors."""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from workflows.errors import FieldError
from workflows.ingest import MAX_TEXT, parse_mention
from workflows.types import MentionInput

log = logging.getLogger("countersign.connectors")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LIMITS = {"author": 512, "location": 255, "url": 2048, "author_url": 2048, "external_id": 255}


def as_dict(value: Any) -> dict[str, Any]:
    """A JSON object from a platform, or an empty one when it is anything else."""
    return value if isinstance(value, dict) else {}


def clean(value: Any, limit: int) -> str | None:
    """A platform string made safe for ingest: control characters dropped, cut to size."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    text = _CONTROL.sub("", text)
    return text[:limit]


def long_id(value: str) -> str:
    """External ids over 200 characters (some feed GUIDs) become their SHA-256."""
    return value if len(value) <= 200 else "sha256:" + hashlib.sha256(value.encode()).hexdigest()


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def parse_time(value: Any) -> datetime | None:
    """RFC 3339 (Google, X: ``2026-11-27T12:00:00.123Z``) or Graph's ``+0000`` form."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    # Python < 3.11 style guard: cut nanoseconds to microseconds
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def build_mention(
    *,
    source: str,
    external_id: str,
    platform: str,
    author: Any,
    text: Any,
    url: Any = None,
    rating: int | None = None,
    created_at: datetime | None = None,
    location: Any = None,
    author_url: Any = None,
) -> MentionInput | None:
    """Validate like a webhook mention; a record that does not pass is skipped (logged
    with the source and the field, never its value)."""
    obj = {
        "source": source,
        "external_id": clean(long_id(external_id), 255),
        "platform": platform,
        "author": clean(author, 512) or "(unknown)",
        "text": clean(text, MAX_TEXT) or "",
        "url": _http_url(url),
        "rating": rating,
        "created_at": iso(created_at),
        "location": clean(location, 255),
        "author_url": _http_url(author_url),
    }
    try:
        return parse_mention(obj)
    except FieldError as exc:
        log.warning("platform record skipped", extra={"source": source, "field": exc.field})
        return None


def _http_url(value: Any) -> str | None:
    url = clean(value, 2048)
    if url and re.match(r"^https?://[^\s/]+", url) and not re.search(r"\s", url):
        return url
    return None


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(value: str) -> str:
    """Feed summaries are HTML: keep the words, drop the markup."""
    parser = _Text()
    try:
        parser.feed(value)
        parser.close()
    except Exception:  # HTMLParser is lenient; anything odd falls back to unescaping
        return html.unescape(re.sub(r"<[^>]*>", " ", value))
    return re.sub(r"[ \t\r\f\v]+", " ", "".join(parser.parts)).strip()


def load_cursor(cursor: str | None) -> dict[str, Any]:
    """Connector cursors are small JSON objects; anything else starts afresh."""
    if not cursor:
        return {}
    try:
        value = json.loads(cursor)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def dump_cursor(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def short_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:12]
