"""Referral chains, warm introductions, key-person risk and communities: the analytics
package over the practice's graph (a snapshot, see ``GraphSnapshots``), each answer as the
caller may see it (``graph_views``). Scoring runs are ``app/services/scoring.py``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Protocol

import numpy as np

from analytics import (
    KINDS,
    communities,
    key_person_risk,
    referral_lineage,
    referral_tree,
    top_referral_sources,
    warm_introductions,
)
from analytics.graph import RelationshipGraph
from app.domain.access import Caller
from app.domain.model import EntityKind
from app.repositories.visibility import VisibleEntities
from app.services.catalogue import CatalogueService
from app.services.graph_views import (
    LISTED,
    graph_seen,
    hidden_positions,
    is_hidden,
    named_cut_off,
    restricted_path,
    restricted_step,
    seen_cut_off,
    visible_position,
)
from app.services.practice_graph import (
    GraphSnapshots,
    PracticeGraph,
    PracticeGraphRepository,
    read_practice_graph,
)
from app.services.visibility import Visibility


class AnalyticsServiceRepository(PracticeGraphRepository, VisibleEntities, Protocol):
    """What the analytics service reads (the graph itself through ``snapshots``)."""


class AnalyticsService:
    def __init__(
        self, repository: AnalyticsServiceRepository, catalogue: CatalogueService, snapshots: GraphSnapshots, caller: Caller
    ) -> None:
        self._repo = repository
        self._catalogue = catalogue
        self._snapshots = snapshots
        self._visibility = Visibility(repository, caller)

    def practice_graph(self) -> PracticeGraph:
        return self._snapshots.get(lambda: read_practice_graph(self._repo, self._catalogue))

    def _seen(self, practice: PracticeGraph, *, chains: bool = False) -> RelationshipGraph:
        return graph_seen(practice, self._visibility, self._repo, chains=chains)

    def referral_lineage(self, entity_id: str) -> dict[str, Any]:
        practice = self.practice_graph()
        graph = self._seen(practice, chains=True)
        visible_position(graph, entity_id)
        lineage = asdict(referral_lineage(graph, entity_id))
        if hidden_positions(graph) is not None:
            lineage["chain"] = [restricted_step(graph, step) for step in lineage["chain"]]
            lineage["referrers"] = [restricted_step(graph, step) for step in lineage["referrers"]]
            lineage["sources"] = [source for source in lineage["sources"] if not is_hidden(graph, source)]
        return {**lineage, "graph_read_at": practice.read_at}

    def referral_tree(self, entity_id: str, *, depth: int) -> dict[str, Any]:
        practice = self.practice_graph()
        graph = self._seen(practice)
        visible_position(graph, entity_id)
        tree = asdict(referral_tree(graph, entity_id, max_depth=depth))
        return {**tree, "graph_read_at": practice.read_at}

    def top_referral_sources(self, *, n: int) -> dict[str, Any]:
        """The best ``n`` sources the caller may see, ranked among themselves by what they see."""
        practice = self.practice_graph()
        sources = [asdict(s) for s in top_referral_sources(self._seen(practice), n=n)]
        return {"sources": sources, "graph_read_at": practice.read_at}

    def introductions(self, target_id: str, *, from_id: str | None, k: int, max_hops: int) -> dict[str, Any]:
        """The warmest chains to the target from one person or team member, or from every
        team member of the practice."""
        practice = self.practice_graph()
        graph = self._seen(practice, chains=True)
        visible_position(graph, target_id)
        if from_id is not None:
            visible_position(graph, from_id)
            sources = [from_id]
        else:
            team = np.flatnonzero(graph.kinds == KINDS.index(EntityKind.team_member.value))
            sources = graph.ids[team].tolist()
        paths = warm_introductions(graph, sources, target_id, k=k, max_hops=max_hops)
        # A chain through someone the caller may not see keeps its shape, that hop restricted.
        restricted = hidden_positions(graph) is not None
        return {
            "target": _ref(graph, graph.index_of(target_id)),
            "paths": [_named_path(graph, restricted_path(graph, path) if restricted else asdict(path), path.source_id)
                      for path in paths],
            "graph_read_at": practice.read_at,
        }

    def key_person_risk(self) -> dict[str, Any]:
        """Key people and bridges the caller may see, with the clients they cut off that the
        caller sees (counted, and the first 50 listed); those that cut off none of them are left out."""
        practice = self.practice_graph()
        graph = self._seen(practice)
        restricted = hidden_positions(graph) is not None
        # A restricted caller's counts are of the clients they see: every one is listed first.
        risk = key_person_risk(graph, max_listed=graph.n_entities if restricted else LISTED)
        people = [asdict(a) for a in sorted(risk.articulation_points.values(), key=lambda a: (-a.clients_cut_off, a.name))]
        bridges = [asdict(b) for b in sorted(risk.bridges, key=lambda b: -b.clients_cut_off)]
        if restricted:
            people = [seen_cut_off(graph, p) for p in people if not is_hidden(graph, p["entity_id"])]
            bridges = [seen_cut_off(graph, b) for b in bridges
                       if not is_hidden(graph, b["from_id"]) and not is_hidden(graph, b["to_id"])]
            people = sorted((p for p in people if p["clients_cut_off"]), key=lambda p: (-p["clients_cut_off"], p["name"]))
            bridges = sorted((b for b in bridges if b["clients_cut_off"]), key=lambda b: -b["clients_cut_off"])
        return {"key_people": [named_cut_off(graph, p) for p in people],
                "bridges": [named_cut_off(graph, b) for b in bridges], "graph_read_at": practice.read_at}

    def communities(self, *, resolution: float, seed: int, min_size: int) -> dict[str, Any]:
        """Communities with their first 200 members the caller may see (those with none are left out)."""
        practice = self.practice_graph()
        graph = self._seen(practice)
        found = communities(graph, seed=seed, resolution=resolution)
        counted = graph.counted_entities()
        groups = []
        for members in found.communities:
            if len(members) < min_size:
                continue
            # The size a caller sees counts the members they see.
            shown = [m for m in members if counted[graph.index_of(m)]]
            if shown:
                groups.append({"size": len(shown), "members": [_ref(graph, graph.index_of(m)) for m in shown[:200]]})
        return {"modularity": found.modularity, "communities": groups, "graph_read_at": practice.read_at}


def _ref(graph, i: int) -> dict[str, Any]:
    return {"id": graph.ids[i], "kind": KINDS[graph.kinds[i]], "name": graph.name_of(i)}


def _named_path(graph, path: dict[str, Any], source_id: str) -> dict[str, Any]:
    """An introduction chain with its source and each entity it passes named (null where restricted)."""
    return {
        **path, "source": _ref(graph, graph.index_of(source_id)),
        "entities": [None if i is None else _ref(graph, graph.index_of(i)) for i in path["entity_ids"]],
    }
