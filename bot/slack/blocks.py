"""Pure Block Kit builders for what the bot posts in the channel, its threads, direct
messages and App Home. No I/O.

Rules every builder follows:
- every untrusted string (mention text, author, draft text, reasons, flagged words) goes
  through ``mrkdwn.escape`` and sits in a ``verbatim`` mrkdwn object, so nothing from
  outside becomes a live ``<!channel>``, ``<@U…>``, ``<#C…>`` or ``<url|label>``; the only
  live tokens are ours: user mentions built from stored Slack user ids, ``<!date^…>``
  times and links whose URL was sanitised by ``safe_url``;
- button values carry ids and the revision number only (``ButtonValue``), never text;
- the channel never sees the words a finding flagged nor a blocked draft's text: those
  appear only in the builders named ``private_…`` (ephemeral messages and DMs to the
  author and risk approvers);
- Block Kit limits hold (section text 3000 characters, 50 blocks a message, 100 a view).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

from bot.slack.mrkdwn import escape
from workflows.actions import (
    CATALOGUE,
    ON_HOME,
    ON_MENTION,
    ON_PUBLISH_FAILURE,
    ON_REVISION,
    ActionId,
    ButtonValue,
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
from workflows.views import FindingView, MentionView, Queue, RevisionView, listing_groups

Block = dict[str, Any]

SECTION_LIMIT = 3000
TEXT_BUDGET = 2900  # what untrusted text may use of a section, leaving room for markup
MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
FALLBACK_LIMIT = 300
FULL_TEXT_ACTION = ActionId.MENTION_FULL_TEXT.value  # "See full text": opens a modal
MAX_CONTINUATIONS = 12

SEVERITY_ICON = {
    "critical": ":red_circle:",
    "high": ":large_orange_circle:",
    "normal": ":white_circle:",
}
_SLACK_USER = re.compile(r"^slack:([UW][A-Z0-9]{2,30})$")
_URL_OK = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)


@dataclass(frozen=True)
class SlackMessage:
    """``text`` is the notification fallback (never carries mention or draft text)."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


# ------------------------------------------------------------------------- primitives


def _md(text: str, *, verbatim: bool = True) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": verbatim}


def _plain(text: str, limit: int = 75) -> dict[str, Any]:
    value = text if len(text) <= limit else text[: limit - 1] + "…"
    return {"type": "plain_text", "text": value, "emoji": True}


def section(text: str, accessory: Block | None = None) -> Block:
    """A mrkdwn section from already-escaped text (cut to the section limit)."""
    if len(text) > SECTION_LIMIT:
        text = _cut_escaped(text, SECTION_LIMIT)
    block: Block = {"type": "section", "text": _md(text)}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def context(*parts: str) -> Block:
    elements = [
        _md(p if len(p) <= SECTION_LIMIT else _cut_escaped(p, SECTION_LIMIT)) for p in parts if p
    ]
    return {"type": "context", "elements": elements[:10] or [_md(" ")]}


def header(text: str) -> Block:
    return {"type": "header", "text": _plain(text, 150)}


def button(
    label: str,
    action: ActionId | str,
    value: ButtonValue,
    *,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> Block:
    el: Block = {
        "type": "button",
        "action_id": str(action),
        "text": _plain(label),
        "value": value.encode(),
    }
    if style:
        el["style"] = style
    if confirm:
        el["confirm"] = confirm
    return el


def actions(block_id: str, *elements: Block) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)[:25]}


