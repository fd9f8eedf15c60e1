"""Command-line helpers for ``python app.py phi-check``.

``run_jsonl(screen, stdin, stdout)`` reads one JSON object per line (``id``, ``reply``,
``mention`` {``author``, ``text``, ``platform``}, optional ``org`` {``name``,
``phones``, ``emails``, ``urls``, ``spokespeople``}) and writes one JSON object per
line: ``{"id", "verdict", "findings": [{"kind", "start", "end", "text", "reason",
"suggestion"}]}``. A line that is not valid JSON or lacks a field yields
``{"id": …, "line": n, "error": "…"}`` for that line (id is null when unknown), the
rest are still processed, and the return code is 1 at the end (0 when every line was
screened). Error messages never contain the reply text.

``check_text`` and ``format_report`` back the readable single-text report.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from workflows.phi.types import Finding, MentionContext, OrgContext, PhiScreen, ScreenResult


class InputError(ValueError):
    """A JSONL line that cannot be screened (message names the field, never the text)."""


def _str_tuple(value: Any, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise InputError(f"org.{field} must be a list of strings")


def org_from_json(value: Any) -> OrgContext | None:
    """The optional ``org`` object of a JSONL line (None when absent)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InputError("org must be an object")
    name = value.get("name", "")
    if not isinstance(name, str):
        raise InputError("org.name must be a string")
    return OrgContext(
        name=name,
        phones=_str_tuple(value.get("phones"), "phones"),
        emails=_str_tuple(value.get("emails"), "emails"),
        urls=_str_tuple(value.get("urls"), "urls"),
        spokespeople=_str_tuple(value.get("spokespeople"), "spokespeople"),
    )


def mention_from_json(value: Any) -> MentionContext:
    if value is None:
        return MentionContext(author="", text="")
    if not isinstance(value, dict):
        raise InputError("mention must be an object")
    fields = {}
    for key in ("author", "text", "platform"):
        v = value.get(key, "")
        if v is None:
            v = ""
        if not isinstance(v, str):
            raise InputError(f"mention.{key} must be a string")
        fields[key] = v
    return MentionContext(author=fields["author"], text=fields["text"], platform=fields["platform"])


def finding_to_json(f: Finding) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "start": f.start,
        "end": f.end,
        "text": f.text,
        "reason": f.reason,
        "suggestion": f.suggestion,
    }


def result_to_json(item_id: Any, result: ScreenResult) -> dict[str, Any]:
    return {
        "id": item_id,
        "verdict": result.verdict,
        "findings": [finding_to_json(f) for f in result.findings],
    }


def screen_line(screen: PhiScreen, line: str) -> dict[str, Any]:
    """Screen one JSONL line; raises InputError (with the id when known)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON at column {exc.colno}") from None
    if not isinstance(obj, dict):
        raise InputError("line must be a JSON object")
    item_id = obj.get("id")
    try:
        if item_id is None:
            raise InputError("missing field: id")
        reply = obj.get("reply")
        if not isinstance(reply, str):
            raise InputError("missing or non-string field: reply")
        mention = mention_from_json(obj.get("mention"))
        org = org_from_json(obj.get("org"))
    except InputError as exc:
        exc.item_id = item_id  # type: ignore[attr-defined]
        raise
    return result_to_json(item_id, screen.screen(reply, mention, org))


def run_jsonl(screen: PhiScreen, in_stream: Iterable[str] | TextIO, out_stream: TextIO) -> int:
    """``python app.py phi-check --jsonl``: 0 if every line was screened, else 1."""
    failures = 0
    for lineno, line in enumerate(in_stream, start=1):
        if not line.strip():
            continue
        try:
            out = screen_line(screen, line)
        except InputError as exc:
            failures += 1
            out = {"id": getattr(exc, "item_id", None), "line": lineno, "error": str(exc)}
        except Exception as exc:  # the screen failed: report, never echo text
            failures += 1
            out = {
                "id": _safe_id(line),
                "line": lineno,
                "error": f"screen failed: {type(exc).__name__}",
            }
        out_stream.write(json.dumps(out, ensure_ascii=False) + "\n")
        out_stream.flush()
    return 1 if failures else 0


def _safe_id(line: str) -> Any:
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    return obj.get("id") if isinstance(obj, dict) else None


def check_text(
    screen: PhiScreen,
    text: str,
    author: str = "",
    mention_text: str = "",
    platform: str = "",
    org: OrgContext | None = None,
) -> ScreenResult:
    """``python app.py phi-check "text" [--author A] [--mention M]``."""
    return screen.screen(
        text, MentionContext(author=author, text=mention_text, platform=platform), org
    )


def format_report(text: str, result: ScreenResult) -> str:
    """A readable report for one text: verdict, then each finding with its words."""
    lines: list[str] = []
    if not result.blocked:
        lines.append("PASS - no protected health information found.")
        return "\n".join(lines) + "\n"
    n = len(result.findings)
    lines.append(f"BLOCK - {n} finding{'s' if n != 1 else ''} ({', '.join(result.kinds)})")
    for i, f in enumerate(result.findings, start=1):
        lines.append("")
        lines.append(f'{i}. {f.kind} at {f.start}-{f.end}: "{f.text}"')
        lines.append(f"   why: {f.reason}")
        lines.append(f"   fix: {f.suggestion}")
        lines.append(f"   in context: {_context(text, f)}")
    return "\n".join(lines) + "\n"


def _context(text: str, f: Finding, width: int = 30) -> str:
    a = max(0, f.start - width)
    b = min(len(text), f.end + width)
    snippet = (
        ("…" if a > 0 else "")
        + text[a : f.start]
        + "["
        + text[f.start : f.end]
        + "]"
        + text[f.end : b]
        + ("…" if b < len(text) else "")
    )
    return " ".join(snippet.split())


__all__ = [
    "InputError",
    "check_text",
    "finding_to_json",
    "format_report",
    "mention_from_json",
    "org_from_json",
    "result_to_json",
    "run_jsonl",
    "screen_line",
]
