"""The short versions of ``make bench``'s load run and ``make chaos``: real replicas
(``python app.py serve``) on PostgreSQL. Each bench exits non-zero when a mention is
lost, a reply is handed over twice, a parent is posted twice, an outbox row dies, a
request gets a 500, or ``audit verify`` fails."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import _pg_available

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not _pg_available(), reason="needs PostgreSQL")


def _bench(*args: str, within: float) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=within,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_load_three_replicas_nothing_lost() -> None:
    out = _bench(
        "bench/load_bench.py",
        "--mentions",
        "200",
        "--releases",
        "10",
        "--runs",
        "1",
        "--drain",
        "240",
        within=600,
    )
    assert "nothing lost, nothing twice: yes" in out
    assert "mentions not in channel                      0.0" in out
    assert "command p99 ratio to bare app" in out  # the floor is measured in the same run
    assert re.search(r"^command acks\s+\d", out, re.MULTILINE)
    # half the people work through Teams: their drafts and clicks are measured, and the
    # burst is listed in the Teams channel too
    assert re.search(r"^mentions not in Teams channel\s+0\.0$", out, re.MULTILINE)
    assert re.search(r"^teams button ack p99 ms\s+\d", out, re.MULTILINE)
    assert re.search(r"^releases seen\s+10\.0$", out, re.MULTILINE)
    # each replica stores the webhook's batches in its two worker processes
    assert re.search(r"^ingest workers\s+6(\.0)?$", out, re.MULTILINE)


def test_chaos_kills_lose_nothing() -> None:
    out = _bench("bench/chaos.py", "--kills", "3", "--seed", "7", within=600)
    assert "nothing lost, nothing twice: yes" in out
    assert "audit trail OK" in out
