"""Bot Framework token validation with real signatures: a local OpenID metadata
document and JWKS (an RSA key generated here), ``TEAMS_OPENID_METADATA_URL`` pointed at
it, and tokens that are valid, expired, for another app (audience), from another
issuer, for another service URL, signed by another key, with ``alg: none`` or HS256,
or endorsed for another channel. Only the valid one is served; every other gets 401
and writes nothing. A valid token for an activity of another tenant is served by the
HTTP layer (Bot Framework tokens carry no tenant) and refused, audited, by the core."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.support.hostile import Snapshot, settle, tally
from tests.support.server import serve_in_thread
from tests.teams.conftest import AUTHOR, OTHER_TENANT, ingest

APP_ID = "11111111-2222-3333-4444-555555555555"
ISSUER = "https://api.botframework.com"
SUITE = "teams: tokens (local JWKS)"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Jwks:
    url: str
    key: rsa.RSAPrivateKey
    kid: str


@pytest.fixture(scope="module")
def jwks() -> Iterator[Jwks]:
    """The metadata document and the key set, served from a thread (the SDK fetches
    them with blocking ``requests`` calls). A fresh URL per module: the SDK caches
    metadata by URL for a day."""
    key, kid = _key(), f"kid-{uuid.uuid4().hex[:8]}"
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    base: dict[str, str] = {}

    def app() -> web.Application:
        async def metadata(_r: web.Request) -> web.Response:
            return web.json_response(
                {
                    "issuer": ISSUER,
                    "authorization_endpoint": "https://invalid.example/",
                    "jwks_uri": base["url"] + "/keys",
                    "id_token_signing_alg_values_supported": ["RS256"],
                }
            )

        async def keys(_r: web.Request) -> web.Response:
            jwk = {**public, "kid": kid, "use": "sig", "endorsements": ["msteams"]}
            other = json.loads(RSAAlgorithm.to_jwk(_key().public_key()))
            webchat = {**other, "kid": "kid-webchat-only", "endorsements": ["webchat"]}
            return web.json_response({"keys": [jwk, webchat]})

        a = web.Application()
        a.router.add_get("/v1/.well-known/openidconfiguration", metadata)
        a.router.add_get("/keys", keys)
        return a

    with serve_in_thread(app) as url:
        base["url"] = url
        yield Jwks(url + "/v1/.well-known/openidconfiguration", key, kid)


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def teams_overrides(jwks: Jwks) -> dict[str, Any]:
    return {
        "TEAMS_AUTH_DISABLED": False,
        "TEAMS_APP_ID": APP_ID,
        "TEAMS_APP_PASSWORD": "app-password",
        "TEAMS_OPENID_METADATA_URL": jwks.url,
    }


def token(
    jwks: Jwks,
    service_url: str,
    *,
    key: Any = None,
    alg: str = "RS256",
    kid: str | None = None,
    **claims: Any,
) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "aud": APP_ID,
        "serviceurl": service_url,
        "nbf": now - 10,
        "exp": now + 600,
        **claims,
    }
    body = {k: v for k, v in body.items() if v is not None}
    headers = {"kid": kid or jwks.kid}
    return jwt.encode(body, key if key is not None else jwks.key, algorithm=alg, headers=headers)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def bad_tokens(jwks: Jwks, service_url: str) -> dict[str, str]:
    now = int(time.time())
    pem = jwks.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = {"iss": ISSUER, "aud": APP_ID, "serviceurl": service_url, "exp": now + 600}
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': jwks.kid})}.{_b64(claims)}."
    good = token(jwks, service_url)
    head, payload, sig = good.split(".")
    return {
        "expired": token(jwks, service_url, exp=now - 3600, nbf=now - 7200),
        "other audience (app id)": token(jwks, service_url, aud="another-bot-app-id"),
        "no audience": token(jwks, service_url, aud=None),
        "other issuer": token(jwks, service_url, iss="https://evil.example"),
        "emulator issuer, our key": token(
            jwks,
            service_url,
            iss="https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/",
            ver="1.0",
            appid=APP_ID,
        ),
        "other service URL": token(jwks, "https://smba.evil.example/"),
        "no service URL claim": token(jwks, service_url, serviceurl=None),
        "forged (another key, our kid)": token(jwks, service_url, key=_key()),
        "unknown kid": token(jwks, service_url, key=_key(), kid="kid-nobody"),
        "key endorsed for another channel": token(
            jwks, service_url, key=_key(), kid="kid-webchat-only"
        ),
        "alg none": unsigned,
        "HS256 keyed with the public key": jwt.encode(
            claims,
            pem.decode()[:40],  # PyJWT refuses a PEM as an HMAC key: a prefix of it
            algorithm="HS256",
            headers={"kid": jwks.kid},
        ),
        "payload swapped after signing": f"{head}.{_b64({**claims, 'aud': APP_ID, 'x': 1})}.{sig}",
        "signature stripped": f"{head}.{payload}.",
        "not a JWT": "not-a-jwt",
        "empty": "",
    }


def assign(teams: Any, mid: int, **kw: Any) -> dict[str, Any]:
    """A card button click in the review channel (answered in the invoke response, no
    call back to the Bot Connector)."""
    value = {
        "action": {
            "type": "Action.Execute",
            "verb": "mention_assign",
            "data": {"value": f"M-{mid}"},
        }
    }
    body: dict[str, Any] = teams.activity(
        "invoke", AUTHOR, name="adaptiveCard/action", value=value, **kw
    )
    return body


def _assignee(teams: Any, mid: int) -> str | None:
    from workflows.services import reporting
    from workflows.types import Actor

    return reporting.status(teams.container.deps, Actor.cli(), mid).mention.assignee


async def test_a_validly_signed_token_is_served(teams: Any, jwks: Jwks) -> None:
    mid = ingest(teams.container)
    header = {"Authorization": "Bearer " + token(jwks, teams.connector.base_url)}
    resp = await teams.post(assign(teams, mid), headers=header)
    tally(SUITE, resp.status)
    assert resp.status == 200
    assert _assignee(teams, mid) == "teams:aad-author"


async def test_bad_tokens_are_401_and_write_nothing(teams: Any, jwks: Jwks) -> None:
    mid = ingest(teams.container)
    cases = bad_tokens(jwks, teams.connector.base_url)
    headers = {name: {"Authorization": f"Bearer {t}"} for name, t in cases.items()}
    headers["no Authorization header"] = {}
    headers["Basic scheme"] = {"Authorization": "Basic " + token(jwks, teams.connector.base_url)}
    headers["three parts"] = {"Authorization": "Bearer a b"}
    failures = teams.container.metrics.registry.get_sample_value
    for name, h in headers.items():
        body = assign(teams, mid)
        before = Snapshot.take(teams.container)
        resp = await teams.post(body, headers=h)
        await settle()
        tally(SUITE, resp.status)
        assert resp.status == 401, name
        before.assert_nothing(teams.container, name)
    assert failures("countersign_auth_failures_total", {"surface": "teams"}) == len(headers)
    assert teams.connector.sent == []
    assert _assignee(teams, mid) is None


async def test_valid_token_for_another_tenants_activity_is_refused_by_the_core(
    teams: Any, jwks: Jwks
) -> None:
    """Bot Framework tokens name the bot and the service URL, not the tenant: the
    tenant check is the core's (``permissions.foreign``), audited as a refusal."""
    mid = ingest(teams.container)
    body = assign(teams, mid, tenant=OTHER_TENANT)
    before = Snapshot.take(teams.container)
    resp = await teams.post(
        body, headers={"Authorization": "Bearer " + token(jwks, teams.connector.base_url)}
    )
    await settle()
    tally(SUITE, resp.status)
    assert resp.status == 200
    assert before.assert_only_refusals(teams.container, "other tenant") == 1
