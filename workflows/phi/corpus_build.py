"""Add a writer's batch to the training corpus: validate, deduplicate, record provenance.

    python -m workflows.phi.corpus_build add BATCH.jsonl --name NAME --brief "…" [--writer …]
    python -m workflows.phi.corpus_build check

``add`` validates every line (the phi-check line fields, ``label``, known ``kinds``), drops exact
and near duplicates (character n-gram cosine of the reply at or above ``NEAR``) within
the batch, against the corpus, and against every evaluation set (the development set,
every ``*.jsonl`` in ``bench/data/holdouts/`` and the real-world set), then writes
``corpus/NAME.jsonl`` and its entry in ``corpus/MANIFEST.json``. ``check`` re-runs the
same validation and duplicate search over the committed corpus (a test calls it).

A blind holdout joins the corpus only after its first score is recorded: ``git rm`` it
from ``bench/data/holdouts/`` first, then ``add`` it (as ``learned-holdout-a`` was).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workflows.phi.forked import SHARED, cores, run_forked
from workflows.phi.types import FINDING_KINDS
from workflows.phi.vocab import looks_spanish, tokenize

PHI_DIR = Path(__file__).resolve().parent
CORPUS_DIR = PHI_DIR / "corpus"
MANIFEST = CORPUS_DIR / "MANIFEST.json"
REPO = PHI_DIR.parent.parent
EVAL_SETS = (
    REPO / "bench" / "data" / "holdouts",
    REPO / "bench" / "data" / "phi-realworld.jsonl",
    REPO.parent / "shared" / "phi-devset.jsonl",
)
NEAR = 0.9
PLATFORMS = frozenset(
    "google yelp facebook x twitter instagram tiktok reddit healthgrades zocdoc vitals "
    "nextdoor tripadvisor ratemds other".split()
)


class CorpusError(ValueError):
    pass


def validate(d: Any, where: str) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise CorpusError(f"{where}: not an object")
    for key in ("id", "reply", "label"):
        if not isinstance(d.get(key), str) or not d[key].strip():
            raise CorpusError(f"{where}: missing {key}")
    m = d.get("mention")
    if not isinstance(m, dict) or not all(
        isinstance(m.get(k, ""), str) for k in ("author", "text", "platform")
    ):
        raise CorpusError(f"{where}: mention must have author, text, platform strings")
    if d["label"] not in ("safe", "unsafe"):
        raise CorpusError(f"{where}: label must be safe or unsafe")
    kinds = d.get("kinds") or []
    if not isinstance(kinds, list) or any(k not in FINDING_KINDS for k in kinds):
        raise CorpusError(f"{where}: unknown kind")
    if d["label"] == "safe" and kinds:
        raise CorpusError(f"{where}: a safe reply has no kinds")
    if d["label"] == "unsafe" and not kinds:
        raise CorpusError(f"{where}: an unsafe reply needs its kinds")
    if d.get("lang", "en") not in ("en", "es"):
        raise CorpusError(f"{where}: lang must be en or es")
    return {
        "id": d["id"],
        "mention": {
            "author": m.get("author", ""),
            "text": m.get("text", ""),
            "platform": (m.get("platform") or "other").lower(),
        },
        "reply": d["reply"],
        "label": d["label"],
        "kinds": sorted(set(kinds), key=FINDING_KINDS.index),
        "lang": d.get("lang") or guess_lang(d["reply"]),
        **({"note": d["note"]} if isinstance(d.get("note"), str) else {}),
    }


def guess_lang(text: str) -> str:
    return "es" if looks_spanish([t.key for t in tokenize(text)]) else "en"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """One object per line; lines end at "\\n" only (a reply may hold U+2028)."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError as exc:
                raise CorpusError(f"{path.name}:{n}: invalid JSON") from exc
    return out


def _key(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\W_]+", " ", t).strip()


