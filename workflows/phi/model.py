"""The trained disclosure classifier, read from a plain JSON artefact.

``model/phi-model.json`` holds, per feature, its inverse document frequency and its
weight in a logistic regression (three parallel arrays: names, idf, weights), the
intercept, the default threshold chosen by cross-validation, the second stage's trees,
and one small linear model per kind of finding (used to name the most likely kind).
Nothing is unpickled; scoring is a dot product in plain Python. ``make phi-train``
writes the file (``workflows/phi/train.py``) and records its SHA-256 next to it.
"""

from __future__ import annotations

import hashlib
import json
import math
from array import array
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from workflows.phi.features import Feature, block_of

MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_PATH = MODEL_DIR / "phi-model.json"
MODEL_SHA_PATH = MODEL_DIR / "phi-model.json.sha256"
FORMAT = "countersign-phi-linear/2"
# what the second stage reads of a reply, besides the linear scores
SUMMARY_CUES = (
    "c:reviewer",
    "c:clinical_new",
    "c:clinical_echo",
    "c:you_clinical",
    "c:clin_word",
    "c:you_clin_word",
    "c:mention_first_person",
    "c:mention_question",
)
SUMMARY_WORDS = tuple(
    "w:" + p
    for p in (
        "<person>",
        "<orgperson>",
        "<date>",
        "<condition>",
        "<procedure>",
        "<medication>",
        "<test>",
        "<insurer>",
        "<phone>",
        "<orgphone>",
        "<email>",
        "<clin>",
    )
)
_YOU = frozenset("w:" + w for w in "you your yours usted su sus tu tus te le ur u".split())
SUMMARY = (
    "reply_logit",
    "sentence_logit",
    "log_words",
    "sentences",
    "second_person",
    *SUMMARY_CUES,
    *SUMMARY_WORDS,
)


class ModelError(RuntimeError):
    """The artefact is missing, altered or of another format."""


class Column(Mapping[str, float]):
    """One column of per-feature numbers, read by feature name: the names' positions
    (one dict shared by every column) over a packed array of doubles, about a quarter
    of the memory of a dict of float objects per column."""

    def __init__(self, index: dict[str, int], values: Sequence[float]) -> None:
        self._index = index
        self._values = array("d", values)

    def __getitem__(self, name: str) -> float:
        return self._values[self._index[name]]

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


def tfidf(features: Sequence[Feature], idf: Mapping[str, float]) -> dict[str, float]:
    """Sub-linear tf x idf over known features, L2-normalised per block."""
    counts = Counter(f.name for f in features if f.name in idf)
    values = {name: (1.0 + math.log(n)) * idf[name] for name, n in counts.items()}
    blocks = {name: block_of(name) for name in values}
    norms: dict[str, float] = {}
    for name, v in values.items():
        norms[blocks[name]] = norms.get(blocks[name], 0.0) + v * v
    return {name: v / math.sqrt(norms[blocks[name]]) for name, v in values.items()}


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True)
class Scored:
    probability: float
    features: Sequence[Feature]
    contributions: dict[str, float]

    @cached_property
    def by_word(self) -> dict[int, float]:
        """Contribution of each word (Term index) to the decision value; computed only
        when a finding is explained."""
        by_word: dict[int, float] = {}
        seen: set[str] = set()
        for f in self.features:
            if f.name in seen or f.name not in self.contributions or not f.words:
                continue
            seen.add(f.name)
            share = self.contributions[f.name] / len(f.words)
            for w in f.words:
                by_word[w] = by_word.get(w, 0.0) + share
        return by_word


@dataclass(frozen=True)
class Trees:
    """Gradient-boosted regression trees over a reply's summary (``SUMMARY``), as plain
    lists: per tree the left and right child of each node (-1 at a leaf), the summary
    value it splits on, the split point, and the node's value."""

    init: float
    rate: float
    trees: tuple[tuple[list[int], list[int], list[int], list[float], list[float]], ...]

    @classmethod
    def of(cls, data: dict[str, Any]) -> Trees:
        return cls(
            float(data["init"]),
            float(data["rate"]),
            tuple(
                (list(t[0]), list(t[1]), list(t[2]), [float(x) for x in t[3]], list(t[4]))
                for t in data["trees"]
            ),
        )

    def probability(self, x: Sequence[float]) -> float:
        z = self.init
        for left, right, feature, split, value in self.trees:
            n = 0
            while left[n] >= 0:
                n = left[n] if x[feature[n]] <= split[n] else right[n]
            z += self.rate * value[n]
        return sigmoid(z)


