"""``make phi-train``: fit the disclosure classifier on the corpus and write the artefact.

    python -m workflows.phi.train [--corpus DIR] [--out FILE] [--check]

Reads every ``corpus/*.jsonl`` (phi-check JSONL lines with ``label`` and ``kinds``), reads each
reply once through the same :class:`~workflows.phi.analysis.Analyser` the screen uses,
runs five-fold cross-validation to choose the threshold (the highest one whose pooled
recall reaches ``TARGET_RECALL``), fits the final model on everything, and writes
``model/phi-model.json`` with its SHA-256. ``--check`` retrains and fails if the result
differs from the committed artefact. scikit-learn is needed here only, not to serve.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workflows.phi.features import Feature
from workflows.phi.model import FORMAT, MODEL_PATH, MODEL_SHA_PATH, LinearModel, tfidf
from workflows.phi.types import FINDING_KINDS, MentionContext

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
SEED = 20261203
FOLDS = 5
TARGET_RECALL = 0.98
C = 8.0
KIND_C = 0.5
MIN_DF = 2
# at most this share of safe replies blocked by one sentence alone (cross-validated)
SENTENCE_FALSE_BLOCK = 0.01
# reply lengths (words) with a reply threshold of their own, and the thresholds tried
LENGTH_BUCKETS = (8, 20, 60)
BUCKET_GRID = (0.08, 0.1, 0.12, 0.14, 0.16, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)


@dataclass(frozen=True)
class Row:
    id: str
    reply: str
    mention: MentionContext
    unsafe: bool
    kinds: tuple[str, ...]
    lang: str


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


def row_of(d: dict[str, Any]) -> Row:
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
    )


def load_rows(paths: Sequence[Path]) -> list[Row]:
    rows: list[Row] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(row_of(json.loads(line)))
    return rows


def featurize(analyser: Any, rows: Sequence[Row]) -> list[Featurized]:
    out: list[Featurized] = []
    for r in rows:
        a = analyser.analyse(r.reply, r.mention, None)
        sents = [a.features(s.start, s.end) for s in a.sentences]
        out.append(Featurized(a.features(), sents, bool(a.deterministic), len(a.terms)))
    return out


def _sig(x: float) -> float:
    return float(f"{x:.6g}")


def _matrix(vectors: list[dict[str, float]], columns: dict[str, int]) -> Any:
    from scipy.sparse import csr_matrix

    indptr, indices, values = [0], [], []
    for v in vectors:
        for name, x in v.items():
            indices.append(columns[name])
            values.append(x)
        indptr.append(len(indices))
    return csr_matrix((values, indices, indptr), shape=(len(vectors), len(columns)))


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
    clf.fit(_matrix([tfidf(doc, idf) for doc in docs], col), np.array(labels))
    coef = clf.coef_[0]
    return {
        "format": FORMAT,
        "threshold": 0.5,
        "intercept": _sig(float(clf.intercept_[0])),
        "features": {name: [idf[name], _sig(float(coef[i]))] for i, name in enumerate(names)},
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
    X = _matrix([{f.name: 1.0 for f in data[i].whole if f.name in kcol} for i in unsafe], kcol)
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
    """Out-of-fold scores of one reply: whole reply, worst sentence, identifiers."""

    whole: float
    sentence: float
    deterministic: bool
    words: int

    def blocks(self, threshold: float, sentence_threshold: float) -> bool:
        return self.deterministic or self.whole >= threshold or self.sentence >= sentence_threshold

    def blocks_by_length(self, by_length: Sequence[Sequence[Any]], sentence_t: float) -> bool:
        return self.blocks(threshold_for(by_length, self.words), sentence_t)


def decide(model: LinearModel, d: Featurized) -> Decision:
    whole = model.score(d.whole).probability
    sentence = max((model.score(s).probability for s in d.sentences), default=0.0)
    return Decision(whole, sentence, d.deterministic, d.words)


def cross_validate(
    data: Sequence[Featurized], rows: Sequence[Row], seed: int = SEED
) -> list[Decision]:
    """Out-of-fold decisions for every row."""
    from sklearn.model_selection import StratifiedKFold

    labels = [1 if r.unsafe else 0 for r in rows]
    out: list[Decision | None] = [None] * len(rows)
    skf = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    for train_idx, test_idx in skf.split(list(range(len(rows))), labels):
        model = LinearModel(fit([data[i] for i in train_idx], [rows[i] for i in train_idx], seed))
        for i in test_idx:
            out[i] = decide(model, data[i])
    return [d for d in out if d is not None]


def choose_thresholds(
    decisions: Sequence[Decision], rows: Sequence[Row], target: float
) -> tuple[float, float, list[list[Any]]]:
    """The sentence threshold keeps sentence-only blocks of safe replies under
    ``SENTENCE_FALSE_BLOCK``. Then, for replies of each length (``LENGTH_BUCKETS``
    words), the reply thresholds that reach the target recall over all replies while
    blocking the fewest safe ones (short replies carry few words, so a disclosure scores
    lower there than in a long reply). The single threshold that reaches the target is
    kept too: it is what ``PHI_THRESHOLD`` replaces, and the trade-off table's scale."""
    import itertools

    import numpy as np

    safe_s = [d.sentence for d, r in zip(decisions, rows, strict=True) if not r.unsafe]
    grid = [round(0.5 + 0.01 * k, 2) for k in range(50)]
    sentence_t = next(
        (t for t in grid if sum(x >= t for x in safe_s) <= SENTENCE_FALSE_BLOCK * len(safe_s)),
        0.99,
    )
    unsafe = [d for d, r in zip(decisions, rows, strict=True) if r.unsafe]
    threshold = 0.5
    for t in [round(0.5 - 0.01 * k, 2) for k in range(45)]:
        threshold = t
        caught = sum(d.blocks(t, sentence_t) for d in unsafe)
        if unsafe and caught / len(unsafe) >= target:
            break
    y = np.array([r.unsafe for r in rows])
    whole = np.array([d.whole for d in decisions])
    fixed = np.array([d.deterministic or d.sentence >= sentence_t for d in decisions])
    words = np.array([d.words for d in decisions])
    bounds = [0, *LENGTH_BUCKETS, 10**9]
    masks = [(words >= lo) & (words < hi) for lo, hi in itertools.pairwise(bounds)]
    best: tuple[float, tuple[float, ...]] | None = None
    for ts in itertools.product(BUCKET_GRID, repeat=len(masks)):
        blocked = fixed.copy()
        for m, t in zip(masks, ts, strict=True):
            blocked |= m & (whole >= t)
        if y.any() and blocked[y].mean() >= target:
            fb = float(blocked[~y].mean()) if (~y).any() else 0.0
            if best is None or fb < best[0] or (fb == best[0] and sum(ts) > sum(best[1])):
                best = (fb, ts)
    chosen = best[1] if best is not None else (threshold,) * len(masks)
    by_length = [
        [hi if hi < 10**9 else None, t]
        for (_lo, hi), t in zip(itertools.pairwise(bounds), chosen, strict=True)
    ]
    return threshold, sentence_t, by_length