def _cut_escaped(text: str, limit: int) -> str:
    """Cut already-escaped mrkdwn without splitting an entity."""
    cut = text[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def fit(
    raw: str,
    budget: int = TEXT_BUDGET,
    render: Callable[[str], str] = escape,
    *,
    ellipsis: str = "…",
) -> tuple[str, str]:
    """Render the longest prefix of ``raw`` whose rendering (with ``ellipsis`` when cut)
    fits ``budget`` characters; returns (rendered, the raw rest). With ``ellipsis=""``
    the cut is exact (the pieces join back to ``raw``), for text people sign or copy."""
    whole = render(raw)
    if len(whole) <= budget:
        return whole, ""
    lo, hi = 0, len(raw)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(render(raw[:mid] + ellipsis)) <= budget:
            lo = mid
        else:
            hi = mid - 1
    cut = max(lo, 1)
    if not ellipsis:
        return render(raw[:cut]), raw[cut:]
    space = raw.rfind(" ", max(0, cut - 80), cut)  # prefer a word boundary
    if space > 0:
        cut = space
    return render(raw[:cut].rstrip() + ellipsis), raw[cut:].lstrip()


def chunks(
    raw: str,
    budget: int = TEXT_BUDGET,
    limit: int = MAX_CONTINUATIONS,
    render: Callable[[str], str] = escape,
) -> list[str]:
    """Rendered pieces of ``raw`` cut exactly (nothing lost between pieces), each within
    ``budget``; at most ``limit`` pieces, the last marked "…" if text remained."""
    out: list[str] = []
    rest = raw
    while rest and len(out) < limit:
        piece, rest = fit(rest, budget, render, ellipsis="")
        out.append(piece)
    if rest and out:
        out[-1] = _cut_escaped(out[-1], budget)
    return out


def quote_lines(escaped: str) -> str:
    """Blockquote already-escaped text (each line starts with a literal ``>``)."""
    return "\n".join("> " + line if line else ">" for line in escaped.split("\n"))


def _quoted(raw: str) -> str:
    return quote_lines(escape(raw))


def _code(raw: str) -> str:
    return f"```{escape(raw)}```"


def safe_url(url: str | None) -> str | None:
    """An http(s) URL that cannot end or split a Slack link: ``<``, ``>``, ``|``, spaces
    and quotes are percent-encoded and ``&`` becomes ``&amp;``; anything else is refused."""
    if not url:
        return None
    value = url.strip()
    if not _URL_OK.match(value) or len(value) > 2000:
        return None
    encoded = quote(value, safe=":/?#[]@!$&'()*+,;=%~-._")
    return encoded.replace("&", "&amp;")


def link(url: str | None, label: str) -> str:
    """``<url|label>`` for a sanitised URL and a label we wrote (not untrusted)."""
    safe = safe_url(url)
    if safe is None:
        return ""
    return f"<{safe}|{escape(label)}>"


def who(actor: str | None) -> str:
    """An actor key as mrkdwn: a live mention for a Slack user id we stored, otherwise
    the escaped name."""
    if not actor:
        return "nobody"
    m = _SLACK_USER.match(actor)
    if m:
        return f"<@{m.group(1)}>"
    platform, _, rest = actor.partition(":")
    if platform == "system":
        return "Countersign"
    if platform == "teams":
        return "a Teams user"
    return escape(rest or actor)


def when(dt: datetime | None, fmt: str = "{date_short_pretty} {time}") -> str:
    """A Slack date token: each reader sees their own time zone; the fallback is UTC."""
    if dt is None:
        return "—"
    dt = aware(dt)
    fallback = dt.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(dt.timestamp())}^{fmt}|{fallback}>"


def short_hash(sha: str | None) -> str:
    return f"`{sha[:12]}…`" if sha else "—"


def _sev(severity: str) -> str:
    return SEVERITY_ICON.get(severity, ":white_circle:") + " " + escape(severity)


def _signed(rev: RevisionView, role: str) -> str:
    s = rev.signed_by(role)
    return f":white_check_mark: {who(s.actor)}" if s else ":hourglass_flowing_sand: waiting"


def _fallback(text: str) -> str:
    return escape(text[:FALLBACK_LIMIT])


# ------------------------------------------------------------------------- parent message


def state_line(m: MentionView) -> str:
    """The mention's state and who holds what."""
    label = STATE_LABEL.get(m.state, escape(m.state))
    parts = [f"*State:* {label}"]
    if m.assignee and m.state not in (
        State.RELEASED,
        State.TAKEN_DOWN,
        State.DISMISSED,
        State.IGNORED,
    ):
        parts.append(f"*Owner:* {who(m.assignee)}")
    rev = m.latest
    if rev is not None and m.state not in (State.OPEN, State.IGNORED):
        rev_state = REVISION_STATE_LABEL.get(rev.state, escape(rev.state))
        parts.append(f"*Draft:* revision {rev.number} by {who(rev.author)} ({rev_state})")
        if m.state in (State.IN_REVIEW, State.APPROVED, State.RELEASED, State.PUBLISH_FAILED):
            parts.append(f"*Marketing:* {_signed(rev, 'marketing')}")
            parts.append(f"*Risk:* {_signed(rev, 'risk')}")
    if m.state == State.RELEASED:
        parts.append(
            f"*Published:* {when(m.published_at)}"
            + (
                f" by {who(m.posted_by)}"
                if m.posted_by and m.posted_by.startswith("slack:")
                else ""
            )
        )
        parts.append(f"*SHA-256:* {short_hash(m.published_hash)}")
    return "\n".join(parts)


def _style(action: ActionId) -> str | None:
    spec = CATALOGUE[action]
    return "danger" if spec.danger else "primary" if spec.primary else None


def _buttons(block_id: str, value: ButtonValue, shown: Sequence[ActionId], **labels: str) -> Block:
    """Buttons for the actions the core offers (ids and numbers only in the values)."""
    elements = [
        button(labels.get(a.value, CATALOGUE[a].label), a, value, style=_style(a)) for a in shown
    ]
    return actions(block_id, *elements)


def mention_buttons(m: MentionView) -> Block | None:
    """What the channel can do with the mention now (the core decides)."""
    shown = pick(m, ON_MENTION)
    if not shown:
        return None
    draft = "Edit draft" if m.latest is not None else "Draft reply"
    return _buttons(f"mention:{m.id}:{m.state}", ButtonValue(m.id), shown, mention_draft=draft)


