"""The one HTTP client every connector uses (httpx, synchronous: the relay and the
scheduler call connectors from worker threads).

- A timeout on every call (connect and read), no hidden redirects to other schemes.
- Status codes become the errors of ``workflows.platforms``: 401/403 ``AuthFailed``,
  404 ``NotFoundOnPlatform``, 429 ``RateLimited`` (with ``Retry-After``), 5xx
  ``Unavailable``, other 4xx ``Refused``. Each names the setting to check.
- Idempotent calls (GET, PUT, DELETE) are retried a few times on 429/5xx/connection
  errors when the wait is short; longer waits go back to the caller (the relay or the
  poller) as ``after``. A POST is never retried here, and a POST or PUT whose connection
  broke after the request was sent is ``Ambiguous``: the caller reads back first.
- Logs carry the method, host, status and time only: never URLs' paths or queries
  (feed URLs and Graph calls can carry tokens), headers, bodies, review or reply text.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from workflows.platforms import (
    Ambiguous,
    AuthFailed,
    BadResponse,
    NotFoundOnPlatform,
    PlatformError,
    RateLimited,
    Refused,
    Unavailable,
)

log = logging.getLogger("countersign.connectors.http")
# httpx logs every request's full URL at INFO (Graph tokens, private feed URLs): never.
for _noisy in ("httpx", "httpcore"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})
USER_AGENT = "Countersign/0.1 (+review replies with sign-off)"


@dataclass(frozen=True)
class Settings:
    """Which settings a call's errors should name."""

    base: str  # the base URL setting (unreachable host, 404 on the API root)
    auth: str  # the credential setting (401/403)
    not_found: str | None = None  # the id setting a 404 points at


Classifier = Callable[[httpx.Response, "Settings"], PlatformError | None]


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now_dt = datetime.fromtimestamp(now if now is not None else time.time(), UTC)
    return max(0.0, (when - now_dt).total_seconds())


def check_base_url(value: str, setting: str) -> str:
    """A base URL setting must be an absolute http(s) URL; one line naming it if not."""
    parts = urlsplit(value or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{setting} must be an http(s) URL")
    return value if value.endswith("/") else value + "/"


def join(base: str, path: str) -> str:
    return base.rstrip("/") + "/" + path.lstrip("/")


class HttpClient:
    """One shared ``httpx.Client`` (connection pool) with the rules above."""

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        connect_timeout: float = 5.0,
        retries: int = 2,
        max_sleep: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=True,
            transport=transport,
        )
        self.retries = retries
        self.max_sleep = max_sleep
        self.sleep = sleep

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        url: str,
        names: Settings,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        classify: Classifier | None = None,
        ok: tuple[int, ...] = (200, 201, 202, 204),
        retry: bool | None = None,
    ) -> httpx.Response:
        method = method.upper()
        may_retry = method in IDEMPOTENT if retry is None else retry
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._send(method, url, names, headers, params, json, data)
            except (Unavailable, Ambiguous) as exc:
                if may_retry and attempt <= self.retries and not isinstance(exc, Ambiguous):
                    self.sleep(min(self.max_sleep, 0.5 * 2**attempt))
                    continue
                raise
            if response.status_code in ok or response.status_code == 304:
                return response
            error = (classify(response, names) if classify else None) or status_error(
                response, names
            )
            if (
                may_retry
                and error.retryable
                and attempt <= self.retries
                and (error.after or 0.0) <= self.max_sleep
            ):
                self.sleep(error.after if error.after else min(self.max_sleep, 0.5 * 2**attempt))
                continue
            raise error

    def _send(
        self,
        method: str,
        url: str,
        names: Settings,
        headers: Mapping[str, str] | None,
        params: Mapping[str, Any] | None,
        json: Any,
        data: Mapping[str, str] | None,
    ) -> httpx.Response:
        host = urlsplit(url).netloc
        started = time.monotonic()
        try:
            response = self._client.request(
                method, url, headers=dict(headers or {}), params=params, json=json, data=data
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            log.warning(
                "platform unreachable", extra={"method": method, "host": host, "error": _kind(exc)}
            )
            raise Unavailable(
                "unreachable", setting=names.base, detail=f"cannot reach {host}"
            ) from None
        except (httpx.TimeoutException, httpx.TransportError, httpx.RequestError) as exc:
            log.warning(
                "platform connection broke",
                extra={"method": method, "host": host, "error": _kind(exc)},
            )
            if method == "GET" or method == "HEAD":
                raise Unavailable(
                    "connection_broken", setting=names.base, detail=f"{host} did not answer"
                ) from None
            raise Ambiguous(
                "ambiguous",
                setting=names.base,
                detail=f"the connection to {host} broke after the request was sent",
            ) from None
        except httpx.InvalidURL:
            raise Unavailable(
                "invalid_url", setting=names.base, detail="the URL is not valid"
            ) from None
        log.info(
            "platform call",
            extra={
                "method": method,
                "host": host,
                "status": response.status_code,
                "ms": int((time.monotonic() - started) * 1000),
            },
        )
        return response


def _kind(exc: BaseException) -> str:
    return type(exc).__name__


def status_error(response: httpx.Response, names: Settings) -> PlatformError:
    """The generic mapping of an unsuccessful status."""
    status = response.status_code
    after = retry_after(response.headers.get("Retry-After"))
    host = urlsplit(str(response.request.url)).netloc if response.request else ""
    if status in (401, 403):
        return AuthFailed(
            "unauthorized" if status == 401 else "forbidden",
            setting=names.auth,
            status=status,
            detail=f"{host} refused the credentials",
        )
    if status == 404:
        return NotFoundOnPlatform(
            "not_found", setting=names.not_found or names.base, status=status, detail="not found"
        )
    if status == 429:
        return RateLimited("rate_limited", setting=None, status=status, after=after)
    if status >= 500:
        return Unavailable("server_error", setting=None, status=status, after=after)
    return Refused(f"http_{status}", status=status, detail=f"{host} refused the request")


def json_body(response: httpx.Response, names: Settings) -> Any:
    try:
        return response.json()
    except ValueError:
        raise BadResponse(
            "bad_json", setting=names.base, status=response.status_code, detail="not JSON"
        ) from None


__all__ = ["HttpClient", "Settings", "check_base_url", "join", "json_body", "retry_after"]
