"""API keys, practice settings and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from app.domain.access import VisibilityMode
from app.domain.audit import AuditAction
from app.domain.fields import MAX_PAGE_SIZE
from app.domain.model import TeamRole
from app.schemas.common import Choice, EntityId, InputModel, IsoInstant, Name, QueryModel


class ApiKeyBase(BaseModel):
    team_member_id: EntityId
    #: What the key is for ("Anna's laptop", "reporting job").
    name: Name


class ApiKeyCreate(InputModel, ApiKeyBase):
    pass


class ApiKeyPublic(ApiKeyBase):
    id: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    team_member_name: str | None = None
    role: TeamRole | None = None


class ApiKeyIssued(ApiKeyPublic):
    #: The key itself. Shown this once: only a hash of it is kept.
    key: str


class PracticeSettingsUpdate(InputModel):
    visibility: Choice[VisibilityMode]


class PracticeSettingsPublic(BaseModel):
    visibility: VisibilityMode
    updated_at: datetime | None = None


class AuditFilters(QueryModel):
    after: Annotated[str | None, Field(max_length=100, description="next_cursor of the previous page")] = None
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 100
    target_id: Annotated[str | None, Field(max_length=100, description="the entity, relationship, key or list entry changed")] = None
    target_kind: Annotated[str | None, Field(max_length=40)] = None
    actor_id: Annotated[str | None, Field(max_length=100, description="the team member who made the change")] = None
    action: AuditAction | None = None
    from_: Annotated[IsoInstant | None, Field(alias="from", description="at or after this instant")] = None
    to: Annotated[IsoInstant | None, Field(description="before this instant")] = None


class AuditRecordPublic(BaseModel):
    id: str
    at: datetime
    actor_id: str
    actor_name: str
    actor_key_id: str | None = None
    action: AuditAction
    target_kind: str
    target_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    #: Fields whose value differs between before and after.
    changed: list[str]
    note: str | None = None
