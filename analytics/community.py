"""Communities: groups of entities more tightly related to each other than to the rest."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

from analytics.graph import RelationshipGraph

__all__ = ["DEFAULT_RESOLUTION", "DEFAULT_SEED", "Communities", "communities", "community_labels", "modularity"]


@dataclass(frozen=True, slots=True)
class Communities:
    """Result of :func:`communities`.

    Attributes
    ----------
    communities : tuple of tuple of str
        Entity ids per community, largest community first (ids in index order).
    membership : dict
        Entity id -> position of its community in ``communities``.
    modularity : float
        Modularity of the partition (with the resolution used).
    """

    communities: tuple[tuple[str, ...], ...]
    membership: dict[str, int]
    modularity: float


#: Louvain's defaults: the resolution (above 1: smaller communities) and the seed of its order.
DEFAULT_RESOLUTION = 1.0
DEFAULT_SEED = 42


def modularity(W: sp.csr_array, labels: np.ndarray, resolution: float = DEFAULT_RESOLUTION) -> float:
    """Modularity of a partition of a symmetric weighted adjacency, as networkx defines it.

    ``W[i, i]`` holds twice the weight of a self-relationship (so row sums are degrees);
    the adjacency built by :meth:`RelationshipGraph.weighted_undirected_adjacency` has
    no diagonal.

    Examples
    --------
    >>> import scipy.sparse as sp, numpy as np
    >>> W = sp.csr_array(np.array([[0., 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]]))
    >>> modularity(W, np.array([0, 0, 1, 1]))
    0.5
    """
    W = sp.csr_array(W)
    two_m = W.sum()
    if two_m == 0:
        return 0.0
    rows = np.repeat(np.arange(W.shape[0]), np.diff(W.indptr))
    inside = W.data[labels[rows] == labels[W.indices]].sum()
    totals = np.bincount(labels, weights=np.asarray(W.sum(axis=1)).ravel())
    return float(inside / two_m - resolution * np.square(totals / two_m).sum())


def community_labels(W: sp.csr_array, *, resolution: float = DEFAULT_RESOLUTION, seed=DEFAULT_SEED, threshold: float = 1e-7,
                     max_sweeps: int = 100) -> np.ndarray:
    """Louvain labels (0..C-1) for a symmetric weighted adjacency, vectorised.

    Each sweep scores every entity's move to every neighbouring community at once
    (one sparse product gives the weight from each entity to each community) and moves
    a random half of the entities that gain (of two singletons that would swap, only
    one moves); a sweep that lowers modularity is undone and retried with fewer movers.
    A level ends when a sweep adds less than ``threshold`` or less than a thousandth of
    what the level has gained; if the level gained more than ``threshold``, communities
    are merged into single nodes (``P.T @ W @ P``) and the next level starts, as in
    Louvain. ``seed`` seeds the numpy generator choosing the movers.
    """
    rng = np.random.default_rng(seed)
    W = sp.csr_array(W, dtype=np.float64)
    n = W.shape[0]
    membership = np.arange(n)
    two_m = float(W.sum())
    if n == 0 or two_m == 0:
        return membership
    while True:
        labels, improved = _local_moving(W, resolution, two_m, rng, threshold, max_sweeps)
        if not improved:
            break
        labels = _consecutive(labels)
        membership = labels[membership]
        size = int(labels.max()) + 1
        # Each community becomes one node; its diagonal keeps twice the inside weight.
        P = sp.csr_array((np.ones(len(labels)), labels, np.arange(len(labels) + 1)), shape=(len(labels), size))
        W = (P.T @ W @ P).tocsr()
    return _consecutive(membership)


def _consecutive(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 0..C-1 in the order of their values (labels are < len(labels))."""
    present = np.bincount(labels, minlength=len(labels)) > 0
    return (np.cumsum(present) - 1)[labels]


