"""Pure Block Kit builders for Countersign's modals (views.open / views.update /
view_submission responses). No I/O except reading the admin-editable templates file.

Every piece of outside text (mention text, author, draft text, flagged words) goes
through ``mrkdwn.escape`` when rendered as mrkdwn; plain_text fields are inert.
``private_metadata`` carries ids and a revision number only, never text.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.slack.mrkdwn import escape, truncate
from workflows.actions import FORMS, ButtonValue
from workflows.state_machine import RevisionState
from workflows.views import FindingView, IncidentView, MentionView, RevisionView

CB_DRAFT = "countersign_draft"
CB_REASON = "countersign_reason"
CB_INFO = "countersign_info"

TEMPLATE_ACTION = "draft_template"
TEXT_BLOCK = "draft_text"
TEXT_ACTION = "text"
OPTIONS_BLOCK = "draft_options"
OPTIONS_ACTION = "options"
OPT_SEND_TO_RISK = "send_to_risk"
REASON_BLOCK = "reason"
REASON_ACTION = "reason"

MAX_REPLY_CHARS = 4000
MAX_REASON_CHARS = 1000
SECTION_LIMIT = 2900  # Block Kit section text is at most 3000 characters
ERROR_LIMIT = 1900

DEFAULT_TEMPLATES = Path(__file__).with_name("templates.yml")

REASON_KINDS = tuple(FORMS)

Block = dict[str, Any]
View = dict[str, Any]


def _plain(text: str, limit: int = 24) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:limit], "emoji": True}


def _md(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_LIMIT]}]}


def _modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    submit: str | None = None,
    close: str = "Close",
    private_metadata: str = "",
) -> View:
    view: View = {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(title),
        "close": _plain(close),
        "blocks": blocks[:100],
        "private_metadata": private_metadata,
    }
    if submit:
        view["submit"] = _plain(submit)
    return view


# -- templates -------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    id: str
    label: str
    text: str


def templates_path() -> Path:
    return Path(os.environ.get("SLACK_TEMPLATES_FILE") or DEFAULT_TEMPLATES)


def load_templates(path: Path | None = None) -> tuple[Template, ...]:
    """The organisation's approved templates (cached per file and modification time)."""
    p = path or templates_path()
    try:
        mtime = p.stat().st_mtime
    except OSError:
        return ()
    return _load_templates(str(p), mtime)


@lru_cache(maxsize=8)
def _load_templates(path: str, _mtime: float) -> tuple[Template, ...]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return ()
    out: list[Template] = []
    seen: set[str] = set()
    for item in data.get("templates", []) if isinstance(data, dict) else []:
        if not isinstance(item, dict):
            continue
        tid, label, text = (str(item.get(k) or "").strip() for k in ("id", "label", "text"))
        if not tid or not text or tid in seen or len(tid) > 150:
            continue
        seen.add(tid)
        out.append(Template(tid, (label or tid)[:75], text[:MAX_REPLY_CHARS]))
    return tuple(out[:100])


def template_by_id(
    template_id: str, templates: Iterable[Template] | None = None
) -> Template | None:
    for t in templates if templates is not None else load_templates():
        if t.id == template_id:
            return t
    return None


# -- the mention, as shown in modals --------------------------------------------------


def _stars(rating: int | None) -> str:
    if rating is None:
        return ""
    r = max(0, min(5, rating))
    return " " + "★" * r + "☆" * (5 - r)


def mention_blocks(mention: MentionView, limit: int = 1200) -> list[Block]:
    head = (
        f"*{mention.ref}* · {escape(mention.platform)}{_stars(mention.rating)} · "
        f"{escape(mention.severity)} · by {escape(mention.author or 'unknown')}"
    )
    if mention.redacted or mention.text is None:
        body = "_The mention text was redacted under the retention policy._"
        cut = False
    else:
        short, cut = truncate(mention.text, limit)
        body = ">" + escape(short).replace("\n", "\n>")
    blocks = [_md(head), _md(body)]
    if cut:
        blocks.append(_context("Shortened here; the full text is in the channel message."))
    return blocks


