"""Key-person risk: entities and relationships whose loss would split the practice's network."""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from analytics.graph import KINDS, RelationshipGraph
from analytics.graph_input import CLIENT, TEAM_MEMBER

__all__ = ["ArticulationRisk", "BridgeRisk", "KeyPersonRisk", "DepthFirstForest", "depth_first_forest",
           "key_person_risk"]


@dataclass(frozen=True, slots=True)
class ArticulationRisk:
    """An entity whose removal splits its part of the network into ``pieces`` parts.

    ``clients_cut_off`` counts the clients (kind ``client``, any stage) that would no
    longer be connected to any team member; ``cut_off_client_ids`` lists the first of
    them (up to ``max_listed``), and ``clients_cut_off`` is always the exact count.
    """

    entity_id: str
    name: str
    kind: str
    pieces: int
    clients_cut_off: int
    cut_off_client_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BridgeRisk:
    """The only relationship joining two parts of the network: ending it splits them."""

    relationship_id: str
    from_id: str
    to_id: str
    sentence: str
    clients_cut_off: int
    cut_off_client_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class KeyPersonRisk:
    """Result of :func:`key_person_risk`.

    ``articulation_points`` maps every articulation entity to its risk, highest
    ``clients_cut_off`` first; ``bridges`` lists bridge relationships likewise.
    """

    articulation_points: dict[str, ArticulationRisk]
    bridges: tuple[BridgeRisk, ...]


@dataclass(frozen=True, slots=True)
class DepthFirstForest:
    """A depth-first search forest of the simple undirected active graph.

    ``order``: entities in preorder; ``disc[v]``: v's preorder position; ``parent[v]``:
    its tree parent (-1 for roots); ``size[v]``: entities in its subtree, which occupy
    preorder positions ``disc[v] .. disc[v] + size[v] - 1``; ``low[v]``: the smallest
    preorder position reachable from v's subtree by one non-tree relationship (Tarjan's
    low-link).
    """

    order: np.ndarray
    disc: np.ndarray
    parent: np.ndarray
    size: np.ndarray
    low: np.ndarray


def depth_first_forest(G: RelationshipGraph) -> DepthFirstForest:
    """Depth-first forest and low-links, computed without recursion.

    The search itself is an explicit-stack loop (each adjacency entry is looked at
    once, so it works on millions of entities); the low-links are then computed with
    numpy from the preorder: the lowest preorder position among each entity's
    non-parent neighbours, minimised over its subtree.

    Examples
    --------
    >>> import numpy as np
    >>> from analytics.graph import RelationshipGraph
    >>> G = RelationshipGraph.from_arrays(list("abc"), np.ones(3), np.array([0, 1]),
    ...     np.array([1, 2]), np.zeros(2), type_codes=["X"], type_categories=["other"])
    >>> F = depth_first_forest(G)
    >>> F.order.tolist(), F.parent.tolist(), F.size.tolist(), F.low.tolist()
    ([0, 1, 2], [-1, 0, 1], [3, 2, 1], [0, 1, 2])
    """
    return G.cached("depth_first_forest", lambda: _depth_first_forest(G))


def _depth_first_forest(G: RelationshipGraph) -> DepthFirstForest:
    A = G.undirected_adjacency()
    n = G.n_entities
    indptr = A.indptr
    # array('i') keeps the adjacency compact (no Python int per entry) yet indexes fast.
    neighbours = array("i", A.indices.astype(np.int32).tobytes())
    cursor = array("q", indptr[:-1].astype(np.int64).tobytes())
    end = array("q", indptr[1:].astype(np.int64).tobytes())
    visited = bytearray(n)
    parent = array("i", bytes(4 * n))
    order = array("i")
    append = order.append
    for root in range(n):
        if visited[root]:
            continue
        visited[root] = 1
        parent[root] = -1
        append(root)
        stack = [root]
        push, pop = stack.append, stack.pop
        while stack:
            v = stack[-1]
            i = cursor[v]
            e = end[v]
            while i < e and visited[neighbours[i]]:
                i += 1
            if i < e:
                w = neighbours[i]
                cursor[v] = i + 1
                visited[w] = 1
                parent[w] = v
                append(w)
                push(w)
            else:
                cursor[v] = i
                pop()
    order_np = np.frombuffer(order, dtype=np.int32).astype(np.int64) if n else np.zeros(0, np.int64)
    parent_np = np.frombuffer(parent, dtype=np.int32).astype(np.int64) if n else np.zeros(0, np.int64)
    disc = np.empty(n, dtype=np.int64)
    disc[order_np] = np.arange(n)

    # Lowest preorder position among non-parent neighbours (or itself).
    rows = np.repeat(np.arange(n), np.diff(indptr))
    neighbour_disc = disc[A.indices]
    neighbour_disc[A.indices == parent_np[rows]] = n
    low = disc.copy()
    has = np.flatnonzero(np.diff(indptr) > 0)
    if has.size:
        low[has] = np.minimum(low[has], np.minimum.reduceat(neighbour_disc, indptr[has]))

    # Subtree sizes and low-links, children before parents (reverse preorder).
    size = array("q", bytes(8 * n))
    low_list = array("q", low.tobytes())
    for v in reversed(order):
        p = parent[v]
        size[v] += 1
        if p >= 0:
            size[p] += size[v]
            if low_list[v] < low_list[p]:
                low_list[p] = low_list[v]
    return DepthFirstForest(
        order=order_np,
        disc=disc,
        parent=parent_np,
        size=np.frombuffer(size, dtype=np.int64).copy() if n else np.zeros(0, np.int64),
        low=np.frombuffer(low_list, dtype=np.int64).copy() if n else np.zeros(0, np.int64),
    )


