"""The one escaping function for untrusted text going into Slack mrkdwn."""

from __future__ import annotations

import re

# Zero-width and bidi controls that could hide or reorder text; removed outright.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def escape(text: str) -> str:
    """Make outside text inert in mrkdwn: ``&``, ``<`` and ``>`` become entities, so no
    ``<!channel>``, ``<!here>``, ``<@U…>``, ``<#C…>`` or ``<url|label>`` can become live;
    invisible formatting characters are dropped. Slack decodes the entities for display."""
    text = _INVISIBLE.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_SLACK_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def _typed(m: re.Match[str]) -> str:
    """What the user typed, for one piece of Slack markup (``should_escape: true``)."""
    target, label = m.group(1), m.group(2)
    if target.startswith(("@", "#")):
        return target[0] + (label if label is not None else target[1:])
    if target.startswith("!"):
        if label is not None:
            return label
        return "@" + target[1:].split("^")[0]
    if label is not None:
        return label
    return target[len("mailto:") :] if target.startswith("mailto:") else target


def unescape(text: str) -> str:
    """Decode what Slack sends in slash-command text: links, user, channel and group
    mentions back to what was typed (``<https://x.org|x.org>`` -> ``x.org``,
    ``<@U123|dana>`` -> ``@dana``), then ``&lt;``, ``&gt;``, ``&amp;``. Characters the user
    typed as ``<`` or ``>`` arrive as entities, so markup is never confused with text."""
    text = _SLACK_MARKUP.sub(_typed, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def truncate(text: str, limit: int, suffix: str = "…") -> tuple[str, bool]:
    """Cut plain text to ``limit`` characters (before escaping); True if it was cut."""
    if len(text) <= limit:
        return text, False
    return text[: max(0, limit - len(suffix))].rstrip() + suffix, True
