"""Influence scoring runs: score every entity's influence from the practice's graph, suggest
influencer segments with their reasons, and store the run; its lifecycle (pages, differences,
application, deletion) is every suggestion run's (``SuggestionRuns``)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np

from analytics import (
    DEFAULT_RULES,
    KINDS,
    PARTS,
    SegmentRule,
    influence_scores,
    suggest_influencer_segments,
)
from analytics.influence import DEFAULT_BETWEENNESS_K, DEFAULT_SEED
from analytics.segments import NO_SEGMENT
from app.domain.access import Caller, Permission
from app.domain.catalogue import CategoryList
from app.domain.errors import Conflict, InvalidInput
from app.domain.model import EntityKind, new_entity_id, now_iso
from app.repositories.scoring_runs import ScoringRuns
from app.repositories.suggestion_runs import SCORING_RUNS
from app.services.catalogue import CatalogueService
from app.services.practice_graph import (
    GraphSnapshots,
    PracticeGraph,
    PracticeGraphRepository,
    read_practice_graph,
)
from app.services.suggestion_runs import Page, RunKind, RunsOf, SuggestionRuns, SuggestionRunsRepository, position_key

#: Scores are written in batches of this many rows (one query each); the run becomes
#: visible only when all are stored.
SCORE_BATCH = 20_000

Progress = Callable[[str, int, int], None]


#: The kinds that pass PageRank on by default: not team members or divisions. They are never
#: scored, and an adviser serving 300 clients (or a division holding them) would carry rank
#: between clients who have nothing to do with each other, so a client's PageRank would say
#: who serves it rather than whom it influences.
PAGERANK_THROUGH: tuple[str, ...] = (EntityKind.client.value, EntityKind.person.value, EntityKind.provider.value)


@dataclass(frozen=True)
class ScoringParameters:
    """What a scoring run computes with; stored with the run so runs can be compared."""

    weights: dict[str, float] | None = None
    betweenness_k: int | None = DEFAULT_BETWEENNESS_K
    seed: int = DEFAULT_SEED
    normalisation: str = "percentile"
    rules: tuple[SegmentRule, ...] = field(default=DEFAULT_RULES)
    #: Degree as the sum of type weight x strength instead of a count of related entities;
    #: off by default: connectedness is breadth, and strength already counts in PageRank.
    degree_weighted: bool = False
    pagerank_through: tuple[str, ...] = PAGERANK_THROUGH

    @classmethod
    def build(cls, *, rules: Sequence[dict[str, Any]] | None = None, **values: Any) -> ScoringParameters:
        """Parameters from plain values (None: the default); a rule that cannot work is invalid input."""
        try:
            built = tuple(SegmentRule(**rule) for rule in rules) if rules else DEFAULT_RULES
        except (TypeError, ValueError) as error:
            raise InvalidInput(f"invalid segment rule: {error}") from error
        given = {name: value for name, value in values.items() if value is not None or name == "betweenness_k"}
        if "pagerank_through" in given:
            given["pagerank_through"] = tuple(given["pagerank_through"])
        return cls(rules=built, **given)

    def to_json(self) -> str:
        return json.dumps({
            "weights": self.weights, "betweenness_k": self.betweenness_k, "seed": self.seed,
            "normalisation": self.normalisation, "rules": [asdict(rule) for rule in self.rules],
            "degree_weighted": self.degree_weighted, "pagerank_through": list(self.pagerank_through),
        })


class ScoringServiceRepository(SuggestionRunsRepository, ScoringRuns, PracticeGraphRepository, Protocol):
    """What scoring runs read beside their runs: the practice's graph and an entity's scores."""


class ScoringService(SuggestionRuns):
    """Scoring runs: made here, read, paged, applied and deleted as every suggestion run."""

    _repo: ScoringServiceRepository

    def __init__(
        self, repository: ScoringServiceRepository, catalogue: CatalogueService, snapshots: GraphSnapshots,
        runs: RunsOf, caller: Caller,
    ) -> None:
        super().__init__(repository, runs, caller, SCORING)
        self._catalogue = catalogue
        self._snapshots = snapshots

    def run_scoring(self, parameters: ScoringParameters, progress: Progress | None = None) -> dict[str, Any]:
        """Read the graph, score and suggest, store the run; returns the stored run."""
        self._caller.require(Permission.write, "start scoring runs")
        report = progress or (lambda step, done, total: None)
        timings: dict[str, float] = {}
        started_at, clock = now_iso(), time.perf_counter()
        report("reading the graph", 0, 1)
        practice = read_practice_graph(self._repo, self._catalogue, with_relationship_ids=False)
        timings["read_s"] = time.perf_counter() - clock
        report("reading the graph", 1, 1)

        clock = time.perf_counter()
        report("scoring", 0, 1)
        try:
            scores = influence_scores(
                practice.graph, weights=parameters.weights, betweenness_k=parameters.betweenness_k,
                seed=parameters.seed, normalisation=parameters.normalisation,
                degree_weight="weight" if parameters.degree_weighted else None,
                pagerank_through=parameters.pagerank_through,
            )
            suggestions = suggest_influencer_segments(scores, rules=parameters.rules)
        except ValueError as error:  # bad weights or normalisation: the caller's input
            raise InvalidInput(str(error)) from error
        timings["compute_s"] = time.perf_counter() - clock
        report("scoring", 1, 1)

        clock = time.perf_counter()
        run_id = new_entity_id()
        rows = _score_rows(run_id, practice, scores, suggestions)
        properties = {
            "id": run_id, "status": "storing", "started_at": started_at, "graph_read_at": practice.read_at,
            "parameters": parameters.to_json(), "entities": practice.graph.n_entities,
            "relationships": int(practice.graph.n_relationships), "scored": len(rows),
            "segment_counts": json.dumps(suggestions.counts()), "differences": sum(1 for row in rows if row["differs"]),
        }
        # Stored in batches, the run listed once all are; its audit record has the run's summary,
        # not its scores: those are the run's output, not the practice's data.
        run = self._store(properties, rows, lambda done, total: report("storing scores", done, total))
        timings["store_s"] = time.perf_counter() - clock
        return {**run, "timings": timings}

    def scores(self, run_id: str, *, after: int, limit: int) -> Page:
        """A page of a run's scores, best first; the cursor is the last position."""
        return self.suggestions(run_id, after=after, limit=limit)

    def entity_scores(self, entity_id: str) -> list[dict[str, Any]]:
        """An entity's score in every run; a restricted caller gets no position (it would count
        the entities ranked above that they may not see) and no practice-wide figures."""
        if not self._visibility.visible_ids([entity_id]):
            return []  # as for an id naming no entity
        practice_wide = self._visibility.sees_everything
        return [
            {**_score_public(row, practice_wide=practice_wide), **({} if practice_wide else {"position": None})}
            for row in self._repo.entity_influence_scores(entity_id)
        ]

    def _check_values(self, values: set[str]) -> None:
        known = set(self._catalogue.category_codes()[CategoryList.influencer_segments])
        missing = sorted(values - known)
        if missing:
            raise Conflict(
                f"suggested segments {', '.join(missing)} are not in the influencer-segments list; add them first",
                segments=missing,
            )

    def _applied(self) -> None:
        self._snapshots.invalidate()  # the graph's entities carry their segments


