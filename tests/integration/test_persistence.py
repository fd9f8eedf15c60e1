"""Persistence on SQLite and PostgreSQL: ingest dedupe, database-level invariants,
encryption at rest (database file, raw columns, logs), key rotation, refusal auditing."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import build_container, configure_logging
from models import audit
from models.crypto import PREFIX, Keyring, KeyringError
from models.tables import ApproverRole, AuditEvent, Base, Mention, SignOff
from tests.conftest import TEST_KEY, make_settings
from tests.support.fakes import FakeScreen, FixedSentiment
from workflows.errors import CountersignError, Forbidden, InvalidInput, NotFound, StaleRevision
from workflows.services import drafting, mentions, signoff, viewing
from workflows.services import roles as role_admin
from workflows.types import Actor, MentionInput

MKT = Actor("slack", "UMKT", channel_member=True)
MKT2 = Actor("slack", "UMKT2", channel_member=True)
RISK = Actor("slack", "URISK", channel_member=True)
BOTH = Actor("slack", "UBOTH", channel_member=True)
AUTHOR = Actor("slack", "UAUTHOR", channel_member=True)
STRANGER = Actor("slack", "USTRANGER", channel_member=False)
OPS = Actor.cli("ops")


def _input(ext: str, *, text_: str = "Waited four hours, rude staff", author: str = "Pat Doe"):
    return MentionInput(
        source="webhook",
        external_id=ext,
        platform="google",
        author=author,
        text=text_,
        rating=1,
        url=f"https://maps.example.com/review/{ext}",
    )


def _roles(deps) -> None:  # type: ignore[no-untyped-def]
    role_admin.add_role(deps, OPS, MKT.key, "marketing")
    role_admin.add_role(deps, OPS, MKT2.key, "marketing")
    role_admin.add_role(deps, OPS, RISK.key, "risk")
    role_admin.add_role(deps, OPS, BOTH.key, "marketing")
    role_admin.add_role(deps, OPS, BOTH.key, "risk")


def _count(session: Session, model) -> int:  # type: ignore[no-untyped-def]
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _table_counts(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return {
            name: int(conn.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one())
            for name in Base.metadata.tables
        }


# -- ingest dedupe -----------------------------------------------------------------------


def test_dedupe_within_a_batch(deps, container) -> None:  # type: ignore[no-untyped-def]
    results = mentions.ingest(deps, [_input("d-1"), _input("d-2"), _input("d-1")])
    assert [r.duplicate for r in results] == [False, False, True]
    assert results[0].id == results[2].id
    with Session(container.engine) as s:
        assert _count(s, Mention) == 2
        assert audit.count(s) == 2  # one mention.ingested per stored mention


def test_dedupe_across_batches(deps, container) -> None:  # type: ignore[no-untyped-def]
    [first] = mentions.ingest(deps, [_input("x-1")])
    again = mentions.ingest(deps, [_input("x-2"), _input("x-1", text_="edited text")])
    assert [r.duplicate for r in again] == [False, True]
    assert again[1].id == first.id
    with Session(container.engine) as s:
        assert _count(s, Mention) == 2
        stored = s.execute(select(Mention).where(Mention.external_id == "x-1")).scalar_one()
        assert stored.text == "Waited four hours, rude staff"  # the first copy is kept


def test_same_external_id_from_another_source_is_a_new_mention(deps, container) -> None:  # type: ignore[no-untyped-def]
    a = _input("shared-id")
    b = MentionInput(**{**a.__dict__, "source": "rss"})
    results = mentions.ingest(deps, [a, b])
    assert [r.duplicate for r in results] == [False, False]


def test_concurrent_ingest_of_the_same_mention_stores_one_row(deps, container) -> None:  # type: ignore[no-untyped-def]
    rounds = 8
    with ThreadPoolExecutor(max_workers=2) as pool:
        for i in range(rounds):
            barrier = threading.Barrier(2)
            batch = [_input(f"c-{i}"), _input(f"c-{i}-other-{uuid.uuid4().hex[:4]}")]

            def run(b=barrier, batch=batch):  # type: ignore[no-untyped-def]
                b.wait(timeout=10)
                return mentions.ingest(deps, batch)

            r1, r2 = (f.result(timeout=60) for f in [pool.submit(run), pool.submit(run)])
            assert r1[0].id == r2[0].id
            assert sorted([r1[0].duplicate, r2[0].duplicate]) == [False, True]
    with container.engine.connect() as conn:
        dupes = conn.execute(
            text(
                "SELECT source, external_id FROM mentions GROUP BY source, external_id "
                "HAVING COUNT(*) > 1"
            )
        ).all()
        assert dupes == []
        assert conn.execute(text("SELECT COUNT(*) FROM mentions")).scalar_one() == 2 * rounds
    with Session(container.engine) as s:
        assert audit.count(s) == 2 * rounds
        assert audit.verify(s).ok


# -- invariants held by the schema itself --------------------------------------------------


@pytest.fixture
def signed(deps, container):  # type: ignore[no-untyped-def]
    """M-1 with revision 1 in review, signed off by marketing."""
    _roles(deps)
    [m] = mentions.ingest(deps, [_input("inv-1")])
    drafting.create_revision(deps, AUTHOR, m.id, "We are sorry, please call us.")
    signoff.sign_off(deps, MKT, m.id, 1, "marketing")
    with Session(container.engine) as s:
        rev_id = s.execute(text("SELECT id FROM revisions")).scalar_one()
    return m.id, rev_id


def _unique_violation(exc: IntegrityError, *names: str) -> bool:
    message = str(exc.orig).lower()
    return "unique" in message and all(n in message for n in names)


def test_second_signoff_for_a_role_is_rejected_by_the_database(container, signed) -> None:  # type: ignore[no-untyped-def]
    mention_id, rev_id = signed
    with Session(container.engine) as s:
        # A legitimate approver-role row for the second marketer, so that only the
        # (revision, role) uniqueness can reject the sign-off below.
        s.add(ApproverRole(mention_id=mention_id, actor=MKT2.key, role="marketing"))
        s.commit()
        s.add(
            SignOff(
                revision_id=rev_id,
                mention_id=mention_id,
                role="marketing",
                actor=MKT2.key,
                decision="approve",
                created_at=container.deps.clock(),
            )
        )
        with pytest.raises(IntegrityError) as info:
            s.commit()
        s.rollback()
        assert _unique_violation(info.value, "role") or "uq_signoffs_revision_id_role" in str(
            info.value.orig
        ), info.value.orig
        assert _count(s, SignOff) == 1


def test_second_approver_role_for_a_person_is_rejected_by_the_database(container, signed) -> None:  # type: ignore[no-untyped-def]
    mention_id, _ = signed
    with Session(container.engine) as s:
        s.add(ApproverRole(mention_id=mention_id, actor=MKT.key, role="risk"))
        with pytest.raises(IntegrityError) as info:
            s.commit()
        s.rollback()
        assert (
            "unique" in str(info.value.orig).lower() or "duplicate" in str(info.value.orig).lower()
        ), info.value.orig
        roles = (
            s.execute(select(ApproverRole.role).where(ApproverRole.actor == MKT.key))
            .scalars()
            .all()
        )
        assert roles == ["marketing"]


def test_signoff_without_an_approver_role_row_is_rejected_by_the_database(
    container, signed
) -> None:  # type: ignore[no-untyped-def]
    """The sign-off → approver_roles foreign key ties a sign-off to the person's one role."""
    mention_id, rev_id = signed
    with Session(container.engine) as s:
        s.add(
            SignOff(
                revision_id=rev_id,
                mention_id=mention_id,
                role="risk",
                actor=MKT.key,  # holds marketing on this reply, not risk
                decision="approve",
                created_at=container.deps.clock(),
            )
        )
        with pytest.raises(IntegrityError):
            s.commit()


