"""Scoring runs: their influence scores, and the applications of their suggested segments."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from app.repositories.base import Repository, _owners
from app.repositories.store import Row


class ScoringRuns(Protocol):
    def create_scoring_run(self, properties: Mapping[str, Any], audit: Mapping[str, Any]) -> None:
        ...

    def store_influence_scores(self, rows: Sequence[Mapping[str, Any]]) -> int:
        ...

    def complete_scoring_run(self, run_id: str, *, now: str) -> Row | None:
        ...

    def scoring_runs(self, run_id: str | None = None, *, limit: int = 100) -> list[Row]:
        ...

    def delete_scoring_run(self, run_id: str, audit: Mapping[str, Any]) -> int | None:
        ...

    def influence_scores(self, position_keys: Sequence[str]) -> list[Row]:
        ...

    def entity_influence_scores(self, entity_id: str) -> list[Row]:
        ...

    def influence_scores_after(
        self, run_id: str, *, after: int, skip: int = 0, limit: int, differing_only: bool,
        owners: Collection[str] | None,
    ) -> list[Row]:
        """A page of a run's scores after position ``after`` and ``skip`` rows (all, or only
        differing ones), of entities visible to ``owners`` (None: every entity)."""

    def influence_score_counts(self, run_id: str, *, no_segment: str, owners: Collection[str]) -> list[Row]:
        """``{suggested, differs, entities}`` rows: a run's scored entities visible to ``owners``."""

    def influence_segment_differences(self, run_id: str, *, after: int, limit: int) -> list[Row]:
        ...

    def apply_influencer_segments(
        self, run_id: str, application_id: str, changes: Sequence[Mapping[str, Any]], *, now: str
    ) -> Row | None:
        """``changes``: ``{entity_id, version, from, to, audit}``, each applied (with its audit
        record) only if the entity is still at that version and segment."""

    def segment_applications(self, *, limit: int = 100) -> list[Row]:
        ...


class ScoringRunRepository(Repository):
    def create_scoring_run(self, properties: Mapping[str, Any], audit: Mapping[str, Any]) -> None:
        self._store.write(self._q("create_scoring_run"), {"properties": dict(properties), "audit": dict(audit)})

    def store_influence_scores(self, rows: Sequence[Mapping[str, Any]]) -> int:
        return self._store.write(self._q("store_influence_scores"), {"rows": list(rows)})[0]["stored"]

    def complete_scoring_run(self, run_id: str, *, now: str) -> Row | None:
        rows = self._store.write(self._q("complete_scoring_run"), {"id": run_id, "now": now})
        return rows[0]["run"] if rows else None

    def scoring_runs(self, run_id: str | None = None, *, limit: int = 100) -> list[Row]:
        return [row["run"] for row in self._store.read(self._q("scoring_runs"), {"id": run_id, "limit": limit})]

    def delete_scoring_run(self, run_id: str, audit: Mapping[str, Any]) -> int | None:
        rows = self._store.write(self._q("delete_scoring_run"), {"id": run_id, "audit": dict(audit)})
        return rows[0]["scores"] if rows else None

    def influence_scores(self, position_keys: Sequence[str]) -> list[Row]:
        return [row["score"] for row in self._store.read(self._q("influence_scores"), {"keys": list(position_keys)})]

    def entity_influence_scores(self, entity_id: str) -> list[Row]:
        return [row["score"] for row in self._store.read(self._q("entity_influence_scores"), {"entity_id": entity_id})]

    def influence_scores_after(
        self, run_id: str, *, after: int, skip: int = 0, limit: int, differing_only: bool,
        owners: Collection[str] | None,
    ) -> list[Row]:
        rows = self._store.read(
            self._q("influence_scores_after", restricted=owners is not None),
            {"run_id": run_id, "after": after, "skip": skip, "limit": limit, "differing_only": differing_only,
             "owners": _owners(owners)},
        )
        return [row["score"] for row in rows]

    def influence_score_counts(self, run_id: str, *, no_segment: str, owners: Collection[str]) -> list[Row]:
        return self._store.read(self._q("influence_score_counts", restricted=True),
                                {"run_id": run_id, "no_segment": no_segment, "owners": _owners(owners)})

    def influence_segment_differences(self, run_id: str, *, after: int, limit: int) -> list[Row]:
        rows = self._store.read(
            self._q("influence_segment_differences"), {"run_id": run_id, "after": after, "limit": limit}
        )
        return [row["score"] for row in rows]

    def apply_influencer_segments(
        self, run_id: str, application_id: str, changes: Sequence[Mapping[str, Any]], *, now: str
    ) -> Row | None:
        rows = self._store.write(
            self._q("apply_influencer_segments"),
            {"run_id": run_id, "id": application_id, "changes": list(changes), "now": now},
        )
        return rows[0]["application"] if rows else None

    def segment_applications(self, *, limit: int = 100) -> list[Row]:
        return [row["application"] for row in self._store.read(self._q("segment_applications"), {"limit": limit})]