# -- drafting modal ----------------------------------------------------------------------


def draft_metadata(mention_id: int, base_revision: int) -> str:
    return ButtonValue(mention_id, base_revision).encode()


def read_draft_metadata(value: str) -> ButtonValue | None:
    try:
        v = ButtonValue.decode(value)
    except ValueError:
        return None
    return v if v.finding is None else None


def drafting_modal(
    mention: MentionView,
    base_revision: int,
    *,
    initial_text: str | None = None,
    templates: Sequence[Template] | None = None,
    text_block_suffix: str = "",
    notice: str | None = None,
) -> View:
    """The drafting modal: mention, approved templates, the text box (prefilled on edit).
    ``text_block_suffix`` changes the text block id so Slack shows a new initial value
    (used when a template is picked)."""
    tpls = tuple(templates) if templates is not None else load_templates()
    blocks: list[Block] = []
    if notice:
        blocks.append(_md(notice))
    blocks += mention_blocks(mention)
    blocks.append({"type": "divider"})
    if tpls:
        blocks.append(
            {
                "type": "actions",
                "block_id": "templates",
                "elements": [
                    {
                        "type": "static_select",
                        "action_id": TEMPLATE_ACTION,
                        "placeholder": _plain("Start from an approved template", 150),
                        "options": [
                            {"text": _plain(t.label, 75), "value": t.id} for t in tpls[:100]
                        ],
                    }
                ],
            }
        )
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": TEXT_ACTION,
        "multiline": True,
        "max_length": MAX_REPLY_CHARS,
        "placeholder": _plain("Write the public reply. Never confirm someone is a patient.", 150),
    }
    if initial_text:
        element["initial_value"] = initial_text[:MAX_REPLY_CHARS]
    blocks.append(
        {
            "type": "input",
            "block_id": TEXT_BLOCK + text_block_suffix,
            "label": _plain("Reply", 2000),
            "element": element,
            "hint": _plain(
                "Screened for PHI when you save. Marketing and risk must both sign off.", 2000
            ),
        }
    )
    blocks.append(
        {
            "type": "input",
            "block_id": OPTIONS_BLOCK,
            "optional": True,
            "label": _plain("If the PHI screen blocks it", 2000),
            "element": {
                "type": "checkboxes",
                "action_id": OPTIONS_ACTION,
                "options": [
                    {
                        "text": _plain("Keep it and send it to risk for review", 75),
                        "value": OPT_SEND_TO_RISK,
                    }
                ],
            },
        }
    )
    title = "Edit reply" if base_revision else "Draft a reply"
    return _modal(
        CB_DRAFT,
        f"{title} {mention.ref}",
        blocks,
        submit="Save draft",
        close="Cancel",
        private_metadata=draft_metadata(mention.id, base_revision),
    )


def with_template(view: dict[str, Any], text: str) -> View:
    """The submitted drafting modal again, its text box replaced by ``text``. The text block
    gets a new id, which is how Slack is told to show the new initial value."""
    blocks: list[Block] = []
    current = text_block_id(view)
    n = current[len(TEXT_BLOCK) :].lstrip("_")
    suffix = f"_{int(n) + 1 if n.isdigit() else 1}"
    for block in view.get("blocks") or []:
        if block.get("block_id") == current:
            element = dict(block.get("element") or {})
            element["initial_value"] = text[:MAX_REPLY_CHARS]
            block = {**block, "block_id": TEXT_BLOCK + suffix, "element": element}
        blocks.append(block)
    keys = ("type", "callback_id", "title", "submit", "close", "private_metadata")
    return {**{k: view[k] for k in keys if k in view}, "blocks": blocks}


def text_block_id(view: dict[str, Any]) -> str:
    """The id of the drafting modal's text block in a submitted view."""
    for block in view.get("blocks") or []:
        bid = str(block.get("block_id") or "")
        if bid.startswith(TEXT_BLOCK):
            return bid
    return TEXT_BLOCK


