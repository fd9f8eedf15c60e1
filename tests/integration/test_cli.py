"""The command line, run as a user would: `python app.py …` in a subprocess."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app import build_container
from models.crypto import Keyring
from tests.conftest import TEST_KEY, make_settings
from tests.support.fakes import Clock, FakeScreen, FixedSentiment
from workflows.errors import Forbidden
from workflows.services import drafting, mentions, roles, signoff
from workflows.types import Actor, MentionInput

ROOT = Path(__file__).resolve().parents[2]

# The export's fields: time, mention id, platform and URL, actor, role, action, revision number, text
# hash, finding kinds, override and refusal reasons, published hash, previous and own hash.
SPEC_FIELDS = (
    "time",
    "mention_id",
    "platform",
    "url",
    "actor",
    "role",
    "action",
    "revision",
    "text_hash",
    "finding_kinds",
    "override_reason",
    "refusal_reason",
    "published_hash",
    "prev_hash",
    "hash",
)


def _env(db_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DEMO_MODE", "DATA_ENCRYPTION_KEY", "DATABASE_URL", "LOG_LEVEL"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=db_url,
        DATA_ENCRYPTION_KEY=TEST_KEY,
        AUDIT_CHECKPOINT_PATH=str(tmp_path / "checkpoints.jsonl"),
        TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="",
        LOG_LEVEL="WARNING",
        COLUMNS="400",  # usage errors are boxed by rich: keep long paths on one line
    )
    env.update(extra)
    return env


def _run(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "app.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _sql(db_url: str, stmt: str, **params: object) -> list[tuple]:  # type: ignore[type-arg]
    eng = create_engine(db_url)
    try:
        with eng.connect() as conn:
            return [tuple(r) for r in conn.execute(text(stmt), params)]
    finally:
        eng.dispose()


def _no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path) -> dict[str, str]:
    return _env(sqlite_url, tmp_path)


# -- db sql ------------------------------------------------------------------------------------


def test_db_sql_prints_reviewable_postgresql_ddl_without_a_database(tmp_path: Path) -> None:
    env = _env("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path)
    proc = _run(env, "db", "sql")
    assert proc.returncode == 0, proc.stderr
    sql = proc.stdout
    assert sql.startswith("BEGIN;") and sql.rstrip().endswith("COMMIT;")
    assert "CREATE TABLE audit_events" in sql
    assert "EXECUTE FUNCTION countersign_audit_append_only()" in sql
    assert "REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC" in sql
    later = _run(env, "db", "sql", "--from", "0001")
    assert later.returncode == 0 and "CREATE TABLE audit_events" not in later.stdout
    bad = _run(env, "db", "sql", "--from", "nope")
    assert bad.returncode == 2 and bad.stderr.startswith("error: cannot produce SQL")
    _no_traceback(bad)


# -- roles -------------------------------------------------------------------------------------


def test_roles_before_the_first_migration_say_what_to_do(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.db"
    env = _env(f"sqlite:///{fresh}", tmp_path)
    proc = _run(env, "roles", "add", "slack:U1", "risk")
    assert proc.returncode == 2
    assert "run `python app.py db upgrade` first" in proc.stderr
    _no_traceback(proc)
    assert not fresh.exists()  # no empty database file left behind


def test_bad_setting_is_one_line(env: dict[str, str]) -> None:
    proc = _run({**env, "PORT": "abc"}, "roles", "list")
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error: setting PORT:")
    assert len(proc.stderr.strip().splitlines()) == 1
    _no_traceback(proc)


def test_roles_add_list_remove(db_url: str, tmp_path: Path) -> None:
    env = _env(db_url, tmp_path)
    empty = _run(env, "roles", "list")
    assert empty.returncode == 0, empty.stderr
    assert "no role members yet" in empty.stdout

    added = _run(env, "roles", "add", "slack:U1", "risk")
    assert added.returncode == 0, added.stderr
    assert "slack:U1 is now risk" in added.stdout
    assert _run(env, "roles", "add", "teams:00000000-aaaa-bbbb", "marketing").returncode == 0

    listed = _run(env, "roles", "list")
    assert listed.returncode == 0
    lines = [line.split() for line in listed.stdout.splitlines() if line.strip()]
    assert ["risk", "slack:U1"] in lines
    assert ["marketing", "teams:00000000-aaaa-bbbb"] in lines

    removed = _run(env, "roles", "remove", "slack:U1", "risk")
    assert removed.returncode == 0, removed.stderr
    assert "slack:U1 no longer holds risk" in removed.stdout
    listed = _run(env, "roles", "list")
    assert "slack:U1" not in listed.stdout

    actions = [
        r[0]
        for r in _sql(db_url, "SELECT action FROM audit_events WHERE outcome = 'ok' ORDER BY seq")
    ]
    assert actions == ["roles.added", "roles.added", "roles.removed"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("roles", "add", "slack:U1", "boss"), "role must be one of marketing, risk, admin"),
        (("roles", "add", "U1", "risk"), "members are written slack:U0123ABC"),
        (("roles", "add", "email:someone@example.com", "risk"), "members are written"),
        (("roles", "remove", "slack:UNOBODY", "risk"), "does not hold risk"),
        (("roles", "remove", "slack:U1", "boss"), "role must be one of"),
    ],
)
def test_roles_bad_input_is_refused_clearly(
    env: dict[str, str], sqlite_url: str, args: tuple[str, ...], message: str
) -> None:
    proc = _run(env, *args)
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr
    assert proc.stderr.startswith("error: ")
    _no_traceback(proc)
    assert _sql(sqlite_url, "SELECT COUNT(*) FROM role_members") == [(0,)]
    # A refusal is audited.
    assert _sql(sqlite_url, "SELECT outcome FROM audit_events") == [("refused",)]


def test_roles_add_twice_is_refused(env: dict[str, str]) -> None:
    assert _run(env, "roles", "add", "slack:U1", "admin").returncode == 0
    again = _run(env, "roles", "add", "slack:U1", "admin")
    assert again.returncode != 0
    assert "already holds admin" in again.stderr
    _no_traceback(again)


# -- mentions import ---------------------------------------------------------------------------

CSV_TEXT = """source,external_id,platform,author,text,url,rating,created_at
csv,c-1,google,Ann Lee,Waited three hours and nobody called,https://g.example/r/1,1,2026-11-01T10:00:00Z
csv,c-2,yelp,Bo Chan,"Billing was wrong,
and nobody answered the phone",https://y.example/r/2,2,
csv,c-1,google,Ann Lee,the same review again,https://g.example/r/1,1,
csv,c-3,google,Cy,Terrible,https://g.example/r/3,7,
csv,c-4,google,Di,,https://g.example/r/4,1,
csv,c-5,google,Ed,Awful,ftp://g.example/r/5,1,
csv,c-6,google,Flo,Awful,https://g.example/r/6,2,yesterday
"""


def test_import_csv_summary_and_line_numbers(
    env: dict[str, str], sqlite_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "backfill.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    proc = _run(env, "mentions", "import", str(path))
    assert proc.returncode == 1, proc.stderr
    _no_traceback(proc)
    assert "imported 2, duplicates 1, rejected 4" in proc.stdout
    rejections = {
        line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip()
        for line in proc.stdout.splitlines()
        if line.strip().startswith("line ")
    }
    # Physical line numbers (the header is line 1; row c-2 spans lines 3-4).
    assert set(rejections) == {"line 6", "line 7", "line 8", "line 9"}, proc.stdout
    assert rejections["line 6"].startswith("rating:")
    assert rejections["line 7"].startswith("text:")
    assert rejections["line 8"].startswith("url:") and "http" in rejections["line 8"]
    assert rejections["line 9"].startswith("created_at:")
    assert _sql(sqlite_url, "SELECT external_id FROM mentions ORDER BY external_id") == [
        ("c-1",),
        ("c-2",),
    ]

    # Importing the same file again: everything good is now a duplicate.
    again = _run(env, "mentions", "import", str(path))
    assert again.returncode == 1
    assert "imported 0, duplicates 3, rejected 4" in again.stdout
    assert _sql(sqlite_url, "SELECT COUNT(*) FROM mentions") == [(2,)]


def test_import_hostile_jsonl_rows_are_line_numbered_rejects(
    env: dict[str, str], sqlite_url: str, tmp_path: Path
) -> None:
    base = {
        "source": "webhook",
        "platform": "google",
        "author": "Zelda Quorrin",
        "url": "https://e.test/1",
    }
    lines = [
        json.dumps({**base, "external_id": "h1", "text": "x", "rating": 1})[:-1]
        + ', "note": "\\ud800"}',
        json.dumps({**base, "external_id": "h2", "text": "wait \ud800 here", "rating": 1}),
        json.dumps({**base, "external_id": "h3", "text": "x", "rating": "³"}),
        json.dumps({**base, "external_id": "h4", "text": "x", "rating": 1})[:-1]
        + ', "deep": '
        + "[" * 5000
        + "]" * 5000
        + "}",
        json.dumps({**base, "external_id": "h5", "text": "fine", "rating": 2}),
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = _run(env, "mentions", "import", str(path))
    _no_traceback(proc)
    assert "Zelda" not in proc.stdout + proc.stderr  # never a row's data
    assert "rejected 3" in proc.stdout or "rejected 4" in proc.stdout, proc.stdout
    rejected = {
        ln.split(":", 1)[0].strip()
        for ln in proc.stdout.splitlines()
        if ln.strip().startswith("line ")
    }
    assert {"line 2", "line 3", "line 4"} <= rejected, proc.stdout
    assert ("h5",) in _sql(sqlite_url, "SELECT external_id FROM mentions")


def test_import_jsonl_summary_and_line_numbers(
    env: dict[str, str], sqlite_url: str, tmp_path: Path
) -> None:
    good = {
        "source": "jsonl",
        "external_id": "j-1",
        "platform": "facebook",
        "author": "Gus",
        "text": "The nurse was rude to my mother",
        "rating": 1,
    }
    lines = [
        json.dumps(good),
        json.dumps({**good, "external_id": "j-2", "rating": None, "text": "meh"}),
        "",
        json.dumps(good),  # duplicate of line 1
        "{not json",
        json.dumps([good]),  # an array, not an object
        json.dumps({**good, "external_id": "j-3", "author": ""}),
        json.dumps({**good, "external_id": "j-4", "rating": True}),
    ]
    path = tmp_path / "backfill.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = _run(env, "mentions", "import", str(path))
    assert proc.returncode == 1, proc.stderr
    _no_traceback(proc)
    assert "imported 2, duplicates 1, rejected 4" in proc.stdout
    rejected = [ln.strip() for ln in proc.stdout.splitlines() if ln.strip().startswith("line ")]
    assert [r.split(":")[0] for r in rejected] == ["line 5", "line 6", "line 7", "line 8"]
    assert "JSON" in rejected[0]
    assert "object" in rejected[1]
    assert rejected[2].startswith("line 7: author")
    assert rejected[3].startswith("line 8: rating")
    assert _sql(sqlite_url, "SELECT COUNT(*) FROM mentions") == [(2,)]


def test_import_clean_file_exits_zero(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "clean.jsonl"
    row = {"source": "s", "external_id": "ok-1", "platform": "x", "author": "A", "text": "bad"}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    proc = _run(env, "mentions", "import", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "imported 1, duplicates 0, rejected 0" in proc.stdout


def test_import_missing_file(env: dict[str, str], tmp_path: Path) -> None:
    proc = _run(env, "mentions", "import", str(tmp_path / "nope.csv"))
    assert proc.returncode != 0
    assert "nope.csv" in proc.stderr and "does not exist" in proc.stderr
    _no_traceback(proc)


def test_import_wrong_extension(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "mentions.txt"
    path.write_text("source,external_id\n", encoding="utf-8")
    proc = _run(env, "mentions", "import", str(path))
    assert proc.returncode != 0
    assert "mentions.txt" in proc.stderr and ".csv or .jsonl" in proc.stderr
    _no_traceback(proc)


def test_import_file_that_is_not_utf8(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        "source,external_id,platform,author,text\ns,1,g,Jos\xe9,mal\n".encode("latin-1")
    )
    proc = _run(env, "mentions", "import", str(path))
    assert proc.returncode != 0
    assert "cannot read latin1.csv" in proc.stderr
    _no_traceback(proc)


# -- audit export ------------------------------------------------------------------------------

MARKER = "ZQXEXPORTMARKER"
REPLY = "We are sorry to hear this; please call our office."


@pytest.fixture
def history(sqlite_url: str) -> str:
    """Two mentions; M-1 goes through a blocked draft, an override, a refusal and both
    sign-offs; slack:UADMIN is an admin, slack:UMKT marketing."""
    c = build_container(
        make_settings(sqlite_url), screen=FakeScreen(), sentiment=FixedSentiment(), clock=Clock()
    )
    try:
        d, ops = c.deps, Actor.cli("ops")
        mkt = Actor("slack", "UMKT", channel_member=True)
        risk = Actor("slack", "URISK", channel_member=True)
        author = Actor("slack", "UAUTH", channel_member=True)
        roles.add_role(d, ops, "slack:UADMIN", "admin")
        roles.add_role(d, ops, mkt.key, "marketing")
        roles.add_role(d, ops, risk.key, "risk")
        mentions.ingest(
            d,
            [
                MentionInput(
                    "webhook",
                    "e-1",
                    "google",
                    f"Pat {MARKER}",
                    f"awful {MARKER}",
                    url="https://g.example/r/e-1",
                    rating=1,
                ),
                MentionInput("webhook", "e-2", "yelp", "Quinn", "rude staff", rating=2),
            ],
        )
        drafting.create_revision(d, author, 1, "We looked at your chart.")  # blocked
        drafting.override_finding(d, risk, 1, 1, 0, "generic wording, no patient confirmed")
        drafting.create_revision(d, author, 1, REPLY)
        with pytest.raises(Forbidden):
            signoff.sign_off(d, author, 1, 2, "marketing")
        signoff.sign_off(d, mkt, 1, 2, "marketing")
        signoff.sign_off(d, risk, 1, 2, "risk")
    finally:
        c.close()
    return sqlite_url


def _jsonl(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_export_jsonl_has_spec_fields_and_chains(env: dict[str, str], history: str) -> None:
    proc = _run(env, "audit", "export", "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
    rows = _jsonl(proc.stdout)
    total = _sql(history, "SELECT COUNT(*) FROM audit_events")[0][0]
    assert len(rows) == total
    for row in rows:
        assert set(SPEC_FIELDS) <= set(row), set(SPEC_FIELDS) - set(row)
        assert "mention_text" not in row and "reply_text" not in row
    assert MARKER not in proc.stdout  # no mention text or author without --include-text
    # The chain, row to row.
    for prev, row in itertools.pairwise(rows):
        assert row["prev_hash"] == prev["hash"]
    # Values an auditor needs.
    approved = next(r for r in rows if r["action"] == "reply.approved")
    assert approved["published_hash"] == hashlib.sha256(REPLY.encode()).hexdigest()
    assert approved["mention_id"] == "M-1" and approved["revision"] == 2
    assert approved["platform"] == "google" and approved["url"] == "https://g.example/r/e-1"
    override = next(r for r in rows if r["action"] == "finding.overridden")
    assert override["override_reason"] == "generic wording, no patient confirmed"
    assert override["role"] == "risk" and override["actor"] == "slack:URISK"
    blocked = next(r for r in rows if r["action"] == "revision.blocked")
    assert blocked["finding_kinds"] == "confirms_patient"
    refused = next(r for r in rows if r["outcome"] == "refused")
    assert "marketing approver" in str(refused["refusal_reason"])
    signed = [r for r in rows if r["action"] == "revision.signed_off"]
    assert {r["role"] for r in signed} == {"marketing", "risk"}
    assert all(r["text_hash"] == approved["published_hash"] for r in signed)
    assert "chain head: event #" in proc.stderr
    # seq and each event's non-sensitive detail (who was given which role)
    assert [r["seq"] for r in rows] == sorted(r["seq"] for r in rows)
    granted = [json.loads(str(r["detail"])) for r in rows if r["action"] == "roles.added"]
    assert {"member": "slack:UADMIN"} in granted


def test_export_csv_has_spec_fields(env: dict[str, str], history: str) -> None:
    proc = _run(env, "audit", "export", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    reader = csv.DictReader(io.StringIO(proc.stdout))
    assert set(SPEC_FIELDS) <= set(reader.fieldnames or ())
    rows = list(reader)
    assert len(rows) == _sql(history, "SELECT COUNT(*) FROM audit_events")[0][0]
    assert MARKER not in proc.stdout


def test_export_mention_filter(env: dict[str, str], history: str) -> None:
    proc = _run(env, "audit", "export", "--mention", "M-2")
    assert proc.returncode == 0, proc.stderr
    rows = _jsonl(proc.stdout)
    assert rows and all(r["mention_id"] == "M-2" for r in rows)
    assert [r["action"] for r in rows] == ["mention.ingested"]
    m1 = _jsonl(_run(env, "audit", "export", "--mention", "m-1").stdout)
    assert len(m1) > 5 and all(r["mention_id"] == "M-1" for r in m1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--mention", "M-999"), "no mention M-999"),
        (("--mention", "banana"), "not a mention id"),
        (("--format", "xml"), "--format must be csv or jsonl"),
        (("--since", "last tuesday"), "--since must be a date"),
    ],
)
def test_export_bad_options(
    env: dict[str, str], history: str, args: tuple[str, ...], message: str
) -> None:
    proc = _run(env, "audit", "export", *args)
    assert proc.returncode != 0
    assert message in proc.stderr, proc.stderr
    _no_traceback(proc)


def test_export_since(env: dict[str, str], history: str) -> None:
    # The fake clock wrote every event on 2026-11-27.
    assert _jsonl(_run(env, "audit", "export", "--since", "2026-11-28").stdout) == []
    assert len(_jsonl(_run(env, "audit", "export", "--since", "2026-11-27").stdout)) > 5


def _events(db_url: str) -> list[tuple]:  # type: ignore[type-arg]
    return _sql(db_url, "SELECT actor, action, outcome FROM audit_events ORDER BY seq")


@pytest.mark.parametrize("as_member", [None, "slack:UMKT", "slack:UNOBODY"])
def test_export_with_text_refused_without_an_admin(
    env: dict[str, str], history: str, as_member: str | None
) -> None:
    before = _events(history)
    args = ["audit", "export", "--include-text"] + (["--as", as_member] if as_member else [])
    proc = _run(env, *args)
    assert proc.returncode != 0
    assert "needs an admin" in proc.stderr or "only members" in proc.stderr, proc.stderr
    assert MARKER not in proc.stdout and REPLY not in proc.stdout
    _no_traceback(proc)
    after = _events(history)
    # The refused attempt to export text is itself audited (every refusal is).
    assert len(after) == len(before) + 1, after[len(before) :]
    assert after[-1][2] == "refused"


def test_export_with_text_by_admin_is_audited(env: dict[str, str], history: str) -> None:
    before = _events(history)
    proc = _run(env, "audit", "export", "--include-text", "--as", "slack:UADMIN")
    assert proc.returncode == 0, proc.stderr
    rows = _jsonl(proc.stdout)
    assert all("mention_text" in r and "reply_text" in r for r in rows)
    assert any(MARKER in str(r["mention_text"]) for r in rows)
    assert any(r["reply_text"] == REPLY for r in rows)
    after = _events(history)
    assert after[: len(before)] == before
    assert after[len(before) :] == [("slack:UADMIN", "audit.exported_with_text", "ok")]
    # The export did not break the chain.
    verify = _run(env, "audit", "verify")
    assert verify.returncode == 0, verify.stderr


# -- serve and keys ----------------------------------------------------------------------------


def test_serve_does_not_migrate_and_says_what_to_run(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.db"
    proc = _run(_env(f"sqlite:///{fresh}", tmp_path), "serve", timeout=60)
    assert proc.returncode == 2
    assert "migrations pending" in proc.stderr
    assert "run `python app.py db upgrade` (as the schema owner) first" in proc.stderr
    _no_traceback(proc)
    assert _sql(f"sqlite:///{fresh}", "SELECT name FROM sqlite_master WHERE type='table'") == []


def test_serve_waits_for_an_unreachable_database_then_says_what_to_check(tmp_path: Path) -> None:
    env = _env("postgresql+psycopg://postgres@127.0.0.1:1/none", tmp_path)
    env["DB_START_WAIT_SECONDS"] = "2"
    proc = _run(env, "serve", timeout=60)
    assert proc.returncode == 2
    assert "database unreachable" in proc.stderr
    assert "for 2 s: check DATABASE_URL and that the database is up" in proc.stderr
    assert "db upgrade" not in proc.stderr
    _no_traceback(proc)


def test_serve_without_key_refuses_to_start(sqlite_url: str, tmp_path: Path) -> None:
    env = _env(sqlite_url, tmp_path)
    env.pop("DATA_ENCRYPTION_KEY")
    proc = _run(env, "serve", timeout=60)
    assert proc.returncode != 0
    assert "DATA_ENCRYPTION_KEY is not set" in proc.stderr
    assert "keys generate" in proc.stderr
    _no_traceback(proc)


def test_serve_with_malformed_key_refuses_to_start_clearly(sqlite_url: str, tmp_path: Path) -> None:
    env = _env(sqlite_url, tmp_path, DATA_ENCRYPTION_KEY="not-a-real-key")
    proc = _run(env, "serve", timeout=60)
    assert proc.returncode != 0
    assert "DATA_ENCRYPTION_KEY entry 1 is not a valid key" in proc.stderr, proc.stderr
    assert "not-a-real-key" not in proc.stderr  # never echo key material
    _no_traceback(proc)


def test_other_commands_without_key_fail_clearly(sqlite_url: str, tmp_path: Path) -> None:
    env = _env(sqlite_url, tmp_path)
    env.pop("DATA_ENCRYPTION_KEY")
    proc = _run(env, "roles", "list")
    assert proc.returncode != 0
    assert "DATA_ENCRYPTION_KEY is not set" in proc.stderr
    _no_traceback(proc)


def test_keys_generate(tmp_path: Path, sqlite_url: str) -> None:
    proc = _run(_env(sqlite_url, tmp_path), "keys", "generate")
    assert proc.returncode == 0
    key = proc.stdout.strip()
    assert Keyring([key]).decrypt(Keyring([key]).encrypt("x")) == "x"
    assert key != TEST_KEY


def test_audit_verify_on_an_unmigrated_database_says_what_to_do(tmp_path: Path) -> None:
    env = _env(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)
    proc = _run(env, "audit", "verify")
    assert proc.returncode != 0
    assert "db upgrade" in proc.stderr and "Traceback" not in proc.stderr
