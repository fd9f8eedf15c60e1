"""Reading a whole request body, up to a limit, before any signature is checked."""

from __future__ import annotations

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
