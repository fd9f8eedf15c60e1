"""Unit of work: one transaction, rolled back unless committed."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.repository import Repository

# A unique key or foreign key refused the change (e.g. two requests stored the same
# external id at once). The core catches this name, never the driver's own.
Conflict = IntegrityError


class UnitOfWork:
    """``with uow_factory() as uow: ...; uow.commit()`` — leaving the block without
    commit rolls back. Audit events are written through ``uow.repo`` in the same
    transaction as the change they record, at its commit."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.repo = Repository(self.session)
        self._committed = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        self.repo.write_audit()  # last: the audit chain's lock is held until the commit
        self.session.commit()
        self._committed = True

    def rollback(self) -> None:
        self.repo.discard_audit()
        self.session.rollback()


UnitOfWorkFactory = Callable[[], UnitOfWork]


def uow_factory(session_factory: Callable[[], Session]) -> UnitOfWorkFactory:
    return lambda: UnitOfWork(session_factory)
