"""Service plans: the dated tasks a client's tier and its service template give for a period.

A plan is worked out from what is known of one client (:func:`plan_tasks`), with no store
and no clock: the same inputs always give the same tasks, each with a stable ``key``, so
that generating a plan again changes only what really changed.

How each template setting becomes tasks (dates in the calendar, so a plan made a week later
keeps the same dates and keys):

* **touches**: the template's touches a year, less the reviews and appreciation events a
  year (they are personal touches too), spread evenly over each calendar year: touch ``i``
  of ``n`` falls in the middle of the ``i``-th ``n``-th of the year (12 a year: about the
  16th of each month). Key ``touch:<year>:<i>``.
* **reviews**: one review interval after the last review (or the scheduled review date,
  when one is set; for a client never reviewed, a day of the period's first interval fixed
  by the client's id, :func:`first_review`, so that a practice's first reviews spread over
  that interval instead of all falling due on the plan's first day). A review due before
  the period starts is kept at its date, overdue; the reviews after it follow one interval
  apart from the start of the period. Key ``review:<year>:<slot>``, the slot being
  the quarter, half or year (by the interval) the review falls in.
* **birthdays** and **anniversaries** (``birthday_contact``): each person's birthday (from
  their birth date, or a birthday kept as an important date) and the yearly important dates
  kept on the client and its people; 29 February falls on 28 February in other years.
  Key ``birthday:<date id>:<year>``.
* **holiday cards**: one a year, due on :data:`HOLIDAY_CARD_DUE`. Key ``holiday_card:<year>``.
* **newsletters**: one a quarter, due on :data:`NEWSLETTER_DUE`. Key ``newsletter:<year>:<quarter>``.
* **appreciation events**: the template's number a year, spread as touches are.
  Key ``appreciation_event:<year>:<i>``.
"""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from app.domain.errors import InvalidInput
from app.domain.service_cycle import ReviewFrequency, TouchKind, add_months

#: How long a plan runs when no period is given.
DEFAULT_PLAN_MONTHS = 12
MAX_PLAN_MONTHS = 36
#: How many days ahead a work queue's "coming up" reaches by default.
DEFAULT_QUEUE_DAYS = 30
#: (month, day) a holiday card is due by, each year.
HOLIDAY_CARD_DUE = (12, 1)
#: (month, day) of each quarter's newsletter.
NEWSLETTER_DUE = ((2, 15), (5, 15), (8, 15), (11, 15))
#: The stage a client must be at to have a plan.
PLANNED_STAGE = "client"


class TaskKind(StrEnum):
    touch = "touch"
    review = "review"
    birthday = "birthday"
    anniversary = "anniversary"
    holiday_card = "holiday_card"
    newsletter = "newsletter"
    appreciation_event = "appreciation_event"


class TaskStatus(StrEnum):
    open = "open"
    done = "done"
    skipped = "skipped"


class AssigneeRule(StrEnum):
    """Who a task goes to."""

    #: The client's owner.
    owner = "owner"
    #: A client-service team member reporting to the owner (the first by id), else the owner.
    client_service = "client_service"


#: Who each kind of task goes to.
TASK_ASSIGNEE: Mapping[TaskKind, AssigneeRule] = {
    TaskKind.touch: AssigneeRule.owner,
    TaskKind.review: AssigneeRule.owner,
    TaskKind.birthday: AssigneeRule.owner,
    TaskKind.anniversary: AssigneeRule.owner,
    TaskKind.appreciation_event: AssigneeRule.owner,
    TaskKind.holiday_card: AssigneeRule.client_service,
    TaskKind.newsletter: AssigneeRule.client_service,
}

#: The touch that completing a task of each kind logs on the client (unless told otherwise).
TASK_TOUCH: Mapping[TaskKind, TouchKind] = {
    TaskKind.touch: TouchKind.call,
    TaskKind.review: TouchKind.review,
    TaskKind.birthday: TouchKind.call,
    TaskKind.anniversary: TouchKind.call,
    TaskKind.appreciation_event: TouchKind.event,
    TaskKind.holiday_card: TouchKind.card,
    TaskKind.newsletter: TouchKind.letter,
}


