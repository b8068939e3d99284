"""The cycle of service's dates: months on, touches due so far, the next review, the next
time a date recurs, and a look ahead."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.service_cycle import (
    DEFAULT_TEMPLATES,
    ReviewFrequency,
    add_months,
    next_occurrence,
    next_review,
    touches_due_by,
    within,
)
from app.domain.tiers import Tier

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 8, 31), 6, date(2027, 2, 28)),  # the month is shorter: its last day
    (date(2027, 8, 31), 6, date(2028, 2, 29)),  # a leap year's February
    (date(2026, 1, 31), 3, date(2026, 4, 30)),
    (date(2026, 11, 15), 1, date(2026, 12, 15)),  # December is month 12, not 0
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 3, 1), 12, date(2027, 3, 1)),
    (date(2026, 3, 1), 27, date(2028, 6, 1)),
    (date(2026, 3, 31), 0, date(2026, 3, 31)),
])
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(("per_year", "today", "due"), [
    (12, date(2026, 1, 1), 0),
    (12, date(2026, 1, 30), 0),  # 30/365 of 12 is 0.986
    (12, date(2026, 1, 31), 1),  # 31/365 of 12 is 1.02
    (12, date(2026, 7, 2), 6),  # day 183 of 365
    (12, date(2026, 12, 30), 11),
    (12, date(2026, 12, 31), 12),  # all of them by 31 December
    (12, date(2028, 12, 31), 12),  # a leap year's 366th day
    (12, date(2028, 12, 30), 11),  # 365/366 of 12 is 11.97: a leap year has one more day
    (1, date(2026, 12, 30), 0),
    (1, date(2026, 12, 31), 1),
    (0, date(2026, 12, 31), 0),
    (24, date(2028, 6, 30), 11),  # day 182 of 366: 11.93
])
def test_touches_due_so_far_this_year(per_year, today, due):
    assert touches_due_by(per_year, today) == due


def test_next_review_scheduled_wins_then_an_interval_after_the_last_then_today():
    assert next_review(date(2026, 3, 1), ReviewFrequency.annual, date(2027, 1, 5), TODAY) == date(2027, 1, 5)
    assert next_review(None, ReviewFrequency.quarterly, date(2025, 1, 5), TODAY) == date(2025, 1, 5)  # even if past
    assert next_review(date(2026, 3, 1), ReviewFrequency.quarterly, None, TODAY) == date(2026, 6, 1)
    assert next_review(date(2026, 3, 1), ReviewFrequency.semi_annual, None, TODAY) == date(2026, 9, 1)
    assert next_review(date(2026, 3, 1), ReviewFrequency.annual, None, TODAY) == date(2027, 3, 1)
    assert next_review(None, ReviewFrequency.annual, None, TODAY) == TODAY


def test_review_frequencies_in_months():
    assert {f: f.months for f in ReviewFrequency} == {
        ReviewFrequency.annual: 12, ReviewFrequency.semi_annual: 6, ReviewFrequency.quarterly: 3,
    }


@pytest.mark.parametrize(("day", "today", "expected"), [
    (date(1968, 4, 12), TODAY, date(2027, 4, 12)),  # passed this year: next year's
    (date(1970, 11, 23), TODAY, TODAY),  # today counts
    (date(1970, 12, 25), TODAY, date(2026, 12, 25)),
    (date(2000, 2, 29), date(2027, 1, 1), date(2027, 2, 28)),  # no 29 February in 2027
    (date(2000, 2, 29), date(2028, 1, 1), date(2028, 2, 29)),
    (date(2000, 2, 29), date(2027, 3, 1), date(2028, 2, 29)),
])
def test_a_recurring_date_falls_next_on_or_after_today(day, today, expected):
    assert next_occurrence(day, today, recurring=True) == expected


def test_a_one_off_date_falls_only_once():
    assert next_occurrence(date(2026, 1, 1), TODAY, recurring=False) is None
    assert next_occurrence(date(2027, 1, 1), TODAY, recurring=False) == date(2027, 1, 1)
    assert next_occurrence(TODAY, TODAY, recurring=False) == TODAY


def test_within_counts_both_ends():
    assert within(TODAY, TODAY, 0)
    assert within(date(2026, 12, 23), TODAY, 30)
    assert not within(date(2026, 12, 24), TODAY, 30)
    assert not within(date(2026, 11, 22), TODAY, 30)


def test_every_tier_has_a_template_and_better_tiers_get_at_least_as_much_service():
    assert set(DEFAULT_TEMPLATES) == set(Tier)
    order = [Tier.AAA, Tier.AA, Tier.A, Tier.B, Tier.C, Tier.D]
    touches = [DEFAULT_TEMPLATES[tier]["touches_per_year"] for tier in order]
    assert touches == [24, 12, 8, 4, 2, 1]
    months = [DEFAULT_TEMPLATES[tier]["review_frequency"].months for tier in order]
    assert months == sorted(months)