def submitted_text(view: dict[str, Any]) -> str:
    values = (view.get("state") or {}).get("values") or {}
    for bid, actions in values.items():
        if str(bid).startswith(TEXT_BLOCK):
            return str((actions.get(TEXT_ACTION) or {}).get("value") or "")
    return ""


def send_to_risk_ticked(view: dict[str, Any]) -> bool:
    values = (view.get("state") or {}).get("values") or {}
    selected = ((values.get(OPTIONS_BLOCK) or {}).get(OPTIONS_ACTION) or {}).get(
        "selected_options"
    ) or []
    return any(o.get("value") == OPT_SEND_TO_RISK for o in selected)


def submitted_reason(view: dict[str, Any]) -> str:
    values = (view.get("state") or {}).get("values") or {}
    return str(((values.get(REASON_BLOCK) or {}).get(REASON_ACTION) or {}).get("value") or "")


def finding_line(f: FindingView) -> str:
    """Plain text (for errors): the words and why. Shown only to the author/risk."""
    words = (f.text or "").replace("\n", " ").strip()
    shown = f"“{words[:80]}”" if words else f"characters {f.start}-{f.end}"
    line = f"{shown}: {f.reason}"
    if f.suggestion:
        line += f" ({f.suggestion})"
    if f.overridden_by:
        line += " [overridden by risk]"
    return line


def blocked_errors(revision: RevisionView, block_id: str = TEXT_BLOCK) -> dict[str, Any]:
    """``response_action: errors``: the modal stays open with each finding inline."""
    lines = [finding_line(f) for f in revision.open_findings]
    head = (
        f"Blocked by the PHI screen; kept as revision {revision.number} (only you and risk "
        "approvers see this). Fix these and save again, or tick “send it to risk”:"
    )
    msg = head
    for i, line in enumerate(lines):
        candidate = f"{msg}\n• {line}"
        if len(candidate) > ERROR_LIMIT:
            msg += f"\n…and {len(lines) - i} more"
            break
        msg = candidate
    return {"response_action": "errors", "errors": {block_id: msg}}


def field_error(block_id: str, message: str) -> dict[str, Any]:
    return {"response_action": "errors", "errors": {block_id: message[:ERROR_LIMIT]}}


def checking_view(ref: str) -> dict[str, Any]:
    """``response_action: update`` while a slow PHI screen finishes."""
    view = _modal(
        CB_INFO,
        f"Checking {ref}",
        [
            _md(":hourglass_flowing_sand: *Checking your draft for PHI…*"),
            _context("This can take a few seconds. This window updates when it is done."),
        ],
    )
    return {"response_action": "update", "view": view}


def findings_blocks(revision: RevisionView) -> list[Block]:
    """mrkdwn list of findings (words escaped). Only for the author and risk approvers."""
    blocks: list[Block] = []
    for f in revision.findings:
        words = escape((f.text or "").replace("\n", " ")[:200])
        status = " — _overridden by risk_" if f.overridden_by else ""
        blocks.append(
            _md(
                f"*{f.idx + 1}. {escape(f.kind.replace('_', ' '))}*{status}\n"
                f"“{words}” — {escape(f.reason)}\n_{escape(f.suggestion)}_"
            )
        )
    return blocks[:40]


def draft_done_view(mention: MentionView, revision: RevisionView, sent_to_risk: bool) -> View:
    """Final view after a slow screen (views.update), or after a save."""
    if revision.state == RevisionState.BLOCKED:
        lead = (
            f":no_entry: *Revision {revision.number} of {mention.ref} is blocked by the PHI "
            "screen.* It is kept; only you and risk approvers can see the words below."
        )
        if sent_to_risk:
            lead += "\nIt was sent to risk for review."
        blocks = [_md(lead), *findings_blocks(revision)]
        return _modal(CB_INFO, f"Blocked {mention.ref}", blocks)
    return _modal(
        CB_INFO,
        f"Saved {mention.ref}",
        [
            _md(
                f":white_check_mark: *Revision {revision.number} of {mention.ref} passed the PHI "
                "screen* and is waiting for marketing and risk sign-off in the thread."
            )
        ],
    )


