"""The practice's configurable lists: relationship types and categories, with their defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.domain.model import SINGULAR_ROLES, EntityKind, MembershipRole, RelationshipCategory

K = EntityKind
ANY_KIND = tuple(EntityKind)
PARTIES = (K.client, K.person, K.team_member, K.provider)


@dataclass(frozen=True)
class PairRule:
    """What a type's active relationships may not share: the pair (either way round when
    ``symmetric``), and, with ``singular_role``, the client holding that role."""

    symmetric: bool
    singular_role: str | None = None


@dataclass(frozen=True)
class RelationshipTypeSpec:
    """One entry of the relationship-type catalogue, phrased to read in both directions."""

    code: str
    phrase: str
    reverse_phrase: str
    category: RelationshipCategory
    from_kinds: tuple[EntityKind, ...]
    to_kinds: tuple[EntityKind, ...]
    weight: float = 1.0
    role: MembershipRole | None = None
    description: str = ""

    @property
    def symmetric(self) -> bool:
        """Reads the same both ways ("Jean is the Spouse of John" / "John is the Spouse of Jean")."""
        return self.reverse_phrase == f"is {self.phrase}"

    @property
    def pair_rule(self) -> PairRule:
        return PairRule(self.symmetric, self.role.value if self.role in SINGULAR_ROLES else None)

    def allows(self, from_kind: EntityKind, to_kind: EntityKind) -> bool:
        if from_kind in self.from_kinds and to_kind in self.to_kinds:
            return True
        return self.symmetric and to_kind in self.from_kinds and from_kind in self.to_kinds

    def sentence(self, from_name: str, to_name: str) -> str:
        """Read from the start: "Jean Elliott is a Primary Contact at Smart Systems Ltd"."""
        return f"{from_name} is {self.phrase} {to_name}"

    def reverse_sentence(self, from_name: str, to_name: str) -> str:
        """Read from the end: "Smart Systems Ltd has Primary Contact Jean Elliott"."""
        return f"{to_name} {self.reverse_phrase} {from_name}"

    def to_properties(self) -> dict:
        return {
            "code": self.code, "phrase": self.phrase, "reverse_phrase": self.reverse_phrase,
            "category": self.category.value, "from_kinds": [k.value for k in self.from_kinds],
            "to_kinds": [k.value for k in self.to_kinds], "weight": self.weight,
            "role": self.role.value if self.role else None, "description": self.description,
        }

    @classmethod
    def from_properties(cls, row: dict) -> RelationshipTypeSpec:
        return cls(
            code=row["code"], phrase=row["phrase"], reverse_phrase=row["reverse_phrase"],
            category=RelationshipCategory(row["category"]),
            from_kinds=tuple(EntityKind(k) for k in row["from_kinds"]),
            to_kinds=tuple(EntityKind(k) for k in row["to_kinds"]),
            weight=float(row.get("weight", 1.0)),
            role=MembershipRole(row["role"]) if row.get("role") else None,
            description=row.get("description") or "",
        )


def _membership(code: str, phrase: str, reverse: str, role: MembershipRole, weight: float) -> RelationshipTypeSpec:
    return RelationshipTypeSpec(
        code, phrase, reverse, RelationshipCategory.membership, (K.person,), (K.client,), weight, role
    )


#: A client's ownership as the analytics walk it: "Priya Shah is the Owner of Oakley
#: Household", one relationship per client with an ``owner_id``, read from that field (the
#: one record of who owns a client), so it can never disagree with it. Not stored, and its
#: code is reserved: no catalogue type may take it.
OWNERSHIP = RelationshipTypeSpec(
    "OWNER_OF", "the Owner of", "has Owner", RelationshipCategory.professional, (K.team_member,), (K.client,), 1.0,
    description="The team member who owns the client (its owner_id).",
)
#: The field a client's ownership is read from, as its relationship form says (``derived_from``).
OWNERSHIP_FIELD = "owner_id"


def ownership_id(client_id: str) -> str:
    """The id a client's ownership goes by (it is not stored): ``OWNER_OF-<client id>``."""
    return f"{OWNERSHIP.code}-{client_id}"


def ownership_client_id(relationship_id: str) -> str | None:
    """The client an ownership id names (None if ``relationship_id`` is no ownership id)."""
    prefix = f"{OWNERSHIP.code}-"
    return relationship_id[len(prefix):] if relationship_id.startswith(prefix) else None


def ownership_properties(client: Mapping[str, Any]) -> dict[str, Any]:
    """A client's ownership as a relationship's stored properties would read: its id and
    category, marked as derived from the client's owner_id, with the client's version and
    times (it changes when the client does; it has no dates, strength or notes of its own)."""
    return {
        "id": ownership_id(client["id"]), "category": OWNERSHIP.category.value, "derived_from": OWNERSHIP_FIELD,
        "version": client["version"], "created_at": client["created_at"], "updated_at": client["updated_at"],
    }

