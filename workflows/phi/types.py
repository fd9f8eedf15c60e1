"""Value types and the protocol of the PHI screen.

This module is the contract between the screen (a leaf package) and its callers
(services, the command line, chat adapters). Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

FINDING_KINDS: tuple[str, ...] = (
    "patient_name",
    "confirms_patient",
    "visit_date",
    "clinical_detail",
    "appointment_history",
    "billing_insurance",
    "identifier",
    "staff_patient_link",
    "family_member",
    "new_fact",
)

Verdict = Literal["block", "pass"]


@dataclass(frozen=True)
class MentionContext:
    """What the reply answers: the reviewer's name or handle, their text, the platform."""

    author: str
    text: str
    platform: str = ""


@dataclass(frozen=True)
class OrgContext:
    """The organisation's public identity; only adds certainty, never required."""

    name: str = ""
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    spokespeople: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One reason to block: kind (one of FINDING_KINDS), code-point span into the
    original reply (end exclusive), the words, a plain-language reason and a fix."""

    kind: str
    start: int
    end: int
    text: str
    reason: str
    suggestion: str


@dataclass(frozen=True)
class ScreenResult:
    verdict: Verdict
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def blocked(self) -> bool:
        return self.verdict == "block"

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted({f.kind for f in self.findings}))


class PhiScreen(Protocol):
    """Decides whether a draft reply may go to the approvers."""

    def screen(
        self, reply: str, mention: MentionContext, org: OrgContext | None = None
    ) -> ScreenResult: ...
