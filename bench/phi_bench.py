"""Benchmark of the PHI screen (numbers for docs/phi-screen.md; not a timed test).

    .venv/bin/python bench/phi_bench.py [--devset ../shared/phi-devset.jsonl] [--runs 200]

Prints the machine (platform, CPU count), then:
1. cold start: import + build_screen() in a fresh interpreter, and that process's
   resident memory (VmRSS / peak VmHWM) after screening a few replies;
2. latency of one screen() call on a ~600-character and a ~5,000-character reply:
   median and p95 over repeated runs;
3. side by side on the labelled development set: this screen and a vanilla Presidio
   AnalyzerEngine (default recognisers) over the same spaCy pipeline, verdict = block
   when the vanilla engine finds any entity: recall on unsafe replies, false-block rate
   on safe replies, p50/p95 latency.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workflows.phi.evaluate import load_rows  # noqa: E402
from workflows.phi.screen import DEFAULT_MODEL, build_screen  # noqa: E402
from workflows.phi.types import MentionContext, PhiScreen  # noqa: E402

DEFAULT_DEVSET = ROOT.parent / "shared" / "phi-devset.jsonl"

# Used when the dev set is absent: realistic reply sentences, safe and unsafe.
FALLBACK_SENTENCES = [
    "Thank you for taking the time to share your experience with us.",
    "We cannot discuss anyone's care online, but our Patient Relations team would like "
    "to hear from you at 555-0157 or feedback@example-health.org.",
    "Gloria, your biopsy results from March 3 were reviewed by Dr. Patel.",
    "Our new imaging center opens in May with extended evening hours.",
    "We called you at 602-555-1834 twice about your follow-up appointment.",
    "Parking validation is available at every information desk.",
    "Su mamografía del lunes salió normal; la Dra. Ochoa le llamará.",
    "Your Humalog copay changed because the Part D deductible reset in January.",
]

_CHILD = r"""
import time, json, sys
t0 = time.perf_counter()
from workflows.phi.screen import build_screen
from workflows.phi.types import MentionContext
screen = build_screen(sys.argv[1])
t1 = time.perf_counter()
for i in range(20):
    screen.screen("Gloria, your biopsy results are back; call us at 555-0100.",
                  MentionContext("Gloria Benson", "Slow results"))
