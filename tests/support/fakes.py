"""Fakes we own: a deterministic PHI screen, a settable clock, a fixed sentiment."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from workflows.phi.types import Finding, MentionContext, OrgContext, ScreenResult
from workflows.types import Sentiment

FLAG_WORDS = {
    "chart": "confirms_patient",
    "diagnosis": "clinical_detail",
    "appointment": "appointment_history",
    "mrn": "identifier",
}


@dataclass
class FakeScreen:
    """Blocks the words in FLAG_WORDS and the reviewer's name; can be made slow."""

    delay: float = 0.0
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def screen(
        self, reply: str, mention: MentionContext, org: OrgContext | None = None
    ) -> ScreenResult:
        with self.lock:
            self.calls += 1
        if self.delay:
            time.sleep(self.delay)
        findings = []
        for word, kind in FLAG_WORDS.items():
            for m in re.finditer(rf"\b{word}\b", reply, re.I):
                findings.append(
                    Finding(kind, m.start(), m.end(), m.group(0), f"'{word}' is PHI", "remove it")
                )
        if mention.author:
            for part in mention.author.split():
                if len(part) > 2:
                    for m in re.finditer(re.escape(part), reply):
                        findings.append(
                            Finding(
                                "patient_name",
                                m.start(),
                                m.end(),
                                m.group(0),
                                "names the reviewer",
                                "do not use their name",
                            )
                        )
        findings.sort(key=lambda f: f.start)
        return ScreenResult("block" if findings else "pass", tuple(findings))


class FixedSentiment(Sentiment):
    def __init__(self, value: float | None = -0.6) -> None:
        self.value = value

    def score(self, text: str) -> float | None:
        return self.value


class Clock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)
