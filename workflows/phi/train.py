"""``make phi-train``: fit the disclosure classifier on the corpus and write the artefact.

    python -m workflows.phi.train [--corpus DIR] [--out FILE] [--check]

Reads every ``corpus/*.jsonl`` (phi-check JSONL lines with ``label`` and ``kinds``), reads each
reply once through the same :class:`~workflows.phi.analysis.Analyser` the screen uses,
runs five-fold cross-validation by writer (each batch file is held out whole, so every reply
is scored by a model that saw nothing of its writer's batch, as a blind holdout is) to
choose the threshold (the highest one whose pooled recall on the blind-written batches
reaches ``TARGET_RECALL``), fits the final model on everything, and writes
``model/phi-model.json`` with its SHA-256. ``--check`` retrains and fails if the result
differs from the committed artefact. scikit-learn is needed here only, not to serve.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workflows.phi.corpus_build import read_jsonl
from workflows.phi.features import Feature
from workflows.phi.forked import SHARED, available_memory, cores, run_forked
from workflows.phi.model import (
    FORMAT,
    MODEL_PATH,
    MODEL_SHA_PATH,
    NEVER,
    SUMMARY,
    LinearModel,
    Trees,
    sentence_blocks,
    tfidf,
)
from workflows.phi.types import FINDING_KINDS, MentionContext

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
SEED = 20261203
FOLDS = 5
TARGET_RECALL = 0.98
C = 20.0
KIND_C = 0.5
MIN_DF = 2
# the memory a forked fit needs, measured before the corpus is read (62,831 replies, two
# workers, in the test suite: 1.2 GB in use before, 18.2 GB at the peak)
WORKER_BYTES_PER_ROW = 140_000
# the second stage: gradient-boosted trees over each reply's summary (model.SUMMARY)
TREES = {"max_iter": 200, "max_depth": 4, "learning_rate": 0.05}
# summary values the second stage's probability may only rise with
MONOTONE = ("reply_logit", "sentence_logit")
# batches written blind (a writer who saw only SPEC §5 and a brief, scored before joining):
# the text most like what the screen is judged on, so the threshold is chosen on them
BLIND_WRITTEN = ("learned-holdout-", "earlier-holdout-")
# candidate sentence blocks (a sentence's linear probability that blocks on its own)
SENTENCE_BLOCKS = (0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98)


@dataclass(frozen=True)
class Row:
    id: str
    reply: str
    mention: MentionContext
    unsafe: bool
    kinds: tuple[str, ...]
    lang: str
    source: str = ""  # the corpus file (its stem): the writer's batch

    @property
    def blind_written(self) -> bool:
        return self.source.startswith(BLIND_WRITTEN)


@dataclass(frozen=True)
class Featurized:
    whole: list[Feature]
    sentences: list[list[Feature]]
    deterministic: bool
    words: int


def corpus_files(corpus: Path = CORPUS_DIR) -> list[Path]:
    return sorted(corpus.glob("*.jsonl"))


def corpus_sha256(corpus: Path = CORPUS_DIR) -> str:
    h = hashlib.sha256()
    for path in corpus_files(corpus):
        h.update(path.name.encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def row_of(d: dict[str, Any], source: str = "") -> Row:
    m = d.get("mention") or {}
    return Row(
        id=str(d["id"]),
        reply=str(d["reply"]),
        mention=MentionContext(
            author=str(m.get("author") or ""),
            text=str(m.get("text") or ""),
            platform=str(m.get("platform") or ""),
        ),
        unsafe=d["label"] == "unsafe",
        kinds=tuple(k for k in d.get("kinds") or () if k in FINDING_KINDS),
        lang=str(d.get("lang") or "en"),
        source=source,
    )


def load_rows(paths: Sequence[Path]) -> list[Row]:
    rows: list[Row] = []
    for path in paths:
        rows.extend(row_of(d, path.stem) for d in read_jsonl(path))
    return rows


def featurize(analyser: Any, rows: Sequence[Row]) -> list[Featurized]:
    # one process: features pickled back from workers took 2.6 times the memory and
    # saved no time
    out: list[Featurized] = []
    for r in rows:
        a = analyser.analyse(r.reply, r.mention, None)
        sents = [a.features(s.start, s.end) for s in a.sentences]
        out.append(Featurized(a.features(), sents, bool(a.deterministic), len(a.terms)))
    return out


def default_workers(rows: int, available: int | None = None, cpus: int | None = None) -> int:
    """One process per core, at most one per fit (the folds and the final model), and
    no more than the available memory holds: each worker's fit touches, and so copies,
    the features it inherits (about ``WORKER_BYTES_PER_ROW`` a corpus row)."""
    available = available_memory() if available is None else available
    cpus = cores() if cpus is None else cpus
    by_memory = available // max(1, rows * WORKER_BYTES_PER_ROW)
    return int(max(1, min(FOLDS + 1, cpus, by_memory)))


def _sig(x: float) -> float:
    return float(f"{x:.6g}")


def _matrix(vectors: Iterable[dict[str, float]], columns: dict[str, int]) -> Any:
    """One CSR row per vector, built as the vectors come, in typed arrays: lists of
    Python numbers (and every row's dict at once) held several GB per fit at 60,000
    replies, with two fits running at a time."""
    from array import array

    import numpy as np
    from scipy.sparse import csr_matrix

    indptr, indices, values = array("q", [0]), array("q"), array("d")
    for v in vectors:
        for name, x in v.items():
            indices.append(columns[name])
            values.append(x)
        indptr.append(len(indices))
    arrays = (
        np.frombuffer(values),
        np.frombuffer(indices, np.int64),
        np.frombuffer(indptr, np.int64),
    )
    return csr_matrix(arrays, shape=(len(indptr) - 1, len(columns)))


def _fit_linear(docs: Sequence[list[Feature]], labels: Sequence[int], seed: int) -> dict[str, Any]:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    n = len(docs)
    df: dict[str, int] = {}
    for doc in docs:
        for name in {f.name for f in doc}:
            df[name] = df.get(name, 0) + 1
    idf = {name: _sig(math.log((1 + n) / (1 + c)) + 1.0) for name, c in df.items() if c >= MIN_DF}
    names = sorted(idf)
    col = {name: i for i, name in enumerate(names)}
    clf = LogisticRegression(
        C=C, solver="liblinear", class_weight="balanced", random_state=seed, max_iter=1000
    )
    clf.fit(_matrix((tfidf(doc, idf) for doc in docs), col), np.array(labels))
    coef = clf.coef_[0]
    return {
        "format": FORMAT,
        "threshold": 0.5,
        "intercept": _sig(float(clf.intercept_[0])),
        # three parallel arrays, in the order of the sorted names: a few times quicker to
        # read at start-up than one small [idf, weight] list per feature
        "feature_names": names,
        "feature_idf": [idf[name] for name in names],
        "feature_weight": [_sig(float(coef[i])) for i in range(len(names))],
    }


def _fit_kinds(data: Sequence[Featurized], rows: Sequence[Row], seed: int) -> dict[str, Any]:
    """One small model per kind, on the words and cues of unsafe replies."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    unsafe = [i for i, r in enumerate(rows) if r.unsafe]
    kdf: dict[str, int] = {}
    for i in unsafe:
        for name in {f.name for f in data[i].whole if not f.name.startswith("h:")}:
            kdf[name] = kdf.get(name, 0) + 1
    knames = sorted(k for k, c in kdf.items() if c >= 3)
    kcol = {name: i for i, name in enumerate(knames)}
    X = _matrix(({f.name: 1.0 for f in data[i].whole if f.name in kcol} for i in unsafe), kcol)
    kinds: dict[str, Any] = {}
    for kind in FINDING_KINDS:
        y = np.array([1 if kind in rows[i].kinds else 0 for i in unsafe])
        if y.sum() < 5 or y.sum() == len(y):
            continue
        clf = LogisticRegression(
            C=KIND_C, solver="liblinear", class_weight="balanced", random_state=seed
        )
        clf.fit(X, y)
        w = clf.coef_[0]
        kinds[kind] = {
            "intercept": _sig(float(clf.intercept_[0])),
            "weights": {
                knames[j]: round(float(w[j]), 4) for j in range(len(knames)) if abs(w[j]) >= 0.02
            },
        }
    return kinds


def fit(data: Sequence[Featurized], rows: Sequence[Row], seed: int = SEED) -> dict[str, Any]:
    """The artefact's content (threshold 0.5) for these rows.

    Sentences are scored at run time, so the model learns from them too: every
    sentence of a safe reply is a safe example, and (after a first fit on whole
    replies) the sentence of each unsafe reply that scores highest is an unsafe one.
    """
    docs: list[list[Feature]] = [d.whole for d in data]
    labels = [1 if r.unsafe else 0 for r in rows]
    for d, r in zip(data, rows, strict=True):
        if not r.unsafe and len(d.sentences) > 1:
            docs.extend(d.sentences)
            labels.extend([0] * len(d.sentences))
    first = LinearModel({**_fit_linear(docs, labels, seed), "kinds": {}})
    for d, r in zip(data, rows, strict=True):
        if r.unsafe and len(d.sentences) > 1:
            docs.append(max(d.sentences, key=lambda s: first.score(s).probability))
            labels.append(1)
    content = _fit_linear(docs, labels, seed)
    content["kinds"] = _fit_kinds(data, rows, seed)
    return content


@dataclass(frozen=True)
class Decision:
    """Out-of-fold view of one reply: linear scores (whole, worst sentence), identifiers,
    and the summary the second stage reads."""

    whole: float
    sentence: float
    deterministic: bool
    summary: tuple[float, ...]


def decide(model: LinearModel, d: Featurized) -> Decision:
    whole = model.score(d.whole).probability
    sentences = [model.score(s).probability for s in d.sentences]
    return Decision(
        whole,
        max(sentences, default=0.0),
        d.deterministic,
        tuple(model.summary(d.whole, sentences, d.words)),
    )


def second_stage(seed: int) -> Any:
    """The unfitted second stage: boosted trees, monotone in the linear scores."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rising = [1 if name in MONOTONE else 0 for name in SUMMARY]
    return HistGradientBoostingClassifier(
        random_state=seed, early_stopping=False, monotonic_cst=rising, **TREES
    )


def fit_trees(
    summaries: Sequence[Sequence[float]], labels: Sequence[int], seed: int
) -> dict[str, Any]:
    """The second stage, as plain lists (``model.Trees``). Its probability never falls
    as a linear score (of the reply or of its worst sentence) rises."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    gb = second_stage(seed)
    # one thread: parallel sums could round differently and change the artefact
    with threadpool_limits(1):
        gb.fit(np.array(summaries, dtype=float), np.array(labels))
    trees = []
    for (predictor,) in gb._predictors:
        nodes = predictor.nodes
        leaf = [bool(x) for x in nodes["is_leaf"]]
        trees.append(
            [
                [-1 if f else int(x) for x, f in zip(nodes["left"], leaf, strict=True)],
                [-1 if f else int(x) for x, f in zip(nodes["right"], leaf, strict=True)],
                [int(x) for x in nodes["feature_idx"]],
                [float(x) for x in nodes["num_threshold"]],
                # leaf values already carry the learning rate
                [float(x) for x in nodes["value"]],
            ]
        )
    return {
        "summary": list(SUMMARY),
        "init": float(np.ravel(gb._baseline_prediction)[0]),
        "rate": 1.0,
        "trees": trees,
    }


def folds(rows: Sequence[Row], seed: int) -> list[tuple[list[int], list[int]]]:
    """Five stratified folds that keep each writer's batch (corpus file) whole; by row
    when there are too few batches to spread over the folds (a small test corpus)."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    labels = [1 if r.unsafe else 0 for r in rows]
    index = list(range(len(rows)))
    groups = [r.source for r in rows]
    if len(set(groups)) >= 4 * FOLDS:
        split = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
        return [(list(a), list(b)) for a, b in split.split(index, labels, groups)]
    by_row = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    return [(list(a), list(b)) for a, b in by_row.split(index, labels)]


def calibration(rows: Sequence[Row]) -> list[int]:
    """The rows the thresholds are chosen on: the blind-written batches when the corpus
    has enough of them (at least 500 unsafe replies), else every row."""
    blind = [i for i, r in enumerate(rows) if r.blind_written]
    return blind if sum(rows[i].unsafe for i in blind) >= 500 else list(range(len(rows)))


def _fit_job(job: tuple[list[int], list[int]] | None) -> Any:
    """The final model's content (``None``), or one fold's out-of-fold decisions."""
    data, rows, seed = SHARED["data"], SHARED["rows"], SHARED["seed"]
    if job is None:
        return fit(data, rows, seed)
    train_idx, test_idx = job
    model = LinearModel(fit([data[i] for i in train_idx], [rows[i] for i in train_idx], seed))
    return [(i, decide(model, data[i])) for i in test_idx]


def fit_and_cross_validate(
    data: Sequence[Featurized],
    rows: Sequence[Row],
    seed: int = SEED,
    workers: int = 1,
    final: bool = True,
) -> tuple[list[Decision], dict[str, Any] | None]:
    """Out-of-fold decisions for every row and (``final``) the content fitted on every
    row: six independent fits, spread over ``workers`` processes."""
    jobs: list[tuple[list[int], list[int]] | None] = [None] if final else []
    jobs.extend(folds(rows, seed))
    results = run_forked(workers, _fit_job, jobs, data=data, rows=rows, seed=seed)
    content = results.pop(0) if final else None
    out: list[Decision | None] = [None] * len(rows)
    for part in results:
        for i, d in part:
            out[i] = d
    return [d for d in out if d is not None], content


def cross_validate(
    data: Sequence[Featurized], rows: Sequence[Row], seed: int = SEED, workers: int = 1
) -> list[Decision]:
    """Out-of-fold decisions for every row."""
    return fit_and_cross_validate(data, rows, seed, workers, final=False)[0]


def stage2_probabilities(
    decisions: Sequence[Decision], rows: Sequence[Row], seed: int = SEED
) -> list[float]:
    """Out-of-fold probabilities of the second stage, each from trees trained on the
    out-of-fold summaries of the other folds."""
    labels = [1 if r.unsafe else 0 for r in rows]
    out = [0.0] * len(rows)
    for train_idx, test_idx in folds(rows, seed + 1):
        summaries = [decisions[i].summary for i in train_idx]
        trees = Trees.of(fit_trees(summaries, [labels[i] for i in train_idx], seed))
        for i in test_idx:
            out[i] = trees.probability(decisions[i].summary)
    return out


def _highest(scores: Sequence[float], hits: Sequence[bool], target: float) -> float:
    """The highest threshold (step 0.005) at which ``hits`` or a score at or above it
    reaches ``target`` of the rows."""
    for k in range(200):
        t = round(1.0 - 0.005 * (k + 1), 3)
        if sum(h or x >= t for x, h in zip(scores, hits, strict=True)) >= target * len(scores):
            return t
    return 0.0


def choose_thresholds(
    decisions: Sequence[Decision], probs: Sequence[float], rows: Sequence[Row], target: float
) -> tuple[float, float, float]:
    """The second stage's threshold: the highest whose pooled out-of-fold recall on
    unsafe replies reaches ``target``. The sentence threshold that picks which
    sentences of a blocked reply are explained: the highest at which the linear score
    of the worst sentence alone reaches the same recall. And the sentence block: a
    sentence scoring at least this blocks whatever the second stage says, so that
    one disclosing clause is not outweighed by the rest of a long letter; of
    ``SENTENCE_BLOCKS`` (and none, ``NEVER``), the one with the fewest out-of-fold false
    blocks at ``target`` recall, the second stage's threshold chosen again with it."""
    unsafe = [i for i, r in enumerate(rows) if r.unsafe]
    safe = [i for i, r in enumerate(rows) if not r.unsafe]
    det = [decisions[i].deterministic for i in unsafe]
    sentence_t = _highest(
        [max(decisions[i].sentence, decisions[i].whole) for i in unsafe], det, target
    )
    best: tuple[int, float, float] | None = None
    for block in (NEVER, *SENTENCE_BLOCKS):
        hits = [
            d or sentence_blocks(decisions[i].sentence, block)
            for d, i in zip(det, unsafe, strict=True)
        ]
        t = _highest([probs[i] for i in unsafe], hits, target)
        false_blocks = sum(
            decisions[i].deterministic
            or probs[i] >= t
            or sentence_blocks(decisions[i].sentence, block)
            for i in safe
        )
        if best is None or false_blocks < best[0]:
            best = (false_blocks, t, block)
    assert best is not None
    return best[1], sentence_t, best[2]


def calibrated_thresholds(
    decisions: Sequence[Decision],
    probs: Sequence[float],
    rows: Sequence[Row],
    cal: Sequence[int] | None = None,
) -> tuple[float, float, float]:
    """``choose_thresholds`` at ``TARGET_RECALL`` on the calibration rows ``cal``
    (``calibration(rows)`` when not given)."""
    cal = calibration(rows) if cal is None else cal
    return choose_thresholds(
        [decisions[i] for i in cal], [probs[i] for i in cal], [rows[i] for i in cal], TARGET_RECALL
    )


def cv_report(
    decisions: Sequence[Decision],
    probs: Sequence[float],
    rows: Sequence[Row],
    threshold: float,
    sentence_block: float = NEVER,
) -> dict[str, Any]:
    def blocks(d: Decision, p: float, t: float) -> bool:
        return d.deterministic or p >= t or sentence_blocks(d.sentence, sentence_block)

    blocked = [blocks(d, p, threshold) for d, p in zip(decisions, probs, strict=True)]

    def rate(idx: list[int], by: Sequence[bool] = blocked) -> dict[str, Any]:
        uns = [i for i in idx if rows[i].unsafe]
        safe = [i for i in idx if not rows[i].unsafe]
        return {
            "unsafe": len(uns),
            "recall": round(sum(by[i] for i in uns) / len(uns), 4) if uns else None,
            "safe": len(safe),
            "false_block": round(sum(by[i] for i in safe) / len(safe), 4) if safe else None,
        }

    every = list(range(len(rows)))
    blind = [i for i in every if rows[i].blind_written]

    blocked_at = {
        t: [blocks(d, p, t) for d, p in zip(decisions, probs, strict=True)]
        for t in (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9)
    }

    def tradeoff(idx: list[int]) -> list[dict[str, Any]]:
        out = []
        for t, at in blocked_at.items():
            r = rate(idx, at)
            out.append({"threshold": t, "recall": r["recall"], "false_block": r["false_block"]})
        return out

    return {
        "threshold": threshold,
        "sentence_block": sentence_block,
        "tradeoff": tradeoff(every),
        "tradeoff_blind_written": tradeoff(blind) if blind else [],
        "all": rate(every),
        "by_origin": {
            "blind-written batches": rate(blind),
            "batches from briefs": rate([i for i in every if not rows[i].blind_written]),
        },
        "by_lang": {
            lang: rate([i for i in every if rows[i].lang == lang])
            for lang in sorted({r.lang for r in rows})
        },
        "by_kind": {
            kind: rate([i for i in every if kind in rows[i].kinds]) for kind in FINDING_KINDS
        },
    }


def build_analyser() -> Any:
    from workflows.phi.screen import build_analyser

    return build_analyser()


def train(
    corpus: Path = CORPUS_DIR, workers: int | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    import sklearn

    rows = load_rows(corpus_files(corpus))
    workers = default_workers(len(rows)) if workers is None else workers
    data = featurize(build_analyser(), rows)
    decisions, content = fit_and_cross_validate(data, rows, SEED, workers)
    assert content is not None
    probs = stage2_probabilities(decisions, rows)
    cal = calibration(rows)
    threshold, sentence_t, block = calibrated_thresholds(decisions, probs, rows, cal)
    report = cv_report(decisions, probs, rows, threshold, block)
    labels = [1 if r.unsafe else 0 for r in rows]
    content["stage2"] = fit_trees([d.summary for d in decisions], labels, SEED)
    content["threshold"] = threshold
    content["sentence_threshold"] = sentence_t
    content["sentence_block"] = block
    content["meta"] = {
        "corpus_sha256": corpus_sha256(corpus),
        "rows": len(rows),
        "unsafe": sum(r.unsafe for r in rows),
        "seed": SEED,
        "C": C,
        "trees": TREES,
        "target_recall": TARGET_RECALL,
        "folds": "stratified, each writer's batch whole",
        "calibrated_on": "blind-written batches" if len(cal) < len(rows) else "all",
        "scikit_learn": sklearn.__version__,
        "cross_validation": report,
    }
    return content, report


def print_report(report: dict[str, Any], rows_count: int) -> None:
    print(f"five-fold cross-validation on the corpus ({rows_count} replies)")
    print(f"threshold on the second stage's probability: {report['threshold']}")
    block = report.get("sentence_block", NEVER)
    print(f"a sentence blocks on its own at: {block if block < NEVER else 'never'}")

    def line(label: str, r: dict[str, Any]) -> str:
        rec = f"{r['recall']:.3f} of {r['unsafe']}" if r["recall"] is not None else "-"
        fb = f"{r['false_block']:.3f} of {r['safe']}" if r["false_block"] is not None else "-"
        return f"  {label:22} recall {rec:>16}   false blocks {fb:>16}"

    print(line("all", report["all"]))
    for origin, r in report.get("by_origin", {}).items():
        if r["unsafe"]:
            print(line(origin, r))
    for label, key in (("all", "tradeoff"), ("blind-written", "tradeoff_blind_written")):
        if report.get(key):
            print(
                f"  threshold -> recall / false blocks ({label}): "
                + ", ".join(
                    f"{p['threshold']}: {p['recall']:.3f}/{p['false_block']:.3f}"
                    for p in report[key]
                )
            )
    for lang, r in report["by_lang"].items():
        print(line(f"language {lang}", r))
    for kind, r in report["by_kind"].items():
        if r["unsafe"]:
            print(line(kind, r))


def dump(content: dict[str, Any]) -> bytes:
    return (
        json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
    ).encode()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m workflows.phi.train")
    ap.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--check", action="store_true", help="fail if retraining changes the artefact")
    ap.add_argument(
        "--cv-only", action="store_true", help="print the cross-validation report; write nothing"
    )
    ap.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes for the six fits (the result is the same; default: one per core "
        "that the available memory allows)",
    )
    args = ap.parse_args(argv)
    if args.cv_only:
        rows = load_rows(corpus_files(args.corpus))
        # sized before the corpus's features take their memory, as in ``train``
        workers = default_workers(len(rows)) if args.workers is None else args.workers
        data = featurize(build_analyser(), rows)
        decisions = cross_validate(data, rows, SEED, workers)
        probs = stage2_probabilities(decisions, rows)
        t, _st, block = calibrated_thresholds(decisions, probs, rows)
        print_report(cv_report(decisions, probs, rows, t, block), len(rows))
        return 0
    content, report = train(args.corpus, args.workers)
    raw = dump(content)
    if args.check:
        same = args.out.exists() and args.out.read_bytes() == raw
        print("PHI model matches the corpus" if same else "PHI model differs from a retrain")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(raw)
    sha = hashlib.sha256(raw).hexdigest()
    sha_path = (
        args.out.with_name(args.out.name + ".sha256") if args.out != MODEL_PATH else MODEL_SHA_PATH
    )
    sha_path.write_text(f"{sha}  {args.out.name}\n", encoding="utf-8")
    print_report(report, content["meta"]["rows"])
    print(f"wrote {args.out} ({len(raw)} bytes, sha256 {sha})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
