"""Each tier rule on hand-made clients, with the default thresholds: revenue 10,000, capacity
250,000, one converted referral, B margin 20%, touch 150 and service request 100."""

from __future__ import annotations

import pytest

from app.domain.errors import InvalidInput
from app.domain.tiers import (
    ClientTraits,
    Tier,
    TierSettings,
    Trait,
    classify,
    revenue_cut,
)

DEFAULTS = TierSettings()


def tier_of(settings: TierSettings = DEFAULTS, cut: float | None = None, **traits) -> Tier | None:
    return classify(ClientTraits(**traits), settings, revenue_percentile_cut=cut).tier


def test_three_traits_is_aaa_two_is_aa_one_is_a():
    all_three = ClientTraits(stage="client", annual_revenue=25_000, converted_referrals=2, assets_held_elsewhere=400_000)
    suggestion = classify(all_three, DEFAULTS)
    assert suggestion.tier is Tier.AAA
    assert suggestion.traits == (Trait.quality_referrals, Trait.significant_revenue, Trait.able_to_buy_more)
    assert suggestion.summary.startswith("AAA: 3 of 3 traits")
    assert tier_of(stage="client", annual_revenue=25_000, able_to_buy_more=True) is Tier.AA
    assert tier_of(stage="client", annual_revenue=10_000) is Tier.A  # at the threshold counts


def test_reasons_name_the_numbers_and_thresholds():
    suggestion = classify(ClientTraits(stage="client", annual_revenue=12_000, converted_referrals=0), DEFAULTS)
    by_measure = {r.measure: r for r in suggestion.reasons}
    revenue = by_measure["revenue_threshold"]
    assert (revenue.trait, revenue.value, revenue.threshold, revenue.met) == ("significant_revenue", 12_000, 10_000, True)
    assert "12,000 at or above 10,000" in revenue.text
    referrals = by_measure["converted_referrals"]
    assert (referrals.value, referrals.threshold, referrals.met) == (0, 1, False)
    assert "service_cost" in by_measure


def test_a_centre_of_influence_who_only_refers_is_an_a():
    # No revenue, never bought, but two people it referred became clients.
    centre = ClientTraits(stage="prospect", converted_referrals=2)
    suggestion = classify(centre, DEFAULTS)
    assert (suggestion.tier, suggestion.traits) == (Tier.A, (Trait.quality_referrals,))


def test_a_centre_of_influence_stays_an_a_even_when_serving_it_costs_more_than_it_earns():
    assert tier_of(stage="client", converted_referrals=1, touches=10) is Tier.A


def test_a_large_prospect_is_an_a():
    prospect = classify(ClientTraits(stage="prospect", estimated_size=2_000_000), DEFAULTS)
    assert (prospect.tier, prospect.traits) == (Tier.A, (Trait.able_to_buy_more,))
    assert any(r.measure == "estimated_size" and r.met for r in prospect.reasons)


def test_estimated_size_counts_only_for_a_prospect():
    assert tier_of(stage="client", annual_revenue=1_000, estimated_size=2_000_000) is Tier.C


def test_able_to_buy_more_from_assets_held_elsewhere_or_the_flag():
    assert tier_of(stage="client", annual_revenue=1_000, assets_held_elsewhere=250_000) is Tier.A
    assert tier_of(stage="client", annual_revenue=1_000, able_to_buy_more=True) is Tier.A
    assert tier_of(stage="client", annual_revenue=1_000, able_to_buy_more=False, assets_held_elsewhere=100) is Tier.C


def test_a_d_client_costs_more_to_serve_than_it_earns():
    # 1,000 revenue; 6 touches at 150 and 2 requests at 100 cost 1,100.
    suggestion = classify(ClientTraits(stage="client", annual_revenue=1_000, touches=6, service_requests=2), DEFAULTS)
    assert suggestion.tier is Tier.D
    cost = next(r for r in suggestion.reasons if r.measure == "service_cost")
    assert (cost.value, cost.threshold, cost.met) == (1_100, 1_000, True)
    # Exactly break-even is not a D.
    assert tier_of(stage="client", annual_revenue=1_100, touches=6, service_requests=2) is Tier.C


