"""What a new record holds, field by field: the API's create bodies, which the import
validates its rows with too (``app/domain/transfer.py``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from app.domain.fields import CategoryCode, Choice, EntityId, InputModel, IsoDate, Money, Name, Notes, ShortText
from app.domain.mailing import COUNTRY_CODES, country_problem
from app.domain.model import ClientKind, ProviderKind, TeamRole
from app.domain.tiers import Tier

# Whitespace spelt out: "\s" is not the same class in pydantic's regex and in a schema's
# (ECMA-262: U+0085 is no space there), so the API refused addresses the schema allowed.
Email = Annotated[str, Field(max_length=320, pattern=r"^[^@ \t\n\r\f\v]+@[^@ \t\n\r\f\v]+\.[^@ \t\n\r\f\v]+$")]
Phone = Annotated[str, Field(max_length=40, pattern=r"^[0-9+()\-. ext]{3,40}$")]


def _country(value: object) -> object:
    if isinstance(value, str) and (problem := country_problem(value)):
        raise PydanticCustomError("value_error", "{problem}", {"problem": problem})
    return value


AddressLine = Annotated[str, Field(min_length=1, max_length=200)]
Place = Annotated[str, Field(min_length=1, max_length=100)]
Postcode = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]{0,19}$")]
#: ISO 3166-1 alpha-2 (GB, IE, US): the schema lists the codes; "UK" is refused naming GB.
Country = Annotated[str, BeforeValidator(_country), WithJsonSchema(
    {"type": "string", "enum": sorted(COUNTRY_CODES), "description": "ISO 3166-1 alpha-2 country code"},
    mode="validation",
)]
Salutation = Annotated[str, Field(min_length=1, max_length=200)]
Title = Annotated[str, Field(min_length=1, max_length=40)]


class MailingFields(BaseModel):
    """A client's or person's postal address and how a letter greets them (see
    ``app.domain.mailing``): each optional; an address needs a first line and a locality or
    a postcode before a mailing uses it."""

    address_line1: AddressLine | None = None
    address_line2: AddressLine | None = None
    #: Town or city.
    locality: Place | None = None
    #: County, state or province.
    region: Place | None = None
    postcode: Postcode | None = None
    country: Country | None = None
    #: The greeting after "Dear", when the one worked out from the names will not do.
    salutation: Salutation | None = None


# -- clients ------------------------------------------------------------------------------
class ClientBase(BaseModel):
    name: Name
    kind: Choice[ClientKind]
    stage: CategoryCode | None = None
    segment: CategoryCode | None = None
    source: CategoryCode | None = None
    owner_id: EntityId | None = None
    influencer_segment: CategoryCode | None = None
    annual_revenue: Money | None = None
    assets_under_management: Money | None = None
    notes: Notes | None = None


class ClientServiceFields(BaseModel):
    """What tiers and the cycle of service read: the tier assigned, the capacity to buy more
    (a flag, assets held elsewhere, a prospect's estimated size) and the next review date."""

    tier: Choice[Tier] | None = None
    able_to_buy_more: bool | None = None
    assets_held_elsewhere: Money | None = None
    estimated_size: Money | None = None
    next_review_date: IsoDate | None = None


class ClientCreate(InputModel, MailingFields, ClientBase, ClientServiceFields):
    pass


# -- people -------------------------------------------------------------------------------
class PersonBase(BaseModel):
    first_name: Name
    last_name: Name
    preferred_name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    birth_date: IsoDate | None = None
    influencer_segment: CategoryCode | None = None
    notes: Notes | None = None
    #: Mr, Mrs, Ms, Dr...: on envelopes, and in the greeting ("Mrs Elliott").
    title: Title | None = None


class PersonCreate(InputModel, MailingFields, PersonBase):
    pass


# -- team members ---------------------------------------------------------------------------
class TeamMemberBase(BaseModel):
    name: Name
    role: Choice[TeamRole]
    email: Email | None = None
    phone: Phone | None = None
    reports_to_id: EntityId | None = None


class TeamMemberCreate(InputModel, TeamMemberBase):
    pass


# -- providers ------------------------------------------------------------------------------
class ProviderBase(BaseModel):
    name: Name
    kind: Choice[ProviderKind]
    email: Email | None = None
    phone: Phone | None = None
    website: ShortText | None = None
    influencer_segment: CategoryCode | None = None
    notes: Notes | None = None


class ProviderCreate(InputModel, ProviderBase):
    pass


# -- divisions ------------------------------------------------------------------------------
class DivisionBase(BaseModel):
    name: Name
    description: Notes | None = None


class DivisionCreate(InputModel, DivisionBase):
    pass


# -- relationships --------------------------------------------------------------------------
Strength = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
#: For a membership: the part of the client's revenue and assets this member carries.
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
TypeCode = Annotated[str, Field(min_length=1, max_length=63)]


class RelationshipBase(BaseModel):
    since: IsoDate | None = None
    until: IsoDate | None = None
    strength: Strength | None = None
    share: Share | None = None
    notes: Notes | None = None


class RelationshipCreate(InputModel, RelationshipBase):
    type: TypeCode
    from_id: EntityId
    to_id: EntityId

    @model_validator(mode="after")
    def _dates_in_order(self) -> RelationshipCreate:
        check_dates(self.since, self.until)
        if self.from_id == self.to_id:
            raise ValueError("a relationship joins two different entities: from_id and to_id are the same")
        return self


def check_dates(since: date | None, until: date | None) -> None:
    if since and until and until < since:
        raise ValueError("until must not be before since")
