"""What the analytics read of the graph: its entities and its active relationships, by type."""

from __future__ import annotations

from typing import Protocol

from app.repositories.base import Repository
from app.repositories.store import Row


class AnalyticsReads(Protocol):
    def analytics_entities(self) -> list[Row]:
        ...

    def active_relationship_ends(
        self, type_code: str, *, today: str, with_ids: bool = False, with_shares: bool = False
    ) -> tuple[list[str], list[float | None], list[str], list[float | None]]:
        """Active relationships of one type: their ends as ``"from_id to_id"``, their stored
        strengths (None where none is), and, in the same order when asked, their ids and
        membership shares (None where none is)."""

    def ownership_ends(self) -> list[str]:
        """Every owned client as ``"owner_id client_id"``, for the analytics' ownership relationships."""


class AnalyticsRepository(Repository):
    def analytics_entities(self) -> list[Row]:
        return self._store.read(self._q("analytics_entities"))

    def active_relationship_ends(
        self, type_code: str, *, today: str, with_ids: bool = False, with_shares: bool = False
    ) -> tuple[list[str], list[float | None], list[str], list[float | None]]:
        rows = self._store.read(
            self._q("analytics_relationships", rel_type=type_code),
            {"today": today, "with_ids": with_ids, "with_shares": with_shares},
        )
        if not rows:
            return [], [], [], []
        row = rows[0]
        return (row["ends"], [None if s < 0 else s for s in row["strengths"]], row["ids"],
                [None if s < 0 else s for s in row["shares"]])

    def ownership_ends(self) -> list[str]:
        rows = self._store.read(self._q("analytics_ownership"), {})
        return rows[0]["ends"] if rows else []