@dataclass(frozen=True)
class ServiceLevel:
    """The settings of a tier's service template that a plan reads."""

    touches_per_year: int
    review_frequency: ReviewFrequency
    appreciation_events: int
    newsletters: bool
    holiday_cards: bool
    birthday_contact: bool

    @classmethod
    def of(cls, template: Mapping[str, object]) -> ServiceLevel:
        return cls(
            touches_per_year=int(template["touches_per_year"]),
            review_frequency=ReviewFrequency(template["review_frequency"]),
            appreciation_events=int(template["appreciation_events"]),
            newsletters=bool(template["newsletters"]), holiday_cards=bool(template["holiday_cards"]),
            birthday_contact=bool(template["birthday_contact"]),
        )

    @property
    def reviews_per_year(self) -> int:
        return 12 // self.review_frequency.months


@dataclass(frozen=True)
class KeptDate:
    """A yearly date to contact someone about: a birthday or an anniversary."""

    #: Stable: the important date's id (``birth_date:<person id>`` for a birth date).
    id: str
    kind: TaskKind
    day: date
    #: Whose date it is.
    entity_id: str
    name: str


@dataclass(frozen=True)
class PlannedTask:
    key: str
    kind: TaskKind
    due: date
    assignee: AssigneeRule
    #: What produced it, in words.
    source: str
    #: The person or client a birthday or anniversary is of.
    subject_id: str | None = None
    subject_name: str | None = None


def plan_period(as_of: date, months: int = DEFAULT_PLAN_MONTHS) -> tuple[date, date]:
    """The first and last day of a plan of ``months`` months starting on ``as_of``."""
    if not 1 <= months <= MAX_PLAN_MONTHS:
        raise InvalidInput(f"a plan runs 1 to {MAX_PLAN_MONTHS} months, not {months}")
    return as_of, add_months(as_of, months) - timedelta(days=1)


def plan_tasks(
    *, client_id: str, tier: str, template: ServiceLevel, as_of: date, months: int = DEFAULT_PLAN_MONTHS,
    last_review: date | None = None, scheduled_review: date | None = None, dates: Sequence[KeptDate] = (),
) -> list[PlannedTask]:
    """The tasks client ``client_id`` of ``tier`` with ``template`` owes from ``as_of`` for
    ``months`` months (an overdue review included, at its date), sorted by due date and key."""
    start, end = plan_period(as_of, months)
    label = f"tier {tier} template"
    years = range(start.year, end.year + 1)
    tasks = [*_calendar_tasks(tier, template, start, end),
             *_reviews(template.review_frequency, label, start, end, last_review, scheduled_review, client_id)]
    if template.birthday_contact:
        seen: set[tuple[str, TaskKind, int, int]] = set()
        for kept in sorted(dates, key=lambda d: d.id):
            # A birthday kept both as a birth date and as an important date is one contact.
            once = (kept.entity_id, kept.kind, kept.day.month, kept.day.day)
            if once in seen:
                continue
            seen.add(once)
            for year in years:
                due = on_year(kept.day, year)
                tasks.append(PlannedTask(
                    f"{kept.kind.value}:{kept.id}:{year}", kept.kind, due, TASK_ASSIGNEE[kept.kind],
                    f"{label}: birthday and life-event contact ({kept.name}'s {kept.kind.value.replace('_', ' ')}, "
                    f"{kept.day.isoformat()})",
                    kept.entity_id, kept.name,
                ))
    return sorted((t for t in tasks if start <= t.due <= end or (t.kind is TaskKind.review and t.due < start)),
                  key=_by_due)


def _by_due(task: PlannedTask) -> tuple[date, str]:
    return task.due, task.key


