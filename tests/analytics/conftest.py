"""Shared graphs for the analytics tests: the Elliott household practice, small famous
graphs, and seeded random graphs with everything awkward in them (parallel
relationships, self-relationships, ended relationships, zero weights, cycles)."""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import numpy as np
import pytest

from analytics import CATEGORIES, KINDS, RelationshipGraph

TYPES = {
    # code: (phrase, reverse phrase, category, weight)
    "ADVISER_OF": ("the Adviser of", "is advised by", "professional", 1.0),
    "PRIMARY_CONTACT_AT": ("a Primary Contact at", "has Primary Contact", "membership", 1.0),
    "PARTNER_CONTACT_AT": ("a Partner Contact at", "has Partner Contact", "membership", 0.9),
    "DEPENDANT_IN": ("a Dependant in", "has Dependant", "membership", 0.6),
    "DIRECTOR_AT": ("a Director at", "has Director", "membership", 0.9),
    "WORKS_AT": ("a Staff Member at", "has Staff Member", "professional", 0.5),
    "SOLICITOR_FOR": ("a Solicitor for", "has Solicitor", "professional", 0.6),
    "REFERRER_OF": ("the Referrer of", "was referred by", "referral", 1.0),
    "SPOUSE_OF": ("the Spouse of", "is the Spouse of", "family", 1.0),
    "ACQUAINTANCE_OF": ("an Acquaintance of", "is an Acquaintance of", "other", 0.3),
}


def relationship(rid: str, from_id: str, to_id: str, code: str, *, strength: float | None = None,
                 active: bool = True) -> dict:
    phrase, reverse, category, weight = TYPES[code]
    return {"id": rid, "from_id": from_id, "to_id": to_id, "type": code, "category": category,
            "weight": weight, "strength": strength, "active": active, "phrase": phrase,
            "reverse_phrase": reverse}


ELLIOTT_ENTITIES = [
    {"id": "anna", "kind": "team_member", "name": "Anna Shaw"},
    {"id": "elliott", "kind": "client", "name": "Elliott Household", "stage": "client",
     "annual_revenue": 12000.0, "assets_under_management": 850000.0},
    {"id": "smart", "kind": "client", "name": "Smart Systems Ltd", "stage": "client",
     "annual_revenue": 30000.0, "assets_under_management": 2000000.0},
    {"id": "john", "kind": "person", "name": "John Elliott"},
    {"id": "jean", "kind": "person", "name": "Jean Elliott"},
    {"id": "rose", "kind": "person", "name": "Rose Elliott"},
    {"id": "james", "kind": "person", "name": "James Elliott"},
    {"id": "baxter", "kind": "provider", "name": "Baxter Law LLP"},
    {"id": "sam", "kind": "person", "name": "Sam Baxter"},
    {"id": "parker", "kind": "client", "name": "Parker Household", "stage": "prospect",
     "annual_revenue": 5000.0, "assets_under_management": 300000.0},
    {"id": "paul", "kind": "person", "name": "Paul Parker"},
]

ELLIOTT_RELATIONSHIPS = [
    relationship("r1", "anna", "elliott", "ADVISER_OF"),
    relationship("r2", "anna", "smart", "ADVISER_OF"),
    relationship("r3", "john", "elliott", "PRIMARY_CONTACT_AT"),
    relationship("r4", "jean", "elliott", "PARTNER_CONTACT_AT"),
    relationship("r5", "rose", "elliott", "DEPENDANT_IN"),
    relationship("r6", "james", "elliott", "DEPENDANT_IN"),
    relationship("r7", "jean", "smart", "PRIMARY_CONTACT_AT"),
    relationship("r8", "jean", "smart", "DIRECTOR_AT"),
    relationship("r9", "sam", "baxter", "WORKS_AT"),
    relationship("r10", "sam", "elliott", "SOLICITOR_FOR", strength=0.5),
    relationship("r11", "john", "parker", "REFERRER_OF"),
    relationship("r12", "paul", "parker", "PRIMARY_CONTACT_AT"),
    relationship("r13", "john", "jean", "SPOUSE_OF"),
    relationship("r14", "anna", "sam", "ACQUAINTANCE_OF", active=False),
]


@pytest.fixture
def elliott() -> RelationshipGraph:
    """Anna Shaw advises the Elliott Household (John, Jean, Rose, James) and Smart
    Systems Ltd, where Jean is primary contact and director; Sam Baxter of Baxter Law
    is the household's solicitor; John referred the Parker Household (Paul Parker)."""
    return RelationshipGraph.from_records(ELLIOTT_ENTITIES, ELLIOTT_RELATIONSHIPS)


def simple_graph(edges: list[tuple[str, str]], *, category: str = "other", kinds: dict[str, str] | None = None
                 ) -> RelationshipGraph:
    """A graph of persons (or the given kinds) joined by one relationship type."""
    names = sorted({v for e in edges for v in e}, key=lambda v: (len(v), v))
    kinds = kinds or {}
    code = {"referral": "REFERRER_OF", "other": "ACQUAINTANCE_OF"}[category]
    return RelationshipGraph.from_records(
        [{"id": v, "kind": kinds.get(v, "person"), "name": v} for v in names],
        [relationship(f"r{i}", a, b, code) for i, (a, b) in enumerate(edges)])


@pytest.fixture
def graph_of() -> Callable[..., RelationshipGraph]:
    return simple_graph


def random_graph(seed: int, n: int, m: int, *, p_referral: float = 0.3, p_active: float = 0.9,
                 p_zero_weight: float = 0.05, loops: bool = True, parallel: bool = True) -> RelationshipGraph:
    """A seeded random practice graph with every kind, category and awkward case."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m)
    dst = rng.integers(0, n, m)
    if not loops:
        dst = np.where(src == dst, (dst + 1) % n, dst)
    if parallel and m > 4:
        src[-m // 10:] = src[: m // 10]
        dst[-m // 10:] = dst[: m // 10]
    categories = list(CATEGORIES)
    cat = np.where(rng.random(m) < p_referral, categories.index("referral"),
                   rng.choice([0, 2, 3, 4], m))
    weights = np.where(rng.random(m) < p_zero_weight, 0.0, np.round(rng.uniform(0.2, 1.0, m), 2))
    stages = rng.integers(-1, 3, n)
    return RelationshipGraph.from_arrays(
        [f"e{i}" for i in range(n)], rng.integers(0, len(KINDS), n), src, dst, cat,
        type_codes=[f"T_{c.upper()}" for c in categories], type_categories=categories,
        weights=weights, strengths=np.round(rng.uniform(0.05, 1.0, m), 2), active=rng.random(m) < p_active,
        stages=stages, stage_labels=["client", "prospect", "inactive"],
        annual_revenue=np.where(rng.random(n) < 0.3, np.nan, np.round(rng.uniform(0, 1e4, n), 2)),
        assets_under_management=np.where(rng.random(n) < 0.3, np.nan, np.round(rng.uniform(0, 1e6, n), 2)),
        names=[f"Entity {i}" for i in range(n)],
        edge_ids=[f"rel{e}" for e in range(m)],
    )


@pytest.fixture
def random_graph_of() -> Callable[..., RelationshipGraph]:
    return random_graph


def undirected_reference(G: RelationshipGraph) -> nx.Graph:
    """networkx's simple undirected graph of active relationships, entities in index order."""
    H = nx.Graph()
    H.add_nodes_from(G.to_networkx())
    H.add_edges_from((u, v) for u, v in G.to_networkx().edges() if u != v)
    return H


@pytest.fixture
def undirected_of() -> Callable[[RelationshipGraph], nx.Graph]:
    return undirected_reference
