"""Parsing, negativity and severity of mentions (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.fakes import FixedSentiment
from workflows.errors import FieldError
from workflows.ingest import (
    VaderSentiment,
    classify,
    is_negative,
    parse_batch,
    parse_mention,
    severity_of,
)
from workflows.types import MentionInput, Policy

GOOD = {
    "source": "birdeye",
    "external_id": "r-1",
    "platform": "google",
    "author": "Pat Q",
    "text": "Waited two hours.",
    "url": "https://g.co/r/1",
    "rating": 2,
    "created_at": "2026-11-01T10:00:00Z",
    "location": "Main campus",
}


def test_parse_good_object() -> None:
    m = parse_mention(GOOD)
    assert m.rating == 2 and m.platform == "google"
    assert m.created_at == datetime(2026, 11, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"source": None}, "source"),
        ({"external_id": ""}, "external_id"),
        ({"text": 5}, "text"),
        ({"rating": 6}, "rating"),
        ({"rating": True}, "rating"),
        ({"rating": "x"}, "rating"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"created_at": "yesterday"}, "created_at"),
        ({"author": "a" * 600}, "author"),
        ({"text": "bad\x00byte"}, "text"),
    ],
)
def test_first_bad_field_is_named(patch: dict[str, object], field: str) -> None:
    with pytest.raises(FieldError) as info:
        parse_mention({**GOOD, **patch})
    assert info.value.field == field


def test_array_errors_name_the_index() -> None:
    with pytest.raises(FieldError) as info:
        parse_batch([GOOD, {**GOOD, "external_id": "r-2", "rating": 0}])
    assert info.value.field == "[1].rating"


def test_repeated_external_id_in_one_request_is_rejected() -> None:
    with pytest.raises(FieldError) as info:
        parse_batch([GOOD, GOOD])
    assert info.value.field == "[1].external_id"


@pytest.mark.parametrize("body", [[], "text", 3, None, [1]])
def test_bad_shapes(body: object) -> None:
    with pytest.raises(FieldError):
        parse_batch(body)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=30),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.sampled_from([*GOOD, "x"]), children, max_size=8)
        ),
        max_leaves=20,
    )
)
def test_parser_never_raises_anything_but_field_error(body: object) -> None:
    try:
        out = parse_batch(body)
    except FieldError as exc:
        assert exc.field
    else:
        assert out and all(isinstance(m, MentionInput) for m in out)


def test_negativity_rules() -> None:
    p = Policy(negative_threshold=-0.05)
    assert is_negative(1, 0.9, p) and is_negative(2, None, p)
    assert not is_negative(5, 0.8, p)
    assert is_negative(4, -0.5, p)
    assert is_negative(None, None, p), "unscorable text is posted, not ignored"
    assert not is_negative(None, 0.2, p)


def test_vader_scores_english_and_refuses_unknown_language() -> None:
    v = VaderSentiment()
    assert (v.score("The staff were rude and the wait was terrible") or 0) < -0.3
    assert (v.score("Wonderful nurses, great care, thank you") or 0) > 0.3
    assert v.score("Personel był niemiły, czekałem trzy godziny w poczekalni") is None


@pytest.mark.parametrize(
    ("text", "rating", "severity"),
    [
        ("My lawyer will hear about this", 3, "critical"),
        ("They gave me the wrong medication", 2, "critical"),
        ("I am calling the local news about this", 3, "high"),
        ("After my biopsy nobody called", 3, "high"),
        ("Parking was expensive", 1, "high"),
        ("Parking was expensive", 2, "normal"),
    ],
)
def test_severity_rules(text: str, rating: int, severity: str) -> None:
    assert severity_of(text, rating)[0] == severity


def test_sla_due_depends_on_severity() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    p = Policy(sla_hours={"critical": 2, "high": 8, "normal": 24})
    m = MentionInput("s", "1", "google", "A", "My attorney is calling you", rating=1)
    c = classify(m, FixedSentiment(-0.5), p, now)
    assert c.severity == "critical" and c.sla_due_at == datetime(2026, 1, 1, 2, tzinfo=UTC)
    ok = classify(
        MentionInput("s", "2", "google", "A", "Lovely", rating=5), FixedSentiment(0.8), p, now
    )
    assert not ok.negative and ok.sla_due_at is None
