"""The cycle of service: the level of service each tier gets, and the dates it sets."""

from __future__ import annotations

import calendar
import math
from datetime import date, timedelta
from enum import StrEnum

from app.domain.tiers import Tier


class ReviewFrequency(StrEnum):
    annual = "annual"
    semi_annual = "semi_annual"
    quarterly = "quarterly"

    @property
    def months(self) -> int:
        return {"annual": 12, "semi_annual": 6, "quarterly": 3}[self.value]


class TouchKind(StrEnum):
    call = "call"
    meeting = "meeting"
    review = "review"
    email = "email"
    letter = "letter"
    event = "event"
    card = "card"
    other = "other"


class ServiceRequestKind(StrEnum):
    address_change = "address_change"
    complaint = "complaint"
    question = "question"
    paperwork = "paperwork"
    other = "other"


class ImportantDateKind(StrEnum):
    birthday = "birthday"
    anniversary = "anniversary"
    review = "review"
    other = "other"


#: The service level of each tier until the practice edits it.
DEFAULT_TEMPLATES: dict[Tier, dict] = {
    Tier.AAA: {"touches_per_year": 24, "review_frequency": ReviewFrequency.quarterly, "appreciation_events": 2,
               "newsletters": True, "holiday_cards": True, "birthday_contact": True},
    Tier.AA: {"touches_per_year": 12, "review_frequency": ReviewFrequency.semi_annual, "appreciation_events": 1,
              "newsletters": True, "holiday_cards": True, "birthday_contact": True},
    Tier.A: {"touches_per_year": 8, "review_frequency": ReviewFrequency.semi_annual, "appreciation_events": 1,
             "newsletters": True, "holiday_cards": True, "birthday_contact": True},
    Tier.B: {"touches_per_year": 4, "review_frequency": ReviewFrequency.annual, "appreciation_events": 0,
             "newsletters": True, "holiday_cards": True, "birthday_contact": False},
    Tier.C: {"touches_per_year": 2, "review_frequency": ReviewFrequency.annual, "appreciation_events": 0,
             "newsletters": True, "holiday_cards": False, "birthday_contact": False},
    Tier.D: {"touches_per_year": 1, "review_frequency": ReviewFrequency.annual, "appreciation_events": 0,
             "newsletters": True, "holiday_cards": False, "birthday_contact": False},
}

#: How many days ahead the important dates look by default, and how far any look ahead may
#: reach (a year, leap day included).
DEFAULT_UPCOMING_DAYS = 30
MAX_DAYS_AHEAD = 366


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def touches_due_by(touches_per_year: int, today: date) -> int:
    """Touches due so far this year: the yearly number spread evenly over the days, counting a
    touch due once its share of the year has passed (all of them by 31 December)."""
    start = date(today.year, 1, 1)
    days = 366 if calendar.isleap(today.year) else 365
    return min(touches_per_year, math.floor(touches_per_year * ((today - start).days + 1) / days))


def next_review(last_review: date | None, frequency: ReviewFrequency, scheduled: date | None, today: date) -> date:
    """A scheduled review date wins; otherwise one interval after the last review, or today
    when the client has never had one."""
    if scheduled is not None:
        return scheduled
    if last_review is None:
        return today
    return add_months(last_review, frequency.months)


def next_occurrence(day: date, today: date, *, recurring: bool) -> date | None:
    """The next time a date falls on or after ``today`` (yearly if recurring); 29 February
    falls on 28 February in other years."""
    if not recurring:
        return day if day >= today else None
    for year in (today.year, today.year + 1):
        last = calendar.monthrange(year, day.month)[1]
        candidate = date(year, day.month, min(day.day, last))
        if candidate >= today:
            return candidate
    return None


def within(day: date, today: date, days: int) -> bool:
    return today <= day <= today + timedelta(days=days)
