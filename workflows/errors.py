"""Errors the services raise. Messages are safe to show a user: they never carry mention
or reply text."""

from __future__ import annotations


class CountersignError(Exception):
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(CountersignError):
    code = "not_found"


class Forbidden(CountersignError):
    """The user may not do this (role, authorship, two roles, other workspace)."""

    code = "forbidden"


class StaleRevision(CountersignError):
    """The action names a revision that is no longer the latest."""

    code = "stale_revision"


class InvalidState(CountersignError):
    """The lifecycle does not allow this now (e.g. signing a blocked draft)."""

    code = "invalid_state"


class InvalidInput(CountersignError):
    code = "invalid_input"


class FieldError(InvalidInput):
    """A bad field in an ingested mention; ``field`` names it (with its array index)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ScreenUnavailable(CountersignError):
    """The PHI screen failed: the draft was not screened, so it is not saved as passing."""

    code = "screen_unavailable"