def _local_moving(W: sp.csr_array, resolution: float, two_m: float, rng: np.random.Generator,
                  threshold: float, max_sweeps: int) -> tuple[np.ndarray, bool]:
    n = W.shape[0]
    degree = np.asarray(W.sum(axis=1)).ravel()
    off = W.copy()
    off.setdiag(0)
    off.eliminate_zeros()
    community = np.arange(n)
    totals = degree.copy()
    w_rows = np.repeat(np.arange(n), np.diff(W.indptr))

    def quality_of(labels: np.ndarray, community_totals: np.ndarray) -> float:
        inside = W.data[labels[w_rows] == labels[W.indices]].sum()
        return float(inside / two_m - resolution * np.square(community_totals / two_m).sum())

    quality = quality_of(community, totals)
    start_quality = quality
    share = 0.5
    scale = resolution / two_m
    for _ in range(max_sweeps):
        # K[i, c]: weight from entity i to community c (i's own loop excluded).
        membership = sp.csr_array((np.ones(n), community, np.arange(n + 1)), shape=(n, n))
        K = (off @ membership).tocsr()
        k_rows = np.repeat(np.arange(n), np.diff(K.indptr))
        own = community[k_rows] == K.indices
        to_own = np.zeros(n)
        to_own[k_rows[own]] = K.data[own]
        stay = to_own - scale * degree * (totals[community] - degree)
        gain = K.data - scale * degree[k_rows] * totals[K.indices]
        gain[own] = -np.inf
        has = np.flatnonzero(np.diff(K.indptr) > 0)
        if not has.size:
            break
        best = np.full(n, -np.inf)
        best[has] = np.maximum.reduceat(gain, K.indptr[has])
        wants = best > stay + 1e-12
        # The target: the first community in the row reaching the best gain.
        hit = gain == best[k_rows]
        first_hit = np.full(n, -1)
        hit_rows = k_rows[hit][::-1]
        first_hit[hit_rows] = K.indices[hit][::-1]
        # Two singletons would swap places forever: only the higher label moves.
        sizes = np.bincount(community, minlength=n)
        swap = (sizes[community] == 1) & (sizes[np.maximum(first_hit, 0)] == 1) & (first_hit > community)
        movers = np.flatnonzero(wants & ~swap & (rng.random(n) < share))
        if not movers.size:
            if not np.any(wants & ~swap):
                break
            continue
        previous = community.copy()
        community[movers] = first_hit[movers]
        totals = np.bincount(community, weights=degree, minlength=n)
        new_quality = quality_of(community, totals)
        if new_quality < quality:
            community = previous
            totals = np.bincount(community, weights=degree, minlength=n)
            share /= 2
            if share < 1e-3:
                break
            continue
        gained = new_quality - quality
        quality = new_quality
        # The last sweeps move a handful of entities for tiny gains; on a large level
        # each sweep costs a full sparse product, so stop once a sweep adds less than
        # a thousandth of what this level has gained (or less than ``threshold``).
        if gained <= max(threshold, 1e-3 * (quality - start_quality)):
            break
    return community, quality - start_quality > threshold


def communities(G: RelationshipGraph, *, seed=DEFAULT_SEED, resolution: float = DEFAULT_RESOLUTION, weight: str | np.ndarray | None = "weight",
                threshold: float = 1e-7, method: str = "fast") -> Communities:
    """Louvain communities of the weighted undirected graph of active relationships.

    The graph: one tie per related pair of entities, whose weight is the sum of type
    weight x strength over the active relationships joining them (either direction);
    self-relationships and zero-weight ties are left out. Entities without ties form
    their own single-entity communities.

    Parameters
    ----------
    G : RelationshipGraph
    seed : int
        Seeds the random choices; the same seed gives the same communities.
    resolution : float
        Above 1 favours smaller communities, below 1 larger ones.
    weight : {"weight", "type_weight", "strength", None} or array
    threshold : float
        A level stops when modularity improves by no more than this.
    method : {"fast", "networkx"}
        ``"fast"``: the vectorised Louvain of :func:`community_labels` (the same
        objective, not the same random order as networkx, so partitions can differ);
        ``"networkx"``: ``networkx.community.louvain_communities`` on the same graph.

    Returns
    -------
    Communities

    Examples
    --------
    Two households, each a triangle, linked by one weak acquaintance.

    >>> import numpy as np
    >>> from analytics.graph import RelationshipGraph
    >>> G = RelationshipGraph.from_arrays(list("abcdef"), np.ones(6),
    ...     np.array([0, 1, 2, 3, 4, 5, 2]), np.array([1, 2, 0, 4, 5, 3, 3]),
    ...     np.array([0, 0, 0, 0, 0, 0, 1]), type_codes=["SPOUSE_OF", "ACQUAINTANCE_OF"],
    ...     type_categories=["family", "other"], type_weights=[1.0, 0.3])
    >>> result = communities(G)
    >>> result.communities
    (('a', 'b', 'c'), ('d', 'e', 'f'))
    >>> round(result.modularity, 3)
    0.452
    """
    W = G.weighted_undirected_adjacency(weight)
    n = G.n_entities
    if method == "fast":
        labels = community_labels(W, resolution=resolution, seed=seed, threshold=threshold)
    elif method == "networkx":
        H = nx.Graph()
        H.add_nodes_from(range(n))
        coo = sp.triu(W, k=1).tocoo()
        H.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()))
        labels = np.empty(n, dtype=np.int64)
        for c, members in enumerate(nx.community.louvain_communities(
                H, weight="weight", resolution=resolution, threshold=threshold, seed=seed)):
            labels[list(members)] = c
    else:
        raise ValueError(f"unknown method {method!r}")
    return _result(G, W, labels, resolution)


def _result(G: RelationshipGraph, W: sp.csr_array, labels: np.ndarray, resolution: float) -> Communities:
    n = G.n_entities
    if n == 0:
        return Communities((), {}, 0.0)
    sizes = np.bincount(labels)
    # Largest first; equal sizes by their first entity, so the numbering is stable.
    first_member = np.full(len(sizes), n)
    np.minimum.at(first_member, labels, np.arange(n))
    rank = np.empty(len(sizes), dtype=np.int64)
    rank[np.lexsort((first_member, -sizes))] = np.arange(len(sizes))
    ranked = rank[labels]
    order = np.argsort(ranked, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(ranked, minlength=len(sizes)))])
    ids = G.ids[order].tolist()
    groups = tuple(tuple(ids[bounds[c]: bounds[c + 1]]) for c in range(len(sizes)))
    return Communities(groups, dict(zip(G.ids.tolist(), ranked.tolist())),
                       modularity(W, ranked, resolution))