def mention_message(
    m: MentionView, *, now: datetime | None = None, text_budget: int = TEXT_BUDGET
) -> SlackMessage:
    """The parent message for a mention: id, platform, stars, author, escaped text (cut
    within Block Kit limits, the rest in the thread and behind "See full text"), link,
    severity, SLA due time, state and who holds what, and the buttons for its state."""
    plat = platform_label(m.platform)
    blocks: list[Block] = [
        header(f"{m.ref} · {plat} · {stars(m.rating)}"),
    ]
    meta = [f"*Author:* {escape(m.author or 'unknown')}", f"*Severity:* {_sev(m.severity)}"]
    if m.severity_reasons:
        meta[-1] += " (" + escape(", ".join(m.severity_reasons)[:300]) + ")"
    if m.sla_due_at is not None and m.state in (
        State.OPEN,
        State.DRAFTING,
        State.IN_REVIEW,
        State.PUBLISH_FAILED,
    ):
        overdue = m.overdue(now)
        meta.append(
            f"*Reply due:* {when(m.sla_due_at)}" + (" :warning: *overdue*" if overdue else "")
        )
    url = link(m.url, f"Open on {plat}")
    if url:
        meta.append(url)
    blocks.append(section("  ·  ".join(meta)))

    if m.redacted or m.text is None:
        blocks.append(section("_The mention text was removed under the retention policy._"))
    else:
        body, rest = fit(m.text, text_budget, render=_quoted)
        accessory = button("See full text", FULL_TEXT_ACTION, ButtonValue(m.id)) if rest else None
        blocks.append(section(body, accessory))
        if rest:
            blocks.append(context(":thread: The full text continues in the thread."))
    blocks.append(section(state_line(m)))
    buttons = mention_buttons(m)
    if buttons is not None:
        blocks.append(buttons)
    fallback = f"{m.ref}: new {m.severity} mention on {plat} ({stars(m.rating)})"
    if m.state != State.OPEN:
        fallback = f"{m.ref} on {plat}: {STATE_LABEL.get(m.state, m.state)}"
    return SlackMessage(_fallback(fallback), blocks)


def continuation_messages(m: MentionView, text_budget: int = TEXT_BUDGET) -> list[SlackMessage]:
    """The rest of a long mention text, posted in its thread (empty when it fits)."""
    if m.redacted or m.text is None:
        return []
    _, rest = fit(m.text, text_budget, render=_quoted)
    if not rest:
        return []
    pieces = chunks(rest, text_budget, render=_quoted)
    out = []
    for i, piece in enumerate(pieces, start=1):
        blocks = [
            context(f"{m.ref} · full text, part {i + 1} of {len(pieces) + 1}"),
            section(piece),
        ]
        out.append(SlackMessage(_fallback(f"{m.ref}: full text, part {i + 1}"), blocks))
    return out


def removed_text_message(ref: str) -> SlackMessage:
    """What replaces a bot message when retention redacts its text."""
    return SlackMessage(
        _fallback(f"{ref}: text removed"),
        [section(f"*{escape(ref)}* — _text removed under the retention policy._")],
    )


REDACTED_LINE = "_removed under the retention policy_"


def carries_text(blocks: Sequence[Any]) -> bool:
    """Whether a message we built shows mention or draft text. Every builder renders
    that text quoted (``> ``) or in a code block, and ``escape`` turns an outside ``>``
    into ``&gt;``, so our own fixed wording never looks like that."""
    for value in text_fields(blocks):
        if "```" in value or any(line.startswith(">") for line in value.split("\n")):
            return True
    return False


def redact_digest_lines(blocks: Sequence[Any], ref: str) -> list[Block] | None:
    """A digest's blocks with the line for ``ref`` (which shows its author) replaced by
    a notice; None when no line names it."""
    start = f"• *{ref}* "
    changed = False

    def walk(node: Any) -> Any:
        nonlocal changed
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "text" and isinstance(value, str) and start in value:
                    lines = value.split("\n")
                    for i, line in enumerate(lines):
                        if line.startswith(start) and REDACTED_LINE not in line:
                            head = line.split(" · ")[:2]
                            lines[i] = " · ".join([*head, REDACTED_LINE])
                            changed = True
                    out[key] = "\n".join(lines)
                else:
                    out[key] = walk(value)
            return out
        if isinstance(node, list):
            return [walk(x) for x in node]
        return node

    result = walk(list(blocks))
    return result if changed else None


def live_buttons(blocks: Sequence[Any], usable: Callable[[str, str], bool]) -> list[Block] | None:
    """A message's blocks with only the buttons ``usable(action_id, value)`` still allows
    (an actions block left empty is dropped, a button accessory removed); None when every
    button stays, so nothing needs redrawing. Everything else is returned as it was."""
    changed = False

    def live(el: Any) -> bool:
        if not isinstance(el, dict) or el.get("type") != "button" or "value" not in el:
            return True
        return usable(str(el.get("action_id") or ""), str(el.get("value") or ""))

    out: list[Block] = []
    for blk in blocks:
        if not isinstance(blk, dict):
            out.append(blk)
            continue
        if blk.get("type") == "actions":
            elements = blk.get("elements") or []
            kept = [el for el in elements if live(el)]
            if len(kept) != len(elements):
                changed = True
                if kept:
                    out.append({**blk, "elements": kept})
                continue
        elif "accessory" in blk and not live(blk["accessory"]):
            changed = True
            blk = {k: v for k, v in blk.items() if k != "accessory"}
        out.append(blk)
    return out if changed else None