def test_d_comes_before_b():
    assert tier_of(stage="client", annual_revenue=9_000, touches=61) is Tier.D


def test_b_is_within_the_margin_of_a_threshold():
    assert tier_of(stage="client", annual_revenue=8_000) is Tier.B  # 80% of 10,000
    assert tier_of(stage="client", annual_revenue=7_999) is Tier.C
    assert tier_of(stage="client", annual_revenue=100, assets_held_elsewhere=200_000) is Tier.B
    assert tier_of(stage="client", annual_revenue=100, unconverted_referrals=1) is Tier.B
    suggestion = classify(ClientTraits(stage="client", annual_revenue=9_000), DEFAULTS)
    assert suggestion.summary == "B: no trait, but within the margin of: significant revenue"
    assert tier_of(TierSettings(b_margin=0), stage="client", annual_revenue=9_999) is Tier.C


def test_c_has_bought_and_holds_no_trait():
    assert tier_of(stage="client", annual_revenue=500) is Tier.C
    assert tier_of(stage="inactive", annual_revenue=500) is Tier.C  # revenue means it bought
    assert tier_of(stage="client") is Tier.C


def test_a_prospect_without_traits_gets_no_tier():
    suggestion = classify(ClientTraits(stage="prospect"), DEFAULTS)
    assert suggestion.tier is None and suggestion.summary.startswith("no tier")


def test_a_prospect_has_bought_nothing_so_is_never_a_d():
    # Quinn: a prospect of estimated size 220,000 (within 20% of 250,000) with one call logged.
    quinn = classify(ClientTraits(stage="prospect", estimated_size=220_000, touches=1), DEFAULTS)
    assert quinn.tier is Tier.B and quinn.summary == "B: no trait, but within the margin of: able to buy more"
    assert tier_of(stage="prospect", touches=20) is None  # costly, nothing near: still no tier, not D


def test_a_client_that_bought_nothing_on_record_is_summarised_by_its_stage():
    # Ward: an inactive former client with no figures.
    ward = classify(ClientTraits(stage="inactive"), DEFAULTS)
    assert (ward.tier, ward.summary) == (
        None, "no tier: a client at stage inactive with nothing bought on record and none of the traits: no tier")
    assert classify(ClientTraits(stage="prospect"), DEFAULTS).summary.startswith("no tier: a prospect with nothing")


def test_undated_referrals_are_left_out_and_the_reason_says_how_many():
    reed = classify(ClientTraits(stage="client", annual_revenue=100, undated_referrals=2), DEFAULTS)
    [referrals] = [r for r in reed.reasons if r.trait == Trait.quality_referrals]
    assert referrals.value == 0 and "2 referrals left out: no since date" in referrals.text


def test_revenue_by_percentile():
    revenues = [1_000, 2_000, 3_000, 4_000, None]
    cut = revenue_cut(revenues, 0.75)
    assert cut == 3_000 and revenue_cut([None], 0.5) is None
    settings = TierSettings(revenue_threshold=None, revenue_percentile=0.75)
    assert tier_of(settings, cut, stage="client", annual_revenue=3_000) is Tier.A
    assert tier_of(settings, cut, stage="client", annual_revenue=2_000) is Tier.C
    # Threshold or percentile: either one is enough.
    both = TierSettings(revenue_threshold=50_000, revenue_percentile=0.75)
    assert tier_of(both, cut, stage="client", annual_revenue=3_500) is Tier.A


@pytest.mark.parametrize("bad", [
    {"b_margin": 1.0}, {"capacity_threshold": 0}, {"revenue_threshold": None},
    {"revenue_percentile": 1.5}, {"min_quality_referrals": 0}, {"touch_cost": -1}, {"referral_window_days": 0},
])
def test_settings_that_cannot_work_are_refused(bad):
    with pytest.raises(InvalidInput):
        TierSettings(**bad)

