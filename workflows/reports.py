"""Audit export: one row per event with the fields an auditor needs."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from models import audit
from workflows.errors import Forbidden
from workflows.services.shared import Deps, _check_member, _load, audited, parse_ref
from workflows.types import Actor


@audited("audit.export")
def audit_export(
    deps: Deps,
    actor: Actor,
    *,
    since: datetime | None = None,
    mention: str | None = None,
    include_text: bool = False,
) -> tuple[list[dict[str, Any]], tuple[int, str]]:
    """Rows for export and the chain head. ``include_text`` needs an admin and is itself
    audited (in the same transaction that reads the rows)."""
    with deps.uow() as uow:
        roles = _check_member(deps, uow, actor)
        if include_text and (actor.platform == "cli" or "admin" not in roles):
            raise Forbidden(
                "exporting text needs an admin: pass --as slack:<admin id> (an admin role member)"
            )
        mention_id = parse_ref(mention) if mention else None
        if mention_id is not None:
            _load(uow, mention_id, lock=False)
        events = uow.repo.audit_events(since=since, mention_id=mention_id)
        cache: dict[int, Any] = {}
        rows: list[dict[str, Any]] = []
        for e in events:
            reason = audit.decrypt_reason(uow.session, e.reason)
            m = None
            if e.mention_id is not None:
                if e.mention_id not in cache:
                    cache[e.mention_id] = uow.repo.mention(e.mention_id)
                m = cache[e.mention_id]
            row: dict[str, Any] = {
                "seq": e.seq,
                "time": e.occurred_at.isoformat(),
                "mention_id": f"M-{e.mention_id}" if e.mention_id else None,
                "platform": m.platform if m else None,
                "url": m.url if m else None,
                "actor": e.actor,
                "role": e.role,
                "action": e.action,
                "outcome": e.outcome,
                "revision": e.revision_number,
                "text_hash": e.text_hash,
                "finding_kinds": e.finding_kinds,
                "override_reason": reason if e.action == "finding.overridden" else None,
                "refusal_reason": reason if e.outcome == "refused" else None,
                "reason": reason,
                # non-sensitive metadata (who was given a role, verdicts, sources)
                "detail": json.dumps(e.detail, sort_keys=True) if e.detail else None,
                "published_hash": e.published_hash,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            if include_text:
                row["mention_text"] = m.text if m else None
                rev = (
                    uow.repo.revision(e.mention_id, e.revision_number)
                    if e.mention_id and e.revision_number
                    else None
                )
                row["reply_text"] = rev.text if rev else None
            rows.append(row)
        if include_text:
            uow.repo.audit(
                deps.clock(),
                actor=actor.key,
                role="admin",
                action="audit.exported_with_text",
                outcome="ok",
                mention_id=mention_id,
                detail={"events": len(rows), "since": since.isoformat() if since else None},
            )
        uow.repo.write_audit()  # the head returned includes the export's own event
        head = audit.head(uow.session)
        uow.commit()
    return rows, head