def test_duplicate_source_external_id_is_rejected_by_the_database(deps, container) -> None:  # type: ignore[no-untyped-def]
    mentions.ingest(deps, [_input("uq-1")])
    with Session(container.engine) as s:
        original = s.execute(select(Mention)).scalar_one()
        clone = Mention(
            **{
                c.key: getattr(original, c.key)
                for c in Mention.__table__.columns
                if c.key not in ("id", "version")
            }
        )
        s.add(clone)
        with pytest.raises(IntegrityError):
            s.commit()


# -- encryption at rest ----------------------------------------------------------------------


@pytest.fixture
def app_logging() -> Iterator[None]:
    """Restores the logging set-up after a test that called app.configure_logging."""
    import structlog

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    yield
    root.handlers[:], level = saved
    root.setLevel(level)
    structlog.reset_defaults()


async def _post_webhook(container, bodies: list[bytes]) -> list[int]:  # type: ignore[no-untyped-def]
    from aiohttp.test_utils import TestClient, TestServer

    from web.server import WebConfig, build_web_app

    app = build_web_app(
        container.deps, container.metrics, WebConfig("whsec-test", lambda: (True, "ok"))
    )
    statuses = []
    async with TestClient(TestServer(app)) as client:
        for body in bodies:
            sig = hmac.new(b"whsec-test", body, hashlib.sha256).hexdigest()
            resp = await client.post(
                "/webhooks/mentions",
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Countersign-Signature": f"sha256={sig}",
                },
            )
            statuses.append(resp.status)
    return statuses


