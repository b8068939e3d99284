"""API keys (admins), the practice's settings, and the audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from app.api.deps import AccessDep, CallerDep
from app.domain.access import ROLE_PERMISSIONS
from app.domain.fields import MAX_PAGE_SIZE
from app.domain.model import iso_instant
from app.schemas.access import (
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyPublic,
    AuditFilters,
    AuditRecordPublic,
    PracticeSettingsPublic,
    PracticeSettingsUpdate,
)
from app.schemas.common import Page

router = APIRouter()


@router.get("/me", tags=["api keys"], summary="Who the API key belongs to, and what they may see")
def me(caller: CallerDep) -> dict[str, Any]:
    return {
        "team_member_id": caller.team_member_id, "name": caller.name, "role": caller.role.value,
        "key_id": caller.key_id, "sees_every_client": caller.sees_every_client,
        # What the role allows (the browser workspace offers only these actions).
        "permissions": sorted(permission.value for permission in ROLE_PERMISSIONS[caller.role]),
    }


@router.post(
    "/api-keys", status_code=status.HTTP_201_CREATED, response_model=ApiKeyIssued, tags=["api keys"],
    summary="Issue a key to a team member (admins); the key is in this response only",
)
def issue_key(body: ApiKeyCreate, service: AccessDep, response: Response) -> Any:
    issued = service.issue_key(body.team_member_id, name=body.name)
    response.headers["Location"] = f"/api-keys/{issued.api_key['id']}"
    response.headers["Cache-Control"] = "no-store"
    return {**issued.api_key, "key": issued.key}


@router.get("/api-keys", response_model=Page[ApiKeyPublic], tags=["api keys"], summary="List keys (admins)")
def list_keys(
    service: AccessDep,
    team_member_id: Annotated[str | None, Query(max_length=64)] = None,
    include_revoked: bool = False,
    after: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
) -> Any:
    items, next_cursor = service.keys(team_member_id=team_member_id, include_revoked=include_revoked, after=after, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.delete(
    "/api-keys/{key_id}", response_model=ApiKeyPublic, tags=["api keys"],
    summary="Revoke a key (admins); it is kept, marked revoked, for the audit trail",
)
def revoke_key(key_id: str, service: AccessDep) -> Any:
    return service.revoke_key(key_id)


@router.get("/practice-settings", response_model=PracticeSettingsPublic, tags=["practice settings"])
def read_settings(service: AccessDep) -> Any:
    return service.practice_settings()


@router.patch(
    "/practice-settings", response_model=PracticeSettingsPublic, tags=["practice settings"],
    summary="Change the visibility mode (admins)",
)
def change_settings(body: PracticeSettingsUpdate, service: AccessDep) -> Any:
    return service.set_visibility(body.visibility)


@router.get(
    "/audit-records", response_model=Page[AuditRecordPublic], tags=["audit trail"],
    summary="The audit trail, oldest first (admins and practice managers)",
)
def audit_records(query: Annotated[AuditFilters, Query()], service: AccessDep) -> Any:
    filters = {
        "target_id": query.target_id, "target_kind": query.target_kind, "actor_id": query.actor_id,
        "action": query.action.value if query.action else None,
        "from": iso_instant(query.from_) if query.from_ else None, "to": iso_instant(query.to) if query.to else None,
    }
    items, next_cursor = service.audit_records(filters, after=query.after, limit=query.limit)
    return {"items": items, "next_cursor": next_cursor}
