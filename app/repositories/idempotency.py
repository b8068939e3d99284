"""Idempotency keys: claimed, completed, released and swept."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from app.domain.errors import DuplicateKey
from app.repositories.base import Repository, result_of
from app.repositories.store import Row


@result_of("claim_idempotency_key")
@dataclass(frozen=True)
class KeyClaim:
    """Claimed, or not because a live record of the key exists (``existing``)."""

    claimed: bool
    existing: Row | None


@result_of("complete_idempotency_key")
@dataclass(frozen=True)
class KeyCompletion:
    completed: int


@result_of("release_idempotency_key")
@dataclass(frozen=True)
class KeyRelease:
    released: int


@result_of("sweep_idempotency_keys")
@dataclass(frozen=True)
class KeySweep:
    swept: int


class IdempotencyKeys(Protocol):
    def claim_idempotency_key(self, record: Mapping[str, Any], *, expired_before: str) -> Row | None:
        """Create the key's record unless a live one exists; that one (None if claimed)."""

    def complete_idempotency_key(
        self, record_id: str, claim: str, *, state: str, status: int, body: str, headers: str, now: str
    ) -> bool:
        ...

    def release_idempotency_key(self, record_id: str, claim: str) -> bool:
        ...

    def sweep_idempotency_keys(self, *, expired_before: str, limit: int) -> int:
        """Delete up to ``limit`` records created before ``expired_before``; how many went."""


class IdempotencyRepository(Repository):
    def claim_idempotency_key(self, record: Mapping[str, Any], *, expired_before: str) -> Row | None:
        params = {"id": record["id"], "record": dict(record), "expired_before": expired_before}
        try:
            row = self._store.write(self._q("claim_idempotency_key"), params)[0]
        except DuplicateKey:
            # Two claims of a new key at once: on Neo4j both saw none, and the uniqueness
            # constraint refused the second create. Asked again, it sees the first's record.
            row = self._store.write(self._q("claim_idempotency_key"), params)[0]
        claim = KeyClaim(**row)
        return None if claim.claimed else claim.existing

    def complete_idempotency_key(
        self, record_id: str, claim: str, *, state: str, status: int, body: str, headers: str, now: str
    ) -> bool:
        rows = self._store.write(
            self._q("complete_idempotency_key"),
            {"id": record_id, "claim": claim, "state": state, "status": status, "body": body, "headers": headers, "now": now},
        )
        return KeyCompletion(**rows[0]).completed > 0

    def release_idempotency_key(self, record_id: str, claim: str) -> bool:
        rows = self._store.write(self._q("release_idempotency_key"), {"id": record_id, "claim": claim})
        return KeyRelease(**rows[0]).released > 0

    def sweep_idempotency_keys(self, *, expired_before: str, limit: int) -> int:
        rows = self._store.write(self._q("sweep_idempotency_keys"), {"expired_before": expired_before, "limit": limit})
        return KeySweep(**rows[0]).swept if rows else 0
