"""`audit verify` catches an edited, a deleted (middle and newest) and a reordered event
and names the first bad one — through models.audit.verify and through the command line.

To tamper, the tests first remove the append-only guard as a database superuser would
(SQLite: drop the triggers; PostgreSQL: ALTER TABLE … DISABLE TRIGGER USER): that is the
attacker with admin access the hash chain and the external checkpoint exist for.
"""

from __future__ import annotations

import hmac
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from models import audit
from models.audit_keys import AuditKeys, fingerprint
from tests.conftest import TEST_AUDIT_KEY, TEST_KEY, make_settings
from workflows.services import drafting, mentions, roles
from workflows.types import Actor, MentionInput

ROOT = Path(__file__).resolve().parents[2]
N_EVENTS = 6


# -- helpers -------------------------------------------------------------------------


def _mention(i: int) -> MentionInput:
    return MentionInput(
        source="webhook",
        external_id=f"chain-{i}",
        platform="google",
        author=f"Reviewer {i}",
        text=f"Terrible wait number {i}",
        rating=1,
        url=f"https://example.com/r/{i}",
    )


def _seed(container) -> None:  # type: ignore[no-untyped-def]
    """N_EVENTS audit events: ingests (one event each), a role change and a draft."""
    deps = container.deps
    mentions.ingest(deps, [_mention(i) for i in range(1, 4)])  # events 1-3
    mentions.ingest(deps, [_mention(4)])  # event 4
    roles.add_role(deps, Actor.cli("ops"), "slack:UMKT", "marketing")  # event 5
    drafting.create_revision(
        deps, Actor("slack", "UAUTH", channel_member=True), "M-1", "Sorry to hear this."
    )  # event 6
    with Session(container.engine) as s:
        assert audit.count(s) == N_EVENTS


def _raw_engine(db_url: str):  # type: ignore[no-untyped-def]
    # A plain engine, no keyring: tampering works on stored values (ciphertext).
    return create_engine(db_url, isolation_level="AUTOCOMMIT")


def _disable_guard(db_url: str) -> None:
    """What a database superuser can do: lift the append-only triggers."""
    eng = _raw_engine(db_url)
    with eng.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        else:
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    eng.dispose()


def _sql(db_url: str, *statements: str) -> None:
    eng = _raw_engine(db_url)
    with eng.connect() as conn:
        for stmt in statements:
            conn.execute(text(stmt))
    eng.dispose()


def _verify(container, checkpoint: audit.Checkpoint | None = None) -> audit.VerifyResult:  # type: ignore[no-untyped-def]
    with Session(container.engine) as s:
        return audit.verify(s, checkpoint)


def _checkpoint(container, path: Path) -> audit.Checkpoint:  # type: ignore[no-untyped-def]
    with Session(container.engine) as s:
        seq, hash_ = audit.head(s)
    return audit.write_checkpoint(path, seq, hash_, container.deps.clock())


def _edit(db_url: str, seq: int) -> None:
    _disable_guard(db_url)
    _sql(db_url, f"UPDATE audit_events SET actor = 'slack:UEVIL' WHERE seq = {seq}")


def _delete(db_url: str, seq: int) -> None:
    _disable_guard(db_url)
    _sql(db_url, f"DELETE FROM audit_events WHERE seq = {seq}")


def _swap(db_url: str, a: int, b: int) -> None:
    """Reorder a pair: event a takes b's place in the sequence and vice versa."""
    _disable_guard(db_url)
    _sql(
        db_url,
        f"UPDATE audit_events SET seq = -1 WHERE seq = {a}",
        f"UPDATE audit_events SET seq = {a} WHERE seq = {b}",
        f"UPDATE audit_events SET seq = {b} WHERE seq = -1",
    )


def _cli_env(db_url: str, checkpoint_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        DATA_ENCRYPTION_KEY=TEST_KEY,
        AUDIT_CHECKPOINT_PATH=str(checkpoint_path),
        TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="",
        LOG_LEVEL="WARNING",
    )
    env.pop("DEMO_MODE", None)
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "app.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def seeded(container):  # type: ignore[no-untyped-def]
    _seed(container)
    return container


