"""Bodies for groups of clients and people, and for mailing lists."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.domain.model import ClientKind, EntityKind
from app.domain.tiers import Tier
from app.schemas.common import CategoryCode, Choice, EntityId, EntityRef, InputModel, Kept, Name, Notes, omittable

#: Entity ids one request may pick or name.
MAX_IDS_PER_REQUEST = 1_000
MemberIds = Annotated[list[EntityId], Field(max_length=MAX_IDS_PER_REQUEST)]


class GroupFilterFields(BaseModel):
    """A saved filter: the clients (or people) having every field given. People are selected
    by ``influencer_segment`` alone."""

    entity_kind: Literal["client", "person"] = "client"
    kind: Choice[ClientKind] | None = None
    tier: Choice[Tier] | None = None
    stage: CategoryCode | None = None
    segment: CategoryCode | None = None
    owner_id: EntityId | None = None
    influencer_segment: CategoryCode | None = None


class GroupFilterBody(InputModel, GroupFilterFields):
    pass


class GroupCreate(InputModel):
    name: Name
    description: Notes | None = None
    #: Members selected when the group is read, by their fields; none: hand-picked members only.
    filter: GroupFilterBody | None = None
    #: Clients and people picked by hand.
    member_ids: MemberIds = []


class GroupUpdate(InputModel):
    # Left out: unchanged; null clears (a filter removed leaves the hand-picked members).
    name: Kept[Name] = omittable()
    description: Notes | None = None
    filter: GroupFilterBody | None = None


class GroupMembersAdd(InputModel):
    entity_ids: Annotated[list[EntityId], Field(min_length=1, max_length=MAX_IDS_PER_REQUEST)]


class GroupPublic(BaseModel):
    id: str
    name: str
    description: str | None = None
    filter: GroupFilterFields | None = None
    #: Members picked by hand, and all members (picked or selected by the filter, each once),
    #: counting only those the caller may see.
    hand_picked: int
    members: int
    created_at: datetime
    updated_at: datetime
    version: int


class GroupMemberPublic(EntityRef):
    hand_picked: bool
    #: Selected by the group's filter (as the practice is now).
    by_filter: bool


class MailingRowPublic(BaseModel):
    #: The client or person written to.
    id: str
    kind: EntityKind
    #: On the envelope.
    name: str
    #: The greeting after "Dear".
    salutation: str
    address_line1: str
    address_line2: str | None = None
    locality: str | None = None
    region: str | None = None
    postcode: str | None = None
    country: str | None = None


class MailingPublic(BaseModel):
    #: One per addressee (a household once, however many of its members are in the mailing).
    rows: list[MailingRowPublic]
    #: Addressees without a postal address (a first line and a locality or postcode): not in rows.
    without_address: list[EntityRef]
