"""Reading a whole request body, up to a limit, before any signature is checked."""

from __future__ import annotations

import json

from aiohttp import web

CHUNK = 64 * 1024


async def read_body(request: web.Request, limit: int) -> bytes | None:
    """The complete body, or None when it is larger than ``limit`` bytes.

    ``StreamReader.read(n)`` returns what has arrived so far, not ``n`` bytes: a large
    body sent in several packets must be read to the end, or a signature is checked
    against part of it.
    """
    declared = request.content_length
    if declared is not None and declared > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.read(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


class NotJson(ValueError):
    """The body is not JSON we can store: invalid, nested too deeply, or with text that
    is not valid Unicode (a lone surrogate from a ``\\ud800`` escape)."""


def parse_json(body: bytes) -> object:
    """``json.loads`` for request bodies; raises NotJson (never RecursionError)."""
    try:
        value = json.loads(body)
    except RecursionError:
        raise NotJson("the body is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise NotJson("the body is not JSON") from None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise NotJson("the body has text that is not valid Unicode") from None
    except RecursionError:  # pragma: no cover - json.loads would have refused it first
        raise NotJson("the body is nested too deeply") from None
    return value