# -- through models.audit.verify ----------------------------------------------------------


def test_untouched_chain_verifies(seeded, tmp_path: Path) -> None:
    result = _verify(seeded)
    assert result.ok, result.problem
    assert result.checked == N_EVENTS and result.head_seq == N_EVENTS
    cp = _checkpoint(seeded, tmp_path / "cp.jsonl")
    assert _verify(seeded, cp).ok
    assert audit.latest_checkpoint(tmp_path / "cp.jsonl") == cp


def test_edited_event_is_named(seeded, db_url: str) -> None:
    _edit(db_url, 3)
    result = _verify(seeded)
    assert not result.ok
    assert result.bad_seq == 3
    assert "#3" in (result.problem or "") and "altered" in (result.problem or "")
    assert result.checked == 2


def test_edited_hash_column_is_named(seeded, db_url: str) -> None:
    """Changing an event's own stored hash breaks it (and the link from the next one)."""
    _disable_guard(db_url)
    _sql(db_url, "UPDATE audit_events SET hash = '" + "f" * 64 + "' WHERE seq = 4")
    result = _verify(seeded)
    assert not result.ok and result.bad_seq == 4


def test_deleted_middle_event_is_named(seeded, db_url: str) -> None:
    _delete(db_url, 3)
    result = _verify(seeded)
    assert not result.ok
    assert result.bad_seq == 3
    assert "#3" in (result.problem or "") and "missing" in (result.problem or "")


def test_deleted_middle_event_with_renumbering_is_named(seeded, db_url: str) -> None:
    """An attacker who also closes the gap in ``seq`` is caught by the broken link."""
    _delete(db_url, 3)
    _sql(db_url, *(f"UPDATE audit_events SET seq = {s - 1} WHERE seq = {s}" for s in (4, 5, 6)))
    result = _verify(seeded)
    assert not result.ok and result.bad_seq == 3


def test_deleted_newest_event_needs_and_uses_the_checkpoint(
    seeded, db_url: str, tmp_path: Path
) -> None:
    cp = _checkpoint(seeded, tmp_path / "cp.jsonl")
    assert cp.seq == N_EVENTS
    _delete(db_url, N_EVENTS)
    # The chain alone is still internally consistent: that is why the head is kept outside.
    assert _verify(seeded).ok
    result = _verify(seeded, audit.latest_checkpoint(tmp_path / "cp.jsonl"))
    assert not result.ok
    assert result.bad_seq == N_EVENTS
    assert f"#{N_EVENTS}" in (result.problem or "") and "deleted" in (result.problem or "")


def test_deleted_two_newest_events_names_the_first_missing(
    seeded, db_url: str, tmp_path: Path
) -> None:
    cp = _checkpoint(seeded, tmp_path / "cp.jsonl")
    _delete(db_url, N_EVENTS)
    _sql(db_url, f"DELETE FROM audit_events WHERE seq = {N_EVENTS - 1}")
    result = _verify(seeded, cp)
    assert not result.ok and result.bad_seq == N_EVENTS - 1


def test_reordered_pair_is_named(seeded, db_url: str) -> None:
    _swap(db_url, 2, 3)
    result = _verify(seeded)
    assert not result.ok
    assert result.bad_seq == 2
    assert "#2" in (result.problem or "")


def _rehash_from(db_url: str, first: int, rehash) -> None:  # type: ignore[no-untyped-def]
    """What an attacker with write access but without the audit key can do: re-hash
    event ``first`` and every later one with ``rehash(prev, row) -> (key_id, hash)``."""
    _disable_guard(db_url)
    eng = _raw_engine(db_url)
    cols = ", ".join(("hash", "prev_hash", "key_id", *audit.CHAINED_FIELDS))
    with eng.connect() as conn:
        rows = [
            audit._normalise(dict(r))
            for r in conn.execute(text(f"SELECT {cols} FROM audit_events ORDER BY seq")).mappings()
        ]
        prev = audit.GENESIS
        for row in rows:
            if row["seq"] >= first:
                key_id, new_hash = rehash(prev, row)
                conn.execute(
                    text(
                        "UPDATE audit_events SET prev_hash = :p, hash = :h, key_id = :k "
                        "WHERE seq = :s"
                    ),
                    {"p": prev, "h": new_hash, "k": key_id, "s": row["seq"]},
                )
                prev = new_hash
            else:
                prev = row["hash"]
    eng.dispose()


