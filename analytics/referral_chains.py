"""Referral chains of one entity: who brought it (its lineage) and whom it brought (its tree).

Both follow active referral relationships (see :mod:`analytics.referrals`):
:func:`referral_lineage` upstream to the original sources, :func:`referral_tree` downstream
to a chosen depth, with what each shown referral brought.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from analytics.graph import KINDS, RelationshipGraph
from analytics.referrals import AUM, CONVERTED, COUNT, REVENUE, entity_values, referral_index

__all__ = [
    "ReferralStep",
    "ReferralLineage",
    "ReferralTreeNode",
    "referral_lineage",
    "referral_tree",
]


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
    index = referral_index(G)
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
    index = referral_index(G)
    values = entity_values(G)
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
            annual_revenue=float(values[v, REVENUE]), assets_under_management=float(values[v, AUM]),
            downstream=int(round(sums[COUNT])), converted=int(round(sums[CONVERTED])),
            attributable_revenue=float(sums[REVENUE]),
            attributable_assets_under_management=float(sums[AUM]),
            truncated=v in truncated_at or any(kid.truncated for kid in kids),
            children=kids, converted_client=bool(values[v, CONVERTED]),
        )
    return built[root]

