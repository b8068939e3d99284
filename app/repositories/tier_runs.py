"""What a tier run measures (the runs' lifecycle, shared with scoring runs:
``app/repositories/suggestion_runs.py``)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from app.repositories.base import Repository, _owners, all_as, result_of
from app.repositories.store import Row


@result_of("tier_clients")
@dataclass(frozen=True)
class TierClient:
    """A client with its active members, each ``{id, name, role, share}``."""

    client: Row
    members: list[Row]


@result_of("tier_referrals")
@dataclass(frozen=True)
class TierReferral:
    """An active referral: who referred whom since when, and the referred entity's kind and stage."""

    referrer_id: str
    referred_id: str
    since: str | None
    kind: str
    stage: str | None


class TierMeasures(Protocol):
    """What a tier run measures: every client with its members, and the active referrals."""

    def tier_clients(self, *, today: str, owners: Collection[str] | None = None) -> list[TierClient]:
        """Every client (with ``owners``, those visible) and its active members."""

    def tier_referrals(self, *, today: str) -> list[TierReferral]:
        """The active referrals."""


class TierRunRepository(Repository):
    def tier_clients(self, *, today: str, owners: Collection[str] | None = None) -> list[TierClient]:
        rows = self._store.read(self._q("tier_clients", restricted=owners is not None),
                                {"today": today, "owners": _owners(owners)})
        return all_as(TierClient, rows)

    def tier_referrals(self, *, today: str) -> list[TierReferral]:
        return all_as(TierReferral, self._store.read(self._q("tier_referrals"), {"today": today}))
