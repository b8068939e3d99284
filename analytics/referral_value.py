"""Referral reach and value: how far each referrer's chains reach, and what they are worth.

Chains follow active referral relationships downstream (see :mod:`analytics.referrals`);
:func:`referral_reach` counts and sums what every entity's chains reach, and
:func:`top_referral_sources` ranks the referrers by it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from analytics.graph import KINDS, RelationshipGraph, csr_from_pairs, unique_keys
from analytics.referrals import AUM, CONVERTED, COUNT, REVENUE, entity_values, referral_index

__all__ = [
    "ReferralReach",
    "ReferralReachTable",
    "ReferralSource",
    "referral_reach",
    "referral_reach_arrays",
    "top_referral_sources",
]

# Upper bound on the bitset block used for diamond-shaped referral graphs.
_BITSET_BYTES = 64 * 2**20


@dataclass(frozen=True, slots=True)
class ReferralReach:
    """Downstream referral reach of one entity.

    Attributes
    ----------
    reach : int
        Distinct entities downstream in its referral chains.
    converted_reach : int
        Of those, converted clients (kind ``client`` at stage ``client``).
    revenue, assets_under_management : float
        Sums of the downstream entities' annual revenue and AUM (unknown counts as 0).
    """

    reach: int
    converted_reach: int
    revenue: float
    assets_under_management: float


@dataclass(frozen=True, eq=False)
class ReferralReachTable(Mapping[str, ReferralReach]):
    """Result of :func:`referral_reach`: a read-only mapping entity id -> :class:`ReferralReach`.

    The values are stored column-wise (arrays in entity index order: ``reach``,
    ``converted_reach``, ``revenue``, ``assets_under_management``) so that a million
    entities cost four arrays, not a million objects; records are built on access.
    """

    graph: RelationshipGraph
    reach: np.ndarray
    converted_reach: np.ndarray
    revenue: np.ndarray
    assets_under_management: np.ndarray

    def __getitem__(self, entity_id: str) -> ReferralReach:
        i = self.graph.index_of(entity_id)
        return ReferralReach(int(self.reach[i]), int(self.converted_reach[i]),
                             float(self.revenue[i]), float(self.assets_under_management[i]))

    def __iter__(self) -> Iterator[str]:
        return iter(self.graph.ids.tolist())

    def __len__(self) -> int:
        return self.graph.n_entities


@dataclass(frozen=True, slots=True)
class ReferralSource:
    """A referrer ranked by the value downstream of it, see :func:`top_referral_sources`."""

    rank: int
    entity_id: str
    name: str
    kind: str
    reach: int
    converted_reach: int
    revenue: float
    assets_under_management: float
    value: float


def _gather_ranges(ptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``ptr[r] .. ptr[r+1]-1`` for every row r, and the row each came from."""
    starts = ptr[rows]
    lengths = ptr[rows + 1] - starts
    total = int(lengths.sum())
    owner = np.repeat(np.arange(len(rows)), lengths)
    offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return starts[owner] + offsets, owner


def referral_reach_arrays(G: RelationshipGraph, *, max_depth: int | None = None) -> np.ndarray:
    """Downstream reach of every entity as an ``(n_entities, 4)`` float array.

    Columns: distinct downstream entities, converted clients among them, their revenue
    sum, their AUM sum. See :func:`referral_reach` for the definitions.
    """
    if max_depth is not None and max_depth < 0:
        raise ValueError("max_depth must be >= 0")
    key = ("referral_reach", max_depth)
    return G.cached(key, lambda: _compute_reach(G, max_depth))


