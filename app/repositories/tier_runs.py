"""Client tiers: what a tier run measures, the runs with their suggestions, and their applications."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from app.repositories.base import Repository, _owners
from app.repositories.store import Row


class TierMeasures(Protocol):
    """What a tier run measures: every client with its members, and the active referrals."""

    def tier_clients(self, *, today: str) -> list[Row]:
        """Rows ``{client, members}``: every client and its active members ``{id, name, role}``."""

    def tier_referrals(self, *, today: str) -> list[Row]:
        """Rows ``{referrer_id, referred_id, since, kind, stage}`` of active referrals."""


class TierRuns(TierMeasures, Protocol):
    def create_tier_run(
        self, properties: Mapping[str, Any], suggestions: Sequence[Mapping[str, Any]], audit: Mapping[str, Any]
    ) -> int:
        ...

    def tier_runs(self, run_id: str | None = None, *, limit: int = 100) -> list[Row]:
        ...

    def tier_suggestions(
        self, run_id: str, *, after: int, skip: int = 0, limit: int, differing_only: bool = False,
        owners: Collection[str] | None = None,
    ) -> list[Row]:
        """A page of a run's suggestions after position ``after`` and ``skip`` rows; with
        ``owners``, only of clients visible to them."""

    def tier_suggestion_counts(self, run_id: str, *, no_tier: str, owners: Collection[str]) -> list[Row]:
        """``{suggested, differs, clients}`` rows: a tier run's clients visible to ``owners``."""

    def delete_tier_run(self, run_id: str, audit: Mapping[str, Any]) -> int | None:
        ...

    def apply_tiers(
        self, run_id: str, application_id: str, changes: Sequence[Mapping[str, Any]], *, applied_by: str | None, now: str
    ) -> Row | None:
        """``changes``: ``{client_id, version, from, to, audit}``, as for ``apply_influencer_segments``."""

    def tier_applications(self, *, limit: int = 100) -> list[Row]:
        ...


class TierRunRepository(Repository):
    def tier_clients(self, *, today: str) -> list[Row]:
        return self._store.read(self._q("tier_clients"), {"today": today})

    def tier_referrals(self, *, today: str) -> list[Row]:
        return self._store.read(self._q("tier_referrals"), {"today": today})

    def create_tier_run(
        self, properties: Mapping[str, Any], suggestions: Sequence[Mapping[str, Any]], audit: Mapping[str, Any]
    ) -> int:
        rows = self._store.write(
            self._q("create_tier_run"),
            {"properties": dict(properties), "suggestions": list(suggestions), "audit": dict(audit)},
        )
        return rows[0]["stored"] if rows else 0

    def tier_runs(self, run_id: str | None = None, *, limit: int = 100) -> list[Row]:
        return [row["run"] for row in self._store.read(self._q("tier_runs"), {"id": run_id, "limit": limit})]

    def tier_suggestions(
        self, run_id: str, *, after: int, skip: int = 0, limit: int, differing_only: bool = False,
        owners: Collection[str] | None = None,
    ) -> list[Row]:
        rows = self._store.read(
            self._q("tier_suggestions", restricted=owners is not None),
            {"run_id": run_id, "after": after, "skip": skip, "limit": limit, "differing_only": differing_only,
             "owners": _owners(owners)},
        )
        return [row["suggestion"] for row in rows]

    def tier_suggestion_counts(self, run_id: str, *, no_tier: str, owners: Collection[str]) -> list[Row]:
        return self._store.read(self._q("tier_suggestion_counts", restricted=True),
                                {"run_id": run_id, "no_tier": no_tier, "owners": _owners(owners)})

    def delete_tier_run(self, run_id: str, audit: Mapping[str, Any]) -> int | None:
        rows = self._store.write(self._q("delete_tier_run"), {"id": run_id, "audit": dict(audit)})
        return rows[0]["suggestions"] if rows else None

    def apply_tiers(
        self, run_id: str, application_id: str, changes: Sequence[Mapping[str, Any]], *, applied_by: str | None, now: str
    ) -> Row | None:
        rows = self._store.write(
            self._q("apply_tiers"),
            {"run_id": run_id, "id": application_id, "changes": list(changes), "applied_by": applied_by, "now": now},
        )
        return rows[0]["application"] if rows else None

    def tier_applications(self, *, limit: int = 100) -> list[Row]:
        return [row["application"] for row in self._store.read(self._q("tier_applications"), {"limit": limit})]
