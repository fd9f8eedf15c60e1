"""One pass of the recognisers over a reply: normalised text, entities, sentences,
deterministic identifier findings, and the classifier's terms.

Used by the screen at run time and by ``train.py``, so training and serving read
replies exactly alike.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from presidio_analyzer import AnalyzerEngine, RecognizerResult

from workflows.phi import patterns as P
from workflows.phi.features import (
    Entity,
    Feature,
    Term,
    addressed,
    cues,
    features,
    mention_context,
    mention_cues,
    model_terms,
)
from workflows.phi.identifiers import RawFinding, Sentence, identifier_findings, org_entities
from workflows.phi.names import NameProfile, build_profile
from workflows.phi.normalize import Normalized, normalize
from workflows.phi.recognizers import ReviewerRecognizer
from workflows.phi.types import MentionContext, OrgContext
from workflows.phi.vocab import Vocabulary, fold, looks_spanish, tokenize

LANGUAGE = "en"
_DIGITS = re.compile(r"\d")


@dataclass(frozen=True)
class Analysis:
    norm: Normalized
    entities: tuple[Entity, ...]
    sentences: tuple[Sentence, ...]
    terms: tuple[Term, ...]
    deterministic: tuple[RawFinding, ...]
    mention_keys: frozenset[str]
    mention_words: tuple[str, ...]
    spanish: bool
    mention_cues: tuple[str, ...] = ()
    _cache: dict[tuple[int, int], list[Feature]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def segment(self, start: int, end: int) -> list[Term]:
        return [t for t in self.terms if start <= t.start < end]

    def features(self, start: int | None = None, end: int | None = None) -> list[Feature]:
        """Features of the whole reply, or of the words starting in [start, end)."""
        key = (-1, -1) if start is None or end is None else (start, end)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if start is None or end is None:
            terms = list(self.terms)
            det = bool(self.deterministic)
        else:
            terms = self.segment(start, end)
            det = any(start <= f.start < end for f in self.deterministic)
        cue_names = cues(terms, self.entities, self.mention_keys, det, self.mention_cues)
        out = features(terms, cue_names)
        if "c:reviewer" in cue_names:
            out.extend(mention_context(self.mention_words))
        lo = terms[0].start if terms else 0
        hi = terms[-1].end if terms else 0
        for s in self.sentences:
            if s.end > lo and s.start < hi:
                out.extend(addressed([t for t in terms if s.start <= t.start < s.end]))
        self._cache[key] = out
        return out


def _entities(results: Iterable[RecognizerResult], text: str) -> list[Entity]:
    raw = [
        Entity(
            str(r.entity_type),
            int(r.start),
            int(r.end),
            str((r.recognition_metadata or {}).get("term", "")),
        )
        for r in results
    ]
    reviewer = [e for e in raw if e.kind == "PHI_REVIEWER"]
    vocab = [e for e in raw if e.term]
    out: list[Entity] = []
    for e in raw:
        if e.term:
            # the reviewer called Oscar is not the insurer Oscar
            if any(r.start < e.end and e.start < r.end for r in reviewer):
                continue
            if any(
                o.start <= e.start and e.end <= o.end and (o.end - o.start) > (e.end - e.start)
                for o in vocab
            ):
                continue
        elif e.kind in ("PHI_REVIEWER", "PHI_PERSON") and (
            P.ORG_WORD_AFTER.match(text[e.end : e.end + 40])
            or P.ORG_WORD_BEFORE.search(text[max(0, e.start - 30) : e.start])
        ):
            # "Sunrise Pharmacy", "Clínica Sol": an organisation, not a person
            continue
        out.append(e)
    out.sort(key=lambda e: (e.start, -e.end))
    return out


class Analyser:
    """Runs Presidio's analyzer (this package's recognisers) and derives the rest."""

    def __init__(self, analyzer: AnalyzerEngine, nlp_engine: object, vocab: Vocabulary) -> None:
        self.analyzer = analyzer
        self.nlp_engine = nlp_engine
        self.vocab = vocab
        self._profiles: OrderedDict[str, NameProfile] = OrderedDict()
        self._lock = threading.Lock()

    def profile(self, author: str) -> NameProfile:
        with self._lock:
            prof = self._profiles.get(author)
            if prof is not None:
                self._profiles.move_to_end(author)
                return prof
        prof = build_profile(author, self.vocab)
        with self._lock:
            self._profiles[author] = prof
            while len(self._profiles) > 512:
                self._profiles.popitem(last=False)
        return prof

    def analyse(self, reply: str, mention: MentionContext, org: OrgContext | None) -> Analysis:
        norm = normalize(reply)
        text = norm.text
        mention_text = normalize(mention.text or "").text
        profile = self.profile(mention.author or "")
        artifacts = self.nlp_engine.process_text(text, LANGUAGE)  # type: ignore[attr-defined]
        results = self.analyzer.analyze(
            text=text,
            language=LANGUAGE,
            nlp_artifacts=artifacts,
            ad_hoc_recognizers=[ReviewerRecognizer(profile, self.vocab)],
        )
        entities = _entities(results, text)
        sentences = tuple(Sentence.of(text, s, e) for s, e in P.sentence_spans(text))
        det = identifier_findings(text, entities, sentences, profile, org, self.vocab)
        entities = org_entities(text, entities, det, org)
        tokens = tokenize(text)
        terms = model_terms(tokens, entities, self.vocab.clinical_word)
        spanish = looks_spanish([t.key for t in tokens])
        mention_token_keys = [t.key for t in tokenize(mention_text)]
        mention_tokens = frozenset(_DIGITS.sub("0", k) for k in mention_token_keys)
        mention_keys = frozenset(mention_token_keys) | frozenset(
            fold(w) for w in mention_text.split()
        )
        return Analysis(
            norm=norm,
            entities=tuple(entities),
            sentences=sentences,
            terms=tuple(terms),
            deterministic=tuple(det),
            mention_keys=mention_keys,
            mention_words=tuple(sorted(mention_tokens)),
            spanish=spanish,
            mention_cues=tuple(mention_cues(mention_token_keys, mention_text)),
        )


__all__ = ["LANGUAGE", "Analyser", "Analysis"]
