"""Betweenness: hand-checked graphs and exact agreement with networkx's sampling."""

from __future__ import annotations

import math
import random

import networkx as nx
import numpy as np
import pytest

import analytics.betweenness_centrality as bc
from analytics import betweenness
from analytics.betweenness_centrality import betweenness_array, sample_sources

BRIDGE = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "e"), ("e", "f"), ("f", "d"), ("c", "d")]


def test_two_triangles_joined_by_one_relationship(graph_of):
    # c is an inner node of the only shortest path of 6 pairs ({a, b} x {d, e, f}),
    # d likewise; normalised for 6 entities: 6 * 2 / (5 * 4) = 0.6.
    values = betweenness(graph_of(BRIDGE))
    assert values == pytest.approx({"a": 0, "b": 0, "c": 0.6, "d": 0.6, "e": 0, "f": 0})
    raw = betweenness(graph_of(BRIDGE), normalized=False)
    assert raw["c"] == pytest.approx(6.0)


def test_six_cycle(graph_of):
    # Each entity is the middle of one distance-2 pair (1) and half of two distance-3
    # pairs (0.5 + 0.5): 2 unordered pairs, normalised 2 * 2 / (5 * 4) = 0.2.
    cycle = [(str(i), str((i + 1) % 6)) for i in range(6)]
    assert betweenness(graph_of(cycle)) == pytest.approx({str(i): 0.2 for i in range(6)})


def test_elliott(elliott, undirected_of):
    ours = betweenness(elliott)
    assert max(ours, key=ours.get) == "elliott"
    assert ours["rose"] == 0.0
    assert ours == pytest.approx(nx.betweenness_centrality(undirected_of(elliott)))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [None, 1, 7, 40])
@pytest.mark.parametrize("normalized", [True, False])
def test_same_values_as_networkx(seed, k, normalized, random_graph_of, undirected_of):
    G = random_graph_of(seed, 120, 300)
    H = undirected_of(G)
    ours = betweenness(G, k=k, seed=seed, normalized=normalized)
    theirs = nx.betweenness_centrality(H, k=k, seed=seed, normalized=normalized)
    for v, value in theirs.items():
        if math.isnan(value):
            assert math.isnan(ours[v])
        else:
            assert ours[v] == pytest.approx(value, rel=1e-9, abs=1e-12)


def test_seed_forms_like_networkx(random_graph_of, undirected_of):
    G = random_graph_of(5, 80, 200)
    H = undirected_of(G)
    for make in (lambda: random.Random(9), lambda: np.random.default_rng(9)):
        ours = betweenness(G, k=10, seed=make())
        theirs = nx.betweenness_centrality(H, k=10, seed=make())
        assert ours == pytest.approx(theirs)
    random.seed(4)
    ours = betweenness(G, k=10)
    random.seed(4)
    theirs = nx.betweenness_centrality(H, k=10)
    assert ours == pytest.approx(theirs)


def test_sampling_matches_networkx_choice():
    population = [f"x{i}" for i in range(1000)]
    for k in (1, 5, 64, 999):
        picked = sample_sources(1000, k, seed=3)
        assert [population[i] for i in picked] == random.Random(3).sample(population, k)
    assert sample_sources(10, 10, seed=1) is None  # k == n means every entity, as in networkx
    with pytest.raises(ValueError):
        sample_sources(10, 11, seed=1)


@pytest.mark.parametrize("batch_size", [1, 3, 64])
def test_batches_do_not_change_the_result(batch_size, random_graph_of):
    G = random_graph_of(2, 150, 500)
    expected = betweenness_array(G, k=30, seed=1)
    assert np.allclose(betweenness_array(G, k=30, seed=1, batch_size=batch_size), expected)


def test_dense_and_thin_levels_agree(monkeypatch, random_graph_of, undirected_of):
    G = random_graph_of(8, 200, 800)
    theirs = nx.betweenness_centrality(undirected_of(G), k=20, seed=2)
    for small in (0, 10**9):  # every level through scipy, then every level through numpy
        monkeypatch.setattr(bc, "_SMALL_LEVEL", small)
        assert betweenness(G, k=20, seed=2) == pytest.approx(theirs)


def test_tiny_graphs(graph_of):
    assert betweenness(graph_of([("a", "b")])) == {"a": 0.0, "b": 0.0}
    path = betweenness(graph_of([("a", "b"), ("b", "c")]), normalized=False)
    assert path == pytest.approx({"a": 0.0, "b": 1.0, "c": 0.0})
