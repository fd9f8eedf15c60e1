"""`python app.py demo`: the whole flow against the emulator, printed as people read it."""

from __future__ import annotations

import io

from sandbox.demo import run_demo


def test_demo_runs_the_whole_flow_and_exits_0() -> None:
    out = io.StringIO()
    code = run_demo(out)
    text = out.getvalue()
    assert code == 0, text
    assert "M-1" in text
    assert "*Revision" not in text  # rendered, not raw mrkdwn
    assert "was blocked by the PHI screen" in text
    assert "passed the PHI screen" in text
    assert "signed off" in text and "approved" in text
    assert "Ready to post by hand" in text and "Released" in text
    assert "SHA-256" in text
    # The mention text reads as typed, and nothing from outside became live.
    assert "<!channel> avoid this place" in text
    # The blocked draft never reached the channel transcript.
    channel = text.split("The review channel, as a person reads it:")[1].split("What only @ann")[0]
    assert "MRI" not in channel and "chart" not in channel
    assert "connect a real Slack workspace" in text
    # A review polled from the local Google Business Profile, published back through its API.
    assert "polled in as M-2" in text and "was published to Google" in text
