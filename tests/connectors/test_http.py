"""The shared HTTP client: status mapping, Retry-After, retries only where safe, timeouts,
and logs without credentials, paths or bodies."""

from __future__ import annotations

import logging

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.http import HttpClient, Settings, check_base_url, retry_after
from workflows.platforms import (
    Ambiguous,
    AuthFailed,
    NotFoundOnPlatform,
    RateLimited,
    Refused,
    Unavailable,
)

NAMES = Settings(base="GBP_BASE_URL", auth="GBP_REFRESH_TOKEN", not_found="GBP_LOCATION_IDS")


def client(handler, **kw) -> tuple[HttpClient, list[float]]:  # type: ignore[no-untyped-def]
    slept: list[float] = []
    return (
        HttpClient(transport=httpx.MockTransport(handler), sleep=slept.append, **kw),
        slept,
    )


@pytest.mark.parametrize(
    ("status", "error", "setting"),
    [
        (401, AuthFailed, "GBP_REFRESH_TOKEN"),
        (403, AuthFailed, "GBP_REFRESH_TOKEN"),
        (404, NotFoundOnPlatform, "GBP_LOCATION_IDS"),
        (400, Refused, None),
    ],
)
def test_statuses_name_the_setting(status: int, error: type, setting: str | None) -> None:
    http, _ = client(lambda r: httpx.Response(status, json={"error": {"message": "secret review"}}))
    with pytest.raises(error) as info:
        http.request("GET", "https://api.example/v4/x", NAMES)
    assert info.value.status == status
    assert info.value.setting == setting
    assert "secret review" not in str(info.value)


def test_429_short_wait_is_retried_long_wait_goes_back_to_the_caller() -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(200, json={}),
            httpx.Response(429, headers={"Retry-After": "120"}),
        ]
    )
    http, slept = client(lambda r: next(answers))
    assert http.request("GET", "https://api.example/a", NAMES).status_code == 200
    assert slept == [2.0]
    with pytest.raises(RateLimited) as info:
        http.request("GET", "https://api.example/a", NAMES)
    assert info.value.after == 120.0


def test_5xx_get_retried_then_unavailable_and_post_never_retried() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(503)

    http, _ = client(handler, retries=2)
    with pytest.raises(Unavailable):
        http.request("GET", "https://api.example/a", NAMES)
    assert calls == ["GET"] * 3
    calls.clear()
    with pytest.raises(Unavailable):
        http.request("POST", "https://api.example/a", NAMES)
    assert calls == ["POST"]


def test_broken_connection_after_sending_is_ambiguous_for_writes() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("Server disconnected", request=request)

    http, _ = client(handler)
    with pytest.raises(Ambiguous):
        http.request("PUT", "https://api.example/a", NAMES, json={"comment": "x"})
    with pytest.raises(Ambiguous):
        http.request("POST", "https://api.example/a", NAMES, json={"text": "x"})
    with pytest.raises(Unavailable):
        http.request("GET", "https://api.example/a", NAMES)


def test_unreachable_host_names_the_base_url_setting() -> None:
    http = HttpClient(connect_timeout=0.5, retries=0)
    with pytest.raises(Unavailable) as info:
        http.request("GET", "http://127.0.0.1:9/v4/", NAMES)
    assert info.value.setting == "GBP_BASE_URL"
    assert "GBP_BASE_URL" in info.value.line()
    http.close()


def test_every_call_has_a_timeout() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200)

    http, _ = client(handler, timeout=7.0, connect_timeout=2.0)
    http.request("GET", "https://api.example/a", NAMES)
    assert seen[0] == {"connect": 2.0, "read": 7.0, "write": 7.0, "pool": 7.0}


def test_logs_carry_no_token_path_query_or_body(caplog: pytest.LogCaptureFixture) -> None:
    http, _ = client(lambda r: httpx.Response(200, json={"comment": "patient story"}))
    caplog.set_level(logging.DEBUG)
    http.request(
        "PUT",
        "https://api.example/v4/accounts/1/reviews/abc/reply?access_token=tok-123",
        NAMES,
        headers={"Authorization": "Bearer tok-123"},
        json={"comment": "our reply text"},
    )
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for secret in ("tok-123", "our reply text", "patient story", "/reviews/abc"):
        assert secret not in logged


def test_retry_after_http_date_and_garbage() -> None:
    assert retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now=1767225600.0) == 30.0
    assert retry_after("soon") is None
    assert retry_after(None) is None
    assert retry_after("-5") == 0.0


@given(st.text(max_size=50))
def test_retry_after_never_raises(value: str) -> None:
    result = retry_after(value)
    assert result is None or result >= 0.0


def test_base_url_must_be_http() -> None:
    assert check_base_url("http://127.0.0.1:8080/v4", "GBP_BASE_URL") == "http://127.0.0.1:8080/v4/"
    with pytest.raises(ValueError, match="GBP_BASE_URL must be an http"):
        check_base_url("mybusiness.googleapis.com", "GBP_BASE_URL")
