"""Client tiers: the three traits, the rules that turn them into a tier, and the reasons.

A client has up to three traits, each measured from data against a threshold the practice
sets (:class:`TierSettings`):

* **provides quality referrals**: the entities it referred (it, or a person who is an active
  member of it) within the referral window that converted, counted as the distinct
  converted clients they lead to (counted by ``TierService.measure``: a referred client at
  stage ``client``, or a referred person who is an active member of one). A referral by a
  person who is an active member of several clients counts for each of them (Jean Elliott
  refers for her household and for Smart Systems alike: the practice owes the referral to
  both relationships), never for the client it brought in. A referral with no ``since``
  date cannot be placed in the window: it is left out, and the reason says how many were;
* **generates significant revenue**: annual revenue at or above the revenue threshold, or
  at or above the revenue percentile of the practice's clients (either one, where set);
* **able to buy more**: the ``able_to_buy_more`` flag, assets held elsewhere at or above
  the capacity threshold, or, for a prospect, its estimated size at or above it.

The tier, first rule that applies:

1. **AAA** three traits, **AA** two, **A** one (a centre of influence who only refers is an
   A, and so is a large prospect);
2. **D** none of the traits, it has bought (stage ``client``, or revenue above 0), and it
   costs more to serve than it earns: the touches and service requests of the last year at
   their configured cost each exceed its revenue (a prospect has bought nothing: never D);
3. **B** none of the traits but within the margin of one: revenue or capacity at or above
   ``(1 - b_margin)`` of its threshold, or referrals in the window that have not become
   clients yet, at least as many as the referrals needed;
4. **C** none of the traits, and it has bought (stage ``client``, or revenue above 0);
5. no tier: a client that has bought nothing on record (a prospect, or an inactive client
   with no revenue) without any trait or near miss.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from app.domain.errors import InvalidInput


class Tier(StrEnum):
    AAA = "AAA"
    AA = "AA"
    A = "A"
    B = "B"
    C = "C"
    D = "D"


class Trait(StrEnum):
    quality_referrals = "quality_referrals"
    significant_revenue = "significant_revenue"
    able_to_buy_more = "able_to_buy_more"


#: The tier of a client with this many traits.
_BY_TRAITS = {3: Tier.AAA, 2: Tier.AA, 1: Tier.A}
#: The stage of a client who has bought, and of one who has not yet.
CLIENT_STAGE = "client"
PROSPECT_STAGE = "prospect"


@dataclass(frozen=True)
class TierSettings:
    """The thresholds a practice sets; the defaults suit a small advice practice."""

    #: Referred entities that became clients, within the window, for the referral trait.
    min_quality_referrals: int = 1
    #: How far back a referral (its ``since`` date) counts, in days (3 years).
    referral_window_days: int = 1095
    #: Annual revenue at or above which a client generates significant revenue (None: unused).
    revenue_threshold: float | None = 10_000.0
    #: Or: revenue at or above this percentile (0-1) of clients with revenue (None: unused).
    revenue_percentile: float | None = None
    #: Assets held elsewhere, or a prospect's estimated size, at or above which a client is
    #: able to buy more.
    capacity_threshold: float = 250_000.0
    #: A client below every threshold but at or above (1 - margin) of one is a B.
    b_margin: float = 0.2
    #: The cost of one logged touch and of one service request, against annual revenue.
    touch_cost: float = 150.0
    service_request_cost: float = 100.0
    #: How far back touches and service requests count toward the service cost, in days.
    cost_window_days: int = 365

    def __post_init__(self) -> None:
        problems = []
        if self.min_quality_referrals < 1:
            problems.append("min_quality_referrals must be at least 1")
        if self.referral_window_days < 1 or self.cost_window_days < 1:
            problems.append("windows must be at least 1 day")
        if self.revenue_threshold is None and self.revenue_percentile is None:
            problems.append("set revenue_threshold, revenue_percentile or both")
        if self.revenue_threshold is not None and not (self.revenue_threshold >= 0 and math.isfinite(self.revenue_threshold)):
            problems.append("revenue_threshold must be a non-negative number")
        if self.revenue_percentile is not None and not 0 <= self.revenue_percentile <= 1:
            problems.append("revenue_percentile must be between 0 and 1")
        if not (self.capacity_threshold > 0 and math.isfinite(self.capacity_threshold)):
            problems.append("capacity_threshold must be above 0")
        if not 0 <= self.b_margin < 1:
            problems.append("b_margin must be at least 0 and below 1")
        if self.touch_cost < 0 or self.service_request_cost < 0:
            problems.append("costs must not be negative")
        if problems:
            raise InvalidInput("invalid tier settings: " + "; ".join(problems))


@dataclass(frozen=True)
class ClientTraits:
    """What the rules need to know of one client, already measured."""

    stage: str | None = None
    annual_revenue: float | None = None
    #: Entities referred within the window that are now clients, and those that are not yet.
    converted_referrals: int = 0
    unconverted_referrals: int = 0
    #: Referrals with no ``since`` date: not known to fall in the window, so left out.
    undated_referrals: int = 0
    able_to_buy_more: bool | None = None
    assets_held_elsewhere: float | None = None
    estimated_size: float | None = None
    touches: int = 0
    service_requests: int = 0


@dataclass(frozen=True)
class TierReason:
    """One measure against its threshold: why a trait is held, missed or nearly held."""

    trait: str
    measure: str
    value: float
    threshold: float | None
    met: bool
    near: bool
    text: str


@dataclass(frozen=True)
class TierSuggestion:
    tier: Tier | None
    traits: tuple[Trait, ...]
    service_cost: float
    reasons: tuple[TierReason, ...] = field(default=())
    summary: str = ""


def revenue_cut(revenues: Sequence[float | None], percentile: float) -> float | None:
    """The revenue at ``percentile`` (0-1, nearest rank) of the clients with revenue."""
    known = sorted(r for r in revenues if r is not None)
    if not known:
        return None
    rank = max(1, math.ceil(percentile * len(known)))
    return known[rank - 1]


def _against(trait: Trait, name: str, words: str, value: float, cut: float, settings: TierSettings, *,
             known: bool = True) -> TierReason:
    """A measure against its threshold: met at or above ``cut``, near (a B) below it but within
    the settings' margin; a measure not ``known`` (shown as ``value``) is neither."""
    met = known and value >= cut
    near = not met and known and value >= cut * (1 - settings.b_margin)
    return TierReason(
        trait, name, value, cut, met, near,
        f"{words} {value:,.0f} {'at or above' if met else 'below'} {cut:,.0f}"
        + (f" (within {settings.b_margin:.0%})" if near else ""),
    )


