"""Degree: how many others each entity is directly related to."""

from __future__ import annotations

import numpy as np

from analytics.graph import RelationshipGraph

__all__ = ["degree", "degree_array"]


def degree_array(G: RelationshipGraph, *, weight: str | np.ndarray | None = None) -> np.ndarray:
    """Distinct related entities per entity, as an int64 array in index order (see :func:`degree`).

    With ``weight`` (as :meth:`RelationshipGraph.edge_weights` takes it: ``"weight"`` is type
    weight x strength), the sum of those weights over the entity's active relationships
    instead, as a float64 array: a strong family tie counts for more than a passing acquaintance.

    Examples
    --------
    >>> import numpy as np
    >>> from analytics.graph import RelationshipGraph
    >>> G = RelationshipGraph.from_arrays(["jean", "john", "ann"], np.array([1, 1, 1]),
    ...     np.array([0, 0]), np.array([1, 2]), np.array([0, 1]),
    ...     type_codes=["SPOUSE_OF", "ACQUAINTANCE_OF"], type_categories=["family", "other"],
    ...     type_weights=[1.0, 0.4], strengths=np.array([1.0, 0.5]))
    >>> degree_array(G).tolist(), degree_array(G, weight="weight").tolist()
    ([2, 1, 1], [1.2, 1.0, 0.2])
    """
    if weight is not None:
        return np.asarray(G.weighted_undirected_adjacency(weight).sum(axis=1)).ravel()
    return np.diff(G.undirected_adjacency().indptr).astype(np.int64)


def degree(G: RelationshipGraph) -> dict[str, int]:
    """Number of distinct entities each entity has an active relationship with.

    Both directions count ("Anna is the Adviser of X" counts for Anna and for X).
    Parallel relationships between the same two entities count once (a spouse who is
    also a co-director is one connection), and self-relationships do not count: this is
    the degree in ``networkx`` of the simple undirected graph of active relationships.

    Parameters
    ----------
    G : RelationshipGraph

    Returns
    -------
    dict
        Entity id -> number of distinct related entities.

    Examples
    --------
    >>> import numpy as np
    >>> from analytics.graph import RelationshipGraph
    >>> G = RelationshipGraph.from_arrays(["jean", "john", "home"], np.array([1, 1, 0]),
    ...     np.array([0, 0, 1, 0]), np.array([1, 1, 2, 2]), np.array([0, 1, 2, 2]),
    ...     type_codes=["SPOUSE_OF", "ACQUAINTANCE_OF", "PRIMARY_CONTACT_AT"],
    ...     type_categories=["family", "other", "membership"],
    ...     active=np.array([True, True, True, False]))
    >>> degree(G)
    {'jean': 1, 'john': 2, 'home': 1}
    """
    return dict(zip(G.ids.tolist(), degree_array(G).tolist()))
