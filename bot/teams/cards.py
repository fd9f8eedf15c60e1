"""Adaptive Cards for Teams: pure builders (no I/O), schema 1.4.

Buttons are ``Action.Execute`` whose ``verb`` is a stable action id (``workflows.actions``)
and whose ``data`` is ``{"value": ButtonValue}`` — ids and a revision number, never
text — each with an ``Action.Submit`` fallback for clients without Universal Actions
(its data adds the verb). Every piece of outside text (mention text, author, draft text,
reasons, flagged words) goes through :func:`escape` before it reaches a TextBlock.

The channel never sees a blocked draft or the words a finding flags: ``blocked_notice``
names only the kinds; ``private_blocked`` (the author's personal chat, or a risk
approver's) carries the text and findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from workflows.actions import (
    CATALOGUE,
    ON_MENTION,
    ON_PUBLISH_FAILURE,
    ON_REVISION,
    ActionId,
    ButtonValue,
    Needs,
)
from workflows.labels import (
    REVISION_STATE_LABEL,
    STATE_LABEL,
    kind_label,
    kinds_text,
    platform_label,
    refusal_reason,
    request_label,
    stars,
)
from workflows.permissions import Viewer, announced, offered, pick
from workflows.state_machine import APPROVER_ROLES, RevisionState, Role, State
from workflows.types import aware
from workflows.views import (
    FindingView,
    MentionView,
    Queue,
    RevisionView,
    Status,
    listing_groups,
)

Card = dict[str, Any]

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.4"
TEXT_LIMIT = 3000  # characters of untrusted text per card before "…"
MAX_FINDINGS = 20

# Zero-width, joiner and bidi controls: they can hide or reorder text. Removed outright.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
# Markdown (and Adaptive Card template) control characters: backslash-escaped anywhere.
MARKDOWN_SPECIALS = frozenset("\\`*_~[](){}#>!|:")
# Characters that start a list, heading or rule only at the start of a line.
_LINE_START = re.compile(r"(^|\n)([ \t]*)([-+=]|\d+(?=[.)]))", re.MULTILINE)
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape(text: str) -> str:
    """Make outside text inert in a Teams TextBlock (the one escape for untrusted text).

    - zero-width and bidi controls are removed;
    - ``&``, ``<`` and ``>`` become HTML entities, so no ``<at>…</at>`` mention tag or
      HTML element survives;
    - markdown control characters ``\\ ` * _ ~ [ ] ( ) { } # > ! | :`` are backslash-escaped
      (``:`` too, so ``https://…`` cannot be auto-linked and ``{{DATE(…)}}`` cannot
      become a date function);
    - a ``-``, ``+``, ``=`` or number at the start of a line is escaped (no lists,
      headings or rules)."""
    text = _INVISIBLE.sub("", text)
    out: list[str] = []
    for ch in text:
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch in MARKDOWN_SPECIALS:
            out.append("\\" + ch)
        else:
            out.append(ch)
    escaped = "".join(out)
    return _LINE_START.sub(lambda m: f"{m.group(1)}{m.group(2)}\\{m.group(3)}", escaped)


def unescape(text: str) -> str:
    """The inverse of :func:`escape` (for tests): what a reader sees."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if ch == "&":
            for raw, ent in _ENTITIES.items():
                if text.startswith(ent, i):
                    out.append(raw)
                    i += len(ent)
                    break
            else:
                out.append(ch)
                i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def truncate(text: str, limit: int = TEXT_LIMIT) -> str:
    """Cut plain text (before escaping) to ``limit`` characters."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


def safe_text(text: str | None, limit: int = TEXT_LIMIT) -> str:
    return escape(truncate(text or "", limit))


_URL_OK = re.compile(r"^https?://[^\s<>\"'\\]+$", re.IGNORECASE)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL for ``Action.OpenUrl`` (never put into markdown); else None."""
    if not url:
        return None
    value = url.strip()
    if len(value) > 2000 or not _URL_OK.match(value):
        return None
    return value


# --------------------------------------------------------------------- labels


def who(actor: str | None) -> str:
    """An actor key for display (ids only; never a live mention)."""
    if not actor:
        return "nobody"
    platform, _, rest = actor.partition(":")
    if platform == "system":
        return "Countersign"
    if platform == "teams":
        return "a Teams user"
    if platform == "slack":
        return "a Slack user"
    return escape(rest or actor)[:80]


def when(dt: datetime | None) -> str:
    """An Adaptive Card date function: each reader sees their own time zone."""
    if dt is None:
        return "—"
    utc = aware(dt).astimezone(UTC)
    iso = utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{{{{DATE({iso}, SHORT)}}}} {{{{TIME({iso})}}}}"


def short_hash(sha: str | None) -> str:
    return f"{sha[:12]}…" if sha else "—"


# --------------------------------------------------------------------- elements


def text_block(text: str, **extra: Any) -> dict[str, Any]:
    """A TextBlock of text WE composed (untrusted parts already escaped)."""
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


def action(title: str, verb: ActionId, value: ButtonValue, *, style: str | None = None) -> Card:
    """``Action.Execute`` with a ``verb`` and ids-only data, and an ``Action.Submit``
    fallback that carries the verb in its data."""
    encoded = value.encode()
    out: Card = {
        "type": "Action.Execute",
        "title": title,
        "verb": verb.value,
        "data": {"value": encoded},
        "fallback": {
            "type": "Action.Submit",
            "title": title,
            "data": {"verb": verb.value, "value": encoded},
        },
    }
    if style:
        out["style"] = style
    return out


def reason_action(title: str, verb: ActionId, value: ButtonValue, placeholder: str) -> Card:
    """``Action.ShowCard`` asking for a reason (``Input.Text`` id ``reason``) then the
    execute button; Teams merges the input into the action's data."""
    return {
        "type": "Action.ShowCard",
        "title": title,
        "card": {
            "type": "AdaptiveCard",
            "body": [
                {
                    "type": "Input.Text",
                    "id": "reason",
                    "isMultiline": True,
                    "maxLength": 1000,
                    "placeholder": placeholder,
                    "isRequired": True,
                    "errorMessage": "A reason is required",
                }
            ],
            "actions": [action(title, verb, value)],
        },
    }


def buttons(value: ButtonValue, shown: Sequence[ActionId], **titles: str) -> list[Card]:
    """Card actions for what the core offers: a reason form for actions that need one."""
    out: list[Card] = []
    for verb in shown:
        spec = CATALOGUE[verb]
        title = titles.get(verb.value, spec.label)
        if spec.needs is Needs.REASON:
            out.append(reason_action(title, verb, value, spec.prompt))
        else:
            out.append(action(title, verb, value, style="positive" if spec.primary else None))
    return out


def card(body: list[dict[str, Any]], actions: list[Card] | None = None) -> Card:
    out: Card = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "msteams": {"width": "Full"},
        "body": body,
    }
    if actions:
        out["actions"] = actions
    return out


def live_actions(c: Card, usable: Callable[[str, str], bool]) -> Card:
    """``c`` with only the buttons ``usable(verb, value)`` still allows: an
    ``Action.Execute`` (or the ``Action.ShowCard`` form around one) whose verb and value
    are no longer usable is dropped; links and everything else stay."""

    def live(a: Any) -> bool:
        if not isinstance(a, dict):
            return True
        if a.get("type") == "Action.ShowCard":
            inner = (a.get("card") or {}).get("actions") or []
            return all(live(x) for x in inner)
        if a.get("type") != "Action.Execute":
            return True
        value = str((a.get("data") or {}).get("value") or "")
        return usable(str(a.get("verb") or ""), value)

    actions = c.get("actions")
    if not actions:
        return c
    kept = [a for a in actions if live(a)]
    if len(kept) == len(actions):
        return c
    out = {k: v for k, v in c.items() if k != "actions"}
    if kept:
        out["actions"] = kept
    return out


def has_buttons(c: Card) -> bool:
    """Whether ``c`` offers an action that runs something (not only links)."""
    return any(
        isinstance(a, dict) and a.get("type") != "Action.OpenUrl" for a in c.get("actions") or []
    )


def attachment(c: Card) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": c}


# --------------------------------------------------------------------- mention card


def _signed(rev: RevisionView, role: str) -> str:
    s = rev.signed_by(role)
    return f"✅ {who(s.actor)}" if s else "⏳ waiting"


def state_facts(m: MentionView) -> list[dict[str, str]]:
    facts = [{"title": "State", "value": STATE_LABEL.get(m.state, escape(m.state))}]
    if m.assignee and m.state not in (
        State.RELEASED,
        State.TAKEN_DOWN,
        State.DISMISSED,
        State.IGNORED,
    ):
        facts.append({"title": "Owner", "value": who(m.assignee)})
    rev = m.latest
    if rev is not None and m.state not in (State.OPEN, State.IGNORED):
        how = REVISION_STATE_LABEL.get(rev.state, escape(rev.state))
        facts.append({"title": "Draft", "value": f"revision {rev.number} ({how})"})
        if m.state in (State.IN_REVIEW, State.APPROVED, State.RELEASED, State.PUBLISH_FAILED):
            facts.append({"title": "Marketing", "value": _signed(rev, "marketing")})
            facts.append({"title": "Risk", "value": _signed(rev, "risk")})
    if m.state == State.RELEASED:
        facts.append({"title": "Published", "value": when(m.published_at)})
        facts.append({"title": "SHA-256", "value": short_hash(m.published_hash)})
    return facts


def mention_actions(m: MentionView) -> list[Card]:
    """What the channel can do with the mention now (the core decides)."""
    draft = "Edit draft" if m.latest is not None else "Draft reply"
    shown = pick(m, ON_MENTION)
    out = buttons(ButtonValue(m.id), shown, mention_draft=draft)
    if ActionId.MENTION_DRAFT not in shown:
        return out  # nothing more to write: no link to the review either
    url = safe_url(m.url)
    if url:
        out.append({"type": "Action.OpenUrl", "title": "Open the review", "url": url})
    return out


def mention_card(m: MentionView, *, now: datetime | None = None) -> Card:
    """The channel card for a mention: id, platform, stars, author, escaped text (cut),
    link, severity, SLA due time, state and who signed, and the buttons for its state."""
    plat = platform_label(m.platform)
    facts = [
        {"title": "Author", "value": safe_text(m.author or "unknown", 200)},
        {"title": "Severity", "value": escape(m.severity)},
    ]
    if m.severity_reasons:
        facts[-1]["value"] += " (" + safe_text(", ".join(m.severity_reasons), 300) + ")"
    if m.sla_due_at is not None and m.state in (
        State.OPEN,
        State.DRAFTING,
        State.IN_REVIEW,
        State.PUBLISH_FAILED,
    ):
        due = when(m.sla_due_at)
        if m.overdue(now):
            due += " ⚠️ overdue"
        facts.append({"title": "Reply due", "value": due})
    if safe_url(m.url):
        facts.append({"title": "Link", "value": f"Open on {plat} (button below)"})
    body: list[dict[str, Any]] = [
        text_block(f"{m.ref} · {plat} · {stars(m.rating)}", size="Medium", weight="Bolder"),
        {"type": "FactSet", "facts": facts},
    ]
    if m.redacted or m.text is None:
        body.append(
            text_block("The mention text was removed under the retention policy.", isSubtle=True)
        )
    else:
        body.append(
            {
                "type": "Container",
                "style": "emphasis",
                "items": [text_block(safe_text(m.text))],
            }
        )
    body.append({"type": "FactSet", "facts": state_facts(m)})
    return card(body, mention_actions(m))


LISTING_CAP = 100  # mentions per listing card (as many as a Slack listing)
LISTING_INPUT = "value"  # the choice lands in the action's data as its button value


def _age(m: MentionView, now: datetime) -> str:
    if m.received_at is None:
        return "—"
    minutes = m.age_minutes(now)
    return "just now" if minutes < 1 else f"{minutes} min ago"


def listing_card(mentions: Sequence[MentionView], *, now: datetime) -> Card:
    """One listing card of a burst: up to ``LISTING_CAP`` new mentions grouped by
    severity, then platform, one line each (id, severity, platform, age: no author, no
    text), and an "Open a mention" choice whose ``digest_open`` action posts that
    mention's own card (with its buttons) and starts its thread."""
    shown = list(mentions)[:LISTING_CAP]
    n = len(shown)
    title = f"{n} new negative mention{'s' if n != 1 else ''} arrived together"
    body: list[dict[str, Any]] = [
        text_block(title, size="Medium", weight="Bolder"),
        text_block(
            "Listed here to keep the channel readable; nothing was dropped. Choose one under "
            "Open a mention to post it with its buttons and start its thread (acting on a "
            "mention does the same).",
            isSubtle=True,
        ),
    ]
    for severity, platform, group in listing_groups(shown):
        plat = escape(platform_label(platform))
        lines = [f"- **{m.ref}** · {escape(m.severity)} · {plat} · {_age(m, now)}" for m in group]
        body.append(text_block(f"**{escape(severity)} · {plat}** ({len(group)})", spacing="Medium"))
        body.append(text_block("\n".join(lines)))
    if not shown:
        return card(body)
    body.append(
        {
            "type": "Input.ChoiceSet",
            "id": LISTING_INPUT,
            "label": "Open a mention",
            "style": "compact",
            "isRequired": True,
            "errorMessage": "Choose a mention",
            "choices": [
                {
                    # a choice title is plain text (no markdown): our labels, cut short
                    "title": f"{m.ref} · {m.severity} · {platform_label(m.platform)[:40]}",
                    "value": ButtonValue(m.id).encode(),
                }
                for m in shown
            ],
        }
    )
    verb = ActionId.DIGEST_OPEN.value
    label = CATALOGUE[ActionId.DIGEST_OPEN].label
    opener: Card = {
        "type": "Action.Execute",
        "title": label,
        "verb": verb,
        "data": {},
        "fallback": {"type": "Action.Submit", "title": label, "data": {"verb": verb}},
    }
    return card(body, [opener])


def redacted_card(ref: str) -> Card:
    return card([text_block(f"{escape(ref)}: text removed under the retention policy.")])


# --------------------------------------------------------------------- revisions


def signoff_actions(m: MentionView, rev: RevisionView) -> list[Card]:
    """The review buttons still of use on ``rev`` (a role that signed loses its button;
    the card is redrawn after every click)."""
    if rev.state == RevisionState.SUPERSEDED:
        return []
    return buttons(ButtonValue(m.id, rev.number), pick(replace(m, latest=rev), ON_REVISION))


def _draft_body(text: str | None) -> dict[str, Any]:
    if text is None:
        return text_block("The draft text was removed under the retention policy.", isSubtle=True)
    return {"type": "Container", "style": "emphasis", "items": [text_block(safe_text(text))]}


def revision_card(m: MentionView, rev: RevisionView) -> Card:
    """A draft that passed the screen (or was cleared by risk): text, hash, buttons."""
    how = "passed the PHI screen"
    if rev.state == RevisionState.CLEARED:
        how = f"was cleared by a risk approver ({len(rev.findings)} finding(s) overridden)"
    body = [
        text_block(
            f"📝 **Revision {rev.number}** of **{m.ref}** by {who(rev.author)} {how}. It needs "
            "a marketing **and** a risk sign-off, by two people who did not write it."
        ),
        _draft_body(rev.text),
        text_block(
            f"SHA-256 {short_hash(rev.text_sha256)} · any edit makes a new revision",
            isSubtle=True,
            size="Small",
        ),
    ]
    facts = [
        {"title": "Marketing", "value": _signed(rev, "marketing")},
        {"title": "Risk", "value": _signed(rev, "risk")},
    ]
    body.append({"type": "FactSet", "facts": facts})
    return card(body, signoff_actions(m, rev))


def blocked_notice(m: MentionView, rev: RevisionView) -> Card:
    """For the channel: only that a draft was blocked and the kinds of finding."""
    n = len(rev.findings)
    return card(
        [
            text_block(
                f"⛔ **Revision {rev.number}** of **{m.ref}** by {who(rev.author)} was "
                f"**blocked** by the PHI screen: {n} finding{'s' if n != 1 else ''} "
                f"({kinds_text(rev.finding_kinds)})."
            ),
            text_block(
                "The draft and the flagged words are shown only to its author and to risk "
                "approvers, in their personal chat with Countersign.",
                isSubtle=True,
                size="Small",
            ),
        ]
    )


def finding_line(f: FindingView) -> str:
    line = f"**{f.idx + 1}. {kind_label(f.kind)}** “{safe_text(f.text, 200)}” — "
    line += safe_text(f.reason, 300)
    if f.suggestion:
        line += f" _Suggestion: {safe_text(f.suggestion, 300)}_"
    if f.overridden_by:
        line += f" — ✅ overridden by {who(f.overridden_by)}"
    return line


def private_blocked(m: MentionView, rev: RevisionView, *, for_risk: bool = False) -> Card:
    """For the author (or a risk approver) in a personal chat: the blocked draft, each
    finding with its words, reason and suggestion; override buttons for risk."""
    audience = "risk approvers" if for_risk else "you"
    body = [
        text_block(
            f"🔒 **Only {audience} see this.** Revision {rev.number} of **{m.ref}** was "
            "blocked by the PHI screen."
        ),
        _draft_body(rev.text),
    ]
    body.extend(text_block(finding_line(f)) for f in rev.findings[:MAX_FINDINGS])
    body.append(
        text_block(
            f"Fix it with `draft {m.ref} <new text>`, or ask a risk approver to review it.",
            isSubtle=True,
            size="Small",
        )
    )
    reader = Viewer("", frozenset({Role.RISK})) if for_risk else Viewer(rev.author)
    offer = set(offered(replace(m, latest=rev, actions=None), reader))
    actions: list[Card] = []
    if for_risk and ActionId.REPLY_OVERRIDE_PHI in offer:
        for f in rev.open_findings[:MAX_FINDINGS]:
            actions.extend(
                buttons(
                    ButtonValue(m.id, rev.number, f.idx),
                    (ActionId.REPLY_OVERRIDE_PHI,),
                    reply_override_phi=f"Override {f.idx + 1} ({kind_label(f.kind)})",
                )
            )
    elif not for_risk and ActionId.REPLY_SEND_TO_RISK in offer:
        actions.extend(buttons(ButtonValue(m.id, rev.number), (ActionId.REPLY_SEND_TO_RISK,)))
    return card(body, actions)


def check_result(verdict: str, findings: Sequence[Any]) -> Card:
    """``check <text>``: the verdict and findings (personal chat only; nothing stored)."""
    if verdict != "block":
        return card([text_block("✅ No PHI found. Nothing was stored.")])
    body = [text_block(f"⛔ **Blocked**: {len(findings)} finding(s). Nothing was stored.")]
    for i, f in enumerate(findings[:MAX_FINDINGS]):
        line = f"**{i + 1}. {kind_label(f.kind)}** “{safe_text(f.text, 200)}” — "
        line += safe_text(f.reason, 300)
        if getattr(f, "suggestion", ""):
            line += f" _Suggestion: {safe_text(f.suggestion, 300)}_"
        body.append(text_block(line))
    return card(body)


# --------------------------------------------------------------------- notes


def note(text: str) -> Card:
    return card([text_block(text)])


def signoff_note(m: MentionView, rev: RevisionView, role: str, complete: bool) -> Card:
    if complete:
        return note(
            f"✅✅ **Revision {rev.number}** of **{m.ref}** is approved by marketing and risk. "
            "Releasing it now."
        )
    other = next(r.value for r in APPROVER_ROLES if r != role)
    return note(
        f"✅ Revision {rev.number} of **{m.ref}** was signed off as {escape(role)}. "
        f"Waiting for {other}."
    )


def changes_requested_note(m: MentionView, rev: RevisionView, role: str) -> Card:
    s = next((x for x in rev.signoffs if x.role == role and x.decision == "changes"), None)
    body = [
        text_block(
            f"✋ The {escape(role)} approver requested changes to **revision {rev.number}** "
            f"of **{m.ref}**."
        )
    ]
    if s is not None and s.reason:
        body.append(_draft_body(s.reason))
    edit = announced(replace(m, latest=rev), State.DRAFTING, (ActionId.REPLY_EDIT,))
    return card(body, buttons(ButtonValue(m.id, rev.number), edit))


def override_note(m: MentionView, rev: RevisionView, finding: int, cleared: bool) -> Card:
    f = next((x for x in rev.findings if x.idx == finding), None)
    kind = kind_label(f.kind) if f else "a finding"
    text = (
        f"☑️ A risk approver overrode finding {finding + 1} ({kind}) of revision "
        f"{rev.number} of **{m.ref}** as a false positive, with a recorded reason."
    )
    left = len(rev.open_findings)
    if not cleared and left:
        text += f" {left} finding{'s' if left != 1 else ''} still open."
    return note(text)


def released_note(m: MentionView, number: int, manual: bool) -> Card:
    plat = platform_label(m.platform)
    how = f"posted by hand on {plat}" if manual else f"published to {plat}"
    return card(
        [
            text_block(f"🚀 **Released:** revision {number} of **{m.ref}** was {how}."),
            text_block(
                f"SHA-256 of the published text: {escape(m.published_hash or '—')}",
                isSubtle=True,
                size="Small",
            ),
        ]
    )


def publish_failed_note(m: MentionView, number: int, code: str) -> Card:
    plat = platform_label(m.platform)
    safe_code = re.sub(r"[^A-Za-z0-9_.-]", "", code)[:64] or "unknown"
    return card(
        [
            text_block(
                f"⚠️ **Publishing revision {number} of {m.ref} to {plat} failed** "
                f"({escape(safe_code)}). Choose: retry, post it by hand, or write a new revision."
            )
        ],
        buttons(
            ButtonValue(m.id, number),
            announced(m, State.PUBLISH_FAILED, ON_PUBLISH_FAILURE),
            reply_mark_posted="I posted it by hand",
            reply_edit="Edit (new revision)",
        ),
    )


def taken_down_note(m: MentionView) -> Card:
    return note(
        f"🗑️ The released reply to **{m.ref}** was **taken down** by a risk approver or "
        "admin. An incident note records why, when it was published and removed, the "
        "text's hash and the screening history; a breach risk assessment is due (HIPAA "
        "notification runs on a 60-day clock)."
    )


def refusal_note(ref: str, action_name: str, code: str, actor: str | None = None) -> Card:
    """For the thread: who was refused what, and why in plain words (the full answer went
    to that person only, in their personal chat or the card)."""
    what = request_label(action_name)
    why = refusal_reason(code) or "refused"
    short = re.sub(r"[^a-z_]", "", code.lower()).replace("_", " ") or "refused"
    if actor:
        text = f"{who(actor)} asked for {escape(what)} on {escape(ref)}; it was refused"
    else:
        text = f"{escape(what[:1].upper() + what[1:])} on {escape(ref)} was refused"
    return card([text_block(f"🚫 {text} ({short}): {escape(why)}.", isSubtle=True, size="Small")])


def risk_review_note(m: MentionView, rev: RevisionView) -> Card:
    return note(
        f"🔍 Blocked revision {rev.number} of **{m.ref}** was sent to risk for review "
        f"({kinds_text(rev.finding_kinds)}). Risk approvers see the details in their "
        "personal chat."
    )


def manual_publish_card(m: MentionView, rev: RevisionView) -> Card:
    """The approved text for posting by hand, with a ``Mark as posted`` button."""
    plat = platform_label(m.platform)
    body = [
        text_block(
            f"📣 **Ready to post by hand:** copy the approved text of revision {rev.number} "
            f"of **{m.ref}** exactly, post it as the reply on {plat}, then press Mark as posted."
        ),
        _draft_body(rev.text),
        text_block(f"SHA-256 of the approved text: {escape(rev.text_sha256)}", size="Small"),
    ]
    actions = buttons(ButtonValue(m.id, rev.number), (ActionId.REPLY_MARK_POSTED,))
    url = safe_url(m.url)
    if url:
        actions.append({"type": "Action.OpenUrl", "title": "Open the review", "url": url})
    return card(body, actions)


# --------------------------------------------------------------------- queue and status


def queue_card(q: Queue, *, limit: int = 30) -> Card:
    if not q.items:
        return note("🎉 Nothing waits for you.")
    body = [text_block(f"**Your queue** ({len(q.items)})", size="Medium")]
    for item in q.items[:limit]:
        m = item.mention
        body.append(
            text_block(
                f"**{m.ref}** · {platform_label(m.platform)} · {stars(m.rating)} · "
                f"{STATE_LABEL.get(m.state, escape(m.state))} — {escape(item.why)}"
            )
        )
    if len(q.items) > limit:
        body.append(text_block(f"…and {len(q.items) - limit} more.", isSubtle=True))
    return card(body)


def status_card(s: Status, *, show_blocked_text: bool = False, history_limit: int = 15) -> Card:
    """State and history. A blocked revision's text only when ``show_blocked_text``
    (the author or a risk approver, in a personal chat)."""
    m = s.mention
    body: list[dict[str, Any]] = [
        text_block(
            f"**{m.ref}** · {platform_label(m.platform)} · {stars(m.rating)}", size="Medium"
        ),
        {"type": "FactSet", "facts": state_facts(m)},
    ]
    for r in s.revisions[-5:]:
        line = f"Revision {r.number}: {escape(r.state)} · SHA-256 {short_hash(r.text_sha256)}"
        if r.findings:
            line += f" · findings: {kinds_text(r.finding_kinds)}"
        body.append(text_block(line, size="Small"))
    # The core left a blocked draft's text in only for a person who may read it, in a
    # conversation only they see.
    if m.latest is not None and m.latest.text is not None:
        if not m.latest.blocked_text or show_blocked_text:
            body.append(_draft_body(m.latest.text))
    history = [
        f"{when(h.at)} · {escape(h.action)} · {escape(h.outcome)}"
        + (f" · r{h.revision_number}" if h.revision_number else "")
        for h in s.history[-history_limit:]
    ]
    if history:
        body.append(text_block("**History**"))
        body.append(text_block("\n\n".join(history), size="Small"))
    return card(body)


def help_card(text: str) -> Card:
    return card([text_block(text)])


__all__ = [
    "CARD_CONTENT_TYPE",
    "attachment",
    "blocked_notice",
    "check_result",
    "escape",
    "has_buttons",
    "listing_card",
    "live_actions",
    "mention_card",
    "private_blocked",
    "queue_card",
    "revision_card",
    "status_card",
]
