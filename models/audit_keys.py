"""The audit chain's HMAC keys: never stored in the database, attached to an engine's
dialect when the engine is built (like the data keyring).

The current key signs new events; it and every previous key verify the events they
signed. Events store a key's fingerprint (``key_id``), never the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from sqlalchemy.engine import Dialect

MIN_KEY_LENGTH = 32
_DIALECT_ATTR = "countersign_audit_keys"


class AuditKeyError(Exception):
    """An audit key is missing or unusable (the message names the setting, never a key)."""


def fingerprint(key: str) -> str:
    """The first 16 hex digits of the key's SHA-256: what an event stores as ``key_id``."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


class AuditKeys:
    def __init__(self, current: str | None, previous: Iterable[str] = ()) -> None:
        self._by_id: dict[str, bytes] = {}
        self.current_id: str | None = None
        if current is not None:
            self.current_id = self._add(current.strip(), "AUDIT_HMAC_KEY")
        for i, key in enumerate(previous):
            self._add(key.strip(), f"AUDIT_HMAC_PREVIOUS_KEYS entry {i + 1}")

    def _add(self, key: str, setting: str) -> str:
        if len(key) < MIN_KEY_LENGTH:
            raise AuditKeyError(
                f"{setting} is too short (at least {MIN_KEY_LENGTH} characters; make one with "
                "`python app.py keys generate-audit`)"
            )
        key_id = fingerprint(key)
        self._by_id[key_id] = key.encode()
        return key_id

    @classmethod
    def from_settings(cls, current: str | None, previous: str | None) -> AuditKeys:
        return cls(current or None, [k for k in (previous or "").split(",") if k.strip()])

    @staticmethod
    def generate_key() -> str:
        return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()

    def knows(self, key_id: str) -> bool:
        return key_id in self._by_id

    def mac(self, key_id: str, message: str) -> str:
        """HMAC-SHA256 of ``message`` under the key with this fingerprint (KeyError if
        it is not configured)."""
        return hmac.new(self._by_id[key_id], message.encode(), hashlib.sha256).hexdigest()


def attach_audit_keys(dialect: Dialect, keys: AuditKeys) -> None:
    setattr(dialect, _DIALECT_ATTR, keys)


def audit_keys_of(dialect: Dialect) -> AuditKeys:
    """The engine's audit keys; none at all when it was built without them."""
    keys = getattr(dialect, _DIALECT_ATTR, None)
    return keys if isinstance(keys, AuditKeys) else AuditKeys(None)
