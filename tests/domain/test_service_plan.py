"""Service plans from hand-made clients; every date below was worked out by hand."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from app.domain.errors import InvalidInput
from app.domain.service_cycle import DEFAULT_TEMPLATES, add_months
from app.domain.service_plan import (
    AssigneeRule,
    KeptDate,
    ServiceLevel,
    TaskKind,
    first_review,
    plan_period,
    plan_tasks,
    spread,
    week_end,
)
from app.domain.tiers import Tier


def level(tier: Tier, **changes) -> ServiceLevel:
    return ServiceLevel.of({**DEFAULT_TEMPLATES[tier], **changes})


def of_kind(tasks, kind):
    return [(t.key, t.due.isoformat()) for t in tasks if t.kind is kind]


def test_touches_are_spread_over_the_calendar_year_leap_years_included():
    # 12 a year: the middle of each twelfth, (2i + 1) * days // 24 days after 1 January.
    assert [d.isoformat() for d in spread(2027, 12)[:3]] == ["2027-01-16", "2027-02-15", "2027-03-18"]
    assert [d.isoformat() for d in spread(2028, 12)[:3]] == ["2028-01-16", "2028-02-15", "2028-03-17"]  # 29 Feb
    assert spread(2027, 12)[-1] == date(2027, 12, 16)
    assert spread(2027, 1) == [date(2027, 7, 2)]  # day 182 of 365
    assert spread(2027, 2) == [date(2027, 4, 2), date(2027, 10, 1)]  # days 91 and 273


def test_a_tier_aa_year_from_1_january():
    # AA: 12 touches a year, of which 2 semi-annual reviews and 1 appreciation event: 9 calls.
    tasks = plan_tasks(client_id="c1", tier="AA", template=level(Tier.AA), as_of=date(2027, 1, 1), last_review=date(2026, 9, 10))
    touches = of_kind(tasks, TaskKind.touch)
    assert len(touches) == 9
    # (2i + 1) * 365 // 18: days 20, 60, 101 -> 21 January, 2 March, 12 April.
    assert touches[:3] == [("touch:2027:1", "2027-01-21"), ("touch:2027:2", "2027-03-02"), ("touch:2027:3", "2027-04-12")]
    # Reviews: six months after 10 September 2026, then six months later; slots are halves.
    assert of_kind(tasks, TaskKind.review) == [("review:2027:1", "2027-03-10"), ("review:2027:2", "2027-09-10")]
    assert of_kind(tasks, TaskKind.appreciation_event) == [("appreciation_event:2027:1", "2027-07-02")]
    assert of_kind(tasks, TaskKind.holiday_card) == [("holiday_card:2027", "2027-12-01")]
    assert of_kind(tasks, TaskKind.newsletter) == [
        ("newsletter:2027:Q1", "2027-02-15"), ("newsletter:2027:Q2", "2027-05-15"),
        ("newsletter:2027:Q3", "2027-08-15"), ("newsletter:2027:Q4", "2027-11-15")]
    assert [t.due for t in tasks] == sorted(t.due for t in tasks)
    touch = next(t for t in tasks if t.kind is TaskKind.touch)
    assert touch.source == "tier AA template: 12 touches a year, 9 of them calls besides 2 reviews and 1 appreciation event"
    assert {t.assignee for t in tasks if t.kind in (TaskKind.holiday_card, TaskKind.newsletter)} == {AssigneeRule.client_service}
    assert {t.assignee for t in tasks if t.kind is TaskKind.touch} == {AssigneeRule.owner}


def test_a_period_across_two_years_keeps_calendar_dates_and_keys():
    # D: one touch a year, which is its annual review: no calls; newsletters only.
    tasks = plan_tasks(client_id="c1", tier="D", template=level(Tier.D), as_of=date(2026, 11, 23), last_review=date(2026, 3, 1))
    assert of_kind(tasks, TaskKind.touch) == []
    assert of_kind(tasks, TaskKind.review) == [("review:2027:1", "2027-03-01")]
    assert of_kind(tasks, TaskKind.newsletter) == [
        ("newsletter:2027:Q1", "2027-02-15"), ("newsletter:2027:Q2", "2027-05-15"),
        ("newsletter:2027:Q3", "2027-08-15"), ("newsletter:2027:Q4", "2027-11-15")]  # 15 November 2026 was before it
    assert plan_period(date(2026, 11, 23)) == (date(2026, 11, 23), date(2027, 11, 22))
    # A week later the same tasks keep their keys and dates; only what left the period goes.
    later = plan_tasks(client_id="c1", tier="D", template=level(Tier.D), as_of=date(2026, 11, 30), last_review=date(2026, 3, 1))
    assert {(t.key, t.due) for t in later} >= {(t.key, t.due) for t in tasks}


def test_a_review_overdue_already_is_kept_at_its_date_and_the_next_follows_from_the_start():
    tasks = plan_tasks(client_id="c1", tier="AAA", template=level(Tier.AAA), as_of=date(2026, 11, 23), last_review=date(2026, 1, 31))
    # Quarterly: due 30 April 2026 (31 April does not exist), overdue; then 23 February,
    # 23 May, 23 August 2027 (quarters 1, 2, 3); 23 November 2027 is past the period's end.
    assert of_kind(tasks, TaskKind.review) == [
        ("review:2026:2", "2026-04-30"), ("review:2027:1", "2027-02-23"), ("review:2027:2", "2027-05-23"),
        ("review:2027:3", "2027-08-23")]
    assert tasks[0].kind is TaskKind.review and tasks[0].due < date(2026, 11, 23)


def test_never_reviewed_is_due_on_the_clients_day_of_the_first_interval_and_a_scheduled_review_wins():
    never = plan_tasks(client_id="c1", tier="C", template=level(Tier.C), as_of=date(2027, 5, 4))
    assert first_review("c1", date(2027, 5, 4), 12) == date(2027, 12, 5)  # c1's place in a yearly cycle: 5 December
    assert of_kind(never, TaskKind.review) == [("review:2027:1", "2027-12-05")]
    assert "no review recorded yet" in next(t for t in never if t.kind is TaskKind.review).source
    # A week later, the same day; once it has passed, the next cycle's.
    week_later = plan_tasks(client_id="c1", tier="C", template=level(Tier.C), as_of=date(2027, 5, 11))
    assert of_kind(week_later, TaskKind.review) == [("review:2027:1", "2027-12-05")]
    assert first_review("c1", date(2027, 12, 6), 12) == date(2028, 12, 5)
    scheduled = plan_tasks(client_id="c1", tier="C", template=level(Tier.C), as_of=date(2027, 5, 4),
                           last_review=date(2027, 1, 1), scheduled_review=date(2027, 6, 9))
    assert of_kind(scheduled, TaskKind.review) == [("review:2027:1", "2027-06-09")]


@pytest.mark.parametrize("months", [3, 6, 12])
def test_first_reviews_spread_over_the_first_interval(months):
    # 2,000 clients never reviewed, one adviser's plan from Monday 23 November 2026: every
    # first review within the first interval, no week of it with more than twice its share.
    start = date(2026, 11, 23)
    days = [first_review(f"01M9705{i:019d}", start, months) for i in range(2000)]
    assert min(days) >= start and max(days) < add_months(start, months)
    weeks = Counter((day - start).days // 7 for day in days)
    share = len(days) / ((add_months(start, months) - start).days / 7)
    assert len(weeks) >= (add_months(start, months) - start).days // 7 and max(weeks.values()) <= 2 * share
    assert days == [first_review(f"01M9705{i:019d}", start, months) for i in range(2000)]  # the same every time


def test_birthdays_feb_29_and_anniversaries():
    dates = [
        KeptDate("birth_date:p1", TaskKind.birthday, date(1984, 2, 29), "p1", "Leap Lewis"),
        KeptDate("d-1", TaskKind.birthday, date(1984, 2, 29), "p1", "Leap Lewis"),  # the same birthday kept twice
        KeptDate("d-2", TaskKind.anniversary, date(1996, 8, 24), "p2", "Jean Elliott"),
    ]
    tasks = plan_tasks(client_id="c1", tier="A", template=level(Tier.A), as_of=date(2027, 1, 1), months=24, dates=dates)
    assert of_kind(tasks, TaskKind.birthday) == [("birthday:birth_date:p1:2027", "2027-02-28"),
                                                 ("birthday:birth_date:p1:2028", "2028-02-29")]
    assert of_kind(tasks, TaskKind.anniversary) == [("anniversary:d-2:2027", "2027-08-24"), ("anniversary:d-2:2028", "2028-08-24")]
    birthday = next(t for t in tasks if t.kind is TaskKind.birthday)
    assert (birthday.subject_id, birthday.subject_name) == ("p1", "Leap Lewis")
    assert "Leap Lewis's birthday, 1984-02-29" in birthday.source
    # B has no birthday contact: the dates give nothing.
    assert of_kind(plan_tasks(client_id="c1", tier="B", template=level(Tier.B), as_of=date(2027, 1, 1), dates=dates), TaskKind.birthday) == []


def test_a_template_with_fewer_touches_than_reviews_and_nothing_else():
    quiet = level(Tier.B, touches_per_year=0, newsletters=False, holiday_cards=False)
    tasks = plan_tasks(client_id="c1", tier="B", template=quiet, as_of=date(2027, 1, 1), last_review=date(2026, 12, 31))
    assert [(t.kind, t.due) for t in tasks] == [(TaskKind.review, date(2027, 12, 31))]


def test_period_bounds_and_week_end():
    with pytest.raises(InvalidInput, match="1 to 36 months"):
        plan_period(date(2027, 1, 1), 0)
    assert plan_period(date(2028, 2, 29), 12) == (date(2028, 2, 29), date(2029, 2, 27))
    assert week_end(date(2026, 11, 23)) == date(2026, 11, 29)  # a Monday
    assert week_end(date(2026, 11, 29)) == date(2026, 11, 29)  # a Sunday
