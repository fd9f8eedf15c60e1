"""Presidio recognisers of the PHI screen.

Each recogniser finds *candidates* in normalised text. The classifier reads them as
placeholders (:mod:`workflows.phi.features`); identifiers are judged by
:mod:`workflows.phi.identifiers`. Entity types:

``PHI_<CATEGORY>``   a vocabulary term (condition, procedure, medication, test,
                     insurer, clinician_title)
``PHI_DATE``, ``PHI_DOB``, ``PHI_ID``, ``PHI_ID_WEAK``, ``PHI_PHONE``,
``PHI_ADDRESS``, ``PHI_URL``, ``EMAIL_ADDRESS``, ``US_SSN``, ``CREDIT_CARD``
``PHI_PERSON``       another person's name (title, gazetteer, spaCy NER)
``PHI_REVIEWER``     the reviewer's own name or handle (ad hoc, per mention)
"""

from __future__ import annotations

import re
from typing import Any

import tldextract
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    UsSsnRecognizer,
)

from workflows.phi import patterns as P
from workflows.phi.names import HONORIFICS, NameProfile, find_name
from workflows.phi.vocab import Token, Vocabulary, fold, tokenize

VOCAB_ENTITIES = tuple(
    "PHI_" + c.upper()
    for c in ("condition", "procedure", "medication", "test", "insurer", "clinician_title")
)

_TOKENS_KEY = "_phi_tokens"


def tokens_for(text: str, nlp_artifacts: NlpArtifacts | None) -> list[Token]:
    """Tokenise once per analysis and share between recognisers."""
    if nlp_artifacts is not None:
        cached = getattr(nlp_artifacts, _TOKENS_KEY, None)
        if isinstance(cached, list):
            return cached
    toks = tokenize(text)
    if nlp_artifacts is not None:
        setattr(nlp_artifacts, _TOKENS_KEY, toks)
    return toks


class _PhiRecognizer(EntityRecognizer):
    """Common plumbing: no model to load, results tagged with this recogniser."""

    def __init__(self, entities: list[str], name: str) -> None:
        super().__init__(supported_entities=entities, name=name, supported_language="en")

    def load(self) -> None:
        return None

    def result(
        self, entity: str, start: int, end: int, score: float, **meta: Any
    ) -> RecognizerResult:
        meta[RecognizerResult.RECOGNIZER_NAME_KEY] = str(getattr(self, "name", ""))
        meta[RecognizerResult.RECOGNIZER_IDENTIFIER_KEY] = self.id
        return RecognizerResult(
            entity_type=entity, start=start, end=end, score=score, recognition_metadata=meta
        )


class VocabularyRecognizer(_PhiRecognizer):
    """Terms from the data files (clinical, billing, family, roles)."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        super().__init__(list(VOCAB_ENTITIES), "PhiVocabularyRecognizer")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [
            self.result(
                "PHI_" + m.category.upper(),
                m.start,
                m.end,
                0.6 if m.fuzzy else 0.85,
                term=m.term,
                fuzzy=m.fuzzy,
            )
            for m in self.vocab.match(tokens_for(text, nlp_artifacts))
        ]


class RegexRecognizer(_PhiRecognizer):
    """A compiled pattern from :mod:`workflows.phi.patterns` as a Presidio recogniser."""

    def __init__(self, entity: str, regex: re.Pattern[str], score: float = 0.8) -> None:
        self.regex = regex
        self.entity = entity
        self.score = score
        super().__init__([entity], f"Phi{entity.title()}Recognizer")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        out: list[RecognizerResult] = []
        for m in self.regex.finditer(text):
            s, e = m.span()
            while e > s and text[e - 1] in " ,.;:":
                e -= 1
            if e > s:
                out.append(self.result(self.entity, s, e, self.score))
        return out


def offline_tld_extractor() -> tldextract.TLDExtract:
    """A tldextract instance that only uses the snapshot bundled with the package."""
    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


def make_tldextract_offline() -> None:
    """Point tldextract's module-level extractor (used by Presidio's stock e-mail and
    URL recognisers) at the bundled snapshot, so nothing ever fetches the suffix list."""
    offline = offline_tld_extractor()
    setattr(tldextract.tldextract, "TLD_EXTRACTOR", offline)  # noqa: B010
    setattr(tldextract, "extract", offline.__call__)  # noqa: B010


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recogniser, validating domains without the network."""

    def __init__(self, extractor: tldextract.TLDExtract) -> None:
        self._extract = extractor
        super().__init__(supported_language="en")

    def validate_result(self, pattern_text: str) -> bool:
        return bool(self._extract(pattern_text).fqdn)


_NAME_WORD = re.compile(r"[A-ZÁÉÍÓÚÑ][a-záéíóúñü'’-]+")
_NOT_SURNAMES = frozenset(
    "the we our and or at in on for to i you your he she they it is was from with by of "
    "el la los las y en de del con por para".split()
)
_MONTH_NAMES = frozenset(
    {
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    }
)


