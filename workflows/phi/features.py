"""What the disclosure classifier reads: terms of a reply, with entities masked.

The recognisers find entities in the normalised reply (the reviewer's name, other
people, dates, identifiers, contacts, clinical vocabulary). Each is replaced by a
placeholder (``<reviewer>``, ``<condition>``...), so the classifier learns the shape
of a disclosure ("your <condition> results") rather than the names and drugs of its
training replies. On top of the words, a few *cues* the mention alone can tell:
the reviewer is named, a clinical word the review never used, second person next to
a clinical word, a deterministic identifier.

Features are strings: ``w:`` word uni- and bigrams and cues, ``a:`` the words of
sentences that address the reviewer, ``m:`` the mention's words where the reviewer is
named, ``h:`` character 3-5 grams of each unmasked word
(padded with spaces). Each remembers the words it came
from, so a score can be explained by the words that weighed most.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from workflows.phi.vocab import Token, fold

# entity -> placeholder; entities not listed are not masked
MASKS: dict[str, str] = {
    "PHI_REVIEWER": "<reviewer>",
    "PHI_PERSON": "<person>",
    "ORG_PERSON": "<orgperson>",
    "PHI_DOB": "<dob>",
    "PHI_ID": "<idnum>",
    "US_SSN": "<idnum>",
    "CREDIT_CARD": "<idnum>",
    "PHI_ID_WEAK": "<idnum>",
    "ORG_PHONE": "<orgphone>",
    "PHI_PHONE": "<phone>",
    "EMAIL_ADDRESS": "<email>",
    "PHI_URL": "<url>",
    "PHI_ADDRESS": "<address>",
    "PHI_DATE": "<date>",
    "PHI_CONDITION": "<condition>",
    "PHI_PROCEDURE": "<procedure>",
    "PHI_MEDICATION": "<medication>",
    "PHI_TEST": "<test>",
    "PHI_INSURER": "<insurer>",
}
# higher wins where spans overlap
_PRIORITY: dict[str, int] = {e: len(MASKS) - i for i, e in enumerate(MASKS)}

CLINICAL = frozenset({"PHI_CONDITION", "PHI_PROCEDURE", "PHI_MEDICATION", "PHI_TEST"})
# a word of the ICD-10-CM or drug word lists that no recogniser matched ("meniscus")
CLIN = "<clin>"
_SECOND_PERSON = frozenset(
    "you your yours yourself ur u usted ustedes su sus tu tus te le contigo".split()
)
_DIGITS = re.compile(r"\d")
CHAR_NGRAMS = (3, 5)


@dataclass(frozen=True)
class Entity:
    """A recogniser's hit in the normalised text."""

    kind: str
    start: int
    end: int
    term: str = ""  # the vocabulary term, for clinical words


@dataclass(frozen=True)
class Term:
    """A word of the model's view of the text: a folded word or a placeholder."""

    text: str
    start: int
    end: int
    masked: bool
    index: int


@dataclass(frozen=True)
class Feature:
    name: str
    words: tuple[int, ...]  # indices of the Terms it came from (empty for cues)


def model_terms(
    tokens: Sequence[Token],
    entities: Iterable[Entity],
    clinical_word: Callable[[str], bool] | None = None,
) -> list[Term]:
    """Words in order; the words inside a masked entity become one placeholder, and
    a clinical word no recogniser matched becomes ``<clin>``, so a clinical noun
    the corpus never used reads like the ones it did."""
    spans = sorted(
        (e for e in entities if e.kind in MASKS),
        key=lambda e: (-_PRIORITY[e.kind], e.start, -(e.end - e.start)),
    )
    owner: dict[int, Entity] = {}
    ends = [t.end for t in tokens]
    for ent in spans:
        first = bisect.bisect_right(ends, ent.start)
        covered = []
        for i in range(first, len(tokens)):
            if tokens[i].start >= ent.end:
                break
            covered.append(i)
        if not covered or any(i in owner for i in covered):
            continue
        for i in covered:
            owner[i] = ent
    out: list[Term] = []
    last: Entity | None = None
    for i, tok in enumerate(tokens):
        hit = owner.get(i)
        if hit is not None:
            if hit is last:
                prev = out[-1]
                out[-1] = Term(prev.text, prev.start, tok.end, True, prev.index)
                continue
            out.append(Term(MASKS[hit.kind], tok.start, tok.end, True, len(out)))
            last = hit
            continue
        last = None
        if clinical_word is not None and clinical_word(tok.key):
            out.append(Term(CLIN, tok.start, tok.end, True, len(out)))
            continue
        out.append(Term(_DIGITS.sub("0", tok.key), tok.start, tok.end, False, len(out)))
    return out