# -- stored forms ---------------------------------------------------------------------------------
def _score_rows(run_id, practice: PracticeGraph, scores, suggestions) -> list[dict[str, Any]]:
    """One stored row per eligible entity, best first. The details travel as one JSON string:
    the store's client encodes each parameter value in Python, so fewer values write faster."""
    graph = scores.graph
    members = suggestions.members
    order = members[np.lexsort((members, -scores.composite[members]))]
    # Ranks count what is ranked: 1 + the scored entities with a strictly higher composite
    # (team members and divisions, never scored, are not counted).
    ranked = np.sort(scores.composite[members])[::-1]
    rank = dict(zip(order.tolist(), (1 + np.searchsorted(-ranked, -scores.composite[order], side="left")).tolist(), strict=True))
    rows = []
    for position, i in enumerate(order.tolist(), start=1):
        entity_id = graph.ids[i]
        suggestion = suggestions[entity_id]
        suggested = None if suggestion.segment == NO_SEGMENT else suggestion.segment
        assigned = practice.assigned_segments[i]
        rows.append({
            "run_id": run_id, "position": position, "position_key": position_key(run_id, position),
            "entity_id": entity_id, "suggested": suggested, "assigned": assigned, "differs": suggested != assigned,
            "details": json.dumps({
                "name": graph.name_of(i), "kind": KINDS[graph.kinds[i]], "rank": rank[i],
                "composite": float(scores.composite[i]), "percentile": suggestion.percentile,
                "parts": dict(zip(PARTS, scores.parts[i].tolist())), "raw": dict(zip(PARTS, scores.raw[i].tolist())),
                "rule": suggestion.rule.segment if suggestion.rule else None, "summary": suggestion.summary,
                # Field by field: dataclasses.asdict deep-copies, which cost seconds per run.
                "reasons": [
                    {"measure": r.measure, "value": r.value, "threshold": r.threshold, "met": r.met, "text": r.text}
                    for r in suggestion.reasons
                ],
            }, separators=(",", ":")),
        })
    return [{k: v for k, v in row.items() if v is not None} for row in rows]