def _compute_reach(G: RelationshipGraph, max_depth: int | None) -> np.ndarray:
    n = G.n_entities
    result = np.zeros((n, 4))
    index = referral_index(G)
    if len(index.edges) == 0 or max_depth == 0:
        return result
    values = entity_values(G)
    # Work on the entities that take part in referrals only: a small part of the graph.
    s = G.src[index.edges].astype(np.int64)
    d = G.dst[index.edges].astype(np.int64)
    nodes, local = unique_keys(np.concatenate([s, d]), return_inverse=True)
    ls, ld = local[: len(s)], local[len(s):]
    pairs = unique_keys(ls * len(nodes) + ld)
    ls, ld = np.divmod(pairs, len(nodes))
    local_values = values[nodes]
    if max_depth is None:
        result[nodes] = _reach_all(ls, ld, len(nodes), local_values)
    else:
        result[nodes] = _reach_within(ls, ld, len(nodes), local_values, max_depth)
    return result


def _reach_all(ls: np.ndarray, ld: np.ndarray, r: int, values: np.ndarray) -> np.ndarray:
    """Exact descendant sums over a directed graph given as distinct pairs (ls -> ld).

    Cycles: strongly connected components are condensed, every member of a component
    reaches the whole component. On the resulting DAG, each component with exactly one
    parent hangs below that parent in a forest F, and components with several parents
    ("merges") are roots of F. The descendants of c (with c) are then the disjoint union
    of c's subtree in F and the F-subtrees of every merge reachable from c, so only the
    set of reachable merges needs bitsets: O(edges x merges / 64) word operations, and
    plain subtree sums when the referral graph is a forest.
    """
    A = csr_from_pairs(ls, ld, r)
    n_comp, label = connected_components(A, directed=True, connection="strong")
    comp_values = np.zeros((n_comp, 4))
    for column in range(4):
        comp_values[:, column] = np.bincount(label, weights=values[:, column], minlength=n_comp)
    cs, cd = label[ls], label[ld]
    keep = cs != cd
    cpairs = unique_keys(cs[keep].astype(np.int64) * n_comp + cd[keep])
    cs, cd = np.divmod(cpairs, n_comp)

    # Heights (longest path to a sink), found by peeling sinks level by level.
    in_order = np.argsort(cd, kind="stable")
    in_ptr = np.zeros(n_comp + 1, dtype=np.int64)
    np.cumsum(np.bincount(cd, minlength=n_comp), out=in_ptr[1:])
    parents_by_child = cs[in_order]
    remaining = np.bincount(cs, minlength=n_comp)
    level = np.flatnonzero(remaining == 0)
    levels = []
    while level.size:
        levels.append(level)
        positions, _ = _gather_ranges(in_ptr, level)
        candidates, counts = np.unique(parents_by_child[positions], return_counts=True)
        remaining[candidates] -= counts
        level = candidates[remaining[candidates] == 0]

    in_degree = np.diff(in_ptr)
    f_parent = np.full(n_comp, -1, dtype=np.int64)
    single = in_degree[cd] == 1
    f_parent[cd[single]] = cs[single]
    subtree = comp_values.copy()
    # Ascending height: a node's F-children all sit on lower levels, so its sum is
    # complete before it is pushed to its own F-parent.
    for level in levels:
        pushing = level[f_parent[level] >= 0]
        np.add.at(subtree, f_parent[pushing], subtree[pushing])
    total = subtree.copy()

    merges = np.flatnonzero(in_degree >= 2)
    if merges.size:
        total += _merge_sums(cs, cd, n_comp, levels, merges, subtree)
    return total[label] - values