def blocked_edit_view(mention: MentionView, revision: RevisionView, text: str) -> View:
    """After a slow screen blocked the draft: the drafting modal again (prefilled, based on
    the blocked revision) with the findings above it."""
    notice = (
        f":no_entry: *Revision {revision.number} is blocked by the PHI screen* (kept; only "
        "you and risk approvers see this):\n"
        + "\n".join("• " + escape(finding_line(f)) for f in revision.open_findings)
    )
    return drafting_modal(mention, revision.number, initial_text=text, notice=notice[:2900])


# -- reason modals -------------------------------------------------------------------------


def reason_metadata(kind: str, value: ButtonValue) -> str:
    return f"{kind}|{value.encode()}"


def read_reason_metadata(meta: str) -> tuple[str, ButtonValue] | None:
    kind, _, rest = (meta or "").partition("|")
    if kind not in REASON_KINDS:
        return None
    try:
        return kind, ButtonValue.decode(rest)
    except ValueError:
        return None


def _reason_input(label: str, placeholder: str) -> Block:
    return {
        "type": "input",
        "block_id": REASON_BLOCK,
        "label": _plain(label, 2000),
        "element": {
            "type": "plain_text_input",
            "action_id": REASON_ACTION,
            "multiline": True,
            "min_length": 3,
            "max_length": MAX_REASON_CHARS,
            "placeholder": _plain(placeholder, 150),
        },
    }


def reason_modal(form: str, label: str, prompt: str, value: ButtonValue) -> View:
    """The form for any catalogue action that needs a reason and has no form of its own."""
    return _modal(
        CB_REASON,
        f"{label} M-{value.mention_id}",
        [
            _md(f"{escape(label)}: *M-{value.mention_id}*."),
            _reason_input(prompt, "Keep it free of patient details."),
        ],
        submit=label,
        close="Cancel",
        private_metadata=reason_metadata(form, value),
    )


def request_changes_modal(value: ButtonValue) -> View:
    return _modal(
        CB_REASON,
        f"Changes M-{value.mention_id}",
        [
            _md(
                f"Request changes to revision {value.revision} of *M-{value.mention_id}*. "
                "The author sees your reason in the thread."
            ),
            _reason_input("What needs to change?", "Keep it free of patient details."),
        ],
        submit="Request changes",
        close="Cancel",
        private_metadata=reason_metadata("request_changes", value),
    )


def dismiss_modal(value: ButtonValue, severity: str | None = None) -> View:
    extra = (
        "\n_This mention is critical: only a risk approver or an admin can dismiss it._"
        if severity == "critical"
        else ""
    )
    return _modal(
        CB_REASON,
        f"Dismiss M-{value.mention_id}",
        [
            _md(f"Dismiss *M-{value.mention_id}*: no public reply is needed.{extra}"),
            _reason_input("Why is no reply needed?", "e.g. spam, not about us, resolved offline"),
        ],
        submit="Dismiss",
        close="Cancel",
        private_metadata=reason_metadata("dismiss", ButtonValue(value.mention_id)),
    )


def override_modal(value: ButtonValue, finding: FindingView | None, show_words: bool) -> View:
    blocks = [
        _md(
            f"Override finding {(value.finding or 0) + 1} of revision {value.revision} "
            f"of *M-{value.mention_id}* as a false positive. The override is recorded with "
            "your name and reason, and belongs to this revision only."
        )
    ]
    if finding is not None:
        if show_words:
            blocks.append(
                _md(
                    f"*{escape(finding.kind.replace('_', ' '))}*: "
                    f"“{escape((finding.text or '')[:200])}” — {escape(finding.reason)}"
                )
            )
        else:
            blocks.append(_md(f"*{escape(finding.kind.replace('_', ' '))}*"))
    blocks.append(_reason_input("Why is this not PHI?", "Your reasoning, for the audit trail."))
    return _modal(
        CB_REASON,
        f"Override M-{value.mention_id}",
        blocks,
        submit="Override",
        close="Cancel",
        private_metadata=reason_metadata("override", value),
    )


