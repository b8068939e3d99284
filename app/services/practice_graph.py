"""Read the whole relationship graph out of the store into analytics' array form, and keep
a per-process snapshot of it so path and chain queries answer in milliseconds."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from analytics.graph import KIND_CODES, RelationshipGraph
from app.domain.catalogue import OWNERSHIP, ownership_id
from app.domain.model import RelationshipCategory, now_iso, today_iso
from app.repositories.analytics import AnalyticsReads
from app.repositories.catalogue import CatalogueReads
from app.services.catalogue import CatalogueService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PracticeGraph:
    """The relationship graph as analytics see it, and when it was read."""

    graph: RelationshipGraph
    #: Each entity's currently assigned influencer segment (None where unset), by position.
    assigned_segments: np.ndarray
    read_at: str
    read_seconds: float


class PracticeGraphRepository(AnalyticsReads, CatalogueReads, Protocol):
    """What the analytics graph is read from."""


def read_practice_graph(
    repository: PracticeGraphRepository, catalogue: CatalogueService, *, with_relationship_ids: bool = True
) -> PracticeGraph:
    """One read of every entity and every active relationship.

    Relationship ids double the transfer; scoring does without them (relationship ``e`` is
    then named ``#e``), answers that name relationships need them.
    """
    started = time.perf_counter()
    today = today_iso()
    rows = repository.analytics_entities()
    position = {row.id: index for index, row in enumerate(rows)}
    stage_labels = sorted({row.stage for row in rows if row.stage is not None})
    stage_code = {stage: code for code, stage in enumerate(stage_labels)}

    # The catalogue's types, and each client's ownership read from its owner_id.
    types = [*catalogue.relationship_types(), OWNERSHIP]
    sources, targets, type_indexes, strengths, shares, relationship_ids = [], [], [], [], [], []
    for index, spec in enumerate(types):
        membership = spec.category is RelationshipCategory.membership
        if spec is OWNERSHIP:
            ends = repository.ownership_ends()
            stored_strengths, stored_shares = [None] * len(ends), []
            ids = [ownership_id(end.split(" ", 1)[1]) for end in ends] if with_relationship_ids else []
        else:
            active = repository.active_relationships(
                spec.code, today=today, with_ids=with_relationship_ids, with_shares=membership)
            ends, stored_strengths, ids, stored_shares = active.ends, active.strengths, active.ids, active.shares
        relationship_ids.extend(ids)
        # Membership shares, for what a referred person brings (analytics.referral_credit).
        shares.append(np.array([np.nan if s is None else s for s in stored_shares], dtype=np.float64) if membership
                      else np.full(len(ends), np.nan))
        pairs = [end.split(" ", 1) for end in ends]
        sources.append(np.fromiter((position[a] for a, _ in pairs), dtype=np.int64, count=len(pairs)))
        targets.append(np.fromiter((position[b] for _, b in pairs), dtype=np.int64, count=len(pairs)))
        type_indexes.append(np.full(len(pairs), index, dtype=np.int32))
        # As stored (the precision the API accepts); no strength given reads as full strength.
        strengths.append(np.fromiter((1.0 if s is None else s for s in stored_strengths), dtype=np.float64,
                                     count=len(pairs)))
    graph = RelationshipGraph.from_arrays(
        [row.id for row in rows],
        np.array([KIND_CODES[row.kind] for row in rows], dtype=np.int8),
        np.concatenate(sources) if sources else np.zeros(0, np.int64),
        np.concatenate(targets) if targets else np.zeros(0, np.int64),
        np.concatenate(type_indexes) if type_indexes else np.zeros(0, np.int32),
        type_codes=[t.code for t in types],
        type_categories=[t.category.value for t in types],
        type_weights=[t.weight for t in types],
        phrases=[t.phrase for t in types],
        reverse_phrases=[t.reverse_phrase for t in types],
        names=[row.name for row in rows],
        stages=np.array([stage_code.get(row.stage, -1) for row in rows], dtype=np.int16),
        stage_labels=stage_labels,
        annual_revenue=np.array([_number(row.annual_revenue) for row in rows], dtype=np.float64),
        assets_under_management=np.array([_number(row.assets_under_management) for row in rows], dtype=np.float64),
        strengths=np.concatenate(strengths) if strengths else np.zeros(0),
        shares=np.concatenate(shares) if shares else np.zeros(0),
        edge_ids=relationship_ids if with_relationship_ids else None,
    )
    assigned = np.array([row.influencer_segment for row in rows], dtype=object)
    return PracticeGraph(graph, assigned, now_iso(), time.perf_counter() - started)


def _number(value: float | None) -> float:
    return np.nan if value is None else float(value)


class GraphSnapshots:
    """The last graph read by this process, reused until it is ``max_age_s`` old or a write
    through this process marks it stale. Other processes' writes show after ``max_age_s`` (and
    one read); every analytics answer says when its graph was read.

    A snapshot past its age is still answered with while one fresh read runs in the background
    (a read of 100,000 entities takes 5-25 s on a loaded machine: every page that asked in that
    time waited). After a write through this process nobody is answered from the old graph:
    the next caller reads it anew, and a background read begun before the write is dropped."""

    def __init__(self, max_age_s: float) -> None:
        self.max_age_s = max_age_s
        self._lock = threading.Lock()
        self._snapshot: PracticeGraph | None = None
        self._taken_at = 0.0
        #: Counts writes seen (``invalidate``): a read begun under an older count is not kept.
        self._generation = 0
        self._refreshing = False

    def get(self, read: Callable[[], PracticeGraph]) -> PracticeGraph:
        if self.max_age_s <= 0:  # no reuse: every answer reads the graph
            return read()
        with self._lock:
            if self._snapshot is not None:
                if time.monotonic() - self._taken_at > self.max_age_s and not self._refreshing:
                    self._refreshing = True
                    threading.Thread(target=self._refresh, args=(read, self._generation), daemon=True,
                                     name="graph-snapshot-refresh").start()
                return self._snapshot
            self._keep(read(), self._generation)
            return self._snapshot

    def _refresh(self, read: Callable[[], PracticeGraph], generation: int) -> None:
        fresh = None
        try:
            fresh = read()
        except Exception:  # the old graph stays; the next caller past the age starts another read
            log.exception("reading the practice graph in the background failed")
        with self._lock:
            self._refreshing = False
            if fresh is not None:
                self._keep(fresh, generation)

    def _keep(self, snapshot: PracticeGraph, generation: int) -> None:
        """(With the lock held.) Keep a graph read under ``generation`` unless a write came since."""
        if generation == self._generation:
            self._snapshot = snapshot
            self._taken_at = time.monotonic()

    def invalidate(self) -> None:
        with self._lock:
            self._generation += 1
            self._snapshot = None