class PersonRecognizer(_PhiRecognizer):
    """Names of people other than the reviewer: after a title (Dr., Nurse, Sra.), a
    known given name written as a name, or a multi-word PERSON from spaCy NER."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        titles = vocab.terms.get("clinician_title", set())
        self.clinician_titles = frozenset(fold(t).rstrip(".") for t in titles)
        super().__init__(["PHI_PERSON"], "PhiPersonRecognizer")

    def _result(self, s: int, e: int, title: str, source: str) -> RecognizerResult:
        return self.result("PHI_PERSON", s, e, 0.7, title=title, source=source)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        toks = tokens_for(text, nlp_artifacts)
        starts = {s for s, _e in P.sentence_spans(text)}
        out: list[RecognizerResult] = []
        n = len(toks)
        i = 0
        while i < n:
            tok = toks[i]
            key = tok.key
            is_title = key in self.clinician_titles and key not in ("do", "pa", "md", "rn")
            is_hon = key in HONORIFICS and tok.raw[:1].isupper()
            gap = text[tok.end : toks[i + 1].start] if i + 1 < n else ""
            # "Dr. Fenn", "Sra. Ruiz", "Nurse Kim" - but not "doctor. Details"
            gap_ok = gap == " " or (gap == ". " and len(key) <= 4)
            if (is_title or is_hon) and gap_ok and _NAME_WORD.fullmatch(toks[i + 1].raw):
                j = i + 1
                while (
                    j + 1 < n
                    and _NAME_WORD.fullmatch(toks[j + 1].raw)
                    and (text[toks[j].end : toks[j + 1].start] == " ")
                    and not self.vocab.in_lexicon(toks[j + 1].key)
                ):
                    j += 1
                out.append(
                    self._result(
                        tok.start, toks[j].end, "clinician" if is_title else "honorific", "title"
                    )
                )
                i = j + 1
                continue
            if (
                key in self.vocab.first_names
                and key not in _MONTH_NAMES
                and _looks_named(tok, self.vocab, tok.start in starts)
            ):
                j = i
                if (
                    i + 1 < n
                    and _NAME_WORD.fullmatch(toks[i + 1].raw)
                    and text[tok.end : toks[i + 1].start] == " "
                    and toks[i + 1].key not in _NOT_SURNAMES
                ):
                    j = i + 1
                out.append(self._result(tok.start, toks[j].end, "", "gazetteer"))
                i = j + 1
                continue
            i += 1
        if nlp_artifacts is not None:
            for ent in nlp_artifacts.entities:
                if ent.label_ != "PERSON" or len(ent) < 2:
                    continue
                words = ent.text.split()
                if all(_NAME_WORD.fullmatch(w) for w in words):
                    end = ent.end_char
                    while (
                        end > ent.start_char
                        and text[end - 1] in "'’s"
                        and (text[end - 2 : end] in ("'s", "’s") or text[end - 1] in "'’")
                    ):
                        end -= 2 if text[end - 1] == "s" else 1
                    out.append(self._result(ent.start_char, end, "", "ner"))
        return out


def _looks_named(tok: Token, vocab: Vocabulary, sentence_start: bool) -> bool:
    raw = tok.raw
    if not raw[:1].isupper() or (raw.isupper() and len(raw) > 2):
        return False
    if vocab.in_lexicon(tok.key):
        # "Will", "Grace", "Hope": only mid-sentence
        return not sentence_start
    return True


class ReviewerRecognizer(_PhiRecognizer):
    """The reviewer's own name or handle (built per mention; passed ad hoc)."""

    def __init__(self, profile: NameProfile, vocab: Vocabulary) -> None:
        self.profile = profile
        self.vocab = vocab
        super().__init__(["PHI_REVIEWER"], "PhiReviewerRecognizer")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        toks = tokens_for(text, nlp_artifacts)
        starts = frozenset(s for s, _e in P.sentence_spans(text))
        return [
            self.result("PHI_REVIEWER", h.start, h.end, 0.9, how=h.how)
            for h in find_name(self.profile, toks, text, starts, self.vocab)
        ]


def build_recognizers(
    vocab: Vocabulary, extractor: tldextract.TLDExtract
) -> list[EntityRecognizer]:
    """Every standing recogniser of the screen."""
    regexes: list[tuple[str, re.Pattern[str], float]] = [
        ("PHI_DATE", P.DATE, 0.6),
        ("PHI_DOB", P.DOB, 0.95),
        ("PHI_ID", P.IDENTIFIER, 0.9),
        ("PHI_ID_WEAK", P.IDENTIFIER_WEAK, 0.5),
        ("PHI_PHONE", P.PHONE, 0.7),
        ("PHI_ADDRESS", P.ADDRESS, 0.7),
        ("PHI_URL", P.URL, 0.5),
    ]
    recognizers: list[EntityRecognizer] = [
        VocabularyRecognizer(vocab),
        PersonRecognizer(vocab),
        OfflineEmailRecognizer(extractor),
        UsSsnRecognizer(supported_language="en"),
        CreditCardRecognizer(supported_language="en"),
    ]
    recognizers.extend(RegexRecognizer(e, r, s) for e, r, s in regexes)
    return recognizers


def result_meta(result: RecognizerResult) -> dict[str, Any]:
    meta = result.recognition_metadata
    return meta if isinstance(meta, dict) else {}


__all__ = [
    "VOCAB_ENTITIES",
    "OfflineEmailRecognizer",
    "PersonRecognizer",
    "RegexRecognizer",
    "ReviewerRecognizer",
    "VocabularyRecognizer",
    "build_recognizers",
    "make_tldextract_offline",
    "offline_tld_extractor",
    "result_meta",
    "tokens_for",
]
