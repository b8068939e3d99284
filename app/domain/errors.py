"""One root exception for everything Rapport refuses; the API maps each to an HTTP status."""

from __future__ import annotations

from typing import Any


class RapportError(Exception):
    """Root of every error Rapport raises on purpose. ``detail`` is shown to the user."""

    title = "Request refused"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidInput(RapportError):
    """The request is well-formed JSON but names something that cannot be accepted."""

    title = "Invalid input"


class NotFound(RapportError):
    title = "Not found"


class Conflict(RapportError):
    """The request contradicts the current state (duplicates, entities still in use)."""

    title = "Conflict"


class DuplicateKey(Conflict):
    """The store's uniqueness constraint refused a write: a record with that key exists."""


class StoreUnavailable(RapportError):
    """The graph store cannot be reached or could not be started."""

    title = "Graph store unavailable"


class Unauthenticated(RapportError):
    """No API key, or one that is unknown, malformed or revoked."""

    title = "Unauthenticated"


class Forbidden(RapportError):
    """A known caller whose role does not allow the action."""

    title = "Forbidden"


class PreconditionFailed(RapportError):
    """An ``If-Match`` named a version that is no longer current."""

    title = "Precondition failed"


class ContentTooLarge(RapportError):
    """A request body over the size the API reads; refused before the rest is read."""

    title = "Content too large"
