"""Bodies for clients, people, team members, providers and divisions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Generic

from pydantic import BaseModel, Field

from app.domain.fields import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from app.domain.model import ClientKind, MembershipRole, ProviderKind, TeamRole

# The create bodies, and the fields the answers share with them, are the domain's: the
# import validates its rows with them too. The routes take them from here.
from app.domain.records import (  # noqa: F401
    ClientBase,
    ClientCreate,
    ClientServiceFields,
    DivisionBase,
    DivisionCreate,
    MailingFields,
    PersonBase,
    PersonCreate,
    ProviderBase,
    ProviderCreate,
    TeamMemberBase,
    TeamMemberCreate,
)
from app.domain.tiers import Tier
from app.schemas.common import (
    CategoryCode,
    Choice,
    EntityId,
    EntityRef,
    InputModel,
    Name,
    QueryModel,
    WHOLE,
    Stored,
    T,
    Kept,
    omittable,
)

# -- clients ------------------------------------------------------------------------------
# A PATCH body takes the create body's fields, each optional: left out, unchanged; null
# clears it, except on the fields a record must have, redeclared here as ``Kept`` (a field
# redeclared keeps its base's place in the schema).
class ClientUpdate(InputModel, ClientBase, MailingFields, ClientServiceFields):
    name: Kept[Name] = omittable()
    kind: Kept[Choice[ClientKind]] = omittable()


class ClientPublic(Stored, MailingFields, ClientBase, ClientServiceFields):
    # Shown as stored: records written before the bounds on input were set still read.
    annual_revenue: float | None = None
    assets_under_management: float | None = None
    assets_held_elsewhere: float | None = None
    estimated_size: float | None = None
    next_review_date: date | None = None


# -- people -------------------------------------------------------------------------------
class PersonUpdate(InputModel, PersonBase, MailingFields):
    first_name: Kept[Name] = omittable()
    last_name: Kept[Name] = omittable()


class PersonPublic(Stored, MailingFields, PersonBase):
    birth_date: date | None = None  # as stored (see ClientPublic)
    #: The name the practice uses: preferred (or first) name and last name.
    name: str


class LikelyDuplicates(BaseModel):
    #: Existing entities of the same kind that look like this new one (people: the same name in
    #: any case and no differing email; clients: the same name in any case), among those the
    #: caller may see. The create stands; check them, and merge the two if they are the same.
    #: Only there when there are some, so a create answers what a read of the record does.
    likely_duplicates: list[EntityRef] | None = Field(default=None, exclude_if=lambda found: not found)


class ClientCreated(ClientPublic, LikelyDuplicates):
    pass


class PersonCreated(PersonPublic, LikelyDuplicates):
    pass


# -- merging a duplicate ------------------------------------------------------------------
class ExpectedVersions(InputModel):
    """Merge only if each entity named is still at this version (else 412)."""

    kept: Annotated[int, Field(ge=1), WHOLE] | None = None
    duplicate: Annotated[int, Field(ge=1), WHOLE] | None = None


class MergeBody(InputModel):
    #: The person or client to merge into the one in the path, which is kept; it is deleted.
    duplicate_id: EntityId
    expected_versions: ExpectedVersions | None = None


class MovedRecord(BaseModel):
    kind: str
    id: str


class Merged(BaseModel, Generic[T]):
    """What a merge did: the kept entity as it is now, and what it took from the duplicate."""

    kept: T
    duplicate_id: str
    #: The kept entity's fields that were empty and now hold the duplicate's value.
    filled: list[str]
    #: The duplicate's relationships, now the kept one's (same ids, types and fields).
    moved_relationships: list[str]
    #: Relationships between the two: deleted with the duplicate (recorded in the audit trail).
    dropped_relationships: list[str]
    #: Touches, service requests and important dates, now the kept one's.
    moved_records: list[MovedRecord]


# -- team members ---------------------------------------------------------------------------
class TeamMemberUpdate(InputModel, TeamMemberBase):
    name: Kept[Name] = omittable()
    role: Kept[Choice[TeamRole]] = omittable()


class TeamMemberPublic(Stored, TeamMemberBase):
    pass


# -- providers ------------------------------------------------------------------------------
class ProviderUpdate(InputModel, ProviderBase):
    name: Kept[Name] = omittable()
    kind: Kept[Choice[ProviderKind]] = omittable()


class ProviderPublic(Stored, ProviderBase):
    pass


# -- divisions ------------------------------------------------------------------------------
class DivisionUpdate(InputModel, DivisionBase):
    name: Kept[Name] = omittable()


class DivisionPublic(Stored, DivisionBase):
    pass


# -- composite reads ------------------------------------------------------------------------
class MemberPublic(BaseModel):
    """A person's active membership of a client, seen from the client."""

    person: PersonPublic
    role: MembershipRole
    relationship_id: str
    relationship_type: str
    since: date | None = None


class ClientDetailPublic(ClientPublic):
    owner: TeamMemberPublic | None = None
    members: list[MemberPublic]




# -- list filters (query parameters; unknown ones are rejected) --------------------------------
class ListFilters(QueryModel):
    after: Annotated[str | None, Field(max_length=100, description="next_cursor of the previous page")] = None
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE
    name: Annotated[str | None, Field(max_length=300, description="name contains, ignoring case")] = None


class ClientFilters(ListFilters):
    kind: ClientKind | None = None
    tier: Tier | None = None
    stage: CategoryCode | None = None
    segment: CategoryCode | None = None
    source: CategoryCode | None = None
    owner_id: EntityId | None = None
    influencer_segment: CategoryCode | None = None


class PersonFilters(ListFilters):
    influencer_segment: CategoryCode | None = None


class TeamMemberFilters(ListFilters):
    role: TeamRole | None = None
    reports_to_id: EntityId | None = None


class ProviderFilters(ListFilters):
    kind: ProviderKind | None = None
    influencer_segment: CategoryCode | None = None


class DivisionFilters(ListFilters):
    pass
