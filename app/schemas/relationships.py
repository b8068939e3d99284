"""Bodies for relationships, the relationship-type catalogue, categories and networks."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from app.domain.model import EntityKind, MembershipRole, RelationshipCategory

# The create body is the domain's: the import validates its rows with it too. The routes
# take it from here.
from app.domain.records import RelationshipBase, RelationshipCreate, TypeCode, check_dates
from app.schemas.common import (
    WHOLE,
    CategoryCode,
    Choice,
    EntityRef,
    InputModel,
    Kept,
    ShortText,
    Stored,
    omittable,
)

Phrase = Annotated[str, Field(min_length=1, max_length=120)]
Weight = Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)]


# -- relationships --------------------------------------------------------------------------
class RelationshipUpdate(InputModel, RelationshipBase):
    @model_validator(mode="after")
    def _dates_in_order(self) -> RelationshipUpdate:
        check_dates(self.since, self.until)
        return self


class RelationshipPublic(Stored, RelationshipBase):
    # As stored: records written before the bounds on input dates were set still read.
    since: date | None = None
    until: date | None = None
    type: str
    category: RelationshipCategory
    role: MembershipRole | None = None
    from_entity: EntityRef
    to_entity: EntityRef
    #: Ended relationships are kept as history. Active today: started (``since`` today or earlier, or none) and not ended.
    active: bool
    #: ``upcoming`` (``since`` in the future: not active yet, though it already holds its
    #: place for the rules), ``active`` or ``ended``.
    status: Literal["upcoming", "active", "ended"]
    #: The relationship read from its start: "Jean Elliott is a Primary Contact at Smart Systems Ltd".
    sentence: str
    #: Read from its end: "Smart Systems Ltd has Primary Contact Jean Elliott".
    reverse_sentence: str
    #: Set where the relationship is read from a field, not stored: ``owner_id`` for a client's
    #: ownership (``OWNER_OF-<client id>``, "Priya Shah is the Owner of Oakley Household"). It
    #: is changed through that field (the relationship endpoints refuse to write it, 409); its
    #: version and times are the client's.
    derived_from: Literal["owner_id"] | None = None


class RelationshipsBatchCreate(InputModel):
    relationships: Annotated[list[RelationshipCreate], Field(min_length=1, max_length=50_000)]


class RelationshipsBatchPublic(BaseModel):
    created: int
    ids: list[str]


class EntityRelationshipPublic(BaseModel):
    """A relationship seen from one of its entities."""

    relationship: RelationshipPublic
    direction: Literal["outgoing", "incoming"]
    other: EntityRef
    #: Phrased with this entity first.
    sentence: str


class MembershipPublic(EntityRelationshipPublic):
    """One client a person belongs to (``other``), once, with every role they hold there.
    ``relationship``, ``direction`` and ``sentence`` are those of its first relationship
    (active ones first), so readers of the earlier one-entry-per-relationship list still work;
    ``relationships`` holds them all."""

    #: The roles the person holds at the client, one each, in the order of ``relationships``.
    roles: list[MembershipRole]
    relationships: list[EntityRelationshipPublic]


# -- networks -------------------------------------------------------------------------------
class NetworkNode(EntityRef):
    depth: int
    #: What the workspace's map shows: colour by influencer segment, a badge for tier (clients).
    influencer_segment: str | None = None
    stage: str | None = None
    segment: str | None = None
    tier: str | None = None


class NetworkEdge(BaseModel):
    id: str
    type: str
    category: RelationshipCategory
    from_id: str
    to_id: str
    strength: float | None = None
    sentence: str
    #: As on a relationship: ``owner_id`` for a client's ownership, read from that field.
    derived_from: Literal["owner_id"] | None = None


class NetworkPublic(BaseModel):
    center: EntityRef
    depth: int
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]
    #: True when the node limit cut the network short.
    truncated: bool


# -- relationship-type catalogue ---------------------------------------------------------------
class RelationshipTypeBase(BaseModel):
    phrase: Phrase
    reverse_phrase: Phrase
    category: Choice[RelationshipCategory]
    from_kinds: Annotated[list[Choice[EntityKind]], Field(min_length=1)]
    to_kinds: Annotated[list[Choice[EntityKind]], Field(min_length=1)]
    #: How much a relationship of this type counts in influence analytics.
    weight: Weight = 1.0
    #: The membership role this type gives (membership category only).
    role: Choice[MembershipRole] | None = None
    description: ShortText = ""


class RelationshipTypeCreate(InputModel, RelationshipTypeBase):
    code: TypeCode

    @model_validator(mode="after")
    def _role_matches_category(self) -> RelationshipTypeCreate:
        if self.category == RelationshipCategory.membership and self.role is None:
            raise ValueError("a membership relationship type needs a role")
        if self.category != RelationshipCategory.membership and self.role is not None:
            raise ValueError("only membership relationship types carry a role")
        return self


class RelationshipTypeUpdate(InputModel):
    """Code, category and role are fixed once relationships use them."""

    phrase: Kept[Phrase] = omittable()
    reverse_phrase: Kept[Phrase] = omittable()
    from_kinds: Kept[Annotated[list[Choice[EntityKind]], Field(min_length=1)]] = omittable()
    to_kinds: Kept[Annotated[list[Choice[EntityKind]], Field(min_length=1)]] = omittable()
    weight: Kept[Weight] = omittable()
    description: ShortText | None = None


class RelationshipTypePublic(RelationshipTypeBase):
    code: str
    #: True when the same phrase reads both ways ("the Spouse of").
    symmetric: bool


# -- categories -------------------------------------------------------------------------------
class CategoryBase(BaseModel):
    label: Annotated[str, Field(min_length=1, max_length=80)]
    description: ShortText = ""


class CategoryCreate(InputModel, CategoryBase):
    code: Annotated[CategoryCode, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,39}$")]
    position: Annotated[int, Field(ge=0, le=10_000), WHOLE] | None = None


class CategoryUpdate(InputModel):
    label: Kept[Annotated[str, Field(min_length=1, max_length=80)]] = omittable()
    description: ShortText | None = None
    position: Kept[Annotated[int, Field(ge=0, le=10_000), WHOLE]] = omittable()


class CategoryPublic(CategoryBase):
    list: str
    code: str
    position: int
