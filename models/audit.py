"""The HMAC-chained audit trail: append, verify, checkpoint.

Each event's hash is HMAC-SHA256, under the audit key (a setting, never stored in the
database), over the previous hash and a canonical JSON of the event's stored fields and
the key's fingerprint (encrypted fields are chained as stored, so verifying needs no
data-encryption key). Without the audit key, an edited event cannot be re-hashed and an
event cannot be forged. Events written before a key was configured (``key_id`` NULL) are
plain SHA-256 ("legacy"); none may follow a signed one.
The chain head is checkpointed outside the database (a JSONL file, exports and the
periodic audit message) so that deleting the newest events is detected too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from models.audit_keys import AuditKeyError, AuditKeys, audit_keys_of
from models.crypto import keyring_of
from models.db import AUDIT_LOCK_KEY, xact_lock
from models.tables import AuditEvent

GENESIS = "0" * 64

CHAINED_FIELDS = (
    "seq",
    "occurred_at",
    "actor",
    "role",
    "action",
    "outcome",
    "mention_id",
    "revision_number",
    "text_hash",
    "finding_kinds",
    "published_hash",
    "state_from",
    "state_to",
    "reason",
    "detail",
)


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: dict[str, Any]) -> str:
    """The chained fields as canonical JSON; ``key_id`` too when the event is signed (a
    legacy event's form is unchanged, so its stored hash still matches)."""
    out = {}
    for name in CHAINED_FIELDS:
        value = fields.get(name)
        if isinstance(value, datetime):
            value = _iso(value)
        out[name] = value
    if fields.get("key_id") is not None:
        out["key_id"] = fields["key_id"]
    return json.dumps(out, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _message(prev_hash: str, fields: dict[str, Any]) -> str:
    return prev_hash + "\n" + canonical(fields)


def legacy_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The hash of an event written before the chain was keyed (plain SHA-256)."""
    return hashlib.sha256(_message(prev_hash, fields).encode()).hexdigest()


def signed_hash(keys: AuditKeys, prev_hash: str, fields: dict[str, Any]) -> str:
    """HMAC-SHA256 under the key named by ``fields["key_id"]``."""
    return keys.mac(str(fields["key_id"]), _message(prev_hash, fields))


def append_all(
    session: Session, events: Sequence[tuple[dict[str, Any], datetime]]
) -> list[AuditEvent]:
    """Append events in order in the caller's transaction, serialised on the chain head:
    the lock is held from here to the commit, so the unit of work calls this last.

    ``reason`` (free text a person typed) is encrypted here, before hashing, so the chain
    covers exactly the stored ciphertext and verification needs no data-encryption key."""
    keys = audit_keys_of(session.get_bind().dialect)
    if keys.current_id is None:
        raise AuditKeyError("AUDIT_HMAC_KEY is not set: this process cannot write audit events")
    xact_lock(session, AUDIT_LOCK_KEY)
    head_row = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq = 0 if head_row is None else head_row.seq
    prev = GENESIS if head_row is None else head_row.hash
    out: list[AuditEvent] = []
    for fields, now in events:
        seq += 1
        values = dict(fields)
        if values.get("reason") is not None:
            values["reason"] = keyring_of(session.get_bind().dialect).encrypt(str(values["reason"]))
        if values.get("detail") is not None:
            values["detail"] = json.loads(json.dumps(values["detail"], sort_keys=True, default=str))
        occurred = now.astimezone(UTC)
        chained = {**values, "seq": seq, "occurred_at": occurred, "key_id": keys.current_id}
        event = AuditEvent(
            seq=seq,
            occurred_at=occurred,
            key_id=keys.current_id,
            prev_hash=prev,
            hash=signed_hash(keys, prev, chained),
            **values,
        )
        session.add(event)
        prev = event.hash
        out.append(event)
    session.flush()
    return out


def decrypt_reason(session: Session, value: str | None) -> str | None:
    if value is None:
        return None
    return keyring_of(session.get_bind().dialect).decrypt(value)


def _normalise(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    occurred = out.get("occurred_at")
    if isinstance(occurred, str):  # SQLite returns text through raw SQL
        occurred = datetime.fromisoformat(occurred)
    if isinstance(occurred, datetime):
        out["occurred_at"] = occurred
    detail = out.get("detail")
    if isinstance(detail, str):
        out["detail"] = json.loads(detail)
    return out


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    problem: str | None = None
    bad_seq: int | None = None
    signed: int = 0
    legacy: int = 0
    # fingerprint of an audit key that is needed but not configured (problem says which)
    missing_key: str | None = None


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    # the trail it belongs to: the hash of that database's first event, so databases
    # that share a checkpoint file are each compared with their own checkpoints only
    trail: str | None = None
    # the first event signed with an audit key, so signed events rewritten as legacy
    # ones are caught
    first_signed: int | None = None


class _Walk:
    """The running state of ``verify``: builds the failing result at any event."""

    def __init__(self) -> None:
        self.prev = GENESIS
        self.checked = 0
        self.signed = 0
        self.first_signed: int | None = None
        self.hashes: dict[int, str] = {}

    @property
    def head_seq(self) -> int:
        return self.checked

    def bad(self, seq: int, problem: str, missing_key: str | None = None) -> VerifyResult:
        return VerifyResult(
            False,
            self.checked,
            self.head_seq,
            self.prev,
            problem,
            seq,
            self.signed,
            self.checked - self.signed,
            missing_key,
        )

    def ok(self) -> VerifyResult:
        return VerifyResult(
            True,
            self.checked,
            self.head_seq,
            self.prev,
            signed=self.signed,
            legacy=self.checked - self.signed,
        )


def _check_event(walk: _Walk, row: dict[str, Any], keys: AuditKeys) -> VerifyResult | None:
    seq = int(row["seq"])
    if seq != walk.head_seq + 1:
        expected = walk.head_seq + 1
        return walk.bad(
            expected,
            f"event #{expected} is missing (next event found is #{seq}): events were deleted",
        )
    if row["prev_hash"] != walk.prev:
        return walk.bad(
            seq,
            f"event #{seq} does not follow event #{seq - 1}: events were reordered or replaced",
        )
    key_id = row.get("key_id")
    if key_id is None:
        if walk.first_signed is not None:
            return walk.bad(
                seq,
                f"event #{seq} is not signed with the audit key although earlier events are "
                f"(from #{walk.first_signed}): it was forged or rewritten",
            )
        expected_hash = legacy_hash(walk.prev, row)
    elif not keys.knows(str(key_id)):
        return walk.bad(
            seq,
            f"event #{seq} is signed with audit key {key_id}, which is not configured: set "
            "AUDIT_HMAC_KEY to that key or add it to AUDIT_HMAC_PREVIOUS_KEYS (if no such "
            f"key was ever used, event #{seq} is forged)",
            missing_key=str(key_id),
        )
    else:
        expected_hash = signed_hash(keys, walk.prev, row)
    if not hmac.compare_digest(expected_hash, str(row["hash"])):
        return walk.bad(
            seq,
            f"event #{seq} was altered or forged after it was written (its hash does not "
            "match its contents under the audit key)",
        )
    walk.prev = str(row["hash"])
    walk.hashes[seq] = walk.prev
    walk.checked += 1
    if key_id is not None:
        walk.signed += 1
        if walk.first_signed is None:
            walk.first_signed = seq
    return None


def _check_checkpoint(walk: _Walk, checkpoint: Checkpoint) -> VerifyResult | None:
    head_seq = walk.head_seq
    if checkpoint.seq > head_seq:
        return walk.bad(
            head_seq + 1,
            f"the checkpoint of {checkpoint.at} records event #{checkpoint.seq} but the "
            f"trail ends at #{head_seq}: the newest events were deleted",
        )
    recorded = checkpoint.first_signed
    if recorded is not None and (walk.first_signed is None or walk.first_signed > recorded):
        return walk.bad(
            recorded,
            f"event #{recorded} is not signed with the audit key although the checkpoint of "
            f"{checkpoint.at} records signed events from #{recorded}: signed events were "
            "rewritten as unsigned ones (this or an earlier event was edited)",
        )
    if walk.hashes.get(checkpoint.seq) != checkpoint.hash:
        return walk.bad(
            checkpoint.seq,
            f"event #{checkpoint.seq} differs from the checkpoint of {checkpoint.at}: "
            "the trail was rewritten",
        )
    return None


def verify(
    session: Session, checkpoint: Checkpoint | None = None, keys: AuditKeys | None = None
) -> VerifyResult:
    """Walk the chain in seq order; name the first event that is edited, forged, missing
    or out of order, and compare the head with the latest external checkpoint. ``keys``:
    the audit keys (default: the engine's); no data-encryption key is needed."""
    if keys is None:
        keys = audit_keys_of(session.get_bind().dialect)
    cols = ", ".join(("hash", "prev_hash", "key_id", *CHAINED_FIELDS))
    rows = session.execute(
        text(f"SELECT {cols} FROM audit_events ORDER BY seq")  # noqa: S608 - fixed names
    ).mappings()
    walk = _Walk()
    for raw in rows:
        failed = _check_event(walk, _normalise(dict(raw)), keys)
        if failed is not None:
            return failed
    if checkpoint is not None:
        failed = _check_checkpoint(walk, checkpoint)
        if failed is not None:
            return failed
    return walk.ok()


def head(session: Session) -> tuple[int, str]:
    row = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return (0, GENESIS) if row is None else (int(row.seq), str(row.hash))


def count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())


def trail_of(session: Session) -> str | None:
    """The trail's identity: the hash of its first event (None while it is empty)."""
    row = session.execute(select(AuditEvent.hash).where(AuditEvent.seq == 1)).first()
    return None if row is None else str(row.hash)


def first_signed(session: Session) -> int | None:
    """The seq of the first event signed with an audit key (None while there is none)."""
    value = session.execute(
        select(func.min(AuditEvent.seq)).where(AuditEvent.key_id.is_not(None))
    ).scalar_one()
    return None if value is None else int(value)


def write_checkpoint(
    path: Path,
    seq: int,
    hash_: str,
    now: datetime,
    trail: str | None = None,
    first_signed: int | None = None,
) -> Checkpoint:
    if first_signed is not None and first_signed > seq:
        first_signed = None  # signed after the recorded head
    cp = Checkpoint(seq=seq, hash=hash_, at=_iso(now), trail=trail, first_signed=first_signed)
    path.parent.mkdir(parents=True, exist_ok=True)
    line: dict[str, Any] = {"seq": cp.seq, "hash": cp.hash, "at": cp.at}
    if trail is not None:
        line["trail"] = trail
    if first_signed is not None:
        line["first_signed"] = first_signed
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line) + "\n")
    return cp


