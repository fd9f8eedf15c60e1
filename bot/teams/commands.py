"""Text typed to the bot in Teams, parsed into a command (pure; never raises).

``draft M-42 <text>``, ``check <text>``, ``queue``, ``status M-42``, ``help``; anything
else is ``help``. The bot's own ``<at>…</at>`` mention (present when it is addressed in
a channel) is stripped first. Teams sends message text with ``&``, ``<`` and ``>`` as
HTML entities when the message was formatted; they are decoded, so what is stored and
screened is what the person typed.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from workflows.actions import typed_mention_id

_AT_MENTION = re.compile(r"<at\b[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"</?(?:p|div|span|br|b|i|strong|em)\b[^>]*>", re.IGNORECASE)

HELP = (
    "**Countersign** — commands (send `draft` and `check` in our personal chat):\n\n"
    "- `draft M-42 <text>` — save a draft reply to M-42 (screened for PHI)\n"
    "- `check <text>` — check text for PHI (nothing is stored)\n"
    "- `queue` — what waits for you (your drafts and sign-offs)\n"
    "- `status M-42` — state and history of a mention\n"
    "- `help` — this text\n\n"
    "Sign-offs, requests for changes, assigning and dismissing are the buttons on each "
    "mention's card."
)


@dataclass(frozen=True)
class Command:
    """``name`` is one of draft, check, queue, status, help; ``mention_id`` for draft
    and status; ``text`` for draft and check. ``problem`` explains a help answer that was
    caused by a malformed command."""

    name: str
    mention_id: int | None = None
    text: str = ""
    problem: str = ""

    @property
    def carries_text(self) -> bool:
        return self.name in ("draft", "check")


def strip_mentions(text: str) -> str:
    """Remove ``<at>…</at>`` mention tags and simple HTML wrappers."""
    value = _AT_MENTION.sub(" ", text or "")
    value = _TAGS.sub(" ", value)
    return value


def parse(text: str | None) -> Command:
    try:
        return _parse(text or "")
    except Exception:  # defensive: parsing must never fail a request
        return Command("help", problem="I could not read that command.")


def _parse(raw: str) -> Command:
    cleaned = html.unescape(strip_mentions(raw)).replace("\u00a0", " ").strip()
    if not cleaned:
        return Command("help")
    match = re.match(r"(\S+)(?:\s+(.*))?\Z", cleaned, re.DOTALL)
    if match is None:  # pragma: no cover - cleaned is non-empty and stripped
        return Command("help")
    verb = match.group(1).lower().lstrip("/")
    rest = (match.group(2) or "").strip()
    if verb == "help":
        return Command("help")
    if verb == "queue":
        return Command("queue")
    if verb == "check":
        if not rest:
            return Command("help", problem="Give the text to check: `check <text>`.")
        return Command("check", text=rest)
    if verb == "status":
        ref = _ref(rest.split()[0]) if rest else None
        if ref is None:
            return Command("help", problem="Name the mention: `status M-42`.")
        return Command("status", mention_id=ref)
    if verb == "draft":
        parts = rest.split(None, 1)
        ref = _ref(parts[0]) if parts else None
        if ref is None:
            return Command("help", problem="Name the mention: `draft M-42 <text>`.")
        body = parts[1].strip() if len(parts) > 1 else ""
        if not body:
            return Command("help", problem="Add the reply text: `draft M-42 <text>`.")
        return Command("draft", mention_id=ref, text=body)
    return Command("help", problem="I did not recognise that command.")


def _ref(token: str) -> int | None:
    return typed_mention_id(token)


__all__ = ["HELP", "Command", "parse", "strip_mentions"]
