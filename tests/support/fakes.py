"""Fakes we own: a deterministic PHI screen, a settable clock, a fixed sentiment."""

from __future__ import annotations

import copy
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from workflows.phi.types import Finding, MentionContext, OrgContext, ScreenResult
from workflows.shared_state import NOTE, Asker, BurstState, Slot, held_slot
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


class MemorySharedState:
    """``workflows.shared_state.SharedState`` in this process only (tests)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.signatures: dict[str, float] = {}
        self.pace: dict[str, tuple[float, float]] = {}
        self.held: dict[str, float] = {}
        self.bursts: dict[str, BurstState] = {}

    def claim_request_signature(self, signature: str, expires_at: float) -> bool:
        with self._lock:
            if signature in self.signatures:
                return False
            self.signatures[signature] = expires_at
            return True

    def reserve_channel_slot(
        self,
        channel: str,
        *,
        now: float,
        interval: float,
        burst: int,
        max_wait: float,
        asker: Asker = NOTE,
    ) -> Slot:
        with self._lock:
            next_at, blocked_until = self.pace.get(channel, (0.0, 0.0))
            if blocked_until > now:
                return Slot(blocked_until - now, reserved=False, blocked=True)
            slot, later, held = held_slot(
                next_at,
                self.held.get(channel, 0.0),
                now,
                interval,
                burst,
                max_wait,
                asker,
            )
            self.pace[channel] = (later, blocked_until)
            self.held[channel] = held
            return slot

    def block_channel(self, channel: str, until: float) -> None:
        with self._lock:
            next_at, blocked_until = self.pace.get(channel, (0.0, 0.0))
            self.pace[channel] = (max(next_at, until), max(blocked_until, until))

    @contextmanager
    def exclusive(self, key: str) -> Iterator[None]:
        with self._lock:
            yield

    @contextmanager
    def burst(self, channel: str, *, wait: bool = True) -> Iterator[BurstState]:
        with self._lock:  # one thread: never busy
            state = copy.deepcopy(self.bursts.get(channel, BurstState()))
            yield state
            self.bursts[channel] = state

    def purge(self, now: float) -> int:
        with self._lock:
            old = [s for s, until in self.signatures.items() if until < now]
            for sig in old:
                del self.signatures[sig]
            return len(old)
