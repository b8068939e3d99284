"""Warm introductions: the best chains of relationships from the practice to someone new."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from analytics.graph import RelationshipGraph, unique_keys
from analytics.graph_input import TEAM_MEMBER

__all__ = ["DEFAULT_K", "DEFAULT_MAX_HOPS", "IntroductionPath", "introduction_costs", "warm_introductions"]


@dataclass(frozen=True, slots=True)
class IntroductionPath:
    """One chain of relationships from a source (usually a team member) to the target.

    Attributes
    ----------
    entity_ids : tuple of str
        From the source to the target.
    relationship_ids : tuple of str
        The relationship used for each hop.
    hops : int
    cost : float
        Sum over the hops of 1 / (type weight x strength); lower is warmer.
    score : float
        ``1 / cost``, the warmth of the whole chain: chains are ranked by cost, so the higher
        score is always the better rank (one ranking). In (0, 1] for the default catalogue
        weights; 1.0 only for one full-weight, full-strength tie; each hop lowers it.
    steps : tuple of str
        Each relationship read in its stored direction ("Jean Elliott is a Director at
        Smart Systems Ltd"), whichever way the chain travels it.
    sentence : str
        The steps joined with "; ".
    """

    entity_ids: tuple[str, ...]
    relationship_ids: tuple[str, ...]
    hops: int
    cost: float
    score: float
    steps: tuple[str, ...]
    sentence: str

    @property
    def source_id(self) -> str:
        """The entity the chain starts from."""
        return self.entity_ids[0]


@dataclass(frozen=True)
class _IntroductionIndex:
    indptr: np.ndarray     # symmetric CSR over entities, one entry per related pair
    indices: np.ndarray
    cost: np.ndarray       # per entry: cost of the cheapest relationship of the pair
    relationship: np.ndarray  # per entry: that relationship's position
    degree: np.ndarray     # entries per entity: the work of expanding it


def introduction_costs(G: RelationshipGraph) -> np.ndarray:
    """Cost of travelling each relationship: 1 / (type weight x strength).

    Ended relationships, self-relationships and relationships with weight or strength 0
    get ``inf`` (they are never travelled).

    Examples
    --------
    >>> import numpy as np
    >>> from analytics.graph import RelationshipGraph
    >>> G = RelationshipGraph.from_arrays(["a", "b"], np.ones(2), np.array([0, 0, 0]),
    ...     np.array([1, 1, 1]), np.array([0, 1, 1]), type_codes=["SPOUSE_OF", "ACQUAINTANCE_OF"],
    ...     type_categories=["family", "other"], type_weights=[1.0, 0.5],
    ...     strengths=np.array([1.0, 0.5, 0.0]))
    >>> introduction_costs(G).tolist()
    [1.0, 4.0, inf]
    """
    tie = G.edge_weights("weight")
    usable = G.relationship_mask() & (tie > 0)
    cost = np.full(G.n_relationships, np.inf)
    cost[usable] = 1.0 / tie[usable]
    return cost


def _index(G: RelationshipGraph) -> _IntroductionIndex:
    def build() -> _IntroductionIndex:
        n = G.n_entities
        cost = introduction_costs(G)
        edges = np.flatnonzero(np.isfinite(cost))
        s = G.src[edges].astype(np.int64)
        d = G.dst[edges].astype(np.int64)
        keys = np.minimum(s, d) * n + np.maximum(s, d)
        # Per pair, its cheapest relationship (then the earliest stored).
        order = np.lexsort((edges, cost[edges], keys))
        keys_sorted = keys[order]
        first = np.r_[True, keys_sorted[1:] != keys_sorted[:-1]] if len(order) else np.zeros(0, bool)
        best = edges[order[first]]
        lo, hi = np.divmod(keys_sorted[first], n)
        rows = np.concatenate([lo, hi])
        cols = np.concatenate([hi, lo])
        rel = np.concatenate([best, best])
        entry_order = np.argsort(rows * n + cols, kind="stable")
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        rel = rel[entry_order]
        return _IntroductionIndex(indptr, cols[entry_order].astype(np.int32), cost[rel], rel, np.diff(indptr))

    return G.cached("introduction_index", build)


def _expand(index: _IntroductionIndex, frontier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR positions of all entries of the frontier rows, and the row of each."""
    starts = index.indptr[frontier]
    lengths = index.indptr[frontier + 1] - starts
    total = int(lengths.sum())
    owner = np.repeat(frontier, lengths)
    offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(starts, lengths) + offsets, owner


#: How many chains, and how long at most, by default.
DEFAULT_K = 3
DEFAULT_MAX_HOPS = 4


def warm_introductions(G: RelationshipGraph, source_ids: Iterable[str] | None, target_id: str, *, k: int = DEFAULT_K,
                       max_hops: int = DEFAULT_MAX_HOPS) -> list[IntroductionPath]:
    """The ``k`` warmest chains of relationships from any source to the target.

    Chains are simple paths of at most ``max_hops`` relationships over active
    relationships, travelled in either direction. Each hop costs 1 / (type weight x
    strength), so a full-strength tie of weight 1 costs 1, weaker or lower-weighted
    ties cost more, and every extra hop adds at least 1 / (largest weight): stronger,
    more heavily weighted and shorter chains come first. Relationships with weight or
    strength 0 are never travelled; between two entities joined by several
    relationships, the cheapest one is used. A chain starts at one source and never
    passes through another source (that source's own chain is the better one to
    offer); the target is removed from the sources.

    Parameters
    ----------
    G : RelationshipGraph
    source_ids : iterable of str, or None
        Where chains may start (e.g. one team member); None means every team member.
    target_id : str
        Who to be introduced to.
    k : int
        How many chains to return.
    max_hops : int
        Longest chain, in relationships.

    Returns
    -------
    list of IntroductionPath
        Cheapest first; among chains of equal cost, fewer hops first.

    Notes
    -----
    A bidirectional breadth-first search, always expanding the side whose frontier has
    fewer relationships to look at, grows a ball around the sources and one around the target until their
    depths add up to ``max_hops``; every relationship on a qualifying chain was seen by
    one of the two expansions. On that small subgraph the exact cheapest cost to the
    target within r hops is computed for r = 0..max_hops, and a best-first search over
    chain prefixes, guided by that bound, yields the simple chains in order of cost.

    Examples
    --------
    >>> import numpy as np
    >>> from analytics.graph import RelationshipGraph
    >>> G = RelationshipGraph.from_arrays(
    ...     ["anna", "home", "jean", "smart"], np.array([2, 0, 1, 0]),
    ...     np.array([0, 2, 2]), np.array([1, 1, 3]), np.array([0, 1, 2]),
    ...     type_codes=["ADVISER_OF", "PARTNER_CONTACT_AT", "DIRECTOR_AT"],
    ...     type_categories=["professional", "membership", "membership"],
    ...     type_weights=[1.0, 0.9, 0.9],
    ...     phrases=["the Adviser of", "a Partner Contact at", "a Director at"],
    ...     names=["Anna Shaw", "Elliott Household", "Jean Elliott", "Smart Systems Ltd"])
    >>> best = warm_introductions(G, None, "smart")[0]
    >>> best.sentence
    'Anna Shaw is the Adviser of Elliott Household; Jean Elliott is a Partner Contact at Elliott Household; Jean Elliott is a Director at Smart Systems Ltd'
    >>> best.hops, round(best.cost, 3)
    (3, 3.222)
    """
    if k <= 0 or max_hops <= 0:
        return []
    n = G.n_entities
    target = G.index_of(target_id)
    if source_ids is None:
        sources = np.flatnonzero(G.kinds == TEAM_MEMBER)
    else:
        sources = np.unique(G.indices_of(source_ids))
    sources = sources[sources != target]
    if not sources.size:
        return []
    index = _index(G)

    # Bidirectional breadth-first balls whose depths add up to max_hops.
    dist = {"s": np.full(n, -1, dtype=np.int32), "t": np.full(n, -1, dtype=np.int32)}
    dist["s"][sources] = 0
    dist["t"][target] = 0
    frontier = {"s": sources, "t": np.array([target])}
    depth = {"s": 0, "t": 0}
    seen_positions, seen_owners = [], []
    while depth["s"] + depth["t"] < max_hops:
        open_sides = [side for side in ("s", "t") if frontier[side].size]
        if len(open_sides) < 2:
            break  # one side has nowhere left to go: the balls can grow no further
        side = min(open_sides, key=lambda x: int(index.degree[frontier[x]].sum()))
        positions, owners = _expand(index, frontier[side])
        seen_positions.append(positions)
        seen_owners.append(owners)
        reached = index.indices[positions]
        d = dist[side]
        depth[side] += 1
        d[reached[d[reached] < 0]] = depth[side]
        frontier[side] = np.flatnonzero(d == depth[side])
    if not seen_positions:
        return []
    positions = np.concatenate(seen_positions)
    owner = np.concatenate(seen_owners).astype(np.int64)
    other = index.indices[positions].astype(np.int64)

    # Keep relationships whose two ends could lie on a chain: an entity outside a ball
    # is at least one hop beyond that ball's depth.
    def could_lie_on_chain(v: np.ndarray) -> np.ndarray:
        ds, dt = dist["s"][v], dist["t"][v]
        return (np.where(ds >= 0, ds, depth["s"] + 1) + np.where(dt >= 0, dt, depth["t"] + 1)) <= max_hops

    useful = could_lie_on_chain(owner) & could_lie_on_chain(other)
    positions, owner, other = positions[useful], owner[useful], other[useful]
    # One entry per related pair (both expansions may have seen it), local numbering.
    keys = np.minimum(owner, other) * n + np.maximum(owner, other)
    by_key = np.argsort(keys, kind="stable")
    keys_sorted = keys[by_key]
    first = by_key[np.r_[True, keys_sorted[1:] != keys_sorted[:-1]]] if len(keys) else by_key
    local_nodes, local = unique_keys(np.concatenate([owner[first], other[first]]), return_inverse=True)
    m = len(first)
    r = len(local_nodes)
    t_where = np.searchsorted(local_nodes, target)
    if t_where >= r or local_nodes[t_where] != target:
        return []
    t_local = int(t_where)
    pair_cost = index.cost[positions[first]]
    pair_rel = index.relationship[positions[first]]
    u_all = np.r_[local[:m], local[m:]]
    v_all = np.r_[local[m:], local[:m]]
    c_all = np.r_[pair_cost, pair_cost]
    rel_all = np.r_[pair_rel, pair_rel]

    # bound[h][v]: cheapest cost from v to the target within h hops (simplicity ignored).
    bound = np.full((max_hops + 1, r), np.inf)
    bound[0, t_local] = 0.0
    for h in range(1, max_hops + 1):
        bound[h] = bound[h - 1]
        np.minimum.at(bound[h], u_all, c_all + bound[h - 1][v_all])
    is_source = np.zeros(r, dtype=bool)
    is_source[np.searchsorted(local_nodes, sources[np.isin(sources, local_nodes)])] = True

    # Adjacency for the search, cheapest ties first.
    order = np.lexsort((v_all, c_all, u_all))
    v_sorted, c_sorted, rel_sorted = v_all[order], c_all[order], rel_all[order]
    ptr = np.zeros(r + 1, dtype=np.int64)
    np.cumsum(np.bincount(u_all, minlength=r), out=ptr[1:])

    # Best-first over chain prefixes, ordered by cost so far + bound on the rest: a
    # chain reaching the target is popped only when no cheaper chain can exist.
    heap: list = []
    tick = 0
    for s in np.flatnonzero(is_source & np.isfinite(bound[max_hops])).tolist():
        heap.append((float(bound[max_hops, s]), 0, tick, s, 0.0, (s,), ()))
        tick += 1
    heapq.heapify(heap)
    found: list[tuple[float, tuple[int, ...], tuple[int, ...]]] = []
    while heap and len(found) < k:
        _, hops, _, v, g, path, steps = heapq.heappop(heap)
        if v == t_local:
            found.append((g, path, steps))
            continue
        lo, hi = ptr[v], ptr[v + 1]
        nexts = v_sorted[lo:hi]
        rest = bound[max_hops - hops - 1, nexts]
        open_ = np.flatnonzero(np.isfinite(rest) & ~is_source[nexts])
        priorities = g + c_sorted[lo + open_] + rest[open_]
        for j, w, f in zip((lo + open_).tolist(), nexts[open_].tolist(), priorities.tolist()):
            if w in path:
                continue
            heapq.heappush(heap, (f, hops + 1, tick, w, g + float(c_sorted[j]), path + (w,), steps + (j,)))
            tick += 1
    return [_to_path(G, local_nodes, path, rel_sorted[list(steps)].tolist(), c_sorted[list(steps)].tolist())
            for _, path, steps in found]


def _to_path(G: RelationshipGraph, local_nodes: np.ndarray, path: tuple[int, ...], rels: list[int],
             costs: list[float]) -> IntroductionPath:
    entities = local_nodes[list(path)].tolist()
    cost = float(sum(costs))
    steps = tuple(G.sentence(e) for e in rels)
    return IntroductionPath(
        entity_ids=tuple(G.ids[i] for i in entities),
        relationship_ids=tuple(G.relationship_id(e) for e in rels),
        hops=len(rels),
        cost=cost,
        score=1.0 / cost if cost > 0 else 0.0,
        steps=steps,
        sentence="; ".join(steps),
    )
