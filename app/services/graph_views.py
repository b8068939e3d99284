"""The practice's graph as one caller may see it, for the analytics answers: the one place
they apply the visibility rule (``RelationshipGraph.hiding``), and what an answer shows of
the entities the caller may not see (restricted steps and paths, counts of the clients they
see)."""

from __future__ import annotations

import threading
from dataclasses import asdict
from typing import Any

import numpy as np

from analytics import KINDS
from analytics.graph import RelationshipGraph
from app.domain.errors import NotFound
from app.domain.model import EntityKind
from app.repositories.visibility import VisibleEntities
from app.services.practice_graph import PracticeGraph
from app.services.visibility import Visibility

#: Kinds a restricted caller may be unable to see (the practice's directory is seen by all).
_HIDEABLE = (EntityKind.client, EntityKind.person)
#: What a client or person the caller may not see is called in sentences and names.
_UNSEEN = {"client": "a client you cannot see", "person": "a person you cannot see"}
#: Views of the graph (by visible owners, with or without chains) kept with each snapshot.
_SEEN_VIEWS = 16
_SEEN_VIEWS_LOCK = threading.Lock()
#: How many cut-off clients key-person risk lists per key person or bridge.
LISTED = 50


def hidden_positions(graph: RelationshipGraph) -> np.ndarray | None:
    """Positions of entities the reader may not see; None when they see everything."""
    return None if graph.counted is None else np.flatnonzero(~graph.counted)


def is_hidden(graph: RelationshipGraph, entity_id: str) -> bool:
    return not graph.counted_entities()[graph.index_of(entity_id)]


def restricted_step(graph: RelationshipGraph, step: dict[str, Any]) -> dict[str, Any]:
    """A referral step with an end the caller may not see: no id for it or the relationship."""
    referrer_hidden, referred_hidden = is_hidden(graph, step["referrer_id"]), is_hidden(graph, step["referred_id"])
    if not referrer_hidden and not referred_hidden:
        return step
    return {
        **step, "relationship_id": None,
        "referrer_id": None if referrer_hidden else step["referrer_id"],
        "referred_id": None if referred_hidden else step["referred_id"],
    }


def seen_cut_off(graph: RelationshipGraph, found: dict[str, Any]) -> dict[str, Any]:
    """A key person or bridge with the clients it cuts off that the caller sees, counted and
    listed (the first ``LISTED``): the count must not give away hidden clients."""
    seen = [c for c in found["cut_off_client_ids"] if not is_hidden(graph, c)]
    return {**found, "clients_cut_off": len(seen), "cut_off_client_ids": seen[:LISTED]}


def named_cut_off(graph: RelationshipGraph, found: dict[str, Any]) -> dict[str, Any]:
    """The listed cut-off clients named too (``cut_off_clients``), as the ids are listed."""
    return {**found, "cut_off_clients": [{"id": c, "name": graph.name_of(graph.index_of(c))}
                                         for c in found["cut_off_client_ids"]]}


def restricted_path(graph: RelationshipGraph, path) -> dict[str, Any]:
    """An introduction chain with each entity the caller may not see (and the relationships
    to it) left unnamed; the chain keeps its hops and cost."""
    ids = path.entity_ids
    hidden = [is_hidden(graph, i) for i in ids]
    relationship_ids = [
        None if hidden[hop] or hidden[hop + 1] else relationship_id
        for hop, relationship_id in enumerate(path.relationship_ids)
    ]
    return {
        **asdict(path), "entity_ids": [None if h else i for i, h in zip(ids, hidden, strict=True)],
        "relationship_ids": relationship_ids,
    }


def graph_seen(
    practice: PracticeGraph, visibility: Visibility, repository: VisibleEntities, *, chains: bool = False
) -> RelationshipGraph:
    """The practice's graph as the caller may see it: the one place the analytics answers
    apply the visibility rule (``RelationshipGraph.hiding``). For a restricted caller,
    each client or person they may not see is nameless ("a client you cannot see"),
    carries no figures and counts in nothing, and its relationships are left out, so no
    figure, count or ranking depends on it. With ``chains`` (referral lineage and warm
    introductions) its relationships stay: a chain may pass through it, unnamed."""
    graph = practice.graph
    owners = visibility.owners
    if owners is None:
        return graph

    def seen() -> RelationshipGraph:
        visible = repository.visible_clients_and_people(owners)
        hideable = np.isin(graph.kinds, [KINDS.index(kind.value) for kind in _HIDEABLE])
        seen_ids = np.fromiter((i in visible for i in graph.ids.tolist()), dtype=bool, count=graph.n_entities)
        hidden = np.flatnonzero(hideable & ~seen_ids)
        return graph.hiding(hidden, names=[_UNSEEN[KINDS[graph.kinds[i]]] for i in hidden.tolist()],
                            keep_relationships=chains)

    views = graph.cached("seen by", dict)
    key = (owners, chains)
    with _SEEN_VIEWS_LOCK:
        view = views.pop(key, None) or seen()
        views[key] = view  # the most recent last; the oldest goes past _SEEN_VIEWS
        while len(views) > _SEEN_VIEWS:
            views.pop(next(iter(views)))
    return view

def visible_position(graph: RelationshipGraph, entity_id: str) -> int:
    """The entity's position, if the caller may see it; otherwise answered as an unknown id."""
    try:
        position = graph.index_of(entity_id)
    except KeyError:
        position = None
    if position is None or not graph.counted_entities()[position]:
        raise NotFound(f"no entity with id '{entity_id}'")
    return position
