"""POST /webhooks/mentions through the real HTTP app: every status code, in the documented order,
all-or-nothing, and a hypothesis fuzz that only ever sees 202/400/401/413."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from models.tables import AuditEvent, Mention, OutboxMessage
from tests.support.server import serve_in_thread

SECRET = "whsec-test"


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(
    base: str, body: bytes, signature: str | None = None, path: str = "/webhooks/mentions"
) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Countersign-Signature"] = signature
    req = urllib.request.Request(base + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw or b"{}")
        except ValueError:
            return exc.code, {"raw": raw.decode(errors="replace")}


def get(base: str, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(base + path, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def base(container) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from app import build_http_app
    from models.migrate import upgrade

    upgrade(container.engine)
    with serve_in_thread(lambda: build_http_app(container)) as url:
        yield url


def counts(container) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with container.deps.uow() as uow:
        s = uow.session
        return (
            s.execute(select(func.count()).select_from(Mention)).scalar_one(),
            s.execute(select(func.count()).select_from(OutboxMessage)).scalar_one(),
            s.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
        )


def mention(i: int = 1, **kw: object) -> dict[str, object]:
    return {
        "source": "listening",
        "external_id": f"x-{i}",
        "platform": "google",
        "author": "Dana Example",
        "text": "Rude front desk, waited forever.",
        "url": f"https://example.org/r/{i}",
        "rating": 1,
        **kw,
    }


def test_202_single_object_then_duplicate(base: str, container) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps(mention()).encode()
    status, data = post(base, body, sign(body))
    assert status == 202
    assert data == {"mentions": [{"external_id": "x-1", "id": "M-1", "duplicate": False}]}
    status, data = post(base, body, sign(body))
    assert status == 202 and data["mentions"][0] == {
        "external_id": "x-1",
        "id": "M-1",
        "duplicate": True,
    }
    assert counts(container)[0] == 1


def test_202_array_and_negative_gets_posted(base: str, container) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps([mention(1), mention(2, rating=5, text="Lovely people")]).encode()
    status, data = post(base, body, sign(body))
    assert status == 202
    assert [m["id"] for m in data["mentions"]] == ["M-1", "M-2"]
    with container.deps.uow() as uow:
        states = {m.id: m.state for m in uow.session.execute(select(Mention)).scalars()}
        topics = [o.topic for o in uow.session.execute(select(OutboxMessage)).scalars()]
    assert states == {1: "open", 2: "open"}, "the fake sentiment scores everything negative"
    assert topics == ["chat.mention_new", "chat.mention_new"]


def test_413_before_signature_check(base: str, container) -> None:  # type: ignore[no-untyped-def]
    big = json.dumps(mention(text="x" * (256 * 1024))).encode()
    assert post(base, big, "sha256=bad")[0] == 413
    assert post(base, big, None)[0] == 413
    assert counts(container) == (0, 0, 0)


@pytest.mark.parametrize("sig", [None, "", "sha256=", "sha256=00", "md5=abc"])
def test_401_bad_or_missing_signature(base: str, container, sig: str | None) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps(mention()).encode()
    status, data = post(base, body, sig)
    assert status == 401 and "signature" in data["error"].lower()
    assert counts(container) == (0, 0, 0)
    assert b'countersign_auth_failures_total{surface="webhook"}' in get(base, "/metrics")[1]


def test_401_wrong_secret_even_for_invalid_json(base: str, container) -> None:  # type: ignore[no-untyped-def]
    body = b"{not json"
    assert post(base, body, sign(body, "other"))[0] == 401


def test_400_invalid_json(base: str) -> None:
    body = b"{not json"
    status, data = post(base, body, sign(body))
    assert status == 400 and data["field"] is None and "JSON" in data["error"]


def test_400_names_first_bad_field_with_index_and_writes_nothing(base: str, container) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps([mention(1), mention(2, rating=9), mention(3, url="nope")]).encode()
    status, data = post(base, body, sign(body))
    assert status == 400
    assert data["field"] == "[1].rating" and data["error"]
    assert counts(container) == (0, 0, 0), "all-or-nothing: the good first row is not stored"


def test_health_ready_metrics(base: str) -> None:
    assert get(base, "/healthz")[0] == 200
    status, body = get(base, "/readyz")
    assert status == 200 and b"ready" in body
    status, body = get(base, "/metrics")
    assert status == 200 and b"countersign_http_requests_total" in body


bodies = st.one_of(
    st.binary(max_size=300),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda c: (
            st.lists(c, max_size=3)
            | st.dictionaries(st.sampled_from([*mention(), "zz"]), c, max_size=9)
        ),
        max_leaves=15,
    ).map(lambda v: json.dumps(v).encode()),
    st.lists(
        st.fixed_dictionaries(
            {k: st.just(v) for k, v in mention().items() if k not in ("rating", "external_id")},
            optional={"rating": st.integers(-2, 8), "external_id": st.text(max_size=5)},
        ),
        max_size=3,
    ).map(lambda v: json.dumps(v).encode()),
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=bodies, signed=st.booleans())
def test_fuzz_only_documented_statuses_and_no_partial_writes(
    base: str, container, body: bytes, signed: bool
) -> None:  # type: ignore[no-untyped-def]
    before = counts(container)
    status, data = post(base, body, sign(body) if signed else "sha256=deadbeef")
    assert status in (202, 400, 401, 413)
    after = counts(container)
    if status == 202:
        new = sum(1 for m in data["mentions"] if not m["duplicate"])
        assert after[0] == before[0] + new
    else:
        assert after == before
        if status == 400:
            assert set(data) == {"error", "field"}


@pytest.mark.parametrize("path", ["/slack/events", "/api/messages"])
def test_chat_paths_exist_even_when_not_configured(base: str, path: str) -> None:
    status, data = post(base, b"{}", None, path=path)
    assert status == 503 and "not configured" in data["error"]


def _post_in_chunks(base: str, body: bytes, signature: str, chunk: int = 4096) -> int:
    """Send ``body`` in small packets with pauses, as a slow client or proxy does."""
    import http.client
    import time
    from urllib.parse import urlparse

    u = urlparse(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    conn.putrequest("POST", "/webhooks/mentions")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(len(body)))
    conn.putheader("X-Countersign-Signature", signature)
    conn.endheaders()
    for i in range(0, len(body), chunk):
        conn.send(body[i : i + chunk])
        if i % (chunk * 8) == 0:
            time.sleep(0.005)
    status = conn.getresponse().status
    conn.close()
    return status


def test_large_signed_body_sent_in_small_packets_is_accepted(base: str) -> None:
    """The whole body is read before the signature is checked."""
    rows = []
    i = 0
    while len(json.dumps(rows)) < 240_000:
        i += 1
        rows.append(mention(i, text="Rude front desk, waited forever. " * 20))
    body = json.dumps(rows).encode()
    assert 200_000 < len(body) <= 256 * 1024
    for _ in range(3):
        assert _post_in_chunks(base, body, sign(body)) == 202


def test_unset_secret_is_503_not_401(container) -> None:  # type: ignore[no-untyped-def]
    from app import build_http_app
    from models.migrate import upgrade

    upgrade(container.engine)
    container.settings.WEBHOOK_SECRET = None
    with serve_in_thread(lambda: build_http_app(container)) as url:
        body = json.dumps(mention()).encode()
        status, payload = post(url, body, sign(body))
    assert status == 503
    assert "WEBHOOK_SECRET" in payload["error"]
    assert counts(container)[0] == 0


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (
            b'{"source":"s","external_id":"x","platform":"google","author":"\\ud800",'
            b'"text":"t","url":"https://e.org/r"}',
            "author",
        ),
        (
            b'{"source":"s","external_id":"x","platform":"google","author":"a",'
            b'"text":"t","url":"https://e.org/r","rating":"\\u00b3"}',
            "rating",
        ),
        (b"[" * 100_000 + b"]" * 100_000, None),
    ],
)
def test_odd_unicode_numbers_and_nesting_are_400(
    base: str,
    container,
    raw: bytes,
    field: str | None,  # type: ignore[no-untyped-def]
) -> None:
    status, payload = post(base, raw, sign(raw))
    assert status == 400, payload
    assert payload.get("field") == field
    assert counts(container)[0] == 0


def _gauge(body: bytes, name: str) -> float:
    line = next(ln for ln in body.decode().splitlines() if ln.startswith(name + " "))
    return float(line.split()[1])


def test_metrics_count_waiting_and_dead_outbox_rows(base: str, container) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    body = json.dumps([mention(1), mention(2)]).encode()
    assert post(base, body, sign(body))[0] in (200, 201, 202)
    metrics = get(base, "/metrics")[1]
    pending = _gauge(metrics, "countersign_outbox_pending")
    assert pending >= 2 and _gauge(metrics, "countersign_outbox_dead") == 0
    with Session(container.engine) as s:
        first = s.execute(select(func.min(OutboxMessage.id))).scalar_one()
        s.execute(update(OutboxMessage).where(OutboxMessage.id == first).values(status="dead"))
        s.commit()
    metrics = get(base, "/metrics")[1]
    assert _gauge(metrics, "countersign_outbox_dead") == 1
    assert _gauge(metrics, "countersign_outbox_pending") == pending - 1