# ------------------------------------------------------------------------- thread notes


def _signoff_buttons(m: MentionView, rev: RevisionView) -> Block | None:
    shown = announced(replace(m, latest=rev), State.IN_REVIEW, ON_REVISION)
    if not shown:
        return None
    return _buttons(f"revision:{m.id}:{rev.number}", ButtonValue(m.id, rev.number), shown)


def _draft_sections(text: str | None) -> list[Block]:
    if text is None:
        return [section("_The draft text was removed under the retention policy._")]
    return [section(piece) for piece in chunks(text, TEXT_BUDGET, limit=8, render=_quoted)]


def revision_passed(m: MentionView, rev: RevisionView) -> SlackMessage:
    """A draft that passed the screen (or whose findings risk overrode): its text, hash
    and the sign-off buttons."""
    how = "passed the PHI screen"
    if rev.state == RevisionState.CLEARED:
        how = f"was cleared by a risk approver ({len(rev.findings)} finding(s) overridden)"
    blocks: list[Block] = [
        section(
            f":memo: *Revision {rev.number}* of *{m.ref}* by {who(rev.author)} {how}. "
            "It needs a marketing *and* a risk sign-off, by two people who did not write it."
        ),
        *_draft_sections(rev.text),
        context(f"SHA-256 {short_hash(rev.text_sha256)} · any edit makes a new revision"),
    ]
    buttons = _signoff_buttons(m, rev)
    if buttons is not None:
        blocks.append(buttons)
    return SlackMessage(_fallback(f"{m.ref}: revision {rev.number} is ready for sign-off"), blocks)


def revision_blocked(m: MentionView, rev: RevisionView) -> SlackMessage:
    """For the channel: only that a draft was blocked and the kinds of finding."""
    n = len(rev.findings)
    blocks = [
        section(
            f":no_entry: *Revision {rev.number}* of *{m.ref}* by {who(rev.author)} was "
            f"*blocked* by the PHI screen: {n} finding{'s' if n != 1 else ''} "
            f"({kinds_text(rev.finding_kinds)})."
        ),
        context(
            "The draft and the flagged words are shown only to its author and to risk "
            "approvers. The author can fix it or send it to risk for review."
        ),
    ]
    return SlackMessage(_fallback(f"{m.ref}: revision {rev.number} was blocked"), blocks)


def risk_review_requested(m: MentionView, rev: RevisionView) -> SlackMessage:
    blocks = [
        section(
            f":mag: {who(rev.author)} sent blocked *revision {rev.number}* of *{m.ref}* to "
            f"risk for review ({kinds_text(rev.finding_kinds)}). Risk approvers were sent "
            "the details directly."
        )
    ]
    return SlackMessage(_fallback(f"{m.ref}: revision {rev.number} sent to risk"), blocks)


def finding_line(f: FindingView, *, with_words: bool) -> str:
    base = f"*{f.idx + 1}. {kind_label(f.kind)}*"
    if with_words:
        words = escape((f.text or "")[:200])
        base += f" “{words}” — {escape(f.reason[:300])}"
        if f.suggestion:
            base += f" _Suggestion: {escape(f.suggestion[:300])}_"
    if f.overridden_by:
        base += f" — :white_check_mark: overridden by {who(f.overridden_by)}"
        if with_words and f.override_reason:
            base += f" (“{escape(f.override_reason[:300])}”)"
    return base


def private_blocked(m: MentionView, rev: RevisionView, *, for_risk: bool) -> SlackMessage:
    """For the author or a risk approver only (ephemeral message or DM): the blocked
    draft's text, each finding with its words, reason and suggestion, and the buttons
    (edit for the author; override per finding for risk)."""
    audience = "risk approvers" if for_risk else "you"
    blocks: list[Block] = [
        section(
            f":lock: *Only {audience} see this.* Revision {rev.number} of *{m.ref}* was "
            "blocked by the PHI screen."
        ),
        *_draft_sections(rev.text),
    ]
    lines = [finding_line(f, with_words=True) for f in rev.findings]
    for piece in _join_within("\n", lines, TEXT_BUDGET)[:5]:
        blocks.append(section(piece))
    reader = Viewer(rev.author) if not for_risk else Viewer("", frozenset({Role.RISK}))
    elements = []
    for action in offered(replace(m, latest=rev, actions=None), reader):
        if action is ActionId.REPLY_EDIT:
            elements.append(button("Edit draft", action, ButtonValue(m.id, rev.number)))
        elif action is ActionId.REPLY_OVERRIDE_PHI:
            elements.extend(
                button(
                    f"Override {f.idx + 1} ({kind_label(f.kind)})",
                    action,
                    ButtonValue(m.id, rev.number, f.idx),
                )
                for f in rev.open_findings[:20]
            )
    if elements:
        blocks.append(actions(f"private:{m.id}:{rev.number}", *elements))
    return SlackMessage(_fallback(f"{m.ref}: revision {rev.number} was blocked"), blocks)


