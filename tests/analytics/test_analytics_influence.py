"""Influence scores and influencer segment suggestions."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from analytics import (
    DEFAULT_RULES,
    DEFAULT_WEIGHTS,
    PARTS,
    SegmentRule,
    betweenness,
    degree,
    influence_scores,
    pagerank,
    referral_reach,
    suggest_influencer_segments,
)
from analytics.influence import normalise


def test_normalise():
    values = np.array([3.0, 3.0, 5.0, 4.0, 1000.0])
    assert normalise(values).tolist() == [0.0, 0.0, pytest.approx(2 / 3), pytest.approx(1 / 3), 1.0]
    assert normalise(values, "max").tolist() == pytest.approx([0, 0, 2 / 997, 1 / 997, 1])
    logged = normalise(values, "log")
    assert logged[0] == 0 and logged[-1] == pytest.approx(1.0) and 0 < logged[3] < logged[2] < 1
    assert normalise(np.full(4, 7.0)).tolist() == [0.0] * 4
    with pytest.raises(ValueError):
        normalise(values, "zscore")


def test_parts_are_the_other_analytics(elliott):
    scores = influence_scores(elliott, betweenness_k=None)
    pr, bc, dg, reach = pagerank(elliott), betweenness(elliott), degree(elliott), referral_reach(elliott)
    for v in elliott.ids.tolist():
        raw = scores[v].raw
        assert raw["pagerank"] == pytest.approx(pr[v])
        assert raw["betweenness"] == pytest.approx(bc[v])
        assert raw["degree"] == dg[v]
        assert raw["reach"] == reach[v].reach and raw["converted_reach"] == reach[v].converted_reach
        assert raw["referred_assets_under_management"] == reach[v].assets_under_management
    assert scores["smart"].raw["assets_under_management"] == 2_000_000.0
    assert len(scores) == 11 and set(scores) == set(elliott.ids.tolist())


def test_composite_is_the_weighted_mean(elliott):
    scores = influence_scores(elliott)
    weights = np.array([DEFAULT_WEIGHTS.get(p, 0.0) for p in PARTS])
    assert np.allclose(scores.composite, scores.parts @ weights / weights.sum())
    assert ((scores.parts >= 0) & (scores.parts <= 1)).all()
    top = scores.top(3)
    assert top[0].entity_id == "elliott" and top[0].rank == 1
    assert [s.rank for s in top] == sorted(s.rank for s in top)
    assert scores.top(1, kinds=("person",))[0].kind == "person"
    assert scores["john"].parts["reach"] == 1.0  # John is the only referrer


def test_custom_weights(elliott):
    only_reach = influence_scores(elliott, weights={"reach": 1.0})
    assert only_reach.top(1)[0].entity_id == "john"
    assert only_reach["john"].composite == 1.0
    with pytest.raises(ValueError):
        influence_scores(elliott, weights={"charm": 1.0})
    with pytest.raises(ValueError):
        influence_scores(elliott, weights={"reach": -1.0})


def test_sampled_betweenness_is_networkx(random_graph_of, undirected_of):
    G = random_graph_of(4, 300, 900)
    scores = influence_scores(G, betweenness_k=25, seed=7)
    theirs = nx.betweenness_centrality(undirected_of(G), k=25, seed=7)
    assert scores.column("betweenness", normalised=False) == pytest.approx([theirs[v] for v in G.ids.tolist()])


def test_default_segments_on_a_larger_practice(random_graph_of):
    G = random_graph_of(1, 2000, 6000)
    scores = influence_scores(G, betweenness_k=64)
    suggestions = suggest_influencer_segments(scores)
    eligible = int(np.isin(G.kinds, [0, 1, 3]).sum())
    counts = suggestions.counts()
    assert len(suggestions) == eligible and sum(counts.values()) == eligible
    assert list(counts) == ["critical", "important", "standard", "none"]
    assert counts["critical"] == pytest.approx(0.05 * eligible, abs=2)
    assert counts["important"] == pytest.approx(0.15 * eligible, abs=3)
    critical = suggestions.in_segment("critical")
    best = suggestions[critical[0]]
    assert best.segment == "critical" and best.rule.segment == "critical"
    assert best.percentile >= 0.95
    assert best.reasons[0].measure == "percentile" and best.reasons[0].met
    assert "top 5% of influence" in best.summary
    assert any(r.measure.startswith("part:") for r in best.reasons)
    lowest = min(critical, key=lambda v: scores[v].composite)
    assert all(scores[v].composite <= scores[lowest].composite for v in suggestions.in_segment("important"))
    for v in suggestions.in_segment("standard")[:50]:
        s = suggestions[v]
        assert s.rule.match == "any"
        assert scores[v].raw["reach"] >= 1 or scores[v].raw["degree"] >= 3
    for v in suggestions.in_segment("none")[:50]:
        assert scores[v].raw["reach"] == 0 and scores[v].raw["degree"] < 3
        assert suggestions[v].rule is None and "no influencer segment" in suggestions[v].summary
    team_member = G.ids[np.flatnonzero(G.kinds == 2)[0]]
    with pytest.raises(KeyError):
        suggestions[team_member]


def test_administrator_rules(elliott):
    scores = influence_scores(elliott)
    rules = [
        SegmentRule("centre-of-influence", order=25, min_reach=1, description="refers clients"),
        SegmentRule("big-book", order=5, min_assets_under_management=1_000_000),
        *DEFAULT_RULES,
    ]
    suggestions = suggest_influencer_segments(scores, rules=rules)
    assert suggestions["smart"].segment == "big-book"
    assert suggestions["smart"].reasons[0].text == "assets under management 2,000,000 (rule: at least 1,000,000)"
    # Eleven entities, none in the top 5% (the top one beats 90% of the others).
    assert suggestions["john"].segment in {"important", "centre-of-influence"}
    assert "anna" not in suggestions  # team members are the practice, not influencers
    assert suggest_influencer_segments(scores, kinds=("team_member",)).counts()["none"] == 1


def test_rules_are_checked():
    with pytest.raises(ValueError):
        SegmentRule("empty")
    with pytest.raises(ValueError):
        SegmentRule("x", min_reach=1, match="some")
    with pytest.raises(ValueError):
        SegmentRule("none", min_reach=1)


def test_ties_never_split(graph_of):
    # A 6-cycle: everyone scores the same, so nobody beats anyone.
    G = graph_of([(str(i), str((i + 1) % 6)) for i in range(6)])
    suggestions = suggest_influencer_segments(influence_scores(G))
    assert suggestions.counts() == {"critical": 0, "important": 0, "standard": 0, "none": 6}