# words by which a mention speaks of its writer or their family ("my son", "we waited")
_FIRST_PERSON = frozenset("i me my mine myself we us our ours mi mis yo conmigo nosotros".split())


def mention_cues(mention_keys: Iterable[str], mention_text: str) -> list[str]:
    """Cues of the mention, shared by every segment of the reply: whether its writer
    speaks of themselves (a story of their own visit may be confirmed; a meme, a
    creator's video or a staff shout-out has none to confirm) and whether it asks."""
    out: list[str] = []
    if any(k in _FIRST_PERSON for k in mention_keys):
        out.append("c:mention_first_person")
    if "?" in mention_text or "¿" in mention_text:
        out.append("c:mention_question")
    return out


def cues(
    terms: Sequence[Term],
    entities: Sequence[Entity],
    mention_keys: frozenset[str],
    deterministic: bool,
    mention: Sequence[str] = (),
) -> list[str]:
    """Cue features of one segment (the whole reply or one sentence); ``mention``: the
    mention's own cues (``mention_cues``)."""
    if not terms:
        return []
    lo, hi = terms[0].start, terms[-1].end
    inside = [e for e in entities if lo <= e.start < hi]
    kinds = {e.kind for e in inside}
    out: list[str] = []
    if "PHI_REVIEWER" in kinds:
        out.append("c:reviewer")
    clinical = [e for e in inside if e.kind in CLINICAL]
    if clinical:
        novel = [e for e in clinical if not set(fold(e.term).split()) <= mention_keys]
        out.append("c:clinical_new" if novel else "c:clinical_echo")
        if any(t.text in _SECOND_PERSON for t in terms):
            out.append("c:you_clinical")
    if any(t.text == CLIN for t in terms):
        out.append("c:clin_word")
        if "PHI_REVIEWER" in kinds or any(t.text in _SECOND_PERSON for t in terms):
            out.append("c:you_clin_word")
    if deterministic:
        out.append("c:identifier")
    out.extend(mention)
    return out


def features(terms: Sequence[Term], cue_names: Sequence[str]) -> list[Feature]:
    """Word unigrams and bigrams, cues, and character n-grams of unmasked words."""
    out: list[Feature] = []
    for i, t in enumerate(terms):
        out.append(Feature("w:" + t.text, (t.index,)))
        if i + 1 < len(terms):
            out.append(Feature("w:" + t.text + " " + terms[i + 1].text, (t.index, t.index + 1)))
    out.extend(Feature(c, ()) for c in cue_names)
    for t in terms:
        if not t.masked:
            words = (t.index,)
            out.extend(Feature(g, words) for g in char_grams(t.text))
    return out


def addressed(sentence: Sequence[Term]) -> list[Feature]:
    """``a:`` words of a sentence that speaks to or names the reviewer: "your club"
    and "your knee" share "your", so a word's weight may differ there."""
    if not any(t.text in _SECOND_PERSON or t.text == "<reviewer>" for t in sentence):
        return []
    return [Feature("a:" + t.text, (t.index,)) for t in sentence]


def mention_context(words: Iterable[str]) -> list[Feature]:
    """``m:`` words of the mention, for a segment that names the reviewer: "Thanks,
    <reviewer>!" is a disclosure under a review about surgery, not under one about a
    fun run."""
    return [Feature("m:" + w, ()) for w in words]


@lru_cache(maxsize=65536)
def char_grams(word: str) -> tuple[str, ...]:
    """``h:`` features of one word: its character n-grams, padded with spaces."""
    lo, hi = CHAR_NGRAMS
    padded = " " + word + " "
    return tuple(
        "h:" + padded[k : k + n] for n in range(lo, hi + 1) for k in range(len(padded) - n + 1)
    )


def block_of(name: str) -> str:
    """Features are normalised per block: words and cues, and characters."""
    return "char" if name.startswith("h:") else "word"


__all__ = [
    "CLIN",
    "CLINICAL",
    "MASKS",
    "Entity",
    "Feature",
    "Term",
    "addressed",
    "block_of",
    "cues",
    "features",
    "mention_context",
    "mention_cues",
    "model_terms",
]
