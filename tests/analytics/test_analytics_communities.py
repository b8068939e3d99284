"""Communities: the vectorised Louvain against networkx's Louvain."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from analytics import RelationshipGraph, communities
from analytics.community import modularity

BRIDGE = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "e"), ("e", "f"), ("f", "d"), ("c", "d")]


def test_two_triangles(graph_of):
    result = communities(graph_of(BRIDGE))
    assert result.communities == (("a", "b", "c"), ("d", "e", "f"))
    assert result.membership == {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1, "f": 1}
    # Seven ties of weight 0.3: 2 * (3/7 - (7/14)^2).
    assert result.modularity == pytest.approx(2 * (3 / 7 - 0.25))


def test_elliott(elliott):
    result = communities(elliott)
    assert [len(c) for c in result.communities] == sorted((len(c) for c in result.communities), reverse=True)
    assert sum(len(c) for c in result.communities) == 11
    # Rose and James only know the household: they share its community.
    assert result.membership["rose"] == result.membership["elliott"] == result.membership["james"]
    assert result.membership["paul"] == result.membership["parker"]


def test_isolated_entities_are_their_own_community():
    G = RelationshipGraph.from_arrays(["a", "b", "c"], np.ones(3), np.array([0]), np.array([1]), np.zeros(1),
                                      type_codes=["X"], type_categories=["other"])
    assert communities(G).communities == (("a", "b"), ("c",))
    empty = RelationshipGraph.from_arrays(["a"], np.ones(1), np.zeros(0), np.zeros(0), np.zeros(0),
                                          type_codes=["X"], type_categories=["other"])
    assert communities(empty).communities == (("a",),)


def planted(seed: int, n: int = 600, groups: int = 12, m: int = 3000) -> RelationshipGraph:
    rng = np.random.default_rng(seed)
    group = rng.integers(0, groups, n)
    src = rng.integers(0, n, m)
    members = [np.flatnonzero(group == g) for g in range(groups)]
    inside = rng.random(m) < 0.85
    dst = np.array([rng.choice(members[group[s]]) if inside[i] else rng.integers(0, n)
                    for i, s in enumerate(src)])
    return RelationshipGraph.from_arrays([f"e{i}" for i in range(n)], np.ones(n), src, dst, np.zeros(m),
                                         type_codes=["X"], type_categories=["other"],
                                         strengths=rng.uniform(0.2, 1.0, m))


@pytest.mark.parametrize("seed", range(4))
def test_as_good_as_networkx(seed):
    G = planted(seed)
    ours = communities(G, seed=seed)
    theirs = communities(G, seed=seed, method="networkx")
    assert ours.modularity >= 0.97 * theirs.modularity
    W = G.weighted_undirected_adjacency()
    labels = np.array([ours.membership[v] for v in G.ids.tolist()])
    assert ours.modularity == pytest.approx(modularity(W, labels))
    # The reported modularity is networkx's.
    H = nx.Graph()
    H.add_nodes_from(range(G.n_entities))
    coo = W.tocoo()
    H.add_weighted_edges_from((int(i), int(j), float(w)) for i, j, w in zip(coo.row, coo.col, coo.data) if i < j)
    parts = [{G.index_of(v) for v in c} for c in ours.communities]
    assert ours.modularity == pytest.approx(nx.community.modularity(H, parts, weight="weight"))


def test_resolution_and_determinism():
    G = planted(9)
    assert communities(G, seed=1).membership == communities(G, seed=1).membership
    assert len(communities(G, resolution=3.0).communities) > len(communities(G, resolution=0.3).communities)
    with pytest.raises(ValueError):
        communities(G, method="magic")
