"""Normalisation undoes obfuscation and maps every span back to the original."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.phi.normalize import normalize


def test_html_entities_decoded_with_spans() -> None:
    n = normalize("&#67;onsuelo &amp; concierge&#64;clinic.com")
    assert n.text == "Consuelo & concierge@clinic.com"
    s, e = n.span(0, 8)
    assert (s, e) == (0, 12)  # "&#67;onsuelo"
    at = n.text.index("@")
    assert n.original_text(at, at + 1) == "&#64;"


def test_double_encoded_entity() -> None:
    assert normalize("a&amp;#64;b").text == "a@b"


def test_zero_width_and_soft_hyphen_removed() -> None:
    raw = "meto\u200cpro\u00adlol Regi\u2060nald \ufeffX"
    n = normalize(raw)
    assert n.text == "metoprolol Reginald X"
    start = n.text.index("metoprolol")
    assert n.original_text(start, start + len("metoprolol")) == "meto\u200cpro\u00adlol"


def test_fullwidth_and_other_unicode_digits() -> None:
    assert normalize("２/２７ ２０４５１８７７").text == "2/27 20451877"
    assert normalize("٥٥٥-٠١٥١").text == "555-0151"  # Arabic-Indic digits
    assert normalize("５５５－０１７１").text == "555-0171"


def test_homoglyphs_folded() -> None:
    # Cyrillic о, е, р and Greek Ο
    assert normalize("Оlivеr strер Ολίβερ").text.startswith("Oliver strep O")


def test_emoji_and_whitespace_collapse() -> None:
    n = normalize("basal 🔬 cell 🔬 carcinoma ✅")
    assert n.text == "basal cell carcinoma "
    n2 = normalize("B e n\n\nS a u")
    assert n2.text == "B e n S a u"


def test_case_is_kept() -> None:
    assert normalize("yVeTtE").text == "yVeTtE"


def test_combining_marks_compose() -> None:
    n = normalize("Tome\u0301s")  # e + combining acute
    assert n.text == "Tomés"
    assert n.original_text(3, 4) == "e\u0301"


_obfuscating_chars = st.sampled_from(
    [
        "\u200b",
        "\u200c",
        "\u200d",
        "\u2060",
        "\u00ad",
        "\ufeff",
        "&#64;",
        "&amp;",
        "&#x41;",
        "５",
        "٣",
        "а",
        "е",
        "Ο",
        "🔬",
        "\n",
        "  ",
        "e\u0301",
        "ﬁ",
        "’",
    ]
)
_text = st.lists(
    st.one_of(
        st.text(alphabet="abcdefXYZ 0123456789.,@-", min_size=1, max_size=5), _obfuscating_chars
    ),
    max_size=30,
).map("".join)


@settings(max_examples=100, deadline=None)
@given(_text)
def test_offsets_map_into_original(raw: str) -> None:
    n = normalize(raw)
    assert len(n.starts) == len(n.text) == len(n.ends)
    prev_start = 0
    for i in range(len(n.text)):
        s, e = n.starts[i], n.ends[i]
        assert 0 <= s < e <= len(raw)
        assert s >= prev_start  # monotonic
        prev_start = s


@settings(max_examples=100, deadline=None)
@given(_text, st.data())
def test_any_span_maps_to_a_valid_original_span(raw: str, data: st.DataObject) -> None:
    n = normalize(raw)
    if not n.text:
        return
    a = data.draw(st.integers(0, len(n.text) - 1))
    b = data.draw(st.integers(a + 1, len(n.text)))
    s, e = n.span(a, b)
    assert 0 <= s < e <= len(raw)
    # the original slice, normalised, contains the normalised slice (modulo whitespace)
    assert normalize(raw[s:e]).text.strip() in n.text or n.text[a:b].strip() == ""


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abcdefghij klmnop", max_size=40))
def test_plain_ascii_is_identity(raw: str) -> None:
    n = normalize(raw)
    if "  " not in raw:
        assert n.text == raw
        assert all(n.span(i, i + 1) == (i, i + 1) for i in range(len(raw)))