def classify(client: ClientTraits, settings: TierSettings, *, revenue_percentile_cut: float | None = None) -> TierSuggestion:
    """The tier the rules give ``client``, with a reason per measure.

    ``revenue_percentile_cut`` is the revenue at the settings' percentile among the
    practice's clients (see :func:`revenue_cut`); it is used only when a percentile is set.
    """
    reasons: list[TierReason] = []

    # (1) quality referrals
    needed = settings.min_quality_referrals
    referrals_met = client.converted_referrals >= needed
    referrals_near = not referrals_met and client.unconverted_referrals >= needed
    reasons.append(TierReason(
        Trait.quality_referrals, "converted_referrals", client.converted_referrals, needed, referrals_met, referrals_near,
        f"{client.converted_referrals} referred in the last {settings.referral_window_days} days became clients "
        f"(needs {needed})" + (f"; {client.unconverted_referrals} more referred, not clients yet" if client.unconverted_referrals else "")
        + (f"; {client.undated_referrals} referral{'s' if client.undated_referrals != 1 else ''} left out: no since "
           "date, so not known to fall in the window" if client.undated_referrals else ""),
    ))

    # (2) significant revenue
    revenue = client.annual_revenue or 0.0
    revenue_met = revenue_near = False
    revenue_cuts = []
    if settings.revenue_threshold is not None:
        revenue_cuts.append(("revenue_threshold", settings.revenue_threshold))
    if settings.revenue_percentile is not None and revenue_percentile_cut is not None:
        revenue_cuts.append((f"revenue_p{round(settings.revenue_percentile * 100)}", revenue_percentile_cut))
    for name, cut in revenue_cuts:
        reason = _against(Trait.significant_revenue, name, "annual revenue", revenue, cut, settings,
                          known=client.annual_revenue is not None)
        revenue_met, revenue_near = revenue_met or reason.met, revenue_near or reason.near
        reasons.append(reason)
    revenue_near = revenue_near and not revenue_met

    # (3) able to buy more
    capacity = settings.capacity_threshold
    capacity_met = bool(client.able_to_buy_more)
    capacity_near = False
    if client.able_to_buy_more:
        reasons.append(TierReason(Trait.able_to_buy_more, "able_to_buy_more", 1, None, True, False,
                                  "marked as able to buy more"))
    measures = [("assets_held_elsewhere", client.assets_held_elsewhere, "assets held elsewhere")]
    if client.stage == PROSPECT_STAGE:
        measures.append(("estimated_size", client.estimated_size, "estimated size as a prospect"))
    for name, value, words in measures:
        if value is None:
            continue
        reason = _against(Trait.able_to_buy_more, name, words, value, capacity, settings)
        capacity_met, capacity_near = capacity_met or reason.met, capacity_near or reason.near
        reasons.append(reason)
    capacity_near = capacity_near and not capacity_met

    traits = tuple(trait for trait, held in (
        (Trait.quality_referrals, referrals_met), (Trait.significant_revenue, revenue_met),
        (Trait.able_to_buy_more, capacity_met),
    ) if held)
    cost = client.touches * settings.touch_cost + client.service_requests * settings.service_request_cost
    bought = client.stage == CLIENT_STAGE or revenue > 0
    reasons.append(TierReason(
        "service_cost", "service_cost", cost, revenue, cost > revenue, False,
        f"serving cost {cost:,.0f} ({client.touches} touches at {settings.touch_cost:,.0f}, "
        f"{client.service_requests} service requests at {settings.service_request_cost:,.0f}) "
        f"{'above' if cost > revenue else 'within'} annual revenue {revenue:,.0f}",
    ))

    if traits:
        tier: Tier | None = _BY_TRAITS[len(traits)]
        why = f"{len(traits)} of 3 traits: {', '.join(t.value.replace('_', ' ') for t in traits)}"
    elif cost > revenue and bought:
        tier, why = Tier.D, f"no trait, and serving it costs {cost:,.0f} against revenue {revenue:,.0f}"
    elif referrals_near or revenue_near or capacity_near:
        nearly = [t.value.replace("_", " ") for t, near in (
            (Trait.quality_referrals, referrals_near), (Trait.significant_revenue, revenue_near),
            (Trait.able_to_buy_more, capacity_near)) if near]
        tier, why = Tier.B, f"no trait, but within the margin of: {', '.join(nearly)}"
    elif bought:
        tier, why = Tier.C, "has bought and holds none of the traits"
    else:
        tier, why = None, f"{_stage_words(client.stage)} with nothing bought on record and none of the traits: no tier"
    return TierSuggestion(tier, traits, cost, tuple(reasons), f"{tier.value if tier else 'no tier'}: {why}")


def _stage_words(stage: str | None) -> str:
    """A client's stage as the subject of a sentence ("a prospect", "a client at stage inactive")."""
    if stage == PROSPECT_STAGE:
        return "a prospect"
    return "a client with no stage" if stage is None else f"a client at stage {stage}"