class _Pieces:
    """Counts of clients and team members over preorder ranges, and client listings."""

    def __init__(self, G: RelationshipGraph, F: DepthFirstForest):
        in_order_kinds = G.kinds[F.order]
        self.clients = np.concatenate([[0], np.cumsum(in_order_kinds == CLIENT)])
        self.team = np.concatenate([[0], np.cumsum(in_order_kinds == TEAM_MEMBER)])
        self.client_positions = np.flatnonzero(in_order_kinds == CLIENT)
        self.order = F.order
        self.ids = G.ids

    def count(self, prefix: np.ndarray, start: int, stop: int) -> int:
        return int(prefix[stop] - prefix[start])

    def list_clients(self, ranges: list[tuple[int, int]], limit: int) -> tuple[str, ...]:
        out: list[str] = []
        for start, stop in ranges:
            if len(out) >= limit:
                break
            lo, hi = np.searchsorted(self.client_positions, [start, stop])
            take = self.client_positions[lo: min(hi, lo + limit - len(out))]
            out.extend(self.ids[self.order[take]].tolist())
        return tuple(out)


def _complement(start: int, stop: int, holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Parts of [start, stop) outside the sorted, disjoint ``holes``."""
    out = []
    cursor = start
    for a, b in holes:
        if a > cursor:
            out.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < stop:
        out.append((cursor, stop))
    return out


def key_person_risk(G: RelationshipGraph, *, max_listed: int = 50) -> KeyPersonRisk:
    """Articulation points and bridges of the active network, with the clients at stake.

    The network is the simple undirected graph of active relationships (direction
    ignored, self-relationships ignored). An *articulation point* is an entity whose
    removal disconnects part of the network; a *bridge* is a relationship whose ending
    does. Two entities joined by two or more active relationships are never a bridge
    (ending one leaves the other), as ``networkx.bridges`` does for multigraphs.

    For every articulation point (any kind; filter on ``kind`` for persons and team
    members) and every bridge, the clients cut off are the clients (kind ``client``,
    any stage) that would no longer be connected to any team member: those in the
    pieces left without a team member, counted only when the entity's connected part
    had a team member to begin with.

    Parameters
    ----------
    G : RelationshipGraph
    max_listed : int
        How many cut-off client ids to list per entity or bridge (counts are exact).

    Returns
    -------
    KeyPersonRisk

    Notes
    -----
    One depth-first search (iterative, see :func:`depth_first_forest`); each removed
    entity's pieces are its separated child subtrees plus the rest of its component,
    all contiguous preorder ranges, so their counts come from prefix sums.

    Examples
    --------
    Adviser Anna advises household H; John belongs to H and is the only link to Smart
    Systems Ltd (a client) through his directorship.

    >>> import numpy as np
    >>> from analytics.graph import RelationshipGraph
    >>> G = RelationshipGraph.from_arrays(["anna", "home", "john", "smart"],
    ...     np.array([2, 0, 1, 0]), np.array([0, 2, 2]), np.array([1, 1, 3]), np.array([0, 1, 2]),
    ...     type_codes=["ADVISER_OF", "PRIMARY_CONTACT_AT", "DIRECTOR_AT"],
    ...     type_categories=["professional", "membership", "membership"])
    >>> risk = key_person_risk(G)
    >>> sorted(risk.articulation_points)
    ['home', 'john']
    >>> risk.articulation_points["john"].cut_off_client_ids
    ('smart',)
    >>> risk.articulation_points["home"].clients_cut_off
    1
    >>> [(b.sentence, b.clients_cut_off) for b in risk.bridges]
    [('anna is adviser of home', 2), ('john is primary contact at home', 1), ('john is director at smart', 1)]
    """
    n = G.n_entities
    F = depth_first_forest(G)
    pieces = _Pieces(G, F)
    disc, parent, size, low = F.disc, F.parent, F.size, F.low
    children = np.flatnonzero(parent >= 0)
    tree_parent = parent[children]
    separated = low[children] >= disc[tree_parent]
    # Component of every entity = its tree root's preorder range.
    # Roots are started in index order, so their preorder positions increase with it.
    roots = np.flatnonzero(parent < 0)
    root_of = roots[np.searchsorted(disc[roots], disc, side="right") - 1]

    # Articulation points: a non-root with a separated child, a root with two children.
    by_parent = np.argsort(tree_parent, kind="stable")
    child_sorted = children[by_parent]
    parent_sorted = tree_parent[by_parent]
    sep_sorted = separated[by_parent]
    is_root = parent < 0
    child_count = np.bincount(tree_parent, minlength=n)
    sep_count = np.bincount(tree_parent[separated], minlength=n)
    articulation = np.flatnonzero((is_root & (child_count >= 2)) | (~is_root & (sep_count >= 1)))
    start_of = np.searchsorted(parent_sorted, articulation, side="left")
    stop_of = np.searchsorted(parent_sorted, articulation, side="right")

    risks: list[ArticulationRisk] = []
    for v, a, b in zip(articulation.tolist(), start_of.tolist(), stop_of.tolist()):
        root = int(root_of[v])
        comp = (int(disc[root]), int(disc[root] + size[root]))
        kids = child_sorted[a:b]
        if not is_root[v]:
            kids = kids[sep_sorted[a:b]]
        ranges = sorted((int(disc[c]), int(disc[c] + size[c])) for c in kids.tolist())
        holes = [(int(disc[v]), int(disc[v]) + 1), *ranges]
        holes.sort()
        rest = _complement(comp[0], comp[1], holes)
        parts = [[r] for r in ranges] + ([rest] if rest else [])
        cut_ranges: list[tuple[int, int]] = []
        if pieces.count(pieces.team, *comp) > 0:
            for part in parts:
                if sum(pieces.count(pieces.team, s, t) for s, t in part) == 0:
                    cut_ranges.extend(part)
        cut_ranges.sort()
        risks.append(ArticulationRisk(
            entity_id=G.ids[v], name=G.name_of(v), kind=KINDS[G.kinds[v]], pieces=len(parts),
            clients_cut_off=sum(pieces.count(pieces.clients, s, t) for s, t in cut_ranges),
            cut_off_client_ids=pieces.list_clients(cut_ranges, max_listed),
        ))
    risks.sort(key=lambda r: (-r.clients_cut_off, -r.pieces, r.entity_id))

    bridges = _bridges(G, F, pieces, children, tree_parent, root_of, max_listed)
    return KeyPersonRisk({r.entity_id: r for r in risks}, tuple(bridges))


def _bridges(G: RelationshipGraph, F: DepthFirstForest, pieces: _Pieces, children: np.ndarray,
             tree_parent: np.ndarray, root_of: np.ndarray, max_listed: int) -> list[BridgeRisk]:
    disc, size, low = F.disc, F.size, F.low
    candidate = low[children] > disc[tree_parent]
    c, p = children[candidate], tree_parent[candidate]
    if not c.size:
        return []
    # The relationships behind each candidate pair; a pair joined more than once is no bridge.
    n = G.n_entities
    mask = G.relationship_mask()
    edges = np.flatnonzero(mask)
    s, d = G.src[edges].astype(np.int64), G.dst[edges].astype(np.int64)
    keys = np.minimum(s, d) * n + np.maximum(s, d)
    order = np.argsort(keys, kind="stable")
    keys_sorted = keys[order]
    wanted = np.minimum(c, p) * n + np.maximum(c, p)
    first = np.searchsorted(keys_sorted, wanted, side="left")
    last = np.searchsorted(keys_sorted, wanted, side="right")
    single = (last - first) == 1
    out = []
    for child, par, pos in zip(c[single].tolist(), p[single].tolist(), first[single].tolist()):
        e = int(edges[order[pos]])
        root = int(root_of[child])
        comp = (int(disc[root]), int(disc[root] + size[root]))
        inside = (int(disc[child]), int(disc[child] + size[child]))
        outside = _complement(comp[0], comp[1], [inside])
        cut: list[tuple[int, int]] = []
        if pieces.count(pieces.team, *comp) > 0:
            for part in ([inside], outside):
                if sum(pieces.count(pieces.team, a, b) for a, b in part) == 0:
                    cut.extend(part)
        cut.sort()
        out.append(BridgeRisk(
            relationship_id=G.relationship_id(e), from_id=G.ids[G.src[e]], to_id=G.ids[G.dst[e]],
            sentence=G.sentence(e),
            clients_cut_off=sum(pieces.count(pieces.clients, a, b) for a, b in cut),
            cut_off_client_ids=pieces.list_clients(cut, max_listed),
        ))
    out.sort(key=lambda b: (-b.clients_cut_off, b.relationship_id))
    return out
