"""Encryption at rest for mention text, authors, reply text and everything derived from them.

Authenticated, randomised encryption (Fernet: AES-128-CBC + HMAC-SHA256, random IV) with key
rotation (MultiFernet: the first key encrypts, every key decrypts). The keyring is attached to
an engine's dialect when the engine is built, so there is no module-level state.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

PREFIX = "enc1:"
_DIALECT_ATTR = "countersign_keyring"


class KeyringError(Exception):
    """The data-encryption keys are missing or malformed (message never contains a key)."""


class Keyring:
    """Encrypts with the first key, decrypts with any (rotation: put the new key first)."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise KeyringError("DATA_ENCRYPTION_KEY is empty")
        fernets = []
        for i, key in enumerate(keys):
            try:
                fernets.append(Fernet(key.strip().encode()))
            except (ValueError, TypeError):
                raise KeyringError(
                    f"DATA_ENCRYPTION_KEY entry {i + 1} is not a valid key "
                    "(32 url-safe base64 bytes; make one with `python app.py keys generate`)"
                ) from None
        self._multi = MultiFernet(fernets)
        self.key_count = len(fernets)

    @classmethod
    def from_setting(cls, value: str) -> Keyring:
        return cls([k for k in value.split(",") if k.strip()])

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()

    def encrypt(self, plaintext: str) -> str:
        return PREFIX + self._multi.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        if not token.startswith(PREFIX):
            raise KeyringError("value is not an encrypted token")
        try:
            return self._multi.decrypt(token[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise KeyringError(
                "no configured key decrypts this value (wrong or retired key?)"
            ) from None

    def rotate(self, token: str) -> str:
        """Re-encrypt a stored token under the current primary key."""
        return PREFIX + self._multi.rotate(token[len(PREFIX) :].encode("ascii")).decode("ascii")


def attach_keyring(dialect: Dialect, keyring: Keyring) -> None:
    setattr(dialect, _DIALECT_ATTR, keyring)


def keyring_of(dialect: Dialect) -> Keyring:
    keyring = getattr(dialect, _DIALECT_ATTR, None)
    if not isinstance(keyring, Keyring):
        raise KeyringError("this database engine was built without a keyring")
    return keyring


class EncryptedText(TypeDecorator[str]):
    """A text column stored encrypted; reads return plaintext."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_of(dialect).encrypt(str(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_of(dialect).decrypt(str(value))