def override_note(m: MentionView, rev: RevisionView, finding: int, cleared: bool) -> SlackMessage:
    """For the channel: an override happened (the reason stays private: it may quote the
    flagged words)."""
    f = next((x for x in rev.findings if x.idx == finding), None)
    kind = kind_label(f.kind) if f else "a finding"
    by = who(f.overridden_by) if f and f.overridden_by else "a risk approver"
    text = (
        f":ballot_box_with_check: {by} overrode finding {finding + 1} ({kind}) of "
        f"*revision {rev.number}* of *{m.ref}* as a false positive, with a recorded reason."
    )
    left = len(rev.open_findings)
    if not cleared and left:
        text += f" {left} finding{'s' if left != 1 else ''} still open."
    blocks = [section(text)]
    out = SlackMessage(_fallback(f"{m.ref}: a finding was overridden"), blocks)
    if cleared:
        passed = revision_passed(m, rev)
        out = SlackMessage(passed.text, blocks + passed.blocks)
    return out


def signoff_note(m: MentionView, rev: RevisionView, role: str, complete: bool) -> SlackMessage:
    s = rev.signed_by(role)
    by = who(s.actor) if s else "an approver"
    if complete:
        text = (
            f":white_check_mark::white_check_mark: *Revision {rev.number}* of *{m.ref}* is "
            f"approved: marketing {who(_actor(rev, 'marketing'))}, risk "
            f"{who(_actor(rev, 'risk'))}. Releasing it now."
        )
    else:
        other = next(r.value for r in APPROVER_ROLES if r != role)
        text = (
            f":white_check_mark: {by} signed off *revision {rev.number}* of *{m.ref}* as "
            f"{escape(role)}. Waiting for {other}."
        )
    return SlackMessage(
        _fallback(f"{m.ref}: {role} signed off revision {rev.number}"), [section(text)]
    )


def _actor(rev: RevisionView, role: str) -> str | None:
    s = rev.signed_by(role)
    return s.actor if s else None


def changes_requested_note(m: MentionView, rev: RevisionView, role: str) -> SlackMessage:
    s = next((x for x in rev.signoffs if x.role == role and x.decision == "changes"), None)
    by = who(s.actor) if s else f"the {escape(role)} approver"
    reason = escape((s.reason or "")[:1000]) if s else ""
    text = (
        f":raised_hand: {by} ({escape(role)}) requested changes to *revision {rev.number}* "
        f"of *{m.ref}*."
    )
    blocks = [section(text)]
    if reason:
        blocks.append(section(quote_lines(reason)))
    edit = announced(replace(m, latest=rev), State.DRAFTING, (ActionId.REPLY_EDIT,))
    if edit:
        blocks.append(_buttons(f"changes:{m.id}:{rev.number}", ButtonValue(m.id, rev.number), edit))
    return SlackMessage(_fallback(f"{m.ref}: changes requested"), blocks)


def released_note(m: MentionView, number: int, manual: bool) -> SlackMessage:
    plat = platform_label(m.platform)
    how = f"posted by hand on {plat} by {who(m.posted_by)}" if manual else f"published to {plat}"
    blocks = [
        section(f":rocket: *Released:* revision {number} of *{m.ref}* was {how}."),
        context(
            f"SHA-256 of the published text: `{escape(m.published_hash or '—')}`"
            + (f" · {link(m.url, 'Open the review')}" if safe_url(m.url) else "")
        ),
    ]
    return SlackMessage(_fallback(f"{m.ref}: reply released"), blocks)


def publish_failed_note(m: MentionView, number: int, code: str) -> SlackMessage:
    plat = platform_label(m.platform)
    safe_code = re.sub(r"[^A-Za-z0-9_.:-]", "", code)[:64] or "unknown"
    blocks = [
        section(
            f":warning: *Publishing revision {number} of {m.ref} to {plat} failed* "
            f"(`{safe_code}`). Choose: retry, post it by hand, or write a new revision."
        ),
    ]
    shown = announced(m, State.PUBLISH_FAILED, ON_PUBLISH_FAILURE)
    if shown:
        blocks.append(
            _buttons(
                f"failed:{m.id}:{number}",
                ButtonValue(m.id, number),
                shown,
                reply_mark_posted="I posted it by hand",
                reply_edit="Edit (new revision)",
                reply_retry_publish="Retry publishing",
            )
        )
    return SlackMessage(_fallback(f"{m.ref}: publishing failed"), blocks)


def taken_down_note(m: MentionView) -> SlackMessage:
    blocks = [
        section(
            f":wastebasket: The released reply to *{m.ref}* was *taken down* by a risk "
            "approver or admin. An incident note records why, when it was published and "
            "removed, the text's hash and the screening history; a breach risk assessment "
            "is due (HIPAA notification runs on a 60-day clock)."
        )
    ]
    if m.platform.lower() not in ("google", "gbp", "facebook", "x", "twitter", "yelp"):
        blocks.append(context(f"Delete the reply on {platform_label(m.platform)} by hand."))
    return SlackMessage(_fallback(f"{m.ref}: reply taken down"), blocks)


