"""Scoring runs' scores of one entity (the runs' lifecycle, shared with tier runs:
``app/repositories/suggestion_runs.py``)."""

from __future__ import annotations

from typing import Protocol

from app.repositories.base import Repository
from app.repositories.store import Row


class ScoringRuns(Protocol):
    def entity_influence_scores(self, entity_id: str) -> list[Row]:
        """The influence scores of ``entity_id``, one per scoring run that scored it."""


class ScoringRunRepository(Repository):
    def entity_influence_scores(self, entity_id: str) -> list[Row]:
        return [row["score"] for row in self._store.read(self._q("entity_influence_scores"), {"entity_id": entity_id})]