#: What a restricted caller is not shown of a stored score: each is computed over the whole
#: practice, entities they may not see included (the suggestion itself is the practice's).
_PRACTICE_WIDE = ("rank", "composite", "percentile", "parts", "raw", "summary", "reasons")


def _score_public(row: dict[str, Any], *, practice_wide: bool = True) -> dict[str, Any]:
    details = json.loads(row["details"])
    if not practice_wide:
        details = {name: value for name, value in details.items() if name not in _PRACTICE_WIDE}
        details["figures_withheld"] = True
    return {
        "run_id": row["run_id"], "position": row["position"], "entity_id": row["entity_id"],
        "suggested_segment": row.get("suggested"), "assigned_segment": row.get("assigned"),
        "differs": row["differs"], **details,
    }


def _run_summary(run: dict[str, Any]) -> dict[str, Any]:
    """What an audit record says of a scoring run."""
    return {name: run.get(name) for name in (
        "id", "started_at", "graph_read_at", "parameters", "entities", "relationships", "scored", "segment_counts",
        "differences",
    )}


def _run_public(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": run["id"], "started_at": run["started_at"], "finished_at": run.get("finished_at"),
        "graph_read_at": run["graph_read_at"], "parameters": json.loads(run["parameters"]),
        "entities": run["entities"], "relationships": run["relationships"], "scored": run["scored"],
        "segment_counts": json.loads(run["segment_counts"]), "differences": run["differences"],
    }


def _withheld(public: dict[str, Any], counts: dict[str, int], differences: int) -> dict[str, Any]:
    """A run as a restricted caller sees it: counts of the entities they see; the practice's
    entity and relationship totals are not theirs to know."""
    return {**public, "entities": None, "relationships": None, "scored": sum(counts.values()),
            "segment_counts": {**dict.fromkeys(public["segment_counts"], 0), **counts}, "differences": differences}


SCORING = RunKind(
    storage=SCORING_RUNS, name="scoring run", subject="entity", subjects="entities", value="influencer segment",
    total="scored", none=NO_SEGMENT, public=_run_public, withheld=_withheld, suggestion=_score_public,
    summary=_run_summary, batch=SCORE_BATCH,
)