ATTACKER_KEY = "an-attackers-own-key-0123456789abcdef"


def _plain(prev: str, row: dict[str, object]) -> tuple[object, str]:
    return row["key_id"], audit.legacy_hash(prev, row)


def _as_legacy(prev: str, row: dict[str, object]) -> tuple[object, str]:
    return None, audit.legacy_hash(prev, {**row, "key_id": None})


def _wrong_key(prev: str, row: dict[str, object]) -> tuple[object, str]:
    """The real key's fingerprint, the attacker's key."""
    message = prev + "\n" + audit.canonical(row)
    return row["key_id"], hmac.new(ATTACKER_KEY.encode(), message.encode(), "sha256").hexdigest()


def _own_key(prev: str, row: dict[str, object]) -> tuple[object, str]:
    """Signed properly, with the attacker's own key and its fingerprint."""
    key_id = fingerprint(ATTACKER_KEY)
    return key_id, audit.signed_hash(AuditKeys(ATTACKER_KEY), prev, {**row, "key_id": key_id})


@pytest.mark.parametrize(
    ("rehash", "expected"),
    [
        (_plain, "altered or forged"),
        (_wrong_key, "altered or forged"),
        (_as_legacy, "not signed with the audit key although earlier events are"),
        (_own_key, "not configured"),
    ],
)
def test_edit_with_every_later_hash_recomputed_is_named_at_the_edited_event(
    seeded, db_url: str, rehash, expected: str
) -> None:  # type: ignore[no-untyped-def]
    _edit(db_url, 3)
    _rehash_from(db_url, 3, rehash)
    result = _verify(seeded)
    assert not result.ok
    assert result.bad_seq == 3, result.problem
    assert expected in (result.problem or "")
    assert result.checked == 2


def test_all_events_rewritten_as_legacy_are_caught_by_the_checkpoint_at_the_first_signed(
    seeded, db_url: str, tmp_path: Path
) -> None:
    with Session(seeded.engine) as s:
        cp = audit.checkpoint_head(s, tmp_path / "cp.jsonl", seeded.deps.clock())
    assert cp.first_signed == 1
    assert audit.latest_checkpoint(tmp_path / "cp.jsonl") == cp
    _edit(db_url, 4)
    _rehash_from(db_url, 1, _as_legacy)
    unchecked = _verify(seeded)  # a consistent legacy chain on its own
    assert unchecked.ok and unchecked.legacy == N_EVENTS and unchecked.signed == 0
    result = _verify(seeded, audit.latest_checkpoint(tmp_path / "cp.jsonl"))
    assert not result.ok
    assert result.bad_seq == 1, result.problem
    assert "rewritten as unsigned" in (result.problem or "")


def test_appending_after_tamper_does_not_hide_it(seeded, db_url: str) -> None:
    """New events chain onto the (tampered) head; verify still names the edited one."""
    _edit(db_url, 2)
    mentions.ingest(seeded.deps, [_mention(99)])
    result = _verify(seeded)
    assert not result.ok and result.bad_seq == 2


# -- through the command line ----------------------------------------------------------------


