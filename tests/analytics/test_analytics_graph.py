"""RelationshipGraph: building from records and arrays, views, the networkx reference, degree."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from analytics import CATEGORIES, KINDS, RelationshipGraph, degree
from analytics.graph import symmetric_csr, unique_keys


def test_records_are_stored_column_wise(elliott):
    G = elliott
    assert G.n_entities == 11 and G.n_relationships == 14
    assert G.ids.tolist()[:3] == ["anna", "elliott", "smart"]
    assert KINDS[G.kinds[G.index_of("baxter")]] == "provider"
    assert G.stage_of(G.index_of("parker")) == "prospect"
    assert G.stage_of(G.index_of("john")) is None
    assert np.isnan(G.annual_revenue[G.index_of("john")])
    assert G.assets_under_management[G.index_of("smart")] == 2_000_000.0
    e = 9  # r10: Sam Baxter, solicitor, strength 0.5
    assert G.relationship_id(e) == "r10"
    assert CATEGORIES[G.categories[e]] == "professional"
    assert G.weights[e] == 0.6 and G.strengths[e] == 0.5
    assert G.strengths[0] == 1.0  # a missing strength reads as 1.0
    assert G.active.sum() == 13
    assert G.src.dtype == np.int32 and G.dst.dtype == np.int32
    assert G.sentence(6) == "Jean Elliott is a Primary Contact at Smart Systems Ltd"
    assert G.reverse_sentence(10) == "Parker Household was referred by John Elliott"
    assert G.converted_clients().sum() == 2  # Elliott Household and Smart Systems; Parker is a prospect


def test_arrays_are_read_only(elliott):
    with pytest.raises(ValueError):
        elliott.src[0] = 3


def test_from_arrays_matches_from_records(elliott):
    G = elliott
    H = RelationshipGraph.from_arrays(
        G.ids.tolist(), G.kinds, G.src, G.dst, G.types, type_codes=G.type_codes,
        type_categories=[CATEGORIES[c] for c in
                         [G.categories[np.flatnonzero(G.types == t)[0]] for t in range(len(G.type_codes))]],
        phrases=G.phrases, reverse_phrases=G.reverse_phrases, names=G.names, stages=G.stages,
        stage_labels=G.stage_labels, annual_revenue=G.annual_revenue,
        assets_under_management=G.assets_under_management, weights=G.weights, strengths=G.strengths,
        active=G.active, edge_ids=G.edge_ids)
    for field in ("kinds", "src", "dst", "types", "categories", "weights", "strengths", "active", "stages"):
        np.testing.assert_array_equal(getattr(G, field), getattr(H, field))
    assert nx.utils.edges_equal(G.to_networkx().edges(keys=True, data=True),
                                H.to_networkx().edges(keys=True, data=True))


@pytest.mark.parametrize("bad, message", [
    (([{"id": "a", "kind": "person"}, {"id": "a", "kind": "person"}], []), "duplicate"),
    (([{"id": "a", "kind": "robot"}], []), "unknown kind"),
    (([{"id": "a", "kind": "person"}], [{"id": "r", "from_id": "a", "to_id": "zz", "type": "X",
                                         "category": "other", "weight": 1, "strength": 1, "active": True,
                                         "phrase": "x", "reverse_phrase": "y"}]), "unknown entity"),
    (([{"id": "a", "kind": "person"}], [{"id": "r", "from_id": "a", "to_id": "a", "type": "X",
                                         "category": "gossip", "weight": 1, "strength": 1, "active": True,
                                         "phrase": "x", "reverse_phrase": "y"}]), "category"),
    (([{"id": "a", "kind": "person"}], [{"id": "r", "from_id": "a", "to_id": "a", "type": "X",
                                         "category": "other", "weight": -1, "strength": 1, "active": True,
                                         "phrase": "x", "reverse_phrase": "y"}]), "weights"),
    (([{"id": "a", "kind": "person"}], [{"id": "r", "from_id": "a", "to_id": "a", "type": "X",
                                         "category": "other", "weight": 1, "strength": 1.5, "active": True,
                                         "phrase": "x", "reverse_phrase": "y"}]), "strengths"),
    (([{"id": "a", "kind": "person"}], [
        {"id": "r", "from_id": "a", "to_id": "a", "type": "X", "category": "other", "weight": 1,
         "strength": 1, "active": True, "phrase": "x", "reverse_phrase": "y"},
        {"id": "s", "from_id": "a", "to_id": "a", "type": "X", "category": "family", "weight": 1,
         "strength": 1, "active": True, "phrase": "x", "reverse_phrase": "y"}]), "conflicting"),
])
def test_invalid_records_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        RelationshipGraph.from_records(*bad)


def test_empty_graph():
    G = RelationshipGraph.from_records([], [])
    assert G.n_entities == 0 and G.n_relationships == 0
    assert degree(G) == {}
    assert G.undirected_adjacency().shape == (0, 0)


def test_to_networkx_keeps_everything(elliott):
    H = elliott.to_networkx()
    assert list(H) == elliott.ids.tolist()
    assert H.number_of_edges() == 13  # the ended acquaintance is left out
    assert elliott.to_networkx(active_only=False).number_of_edges() == 14
    data = H.get_edge_data("sam", "elliott", key="r10")
    assert data["effective_weight"] == pytest.approx(0.3)
    assert data["phrase"] == "a Solicitor for" and data["category"] == "professional"
    assert H.nodes["parker"]["stage"] == "prospect"


def test_edge_weights(elliott):
    assert elliott.edge_weights()[9] == pytest.approx(0.3)
    assert elliott.edge_weights("type_weight")[9] == 0.6
    assert elliott.edge_weights("strength")[9] == 0.5
    assert elliott.edge_weights(None).tolist() == [1.0] * 14
    with pytest.raises(ValueError):
        elliott.edge_weights("colour")
    with pytest.raises(ValueError):
        elliott.edge_weights(np.ones(3))


def test_degree_counts_distinct_active_neighbours(elliott):
    d = degree(elliott)
    assert d["elliott"] == 6  # Anna, John, Jean, Rose, James, Sam
    assert d["jean"] == 3  # Elliott, Smart (two relationships, one tie), John
    assert d["sam"] == 2  # Baxter, Elliott; the ended acquaintance with Anna does not count
    assert d["anna"] == 2
    assert d["paul"] == 1


@pytest.mark.parametrize("seed", range(5))
def test_degree_and_adjacency_match_networkx(seed, random_graph_of, undirected_of):
    G = random_graph_of(seed, 150, 600)
    H = undirected_of(G)
    assert degree(G) == dict(H.degree())
    A = G.undirected_adjacency()
    assert A.nnz == 2 * H.number_of_edges()
    assert (A != A.T).nnz == 0
    W = G.weighted_undirected_adjacency()
    reference = nx.Graph()
    reference.add_nodes_from(range(G.n_entities))
    for e in np.flatnonzero(G.active & (G.src != G.dst)).tolist():
        u, v, w = int(G.src[e]), int(G.dst[e]), float(G.weights[e] * G.strengths[e])
        previous = reference.get_edge_data(u, v, {"weight": 0.0})["weight"]
        reference.add_edge(u, v, weight=previous + w)
    reference.remove_edges_from([(u, v) for u, v, w in reference.edges(data="weight") if w == 0])
    expected = nx.to_scipy_sparse_array(reference, nodelist=range(G.n_entities), weight="weight")
    assert abs(W - expected).max() < 1e-12


def test_unique_keys_and_symmetric_csr():
    keys = np.array([5, 3, 5, 9, 3, 1])
    assert unique_keys(keys).tolist() == [1, 3, 5, 9]
    values, inverse = unique_keys(keys, return_inverse=True)
    assert values[inverse].tolist() == keys.tolist()
    A = symmetric_csr(np.array([0, 1]), np.array([2, 2]), 3)
    assert A.toarray().tolist() == [[0, 0, 1], [0, 0, 1], [1, 1, 0]]
