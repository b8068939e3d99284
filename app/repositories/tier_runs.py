"""What a tier run measures (the runs' lifecycle, shared with scoring runs:
``app/repositories/suggestion_runs.py``)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from app.repositories.base import Repository, _owners
from app.repositories.store import Row


class TierMeasures(Protocol):
    """What a tier run measures: every client with its members, and the active referrals."""

    def tier_clients(self, *, today: str, owners: Collection[str] | None = None) -> list[Row]:
        """Rows ``{client, members}``: every client (with ``owners``, those visible) and its
        active members ``{id, name, role}``."""

    def tier_referrals(self, *, today: str) -> list[Row]:
        """Rows ``{referrer_id, referred_id, since, kind, stage}`` of active referrals."""


class TierRunRepository(Repository):
    def tier_clients(self, *, today: str, owners: Collection[str] | None = None) -> list[Row]:
        return self._store.read(self._q("tier_clients", restricted=owners is not None),
                                {"today": today, "owners": _owners(owners)})

    def tier_referrals(self, *, today: str) -> list[Row]:
        return self._store.read(self._q("tier_referrals"), {"today": today})