def platform_note(m: MentionView, message: str) -> SlackMessage:
    """A note from the review-platform publishers (plain words and ids, escaped)."""
    blocks = [
        section(f":satellite_antenna: *{m.ref}* ({platform_label(m.platform)}): {escape(message)}")
    ]
    return SlackMessage(_fallback(f"{m.ref}: note from {platform_label(m.platform)}"), blocks)


def delivery_failed_note(m: MentionView, what: str) -> SlackMessage:
    """A notification about this mention gave up after its retries."""
    text = (
        f":warning: *{m.ref}*: the {escape(what)} notification could not be delivered after "
        "repeated attempts. Check this thread against `/reply status "
        f"{m.ref}` before acting."
    )
    return SlackMessage(_fallback(f"{m.ref}: a notification was not delivered"), [section(text)])


def duration_text(minutes: int) -> str:
    """``70`` → ``1 h 10 min``; days for long waits (``1 d 2 h``)."""
    minutes = max(0, int(minutes))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def sla_overdue_note(m: MentionView, minutes: int, *, escalated: bool) -> SlackMessage:
    """In the mention's thread: the response SLA was missed."""
    text = (
        f":alarm_clock: *{m.ref}* is past its response SLA by *{duration_text(minutes)}* "
        f"(severity {_sev(m.severity)}, reply was due {when(m.sla_due_at)})."
    )
    if escalated:
        text += " Risk approvers were notified."
    return SlackMessage(
        _fallback(f"{m.ref} is past its response SLA by {duration_text(minutes)}"),
        [section(text)],
    )


def sla_escalation_message(
    m: MentionView, minutes: int, permalink: str | None = None
) -> SlackMessage:
    """A direct message to a risk approver: ids, severity and lateness only (no text)."""
    text = (
        f":rotating_light: *{m.ref}* ({_sev(m.severity)}) is past its response SLA by "
        f"*{duration_text(minutes)}* and has no released reply."
    )
    target = link(permalink, "Open the thread")
    blocks = [section(text), context(target or f"Open it with `/reply {m.ref}`.")]
    return SlackMessage(
        _fallback(f"{m.ref} ({m.severity}) is past its response SLA by {duration_text(minutes)}"),
        blocks,
    )


def reminder_note(m: MentionView, number: int, role: str) -> SlackMessage:
    """In the thread: a revision is still waiting on a role's sign-off (no user pings)."""
    label = re.sub(r"[^a-z]", "", role.lower()) or "an approver's"
    text = (
        f":hourglass_flowing_sand: *{m.ref}*: waiting on a {escape(label)} sign-off for "
        f"revision {int(number)}."
    )
    return SlackMessage(
        _fallback(f"{m.ref}: waiting on a {label} sign-off for revision {int(number)}"),
        [section(text)],
    )


def refusal_note(ref: str, action: str, code: str, actor: str | None = None) -> SlackMessage:
    """For the thread: who was refused what, and why in plain words (the full answer went
    to that person only)."""
    what = request_label(action)
    why = refusal_reason(code) or "refused"
    short = re.sub(r"[^a-z_]", "", code.lower()).replace("_", " ") or "refused"
    if actor:
        text = f"{who(actor)} asked for {escape(what)} on {escape(ref)}; it was refused"
    else:
        text = f"{escape(what[:1].upper() + what[1:])} on {escape(ref)} was refused"
    return SlackMessage(
        _fallback(f"{ref}: a request was refused"),
        [context(f":no_entry_sign: {text} ({short}): {escape(why)}.")],
    )


def manual_publish_message(m: MentionView, rev: RevisionView) -> SlackMessage:
    """The approved text for posting by hand, the link to the review and the
    ``reply_mark_posted`` button. The text is in a code block so what a person copies is
    exactly what was signed off."""
    plat = platform_label(m.platform)
    target = link(m.url, f"Open the review on {plat}") or "_no link was given_"
    blocks: list[Block] = [
        section(
            f":mega: *Ready to post by hand:* copy the approved text of revision {rev.number} "
            f"of *{m.ref}* exactly, post it as the reply on {plat}, then press *Mark as posted*."
        ),
        section(target),
    ]
    if rev.text is None:
        blocks.append(section("_The text was removed under the retention policy._"))
    else:
        fenced = "```" not in rev.text
        pieces = chunks(rev.text, TEXT_BUDGET, limit=8, render=_code if fenced else _quoted)
        blocks.extend(section(piece) for piece in pieces)
        if len(pieces) > 1:
            blocks.append(context("The text is split over several boxes: copy them in order."))
    blocks.append(context(f"SHA-256 of the approved text: `{escape(rev.text_sha256)}`"))
    blocks.append(
        actions(
            f"manual:{m.id}:{rev.number}",
            button(
                "Mark as posted",
                ActionId.REPLY_MARK_POSTED,
                ButtonValue(m.id, rev.number),
                style="primary",
            ),
        )
    )
    return SlackMessage(_fallback(f"{m.ref}: approved reply ready to post by hand"), blocks)