def _scenario(container, marker: str) -> None:  # type: ignore[no-untyped-def]
    """Ingest (service and webhook, including a rejected body), draft (blocked by the
    reviewer's name, then clean), request changes with a reason, a refusal, sign off and
    approve, then deliver the outbox through a handler that fails — every text carrying
    the marker somewhere."""
    deps = container.deps
    _roles(deps)
    author = f"Jane {marker}Author"
    [m] = mentions.ingest(
        deps,
        [_input(f"enc-{marker[:6]}", text_=f"My surgery {marker}TEXT went badly", author=author)],
    )
    hook = {
        "source": "webhook",
        "external_id": f"hook-{marker[:6]}",
        "platform": "yelp",
        "author": f"{marker}HOOKAUTHOR",
        "text": f"Awful {marker}HOOKTEXT",
        "rating": 2,
    }
    bad = {**hook, "external_id": "hook-bad", "rating": f"{marker}BADRATING"}
    statuses = asyncio.run(
        _post_webhook(container, [json.dumps(hook).encode(), json.dumps([hook, bad]).encode()])
    )
    assert statuses == [202, 400]
    ref = m.id
    blocked = drafting.create_revision(
        deps, AUTHOR, ref, f"Dear {marker}Author, we saw your chart and diagnosis."
    )
    assert blocked.blocked  # the finding texts contain the marker
    drafting.create_revision(deps, AUTHOR, ref, f"We are sorry. Ref {marker}REPLY1.")
    signoff.request_changes(deps, RISK, ref, 2, f"Too specific {marker}REASON")
    drafting.create_revision(deps, AUTHOR, ref, f"We are sorry. Please call us. {marker}REPLY2")
    with pytest.raises(Forbidden):
        signoff.sign_off(deps, AUTHOR, ref, 3, "marketing")  # refused, audited
    signoff.sign_off(deps, MKT, ref, 3, "marketing")
    signoff.sign_off(deps, RISK, ref, 3, "risk")
    mentions.assign(deps, MKT, ref)
    view = viewing.mention_view(deps, ref)
    assert view.state == "approved"
    assert marker in (view.text or "") and marker in view.author  # readable through the app

    def clumsy_handler(item) -> None:  # type: ignore[no-untyped-def]
        # An adapter bug whose exception message carries the mention text.
        if item.mention_id is not None:
            raise RuntimeError(viewing.mention_view(deps, item.mention_id).text)

    container.relay.register("*", clumsy_handler)
    container.relay.deliver_due()


def _assert_no_marker_in_logs(marker: str, caplog, capsys) -> None:  # type: ignore[no-untyped-def]
    captured = capsys.readouterr()
    for record in caplog.records:
        assert marker not in record.getMessage()
        assert marker not in json.dumps(record.__dict__, default=str)
    assert marker not in caplog.text
    assert marker not in captured.err and marker not in captured.out


def test_marker_never_in_sqlite_file_nor_logs(sqlite_url: str, caplog, capsys, app_logging) -> None:  # type: ignore[no-untyped-def]
    marker = f"QZX{uuid.uuid4().hex[:12]}"
    configure_logging("DEBUG")  # the app's handler, writing to the captured stderr
    caplog.set_level(logging.DEBUG)
    logging.getLogger().addHandler(caplog.handler)
    logging.getLogger("countersign").debug("log capture is live")
    c = build_container(make_settings(sqlite_url), screen=FakeScreen(), sentiment=FixedSentiment())
    try:
        _scenario(c, marker)
    finally:
        c.close()
    assert any("log capture is live" in r.getMessage() for r in caplog.records)
    _assert_no_marker_in_logs(marker, caplog, capsys)

    db_path = Path(make_url(sqlite_url).database or "")
    files = [p for p in db_path.parent.iterdir() if p.name.startswith(db_path.name)]
    assert db_path in files
    blob = b"".join(p.read_bytes() for p in files)
    assert f"enc-{marker[:6]}".encode() in blob  # positive control: we read the right bytes
    assert marker.encode() not in blob
    assert marker.encode("utf-16-le") not in blob


