"""Warm introductions: hand-checked chains and agreement with networkx's k shortest simple paths."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from analytics import RelationshipGraph, warm_introductions
from analytics.introductions import introduction_costs


def test_elliott_chains_to_smart_systems(elliott):
    paths = warm_introductions(elliott, ["anna"], "smart", k=3)
    assert [p.entity_ids for p in paths] == [
        ("anna", "smart"),
        ("anna", "elliott", "jean", "smart"),
        ("anna", "elliott", "john", "jean", "smart"),
    ]
    assert [p.cost for p in paths] == pytest.approx([1.0, 1 + 1 / 0.9 + 1, 4.0])
    # Jean has two relationships with Smart Systems: the stronger (Primary Contact) is used.
    assert paths[1].sentence == ("Anna Shaw is the Adviser of Elliott Household; "
                                 "Jean Elliott is a Partner Contact at Elliott Household; "
                                 "Jean Elliott is a Primary Contact at Smart Systems Ltd")
    assert paths[1].relationship_ids == ("r1", "r4", "r7")
    assert paths[1].hops == 3 and paths[1].score == pytest.approx(1 / paths[1].cost)
    # One ranking: cheapest first is highest score first.
    assert [p.score for p in paths] == sorted((p.score for p in paths), reverse=True)
    assert paths[0].source_id == "anna"


def test_spec_sentence_when_the_director_tie_is_the_stronger():
    # Jean is only a director at Smart Systems here, and Anna advises only the household.
    entities = [{"id": "anna", "kind": "team_member", "name": "Anna Shaw"},
                {"id": "home", "kind": "client", "name": "Elliott Household"},
                {"id": "jean", "kind": "person", "name": "Jean Elliott"},
                {"id": "smart", "kind": "client", "name": "Smart Systems Ltd"}]
    rels = [("r1", "anna", "home", "the Adviser of", 1.0), ("r2", "jean", "home", "a Partner Contact at", 0.9),
            ("r3", "jean", "smart", "a Director at", 0.9)]
    G = RelationshipGraph.from_records(entities, [
        {"id": rid, "from_id": a, "to_id": b, "type": phrase.upper(), "category": "membership", "weight": w,
         "strength": None, "active": True, "phrase": phrase, "reverse_phrase": "has"} for rid, a, b, phrase, w in rels])
    (path,) = warm_introductions(G, None, "smart")
    assert path.sentence == ("Anna Shaw is the Adviser of Elliott Household; Jean Elliott is a Partner Contact "
                             "at Elliott Household; Jean Elliott is a Director at Smart Systems Ltd")


def test_hops_and_ended_relationships(elliott):
    # Paul is four hops from Anna: household, John, his referral, Paul's membership.
    (path,) = warm_introductions(elliott, None, "paul", k=3, max_hops=4)
    assert path.entity_ids == ("anna", "elliott", "john", "parker", "paul")
    assert path.steps[2] == "John Elliott is the Referrer of Parker Household"
    assert warm_introductions(elliott, None, "paul", max_hops=3) == []
    # The ended acquaintance between Anna and Sam is never used.
    assert all(p.hops >= 2 for p in warm_introductions(elliott, ["anna"], "sam", k=5))


def test_sources_and_target():
    G = RelationshipGraph.from_arrays(["t1", "t2", "x", "y"], np.array([2, 2, 1, 1]), np.array([0, 1, 2]),
                                      np.array([1, 2, 3]), np.zeros(3), type_codes=["X"],
                                      type_categories=["other"])
    # A chain never passes through a second source: t1 -> t2 -> x -> y is t2's chain.
    assert [p.entity_ids for p in warm_introductions(G, None, "y")] == [("t2", "x", "y")]
    assert [p.entity_ids for p in warm_introductions(G, ["t1"], "y")] == [("t1", "t2", "x", "y")]
    assert warm_introductions(G, ["y"], "y") == []  # the target is not its own source
    assert warm_introductions(G, None, "y", k=0) == []


def test_zero_weight_ties_are_not_travelled():
    G = RelationshipGraph.from_arrays(["a", "b", "c"], np.array([2, 1, 1]), np.array([0, 0, 1]),
                                      np.array([2, 1, 2]), np.array([0, 1, 1]), type_codes=["ZERO", "ONE"],
                                      type_categories=["other", "other"], type_weights=[0.0, 1.0])
    assert introduction_costs(G).tolist() == [np.inf, 1.0, 1.0]
    assert [p.entity_ids for p in warm_introductions(G, None, "c")] == [("a", "b", "c")]


def reference(G: RelationshipGraph, sources: list[int], target: int) -> nx.DiGraph:
    """The documented search space: each related pair once at its cheapest usable
    relationship, both directions, a super-source "S" feeding the sources, no way back
    into a source."""
    cost = introduction_costs(G)
    D = nx.DiGraph()
    D.add_nodes_from(range(G.n_entities))
    for e in np.flatnonzero(np.isfinite(cost)).tolist():
        u, v = int(G.src[e]), int(G.dst[e])
        for a, b in ((u, v), (v, u)):
            if not D.has_edge(a, b) or D[a][b]["cost"] > cost[e]:
                D.add_edge(a, b, cost=float(cost[e]))
    for s in sources:
        D.remove_edges_from([(x, s) for x in list(D.predecessors(s))])
        D.add_edge("S", s, cost=0.0)
    return D


@pytest.mark.parametrize("seed", range(30))
def test_matches_networkx_shortest_simple_paths(seed, random_graph_of):
    G = random_graph_of(seed, 16, 30, p_referral=0.2)
    rng = np.random.default_rng(seed)
    for target, max_hops in itertools.product(rng.choice(16, 3, replace=False).tolist(), (2, 3, 5)):
        sources = sorted(set(rng.choice(16, 4, replace=False).tolist()) - {target})
        got = warm_introductions(G, [f"e{s}" for s in sources], f"e{target}", k=3, max_hops=max_hops)
        D = reference(G, sources, target)
        expected = []
        if nx.has_path(D, "S", target):
            # networkx enumerates all simple paths by cost; keep those within max_hops.
            for path in nx.shortest_simple_paths(D, "S", target, weight="cost"):
                if len(path) - 2 <= max_hops:
                    expected.append(nx.path_weight(D, path, "cost"))
                if len(expected) == 3:
                    break
        assert [p.cost for p in got] == pytest.approx(expected)
        for p in got:
            assert p.hops <= max_hops and len(set(p.entity_ids)) == len(p.entity_ids)
            assert p.entity_ids[0] in {f"e{s}" for s in sources} and p.entity_ids[-1] == f"e{target}"
            assert p.cost == pytest.approx(nx.path_weight(D, [G.index_of(v) for v in p.entity_ids], "cost"))


@pytest.mark.parametrize("seed", range(10, 16))
def test_matches_all_simple_paths_on_denser_graphs(seed, random_graph_of):
    G = random_graph_of(seed, 40, 160)
    team = np.flatnonzero(G.kinds == 2).tolist()
    for target in range(0, 40, 7):
        sources = [s for s in team if s != target]
        got = warm_introductions(G, None, f"e{target}", k=4, max_hops=4)
        D = reference(G, sources, target)
        costs = sorted(nx.path_weight(D, p, "cost") for p in nx.all_simple_paths(D, "S", target, cutoff=5))
        assert [p.cost for p in got] == pytest.approx(costs[:4])