# ------------------------------------------------------------------------- digest


def digest_message(
    title: str, mentions: Sequence[MentionView], *, note: str = "", now: datetime | None = None
) -> SlackMessage:
    """One message listing several mentions (a burst of new mentions, or the daily
    digest): id, platform, severity, stars, author and due time per line."""
    lines = [_digest_line(m, now) for m in mentions]
    blocks: list[Block] = [header(title)]
    if note:
        blocks.append(section(note))
    pieces = _join_within("\n", lines, TEXT_BUDGET)
    shown = pieces[: MESSAGE_BLOCK_LIMIT - 4]
    blocks.extend(section(p) for p in shown)
    if len(pieces) > len(shown):
        blocks.append(context("…and more; see the thread."))
    if not mentions:
        blocks.append(section("_Nothing to list._"))
    return SlackMessage(_fallback(f"{title} ({len(mentions)})"), blocks)


def _digest_line(m: MentionView, now: datetime | None, *, with_author: bool = True) -> str:
    if m.redacted:
        return f"• *{m.ref}* · {platform_label(m.platform)} · {REDACTED_LINE}"
    line = f"• *{m.ref}* · {platform_label(m.platform)} · {_sev(m.severity)} · {stars(m.rating)}"
    if with_author:
        line += f" · {escape((m.author or 'unknown')[:80])}"
    if m.sla_due_at is not None and m.state in (State.OPEN, State.DRAFTING, State.IN_REVIEW):
        late = m.overdue(now)
        line += f" · due {when(m.sla_due_at)}" + (" :warning:" if late else "")
    return line


def _ignored_line(m: MentionView) -> str:
    """An ignored mention was never posted: its id, platform and stars only (no author,
    no text)."""
    return f"• *{m.ref}* · {platform_label(m.platform)} · {stars(m.rating)}"


DIGEST_CAP = 15


def daily_digest_message(
    date: str,
    *,
    overdue: Sequence[MentionView],
    open_: Sequence[MentionView],
    ignored: Sequence[MentionView],
    totals: tuple[int, int, int] | None = None,
    now: datetime | None = None,
    cap: int = DIGEST_CAP,
) -> SlackMessage:
    """The daily digest: overdue and open mentions (the lines of ``digest_message``, without
    the author) and what the sentiment check ignored in the last day, which was never
    posted, so only its id, platform and stars are shown. ``totals`` are the full counts
    (overdue, open, ignored) when the lists were cut; each list shows at most ``cap``
    lines."""
    day = re.sub(r"[^0-9-]", "", date)[:10] or "today"
    n_over, n_open, n_ign = totals or (len(overdue), len(open_), len(ignored))
    blocks: list[Block] = [
        header(f"Daily digest — {day}"),
        context(
            f":alarm_clock: {n_over} overdue · :inbox_tray: {n_open} open · "
            f":see_no_evil: {n_ign} ignored in the last day"
        ),
    ]

    def part(title: str, lines: list[str], total: int) -> None:
        blocks.append(section(f"*{title}*"))
        if not lines:
            blocks.append(context("_None._"))
            return
        for piece in _join_within("\n", lines[:cap], TEXT_BUDGET)[:3]:
            blocks.append(section(piece))
        if total > min(len(lines), cap):
            blocks.append(context(f"…and {total - min(len(lines), cap)} more."))

    # No authors: a digest stays in the channel for good, and retention could not find
    # every day's digest to take a name out again.
    part("Overdue", [_digest_line(m, now, with_author=False) for m in overdue], n_over)
    part("Open", [_digest_line(m, now, with_author=False) for m in open_], n_open)
    part(
        "Ignored (judged not negative, not posted)",
        [_ignored_line(m) for m in ignored],
        n_ign,
    )
    blocks.append(
        context("Open any of them with `/reply M-n` (for example `/reply M-42`) to draft a reply.")
    )
    fallback = f"Daily digest {day}: {n_over} overdue, {n_open} open, {n_ign} ignored"
    return SlackMessage(_fallback(fallback), blocks[:MESSAGE_BLOCK_LIMIT])


BURST_CAP = 100  # mentions per burst digest message (a static_select holds 100 options)
OPEN_MENTION_ACTION = ActionId.DIGEST_OPEN.value  # "Open a mention…": posts its own parent


def _burst_line(m: MentionView) -> str:
    """Id, severity, platform and age: no author, no text (the listing stays in the
    channel; retention never has to find it)."""
    age = when(m.received_at, "{ago}") if m.received_at else "—"
    return f"• *{m.ref}* · {_sev(m.severity)} · {escape(platform_label(m.platform))} · {age}"