@pytest.mark.postgres
def test_marker_never_in_postgres_columns_nor_logs(
    pg_url: str, caplog, capsys, app_logging
) -> None:  # type: ignore[no-untyped-def]
    marker = f"QZX{uuid.uuid4().hex[:12]}"
    configure_logging("DEBUG")  # the app's handler, writing to the captured stderr
    caplog.set_level(logging.DEBUG)
    logging.getLogger().addHandler(caplog.handler)
    c = build_container(make_settings(pg_url), screen=FakeScreen(), sentiment=FixedSentiment())
    try:
        _scenario(c, marker)
    finally:
        c.close()
    _assert_no_marker_in_logs(marker, caplog, capsys)

    eng = create_engine(pg_url)
    try:
        with eng.connect() as conn:
            # The text columns hold ciphertext only.
            encrypted = {
                "mentions": ("author", "text", "url"),
                "revisions": ("text",),
                "phi_findings": ("text", "reason", "suggestion"),
                "signoffs": ("reason",),
                "outbox": ("payload",),
                "audit_events": ("reason",),
            }
            for table, cols in encrypted.items():
                for col in cols:
                    values = (
                        conn.execute(text(f"SELECT {col} FROM {table} WHERE {col} IS NOT NULL"))
                        .scalars()
                        .all()
                    )
                    assert values, f"{table}.{col} has no values to check"
                    for v in values:
                        assert v.startswith(PREFIX), f"{table}.{col} holds plaintext"
                        assert marker not in v
            # And nowhere in any column of any table.
            for table in Base.metadata.tables:
                hits = conn.execute(
                    text(f'SELECT COUNT(*) FROM "{table}" t WHERE t::text LIKE :p'),
                    {"p": f"%{marker}%"},
                ).scalar_one()
                assert hits == 0, f"the marker is stored in {table}"
    finally:
        eng.dispose()


def test_ciphertext_is_randomised(deps, container) -> None:  # type: ignore[no-untyped-def]
    mentions.ingest(deps, [_input("r-1", author="Same Name"), _input("r-2", author="Same Name")])
    with container.engine.connect() as conn:
        authors = conn.execute(text("SELECT author FROM mentions ORDER BY id")).scalars().all()
    assert len(set(authors)) == 2 and all(a.startswith(PREFIX) for a in authors)


# -- key rotation ----------------------------------------------------------------------------

ENCRYPTED_COLUMNS = {
    table.name: [c.name for c in table.columns if type(c.type).__name__ == "EncryptedText"]
    for table in Base.metadata.sorted_tables
}


def test_key_rotation(db_url: str) -> None:
    key_a, key_b = TEST_KEY, Keyring.generate_key()
    c = build_container(
        make_settings(db_url, DATA_ENCRYPTION_KEY=key_a),
        screen=FakeScreen(),
        sentiment=FixedSentiment(),
    )
    try:
        _roles(c.deps)
        [m] = mentions.ingest(c.deps, [_input("rot-1", author="Old Key Person")])
        drafting.create_revision(c.deps, AUTHOR, m.id, "Written under key A.")
    finally:
        c.close()

    # B first (encrypts), A still listed (decrypts old data).
    c = build_container(
        make_settings(db_url, DATA_ENCRYPTION_KEY=f"{key_b},{key_a}"),
        screen=FakeScreen(),
        sentiment=FixedSentiment(),
    )
    try:
        view = viewing.mention_view(c.deps, m.id)
        assert view.author == "Old Key Person"
        assert view.latest is not None and view.latest.text == "Written under key A."
        out = drafting.create_revision(c.deps, AUTHOR, m.id, "Written under key B.")
        assert out.revision.number == 2
        with c.engine.connect() as conn:
            new_token = conn.execute(
                text("SELECT text FROM revisions WHERE number = 2")
            ).scalar_one()
        assert Keyring([key_b]).decrypt(new_token) == "Written under key B."
        with pytest.raises(KeyringError):
            Keyring([key_a]).decrypt(new_token)

        # Re-encrypt every stored encrypted column under B with Keyring.rotate.
        both = Keyring.from_setting(f"{key_b},{key_a}")
        raw = create_engine(db_url)
        with raw.begin() as conn:
            for table, cols in ENCRYPTED_COLUMNS.items():
                for col in cols:
                    rows = conn.execute(
                        text(f"SELECT id, {col} FROM {table} WHERE {col} IS NOT NULL")
                    ).all()
                    for row_id, token in rows:
                        rotated = both.rotate(token)
                        assert rotated.startswith(PREFIX) and rotated != token
                        assert Keyring([key_b]).decrypt(rotated) == both.decrypt(token)
                        conn.execute(
                            text(f"UPDATE {table} SET {col} = :v WHERE id = :i"),
                            {"v": rotated, "i": row_id},
                        )
        raw.dispose()
    finally:
        c.close()

    # Key A retired for the application tables: everything reads with B alone.
    c = build_container(
        make_settings(db_url, DATA_ENCRYPTION_KEY=key_b),
        screen=FakeScreen(),
        sentiment=FixedSentiment(),
    )
    try:
        view = viewing.mention_view(c.deps, m.id)
        assert view.author == "Old Key Person"
        assert view.latest is not None and view.latest.text == "Written under key B."
        with Session(c.engine) as s:
            assert audit.verify(s).ok  # rotation never touches the chained audit trail
    finally:
        c.close()

    # With only a wrong key nothing decrypts (and the error names no key).
    c = build_container(
        make_settings(db_url, DATA_ENCRYPTION_KEY=Keyring.generate_key()),
        screen=FakeScreen(),
        sentiment=FixedSentiment(),
    )
    try:
        with pytest.raises(KeyringError) as info:
            viewing.mention_view(c.deps, m.id)
        assert key_a not in str(info.value) and key_b not in str(info.value)
    finally:
        c.close()