status = open("/proc/self/status").read().split("\n")
mem = {l.split(":")[0]: int(l.split()[1]) for l in status if l.startswith(("VmRSS", "VmHWM"))}
print(json.dumps({"cold_start_s": t1 - t0, "rss_kb": mem.get("VmRSS"), "hwm_kb": mem.get("VmHWM")}))
"""


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def machine() -> str:
    return (
        f"{platform.platform()} | {platform.machine()} | {platform.processor() or 'cpu?'} | "
        f"CPUs: {os.cpu_count()} | Python {platform.python_version()}"
    )


def cold_start(model: str, repeats: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(repeats):
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, model],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        out.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return out


def load_devset(path: Path) -> list[dict[str, Any]]:
    return load_rows(str(path)) if path.exists() else []


def make_reply(length: int, sentences: list[str]) -> str:
    parts: list[str] = []
    i = 0
    while sum(len(p) + 1 for p in parts) < length:
        parts.append(sentences[i % len(sentences)])
        i += 1
    return " ".join(parts)[:length]


def time_screen(screen: PhiScreen, reply: str, runs: int) -> list[float]:
    mention = MentionContext("Gloria Benson", "I waited forever for my results.")
    screen.screen(reply, mention)  # warm
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        screen.screen(reply, mention)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def vanilla_engine(model: str) -> Any:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model}])
    engine.load()  # installed package: nothing is downloaded
    return AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])


def side_by_side(screen: PhiScreen, vanilla: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    res: dict[str, Any] = {}
    for name in ("screen", "vanilla"):
        tp = fn = fp = tn = 0
        lat: list[float] = []
        for r in rows:
            m = r.get("mention") or {}
            t0 = time.perf_counter()
            if name == "screen":
                blocked = screen.screen(
                    r["reply"], MentionContext(m.get("author", ""), m.get("text", ""))
                ).blocked
            else:
                blocked = bool(vanilla.analyze(text=r["reply"], language="en"))
            lat.append((time.perf_counter() - t0) * 1000)
            unsafe = r.get("label") == "unsafe"
            tp += unsafe and blocked
            fn += unsafe and not blocked
            fp += (not unsafe) and blocked
            tn += (not unsafe) and not blocked
        res[name] = {
            "recall": tp / (tp + fn) if tp + fn else float("nan"),
            "false_block_rate": fp / (fp + tn) if fp + tn else float("nan"),
            "unsafe_blocked": f"{tp}/{tp + fn}",
            "safe_blocked": f"{fp}/{fp + tn}",
            "p50_ms": percentile(lat, 0.5),
            "p95_ms": percentile(lat, 0.95),
        }
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="PHI screen benchmark")
    ap.add_argument("--devset", type=Path, default=DEFAULT_DEVSET)
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--runs", type=int, default=200, help="timed runs per reply length")
    ap.add_argument("--cold-runs", type=int, default=3, help="fresh interpreters to start")
    ap.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)

    results: dict[str, Any] = {"machine": machine()}
    print(f"machine: {results['machine']}")

    cold = cold_start(args.model, args.cold_runs)
    secs = [c["cold_start_s"] for c in cold]
    results["cold_start_s"] = {"median": statistics.median(secs), "max": max(secs)}
    results["rss_mb"] = max(c["rss_kb"] for c in cold) / 1024
    results["peak_rss_mb"] = max(c["hwm_kb"] for c in cold) / 1024
    print(
        f"cold start (import + build_screen, fresh interpreter, n={len(secs)}): "
        f"median {statistics.median(secs):.2f} s, max {max(secs):.2f} s"
    )
    print(
        f"resident memory with the screen loaded: {results['rss_mb']:.0f} MB "
        f"(peak {results['peak_rss_mb']:.0f} MB)"
    )

    screen = build_screen(args.model)
    rows = load_devset(args.devset)
    sentences = [r["reply"] for r in rows] or FALLBACK_SENTENCES
    print(
        f"\nlatency of screen() (runs={args.runs} per size; text from "
        f"{'the dev set' if rows else 'built-in sentences'})"
    )
    print(f"  {'chars':>6} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for length in (600, 5000):
        reply = make_reply(length, sentences)
        runs = args.runs if length <= 600 else max(20, args.runs // 4)
        t = time_screen(screen, reply, runs)
        results[f"latency_{length}"] = {
            "median_ms": statistics.median(t),
            "p95_ms": percentile(t, 0.95),
            "runs": runs,
        }
        print(
            f"  {len(reply):>6} {statistics.median(t):>10.1f} {percentile(t, 0.95):>8.1f} "
            f"{max(t):>8.1f}"
        )

    if rows:
        vanilla = vanilla_engine(args.model)
        vanilla.analyze(text="warm up", language="en")
        sbs = side_by_side(screen, vanilla, rows)
        results["devset"] = sbs
        print(f"\ndev set {args.devset} ({len(rows)} replies), side by side")
        print(f"  {'engine':26} {'recall':>14} {'false blocks':>14} {'p50 ms':>8} {'p95 ms':>8}")
        for name, label in (("screen", "this screen"), ("vanilla", "vanilla Presidio")):
            r = sbs[name]
            print(
                f"  {label:26} {r['unsafe_blocked']:>7} {r['recall']:.3f} "
                f"{r['safe_blocked']:>7} {r['false_block_rate']:.3f} "
                f"{r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f}"
            )
    else:
        print(f"\n(no dev set at {args.devset}: side-by-side comparison skipped)")
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
