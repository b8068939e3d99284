"""Influencer segments suggested from influence scores, each with the reasons behind it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from analytics.graph import KINDS
from analytics.influence import PARTS, InfluenceScores

__all__ = [
    "DEFAULT_RULES",
    "ELIGIBLE_KINDS",
    "Reason",
    "SegmentRule",
    "SegmentSuggestion",
    "SegmentSuggestions",
    "suggest_influencer_segments",
]

#: Who can be an influencer: people, clients and outside providers (a solicitor or an
#: accountant who refers is a centre of influence); team members and divisions are the
#: practice itself.
ELIGIBLE_KINDS: tuple[str, ...] = ("person", "client", "provider")
NO_SEGMENT = "none"


@dataclass(frozen=True, slots=True)
class SegmentRule:
    """When to suggest an influencer segment.

    Rules are tried in ascending ``order`` (then in the order given); the first rule
    whose conditions hold gives the entity its segment. Conditions left as None are
    not checked; ``match="all"`` needs every set condition, ``match="any"`` one of them.

    Attributes
    ----------
    segment : str
        The segment code, e.g. ``"critical"`` or an administrator's own.
    order : int
        Evaluation order, lowest first.
    min_percentile : float, optional
        Composite percentile in [0, 1]: the share of eligible entities with a strictly
        lower composite (0.95 = top 5%).
    min_score : float, optional
        Minimum composite score.
    min_reach, min_converted_reach, min_degree : int, optional
        Minimum raw referral reach, converted reach, distinct connections.
    min_assets_under_management : float, optional
        Minimum own assets under management.
    min_referred_assets_under_management : float, optional
        Minimum AUM of the entities downstream in its referral chains.
    match : {"all", "any"}
    description : str
        Shown in the reasons, e.g. "top 5% of influence".

    Examples
    --------
    >>> SegmentRule("gold-referrer", order=15, min_converted_reach=3).segment
    'gold-referrer'
    """

    segment: str
    order: int = 0
    min_percentile: float | None = None
    min_score: float | None = None
    min_reach: int | None = None
    min_converted_reach: int | None = None
    min_degree: int | None = None
    min_assets_under_management: float | None = None
    min_referred_assets_under_management: float | None = None
    match: Literal["all", "any"] = "all"
    description: str = ""

    def __post_init__(self) -> None:
        if self.match not in ("all", "any"):
            raise ValueError("match must be 'all' or 'any'")
        if self.segment == NO_SEGMENT:
            raise ValueError(f"{NO_SEGMENT!r} is what no rule gives; choose another segment code")
        if not self.conditions():
            raise ValueError(f"rule for {self.segment!r} sets no condition")

    def conditions(self) -> list[tuple[str, float]]:
        """The set conditions as (measure, threshold) pairs."""
        names = ("min_percentile", "min_score", "min_reach", "min_converted_reach", "min_degree",
                 "min_assets_under_management", "min_referred_assets_under_management")
        return [(name[4:], getattr(self, name)) for name in names if getattr(self, name) is not None]


#: Critical: top 5% of the composite; important: the next 15%; standard: anyone who
#: referred someone or has at least 3 distinct connections.
DEFAULT_RULES: tuple[SegmentRule, ...] = (
    SegmentRule("critical", order=10, min_percentile=0.95, description="top 5% of influence"),
    SegmentRule("important", order=20, min_percentile=0.80, description="top 20% of influence"),
    SegmentRule("standard", order=30, min_reach=1, min_degree=3, match="any",
                description="has referred someone or has 3 or more connections"),
)


@dataclass(frozen=True, slots=True)
class Reason:
    """One number behind a suggestion: ``measure`` (a condition such as ``"reach"``, or
    ``"part:<name>"`` for a composite contribution), its ``value``, the rule's
    ``threshold`` (None for contributions), whether it was ``met``, and ``text``."""

    measure: str
    value: float
    threshold: float | None
    met: bool
    text: str


@dataclass(frozen=True, slots=True)
class SegmentSuggestion:
    """The suggested influencer segment of one entity, and why.

    ``rule`` is the rule that fired (None for segment ``"none"``); ``reasons`` lists the
    rule's conditions with the entity's numbers, then the largest contributions to the
    composite; ``summary`` says it in one sentence.
    """

    entity_id: str
    name: str
    kind: str
    segment: str
    rule: SegmentRule | None
    composite: float
    percentile: float
    reasons: tuple[Reason, ...]
    summary: str


def _fmt(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


_MEASURE_TEXT = {
    "percentile": "composite influence ranks above {v:.1%} of eligible entities (rule: at least {t:.1%})",
    "score": "composite influence {v:.3f} (rule: at least {t:.3f})",
    "reach": "referral chains reach {vf} entities (rule: at least {tf})",
    "converted_reach": "referral chains reach {vf} converted clients (rule: at least {tf})",
    "degree": "{vf} distinct connections (rule: at least {tf})",
    "assets_under_management": "assets under management {vf} (rule: at least {tf})",
    "referred_assets_under_management": "referred assets under management {vf} (rule: at least {tf})",
}


@dataclass(frozen=True, eq=False)
class SegmentSuggestions(Mapping[str, SegmentSuggestion]):
    """Result of :func:`suggest_influencer_segments`: mapping entity id -> suggestion.

    Only eligible entities are keys. Column-wise: ``members`` (entity positions),
    ``segment_index`` (position in ``rules``, -1 for "none"), ``percentile``; each
    suggestion and its reasons are built on access.
    """

    scores: InfluenceScores
    rules: tuple[SegmentRule, ...]
    members: np.ndarray
    segment_index: np.ndarray
    percentile: np.ndarray
    measures: Mapping[str, np.ndarray]
    slot: np.ndarray  # entity position -> position in members, -1 when not eligible

    def counts(self) -> dict[str, int]:
        """Number of entities per suggested segment, in rule order, then "none"."""
        tally = np.bincount(self.segment_index + 1, minlength=len(self.rules) + 1)
        out: dict[str, int] = {}
        for i, rule in enumerate(self.rules):
            out[rule.segment] = out.get(rule.segment, 0) + int(tally[i + 1])
        out[NO_SEGMENT] = int(tally[0])
        return out

    def in_segment(self, segment: str) -> list[str]:
        """Entity ids suggested for a segment, highest composite first."""
        wanted = [i for i, rule in enumerate(self.rules) if rule.segment == segment]
        chosen = self.members[np.isin(self.segment_index, wanted if segment != NO_SEGMENT else [-1])]
        order = np.lexsort((chosen, -self.scores.composite[chosen]))
        return self.scores.graph.ids[chosen[order]].tolist()

    def __getitem__(self, entity_id: str) -> SegmentSuggestion:
        j = int(self.slot[self.scores.graph.index_of(entity_id)])
        if j < 0:
            raise KeyError(entity_id)
        return self._suggestion(j)

    def __iter__(self) -> Iterator[str]:
        return iter(self.scores.graph.ids[self.members].tolist())

    def __len__(self) -> int:
        return len(self.members)

    def _suggestion(self, j: int) -> SegmentSuggestion:
        G = self.scores.graph
        i = int(self.members[j])
        rule_index = int(self.segment_index[j])
        rule = self.rules[rule_index] if rule_index >= 0 else None
        reasons: list[Reason] = []
        if rule is not None:
            for measure, threshold in rule.conditions():
                value = float(self.measures[measure][j])
                text = _MEASURE_TEXT[measure].format(v=value, t=threshold, vf=_fmt(value), tf=_fmt(threshold))
                reasons.append(Reason(measure, value, float(threshold), value >= threshold, text))
        # The parts that lift the composite most (weight x normalised part).
        weights = self.scores.weights
        contributions = sorted(
            ((weights[p] * float(self.scores.parts[i, k]), p, float(self.scores.parts[i, k]),
              float(self.scores.raw[i, k])) for k, p in enumerate(PARTS) if weights[p] > 0),
            reverse=True)
        total = sum(weights.values())
        for share, part, normalised, raw in contributions[:3]:
            if share <= 0:
                continue
            reasons.append(Reason(
                f"part:{part}", normalised, None, True,
                f"{part.replace('_', ' ')} {_fmt(raw)} scores {normalised:.2f} of 1, "
                f"adding {share / total:.3f} to the composite (weight {weights[part] / total:.2f})"))
        composite = float(self.scores.composite[i])
        percentile = float(self.percentile[j])
        if rule is None:
            summary = (f"{G.name_of(i)}: no influencer segment; composite {composite:.3f} "
                       f"ranks above {percentile:.1%} and no rule's conditions hold")
        else:
            met = [r.text for r in reasons if r.threshold is not None and r.met]
            why = rule.description or rule.segment
            summary = f"{G.name_of(i)}: {rule.segment} ({why}): " + "; ".join(met)
        return SegmentSuggestion(
            entity_id=G.ids[i], name=G.name_of(i), kind=KINDS[G.kinds[i]], segment=NO_SEGMENT if rule is None
            else rule.segment, rule=rule, composite=composite, percentile=percentile,
            reasons=tuple(reasons), summary=summary)


def suggest_influencer_segments(scores: InfluenceScores, *, rules: Sequence[SegmentRule] | None = None,
                                kinds: Sequence[str] = ELIGIBLE_KINDS) -> SegmentSuggestions:
    """Suggest an influencer segment for every eligible entity, with its reasons.

    Default rules (:data:`DEFAULT_RULES`): the top 5% of the composite influence score
    are *critical*, the next 15% *important*, anyone else who has referred someone or
    has at least 3 distinct connections *standard*, the rest ``"none"``. Percentiles
    are taken among the eligible entities only (``kinds``), as the share with a
    strictly lower composite: the top 5% of 100 entities are exactly the 5 best, ties
    never split, an all-zero practice has no critical influencers, and a practice with
    fewer than 20 eligible entities has none in the top 5%. Administrators pass their own rules (their own segment
    codes and thresholds, and an ``order`` to slot them among the defaults).

    Parameters
    ----------
    scores : InfluenceScores
        From :func:`analytics.influence_scores`.
    rules : sequence of SegmentRule, optional
        Replaces the defaults; include ``DEFAULT_RULES`` to extend them.
    kinds : sequence of str
        Entity kinds that can be influencers (default person, client, provider).

    Returns
    -------
    SegmentSuggestions
        Mapping entity id -> :class:`SegmentSuggestion`, plus ``counts()``.

    Examples
    --------
    >>> import numpy as np
    >>> from analytics.graph import RelationshipGraph
    >>> from analytics.influence import influence_scores
    >>> G = RelationshipGraph.from_arrays(["anna", "ben", "cara", "dan"],
    ...     np.array([1, 0, 1, 1]), np.array([0, 0, 0]), np.array([1, 2, 3]), np.array([0, 0, 1]),
    ...     type_codes=["REFERRER_OF", "ACQUAINTANCE_OF"], type_categories=["referral", "other"])
    >>> scores = influence_scores(G)
    >>> suggestions = suggest_influencer_segments(scores)

    With four entities nobody is in the top 5%; Anna referred two people:

    >>> suggestions["anna"].segment, suggestions["ben"].segment
    ('standard', 'none')
    >>> [reason.text for reason in suggestions["anna"].reasons[:2]]
    ['referral chains reach 2 entities (rule: at least 1)', '3 distinct connections (rule: at least 3)']

    An administrator's segment for anyone above three quarters of the others:

    >>> rules = [SegmentRule("key-referrer", order=5, min_percentile=0.75, min_reach=1), *DEFAULT_RULES]
    >>> suggest_influencer_segments(scores, rules=rules)["anna"].segment
    'key-referrer'
    """
    rules = tuple(DEFAULT_RULES if rules is None else rules)
    ranked = sorted(range(len(rules)), key=lambda r: (rules[r].order, r))
    G = scores.graph
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kinds: {sorted(unknown)}")
    members = np.flatnonzero(np.isin(G.kinds, [KINDS.index(k) for k in kinds]))
    composite = scores.composite[members]
    ordered = np.sort(composite)
    percentile = np.searchsorted(ordered, composite, side="left") / max(len(members), 1)
    measures = {
        "percentile": percentile,
        "score": composite,
        "reach": scores.raw[members, PARTS.index("reach")],
        "converted_reach": scores.raw[members, PARTS.index("converted_reach")],
        "degree": scores.raw[members, PARTS.index("degree")],
        "assets_under_management": scores.raw[members, PARTS.index("assets_under_management")],
        "referred_assets_under_management": scores.raw[members, PARTS.index("referred_assets_under_management")],
    }
    segment_index = np.full(len(members), -1, dtype=np.int64)
    for r in ranked:
        rule = rules[r]
        checks = [measures[m] >= t for m, t in rule.conditions()]
        fires = np.logical_and.reduce(checks) if rule.match == "all" else np.logical_or.reduce(checks)
        segment_index[(segment_index < 0) & fires] = r
    slot = np.full(G.n_entities, -1, dtype=np.int64)
    slot[members] = np.arange(len(members))
    return SegmentSuggestions(scores, rules, members, segment_index, percentile, measures, slot)
