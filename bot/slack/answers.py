"""Pure mrkdwn texts for answers only the asking user sees (ephemeral messages)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.slack.mrkdwn import escape
from workflows.phi.types import ScreenResult
from workflows.state_machine import RevisionState
from workflows.views import IncidentView, MentionView, Queue, RevisionView, Status

MAX_LINES = 40


def _when(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M UTC") if dt is not None else "—"


def check_result(result: ScreenResult) -> str:
    if not result.blocked:
        return ":white_check_mark: The PHI screen found nothing to block. Nothing was stored."
    lines = [":no_entry: *The PHI screen would block this* (only you see this; nothing stored):"]
    for f in result.findings[:MAX_LINES]:
        lines.append(
            f"• *{escape(f.kind.replace('_', ' '))}* “{escape(f.text[:200])}” — "
            f"{escape(f.reason)} _{escape(f.suggestion)}_"
        )
    return "\n".join(lines)


def draft_saved(mention: MentionView, revision: RevisionView, sent_to_risk: bool = False) -> str:
    if revision.state == RevisionState.BLOCKED:
        lines = [
            f":no_entry: Revision {revision.number} of *{mention.ref}* is *blocked* by the PHI "
            "screen. It is kept; only you and risk approvers see these words:"
        ]
        for f in revision.open_findings[:MAX_LINES]:
            lines.append(
                f"• *{escape(f.kind.replace('_', ' '))}* “{escape((f.text or '')[:200])}” — "
                f"{escape(f.reason)} _{escape(f.suggestion)}_"
            )
        lines.append(
            "It was sent to risk for review."
            if sent_to_risk
            else f"Fix it with `/reply {mention.ref}` (or the Edit button), or send it to risk."
        )
        return "\n".join(lines)
    return (
        f":white_check_mark: Revision {revision.number} of *{mention.ref}* passed the PHI screen "
        "and is in the thread for marketing and risk sign-off."
    )


def queue_text(queue: Queue) -> str:
    if not queue.items:
        return "Nothing is waiting for you. :tada:"
    lines = [f"*Waiting for you* ({len(queue.items)}):"]
    for item in queue.items[:MAX_LINES]:
        m = item.mention
        lines.append(
            f"• *{m.ref}* · {escape(m.platform)} · {escape(m.severity)} · "
            f"{escape(m.state.replace('_', ' '))} — {escape(item.why)} (due {_when(m.sla_due_at)})"
        )
    return "\n".join(lines)


def status_text(status: Status, may_see_blocked: bool) -> str:
    m = status.mention
    lines = [
        f"*{m.ref}* · {escape(m.platform)} · {escape(m.severity)} · "
        f"*{escape(m.state.replace('_', ' '))}*",
        f"Assigned: {escape(m.assignee or 'nobody')} · SLA due {_when(m.sla_due_at)}",
    ]
    if m.published_hash:
        lines.append(
            f"Published {_when(m.published_at)} by {escape(m.posted_by or '—')}, "
            f"SHA-256 `{m.published_hash[:16]}…`"
        )
    for r in status.revisions[-10:]:
        signed = ", ".join(
            f"{s.role} {'✓' if s.decision == 'approve' else 'changes'} by {escape(s.actor)}"
            for s in r.signoffs
        )
        kinds = ", ".join(r.finding_kinds)
        line = f"• revision {r.number} by {escape(r.author)} — {escape(r.state)}"
        if kinds:
            line += f" (findings: {escape(kinds)})"
        if signed:
            line += f"; {signed}"
        lines.append(line)
    lines.append("*History*")
    for h in status.history[-15:]:
        rev = f" r{h.revision_number}" if h.revision_number else ""
        lines.append(
            f"• {_when(h.at)} {escape(h.actor)} {escape(h.action)}{rev} ({escape(h.outcome)})"
        )
    _ = may_see_blocked  # texts of blocked drafts are never listed here
    return "\n".join(lines)


def roles_text(rows: Sequence[tuple[str, str]]) -> str:
    if not rows:
        return "Nobody holds a role yet."
    lines = ["*Role members*"]
    for member, role in rows[:MAX_LINES]:
        who = member.split(":", 1)
        shown = f"<@{escape(who[1])}>" if who[0] == "slack" and len(who) == 2 else escape(member)
        lines.append(f"• {escape(role)}: {shown}")
    return "\n".join(lines)


def incident_text(incident: IncidentView) -> str:
    return (
        f":rotating_light: *{incident.mention_ref} is being taken down.* Incident note: "
        f"reason recorded; published {_when(incident.published_at)}, removed "
        f"{_when(incident.removed_at)}, SHA-256 `{incident.published_hash or 'n/a'}`; "
        f"breach risk assessment due {_when(incident.assessment_due_at)}, owner "
        f"{escape(incident.assessment_owner)}."
    )


def refusal(message: str) -> str:
    return f":no_entry_sign: {escape(message)}"
