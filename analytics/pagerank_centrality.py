"""PageRank over the practice's relationships, with referral credit flowing to referrers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from analytics.graph import KINDS, RelationshipGraph
from analytics.graph_input import REFERRAL

__all__ = ["pagerank", "pagerank_array", "pagerank_walk_matrix"]


def pagerank_walk_matrix(G: RelationshipGraph, *, weight: str | np.ndarray | None = "weight",
                         through: Sequence[str] | None = None) -> sp.csr_array:
    """The weighted directed matrix PageRank walks on (entry ``[u, v]``: weight of step u -> v).

    Active relationships only, self-relationships left out. A referral (``referrer ->
    referred``) becomes one step ``referred -> referrer``, so rank flows to the referrer;
    every other relationship becomes a step in each direction. Parallel steps add up.
    With ``through`` (entity kinds), only relationships between two entities of those kinds
    are walked: the rest neither pass rank on nor receive it along relationships.

    Examples
    --------
    >>> import numpy as np
    >>> from analytics.graph import RelationshipGraph
    >>> G = RelationshipGraph.from_arrays(["ref", "new", "home"], np.array([1, 1, 0]),
    ...     np.array([0, 1]), np.array([1, 2]), np.array([0, 1]),
    ...     type_codes=["REFERRER_OF", "PRIMARY_CONTACT_AT"],
    ...     type_categories=["referral", "membership"], type_weights=[1.0, 0.5])
    >>> pagerank_walk_matrix(G).toarray().tolist()
    [[0.0, 0.0, 0.0], [1.0, 0.0, 0.5], [0.0, 0.5, 0.0]]
    """
    mask = G.relationship_mask()
    if through is not None:
        walked = np.isin(G.kinds, [KINDS.index(kind) for kind in through])
        mask = mask & walked[G.src] & walked[G.dst]
    w = G.edge_weights(weight)[mask]
    s = G.src[mask]
    d = G.dst[mask]
    referral = G.categories[mask] == REFERRAL
    other = ~referral
    rows = np.concatenate([d[referral], s[other], d[other]])
    cols = np.concatenate([s[referral], d[other], s[other]])
    vals = np.concatenate([w[referral], w[other], w[other]])
    n = G.n_entities
    # coo -> csr sums duplicate (parallel) steps.
    return sp.coo_array((vals, (rows, cols)), shape=(n, n)).tocsr()


def pagerank_array(G: RelationshipGraph, *, alpha: float = 0.85, weight: str | np.ndarray | None = "weight",
                   tol: float = 1e-10, max_iter: int = 200, through: Sequence[str] | None = None) -> np.ndarray:
    """PageRank as an array in entity index order (see :func:`pagerank`; ``through`` as in
    :func:`pagerank_walk_matrix`)."""
    n = G.n_entities
    if n == 0:
        return np.zeros(0)
    M = pagerank_walk_matrix(G, weight=weight, through=through)
    out_weight = np.asarray(M.sum(axis=1)).ravel()
    dangling = out_weight == 0
    inv = np.zeros(n)
    inv[~dangling] = 1.0 / out_weight[~dangling]
    # Row-stochastic transition matrix, transposed once so each step is a CSR mat-vec.
    P = (sp.diags_array(inv) @ M).T.tocsr()
    x = np.full(n, 1.0 / n)
    teleport = (1.0 - alpha) / n
    for _ in range(max_iter):
        previous = x
        # Dangling entities spread their rank evenly, as networkx does by default.
        x = alpha * (P @ x + previous[dangling].sum() / n) + teleport
        if np.abs(x - previous).sum() < n * tol:
            return x
    raise RuntimeError(f"pagerank did not converge in {max_iter} iterations")


def pagerank(G: RelationshipGraph, *, alpha: float = 0.85, weight: str | np.ndarray | None = "weight",
             tol: float = 1e-10, max_iter: int = 200) -> dict[str, float]:
    """PageRank of every entity over the active relationships.

    Directions: a relationship of category ``referral`` (stored referrer -> referred)
    is walked from the referred entity to the referrer, so a referral passes credit to
    whoever made it. Relationships of every other category are mutual ties and are
    walked both ways. Self-relationships are ignored. Parallel relationships between
    the same two entities add their weights. Entities with no outgoing step (dangling)
    spread their rank evenly over all entities, and teleports are uniform, exactly as
    ``networkx.pagerank`` does.

    Parameters
    ----------
    G : RelationshipGraph
    alpha : float
        Damping factor.
    weight : {"weight", "type_weight", "strength", None} or array
        Step weight; default type weight x strength (see
        :meth:`RelationshipGraph.edge_weights`).
    tol : float
        Stop when the L1 change of the rank vector is below ``n_entities * tol``.
    max_iter : int
        Raise ``RuntimeError`` if not converged after this many power iterations.

    Returns
    -------
    dict
        Entity id -> PageRank; the values sum to 1.

    Examples
    --------
    Two people each referred by Anna: the rank concentrates on Anna.

    >>> import numpy as np
    >>> from analytics.graph import RelationshipGraph
    >>> G = RelationshipGraph.from_arrays(["anna", "ben", "cara"], np.array([1, 1, 1]),
    ...     np.array([0, 0]), np.array([1, 2]), np.array([0, 0]),
    ...     type_codes=["REFERRER_OF"], type_categories=["referral"])
    >>> pr = pagerank(G)
    >>> max(pr, key=pr.get), round(sum(pr.values()), 6)
    ('anna', 1.0)
    """
    x = pagerank_array(G, alpha=alpha, weight=weight, tol=tol, max_iter=max_iter)
    return dict(zip(G.ids.tolist(), x.tolist()))
