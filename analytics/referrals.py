"""Referral chains: who brought whom, how far each referrer's chains reach, and their value.

A referral is an active relationship of category ``referral`` stored from the referrer to
the referred entity ("Anna is the Referrer of Ben"). Chains follow those relationships
transitively; the referral graph is mostly a forest, but the functions here are exact on
any directed graph, including diamonds (someone referred by two people) and cycles.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from analytics.graph import CLIENT, KINDS, MEMBERSHIP, PERSON, REFERRAL, RelationshipGraph, csr_from_pairs, unique_keys

__all__ = [
    "ReferralReach",
    "ReferralReachTable",
    "ReferralStep",
    "ReferralLineage",
    "ReferralTreeNode",
    "ReferralSource",
    "referral_credit",
    "referral_reach",
    "referral_reach_arrays",
    "referral_lineage",
    "referral_tree",
    "top_referral_sources",
]

# Columns of the per-entity value matrix summed along chains.
_COUNT, _CONVERTED, _REVENUE, _AUM = range(4)
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
class ReferralStep:
    """One referral in a chain: ``referrer`` is the referrer of ``referred``."""

    referrer_id: str
    referred_id: str
    relationship_id: str
    depth: int
    sentence: str


@dataclass(frozen=True, slots=True)
class ReferralLineage:
    """Where an entity came from, see :func:`referral_lineage`.

    Attributes
    ----------
    entity_id : str
    chain : tuple of ReferralStep
        The primary chain, from the original source down to the entity.
    referrers : tuple of ReferralStep
        Every upstream referral, breadth first (``depth`` 1 = referred the entity).
    sources : tuple of str
        Upstream referrers nobody referred: the original sources.
    """

    entity_id: str
    chain: tuple[ReferralStep, ...]
    referrers: tuple[ReferralStep, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReferralTreeNode:
    """One entity in a downstream referral tree, see :func:`referral_tree`.

    ``downstream``, ``converted``, ``attributable_revenue`` and
    ``attributable_assets_under_management`` count and sum the entity's descendants
    shown in the tree (not the entity itself); ``converted_client``, ``annual_revenue`` and
    ``assets_under_management`` are what a referral of the entity itself is credited with
    (:func:`referral_credit`: for a person, a share of their clients'); ``truncated`` says
    that some shown descendant (or the entity) referred further entities beyond ``max_depth``.
    """

    entity_id: str
    name: str
    kind: str
    stage: str | None
    depth: int
    relationship_id: str | None
    annual_revenue: float
    assets_under_management: float
    downstream: int
    converted: int
    attributable_revenue: float
    attributable_assets_under_management: float
    truncated: bool
    children: tuple[ReferralTreeNode, ...]
    converted_client: bool = False


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


# ---------------------------------------------------------------------- shared structure
@dataclass(frozen=True)
class _ReferralIndex:
    edges: np.ndarray      # active referral relationship positions (no self-referrals)
    out_ptr: np.ndarray    # CSR by referrer over out_edges
    out_edges: np.ndarray
    in_ptr: np.ndarray     # CSR by referred entity over in_edges
    in_edges: np.ndarray


def _referral_index(G: RelationshipGraph) -> _ReferralIndex:
    def build() -> _ReferralIndex:
        edges = np.flatnonzero(G.relationship_mask() & (G.categories == REFERRAL))
        n = G.n_entities
        out_edges = edges[np.argsort(G.src[edges], kind="stable")]
        in_edges = edges[np.argsort(G.dst[edges], kind="stable")]
        out_ptr = np.zeros(n + 1, dtype=np.int64)
        in_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(G.src[edges], minlength=n), out=out_ptr[1:])
        np.cumsum(np.bincount(G.dst[edges], minlength=n), out=in_ptr[1:])
        return _ReferralIndex(edges, out_ptr, out_edges, in_ptr, in_edges)

    return G.cached("referral_index", build)


def referral_credit(G: RelationshipGraph) -> np.ndarray:
    """What a referral of each entity is credited with: the one definition of "a referral
    converted" and of the revenue and assets attributable to it.

    A referred **client** converted when it is at stage ``client``; its own revenue and
    assets are attributable. A referred **person** converted when they are an active member
    (a membership relationship, either role) of a client at stage ``client``; attributable
    to them is each of their clients' revenue and assets times their share of that client:
    the membership's ``share`` where the practice set one, otherwise an equal part of what
    the set shares leave (two members, none set: half each). A person in two clients (a
    household and a business) brings a part of each. Other entities bring nothing. Hidden
    entities (:meth:`RelationshipGraph.hiding`) are never credited and credit nothing.

    Returns
    -------
    numpy.ndarray, shape (n_entities, 3)
        Converted (1.0 or 0.0), attributable revenue, attributable assets (unknown as 0).

    Examples
    --------
    Tom referred Nora; Nora is the primary contact of Fox Household (a client, revenue 5,000),
    which she shares with Ned (share 0.25 set on Ned's membership).

    >>> import numpy as np
    >>> from analytics.graph import RelationshipGraph
    >>> G = RelationshipGraph.from_arrays(["tom", "nora", "fox", "ned"], np.array([1, 1, 0, 1]),
    ...     np.array([0, 1, 3]), np.array([1, 2, 2]), np.array([0, 1, 1]),
    ...     type_codes=["REFERRER_OF", "PRIMARY_CONTACT_AT"], type_categories=["referral", "membership"],
    ...     stages=np.array([-1, -1, 0, -1]), stage_labels=["client"],
    ...     annual_revenue=np.array([np.nan, np.nan, 5000.0, np.nan]), shares=np.array([np.nan, np.nan, 0.25]))
    >>> referral_credit(G).tolist()
    [[0.0, 0.0, 0.0], [1.0, 3750.0, 0.0], [1.0, 5000.0, 0.0], [1.0, 1250.0, 0.0]]
    """
    return G.cached("referral_credit", lambda: _referral_credit(G))


def _referral_credit(G: RelationshipGraph) -> np.ndarray:
    n = G.n_entities
    counted = G.counted_entities()
    credit = np.zeros((n, 3))
    clients = (G.kinds == CLIENT) & counted
    converted = G.converted_clients() & counted
    revenue = np.nan_to_num(G.annual_revenue, nan=0.0)
    assets = np.nan_to_num(G.assets_under_management, nan=0.0)
    credit[:, 0] = converted
    credit[clients, 1] = revenue[clients]
    credit[clients, 2] = assets[clients]
    # Memberships: person -> client, active, both counted; one per (person, client) pair.
    m = np.flatnonzero(G.relationship_mask() & (G.categories == MEMBERSHIP) & (G.kinds[G.src] == PERSON)
                       & clients[G.dst] & counted[G.src])
    if not m.size:
        return credit
    person, client = G.src[m].astype(np.int64), G.dst[m].astype(np.int64)
    set_share = np.full(m.size, np.nan) if G.shares is None else G.shares[m]
    pairs, inverse = unique_keys(person * n + client, return_inverse=True)
    # A pair's share: the sum of those set on its memberships (at most 1); NaN where none is.
    any_set = np.bincount(inverse, weights=~np.isnan(set_share), minlength=pairs.size) > 0
    share = np.where(any_set, np.minimum(1.0, np.bincount(inverse, weights=np.nan_to_num(set_share), minlength=pairs.size)), np.nan)
    person, client = pairs // n, pairs % n
    unset = np.isnan(share)
    left = np.maximum(0.0, 1.0 - np.bincount(client, weights=np.nan_to_num(share), minlength=n))
    unset_members = np.bincount(client, weights=unset, minlength=n)
    share = np.where(unset, left[client] / np.maximum(unset_members[client], 1), share)
    np.maximum.at(credit[:, 0], person, converted[client].astype(np.float64))
    np.add.at(credit[:, 1], person, share * revenue[client])
    np.add.at(credit[:, 2], person, share * assets[client])
    return credit


def _entity_values(G: RelationshipGraph) -> np.ndarray:
    """(n, 4) float matrix: counted (1, or 0 for a hidden entity), and what a referral of the
    entity is credited with: converted, revenue, AUM (:func:`referral_credit`)."""
    values = np.empty((G.n_entities, 4))
    values[:, _COUNT] = G.counted_entities()
    values[:, _CONVERTED:] = referral_credit(G)
    return values


def _gather_ranges(ptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``ptr[r] .. ptr[r+1]-1`` for every row r, and the row each came from."""
    starts = ptr[rows]
    lengths = ptr[rows + 1] - starts
    total = int(lengths.sum())
    owner = np.repeat(np.arange(len(rows)), lengths)
    offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return starts[owner] + offsets, owner


# ---------------------------------------------------------------------- reach
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
    index = _referral_index(G)
    if len(index.edges) == 0 or max_depth == 0:
        return result
    values = _entity_values(G)
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
        np.rint(table[:, _COUNT]).astype(np.int64),
        np.rint(table[:, _CONVERTED]).astype(np.int64),
        table[:, _REVENUE].copy(),
        table[:, _AUM].copy(),
    )


# ---------------------------------------------------------------------- lineage & trees
def _step(G: RelationshipGraph, e: int, depth: int) -> ReferralStep:
    return ReferralStep(G.ids[G.src[e]], G.ids[G.dst[e]], G.relationship_id(e), depth, G.sentence(e))


def referral_lineage(G: RelationshipGraph, entity_id: str, *, max_depth: int | None = None) -> ReferralLineage:
    """Who referred an entity, who referred them, and so on back to the original source.

    Follows active referral relationships upstream. ``referrers`` lists every upstream
    referral breadth first (each referrer once, at its shortest distance). ``chain`` is
    the primary line: from the entity, repeatedly to its strongest referrer (highest
    type weight x strength, then the earliest stored relationship), until an entity
    nobody referred or a referral cycle; it is returned from the source downwards.

    Parameters
    ----------
    G : RelationshipGraph
    entity_id : str
    max_depth : int, optional
        Stop after this many steps upstream (default: no limit).

    Returns
    -------
    ReferralLineage

    Examples
    --------
    >>> import numpy as np
    >>> from analytics.graph import RelationshipGraph
    >>> G = RelationshipGraph.from_arrays(["anna", "ben", "dan"], np.array([1, 1, 1]),
    ...     np.array([0, 1]), np.array([1, 2]), np.zeros(2),
    ...     type_codes=["REFERRER_OF"], type_categories=["referral"],
    ...     phrases=["the Referrer of"], reverse_phrases=["was referred by"])
    >>> lineage = referral_lineage(G, "dan")
    >>> [step.sentence for step in lineage.chain]
    ['anna is the Referrer of ben', 'ben is the Referrer of dan']
    >>> lineage.sources
    ('anna',)
    """
    start = G.index_of(entity_id)
    index = _referral_index(G)
    strength = G.edge_weights("weight")

    def referral_edges_into(v: int) -> np.ndarray:
        return index.in_edges[index.in_ptr[v]: index.in_ptr[v + 1]]

    seen = {start}
    referrers: list[ReferralStep] = []
    sources: list[str] = []
    queue = deque([(start, 0)])
    while queue:
        v, depth = queue.popleft()
        edges = referral_edges_into(v)
        if not edges.size:
            if v != start:
                sources.append(G.ids[v])
            continue
        if max_depth is not None and depth >= max_depth:
            continue
        for e in edges.tolist():
            u = int(G.src[e])
            if u not in seen:
                seen.add(u)
                referrers.append(_step(G, e, depth + 1))
                queue.append((u, depth + 1))

    chain: list[ReferralStep] = []
    on_chain = {start}
    v = start
    while max_depth is None or len(chain) < max_depth:
        edges = referral_edges_into(v)
        if not edges.size:
            break
        # Strongest first; among equals, the earliest stored relationship.
        e = int(edges[np.lexsort((edges, -strength[edges]))[0]])
        u = int(G.src[e])
        chain.append(_step(G, e, len(chain) + 1))
        if u in on_chain:
            break
        on_chain.add(u)
        v = u
    return ReferralLineage(entity_id, tuple(reversed(chain)), tuple(referrers), tuple(sources))


def referral_tree(
    G: RelationshipGraph, entity_id: str, *, max_depth: int = 3
) -> ReferralTreeNode:
    """The referrals downstream of an entity, as a tree limited to ``max_depth`` levels.

    Breadth first along active referral relationships; an entity reached along several
    paths (or around a cycle) appears once, at its shortest distance. Every node carries
    its own revenue and AUM (unknown as 0) and, for its shown descendants, their count,
    converted clients, and the revenue and AUM attributable to it.

    Parameters
    ----------
    G : RelationshipGraph
    entity_id : str
        The root referrer.
    max_depth : int
        Levels below the root to show (default 3).

    Returns
    -------
    ReferralTreeNode
        The root; ``children`` nest down to ``max_depth``.

    Examples
    --------
    >>> import numpy as np
    >>> from analytics.graph import RelationshipGraph
    >>> G = RelationshipGraph.from_arrays(["anna", "ben", "cara", "dan"], np.array([1, 0, 0, 0]),
    ...     np.array([0, 0, 1]), np.array([1, 2, 3]), np.zeros(3),
    ...     type_codes=["REFERRER_OF"], type_categories=["referral"],
    ...     annual_revenue=np.array([0.0, 10.0, 20.0, 30.0]))
    >>> tree = referral_tree(G, "anna", max_depth=1)
    >>> [c.entity_id for c in tree.children], tree.downstream, tree.attributable_revenue, tree.truncated
    (['ben', 'cara'], 2, 30.0, True)
    >>> referral_tree(G, "anna").attributable_revenue
    60.0
    >>> tree = referral_tree(G.hiding(np.array([1]), names=["someone"]), "anna")
    >>> [c.entity_id for c in tree.children], tree.downstream, tree.attributable_revenue
    (['cara'], 1, 20.0)
    """
    if max_depth < 0:
        raise ValueError("max_depth must be >= 0")
    root = G.index_of(entity_id)
    index = _referral_index(G)
    values = _entity_values(G)
    order = [root]
    parent_edge = {root: -1}
    depth = {root: 0}
    children: dict[int, list[int]] = {root: []}
    head = 0
    truncated_at: set[int] = set()
    while head < len(order):
        v = order[head]
        head += 1
        edges = index.out_edges[index.out_ptr[v]: index.out_ptr[v + 1]]
        if depth[v] == max_depth:
            if any(int(G.dst[e]) not in depth for e in edges.tolist()):
                truncated_at.add(v)
            continue
        for e in edges.tolist():
            w = int(G.dst[e])
            if w not in depth:
                depth[w] = depth[v] + 1
                parent_edge[w] = e
                children[w] = []
                children[v].append(w)
                order.append(w)

    built: dict[int, ReferralTreeNode] = {}
    for v in reversed(order):
        kids = tuple(built.pop(w) for w in children[v])
        sums = values[children[v]].sum(axis=0) if kids else np.zeros(4)
        for kid in kids:
            sums += (kid.downstream, kid.converted, kid.attributable_revenue,
                     kid.attributable_assets_under_management)
        e = parent_edge[v]
        built[v] = ReferralTreeNode(
            entity_id=G.ids[v], name=G.name_of(v), kind=KINDS[G.kinds[v]], stage=G.stage_of(v),
            depth=depth[v], relationship_id=None if e < 0 else G.relationship_id(e),
            annual_revenue=float(values[v, _REVENUE]), assets_under_management=float(values[v, _AUM]),
            downstream=int(round(sums[_COUNT])), converted=int(round(sums[_CONVERTED])),
            attributable_revenue=float(sums[_REVENUE]),
            attributable_assets_under_management=float(sums[_AUM]),
            truncated=v in truncated_at or any(kid.truncated for kid in kids),
            children=kids, converted_client=bool(values[v, _CONVERTED]),
        )
    return built[root]


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
    value = table[:, _REVENUE] + aum_weight * table[:, _AUM]
    candidates = np.flatnonzero((table[:, _COUNT] > 0) & G.counted_entities())
    if not candidates.size or n <= 0:
        return []
    ids = G.ids[candidates].astype(str)
    order = np.lexsort((ids, -table[candidates, _CONVERTED], -table[candidates, _COUNT], -value[candidates]))
    out = []
    for rank, i in enumerate(candidates[order[:n]].tolist(), start=1):
        out.append(ReferralSource(
            rank=rank, entity_id=G.ids[i], name=G.name_of(i), kind=KINDS[G.kinds[i]],
            reach=int(round(table[i, _COUNT])), converted_reach=int(round(table[i, _CONVERTED])),
            revenue=float(table[i, _REVENUE]), assets_under_management=float(table[i, _AUM]),
            value=float(value[i]),
        ))
    return out
