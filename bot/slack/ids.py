"""Stable action ids (SPEC §4) and the button-value model: ids and a revision number,
never reply text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class ActionId(StrEnum):
    MENTION_DRAFT = "mention_draft"
    MENTION_ASSIGN = "mention_assign"
    MENTION_DISMISS = "mention_dismiss"
    REPLY_EDIT = "reply_edit"
    REPLY_SIGNOFF_MARKETING = "reply_signoff_marketing"
    REPLY_SIGNOFF_RISK = "reply_signoff_risk"
    REPLY_REQUEST_CHANGES = "reply_request_changes"
    REPLY_OVERRIDE_PHI = "reply_override_phi"
    REPLY_MARK_POSTED = "reply_mark_posted"
    REPLY_RETRY_PUBLISH = "reply_retry_publish"
    REPLY_TAKEDOWN = "reply_takedown"
    # Beyond the SPEC's list: the author sends a blocked draft to risk; anyone opens the
    # full text of a long mention in a modal.
    REPLY_SEND_TO_RISK = "reply_send_to_risk"
    MENTION_FULL_TEXT = "mention_full_text"


_VALUE = re.compile(r"^M-(\d{1,12})(?::r(\d{1,6}))?(?::f(\d{1,4}))?$")


@dataclass(frozen=True)
class ButtonValue:
    """``M-42``, ``M-42:r3`` or ``M-42:r3:f0`` (mention, revision number, finding index)."""

    mention_id: int
    revision: int | None = None
    finding: int | None = None

    def encode(self) -> str:
        out = f"M-{self.mention_id}"
        if self.revision is not None:
            out += f":r{self.revision}"
        if self.finding is not None:
            out += f":f{self.finding}"
        return out

    @classmethod
    def decode(cls, value: str) -> ButtonValue:
        m = _VALUE.match(value or "")
        if not m:
            raise ValueError("malformed button value")
        rev = int(m.group(2)) if m.group(2) else None
        fin = int(m.group(3)) if m.group(3) else None
        return cls(int(m.group(1)), rev, fin)