def burst_listing(mentions: Sequence[MentionView]) -> SlackMessage:
    """One digest message of a burst: up to ``BURST_CAP`` new mentions grouped by
    severity, then platform, one line each, and an "Open a mention…" select whose
    choice posts that mention's own message (with its buttons) and opens its thread."""
    shown = list(mentions)[:BURST_CAP]
    n = len(shown)
    title = f"{n} new negative mention{'s' if n != 1 else ''} arrived together"
    blocks: list[Block] = [
        header(title),
        context(
            ":inbox_tray: Listed here to keep the channel readable; nothing was dropped. "
            "Choose one under *Open a mention…* to post it with its buttons and start its "
            "thread (acting on a mention does the same)."
        ),
    ]
    if shown:
        options = [
            {
                "text": _plain(f"{m.ref} · {m.severity} · {platform_label(m.platform)}"),
                "value": ButtonValue(m.id).encode(),
            }
            for m in shown
        ]
        select: Block = {
            "type": "static_select",
            "action_id": OPEN_MENTION_ACTION,
            "placeholder": _plain("Open a mention…"),
            "options": options,
        }
        blocks.append(actions("burst:open", select))

    lines: list[str] = []
    for severity, platform, group in listing_groups(shown):
        if lines:
            lines.append("")
        lines.append(f"*{_sev(severity)} · {escape(platform_label(platform))}* ({len(group)})")
        lines.extend(_burst_line(m) for m in group)
    pieces = _join_within("\n", lines, TEXT_BUDGET)
    blocks.extend(section(p) for p in pieces[: MESSAGE_BLOCK_LIMIT - len(blocks)])
    refs = ", ".join(m.ref for m in shown[:5]) + ("…" if n > 5 else "")
    return SlackMessage(_fallback(f"{title}: {refs}"), blocks)


def _join_within(sep: str, lines: Sequence[str], budget: int) -> list[str]:
    out: list[str] = []
    current = ""
    for line in lines:
        if len(line) > budget:
            line = _cut_escaped(line, budget)
        candidate = f"{current}{sep}{line}" if current else line
        if len(candidate) > budget:
            out.append(current)
            current = line
        else:
            current = candidate
    if current:
        out.append(current)
    return out


# ------------------------------------------------------------------------- App Home


def home_view(queue: Queue, *, now: datetime | None = None, limit: int = 30) -> dict[str, Any]:
    """App Home: the user's queue (drafts they own, sign-offs waiting on their role,
    overdue mentions). Shown only to that user, so their own blocked draft's findings
    appear with the words."""
    roles = ", ".join(escape(r) for r in queue.roles) or "team member"
    blocks: list[Block] = [
        header("Your Countersign queue"),
        context(f"Your roles: {roles} · updated {when(now)}" if now else f"Your roles: {roles}"),
        {"type": "divider"},
    ]
    if not queue.items:
        blocks.append(section(":tada: Nothing is waiting for you."))
    for i, item in enumerate(queue.items[:limit]):
        m = item.mention
        rev = m.latest
        line = (
            f"*{m.ref}* · {platform_label(m.platform)} · {_sev(m.severity)} · "
            f"{stars(m.rating)} — *{escape(item.why)}*"
        )
        if m.sla_due_at is not None:
            late = m.overdue(now)
            line += f"\nReply due {when(m.sla_due_at)}" + (" :warning: *overdue*" if late else "")
        if m.text and not m.redacted:
            snippet, _ = fit(m.text, 300)
            line += f"\n{snippet}"
        # Built for this person by the core: the flagged words are there only if they
        # may read them (their own draft, or a risk approver).
        if rev is not None and rev.state == RevisionState.BLOCKED and m.actions is not None:
            line += "\n" + "\n".join(
                finding_line(f, with_words=f.text is not None) for f in rev.open_findings[:5]
            )
        blocks.append(section(line))
        shown = pick(m, ON_HOME) or pick(m, (ActionId.MENTION_DRAFT,))
        value = ButtonValue(m.id, rev.number if rev is not None else None)
        if shown:
            blocks.append(_buttons(f"home:{i}:{m.id}", value, shown, reply_edit="Edit draft"))
        if len(blocks) >= VIEW_BLOCK_LIMIT - 3:
            break
    if len(queue.items) > limit:
        blocks.append(context(f"…and {len(queue.items) - limit} more. Use `/reply queue`."))
    return {"type": "home", "blocks": blocks[:VIEW_BLOCK_LIMIT]}


# ------------------------------------------------------------------------- inspection


def text_fields(blocks: Sequence[Any]) -> list[str]:
    """Every text string inside blocks (for tests and redaction checks)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    out.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(list(blocks))
    return out


__all__ = [
    "FULL_TEXT_ACTION",
    "SlackMessage",
    "burst_listing",
    "carries_text",
    "changes_requested_note",
    "continuation_messages",
    "daily_digest_message",
    "digest_message",
    "duration_text",
    "home_view",
    "live_buttons",
    "manual_publish_message",
    "mention_message",
    "override_note",
    "platform_note",
    "private_blocked",
    "publish_failed_note",
    "redact_digest_lines",
    "refusal_note",
    "released_note",
    "reminder_note",
    "removed_text_message",
    "revision_blocked",
    "revision_passed",
    "risk_review_requested",
    "safe_url",
    "signoff_note",
    "sla_escalation_message",
    "sla_overdue_note",
    "taken_down_note",
    "text_fields",
]
