"""Routes for groups of clients and people, and for mailing lists (of a group, or of a batch
of service tasks) as JSON or as CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from app.api.deps import ETAG_HEADER, AfterQuery, GroupsDep, IfMatchDep, LimitQuery, MailingDep, etag
from app.domain.fields import DEFAULT_PAGE_SIZE
from app.domain.mailing import MAILING_COLUMNS
from app.domain.service_plan import TaskKind, TaskStatus
from app.schemas.common import IsoDate, Page
from app.schemas.groups import (
    GroupCreate,
    GroupMemberPublic,
    GroupMembersAdd,
    GroupPublic,
    GroupUpdate,
    MailingPublic,
)
from app.services.mailing import mailing_csv

router = APIRouter(tags=["groups and mailing lists"])

#: The header of a CSV mailing that counts the addressees left out for want of an address.
WITHOUT_ADDRESS_HEADER = "Mailing-Without-Address"
_CSV_RESPONSE = {
    200: {
        "content": {"text/csv": {"schema": {"type": "string", "description": f"columns: {', '.join(MAILING_COLUMNS)}"}}},
        "headers": {WITHOUT_ADDRESS_HEADER: {
            "description": "How many addressees were left out for want of a postal address (the JSON form lists them)",
            "schema": {"type": "string", "pattern": "^[0-9]+$"}}},
    },
}
_TaskKindQuery = Annotated[TaskKind, Query(description="the kind of task: holiday_card, newsletter, birthday...")]
_FromQuery = Annotated[IsoDate, Query(alias="from", description="first due date, YYYY-MM-DD")]
_ToQuery = Annotated[IsoDate, Query(alias="to", description="last due date, YYYY-MM-DD")]
_StatusQuery = Annotated[TaskStatus | None, Query(description="tasks of this status (default open)")]


@router.post("/groups", status_code=status.HTTP_201_CREATED, response_model=GroupPublic, summary="Create a group",
             responses={201: {"headers": ETAG_HEADER}})
def create_group(body: GroupCreate, service: GroupsDep, response: Response) -> Any:
    group = service.create(body.model_dump(mode="json", exclude_unset=True))
    response.headers["Location"] = f"/groups/{group['id']}"
    response.headers["ETag"] = etag(group["version"])
    return group


@router.get("/groups", response_model=Page[GroupPublic], summary="List groups, in the order they were made")
def list_groups(service: GroupsDep, after: AfterQuery = None, limit: LimitQuery = DEFAULT_PAGE_SIZE) -> Any:
    items, next_cursor = service.list(after=after, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/groups/{group_id}", response_model=GroupPublic, summary="Read a group",
            responses={200: {"headers": ETAG_HEADER}})
def read_group(group_id: str, service: GroupsDep, response: Response) -> Any:
    group = service.get(group_id)
    response.headers["ETag"] = etag(group["version"])
    return group


@router.patch("/groups/{group_id}", response_model=GroupPublic, summary="Rename a group, describe it, or change its filter",
              responses={200: {"headers": ETAG_HEADER}})
def update_group(group_id: str, body: GroupUpdate, service: GroupsDep, if_match: IfMatchDep, response: Response) -> Any:
    expected = if_match.expected_version(lambda: service.get(group_id)["version"])
    group = service.update(group_id, body.model_dump(mode="json", exclude_unset=True), expected_version=expected)
    response.headers["ETag"] = etag(group["version"])
    return group


@router.delete("/groups/{group_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a group (not its members)")
def delete_group(group_id: str, service: GroupsDep, if_match: IfMatchDep) -> Response:
    expected = if_match.expected_version(lambda: service.get(group_id)["version"])
    service.delete(group_id, expected_version=expected)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/groups/{group_id}/members", response_model=Page[GroupMemberPublic],
            summary="A group's members you may see, in id order: picked by hand or selected by its filter")
def group_members(group_id: str, service: GroupsDep, after: AfterQuery = None, limit: LimitQuery = DEFAULT_PAGE_SIZE) -> Any:
    items, next_cursor = service.members(group_id, after=after, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post("/groups/{group_id}/members", response_model=GroupPublic, summary="Pick clients or people by hand",
             responses={200: {"headers": ETAG_HEADER}})
def add_members(group_id: str, body: GroupMembersAdd, service: GroupsDep, if_match: IfMatchDep, response: Response) -> Any:
    expected = if_match.expected_version(lambda: service.get(group_id)["version"])
    group = service.add_members(group_id, body.entity_ids, expected_version=expected)
    response.headers["ETag"] = etag(group["version"])
    return group


@router.delete("/groups/{group_id}/members/{entity_id}", response_model=GroupPublic,
               summary="Take a hand-picked member out of a group", responses={200: {"headers": ETAG_HEADER}})
def remove_member(group_id: str, entity_id: str, service: GroupsDep, if_match: IfMatchDep, response: Response) -> Any:
    expected = if_match.expected_version(lambda: service.get(group_id)["version"])
    group = service.remove_members(group_id, [entity_id], expected_version=expected)
    response.headers["ETag"] = etag(group["version"])
    return group


@router.get("/groups/{group_id}/mailing", response_model=MailingPublic,
            summary="A group's mailing list: one row per addressee, and who has no postal address")
def group_mailing(group_id: str, service: MailingDep) -> Any:
    return service.for_group(group_id)


@router.get("/groups/{group_id}/mailing.csv", response_class=Response, responses=_CSV_RESPONSE,
            summary="A group's mailing list as CSV, for a mail merge or labels")
def group_mailing_csv(group_id: str, service: MailingDep) -> Response:
    return _csv(service.for_group(group_id), "group-mailing.csv")


@router.get("/service/tasks/mailing", response_model=MailingPublic,
            summary="The mailing list of the tasks of a kind due in a window (holiday cards, newsletters, birthdays)")
def tasks_mailing(service: MailingDep, kind: _TaskKindQuery, start: _FromQuery, end: _ToQuery,
                  status: _StatusQuery = None) -> Any:
    return _tasks(service, kind, start, end, status)


@router.get("/service/tasks/mailing.csv", response_class=Response, responses=_CSV_RESPONSE,
            summary="The mailing list of the tasks of a kind due in a window, as CSV")
def tasks_mailing_csv(service: MailingDep, kind: _TaskKindQuery, start: _FromQuery, end: _ToQuery,
                      status: _StatusQuery = None) -> Response:
    return _csv(_tasks(service, kind, start, end, status), f"{kind.value}-mailing.csv")


def _tasks(service: Any, kind: TaskKind, start: date, end: date, status: TaskStatus | None) -> Any:
    return service.for_tasks(kind=kind, start=start, end=end, status=status or TaskStatus.open)


def _csv(mailing: Any, filename: str) -> Response:
    return Response(mailing_csv(mailing.rows), media_type="text/csv; charset=utf-8", headers={
        WITHOUT_ADDRESS_HEADER: str(len(mailing.without_address)),
        "Content-Disposition": f'attachment; filename="{filename}"',
    })
