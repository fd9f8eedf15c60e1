"""Settings: .env.example documents every setting; secrets stay secret; no key, no start."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import ConfigError, Settings, build_audit_keys, build_keyring

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_setting_with_a_comment() -> None:
    text = (ROOT / ".env.example").read_text()
    listed = re.findall(r"^([A-Z_0-9]+)=", text, re.M)
    assert set(listed) == set(Settings.model_fields)
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^[A-Z_0-9]+=", line):
            j = i - 1
            while j >= 0 and re.match(r"^[A-Z_0-9]+=", lines[j]):
                j -= 1
            assert lines[j].startswith("#"), f"{line.split('=')[0]} has no comment"


def test_spec_setting_names_exist() -> None:
    for name in (
        "HOST PORT DATABASE_URL DATA_ENCRYPTION_KEY SLACK_BOT_TOKEN SLACK_SIGNING_SECRET "
        "SLACK_APP_TOKEN SLACK_CHANNEL_ID SLACK_API_BASE_URL TEAMS_APP_ID TEAMS_APP_PASSWORD "
        "TEAMS_APP_TENANT_ID TEAMS_CHANNEL_ID TEAMS_AUTH_DISABLED WEBHOOK_SECRET RETENTION_DAYS "
        "ALLOW_AUTHOR_SIGNOFF POLL_INTERVAL_SECONDS POST_PUBLISH_CHECK_SECONDS"
    ).split():
        assert name in Settings.model_fields, name
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (defaults.HOST, defaults.PORT, defaults.SLACK_API_BASE_URL) == (
        "127.0.0.1",
        3000,
        "https://slack.com/api/",
    )
    assert defaults.POLL_INTERVAL_SECONDS == 300 and defaults.POST_PUBLISH_CHECK_SECONDS == 3600
    assert defaults.ALLOW_AUTHOR_SIGNOFF is False


def test_secrets_are_not_printed() -> None:
    s = Settings(_env_file=None, SLACK_BOT_TOKEN="xoxb-secret-value", DATA_ENCRYPTION_KEY="k")  # type: ignore[call-arg]
    assert "xoxb-secret-value" not in repr(s) and "xoxb-secret-value" not in str(s.model_dump())


def test_no_key_outside_demo_mode_refuses_with_clear_message() -> None:
    with pytest.raises(ConfigError, match="DATA_ENCRYPTION_KEY is not set"):
        build_keyring(Settings(_env_file=None))  # type: ignore[call-arg]
    assert build_keyring(Settings(_env_file=None, DEMO_MODE=True)) is not None  # type: ignore[call-arg]


def test_bad_key_is_named_without_echoing_it() -> None:
    with pytest.raises(ConfigError, match="not a valid key") as info:
        build_keyring(Settings(_env_file=None, DATA_ENCRYPTION_KEY="not-a-key-123"))  # type: ignore[call-arg]
    assert "not-a-key-123" not in str(info.value)


def test_no_audit_key_outside_demo_mode_refuses_with_clear_message() -> None:
    with pytest.raises(ConfigError, match="AUDIT_HMAC_KEY is not set") as info:
        build_audit_keys(Settings(_env_file=None, AUDIT_HMAC_KEY=None))  # type: ignore[call-arg]
    assert "keys generate-audit" in str(info.value)
    demo = build_audit_keys(Settings(_env_file=None, AUDIT_HMAC_KEY=None, DEMO_MODE=True))  # type: ignore[call-arg]
    assert demo.current_id is not None
    # verifying only: no current key needed
    assert build_audit_keys(Settings(_env_file=None, AUDIT_HMAC_KEY=None), signing=False)  # type: ignore[call-arg]


def test_short_audit_keys_are_named_without_echoing_them() -> None:
    for values in (
        {"AUDIT_HMAC_KEY": "too-short-123"},
        {"AUDIT_HMAC_KEY": "x" * 32, "AUDIT_HMAC_PREVIOUS_KEYS": f"{'y' * 32},too-short-123"},
    ):
        with pytest.raises(ConfigError, match="too short") as info:
            build_audit_keys(Settings(_env_file=None, **values))  # type: ignore[arg-type]
        assert "too-short-123" not in str(info.value)
    assert "AUDIT_HMAC_PREVIOUS_KEYS entry 2" in str(info.value)


def test_audit_keys_are_known_by_fingerprint_only() -> None:
    from models.audit_keys import fingerprint

    keys = build_audit_keys(
        Settings(_env_file=None, AUDIT_HMAC_KEY="b" * 40, AUDIT_HMAC_PREVIOUS_KEYS="a" * 40)  # type: ignore[call-arg]
    )
    assert keys.current_id == fingerprint("b" * 40) and len(keys.current_id) == 16
    assert keys.knows(fingerprint("a" * 40)) and not keys.knows(fingerprint("c" * 40))
    assert keys.mac(keys.current_id, "m") != keys.mac(fingerprint("a" * 40), "m")
    assert "b" * 40 not in repr(Settings(_env_file=None, AUDIT_HMAC_KEY="b" * 40))  # type: ignore[call-arg]
