"""Parsing, negativity and severity of incoming mentions (pure functions, no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from workflows.errors import FieldError
from workflows.types import MentionInput, Policy, Sentiment

MAX_TEXT = 20_000
_LIMITS = {
    "source": 64,
    "external_id": 255,
    "platform": 32,
    "author": 512,
    "location": 255,
    "url": 2048,
    "author_url": 2048,
}
REQUIRED = ("source", "external_id", "platform", "author", "text")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


_SURROGATE = re.compile("[\ud800-\udfff]")
_ASCII_DIGITS = re.compile(r"[0-9]{1,3}")


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _string(obj: dict[str, Any], name: str, prefix: str, *, required: bool) -> str | None:
    value = obj.get(name)
    field = _path(prefix, name)
    if value is None:
        if required:
            raise FieldError(field, f"{name} is required")
        return None
    if not isinstance(value, str):
        raise FieldError(field, f"{name} must be a string")
    if _CONTROL.search(value):
        raise FieldError(field, f"{name} contains control characters")
    if _SURROGATE.search(value):
        raise FieldError(field, f"{name} is not valid Unicode (a lone surrogate)")
    limit = MAX_TEXT if name == "text" else _LIMITS[name]
    if len(value) > limit:
        raise FieldError(field, f"{name} is longer than {limit} characters")
    stripped = value.strip()
    if required and not stripped:
        raise FieldError(field, f"{name} must not be empty")
    return stripped if name != "text" else value


def _url(value: str | None, field: str) -> str | None:
    if value is None or value == "":
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FieldError(field, "must be an http(s) URL")
    return value


def parse_mention(obj: Any, prefix: str = "") -> MentionInput:
    """Validate one mention object (webhook or import row); the first bad field raises
    FieldError naming it (``[2].rating`` inside an array)."""
    if not isinstance(obj, dict):
        raise FieldError(prefix or "(body)", "each mention must be a JSON object")
    values = {name: _string(obj, name, prefix, required=True) for name in REQUIRED}
    url = _url(_string(obj, "url", prefix, required=False), _path(prefix, "url"))
    author_url = _url(
        _string(obj, "author_url", prefix, required=False), _path(prefix, "author_url")
    )
    location = _string(obj, "location", prefix, required=False)
    rating_raw = obj.get("rating")
    rating: int | None
    if rating_raw is None or rating_raw == "":
        rating = None
    elif isinstance(rating_raw, bool):
        raise FieldError(_path(prefix, "rating"), "rating must be a whole number from 1 to 5")
    elif isinstance(rating_raw, int) or (isinstance(rating_raw, float) and rating_raw.is_integer()):
        rating = int(rating_raw)
        if not 1 <= rating <= 5:
            raise FieldError(_path(prefix, "rating"), "rating must be a whole number from 1 to 5")
    elif isinstance(rating_raw, str) and _ASCII_DIGITS.fullmatch(rating_raw.strip()):
        rating = int(rating_raw.strip())
        if not 1 <= rating <= 5:
            raise FieldError(_path(prefix, "rating"), "rating must be a whole number from 1 to 5")
    else:
        raise FieldError(_path(prefix, "rating"), "rating must be a whole number from 1 to 5")
    created_raw = obj.get("created_at")
    created: datetime | None = None
    if created_raw not in (None, ""):
        if not isinstance(created_raw, str):
            raise FieldError(_path(prefix, "created_at"), "created_at must be an ISO 8601 string")
        try:
            created = datetime.fromisoformat(created_raw.replace("Z", "+00:00"))
        except ValueError:
            raise FieldError(
                _path(prefix, "created_at"), "created_at must be an ISO 8601 date-time"
            ) from None
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
    return MentionInput(
        source=str(values["source"]),
        external_id=str(values["external_id"]),
        platform=str(values["platform"]).lower(),
        author=str(values["author"]),
        text=str(values["text"]),
        url=url,
        rating=rating,
        created_at=created,
        location=location,
        author_url=author_url,
    )


def parse_batch(body: Any) -> list[MentionInput]:
    """A JSON object or a non-empty array of objects; all-or-nothing."""
    if isinstance(body, dict):
        return [parse_mention(body)]
    if isinstance(body, list):
        if not body:
            raise FieldError("(body)", "the array is empty")
        if len(body) > 1000:
            raise FieldError("(body)", "at most 1000 mentions per request")
        out = [parse_mention(item, f"[{i}]") for i, item in enumerate(body)]
        seen: set[tuple[str, str]] = set()
        for i, m in enumerate(out):
            key = (m.source, m.external_id)
            if key in seen:
                raise FieldError(f"[{i}].external_id", "external_id repeats within the request")
            seen.add(key)
        return out
    raise FieldError("(body)", "the body must be a JSON object or an array of objects")


# -- negativity and severity -----------------------------------------------------

_ENGLISH_COMMON = frozenset(
    """the a an and or but to of in on at for with my me i we you they it is was were be
    been this that not no very so my our your their his her he she them us just have has
    had do did does will would could should there here what when where why how all any
    from about after before again than then too only out up down over also get got""".split()
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


class VaderSentiment(Sentiment):
    """VADER compound score; text with too few common English words is unscorable."""

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._analyzer = SentimentIntensityAnalyzer()

    def score(self, text: str) -> float | None:
        words = [w.lower() for w in _WORD.findall(text)]
        if not words:
            return None
        english = sum(1 for w in words if w in _ENGLISH_COMMON or w in self._analyzer.lexicon)
        if len(words) >= 3 and english / len(words) < 0.2:
            return None
        return float(self._analyzer.polarity_scores(text)["compound"])


def is_negative(rating: int | None, sentiment: float | None, policy: Policy) -> bool:
    """1-2 stars is negative; otherwise the sentiment decides, and text the model cannot
    score counts as negative rather than being ignored."""
    if rating is not None and rating <= 2:
        return True
    if sentiment is None:
        return True
    return sentiment < policy.negative_threshold


_SEVERITY_RULES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "critical",
        "legal threat",
        re.compile(
            r"\b(lawyer|attorney|lawsuit|sue|suing|malpractice|legal action|court|hipaa"
            r"|abogad[oa]|demanda)\b",
            re.I,
        ),
    ),
    (
        "critical",
        "patient safety",
        re.compile(
            r"\b(died|death|dead|overdose|wrong (medication|dose|patient|side)|abuse[d]?"
            r"|assault(ed)?|unsafe|negligen\w*|suicid\w*|misdiagnos\w*|muri[óo])\b",
            re.I,
        ),
    ),
    (
        "high",
        "media attention",
        re.compile(
            r"\b(news|reporter|journalist|tv station|press|viral|going public|media"
            r"|periodista|noticias)\b",
            re.I,
        ),
    ),
    (
        "high",
        "reviewer disclosed health details",
        re.compile(
            r"\b(diagnos\w*|surgery|cancer|biopsy|prescription|medication|pregnan\w*|therapy"
            r"|therapist|depression|anxiety|diabetes|chemo\w*|mri|x-?ray|blood test|my (son|"
            r"daughter|mother|father|husband|wife)'?s? (treatment|care|surgery)|cirug[ií]a"
            r"|receta|tratamiento)\b",
            re.I,
        ),
    ),
)


@dataclass(frozen=True)
class Classification:
    negative: bool
    sentiment: float | None
    severity: str
    reasons: tuple[str, ...]
    sla_due_at: datetime | None


def severity_of(text: str, rating: int | None) -> tuple[str, tuple[str, ...]]:
    reasons: list[str] = []
    level = "normal"
    for sev, reason, pattern in _SEVERITY_RULES:
        if pattern.search(text):
            reasons.append(reason)
            if sev == "critical" or level == "normal":
                level = sev if level != "critical" else level
    if rating == 1 and level == "normal":
        level = "high"
        reasons.append("one-star rating")
    return level, tuple(reasons)


def classify(
    m: MentionInput, sentiment: Sentiment, policy: Policy, now: datetime
) -> Classification:
    score = sentiment.score(m.text)
    negative = is_negative(m.rating, score, policy)
    severity, reasons = severity_of(m.text, m.rating)
    due = now + timedelta(hours=policy.sla_hours.get(severity, 24.0)) if negative else None
    return Classification(negative, score, severity, reasons, due)
