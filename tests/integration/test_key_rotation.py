"""`python app.py keys rotate`: data written under key A is readable with only key B after
rotation (audit reasons keep key A by design: the chain covers their ciphertext)."""

from __future__ import annotations

from app import build_container
from models import audit
from models.crypto import Keyring
from models.rotate import rotate_all
from tests.conftest import TEST_KEY, make_settings
from tests.support.fakes import FakeScreen, FixedSentiment
from workflows.services import drafting, mentions, viewing
from workflows.types import Actor, MentionInput


def test_rotate_then_drop_old_key(db_url: str) -> None:
    new_key = Keyring.generate_key()

    def container(keys: str):  # type: ignore[no-untyped-def]
        return build_container(
            make_settings(db_url, DATA_ENCRYPTION_KEY=keys),
            screen=FakeScreen(),
            sentiment=FixedSentiment(),
        )

    old = container(TEST_KEY)
    mentions.ingest(
        old.deps, [MentionInput("h", "1", "google", "Rae Rotate", "Awful wait", rating=1)]
    )
    drafting.create_revision(
        old.deps, Actor("slack", "U1", channel_member=True), "M-1", "Rae, your chart"
    )
    old.close()

    both = container(f"{new_key},{TEST_KEY}")
    counts = rotate_all(both.engine)
    assert counts["mentions.text"] == 1 and counts["revisions.text"] == 1
    assert counts["phi_findings.text"] >= 1
    both.close()

    only_new = container(new_key)
    view = viewing.mention_view(only_new.deps, 1)
    assert view.text == "Awful wait" and view.author == "Rae Rotate"
    assert view.latest is not None and view.latest.text == "Rae, your chart"
    with only_new.deps.uow() as uow:
        assert audit.verify(uow.session).ok, "rotation never touches the audit chain"
    only_new.close()