def checkpoint_head(session: Session, path: Path, now: datetime) -> Checkpoint:
    """Record the current head of the session's trail in the checkpoint file."""
    seq, hash_ = head(session)
    return write_checkpoint(path, seq, hash_, now, trail_of(session), first_signed(session))


def _checkpoints(path: Path) -> list[Checkpoint]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            trail = data.get("trail")
            signed_from = data.get("first_signed")
            out.append(
                Checkpoint(
                    seq=int(data["seq"]),
                    hash=str(data["hash"]),
                    at=str(data["at"]),
                    trail=None if trail is None else str(trail),
                    first_signed=None if signed_from is None else int(signed_from),
                )
            )
    return out


def latest_checkpoint(path: Path, trail: str | None = None) -> Checkpoint | None:
    """The newest checkpoint of ``trail`` (lines written before trails were recorded
    count for every trail); with ``trail`` None, the newest of any."""
    last: Checkpoint | None = None
    for cp in _checkpoints(path):
        if trail is None or cp.trail is None or cp.trail == trail:
            last = cp
    return last


def other_trails(path: Path, trail: str | None) -> int:
    """How many checkpoints in the file belong to other databases' trails."""
    return sum(1 for cp in _checkpoints(path) if cp.trail is not None and cp.trail != trail)
