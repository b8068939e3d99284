"""Rapport analytics: pure functions over a practice's relationship graph.

Everything here works on a :class:`RelationshipGraph` (numpy arrays built once from the
store's records) and returns plain results; nothing touches the store or the API.
networkx is the reference each fast path is tested against.

- Centrality: :func:`pagerank` (referral credit flows to the referrer),
  :func:`betweenness` (networkx's values and sampling, batched Brandes),
  :func:`degree` (distinct related entities).
- Referrals: :func:`referral_credit` (when a referral converted, and what it brought), :func:`referral_reach`, :func:`referral_lineage`, :func:`referral_tree`,
  :func:`top_referral_sources`.
- Influence: :func:`influence_scores` and :func:`suggest_influencer_segments` (with
  :class:`SegmentRule` for administrators' own segments).
- Paths and structure: :func:`warm_introductions`, :func:`key_person_risk`,
  :func:`communities`.

Unless a function says otherwise, only active relationships count, self-relationships
are ignored, and a relationship's weight is its type's analytics weight times its
strength.

Examples
--------
>>> import numpy as np
>>> from analytics import RelationshipGraph, degree
>>> G = RelationshipGraph.from_arrays(["anna", "home"], np.array([2, 0]), np.array([0]),
...     np.array([1]), np.array([0]), type_codes=["ADVISER_OF"], type_categories=["professional"])
>>> degree(G)
{'anna': 1, 'home': 1}
"""

from analytics.betweenness_centrality import betweenness
from analytics.community import Communities, communities
from analytics.degree_centrality import degree
from analytics.graph import CATEGORIES, KINDS, RelationshipGraph
from analytics.influence import DEFAULT_WEIGHTS, PARTS, InfluenceScore, InfluenceScores, influence_scores
from analytics.introductions import IntroductionPath, warm_introductions
from analytics.pagerank_centrality import pagerank
from analytics.referral_chains import ReferralLineage, ReferralStep, ReferralTreeNode, referral_lineage, referral_tree
from analytics.referral_value import (
    ReferralReach,
    ReferralReachTable,
    ReferralSource,
    referral_reach,
    top_referral_sources,
)
from analytics.referrals import referral_credit
from analytics.risk import ArticulationRisk, BridgeRisk, KeyPersonRisk, key_person_risk
from analytics.segments import (
    DEFAULT_RULES,
    Reason,
    SegmentRule,
    SegmentSuggestion,
    SegmentSuggestions,
    suggest_influencer_segments,
)

__all__ = [
    "CATEGORIES",
    "KINDS",
    "RelationshipGraph",
    "pagerank",
    "referral_credit",
    "referral_reach",
    "ReferralReach",
    "ReferralReachTable",
    "referral_lineage",
    "ReferralLineage",
    "ReferralStep",
    "referral_tree",
    "ReferralTreeNode",
    "top_referral_sources",
    "ReferralSource",
    "betweenness",
    "degree",
    "influence_scores",
    "InfluenceScore",
    "InfluenceScores",
    "PARTS",
    "DEFAULT_WEIGHTS",
    "suggest_influencer_segments",
    "SegmentRule",
    "SegmentSuggestion",
    "SegmentSuggestions",
    "Reason",
    "DEFAULT_RULES",
    "warm_introductions",
    "IntroductionPath",
    "key_person_risk",
    "KeyPersonRisk",
    "ArticulationRisk",
    "BridgeRisk",
    "communities",
    "Communities",
]
