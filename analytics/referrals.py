"""Referrals: the referral relationships, and what a referral is credited with.

A referral is an active relationship of category ``referral`` stored from the referrer to
the referred entity ("Anna is the Referrer of Ben"). Chains follow those relationships
transitively; the referral graph is mostly a forest, but the functions over chains are exact
on any directed graph, including diamonds (someone referred by two people) and cycles.

This module holds what they share: :func:`referral_credit` (the one definition of a
converted referral and of what it brought) and the referral relationships indexed by
referrer and by referred entity. Reach and value downstream of each referrer are in
:mod:`analytics.referral_value`; one entity's lineage and tree in :mod:`analytics.referral_chains`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.graph import RelationshipGraph, unique_keys
from analytics.graph_input import CLIENT, MEMBERSHIP, PERSON, REFERRAL

__all__ = ["referral_credit"]

# Columns of the per-entity value matrix summed along chains (:func:`entity_values`).
COUNT, CONVERTED, REVENUE, AUM = range(4)


@dataclass(frozen=True)
class ReferralIndex:
    """The active referral relationships of a graph, by referrer and by referred entity."""

    edges: np.ndarray      # active referral relationship positions (no self-referrals)
    out_ptr: np.ndarray    # CSR by referrer over out_edges
    out_edges: np.ndarray
    in_ptr: np.ndarray     # CSR by referred entity over in_edges
    in_edges: np.ndarray


def referral_index(G: RelationshipGraph) -> ReferralIndex:
    """The graph's :class:`ReferralIndex`, built once per graph."""

    def build() -> ReferralIndex:
        edges = np.flatnonzero(G.relationship_mask() & (G.categories == REFERRAL))
        n = G.n_entities
        out_edges = edges[np.argsort(G.src[edges], kind="stable")]
        in_edges = edges[np.argsort(G.dst[edges], kind="stable")]
        out_ptr = np.zeros(n + 1, dtype=np.int64)
        in_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(G.src[edges], minlength=n), out=out_ptr[1:])
        np.cumsum(np.bincount(G.dst[edges], minlength=n), out=in_ptr[1:])
        return ReferralIndex(edges, out_ptr, out_edges, in_ptr, in_edges)

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


def entity_values(G: RelationshipGraph) -> np.ndarray:
    """(n, 4) float matrix: counted (1, or 0 for a hidden entity), and what a referral of the
    entity is credited with: converted, revenue, AUM (:func:`referral_credit`)."""
    values = np.empty((G.n_entities, 4))
    values[:, COUNT] = G.counted_entities()
    values[:, CONVERTED:] = referral_credit(G)
    return values

