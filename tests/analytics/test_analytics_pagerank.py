"""PageRank: referral credit flows to the referrer; agreement with networkx."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from scipy.stats import spearmanr

from analytics import RelationshipGraph, pagerank
from analytics.pagerank_centrality import pagerank_walk_matrix


def reference_digraph(G: RelationshipGraph) -> nx.DiGraph:
    """The documented walk: referral edges referred -> referrer, other categories both
    ways, weight = type weight x strength summed over parallel relationships, active
    relationships only, self-relationships left out."""
    D = nx.DiGraph()
    D.add_nodes_from(G.ids.tolist())
    for u, v, data in G.to_networkx().edges(data=True):
        if u == v:
            continue
        steps = [(v, u)] if data["category"] == "referral" else [(u, v), (v, u)]
        for a, b in steps:
            previous = D.get_edge_data(a, b, {"w": 0.0})["w"]
            D.add_edge(a, b, w=previous + data["effective_weight"])
    return D


def test_two_entities_by_hand():
    # Ben was referred by Anna: Ben's only step goes to Anna; Anna is dangling.
    # x_b = 0.85 * x_a / 2 + 0.075 and x_a + x_b = 1 give x_b = 0.5 / 1.425.
    G = RelationshipGraph.from_records(
        [{"id": "anna", "kind": "person"}, {"id": "ben", "kind": "person"}],
        [{"id": "r", "from_id": "anna", "to_id": "ben", "type": "REFERRER_OF", "category": "referral",
          "weight": 1.0, "strength": 1.0, "active": True, "phrase": "the Referrer of",
          "reverse_phrase": "was referred by"}])
    pr = pagerank(G)
    assert pr["ben"] == pytest.approx(0.5 / 1.425, abs=1e-9)
    assert pr["anna"] == pytest.approx(1 - 0.5 / 1.425, abs=1e-9)


def test_referral_credit_goes_to_the_referrer(elliott):
    pr = pagerank(elliott)
    assert sum(pr.values()) == pytest.approx(1.0)
    assert max(pr, key=pr.get) == "elliott"
    # The Parker Household passes its referral credit to John, not the other way;
    # John's other ties (household, spouse) are walked both ways.
    M = pagerank_walk_matrix(elliott)
    john, parker, jean = (elliott.index_of(v) for v in ("john", "parker", "jean"))
    assert M[parker, john] == 1.0 and M[john, parker] == 0.0
    assert M[john, jean] == M[jean, john] == 1.0
    # Jean's two relationships with Smart Systems add up: 1.0 + 0.9.
    smart = elliott.index_of("smart")
    assert M[jean, smart] == pytest.approx(1.9)


def test_ended_and_zero_weight_relationships_carry_nothing(elliott):
    pr = pagerank(elliott)
    reference = nx.pagerank(reference_digraph(elliott), weight="w", tol=1e-13, max_iter=1000)
    for entity, value in reference.items():
        assert pr[entity] == pytest.approx(value, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_matches_networkx_on_random_graphs(seed, random_graph_of):
    G = random_graph_of(seed, 400, 1600)
    pr = pagerank(G)
    reference = nx.pagerank(reference_digraph(G), weight="w", tol=1e-13, max_iter=1000)
    ids = G.ids.tolist()
    ours = np.array([pr[v] for v in ids])
    theirs = np.array([reference[v] for v in ids])
    assert np.abs(ours - theirs).max() < 1e-6
    top = set(np.argsort(-theirs)[:20].tolist())
    assert set(np.argsort(-ours)[:20].tolist()) == top
    assert spearmanr(ours, theirs).statistic >= 0.99


def test_options(random_graph_of):
    G = random_graph_of(7, 200, 700)
    D = reference_digraph(G)
    for u, v in D.edges():
        D[u][v]["one"] = 0.0
    for u, v, data in G.to_networkx().edges(data=True):
        if u != v:
            for a, b in ([(v, u)] if data["category"] == "referral" else [(u, v), (v, u)]):
                D[a][b]["one"] += 1.0
    ours = pagerank(G, weight=None, alpha=0.7)
    theirs = nx.pagerank(D, weight="one", alpha=0.7, tol=1e-13, max_iter=1000)
    assert max(abs(ours[v] - theirs[v]) for v in theirs) < 1e-8
    with pytest.raises(RuntimeError):
        pagerank(G, max_iter=1, tol=0.0)
