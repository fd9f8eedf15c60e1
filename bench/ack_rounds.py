"""``bench/ack_bench.py`` for several checkouts, interleaved, one row per run.

On a shared machine absolute timings drift within minutes; only the ratio to the bare
app measured in the same run compares, and configurations are run in turn (A, B, A,
B, …) so that a busy minute hits each of them.

    .venv/bin/python bench/ack_rounds.py --rounds 3 before=/tmp/before after=.

Each ``NAME=DIR`` is a checkout whose ``bench/ack_bench.py`` is run with this
interpreter (a copy of an older commit: ``git archive REV | tar -x -C DIR``).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path


def p99s(section: str) -> dict[str, float]:
    found = re.findall(r"^\s+(command|button)\s+\d+\s+[\d.]+\s+([\d.]+)", section, re.M)
    return {kind: float(value) for kind, value in found}


def one_run(directory: Path, extra: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    out = subprocess.run(
        [sys.executable, "bench/ack_bench.py", *extra],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    bare, _, countersign = out.partition("\nCountersign\n")
    return p99s(bare), p99s(countersign)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("configs", nargs="+", help="NAME=DIR")
    args, extra = parser.parse_known_args()
    configs = [(c.partition("=")[0], Path(c.partition("=")[2])) for c in args.configs]
    ratios: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in configs}
    print(
        "| round | code | time | bare / Countersign command p99 | ratio "
        "| bare / Countersign button p99 | ratio |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n in range(1, args.rounds + 1):
        for name, directory in configs:
            bare, cs = one_run(directory, extra)
            if set(bare) != {"command", "button"} or set(cs) != {"command", "button"}:
                print(f"| {n} | {name} | the run failed |", flush=True)
                continue
            rc, rb = cs["command"] / bare["command"], cs["button"] / bare["button"]
            ratios[name].append((rc, rb))
            print(
                f"| {n} | {name} | {time.strftime('%H:%M:%S')} | {bare['command']:.1f} / "
                f"{cs['command']:.1f} ms | {rc:.2f} | {bare['button']:.1f} / "
                f"{cs['button']:.1f} ms | {rb:.2f} |",
                flush=True,
            )
    for name, rows in ratios.items():
        if rows:
            print(
                f"{name}: median p99 ratio command {statistics.median(r[0] for r in rows):.2f}, "
                f"button {statistics.median(r[1] for r in rows):.2f} ({len(rows)} runs)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
