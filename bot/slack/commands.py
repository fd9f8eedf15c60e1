"""Pure parser for the `/reply` slash command. No I/O, never raises.

Slack sends the command text with ``&``, ``<`` and ``>`` as HTML entities and user
mentions as ``<@U123|name>``. Free text (drafts, checks, reasons) is decoded here, so
what is stored (and later signed off and published) is what the user typed.
``format_command`` is the inverse: ``parse(format_command(c)) == c``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.slack.mrkdwn import unescape
from workflows.actions import typed_mention_id

ROLE_NAMES = ("marketing", "risk", "admin")

USAGE = "\n".join(
    (
        "*Countersign — `/reply`*",
        "`/reply M-42` — open the drafting modal for mention M-42",
        "`/reply M-42 <text>` — save a draft reply to M-42 (screened for PHI)",
        "`/reply check <text>` — check text for PHI (only you see it; nothing is stored)",
        "`/reply queue` — what is waiting for you",
        "`/reply status M-42` — state and history of M-42",
        "`/reply takedown M-42 <reason>` — risk or admin: remove a released reply",
        "`/reply roles [list | add @user role | remove @user role]` — admins: "
        "roles are marketing, risk, admin",
        "`/reply help` — this text",
    )
)


@dataclass(frozen=True)
class Help:
    """Usage text; ``problem`` says what was wrong with the input (None for `help`)."""

    problem: str | None = None


@dataclass(frozen=True)
class OpenModal:
    mention_id: int


@dataclass(frozen=True)
class Draft:
    mention_id: int
    text: str


@dataclass(frozen=True)
class Check:
    text: str


@dataclass(frozen=True)
class QueueCmd:
    pass


@dataclass(frozen=True)
class StatusCmd:
    mention_id: int


@dataclass(frozen=True)
class Takedown:
    mention_id: int
    reason: str


@dataclass(frozen=True)
class Roles:
    op: Literal["list", "add", "remove"] = "list"
    user_id: str | None = None
    role: str | None = None


Command = Help | OpenModal | Draft | Check | QueueCmd | StatusCmd | Takedown | Roles

_USER_MENTION = re.compile(r"^<@([UW][A-Z0-9]{1,30})(?:\|[^>]*)?>$")
_USER_ID = re.compile(r"^([UW][A-Z0-9]{1,30})$")


def _ref(token: str) -> int | None:
    return typed_mention_id(token)


def _split_first(text: str) -> tuple[str, str]:
    """First whitespace-separated word and the rest (rest keeps inner newlines)."""
    parts = text.split(None, 1)
    if not parts:
        return "", ""
    return parts[0], (parts[1].strip() if len(parts) > 1 else "")


def _user(token: str) -> str | None:
    m = _USER_MENTION.match(token) or _USER_ID.match(token)
    return m.group(1) if m else None


def parse(raw: str | None) -> Command:
    """Parse what Slack sent as the command ``text``. Unknown input gives ``Help``."""
    try:
        return _parse(raw or "")
    except Exception:  # pragma: no cover - defensive: the parser must never raise
        return Help("I could not read that command.")


def _parse(raw: str) -> Command:
    text = raw.strip()
    if not text:
        return Help()
    head, rest = _split_first(text)
    word = head.lower()
    if word in ("help", "?", "usage"):
        return Help()
    ref = _ref(head)
    if ref is not None:
        body = unescape(rest).strip()
        return Draft(ref, body) if body else OpenModal(ref)
    if word == "check":
        body = unescape(rest).strip()
        return Check(body) if body else Help("`/reply check` needs the text to check.")
    if word == "queue":
        return QueueCmd() if not rest else Help("`/reply queue` takes nothing after it.")
    if word == "status":
        ref = _ref(rest)
        return StatusCmd(ref) if ref is not None else Help("Write `/reply status M-42`.")
    if word == "takedown":
        target, reason = _split_first(rest)
        ref = _ref(target)
        if ref is None:
            return Help("Write `/reply takedown M-42 <reason>`.")
        why = unescape(reason).strip()
        if not why:
            return Help("A takedown needs a reason: `/reply takedown M-42 <reason>`.")
        return Takedown(ref, why)
    if word == "roles":
        return _parse_roles(rest)
    return Help("I did not understand that.")


def _parse_roles(rest: str) -> Command:
    words = rest.split()
    if not words or (len(words) == 1 and words[0].lower() == "list"):
        return Roles("list")
    op = words[0].lower()
    if op not in ("add", "remove") or len(words) != 3:
        return Help("Write `/reply roles list`, or `/reply roles add|remove @user role`.")
    user = _user(words[1])
    role = words[2].lower()
    if user is None:
        return Help("Name the person with an @mention, e.g. `/reply roles add @dana risk`.")
    if role not in ROLE_NAMES:
        return Help("The role must be marketing, risk or admin.")
    return Roles("add" if op == "add" else "remove", user, role)


def _encode(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def format_command(cmd: Command) -> str:
    """The command text Slack would send for ``cmd`` (entities encoded)."""
    if isinstance(cmd, Help):
        return "help"
    if isinstance(cmd, OpenModal):
        return f"M-{cmd.mention_id}"
    if isinstance(cmd, Draft):
        return f"M-{cmd.mention_id} {_encode(cmd.text)}"
    if isinstance(cmd, Check):
        return f"check {_encode(cmd.text)}"
    if isinstance(cmd, QueueCmd):
        return "queue"
    if isinstance(cmd, StatusCmd):
        return f"status M-{cmd.mention_id}"
    if isinstance(cmd, Takedown):
        return f"takedown M-{cmd.mention_id} {_encode(cmd.reason)}"
    if cmd.op == "list":
        return "roles list"
    return f"roles {cmd.op} <@{cmd.user_id}> {cmd.role}"


def usage(cmd: Help) -> str:
    return f"{cmd.problem}\n\n{USAGE}" if cmd.problem else USAGE


__all__ = [
    "USAGE",
    "Check",
    "Command",
    "Draft",
    "Help",
    "OpenModal",
    "QueueCmd",
    "Roles",
    "StatusCmd",
    "Takedown",
    "format_command",
    "parse",
    "usage",
]
