"""Referral reach, lineage, trees and top sources, checked by hand and against networkx."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import analytics.referral_value as referral_value
from analytics import (
    RelationshipGraph,
    referral_lineage,
    referral_reach,
    referral_tree,
    top_referral_sources,
)

# anna -> ben, anna -> cara, ben -> dan, ben -> eve, cara -> eve (a diamond), dan -> finn.
TREE_ENTITIES = [
    {"id": "anna", "kind": "person", "name": "Anna"},
    {"id": "ben", "kind": "client", "stage": "client", "annual_revenue": 100.0, "assets_under_management": 1000.0},
    {"id": "cara", "kind": "client", "stage": "prospect", "annual_revenue": 50.0},
    {"id": "dan", "kind": "client", "stage": "client", "annual_revenue": 10.0, "assets_under_management": 500.0},
    {"id": "eve", "kind": "person"},
    {"id": "finn", "kind": "client", "stage": "client", "annual_revenue": 1.0},
]


def referral(rid, a, b, strength=None, active=True):
    return {"id": rid, "from_id": a, "to_id": b, "type": "REFERRER_OF", "category": "referral", "weight": 1.0,
            "strength": strength, "active": active, "phrase": "the Referrer of", "reverse_phrase": "was referred by"}


@pytest.fixture
def tree() -> RelationshipGraph:
    return RelationshipGraph.from_records(TREE_ENTITIES, [
        referral("r1", "anna", "ben"), referral("r2", "anna", "cara"), referral("r3", "ben", "dan"),
        referral("r4", "ben", "eve"), referral("r5", "cara", "eve", strength=0.4), referral("r6", "dan", "finn"),
        referral("r7", "finn", "anna", active=False),  # ended: no cycle
    ])


def test_reach_by_hand(tree):
    reach = referral_reach(tree)
    anna = reach["anna"]
    assert anna.reach == 5  # eve counts once although reached twice
    assert anna.converted_reach == 3  # ben, dan, finn
    assert anna.revenue == pytest.approx(161.0)
    assert anna.assets_under_management == pytest.approx(1500.0)
    assert reach["ben"].reach == 3 and reach["ben"].revenue == pytest.approx(11.0)
    assert reach["cara"].reach == 1 and reach["cara"].converted_reach == 0
    assert reach["finn"].reach == 0
    assert len(reach) == 6 and set(reach) == {e["id"] for e in TREE_ENTITIES}
    assert reach.reach.tolist() == [5, 3, 1, 1, 0, 0]
    within = referral_reach(tree, max_depth=2)
    assert within["anna"].reach == 4 and within["anna"].revenue == pytest.approx(160.0)
    assert referral_reach(tree, max_depth=0)["anna"].reach == 0


def test_reach_in_a_cycle_excludes_oneself():
    G = RelationshipGraph.from_records(
        [{"id": v, "kind": "client", "stage": "client", "annual_revenue": 1.0} for v in "abcd"],
        [referral("1", "a", "b"), referral("2", "b", "c"), referral("3", "c", "a"), referral("4", "c", "d"),
         referral("5", "d", "d")])
    reach = referral_reach(G)
    assert [reach[v].reach for v in "abcd"] == [3, 3, 3, 0]
    assert reach["a"].converted_reach == 3 and reach["a"].revenue == 3.0


def test_elliott_referral(elliott):
    reach = referral_reach(elliott)
    assert reach["john"].reach == 1
    assert reach["john"].converted_reach == 0  # the Parker Household is still a prospect
    assert reach["john"].assets_under_management == 300000.0
    assert sum(r.reach for r in reach.values()) == 1


def reference_digraph(G: RelationshipGraph) -> nx.DiGraph:
    D = nx.DiGraph()
    D.add_nodes_from(G.ids.tolist())
    D.add_edges_from((u, v) for u, v, data in G.to_networkx().edges(data=True)
                     if data["category"] == "referral" and u != v)
    return D


def reference_credit(H: nx.MultiDiGraph) -> dict[str, tuple[float, float, float]]:
    """Converted, revenue, assets a referral of each entity brings, from the rule's words: a
    client its own (converted at stage client); a person an equal part of each client they
    are an active member of (no shares are set here), converted if any of those is."""
    def own(x):
        d = H.nodes[x]
        if d["kind"] != "client":
            return (0.0, 0.0, 0.0)
        return (float(d["stage"] == "client"), float(np.nan_to_num(d["annual_revenue"])),
                float(np.nan_to_num(d["assets_under_management"])))
    members: dict[str, set[str]] = {}
    for u, v, data in H.edges(data=True):
        if data["category"] == "membership" and H.nodes[u]["kind"] == "person" and H.nodes[v]["kind"] == "client":
            members.setdefault(v, set()).add(u)
    credit = {x: own(x) for x in H}
    for client, people in members.items():
        converted, revenue, assets = own(client)
        for person in people:
            c, r, a = credit[person]
            credit[person] = (max(c, converted), r + revenue / len(people), a + assets / len(people))
    return credit


def check_against_networkx(G: RelationshipGraph, max_depth=None) -> None:
    D = reference_digraph(G)
    H = G.to_networkx()
    credit = reference_credit(H)
    reach = referral_reach(G, max_depth=max_depth)
    for v in D:
        if max_depth is None:
            below = nx.descendants(D, v)
        else:
            below = set(nx.single_source_shortest_path_length(D, v, cutoff=max_depth)) - {v}
        got = reach[v]
        assert got.reach == len(below), v
        assert got.converted_reach == sum(credit[x][0] for x in below)
        assert got.revenue == pytest.approx(sum(credit[x][1] for x in below))
        assert got.assets_under_management == pytest.approx(sum(credit[x][2] for x in below))


@pytest.mark.parametrize("seed", range(8))
def test_reach_matches_networkx_descendants(seed, random_graph_of):
    # Dense enough in referrals for cycles, diamonds and long chains.
    G = random_graph_of(seed, 120, 240, p_referral=0.7)
    check_against_networkx(G)


@pytest.mark.parametrize("max_depth", [1, 2, 4])
def test_depth_limited_reach_matches_networkx(max_depth, random_graph_of):
    check_against_networkx(random_graph_of(11, 100, 220, p_referral=0.7), max_depth=max_depth)


def test_diamond_heavy_dag_in_several_bitset_blocks(monkeypatch):
    # Force many bitset blocks: one 64-bit word per block.
    monkeypatch.setattr(referral_value, "_BITSET_BYTES", 8)
    rng = np.random.default_rng(3)
    n, m = 300, 1200
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = a != b
    src, dst = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
    G = RelationshipGraph.from_arrays([f"e{i}" for i in range(n)], np.zeros(n), src, dst, np.zeros(len(src)),
                                      type_codes=["REFERRER_OF"], type_categories=["referral"],
                                      stages=np.zeros(n), stage_labels=["client"],
                                      annual_revenue=rng.uniform(0, 10, n))
    check_against_networkx(G)


@pytest.mark.slow  # seconds of CPU
def test_long_chain():
    n = 20000
    G = RelationshipGraph.from_arrays([f"e{i}" for i in range(n)], np.ones(n), np.arange(n - 1), np.arange(1, n),
                                      np.zeros(n - 1), type_codes=["REFERRER_OF"], type_categories=["referral"])
    reach = referral_reach(G)
    assert reach.reach[0] == n - 1 and reach.reach[n // 2] == n - n // 2 - 1


def test_lineage(tree):
    lineage = referral_lineage(tree, "finn")
    assert [(s.referrer_id, s.referred_id) for s in lineage.chain] == [("anna", "ben"), ("ben", "dan"),
                                                                        ("dan", "finn")]
    assert lineage.sources == ("anna",)
    assert [s.depth for s in lineage.referrers] == [1, 2, 3]
    assert lineage.chain[-1].sentence == "dan is the Referrer of finn"
    # Eve was referred twice: the primary chain follows the stronger referral (Ben's).
    eve = referral_lineage(tree, "eve")
    assert [s.referrer_id for s in eve.chain] == ["anna", "ben"]
    assert {s.referrer_id for s in eve.referrers} == {"ben", "cara", "anna"}
    assert referral_lineage(tree, "anna").chain == ()
    assert len(referral_lineage(tree, "finn", max_depth=1).chain) == 1


def test_lineage_stops_at_a_cycle():
    G = RelationshipGraph.from_records([{"id": v, "kind": "person"} for v in "abc"],
                                       [referral("1", "a", "b"), referral("2", "b", "c"), referral("3", "c", "a")])
    lineage = referral_lineage(G, "c")
    assert [(s.referrer_id, s.referred_id) for s in lineage.chain] == [("c", "a"), ("a", "b"), ("b", "c")]
    assert lineage.sources == ()


def test_tree(tree):
    root = referral_tree(tree, "anna")
    assert root.downstream == 5 and root.converted == 3
    assert root.attributable_revenue == pytest.approx(161.0)
    assert root.attributable_assets_under_management == pytest.approx(1500.0)
    assert [c.entity_id for c in root.children] == ["ben", "cara"]
    ben = root.children[0]
    assert [c.entity_id for c in ben.children] == ["dan", "eve"]  # eve once, under Ben (reached first)
    assert root.children[1].children == ()
    assert ben.children[0].children[0].entity_id == "finn"
    assert not root.truncated
    shallow = referral_tree(tree, "anna", max_depth=2)
    assert shallow.downstream == 4 and shallow.truncated
    assert shallow.children[0].children[0].truncated  # Dan referred Finn, beyond depth 2
    leaf = referral_tree(tree, "finn")
    assert leaf.downstream == 0 and leaf.children == () and leaf.relationship_id is None
    assert ben.relationship_id == "r1" and ben.depth == 1 and ben.annual_revenue == 100.0


def test_top_sources(tree):
    top = top_referral_sources(tree, n=3)
    assert [(s.rank, s.entity_id) for s in top] == [(1, "anna"), (2, "ben"), (3, "dan")]
    assert top[0].value == pytest.approx(161.0 + 1500.0)
    assert top[1].value == pytest.approx(11.0 + 500.0)
    revenue_only = top_referral_sources(tree, aum_weight=0.0)
    assert [s.entity_id for s in revenue_only] == ["anna", "ben", "dan", "cara"]
    assert top_referral_sources(tree, n=0) == []
