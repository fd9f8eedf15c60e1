"""The phi-check command-line helpers and the evaluation script."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from workflows.phi.cli import check_text, format_report, run_jsonl
from workflows.phi.evaluate import load_rows, report, score
from workflows.phi.types import PhiScreen

HERE = Path(__file__).resolve().parent
DEVSET = HERE.parents[2].parent / "shared" / "phi-devset.jsonl"


def _lines(*objs: object) -> list[str]:
    return [o if isinstance(o, str) else json.dumps(o) for o in objs]


def test_run_jsonl_one_object_per_line(phi_screen: PhiScreen) -> None:
    src = io.StringIO(
        "\n".join(
            _lines(
                {
                    "id": "a",
                    "reply": "Gloria, your biopsy results are back.",
                    "mention": {"author": "Gloria Benson", "text": "Slow.", "platform": "google"},
                },
                {
                    "id": 7,
                    "reply": "Call our front desk at 555-0100.",
                    "mention": {"author": "Kim", "text": "Rude", "platform": "yelp"},
                    "org": {
                        "name": "Mercy",
                        "phones": ["555-0100"],
                        "emails": [],
                        "urls": [],
                        "spokespeople": [],
                    },
                },
            )
        )
        + "\n"
    )
    out = io.StringIO()
    assert run_jsonl(phi_screen, src, out) == 0
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [r["id"] for r in rows] == ["a", 7]
    assert rows[0]["verdict"] == "block" and rows[1]["verdict"] == "pass"
    reply = "Gloria, your biopsy results are back."
    for f in rows[0]["findings"]:
        assert set(f) == {"kind", "start", "end", "text", "reason", "suggestion"}
        assert reply[f["start"] : f["end"]] == f["text"]
    assert rows[1]["findings"] == []


def test_run_jsonl_bad_lines_reported_and_processing_continues(phi_screen: PhiScreen) -> None:
    secret = "Sekrit-Reply-Text-991"
    src = _lines(
        '{"id": "x1", "reply": "' + secret,  # truncated JSON
        {"id": "x2", "mention": {"author": "A", "text": "t"}},  # no reply
        {"id": "x3", "reply": secret, "mention": "not an object"},
        {"reply": secret, "mention": {"author": "A", "text": "t"}},  # no id
        {
            "id": "x5",
            "reply": secret,
            "mention": {"author": "A", "text": "t"},
            "org": {"phones": "555-0100"},
        },  # a string is accepted as one phone
        {"id": "x6", "reply": "Thanks!", "mention": {"author": "A", "text": "t"}},
        [1, 2],
    )
    out = io.StringIO()
    assert run_jsonl(phi_screen, src, out) == 1
    rows = [json.loads(x) for x in out.getvalue().splitlines()]
    assert len(rows) == 7
    assert rows[0] == {"id": None, "line": 1, "error": rows[0]["error"]}
    assert rows[1]["id"] == "x2" and "reply" in rows[1]["error"]
    assert rows[2]["id"] == "x3" and "mention" in rows[2]["error"]
    assert rows[3]["id"] is None and "id" in rows[3]["error"]
    assert rows[4]["id"] == "x5" and rows[4]["verdict"] == "pass"
    assert rows[5] == {"id": "x6", "verdict": "pass", "findings": []}
    assert "error" in rows[6]
    assert all(secret not in r.get("error", "") for r in rows)


def test_blank_lines_are_skipped(phi_screen: PhiScreen) -> None:
    out = io.StringIO()
    assert run_jsonl(phi_screen, ["\n", "  \n"], out) == 0
    assert out.getvalue() == ""


def test_check_text_and_report(phi_screen: PhiScreen) -> None:
    text = "Mr. Bell, your Guardian plan excludes night guards."
    result = check_text(phi_screen, text, author="Marcus Bell", mention_text="Overcharged")
    assert result.blocked
    rep = format_report(text, result)
    assert rep.startswith("BLOCK")
    assert "billing_insurance" in rep and "Guardian" in rep
    assert "why:" in rep and "fix:" in rep
    ok = check_text(phi_screen, "Thanks for the feedback!")
    assert format_report("Thanks for the feedback!", ok).startswith("PASS")


def test_evaluate_on_probe_cases(phi_screen: PhiScreen) -> None:
    rows = load_rows(str(HERE / "probe_cases.jsonl"))
    sc = score(phi_screen, rows)
    assert sc.unsafe and sc.safe
    out = io.StringIO()
    report(sc, out)
    text = out.getvalue()
    assert "recall" in text and "false-block rate" in text and "per labelled kind" in text
    assert sc.recall >= 0.97
    # regression guard at the recall-first threshold (measured 0.15; docs/phi-screen.md)
    assert sc.false_block_rate <= 0.2


@pytest.mark.skipif(not DEVSET.exists(), reason="shared dev set not present (CI clone)")
def test_devset_targets(phi_screen: PhiScreen) -> None:
    sc = score(phi_screen, load_rows(str(DEVSET)))
    assert sc.recall >= 0.98
    # the target is 0.03; at the recall-first threshold the screen measures 0.089 (5/56):
    # this guards against it getting worse (docs/phi-screen.md says so plainly)
    assert sc.false_block_rate <= 0.1
