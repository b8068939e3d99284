"""Key-person risk: articulation points, bridges and the clients cut off."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from analytics import RelationshipGraph, key_person_risk
from analytics.risk import depth_first_forest

BRIDGE = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "e"), ("e", "f"), ("f", "d"), ("c", "d")]


def test_two_triangles(graph_of):
    risk = key_person_risk(graph_of(BRIDGE))
    assert set(risk.articulation_points) == {"c", "d"}
    assert [(b.from_id, b.to_id) for b in risk.bridges] == [("c", "d")]
    assert risk.articulation_points["c"].pieces == 2


def test_cycle_has_no_weak_point(graph_of):
    risk = key_person_risk(graph_of([(str(i), str((i + 1) % 5)) for i in range(5)]))
    assert risk.articulation_points == {} and risk.bridges == ()


def test_elliott(elliott):
    risk = key_person_risk(elliott)
    assert set(risk.articulation_points) == {"elliott", "sam", "john", "parker"}
    john = risk.articulation_points["john"]
    assert john.kind == "person" and john.clients_cut_off == 1 and john.cut_off_client_ids == ("parker",)
    assert john.pieces == 2
    # Without the household node, Anna still reaches John (spouse of Jean at Smart Systems).
    household = risk.articulation_points["elliott"]
    assert household.clients_cut_off == 0 and household.pieces == 4
    assert list(risk.articulation_points)[0] == "john"  # most clients at stake first
    pairs = {frozenset((b.from_id, b.to_id)) for b in risk.bridges}
    assert pairs == {frozenset(p) for p in [("rose", "elliott"), ("james", "elliott"), ("sam", "elliott"),
                                            ("sam", "baxter"), ("john", "parker"), ("paul", "parker")]}
    referral = next(b for b in risk.bridges if b.relationship_id == "r11")
    assert referral.clients_cut_off == 1 and referral.sentence == "John Elliott is the Referrer of Parker Household"


def test_parallel_relationships_are_not_bridges():
    G = RelationshipGraph.from_arrays(["a", "b", "c"], np.ones(3), np.array([0, 0, 1]), np.array([1, 1, 2]),
                                      np.zeros(3), type_codes=["X"], type_categories=["other"])
    risk = key_person_risk(G)
    assert [(b.from_id, b.to_id) for b in risk.bridges] == [("b", "c")]
    assert set(risk.articulation_points) == {"b"}


def test_sole_adviser_cuts_off_everyone():
    # Anna is the only team member; both clients hang off her.
    G = RelationshipGraph.from_arrays(["anna", "c1", "c2", "p"], np.array([2, 0, 0, 1]),
                                      np.array([0, 0, 3]), np.array([1, 2, 2]), np.zeros(3),
                                      type_codes=["X"], type_categories=["other"])
    risk = key_person_risk(G)
    assert risk.articulation_points["anna"].clients_cut_off == 2
    assert risk.articulation_points["c2"].clients_cut_off == 0  # removing c2 cuts off no other client


def clients_reaching_a_team_member(H: nx.Graph) -> set:
    out = set()
    for component in nx.connected_components(H):
        if any(H.nodes[x]["kind"] == "team_member" for x in component):
            out |= {x for x in component if H.nodes[x]["kind"] == "client"}
    return out


@pytest.mark.parametrize("seed", range(12))
def test_matches_networkx(seed, random_graph_of, undirected_of):
    G = random_graph_of(seed, 70, 90)
    H = undirected_of(G)
    nx.set_node_attributes(H, {v: d["kind"] for v, d in G.to_networkx().nodes(data=True)}, "kind")
    M = nx.MultiGraph(G.to_networkx().to_undirected())
    M.remove_edges_from(list(nx.selfloop_edges(M)))
    risk = key_person_risk(G, max_listed=10**6)
    assert set(risk.articulation_points) == set(nx.articulation_points(H))
    assert {frozenset((b.from_id, b.to_id)) for b in risk.bridges} == {frozenset(e) for e in nx.bridges(M)}
    before = clients_reaching_a_team_member(H)
    for v, entry in risk.articulation_points.items():
        K = H.copy()
        K.remove_node(v)
        lost = before - clients_reaching_a_team_member(K) - {v}
        assert set(entry.cut_off_client_ids) == lost and entry.clients_cut_off == len(lost)
        assert entry.pieces == nx.number_connected_components(K) - nx.number_connected_components(H) + 1
    for bridge in risk.bridges:
        K = H.copy()
        K.remove_edge(bridge.from_id, bridge.to_id)
        lost = before - clients_reaching_a_team_member(K)
        assert set(bridge.cut_off_client_ids) == lost and bridge.clients_cut_off == len(lost)


def test_listing_is_capped_but_counts_are_exact():
    n = 50
    kinds = np.zeros(n)
    kinds[0] = 2  # a team member at the end of a chain of clients
    G = RelationshipGraph.from_arrays([f"e{i}" for i in range(n)], kinds, np.arange(n - 1), np.arange(1, n),
                                      np.zeros(n - 1), type_codes=["X"], type_categories=["other"])
    entry = key_person_risk(G, max_listed=5).articulation_points["e1"]
    assert entry.clients_cut_off == n - 2 and entry.cut_off_client_ids == tuple(f"e{i}" for i in range(2, 7))


@pytest.mark.slow  # a 100,000-entity chain: seconds of CPU
def test_deep_graph_needs_no_recursion():
    # A 100,000-entity chain: a recursive depth-first search would overflow the stack.
    n = 100_000
    G = RelationshipGraph.from_arrays([f"e{i}" for i in range(n)], np.ones(n), np.arange(n - 1),
                                      np.arange(1, n), np.zeros(n - 1), type_codes=["X"],
                                      type_categories=["other"])
    forest = depth_first_forest(G)
    assert forest.size[0] == n and forest.parent[n - 1] == n - 2
    risk = key_person_risk(G, max_listed=0)
    assert len(risk.articulation_points) == n - 2 and len(risk.bridges) == n - 1