def _eval_rows(eval_sets: Sequence[Path] = EVAL_SETS) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for p in eval_sets:
        files = sorted(p.glob("*.jsonl")) if p.is_dir() else ([p] if p.exists() else [])
        for f in files:
            rows.extend(read_jsonl(f))
    return rows


def near_duplicates(
    candidates: Sequence[str], reference: Sequence[str], block: int = 500, workers: int = 1
) -> list[bool]:
    """For each candidate: is it a near duplicate of a reference or an earlier candidate?
    Similarities are taken ``block`` rows at a time (the whole corpus against itself at
    once held about 16 GB at 40,000 replies), the blocks in up to ``workers`` processes;
    the verdicts are then settled in order, in this process."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    keys = [_key(t) for t in candidates]
    refs = [_key(t) for t in reference]
    # weights from the candidates alone: adding an evaluation set must not change which
    # candidate pairs count as near duplicates
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 4), min_df=1)
    vec.fit(keys)
    C = vec.transform(keys)
    R = vec.transform(refs) if refs else None
    blocks = list(range(0, len(keys), block))
    exact = set(refs)
    parts = run_forked(workers, _near_block, blocks, C=C, R=R, block=block)
    dup: list[bool] = []
    seen: set[str] = set()
    for lo, part in zip(blocks, parts, strict=True):
        for i, (near_reference, close) in enumerate(part, lo):
            # in order, so every earlier candidate's verdict is already known
            dup.append(
                keys[i] in exact
                or near_reference
                or keys[i] in seen
                or any(not dup[j] for j in close)
            )
            seen.add(keys[i])
    return dup


def _near_block(lo: int) -> list[tuple[bool, list[int]]]:
    """For each of the block's rows: is it close to a reference, and which earlier
    candidates are close to it?"""
    C, R, block = SHARED["C"], SHARED["R"], SHARED["block"]
    hi = min(lo + block, C.shape[0])
    rows = C[lo:hi]
    to_refs = (rows @ R.T).tocsr() if R is not None else None
    to_earlier = (rows @ C[:hi].T).tocsr()
    out: list[tuple[bool, list[int]]] = []
    for k in range(hi - lo):
        near_reference = False
        if to_refs is not None and to_refs.indptr[k + 1] > to_refs.indptr[k]:
            ref_sims = to_refs.data[to_refs.indptr[k] : to_refs.indptr[k + 1]]
            near_reference = float(ref_sims.max()) >= NEAR
        a, b = to_earlier.indptr[k], to_earlier.indptr[k + 1]
        close = [
            int(j)
            for j, v in zip(to_earlier.indices[a:b], to_earlier.data[a:b], strict=True)
            if j < lo + k and v >= NEAR
        ]
        out.append((near_reference, close))
    return out


def load_manifest() -> dict[str, Any]:
    if MANIFEST.exists():
        data: dict[str, Any] = json.loads(MANIFEST.read_text(encoding="utf-8"))
        return data
    return {"batches": []}


def add(
    path: Path, name: str, brief: str, writer: str, *, check_after: bool = True
) -> dict[str, Any]:
    if not re.fullmatch(r"[a-z0-9-]+", name):
        raise CorpusError("batch name: lower-case letters, digits and hyphens only")
    rows = [validate(d, f"{path.name}:{i + 1}") for i, d in enumerate(read_jsonl(path))]
    existing = [
        r for f in sorted(CORPUS_DIR.glob("*.jsonl")) if f.stem != name for r in read_jsonl(f)
    ]
    reference = [r["reply"] for r in existing] + [r["reply"] for r in _eval_rows()]
    dup = near_duplicates([r["reply"] for r in rows], reference, workers=cores())
    kept = [r for r, d in zip(rows, dup, strict=True) if not d]
    for r in kept:
        r["id"] = f"{name}-{r['id']}" if not r["id"].startswith(name) else r["id"]
    CORPUS_DIR.mkdir(exist_ok=True)
    out = CORPUS_DIR / f"{name}.jsonl"
    out.write_text(
        "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in kept),
        encoding="utf-8",
    )
    entry = {
        "file": out.name,
        "writer": writer,
        "brief": brief,
        "rows": len(kept),
        "unsafe": sum(r["label"] == "unsafe" for r in kept),
        "spanish": sum(r["lang"] == "es" for r in kept),
        "dropped_duplicates": len(rows) - len(kept),
        "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
    }
    manifest = load_manifest()
    manifest["batches"] = [b for b in manifest["batches"] if b["file"] != out.name] + [entry]
    manifest["batches"].sort(key=lambda b: b["file"])
    MANIFEST.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    # the n-gram weights of the whole corpus now include this batch: pairs that only
    # they make near duplicates are dropped here, as the check would report them
    # (several batches at once: add each with check_after=False, then ``check --fix``)
    if check_after:
        check(fix=True)
    return next(b for b in load_manifest()["batches"] if b["file"] == out.name)


def check(fix: bool = False, eval_sets: Sequence[Path] = EVAL_SETS) -> list[str]:
    """Problems with the committed corpus (empty when it is sound). With ``fix``, near
    duplicates are removed (the later copy) and the manifest is brought up to date."""
    problems: list[str] = []
    manifest = {b["file"]: b for b in load_manifest()["batches"]}
    where: list[tuple[Path, int]] = []
    replies: list[str] = []
    files = sorted(CORPUS_DIR.glob("*.jsonl"))
    for f in files:
        entry = manifest.get(f.name)
        if entry is None:
            problems.append(f"{f.name}: not in MANIFEST.json")
        elif entry["sha256"] != hashlib.sha256(f.read_bytes()).hexdigest():
            problems.append(f"{f.name}: changed since MANIFEST.json recorded it")
        for i, d in enumerate(read_jsonl(f)):
            try:
                validate(d, f"{f.name}:{i + 1}")
            except CorpusError as exc:
                problems.append(str(exc))
            replies.append(d.get("reply", ""))
            where.append((f, i))
    dup = near_duplicates(replies, [r["reply"] for r in _eval_rows(eval_sets)], workers=cores())
    drop = [where[i] for i, d in enumerate(dup) if d]
    problems.extend(f"{f.name}:{i + 1}: near-duplicate reply" for f, i in drop)
    if fix and drop:
        data = load_manifest()
        for f in files:
            gone = {i for g, i in drop if g == f}
            if not gone:
                continue
            rows = [r for i, r in enumerate(read_jsonl(f)) if i not in gone]
            f.write_text(
                "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows),
                encoding="utf-8",
            )
            for b in data["batches"]:
                if b["file"] == f.name:
                    b["rows"] = len(rows)
                    b["unsafe"] = sum(r["label"] == "unsafe" for r in rows)
                    b["spanish"] = sum(r.get("lang") == "es" for r in rows)
                    b["dropped_duplicates"] += len(gone)
                    b["sha256"] = hashlib.sha256(f.read_bytes()).hexdigest()
        MANIFEST.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        # fewer rows move the n-gram weights, which may make another pair close: again
        # until nothing is dropped (each pass removes rows, so this ends)
        return check(fix=True, eval_sets=eval_sets)
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m workflows.phi.corpus_build")
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("add")
    a.add_argument("path", type=Path)
    a.add_argument("--name", required=True)
    a.add_argument("--brief", required=True)
    a.add_argument("--writer", default="helper agent, independent brief")
    a.add_argument(
        "--defer-check",
        action="store_true",
        help="skip the whole-corpus check (run `check --fix` after the last batch)",
    )
    c = sub.add_parser("check")
    c.add_argument("--fix", action="store_true", help="drop near duplicates, update manifest")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "add":
            defer = args.defer_check
            entry = add(args.path, args.name, args.brief, args.writer, check_after=not defer)
            print(json.dumps(entry))
            return 0
        problems = check(args.fix)
    except CorpusError as exc:
        print(f"corpus: {exc}", file=sys.stderr)
        return 1
    for p in problems[:50]:
        print(p)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