def threshold_for(by_length: Sequence[Sequence[Any]], words: int) -> float:
    """The reply threshold for a reply of ``words`` words."""
    for upper, t in by_length:
        if upper is None or words < upper:
            return float(t)
    return float(by_length[-1][1])


def cv_report(
    decisions: Sequence[Decision],
    rows: Sequence[Row],
    threshold: float,
    sentence_t: float,
    by_length: Sequence[Sequence[Any]],
) -> dict[str, Any]:
    blocked = [d.blocks_by_length(by_length, sentence_t) for d in decisions]

    def rate(idx: list[int]) -> dict[str, Any]:
        uns = [i for i in idx if rows[i].unsafe]
        safe = [i for i in idx if not rows[i].unsafe]
        caught = sum(blocked[i] for i in uns)
        fb = sum(blocked[i] for i in safe)
        return {
            "unsafe": len(uns),
            "recall": round(caught / len(uns), 4) if uns else None,
            "safe": len(safe),
            "false_block": round(fb / len(safe), 4) if safe else None,
        }

    every = list(range(len(rows)))
    unsafe = [d for d, r in zip(decisions, rows, strict=True) if r.unsafe]
    safe = [d for d, r in zip(decisions, rows, strict=True) if not r.unsafe]
    tradeoff = [
        {
            "threshold": t,
            "recall": round(sum(d.blocks(t, max(t, sentence_t)) for d in unsafe) / len(unsafe), 4),
            "false_block": round(sum(d.blocks(t, max(t, sentence_t)) for d in safe) / len(safe), 4),
        }
        for t in (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7)
        if unsafe and safe
    ]
    return {
        "threshold": threshold,
        "thresholds_by_length": [list(b) for b in by_length],
        "sentence_threshold": sentence_t,
        "tradeoff": tradeoff,
        "all": rate(every),
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


def train(corpus: Path = CORPUS_DIR) -> tuple[dict[str, Any], dict[str, Any]]:
    import sklearn

    rows = load_rows(corpus_files(corpus))
    analyser = build_analyser()
    data = featurize(analyser, rows)
    decisions = cross_validate(data, rows)
    threshold, sentence_t, by_length = choose_thresholds(decisions, rows, TARGET_RECALL)
    report = cv_report(decisions, rows, threshold, sentence_t, by_length)
    content = fit(data, rows)
    content["threshold"] = threshold
    content["thresholds_by_length"] = by_length
    content["sentence_threshold"] = sentence_t
    content["meta"] = {
        "corpus_sha256": corpus_sha256(corpus),
        "rows": len(rows),
        "unsafe": sum(r.unsafe for r in rows),
        "seed": SEED,
        "C": C,
        "target_recall": TARGET_RECALL,
        "scikit_learn": sklearn.__version__,
        "cross_validation": report,
    }
    return content, report


def print_report(report: dict[str, Any], rows: Sequence[Row] = (), rows_count: int = 0) -> None:
    n = len(rows) or rows_count
    print(f"five-fold cross-validation on the corpus ({n} replies)")
    by_length = ", ".join(
        f"under {u} words {t}" if u is not None else f"longer {t}"
        for u, t in report["thresholds_by_length"]
    )
    print(f"thresholds: reply by length ({by_length}), sentence {report['sentence_threshold']}")

    def line(label: str, r: dict[str, Any]) -> str:
        rec = f"{r['recall']:.3f} of {r['unsafe']}" if r["recall"] is not None else "-"
        fb = f"{r['false_block']:.3f} of {r['safe']}" if r["false_block"] is not None else "-"
        return f"  {label:22} recall {rec:>16}   false blocks {fb:>16}"

    print(line("all", report["all"]))
    print(
        "  reply threshold -> recall / false blocks: "
        + ", ".join(
            f"{p['threshold']}: {p['recall']:.3f}/{p['false_block']:.3f}"
            for p in report["tradeoff"]
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
    args = ap.parse_args(argv)
    if args.cv_only:
        rows = load_rows(corpus_files(args.corpus))
        decisions = cross_validate(featurize(build_analyser(), rows), rows)
        t, st, by_length = choose_thresholds(decisions, rows, TARGET_RECALL)
        print_report(cv_report(decisions, rows, t, st, by_length), rows)
        return 0
    content, report = train(args.corpus)
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
    print_report(report, rows_count=content["meta"]["rows"])
    print(f"wrote {args.out} ({len(raw)} bytes, sha256 {sha})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
