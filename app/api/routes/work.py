"""Routes for service plans, their tasks and the work queue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.api.deps import AfterQuery, LimitQuery, ServicePlansDep
from app.domain.fields import DEFAULT_PAGE_SIZE
from app.domain.service_cycle import MAX_DAYS_AHEAD
from app.domain.service_plan import DEFAULT_QUEUE_DAYS, TaskKind, TaskStatus
from app.schemas.common import EntityId, IsoDate
from app.schemas.work import (
    PlanGenerate,
    PlanRunPublic,
    ServiceTaskPublic,
    TaskComplete,
    TaskReassign,
    TaskSkip,
    WorkQueuePublic,
)

router = APIRouter(tags=["service plans and the work queue"])

Section = Annotated[str | None, Query(pattern="^(overdue|this_week|coming_up)$",
                                      description="only this section: overdue, this_week or coming_up")]


@router.post("/service/plans", response_model=PlanRunPublic,
             summary="Generate the service plan of one client or of every client (admins, practice managers)")
def generate_plans(body: PlanGenerate, service: ServicePlansDep) -> Any:
    return service.generate(client_id=body.client_id, as_of=body.as_of, months=body.months)


@router.get("/clients/{client_id}/service-plan", response_model=list[ServiceTaskPublic],
            summary="A client's service tasks, by due date")
def read_plan(client_id: str, service: ServicePlansDep, status: TaskStatus | None = None,
              kind: TaskKind | None = None) -> Any:
    return service.plan(client_id, status=status, kind=kind)


@router.post("/service/tasks/{task_id}/complete", response_model=ServiceTaskPublic,
             summary="Mark a task done and log its touch on the client (one write, one audit record)")
def complete_task(task_id: str, body: TaskComplete, service: ServicePlansDep) -> Any:
    return service.complete(task_id, on=body.date, touch_kind=body.touch_kind, notes=body.notes,
                            team_member_id=body.team_member_id)


@router.post("/service/tasks/{task_id}/skip", response_model=ServiceTaskPublic, summary="Skip a task, saying why")
def skip_task(task_id: str, body: TaskSkip, service: ServicePlansDep) -> Any:
    return service.skip(task_id, body.reason)


@router.post("/service/tasks/{task_id}/reassign", response_model=ServiceTaskPublic,
             summary="Give a task to another team member (generating again keeps this)")
def reassign_task(task_id: str, body: TaskReassign, service: ServicePlansDep) -> Any:
    return service.reassign(task_id, body.assignee_id)


@router.get("/work/queue", response_model=WorkQueuePublic,
            summary="A team member's open tasks (a manager's include their reports'): overdue, this week, coming up")
def work_queue(
    service: ServicePlansDep,
    member_id: Annotated[EntityId | None, Query(description="whose queue (default: the caller's)")] = None,
    include_reports: Annotated[bool, Query(description="with the tasks of everyone below them")] = True,
    section: Section = None,
    kind: TaskKind | None = None,
    client_id: Annotated[EntityId | None, Query()] = None,
    today: Annotated[IsoDate | None, Query(description="the day the queue is for (default today)")] = None,
    days: Annotated[int, Query(ge=0, le=MAX_DAYS_AHEAD, description="how far ahead 'coming up' reaches, in days")] = DEFAULT_QUEUE_DAYS,
    after: AfterQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Any:
    return service.queue(member_id, include_reports=include_reports, section=section, kind=kind, client_id=client_id,
                         today=today, days=days, after=after, limit=limit)
