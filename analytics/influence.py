"""Influence scores: one composite of centrality, referral reach and connectedness per entity."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from analytics.betweenness_centrality import betweenness_array
from analytics.degree_centrality import degree_array
from analytics.graph import KINDS, RelationshipGraph
from analytics.pagerank_centrality import pagerank_array
from analytics.referral_value import referral_reach_arrays

__all__ = [
    "PARTS",
    "DEFAULT_WEIGHTS",
    "DEFAULT_BETWEENNESS_K",
    "DEFAULT_SEED",
    "MAX_BETWEENNESS_K",
    "MAX_SEED",
    "MIN_BETWEENNESS_K",
    "InfluenceScore",
    "InfluenceScores",
    "influence_scores",
    "normalise",
]

#: Every measured part, in column order. The last three are carried for rules and
#: reports and weigh 0 by default.
PARTS: tuple[str, ...] = (
    "pagerank",
    "reach",
    "converted_reach",
    "betweenness",
    "degree",
    "referred_revenue",
    "referred_assets_under_management",
    "assets_under_management",
)

#: Sampled sources for betweenness by default (exact on a practice with fewer entities); the
#: one place it is written: the API, the CLI and the service take it from here.
DEFAULT_BETWEENNESS_K = 256
#: The sample sizes a run may ask for (the API's and the CLI's bounds).
MIN_BETWEENNESS_K, MAX_BETWEENNESS_K = 2, 100_000
#: Seeds the betweenness sample: the same seed gives the same run.
DEFAULT_SEED = 42
#: The largest seed numpy's generators take (they take 0 to 2**32 - 1).
MAX_SEED = 2**32 - 1
#: Default composite weights: PageRank 0.35, referral reach 0.30 (half all referred
#: entities, half converted clients), betweenness 0.20, degree 0.15.
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType({
    "pagerank": 0.35,
    "reach": 0.15,
    "converted_reach": 0.15,
    "betweenness": 0.20,
    "degree": 0.15,
})


def normalise(values: np.ndarray, method: str = "percentile") -> np.ndarray:
    """Map raw values to [0, 1], the lowest value to 0 and the highest to 1.

    Parameters
    ----------
    values : array of float
    method : {"percentile", "max", "log"}
        Values are first shifted so the minimum is 0 (PageRank never reaches 0). Then
        ``"percentile"``: 0 for entities at the minimum, otherwise the share of the
        entities above the minimum whose value is at most this one (ties share a
        value; robust to heavy tails: one outlier does not flatten everyone else);
        ``"max"``: divide by the maximum; ``"log"``: ``log1p(v / s) / log1p(max / s)``
        with ``s`` the median of the values above the minimum (keeps magnitudes but
        compresses the tail).

    Examples
    --------
    >>> normalise(np.array([0, 1, 1, 2, 100])).tolist()
    [0.0, 0.5, 0.5, 0.75, 1.0]
    >>> normalise(np.array([0, 1, 1, 2, 100]), "max").tolist()
    [0.0, 0.01, 0.01, 0.02, 1.0]
    """
    values = np.asarray(values, dtype=np.float64)
    if not values.size:
        return values.copy()
    shifted = values - values.min()
    top = shifted.max()
    if top <= 0:
        return np.zeros_like(shifted)
    if method == "percentile":
        positive = np.sort(shifted[shifted > 0])
        out = np.searchsorted(positive, shifted, side="right") / len(positive)
        out[shifted <= 0] = 0.0
        return out
    if method == "max":
        return shifted / top
    if method == "log":
        scale = float(np.median(shifted[shifted > 0]))
        return np.log1p(shifted / scale) / np.log1p(top / scale)
    raise ValueError(f"unknown normalisation {method!r}")


@dataclass(frozen=True, slots=True)
class InfluenceScore:
    """One entity's influence: raw parts, normalised parts and the weighted composite.

    ``raw`` and ``parts`` are keyed by the names in :data:`PARTS`; ``rank`` is 1 for the
    highest composite (ties share the better rank).
    """

    entity_id: str
    name: str
    kind: str
    raw: Mapping[str, float]
    parts: Mapping[str, float]
    composite: float
    rank: int


@dataclass(frozen=True, eq=False)
class InfluenceScores(Mapping[str, InfluenceScore]):
    """Result of :func:`influence_scores`: a read-only mapping entity id -> :class:`InfluenceScore`.

    Stored column-wise: ``raw`` and ``parts`` are ``(n_entities, len(PARTS))`` arrays,
    ``composite`` and ``rank`` per entity, in entity index order.
    """

    graph: RelationshipGraph
    raw: np.ndarray
    parts: np.ndarray
    composite: np.ndarray
    rank: np.ndarray
    weights: Mapping[str, float]
    normalisation: str

    def column(self, part: str, *, normalised: bool = True) -> np.ndarray:
        """One part for every entity (normalised, or raw)."""
        j = PARTS.index(part)
        return (self.parts if normalised else self.raw)[:, j]

    def record(self, i: int) -> InfluenceScore:
        """The score of the entity at position ``i``."""
        G = self.graph
        return InfluenceScore(
            entity_id=G.ids[i], name=G.name_of(i), kind=KINDS[G.kinds[i]],
            raw=dict(zip(PARTS, self.raw[i].tolist())), parts=dict(zip(PARTS, self.parts[i].tolist())),
            composite=float(self.composite[i]), rank=int(self.rank[i]),
        )

    def top(self, n: int = 20, *, kinds: tuple[str, ...] | None = None) -> list[InfluenceScore]:
        """The ``n`` highest composites, optionally among some entity kinds only."""
        candidates = np.arange(self.graph.n_entities)
        if kinds is not None:
            candidates = candidates[np.isin(self.graph.kinds, [KINDS.index(k) for k in kinds])]
        order = candidates[np.lexsort((candidates, -self.composite[candidates]))][:n]
        return [self.record(i) for i in order.tolist()]

    def __getitem__(self, entity_id: str) -> InfluenceScore:
        return self.record(self.graph.index_of(entity_id))

    def __iter__(self) -> Iterator[str]:
        return iter(self.graph.ids.tolist())

    def __len__(self) -> int:
        return self.graph.n_entities


def influence_scores(G: RelationshipGraph, *, weights: Mapping[str, float] | None = None,
                     betweenness_k: int | None = DEFAULT_BETWEENNESS_K, seed=DEFAULT_SEED, alpha: float = 0.85,
                     normalisation: str = "percentile", degree_weight: str | None = None,
                     pagerank_through: Sequence[str] | None = None) -> InfluenceScores:
    """Score every entity's influence from the graph, part by part and combined.

    Parts (raw): ``pagerank`` (:func:`analytics.pagerank`, referral credit flowing to
    referrers), ``reach`` and ``converted_reach`` (distinct entities and converted
    clients downstream in referral chains, :func:`analytics.referral_reach`),
    ``betweenness`` (:func:`analytics.betweenness` from ``betweenness_k`` sampled
    sources, exact when None or at least the number of entities), ``degree`` (distinct
    related entities), plus ``referred_revenue``, ``referred_assets_under_management``
    and the entity's own ``assets_under_management`` (unknown as 0).

    Each part is normalised to [0, 1] by :func:`normalise` (default ``"percentile"``:
    the share of entities with a non-minimal value that this entity equals or beats;
    0 at the minimum, 1 at the top, unmoved by heavy tails). The composite is the
    weighted mean of the normalised parts with ``weights`` (default
    :data:`DEFAULT_WEIGHTS`: pagerank 0.35, reach 0.15, converted reach 0.15,
    betweenness 0.20, degree 0.15), so it also lies in [0, 1].

    Parameters
    ----------
    G : RelationshipGraph
    weights : mapping of part name to float, optional
        Non-negative weights over :data:`PARTS`; parts left out weigh 0. They are
        divided by their sum.
    betweenness_k : int or None
        Sampled sources for betweenness (default :data:`DEFAULT_BETWEENNESS_K`).
    seed : int or None
        Seed for the betweenness sample (networkx semantics).
    alpha : float
        PageRank damping.
    normalisation : {"percentile", "max", "log"}
    degree_weight : {None, "weight"}
        None (default): ``degree`` counts distinct related entities, as breadth of
        connection; ``"weight"``: it sums type weight x strength (:func:`degree_array`).
    pagerank_through : sequence of str, optional
        Entity kinds that pass PageRank on (:func:`pagerank_walk_matrix`); None: all.
        Betweenness is always unweighted: a broker sits between people whoever they are
        and however close, and a weighted variant would read weights as distances.

    Returns
    -------
    InfluenceScores

    Examples
    --------
    Anna referred Ben and Cara and knows Dan; Ben is a converted client.

    >>> import numpy as np
    >>> from analytics.graph import RelationshipGraph
    >>> G = RelationshipGraph.from_arrays(["anna", "ben", "cara", "dan"],
    ...     np.array([1, 0, 1, 1]), np.array([0, 0, 0]), np.array([1, 2, 3]), np.array([0, 0, 1]),
    ...     type_codes=["REFERRER_OF", "ACQUAINTANCE_OF"], type_categories=["referral", "other"],
    ...     stages=np.array([-1, 0, -1, -1]), stage_labels=["client"])
    >>> scores = influence_scores(G)
    >>> best = scores.top(1)[0]
    >>> best.entity_id, best.raw["reach"], best.raw["converted_reach"], best.composite
    ('anna', 2.0, 1.0, 1.0)
    >>> scores["dan"].parts["reach"]
    0.0
    """
    weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
    unknown = set(weights) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown parts in weights: {sorted(unknown)}")
    if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise ValueError("weights must be non-negative and not all zero")
    n = G.n_entities
    reach = referral_reach_arrays(G)
    k = None if betweenness_k is None or betweenness_k >= n else betweenness_k
    raw = np.column_stack([
        pagerank_array(G, alpha=alpha, through=pagerank_through),
        reach[:, 0],
        reach[:, 1],
        betweenness_array(G, k=k, seed=seed),
        degree_array(G, weight=degree_weight).astype(np.float64),
        reach[:, 2],
        reach[:, 3],
        np.nan_to_num(G.assets_under_management, nan=0.0),
    ]) if n else np.zeros((0, len(PARTS)))
    parts = np.column_stack([normalise(raw[:, j], normalisation) for j in range(len(PARTS))]) if n else raw
    vector = np.array([weights.get(p, 0.0) for p in PARTS])
    composite = parts @ (vector / vector.sum()) if n else np.zeros(0)
    # Competition ranking: 1 + number of entities with a strictly higher composite.
    ordered = np.sort(composite)[::-1]
    rank = 1 + np.searchsorted(-ordered, -composite, side="left")
    return InfluenceScores(G, raw, parts, composite, rank.astype(np.int64),
                           MappingProxyType({p: weights.get(p, 0.0) for p in PARTS}), normalisation)
