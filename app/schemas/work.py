"""Bodies for service plans, tasks and the work queue."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from app.domain.service_cycle import TouchKind
from app.domain.service_plan import DEFAULT_PLAN_MONTHS, MAX_PLAN_MONTHS, TaskKind, TaskStatus
from app.schemas.common import WHOLE, Choice, EntityId, InputModel, IsoDate, Notes


class PlanGenerate(InputModel):
    #: Only this client; left out: every client (admins and practice managers).
    client_id: EntityId | None = None
    #: The first day of the plan (default today).
    as_of: IsoDate | None = None
    #: How many months the plan runs (default 12).
    months: Annotated[int, Field(ge=1, le=MAX_PLAN_MONTHS), WHOLE] = DEFAULT_PLAN_MONTHS


class PlanRunPublic(BaseModel):
    #: The plan's period, first and last day.
    period_start: date
    period_end: date
    #: Clients read, and those whose tasks changed.
    clients: int
    clients_changed: int
    created: int
    updated: int
    deleted: int
    #: Open tasks skipped because their client left the ``client`` stage.
    closed: int


class ServiceTaskPublic(BaseModel):
    id: str
    #: ``<client id>/<plan key>``: what makes generating again idempotent.
    key: str
    client_id: str
    client_name: str | None = None
    kind: TaskKind
    due: date
    assignee_id: str | None = None
    #: True once reassigned by hand: generating again leaves the assignee as it is.
    assigned_by_hand: bool | None = None
    status: TaskStatus
    #: Why a task was skipped.
    reason: str | None = None
    #: What produced the task, in words.
    source: str
    #: The person or client a birthday or anniversary is of.
    subject_id: str | None = None
    subject_name: str | None = None
    done_on: date | None = None
    done_by: str | None = None
    #: The touch completing it logged.
    touch_id: str | None = None
    created_at: str
    updated_at: str
    version: int


class QueueTaskPublic(ServiceTaskPublic):
    assignee_name: str | None = None
    #: overdue, this_week or coming_up.
    section: str


class QueueCounts(BaseModel):
    overdue: int
    this_week: int
    coming_up: int


class WorkQueuePublic(BaseModel):
    team_member_id: str
    team_member_name: str
    #: Whose tasks are in it: the team member and, for a manager, everyone below them.
    team_member_ids: list[str]
    today: date
    #: The Sunday ending this week, and the last day "coming up" reaches.
    week_end: date
    horizon: date
    #: Open tasks in each section (with the filters, of clients the caller may see).
    counts: QueueCounts
    items: list[QueueTaskPublic]
    next_cursor: str | None = None


class TaskComplete(InputModel):
    #: When it was done (default today).
    date: IsoDate | None = None
    #: The touch to log (default: the task kind's: a call, a review, a card...).
    touch_kind: Choice[TouchKind] | None = None
    #: Who did it (default: the task's assignee).
    team_member_id: EntityId | None = None
    notes: Notes | None = None


class TaskSkip(InputModel):
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class TaskReassign(InputModel):
    assignee_id: EntityId