DEFAULT_RELATIONSHIP_TYPES: tuple[RelationshipTypeSpec, ...] = (
    _membership("PRIMARY_CONTACT_AT", "a Primary Contact at", "has Primary Contact", MembershipRole.primary_contact, 1.0),
    _membership("PARTNER_CONTACT_AT", "a Partner Contact at", "has Partner Contact", MembershipRole.partner, 0.9),
    _membership("DEPENDANT_IN", "a Dependant in", "has Dependant", MembershipRole.dependant, 0.6),
    _membership("DIRECTOR_AT", "a Director at", "has Director", MembershipRole.director, 0.9),
    _membership("EMPLOYEE_AT", "an Employee at", "has Employee", MembershipRole.employee, 0.5),
    _membership("MEMBER_OF", "a Member of", "has Member", MembershipRole.member, 0.5),
    RelationshipTypeSpec(
        "REFERRER_OF", "the Referrer of", "was referred by", RelationshipCategory.referral,
        PARTIES, (K.client, K.person), 1.0,
    ),
    RelationshipTypeSpec(
        "INTRODUCER_OF", "the Introducer of", "was introduced by", RelationshipCategory.referral,
        PARTIES, (K.client, K.person, K.provider), 0.7,
    ),
    RelationshipTypeSpec(
        "ADVISER_OF", "the Adviser of", "is advised by", RelationshipCategory.professional,
        (K.team_member,), (K.client, K.person), 1.0,
    ),
    RelationshipTypeSpec(
        "PARAPLANNER_FOR", "the Paraplanner for", "has Paraplanner", RelationshipCategory.professional,
        (K.team_member,), (K.client,), 0.8, description="A team member who prepares the client's plans.",
    ),
    RelationshipTypeSpec(
        "CLIENT_SERVICE_LEAD_FOR", "the Client Service Lead for", "has Client Service Lead",
        RelationshipCategory.professional, (K.team_member,), (K.client,), 0.8,
        description="The team member who leads the client's day-to-day service.",
    ),
    RelationshipTypeSpec(
        "SOLICITOR_FOR", "a Solicitor for", "has Solicitor", RelationshipCategory.professional,
        (K.person, K.provider), (K.client, K.person), 0.6,
    ),
    RelationshipTypeSpec(
        "ACCOUNTANT_FOR", "an Accountant for", "has Accountant", RelationshipCategory.professional,
        (K.person, K.provider), (K.client, K.person), 0.6,
    ),
    RelationshipTypeSpec(
        "WORKS_AT", "a Staff Member at", "has Staff Member", RelationshipCategory.professional,
        (K.person,), (K.provider, K.division), 0.5,
    ),
    RelationshipTypeSpec(
        "MEMBER_OF_DIVISION", "in", "includes", RelationshipCategory.other,
        (K.team_member, K.client), (K.division,), 0.3,
    ),
    RelationshipTypeSpec(
        "SPOUSE_OF", "the Spouse of", "is the Spouse of", RelationshipCategory.family,
        (K.person,), (K.person,), 1.0,
    ),
    RelationshipTypeSpec(
        "PARENT_OF", "the Parent of", "is the Child of", RelationshipCategory.family,
        (K.person,), (K.person,), 0.8,
    ),
    RelationshipTypeSpec(
        "SIBLING_OF", "the Sibling of", "is the Sibling of", RelationshipCategory.family,
        (K.person,), (K.person,), 0.7,
    ),
    RelationshipTypeSpec(
        "RELATED_HOUSEHOLD_OF", "a Related Household of", "is a Related Household of", RelationshipCategory.other,
        (K.client,), (K.client,), 0.6, description="Strategic link between households of related clients.",
    ),
    RelationshipTypeSpec(
        "BUSINESS_GROUP_WITH", "in a Business Group with", "is in a Business Group with", RelationshipCategory.other,
        (K.client,), (K.client,), 0.6, description="Strategic link between related businesses.",
    ),
    RelationshipTypeSpec(
        "ACQUAINTANCE_OF", "an Acquaintance of", "is an Acquaintance of", RelationshipCategory.other,
        (K.person, K.team_member), (K.person, K.team_member), 0.3,
    ),
)


class CategoryList(StrEnum):
    """The ordered, administrator-editable lists a client is classified by."""

    stages = "stages"
    segments = "segments"
    sources = "sources"
    influencer_segments = "influencer-segments"

    @property
    def client_field(self) -> str:
        """The client property whose values must come from this list."""
        return _CLIENT_FIELD[self]


_CLIENT_FIELD = {
    CategoryList.stages: "stage",
    CategoryList.segments: "segment",
    CategoryList.sources: "source",
    CategoryList.influencer_segments: "influencer_segment",
}


@dataclass(frozen=True)
class CategorySpec:
    code: str
    label: str
    description: str = ""


DEFAULT_CATEGORIES: dict[CategoryList, tuple[CategorySpec, ...]] = {
    CategoryList.stages: (
        CategorySpec("prospect", "Prospect"),
        CategorySpec("client", "Client"),
        CategorySpec("inactive", "Inactive"),
        CategorySpec("for_sale", "For sale"),
    ),
    CategoryList.segments: (
        CategorySpec("A", "A", "Highest lifetime value"),
        CategorySpec("B", "B"),
        CategorySpec("C", "C"),
        CategorySpec("D", "D", "Lowest lifetime value"),
    ),
    CategoryList.sources: (
        CategorySpec("referral", "Referral"),
        CategorySpec("bought_list", "Bought list"),
        CategorySpec("event", "Event"),
        CategorySpec("website_enquiry", "Website enquiry"),
    ),
    CategoryList.influencer_segments: (
        CategorySpec("critical", "Critical", "Most connected, able to bring several opportunities; watched most closely"),
        CategorySpec("important", "Important", "Several connections, less influential"),
        CategorySpec("standard", "Standard", "Some connections, room to grow"),
    ),
}

# Category codes are values, never identifiers, but keep them tidy and URL-safe.
CATEGORY_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,39}$"

__all__ = [
    "ANY_KIND",
    "CATEGORY_CODE_PATTERN",
    "DEFAULT_CATEGORIES",
    "DEFAULT_RELATIONSHIP_TYPES",
    "CategoryList",
    "CategorySpec",
    "RelationshipTypeSpec",
]
