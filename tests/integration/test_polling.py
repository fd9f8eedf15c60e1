"""Scheduled polling with cursors in source_cursors (SQLite and PostgreSQL): a restart
neither re-ingests nor skips, a failed poll stores nothing, backoff honours Retry-After,
and two processes poll each source once per period."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from connectors.gbp import GoogleBusinessProfile
from connectors.http import HttpClient
from models.tables import Mention, SourceCursor
from tests.conftest import make_settings
from tests.support.fakes import Clock, FakeScreen, FixedSentiment
from tests.support.platforms import FakeGoogle, serve
from workflows import polling
from workflows.platforms import PollPage
from workflows.types import MentionInput


@pytest.fixture
def google() -> Iterator[tuple[FakeGoogle, str]]:
    fake = FakeGoogle()
    for i in range(3):
        fake.add_review("L1", f"r{i}", minutes_ago=100 - i)
    with serve(fake) as url:
        yield fake, url


def gbp(url: str, **kw: Any) -> GoogleBusinessProfile:
    values: dict[str, Any] = {
        "base_url": url + "/v4/",
        "token_url": url + "/token",
        "client_id": "cid",
        "client_secret": "csecret",
        "refresh_token": "rt-good",
        "account_id": "111",
        "location_ids": ("L1",),
        "page_size": 2,
    }
    values.update(kw)
    return GoogleBusinessProfile(HttpClient(retries=0, sleep=lambda s: None), **values)


def mentions(d: Any) -> int:
    with d.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(Mention)).scalar_one())


def test_cursor_survives_a_restart_no_reingest_no_skip(deps, google, db_url, clock) -> None:  # type: ignore[no-untyped-def]
    from app import build_container

    fake, url = google
    first = polling.poll_source(deps, gbp(url))
    assert (first.fetched, first.new) == (3, 3)
    with deps.uow() as uow:
        row = uow.session.get(SourceCursor, "gbp")
        assert row is not None and row.cursor and "L1" in row.cursor
    fake.add_review("L1", "r9", minutes_ago=5)  # arrives while we are down
    restarted = build_container(
        make_settings(db_url), screen=FakeScreen(), clock=clock, sentiment=FixedSentiment()
    )
    try:
        second = polling.poll_source(restarted.deps, gbp(url))
    finally:
        restarted.close()
    assert second.new == 1 and second.results[0].external_id.endswith("/r9")
    assert mentions(deps) == 4


def test_a_failed_page_stores_no_cursor_so_nothing_is_skipped(deps, google) -> None:  # type: ignore[no-untyped-def]
    fake, url = google
    fake.fail("GET", 500, path_contains="/reviews")  # first page ok? no: fails outright
    failed = polling.poll_source(deps, gbp(url))
    assert failed.error is not None and failed.error.code == "server_error"
    assert mentions(deps) == 0 and polling.read_cursor(deps, "gbp") is None
    # page 2 of 2 fails: page 1 is not ingested alone with a cursor past page 2
    fake.calls.clear()
    fake.faults.clear()

    class SecondPageFails(GoogleBusinessProfile):
        pages = 0

        def _call(self, method: str, path: str, **kw: Any) -> Any:
            if "pageToken" in (kw.get("params") or {}):
                fake.fail("GET", 503)
            return super()._call(method, path, **kw)

    broken = SecondPageFails(**{**gbp(url).__dict__})
    assert polling.poll_source(deps, broken).error is not None
    assert mentions(deps) == 0 and polling.read_cursor(deps, "gbp") is None
    ok = polling.poll_source(deps, gbp(url))
    assert ok.new == 3


def test_crash_between_ingest_and_cursor_write_reads_again_as_duplicates(deps) -> None:  # type: ignore[no-untyped-def]
    class Source:
        name = "feed"

        def __init__(self) -> None:
            self.cursor_seen: list[str | None] = []

        def poll(self, cursor: str | None) -> PollPage:
            self.cursor_seen.append(cursor)
            return PollPage([MentionInput("feed", "e1", "web", "A", "awful")], "c1")

        def check(self) -> str:
            return "ok"

    source = Source()
    original = polling.store_cursor

    def crash(*_a: Any) -> None:
        raise RuntimeError("process died")

    polling.store_cursor = crash  # type: ignore[assignment]
    try:
        with pytest.raises(RuntimeError):
            polling.poll_source(deps, source)
    finally:
        polling.store_cursor = original  # type: ignore[assignment]
    again = polling.poll_source(deps, source)
    assert source.cursor_seen == [None, None]
    assert (again.new, again.duplicates) == (0, 1) and mentions(deps) == 1
    assert polling.read_cursor(deps, "feed") == "c1"


def test_poller_period_and_retry_after_backoff(deps, google, clock) -> None:  # type: ignore[no-untyped-def]
    fake, url = google
    poller = polling.Poller(deps, {"gbp": gbp(url)}, interval=300)
    assert poller.poll_due("gbp").ran
    clock.advance(seconds=60)
    assert poller.poll_due("gbp").skipped_reason == "polled recently"
    clock.advance(seconds=300)
    fake.fail("GET", 429, headers={"Retry-After": "900"}, path_contains="/reviews")
    limited = poller.poll_due("gbp")
    assert limited.error is not None and limited.error.after == 900
    clock.advance(seconds=600)
    assert poller.poll_due("gbp").skipped_reason == "backing off"
    clock.advance(seconds=301)
    assert poller.poll_due("gbp").error is None


@pytest.mark.postgres
def test_two_processes_poll_each_source_once_per_period(pg_url: str) -> None:
    from app import build_container

    clock = Clock()
    fake = FakeGoogle()
    fake.add_review("L1", "r1")
    containers = [
        build_container(
            make_settings(pg_url), screen=FakeScreen(), clock=clock, sentiment=FixedSentiment()
        )
        for _ in range(2)
    ]
    try:
        with serve(fake) as url:
            pollers = [polling.Poller(c.deps, {"gbp": gbp(url)}, interval=300) for c in containers]
            for _period in range(3):
                barrier = threading.Barrier(2)
                results: list[polling.PollOutcome] = []

                def run(
                    p: polling.Poller,
                    barrier: threading.Barrier = barrier,
                    results: list[polling.PollOutcome] = results,
                ) -> None:
                    barrier.wait()
                    results.append(p.poll_due("gbp"))

                threads = [threading.Thread(target=run, args=(p,)) for p in pollers]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(20)
                assert sorted(r.ran for r in results) == [False, True]
                clock.advance(seconds=300)
        assert fake.count("GET", "/reviews") == 3
        assert mentions(containers[0].deps) == 1
    finally:
        for c in containers:
            c.close()


@pytest.mark.postgres
def test_only_the_leader_schedules_polling(pg_url: str) -> None:
    from app import build_container
    from runtime.scheduler import Scheduler

    settings = make_settings(
        pg_url,
        GBP_CLIENT_ID="cid",
        GBP_CLIENT_SECRET="csecret",
        GBP_REFRESH_TOKEN="rt-good",
        GBP_ACCOUNT_ID="111",
        GBP_LOCATION_IDS="L1",
        GBP_BASE_URL="http://127.0.0.1:9/v4/",
        POLL_INTERVAL_SECONDS=60,
    )
    containers = [
        build_container(settings, screen=FakeScreen(), sentiment=FixedSentiment()) for _ in range(2)
    ]
    schedulers = [Scheduler(c) for c in containers]
    try:
        for s in schedulers:
            s.tick()
        running = [s for s in schedulers if s.running]
        assert len(running) == 1
        jobs = {j.id for j in running[0]._scheduler.get_jobs()}
        assert {"poll_sources", "post_publish_checks"} <= jobs
    finally:
        for s in schedulers:
            s.stop()
        for c in containers:
            c.close()