def test_cli_audit_verify_ok(seeded, db_url: str, tmp_path: Path) -> None:
    env = _cli_env(db_url, tmp_path / "cli-checkpoints.jsonl")
    seeded.close()
    ok = _cli(env, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert "audit trail OK" in ok.stdout and f"{N_EVENTS} events" in ok.stdout
    assert _cli(env, "audit", "checkpoint").returncode == 0
    ok = _cli(env, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert f"matches checkpoint at event #{N_EVENTS}" in ok.stdout
    # checking the chain needs no data-encryption key (an auditor's machine has none)
    keyless = {k: v for k, v in env.items() if k != "DATA_ENCRYPTION_KEY"}
    ok = _cli(keyless, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert "audit trail OK" in ok.stdout


@pytest.mark.parametrize("tamper", ["edit", "delete_middle", "delete_newest", "reorder"])
def test_cli_audit_verify_names_the_first_bad_event(
    seeded, db_url: str, tmp_path: Path, tamper: str
) -> None:
    env = _cli_env(db_url, tmp_path / "cli-checkpoints.jsonl")
    seeded.close()  # the CLI gets the database to itself (SQLite file locks)

    cp = _cli(env, "audit", "checkpoint")
    assert cp.returncode == 0, cp.stderr
    assert f"event #{N_EVENTS}" in cp.stdout
    assert (tmp_path / "cli-checkpoints.jsonl").exists()

    expected_seq = {"edit": 4, "delete_middle": 3, "delete_newest": N_EVENTS, "reorder": 2}[tamper]
    if tamper == "edit":
        _edit(db_url, 4)
    elif tamper == "delete_middle":
        _delete(db_url, 3)
    elif tamper == "delete_newest":
        _delete(db_url, N_EVENTS)
    else:
        _swap(db_url, 2, 3)

    bad = _cli(env, "audit", "verify")
    assert bad.returncode != 0
    assert "AUDIT TRAIL BROKEN" in bad.stderr
    assert f"at event #{expected_seq}:" in bad.stderr, bad.stderr
    assert "Traceback" not in bad.stderr


def test_cli_delete_newest_detected_via_export_checkpoint(
    seeded, db_url: str, tmp_path: Path
) -> None:
    """`audit export` also checkpoints the head, so a later deletion is caught."""
    env = _cli_env(db_url, tmp_path / "export-checkpoints.jsonl")
    seeded.close()
    exp = _cli(env, "audit", "export", "--format", "jsonl")
    assert exp.returncode == 0, exp.stderr
    _delete(db_url, N_EVENTS)
    bad = _cli(env, "audit", "verify")
    assert bad.returncode != 0
    assert f"at event #{N_EVENTS}:" in bad.stderr, bad.stderr


# -- a checkpoint file shared by several databases ---------------------------------------


def test_each_database_is_compared_with_its_own_checkpoints(
    seeded, db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "shared.jsonl"
    with Session(seeded.engine) as s:
        trail = audit.trail_of(s)
        seq, hash_ = audit.head(s)
    assert trail is not None
    # another database, further along, checkpoints into the same file afterwards
    other = "0" * 64
    audit.write_checkpoint(path, seq, hash_, seeded.deps.clock(), trail)
    audit.write_checkpoint(path, seq + 50, "f" * 64, seeded.deps.clock(), other)
    assert audit.latest_checkpoint(path).trail == other  # type: ignore[union-attr]
    mine = audit.latest_checkpoint(path, trail)
    assert mine is not None and mine.seq == seq and mine.trail == trail
    assert _verify(seeded, mine).ok
    assert audit.other_trails(path, trail) == 1
    # and this database's own checkpoint still catches a deleted newest event
    _delete(db_url, N_EVENTS)
    result = _verify(seeded, audit.latest_checkpoint(path, trail))
    assert not result.ok and result.bad_seq == N_EVENTS


def test_cli_verify_with_only_another_databases_checkpoints(
    seeded, db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "shared.jsonl"
    audit.write_checkpoint(path, N_EVENTS + 50, "f" * 64, seeded.deps.clock(), "0" * 64)
    env = _cli_env(db_url, path)
    seeded.close()
    ok = _cli(env, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert "audit trail OK" in ok.stdout
    assert "1 checkpoint(s) of other audit trails" in ok.stderr


def test_a_release_checkpoints_the_trail_through_the_outbox(
    container, db_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Deleting the newest events right after a release is caught at the next verify,
    without waiting for the hourly checkpoint."""
    from workflows.services import release, signoff

    path = Path(container.settings.AUDIT_CHECKPOINT_PATH)
    deps = container.deps
    mentions.ingest(deps, [_mention(1)])
    roles.add_role(deps, Actor.cli("ops"), "slack:UMKT", "marketing")
    roles.add_role(deps, Actor.cli("ops"), "slack:URISK", "risk")
    author = Actor("slack", "UAUTH", channel_member=True)
    drafting.create_revision(deps, author, "M-1", "Sorry to hear this. Please call us.")
    signoff.sign_off(deps, Actor("slack", "UMKT", channel_member=True), "M-1", 1, "marketing")
    signoff.sign_off(deps, Actor("slack", "URISK", channel_member=True), "M-1", 1, "risk")
    release.mark_posted(deps, author, "M-1")
    container.relay.deliver_due()
    with Session(container.engine) as s:
        seq, _ = audit.head(s)
        trail = audit.trail_of(s)
    cp = audit.latest_checkpoint(path, trail)
    assert cp is not None and cp.seq == seq
    _delete(db_url, seq)
    result = _verify(container, audit.latest_checkpoint(path, trail))
    assert not result.ok and result.bad_seq == seq


# -- the keyed chain: legacy events, forged events, rotation --------------------------------


def _append_unsigned(engine, n: int, key_id: str | None = None) -> list[int]:  # type: ignore[no-untyped-def]
    """Insert ``n`` events with a plain SHA-256 hash, as the code before the audit key
    did (or as a forger does: INSERT is allowed); ``key_id`` claims a key anyway."""
    from models.tables import AuditEvent

    seqs = []
    with Session(engine) as s:
        for _ in range(n):
            seq, prev = audit.head(s)
            seq += 1
            fields = {
                "seq": seq,
                "occurred_at": datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC),
                "actor": "cli:legacy",
                "action": "roles.added",
                "outcome": "ok",
            }
            hashed = {**fields, "key_id": key_id}
            s.add(
                AuditEvent(**hashed, prev_hash=prev, hash=audit.legacy_hash(prev, hashed))  # type: ignore[arg-type]
            )
            s.commit()
            seqs.append(seq)
    return seqs


@pytest.mark.parametrize("claimed_key", [None, fingerprint(TEST_AUDIT_KEY)])
def test_forged_appended_event_is_named(seeded, claimed_key: str | None) -> None:
    (forged,) = _append_unsigned(seeded.engine, 1, claimed_key)
    assert forged == N_EVENTS + 1
    result = _verify(seeded)
    assert not result.ok and result.bad_seq == forged, result.problem
    expected = "not signed with the audit key" if claimed_key is None else "altered or forged"
    assert expected in (result.problem or "")
    # and events appended after it do not hide it
    mentions.ingest(seeded.deps, [_mention(99)])
    assert _verify(seeded).bad_seq == forged


def test_legacy_events_then_signed_events_verify_with_counts(
    container, db_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    assert _append_unsigned(container.engine, 3) == [1, 2, 3]
    mentions.ingest(container.deps, [_mention(1), _mention(2)])  # events 4-5, signed
    result = _verify(container)
    assert result.ok, result.problem
    assert (result.checked, result.signed, result.legacy) == (5, 2, 3)
    with Session(container.engine) as s:
        assert audit.first_signed(s) == 4
    # an unsigned event after the signed ones is not legacy: it is forged
    _append_unsigned(container.engine, 1)
    result = _verify(container)
    assert not result.ok and result.bad_seq == 6
    assert "although earlier events are (from #4)" in (result.problem or "")
    container.close()
    env = _cli_env(db_url, tmp_path / "cp.jsonl")
    bad = _cli(env, "audit", "verify")
    assert bad.returncode == 1 and "at event #6:" in bad.stderr, bad.stderr


def test_cli_reports_signed_and_legacy_counts(container, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _append_unsigned(container.engine, 2)
    mentions.ingest(container.deps, [_mention(1)])
    container.close()
    ok = _cli(_cli_env(db_url, tmp_path / "cp.jsonl"), "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert "3 events (1 signed with the audit key, 2 legacy unsigned)" in ok.stdout


KEY_A = "rotation-key-A-0123456789abcdef0123456789"
KEY_B = "rotation-key-B-0123456789abcdef0123456789"


def _ingest_with(db_url: str, first: int, **keys: str) -> None:
    from app import build_container
    from tests.support.fakes import FakeScreen, FixedSentiment

    c = build_container(
        make_settings(db_url, **keys), screen=FakeScreen(), sentiment=FixedSentiment()
    )
    try:
        mentions.ingest(c.deps, [_mention(first), _mention(first + 1)])
    finally:
        c.close()


def _verify_with(db_url: str, **keys: str) -> audit.VerifyResult:
    from app import build_container
    from tests.support.fakes import FakeScreen

    c = build_container(make_settings(db_url, **keys), screen=FakeScreen(), verify_only=True)
    try:
        return _verify(c)
    finally:
        c.close()


def test_rotation_keeps_old_events_verifiable_while_the_old_key_is_kept(
    db_url: str, tmp_path: Path
) -> None:
    _ingest_with(db_url, 1, AUDIT_HMAC_KEY=KEY_A)  # events 1-2 under A
    _ingest_with(db_url, 3, AUDIT_HMAC_KEY=KEY_B, AUDIT_HMAC_PREVIOUS_KEYS=KEY_A)  # 3-4 under B
    result = _verify_with(db_url, AUDIT_HMAC_KEY=KEY_B, AUDIT_HMAC_PREVIOUS_KEYS=KEY_A)
    assert result.ok and result.signed == 4, result.problem
    # an auditor holding only the verifying keys, no current key and no data key
    result = _verify_with(db_url, AUDIT_HMAC_KEY="", AUDIT_HMAC_PREVIOUS_KEYS=f"{KEY_A},{KEY_B}")
    assert result.ok, result.problem
    # without A, the events it signed are named, with its fingerprint
    result = _verify_with(db_url, AUDIT_HMAC_KEY=KEY_B)
    assert not result.ok and result.bad_seq == 1
    assert result.missing_key == fingerprint(KEY_A)
    env = _cli_env(db_url, tmp_path / "cp.jsonl")
    env.update(AUDIT_HMAC_KEY=KEY_B)
    bad = _cli(env, "audit", "verify")
    assert bad.returncode == 2, bad.stderr
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: event #1 is signed with audit key")
    assert fingerprint(KEY_A) in lines[0] and "AUDIT_HMAC_PREVIOUS_KEYS" in lines[0]
    env.update(AUDIT_HMAC_PREVIOUS_KEYS=KEY_A)
    ok = _cli(env, "audit", "verify")
    assert ok.returncode == 0 and "4 signed with the audit key" in ok.stdout, ok.stderr


def test_cli_verify_needs_neither_the_data_key_nor_the_current_audit_key(
    seeded, db_url: str, tmp_path: Path
) -> None:
    env = _cli_env(db_url, tmp_path / "cp.jsonl")
    seeded.close()
    for name in ("DATA_ENCRYPTION_KEY", "AUDIT_HMAC_KEY"):
        env.pop(name)
    env.update(AUDIT_HMAC_PREVIOUS_KEYS=TEST_AUDIT_KEY)
    ok = _cli(env, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert f"{N_EVENTS} events ({N_EVENTS} signed" in ok.stdout


def test_cli_without_audit_key_refuses_to_start_in_one_line(
    sqlite_url: str, tmp_path: Path
) -> None:
    env = _cli_env(sqlite_url, tmp_path / "cp.jsonl")
    env.pop("AUDIT_HMAC_KEY")
    for command in (("serve",), ("roles", "list")):
        proc = _cli(env, *command)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "AUDIT_HMAC_KEY is not set" in lines[0], proc.stderr
        assert "keys generate-audit" in lines[0]
    env.update(AUDIT_HMAC_KEY="short-secret")
    proc = _cli(env, "roles", "list")
    assert proc.returncode == 2 and "AUDIT_HMAC_KEY is too short" in proc.stderr, proc.stderr
    assert "short-secret" not in proc.stderr
    proc = _cli(env, "keys", "generate-audit")
    assert proc.returncode == 0 and len(proc.stdout.strip()) >= 32


def test_edit_in_the_legacy_part_is_named_at_the_first_signed_event(container, db_url: str) -> None:  # type: ignore[no-untyped-def]
    _append_unsigned(container.engine, 3)
    mentions.ingest(container.deps, [_mention(1), _mention(2)])  # events 4-5, signed
    _edit(db_url, 2)
    _rehash_from(db_url, 2, _plain)
    result = _verify(container)
    assert not result.ok and result.bad_seq == 4, result.problem