def takedown_modal(value: ButtonValue, assessment_days: int = 30) -> View:
    return _modal(
        CB_REASON,
        f"Take down M-{value.mention_id}",
        [
            _md(
                f":warning: *Take down the released reply to M-{value.mention_id}.* "
                "It is deleted where the platform allows; otherwise you get instructions to "
                "delete it by hand."
            ),
            _md(
                "This opens an *incident note* recording: your reason, when the reply was "
                "published and removed, the published text's SHA-256, the PHI screen and "
                "override history, and a *breach risk assessment* item owned by you, due in "
                f"{assessment_days} days (HIPAA breach notification runs on a 60-day clock)."
            ),
            _reason_input("Reason for the takedown", "What is wrong with the published reply?"),
        ],
        submit="Take down",
        close="Cancel",
        private_metadata=reason_metadata("takedown", ButtonValue(value.mention_id)),
    )


def incident_view(incident: IncidentView) -> View:
    return _modal(CB_INFO, f"Incident {incident.mention_ref}", incident_blocks(incident))


def incident_blocks(incident: IncidentView) -> list[Block]:
    def when(dt: Any) -> str:
        return dt.strftime("%Y-%m-%d %H:%M UTC") if dt is not None else "unknown"

    revisions = incident.history.get("revisions") if isinstance(incident.history, dict) else None
    overrides = 0
    if isinstance(revisions, list):
        overrides = sum(len(r.get("overrides") or []) for r in revisions if isinstance(r, dict))
    return [
        _md(f":rotating_light: *Incident note — {incident.mention_ref} taken down*"),
        _md(
            f"*Reason:* {escape(incident.reason)}\n"
            f"*Published:* {when(incident.published_at)}\n"
            f"*Removed:* {when(incident.removed_at)}\n"
            f"*Published text SHA-256:* `{incident.published_hash or 'n/a'}`\n"
            f"*Screen history:* {len(revisions) if isinstance(revisions, list) else 0} "
            f"revision(s), {overrides} override(s)\n"
            f"*Breach risk assessment due:* {when(incident.assessment_due_at)}, owner "
            f"{escape(incident.assessment_owner)} (notification deadline: 60 days from "
            "discovery)"
        ),
    ]


# -- full text -------------------------------------------------------------------------------


def full_text_modal(mention: MentionView) -> View:
    """The whole mention text, split over sections (each at most 3000 characters)."""
    blocks = mention_blocks(mention, limit=0)[:1]
    text = mention.text or ""
    if mention.redacted or mention.text is None:
        blocks.append(_md("_The mention text was redacted under the retention policy._"))
    else:
        chunk = 2500
        for i in range(0, min(len(text), chunk * 40), chunk):
            blocks.append(_md(escape(text[i : i + chunk])))
    if mention.url:
        blocks.append(_context(f"<{escape(mention.url)}|Open on {escape(mention.platform)}>"))
    return _modal(CB_INFO, f"Mention {mention.ref}", blocks)


def section(text: str) -> Block:
    return _md(text)


def not_saved_view(mention_id: int, message: str, text: str) -> View:
    """A refusal after a slow screen: what went wrong, and the typed text to copy."""
    blocks = [_md(f":no_entry_sign: *Not saved:* {escape(message)}")]
    if text.strip():
        blocks.append(_context("Your text, so nothing is lost:"))
        for i in range(0, min(len(text), 2500 * 2), 2500):
            blocks.append(_md("```" + escape(text[i : i + 2500]) + "```"))
    return _modal(CB_INFO, f"Not saved M-{mention_id}", blocks)


def message_modal(title: str, text: str) -> View:
    """A small informational modal (already-escaped mrkdwn)."""
    return _modal(CB_INFO, title, [_md(text)])