@dataclass(frozen=True)
class KindModel:
    intercept: float
    weights: dict[str, float]

    def score(self, names: set[str]) -> float:
        return self.intercept + sum(self.weights.get(n, 0.0) for n in names)


NEVER = 1.0  # a sentence block of 1.0 means no sentence blocks on its own


def sentence_blocks(sentence: float, block: float) -> bool:
    """Whether a sentence's linear score reaches the sentence block (never at ``NEVER``)."""
    return block < NEVER and sentence >= block


class LinearModel:
    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("format") != FORMAT:
            raise ModelError("PHI model artefact has an unknown format")
        self.meta: dict[str, Any] = dict(data.get("meta", {}))
        self.threshold = float(data["threshold"])
        self.sentence_threshold = float(data.get("sentence_threshold", 1.0))
        # a sentence at or above this blocks whatever the second stage says
        self.sentence_block = float(data.get("sentence_block", NEVER))
        self.intercept = float(data["intercept"])
        names, idf, weight = data["feature_names"], data["feature_idf"], data["feature_weight"]
        if not len(names) == len(idf) == len(weight):
            raise ModelError("PHI model artefact is malformed")
        index = {name: i for i, name in enumerate(names)}
        self.idf = Column(index, [float(x) for x in idf])
        self.weight = Column(index, [float(x) for x in weight])
        stage = data.get("stage2")
        if stage and stage.get("summary") != list(SUMMARY):
            raise ModelError("PHI model was trained on another summary (run `make phi-train`)")
        self.stage2 = Trees.of(stage) if stage else None
        self.kinds = {
            kind: KindModel(float(k["intercept"]), {n: float(w) for n, w in k["weights"].items()})
            for kind, k in data["kinds"].items()
        }

    @classmethod
    def load(cls, path: Path = MODEL_PATH, sha_path: Path | None = MODEL_SHA_PATH) -> LinearModel:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"PHI model not found at {path} (run `make phi-train`)") from exc
        if sha_path is not None:
            try:
                expected = sha_path.read_text(encoding="utf-8").split()[0]
            except (OSError, IndexError) as exc:
                raise ModelError(f"PHI model checksum missing at {sha_path}") from exc
            if hashlib.sha256(raw).hexdigest() != expected:
                raise ModelError("PHI model does not match its recorded SHA-256")
        try:
            return cls(json.loads(raw))
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelError("PHI model artefact is malformed") from exc

    def score(self, features: Sequence[Feature]) -> Scored:
        vec = tfidf(features, self.idf)
        z = self.intercept
        contrib: dict[str, float] = {}
        for name, v in vec.items():
            c = v * self.weight[name]
            z += c
            contrib[name] = c
        return Scored(sigmoid(z), features, contrib)

    def summary(
        self, whole: Sequence[Feature], sentences: Sequence[float], words: int
    ) -> list[float]:
        """What the second stage reads (``SUMMARY``): the linear scores of the reply and
        of its worst sentence (``sentences``: each sentence's linear score), the length,
        and structural cues (second person, named reviewer, clinical words new or
        echoed, placeholders)."""
        reply = self.score(whole).probability
        sentence = max(sentences, default=reply)
        names = Counter(f.name for f in whole)
        return [
            logit(reply),
            logit(sentence),
            math.log1p(words),
            float(len(sentences)),
            float(any(n in names for n in _YOU)),
            *(float(c in names) for c in SUMMARY_CUES),
            *(float(names[w]) for w in SUMMARY_WORDS),
        ]

    def disclosure(self, whole: Sequence[Feature], sentences: Sequence[float], words: int) -> float:
        """The probability that the reply discloses: the second stage over its summary,
        or (a first-stage model, inside training) the linear score of the reply."""
        if self.stage2 is None:
            return self.score(whole).probability
        return self.stage2.probability(self.summary(whole, sentences, words))

    def blocks_alone(self, sentence: float) -> bool:
        """Whether a sentence scoring ``sentence`` blocks whatever the second stage says."""
        return sentence_blocks(sentence, self.sentence_block)

    def kind_scores(self, features: Sequence[Feature]) -> dict[str, float]:
        names = {f.name for f in features if not f.name.startswith("h:")}
        return {kind: m.score(names) for kind, m in self.kinds.items()}


__all__ = [
    "FORMAT",
    "MODEL_PATH",
    "MODEL_SHA_PATH",
    "NEVER",
    "SUMMARY",
    "KindModel",
    "LinearModel",
    "ModelError",
    "Scored",
    "Trees",
    "logit",
    "sentence_blocks",
    "sigmoid",
    "tfidf",
]