def test_malformed_key_is_refused_with_a_clear_message() -> None:
    with pytest.raises(KeyringError, match="entry 2 is not a valid key"):
        Keyring.from_setting(f"{TEST_KEY},not-a-key")


# -- refusals are audited and change nothing else ---------------------------------------------


def _refusal_setup(deps):  # type: ignore[no-untyped-def]
    _roles(deps)
    [m] = mentions.ingest(deps, [_input("ref-1")])
    drafting.create_revision(deps, AUTHOR, m.id, "We are sorry, please call us.")
    return m.id


REFUSALS = {
    "author_signs_own_draft": (
        lambda d, ref: signoff.sign_off(d, AUTHOR, ref, 1, "marketing"),
        Forbidden,
        "revision.signoff",
    ),
    "marketing_signs_as_risk": (
        lambda d, ref: signoff.sign_off(d, MKT, ref, 1, "risk"),
        Forbidden,
        "revision.signoff",
    ),
    "stale_revision": (
        lambda d, ref: signoff.sign_off(d, MKT, ref, 7, "marketing"),
        StaleRevision,
        "revision.signoff",
    ),
    "stranger": (
        lambda d, ref: mentions.assign(d, STRANGER, ref),
        Forbidden,
        "mention.assign",
    ),
    "dismiss_without_reason": (
        lambda d, ref: mentions.dismiss(d, MKT, ref, "   "),
        InvalidInput,
        "mention.dismiss",
    ),
    "override_by_marketing": (
        lambda d, ref: drafting.override_finding(d, MKT, ref, 1, 0, "fine"),
        Forbidden,
        "finding.override",
    ),
    "cli_remove_missing_role": (
        lambda d, ref: role_admin.remove_role(d, OPS, "slack:UNOBODY", "risk"),
        NotFound,
        "roles.remove",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusal_writes_one_audit_event_and_nothing_else(deps, container, case: str) -> None:  # type: ignore[no-untyped-def]
    ref = _refusal_setup(deps)
    call, exc_type, action = REFUSALS[case]
    before = _table_counts(container.engine)
    with container.engine.connect() as conn:
        mention_before = conn.execute(
            text("SELECT state, version, assignee FROM mentions WHERE id = :i"), {"i": ref}
        ).one()
        outbox_before = conn.execute(text("SELECT MAX(id) FROM outbox")).scalar_one()

    with pytest.raises(exc_type) as info:
        call(deps, ref)
    assert isinstance(info.value, CountersignError) and info.value.message

    after = _table_counts(container.engine)
    assert after["audit_events"] == before["audit_events"] + 1
    # The chat adapter is told about a chat user's refusal through the outbox
    # (topic chat.refusal); nothing else may change.
    outbox_added = after["outbox"] - before["outbox"]
    changed = {
        t: (before[t], after[t])
        for t in before
        if t not in ("audit_events", "outbox") and before[t] != after[t]
    }
    assert changed == {}
    with container.engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT state, version, assignee FROM mentions WHERE id = :i"), {"i": ref}
            ).one()
            == mention_before
        )
        new_topics = (
            conn.execute(text("SELECT topic FROM outbox WHERE id > :i"), {"i": outbox_before or 0})
            .scalars()
            .all()
        )
    assert outbox_added == len(new_topics) and set(new_topics) <= {"chat.refusal"}
    assert outbox_added <= 1

    with Session(container.engine) as s:
        event = s.execute(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
        assert event.outcome == "refused"
        assert event.action == action
        assert audit.decrypt_reason(s, event.reason) == info.value.message
        assert (event.detail or {}).get("code") == info.value.code
        assert audit.verify(s).ok
        refused = s.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.outcome == "refused")
        ).scalar_one()
        assert refused == 1