def _merge_sums(cs: np.ndarray, cd: np.ndarray, n_comp: int, levels: list[np.ndarray],
                merges: np.ndarray, subtree: np.ndarray) -> np.ndarray:
    """For every component, the summed F-subtree values of the merges it reaches."""
    out_order = np.argsort(cs, kind="stable")
    out_ptr = np.zeros(n_comp + 1, dtype=np.int64)
    np.cumsum(np.bincount(cs, minlength=n_comp), out=out_ptr[1:])
    children = cd[out_order]
    merge_pos = np.full(n_comp, -1, dtype=np.int64)
    merge_pos[merges] = np.arange(len(merges))
    words = int(max(1, min(-(-len(merges) // 64), _BITSET_BYTES // (8 * n_comp))))
    block = 64 * words
    # bit_table[b, t] = 1 when bit t of byte value b is set.
    bit_table = ((np.arange(256)[:, None] >> np.arange(8)) & 1).astype(np.float64)
    sums = np.zeros((n_comp, 4))
    out_degree = np.diff(out_ptr)
    inner_levels = [level[out_degree[level] > 0] for level in levels[1:]]
    for first in range(0, len(merges), block):
        last = min(first + block, len(merges))
        bits = np.zeros((n_comp, words), dtype=np.uint64)
        for level in inner_levels:
            if not level.size:
                continue
            positions, owner = _gather_ranges(out_ptr, level)
            child = children[positions]
            child_bits = bits[child]
            q = merge_pos[child] - first
            own = (q >= 0) & (q < last - first)
            rows = np.flatnonzero(own)
            child_bits[rows, q[own] // 64] |= np.left_shift(np.uint64(1), (q[own] % 64).astype(np.uint64))
            starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
            bits[level] = np.bitwise_or.reduceat(child_bits, starts, axis=0)
        holders = np.flatnonzero(bits.any(axis=1))
        if not holders.size:
            continue
        # Sum values over set bits byte by byte: table[j][b] = values of byte j's merges.
        byte_values = np.zeros((words * 8 * 8, 4))
        byte_values[: last - first] = subtree[merges[first:last]]
        tables = np.einsum("bt,jtk->jbk", bit_table, byte_values.reshape(words * 8, 8, 4))
        held = bits[holders].astype("<u8", copy=False).view(np.uint8)  # merge q: byte q//8, bit q%8
        acc = np.zeros((len(holders), 4))
        for j in np.flatnonzero(held.any(axis=0)):
            acc += tables[j][held[:, j]]
        sums[holders] += acc
    return sums


def _reach_within(ls: np.ndarray, ld: np.ndarray, r: int, values: np.ndarray, max_depth: int) -> np.ndarray:
    """Descendant sums within ``max_depth`` referral steps, by sparse frontier expansion
    in row blocks (cost grows with the number of (referrer, reached) pairs)."""
    A = csr_from_pairs(ls, ld, r)
    out = np.zeros((r, 4))
    block = 1 << 16
    for first in range(0, r, block):
        last = min(first + block, r)
        reached = A[first:last].astype(bool)
        frontier = reached
        for _ in range(max_depth - 1):
            step = (frontier.astype(np.float64) @ A).astype(bool)
            new = step > reached
            if new.nnz == 0:
                break
            reached = reached + new
            frontier = new
        reached = reached.tocoo()
        # An entity never counts as its own descendant, even around a cycle.
        keep = reached.row + first != reached.col
        rows, cols = reached.row[keep], reached.col[keep]
        counted = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(last - first, r))
        out[first:last] = counted @ values
    return out


def referral_reach(G: RelationshipGraph, *, max_depth: int | None = None) -> ReferralReachTable:
    """How far each entity's referral chains reach, and what they are worth.

    For every entity: the distinct entities downstream of it along active referral
    relationships (referrer -> referred, followed transitively), how many of those are
    converted clients (kind ``client`` at stage ``client``), and the sums of their
    annual revenue and assets under management (unknown values count as 0). An entity
    is never its own descendant, even when a referral cycle leads back to it; someone
    reached along two paths counts once.

    Parameters
    ----------
    G : RelationshipGraph
    max_depth : int, optional
        Count only entities at most this many referral steps away (1 = referred
        directly). Default: no limit.

    Returns
    -------
    ReferralReachTable
        Mapping entity id -> :class:`ReferralReach`, with the columns as arrays.

    Notes
    -----
    Without ``max_depth`` the computation condenses referral cycles and sums over the
    resulting DAG exactly (see ``_reach_all``): linear for a referral forest. With
    ``max_depth`` it expands frontiers with sparse products, proportional to the number
    of (referrer, reached entity) pairs.

    Examples
    --------
    Anna referred Ben and Cara; Ben referred Dan (a converted client); Cara also
    referred Dan.

    >>> import numpy as np
    >>> from analytics.graph import RelationshipGraph
    >>> G = RelationshipGraph.from_arrays(["anna", "ben", "cara", "dan"],
    ...     np.array([1, 0, 0, 0]), np.array([0, 0, 1, 2]), np.array([1, 2, 3, 3]),
    ...     np.zeros(4), type_codes=["REFERRER_OF"], type_categories=["referral"],
    ...     stages=np.array([-1, -1, -1, 0]), stage_labels=["client"],
    ...     annual_revenue=np.array([np.nan, 100.0, 50.0, 1000.0]))
    >>> r = referral_reach(G)
    >>> r["anna"]
    ReferralReach(reach=3, converted_reach=1, revenue=1150.0, assets_under_management=0.0)
    >>> r["ben"].reach, referral_reach(G, max_depth=1)["anna"].reach
    (1, 2)
    """
    table = referral_reach_arrays(G, max_depth=max_depth)
    return ReferralReachTable(
        G,
        np.rint(table[:, COUNT]).astype(np.int64),
        np.rint(table[:, CONVERTED]).astype(np.int64),
        table[:, REVENUE].copy(),
        table[:, AUM].copy(),
    )


def top_referral_sources(G: RelationshipGraph, *, n: int = 20, aum_weight: float = 1.0) -> list[ReferralSource]:
    """The referrers with the most value downstream of them.

    Value = downstream annual revenue + ``aum_weight`` x downstream assets under
    management, over everyone reached along active referral chains (see
    :func:`referral_reach`). With the default ``aum_weight=1.0`` AUM dominates; a
    practice charging, say, 1% a year on assets can pass ``aum_weight=0.01`` to compare
    both in revenue terms. Ties are broken by reach, then converted reach, then id.
    Only entities that referred someone are listed, and none that :meth:`RelationshipGraph.hiding`
    hides.

    Parameters
    ----------
    G : RelationshipGraph
    n : int
        How many to return (default 20).
    aum_weight : float
        Weight of downstream AUM in the value.

    Returns
    -------
    list of ReferralSource
        Best first, ``rank`` starting at 1.

    Examples
    --------
    >>> import numpy as np
    >>> from analytics.graph import RelationshipGraph
    >>> G = RelationshipGraph.from_arrays(["anna", "ben", "cara", "dan"], np.array([1, 0, 1, 0]),
    ...     np.array([0, 1, 2]), np.array([1, 2, 3]), np.zeros(3),
    ...     type_codes=["REFERRER_OF"], type_categories=["referral"],
    ...     assets_under_management=np.array([0.0, 10.0, 0.0, 500.0]))
    >>> [(s.rank, s.entity_id, s.reach, s.value) for s in top_referral_sources(G, n=2)]
    [(1, 'anna', 3, 510.0), (2, 'ben', 2, 500.0)]
    """
    table = referral_reach_arrays(G)
    value = table[:, REVENUE] + aum_weight * table[:, AUM]
    candidates = np.flatnonzero((table[:, COUNT] > 0) & G.counted_entities())
    if not candidates.size or n <= 0:
        return []
    ids = G.ids[candidates].astype(str)
    order = np.lexsort((ids, -table[candidates, CONVERTED], -table[candidates, COUNT], -value[candidates]))
    out = []
    for rank, i in enumerate(candidates[order[:n]].tolist(), start=1):
        out.append(ReferralSource(
            rank=rank, entity_id=G.ids[i], name=G.name_of(i), kind=KINDS[G.kinds[i]],
            reach=int(round(table[i, COUNT])), converted_reach=int(round(table[i, CONVERTED])),
            revenue=float(table[i, REVENUE]), assets_under_management=float(table[i, AUM]),
            value=float(value[i]),
        ))
    return out
