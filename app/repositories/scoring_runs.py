"""Scoring runs' scores of one entity (the runs' lifecycle, shared with tier runs:
``app/repositories/suggestion_runs.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.repositories.base import Repository, all_as, result_of
from app.repositories.store import Row


@result_of("entity_influence_scores")
@dataclass(frozen=True)
class InfluenceScoreInRun:
    """An entity's score in one complete scoring run, and when the run started."""

    score: Row
    started_at: str


class ScoringRuns(Protocol):
    def entity_influence_scores(self, entity_id: str) -> list[Row]:
        """The influence scores of ``entity_id``, one per complete scoring run that scored it,
        newest run first."""


class ScoringRunRepository(Repository):
    def entity_influence_scores(self, entity_id: str) -> list[Row]:
        rows = self._store.read(self._q("entity_influence_scores"), {"entity_id": entity_id})
        return [found.score for found in all_as(InfluenceScoreInRun, rows)]