@lru_cache(maxsize=64)
def _calendar_tasks(tier: str, template: ServiceLevel, start: date, end: date) -> tuple[PlannedTask, ...]:
    """The tasks every client of ``tier`` owes from ``start`` to ``end`` whoever it is (touches,
    appreciation events, holiday cards, newsletters): worked out once per tier and period
    (tasks are immutable, so the clients' plans share them)."""
    label = f"tier {tier} template"
    tasks: list[PlannedTask] = []
    years = range(start.year, end.year + 1)

    touches = max(0, template.touches_per_year - template.reviews_per_year - template.appreciation_events)
    if touches:
        why = (f"{label}: {template.touches_per_year} touches a year, {touches} of them calls"
               + (f" besides {template.reviews_per_year} review{'s' * (template.reviews_per_year > 1)}" if template.reviews_per_year else "")
               + (f" and {template.appreciation_events} appreciation event{'s' * (template.appreciation_events > 1)}"
                  if template.appreciation_events else ""))
        for year in years:
            for i, due in enumerate(spread(year, touches)):
                tasks.append(PlannedTask(f"touch:{year}:{i + 1}", TaskKind.touch, due, TASK_ASSIGNEE[TaskKind.touch], why))

    if template.appreciation_events:
        why = f"{label}: {template.appreciation_events} appreciation event{'s' * (template.appreciation_events > 1)} a year"
        for year in years:
            for i, due in enumerate(spread(year, template.appreciation_events)):
                tasks.append(PlannedTask(f"appreciation_event:{year}:{i + 1}", TaskKind.appreciation_event, due,
                                         TASK_ASSIGNEE[TaskKind.appreciation_event], why))

    if template.holiday_cards:
        for year in years:
            tasks.append(PlannedTask(f"holiday_card:{year}", TaskKind.holiday_card, date(year, *HOLIDAY_CARD_DUE),
                                     TASK_ASSIGNEE[TaskKind.holiday_card], f"{label}: holiday cards"))
    if template.newsletters:
        for year in years:
            for quarter, (month, day) in enumerate(NEWSLETTER_DUE, start=1):
                tasks.append(PlannedTask(f"newsletter:{year}:Q{quarter}", TaskKind.newsletter, date(year, month, day),
                                         TASK_ASSIGNEE[TaskKind.newsletter], f"{label}: a newsletter each quarter"))
    return tuple(t for t in tasks if start <= t.due <= end)


def spread(year: int, count: int) -> list[date]:
    """``count`` dates spread evenly over ``year``: each in the middle of its share of the year."""
    days = 366 if calendar.isleap(year) else 365
    first = date(year, 1, 1)
    return [first + timedelta(days=(2 * i + 1) * days // (2 * count)) for i in range(count)]


def on_year(day: date, year: int) -> date:
    """``day``'s month and day in ``year`` (29 February: 28 February in other years)."""
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def first_review(client_id: str, start: date, months: int) -> date:
    """The first review of a client never reviewed, in a plan from ``start`` with reviews
    every ``months`` months: the first day on or after ``start`` that falls on the client's
    own place in the review cycle, a month of the cycle and a day (1 to 28) drawn from a hash
    of its id. So the first reviews of a practice's clients spread evenly over the first
    interval, each client's the same in every process and run, and a plan made a week later
    keeps the same date (until it has passed: the next cycle's then)."""
    drawn = int.from_bytes(hashlib.sha256(client_id.encode()).digest()[:8], "big")
    place, day = drawn % months, drawn // months % 28 + 1
    first = start.year * 12 + start.month - 1
    month = first + (place - first) % months  # the cycle's month on or after start's month
    due = date(month // 12, month % 12 + 1, day)
    if due < start:
        month += months
        due = date(month // 12, month % 12 + 1, day)
    return due


def _reviews(
    frequency: ReviewFrequency, label: str, start: date, end: date, last: date | None, scheduled: date | None,
    client_id: str,
) -> list[PlannedTask]:
    months = frequency.months
    if scheduled is not None:
        first, why = scheduled, f"{label}: {frequency.value.replace('_', '-')} reviews; next review scheduled"
    elif last is not None:
        first, why = add_months(last, months), f"{label}: {frequency.value.replace('_', '-')} reviews, last on {last.isoformat()}"
    else:
        first = first_review(client_id, start, months)
        why = f"{label}: {frequency.value.replace('_', '-')} reviews; no review recorded yet"
    reviews = []
    due = first
    while due <= end:
        slot = (due.month - 1) // months + 1
        reviews.append(PlannedTask(f"review:{due.year}:{slot}", TaskKind.review, due, TASK_ASSIGNEE[TaskKind.review], why))
        due = add_months(max(due, start), months)
    return reviews


def week_end(today: date) -> date:
    """The Sunday ending ``today``'s week (the week runs Monday to Sunday)."""
    return today + timedelta(days=6 - today.weekday())
