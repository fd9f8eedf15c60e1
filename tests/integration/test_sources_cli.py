"""`python app.py sources list|test NAME|poll NAME`, run as a user would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_cli import _env, _no_traceback, _run
from tests.support.platforms import FakeFeed, FakeGoogle, serve


@pytest.fixture
def google() -> Iterator[tuple[FakeGoogle, str]]:
    fake = FakeGoogle()
    fake.add_review("L1", "r1", comment="Nobody answered the phone for days.")
    fake.add_review("L1", "r2", stars="FIVE", comment="Lovely nurses, thank you!")
    with serve(fake) as url:
        yield fake, url


def gbp_env(env: dict[str, str], url: str, **extra: str) -> dict[str, str]:
    values = {
        "GBP_BASE_URL": url + "/v4/",
        "GBP_TOKEN_URL": url + "/token",
        "GBP_CLIENT_ID": "cid",
        "GBP_CLIENT_SECRET": "csecret",
        "GBP_REFRESH_TOKEN": "rt-good",
        "GBP_ACCOUNT_ID": "111",
        "GBP_LOCATION_IDS": "L1",
    }
    values.update(extra)
    return {**env, **values}


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path) -> dict[str, str]:
    return _env(sqlite_url, tmp_path)


def test_list_shows_what_is_on_and_what_is_missing(env, google) -> None:  # type: ignore[no-untyped-def]
    _fake, url = google
    proc = _run(gbp_env(env, url, RSS_FEEDS="https://a.example/feed"), "sources", "list")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert any(line.startswith("on   gbp") and "PUT" in line for line in lines)
    assert any(line.startswith("on   rss") for line in lines)
    assert any(
        line.startswith("off  facebook") and "FACEBOOK_PAGE_ID, FACEBOOK_PAGE_TOKEN" in line
        for line in lines
    )
    assert any(line.startswith("off  x") and "X_USER_ID" in line for line in lines)


def test_test_ok_and_each_mistake_is_one_line_naming_the_setting(env, google) -> None:  # type: ignore[no-untyped-def]
    _fake, url = google
    ok = _run(gbp_env(env, url), "sources", "test", "gbp")
    assert ok.returncode == 0 and ok.stdout.startswith("ok: gbp:"), ok.stderr
    cases = [
        (gbp_env(env, url, GBP_REFRESH_TOKEN="revoked"), 1, "GBP_REFRESH_TOKEN"),
        (gbp_env(env, url, GBP_CLIENT_SECRET="wrong"), 1, "GBP_CLIENT_SECRET"),
        (gbp_env(env, url, GBP_LOCATION_IDS="L404"), 1, "GBP_LOCATION_IDS"),
        (gbp_env(env, "http://127.0.0.1:9", GBP_TOKEN_URL=url + "/token"), 1, "GBP_BASE_URL"),
        (gbp_env(env, url, GBP_TOKEN_URL="http://127.0.0.1:9/token"), 1, "GBP_TOKEN_URL"),
        (gbp_env(env, url, GBP_BASE_URL="mybusiness.example"), 2, "GBP_BASE_URL"),
        (env, 2, "GBP_CLIENT_ID"),
    ]
    for environ, code, setting in cases:
        proc = _run(environ, "sources", "test", "gbp")
        _no_traceback(proc)
        assert proc.returncode == code, (setting, proc.stdout, proc.stderr)
        errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and setting in errors[0], (setting, proc.stderr)
        assert "rt-good" not in proc.stderr and "csecret" not in proc.stderr
    unknown = _run(env, "sources", "test", "myspace")
    assert unknown.returncode == 2 and "no source called 'myspace'" in unknown.stderr


def test_poll_prints_what_was_ingested_without_text(env, google) -> None:  # type: ignore[no-untyped-def]
    _fake, url = google
    assert _run(env, "db", "upgrade").returncode == 0
    environ = gbp_env(env, url)
    first = _run(environ, "sources", "poll", "gbp")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0] == "gbp: fetched 2, new 2, duplicates 0"
    assert "M-1" in first.stdout and "accounts/111/locations/L1/reviews/r1" in first.stdout
    assert "Nobody answered" not in first.stdout + first.stderr
    assert "Lovely nurses" not in first.stdout + first.stderr
    again = _run(environ, "sources", "poll", "gbp")
    # reviews at the cursor's exact updateTime are offered again and absorbed
    assert again.stdout.splitlines()[0].endswith("new 0, duplicates 2")


def test_poll_rss_feed(env) -> None:  # type: ignore[no-untyped-def]
    fake = FakeFeed()
    fake.add("tag:1", "Mercy ER", "Awful wait, rude staff")
    assert _run(env, "db", "upgrade").returncode == 0
    with serve(fake) as url:
        proc = _run({**env, "RSS_FEEDS": url + "/alerts/feeds/1"}, "sources", "poll", "rss")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("rss: fetched 1, new 1")
        fake.fail("GET", 503, times=5)
        down = _run({**env, "RSS_FEEDS": url + "/alerts/feeds/1"}, "sources", "poll", "rss")
        _no_traceback(down)
        assert down.returncode == 1 and "error: rss:" in down.stderr


def yelp_env(env: dict[str, str], url: str, **extra: str) -> dict[str, str]:
    values = {
        "YELP_PARTNER_API_ENABLED": "true",
        "YELP_PARTNER_BASE_URL": url + "/",
        "YELP_PARTNER_TOKEN": "yelp-access-token",
        "YELP_BUSINESS_IDS": "biz-1",
    }
    values.update(extra)
    return {**env, **values}


def test_yelp_partner_api_test_and_list(env) -> None:  # type: ignore[no-untyped-def]
    from tests.support.platforms import FakeYelp

    with serve(FakeYelp()) as url:
        ok = _run(yelp_env(env, url), "sources", "test", "yelp")
        assert ok.returncode == 0 and ok.stdout.startswith("ok: yelp:"), ok.stderr
        listed = _run(yelp_env(env, url), "sources", "list")
        assert any(
            line.startswith("on   yelp") and "reviews/v1" in line
            for line in listed.stdout.splitlines()
        ), listed.stdout
        cases = [
            (yelp_env(env, url, YELP_PARTNER_TOKEN="expired-token"), 1, "YELP_PARTNER_TOKEN"),
            (yelp_env(env, "http://127.0.0.1:9"), 1, "YELP_PARTNER_BASE_URL"),
            (
                yelp_env(env, url, YELP_PARTNER_BASE_URL="partner-api.example"),
                2,
                "YELP_PARTNER_BASE_URL",
            ),
            (yelp_env(env, url, YELP_PARTNER_TOKEN=""), 2, "YELP_PARTNER_TOKEN"),
        ]
        for environ, code, setting in cases:
            proc = _run(environ, "sources", "test", "yelp")
            _no_traceback(proc)
            assert proc.returncode == code, (setting, proc.stdout, proc.stderr)
            errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
            assert len(errors) == 1 and setting in errors[0], (setting, proc.stderr)
            assert "expired-token" not in proc.stderr + proc.stdout
        manual = _run(
            yelp_env(env, url, YELP_PARTNER_API_ENABLED="false"), "sources", "test", "yelp"
        )
        assert manual.returncode == 0 and "posted by hand" in manual.stdout, manual.stderr
        assert any(
            line.startswith("on   yelp") and "manual" in line
            for line in _run(
                yelp_env(env, url, YELP_PARTNER_API_ENABLED="false"), "sources", "list"
            ).stdout.splitlines()
        )
