"""The hash-chained audit trail: append, verify, checkpoint.

Each event's hash is SHA-256 over the previous hash and a canonical JSON of the event's
stored fields (encrypted fields are chained as stored, so the chain survives without keys).
The chain head is checkpointed outside the database (a JSONL file, exports and the
periodic audit message) so that deleting the newest events is detected too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

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
    out = {}
    for name in CHAINED_FIELDS:
        value = fields.get(name)
        if isinstance(value, datetime):
            value = _iso(value)
        out[name] = value
    return json.dumps(out, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def chain_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + "\n" + canonical(fields)).encode()).hexdigest()


def append(session: Session, fields: dict[str, Any], now: datetime) -> AuditEvent:
    """Append one event in the caller's transaction (serialised on the chain head).

    ``reason`` (free text a person typed) is encrypted here, before hashing, so the chain
    covers exactly the stored ciphertext and verification needs no keys."""
    xact_lock(session, AUDIT_LOCK_KEY)
    head_row = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq = 1 if head_row is None else head_row.seq + 1
    prev = GENESIS if head_row is None else head_row.hash
    values = dict(fields)
    if values.get("reason") is not None:
        values["reason"] = keyring_of(session.get_bind().dialect).encrypt(str(values["reason"]))
    if values.get("detail") is not None:
        values["detail"] = json.loads(json.dumps(values["detail"], sort_keys=True, default=str))
    occurred = now.astimezone(UTC)
    chained = {**values, "seq": seq, "occurred_at": occurred}
    event = AuditEvent(
        seq=seq,
        occurred_at=occurred,
        prev_hash=prev,
        hash=chain_hash(prev, chained),
        **values,
    )
    session.add(event)
    session.flush()
    return event


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


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    # the trail it belongs to: the hash of that database's first event, so databases
    # that share a checkpoint file are each compared with their own checkpoints only
    trail: str | None = None


def verify(session: Session, checkpoint: Checkpoint | None = None) -> VerifyResult:
    """Walk the chain in seq order; name the first event that is edited, missing or
    out of order, and compare the head with the latest external checkpoint."""
    cols = ", ".join(("hash", "prev_hash", *CHAINED_FIELDS))
    rows = session.execute(
        text(f"SELECT {cols} FROM audit_events ORDER BY seq")  # noqa: S608 - fixed names
    ).mappings()
    prev = GENESIS
    expected_seq = 1
    checked = 0
    hashes: dict[int, str] = {}
    for raw in rows:
        row = _normalise(dict(raw))
        seq = int(row["seq"])
        if seq != expected_seq:
            return VerifyResult(
                False,
                checked,
                expected_seq - 1,
                prev,
                f"event #{expected_seq} is missing (next event found is #{seq}): "
                "events were deleted",
                expected_seq,
            )
        if row["prev_hash"] != prev:
            return VerifyResult(
                False,
                checked,
                seq - 1,
                prev,
                f"event #{seq} does not follow event #{seq - 1}: events were reordered or replaced",
                seq,
            )
        if chain_hash(prev, row) != row["hash"]:
            return VerifyResult(
                False,
                checked,
                seq - 1,
                prev,
                f"event #{seq} was altered after it was written (its hash does not match "
                "its contents)",
                seq,
            )
        prev = row["hash"]
        hashes[seq] = prev
        expected_seq += 1
        checked += 1
    head_seq = expected_seq - 1
    if checkpoint is not None:
        if checkpoint.seq > head_seq:
            return VerifyResult(
                False,
                checked,
                head_seq,
                prev,
                f"the checkpoint of {checkpoint.at} records event #{checkpoint.seq} but the "
                f"trail ends at #{head_seq}: the newest events were deleted",
                head_seq + 1,
            )
        if hashes.get(checkpoint.seq) != checkpoint.hash:
            return VerifyResult(
                False,
                checked,
                head_seq,
                prev,
                f"event #{checkpoint.seq} differs from the checkpoint of {checkpoint.at}: "
                "the trail was rewritten",
                checkpoint.seq,
            )
    return VerifyResult(True, checked, head_seq, prev)


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


def write_checkpoint(
    path: Path, seq: int, hash_: str, now: datetime, trail: str | None = None
) -> Checkpoint:
    cp = Checkpoint(seq=seq, hash=hash_, at=_iso(now), trail=trail)
    path.parent.mkdir(parents=True, exist_ok=True)
    line: dict[str, Any] = {"seq": cp.seq, "hash": cp.hash, "at": cp.at}
    if trail is not None:
        line["trail"] = trail
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line) + "\n")
    return cp


def _checkpoints(path: Path) -> list[Checkpoint]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            trail = data.get("trail")
            out.append(
                Checkpoint(
                    seq=int(data["seq"]),
                    hash=str(data["hash"]),
                    at=str(data["at"]),
                    trail=None if trail is None else str(trail),
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
