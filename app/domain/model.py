"""Entity kinds, relationship categories and the identifiers the graph may use."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime
from enum import StrEnum

from ulid import ULID

from app.domain.errors import InvalidInput


class EntityKind(StrEnum):
    """The kinds of node in the relationship graph."""

    client = "client"
    person = "person"
    team_member = "team_member"
    provider = "provider"
    division = "division"

    @property
    def label(self) -> str:
        """The graph label of this kind (every node also carries ``Entity``)."""
        return _LABELS[self]

    @property
    def path(self) -> str:
        """The API collection path of this kind."""
        return _PATHS[self]

    @classmethod
    def from_path(cls, path: str) -> EntityKind:
        return _BY_PATH[path]


_LABELS = {
    EntityKind.client: "Client",
    EntityKind.person: "Person",
    EntityKind.team_member: "TeamMember",
    EntityKind.provider: "Provider",
    EntityKind.division: "Division",
}
_PATHS = {
    EntityKind.client: "clients",
    EntityKind.person: "people",
    EntityKind.team_member: "team-members",
    EntityKind.provider: "providers",
    EntityKind.division: "divisions",
}
_BY_PATH = {path: kind for kind, path in _PATHS.items()}

#: Kinds that are organisations, as opposed to human beings.
ORGANISATION_KINDS = frozenset({EntityKind.client, EntityKind.provider, EntityKind.division})


#: How many relationships away a network reaches at most: the API's ego network, and the
#: export of one client's network.
MAX_NETWORK_DEPTH = 3
#: How far the export of one client's network reaches when no depth is given.
DEFAULT_EXPORT_DEPTH = 2


class ClientKind(StrEnum):
    household = "household"
    business = "business"
    individual = "individual"


class TeamRole(StrEnum):
    admin = "admin"
    practice_manager = "practice_manager"
    adviser = "adviser"
    client_service = "client_service"
    analyst = "analyst"


class ProviderKind(StrEnum):
    law_firm = "law_firm"
    accountancy = "accountancy"
    product_provider = "product_provider"
    other = "other"


class RelationshipCategory(StrEnum):
    membership = "membership"
    referral = "referral"
    professional = "professional"
    family = "family"
    other = "other"


class MembershipRole(StrEnum):
    """How a person belongs to a client; only membership relationship types carry one."""

    primary_contact = "primary_contact"
    partner = "partner"
    dependant = "dependant"
    director = "director"
    employee = "employee"
    member = "member"


#: Roles a client may hold at most once among its active memberships.
SINGULAR_ROLES = frozenset({MembershipRole.primary_contact})

# Relationship type codes become Cypher relationship types and are backticked in queries;
# this pattern is the only gate through which an identifier reaches query text.
_IDENTIFIER = re.compile(r"^[A-Z][A-Z0-9_]{1,62}$")


def check_identifier(code: str) -> str:
    """Return ``code`` if it may be used as a graph identifier, else raise InvalidInput."""
    if not _IDENTIFIER.fullmatch(code):
        raise InvalidInput(
            f"'{code}' is not a valid code: use 2-63 characters A-Z, 0-9 and _, starting with a letter"
        )
    return code


def new_entity_id() -> str:
    return str(ULID())


# A relationship id names its type so a lookup by id can use that type's index
# (an untyped scan costs seconds on a million relationships).
_RELATIONSHIP_ID = re.compile(r"^([A-Z][A-Z0-9_]{1,62})-([0-9A-HJKMNP-TV-Z]{26})$")


def new_relationship_id(type_code: str) -> str:
    return f"{check_identifier(type_code)}-{ULID()}"


def relationship_type_of(relationship_id: str) -> str | None:
    """The type code inside a relationship id, or None if the id is malformed."""
    match = _RELATIONSHIP_ID.fullmatch(relationship_id)
    return match.group(1) if match else None


def now_iso() -> str:
    """The current instant as ISO-8601 UTC; both stores keep time as such strings."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def today_iso() -> str:
    return date.today().isoformat()


def no_such_date(year: int, month: int, day: int) -> str | None:
    """Why a date written in the right form (``YYYY-MM-DD``) names no day of the calendar,
    or None when it does: ``1980-02-30 has no such day (February 1980 has 29 days)``."""
    written = f"{year:04d}-{month:02d}-{day:02d}"
    if not 1 <= month <= 12:
        return f"{written} has no such month (months run from 01 to 12)"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"{written} has no such day ({calendar.month_name[month]} {year} has {days} days)"
    return None


def person_display_name(first_name: str, last_name: str, preferred_name: str | None = None) -> str:
    return f"{preferred_name or first_name} {last_name}".strip()


class PracticeRecordKind(StrEnum):
    """The kinds of the practice's records that are not entities, as the audit trail names
    them (``target_kind``; an entity's record names its ``EntityKind``)."""

    relationship = "relationship"
    relationship_type = "relationship_type"
    category = "category"
    api_key = "api_key"
    practice_settings = "practice_settings"
    scoring_run = "scoring_run"
    tier_run = "tier_run"
    service_template = "service_template"
    service_plan = "service_plan"
    service_task = "service_task"
    touch = "touch"
    service_request = "service_request"
    important_date = "important_date"
    group = "group"
    #: The whole practice: bulk loads (an import, a generated practice, a restore, the default catalogue).
    practice = "practice"

    @property
    def noun(self) -> str:
        """How a message names one: "service request"."""
        return self.value.replace("_", " ")


#: Labels of the practice's records that are not entities (analytics and tier runs, their
#: applications, service templates, touches, service requests, important dates, service
#: tasks, groups). They join nothing in the relationship graph; backups carry them as they are.
PRACTICE_RECORD_LABELS = (
    "ScoringRun", "InfluenceScore", "SegmentApplication", "TierRun", "TierSuggestion", "TierApplication",
    "ServiceTemplate", "Touch", "ServiceRequest", "ImportantDate", "ServiceTask", "Group",
    # Access: keys (their hashes; a restored practice keeps its keys), settings, the audit trail.
    "ApiKey", "PracticeSettings", "AuditRecord",
)
#: What orders each record label's pages in a backup: a property unique to each record, or
#: a pair that is (most have an ``id``).
PRACTICE_RECORD_KEYS: dict[str, tuple[str, ...]] = {label: ("id",) for label in PRACTICE_RECORD_LABELS} | {
    "InfluenceScore": ("position_key",),
    "TierSuggestion": ("run_id", "position"),
    "ServiceTemplate": ("tier",),
}


def iso_instant(moment: datetime) -> str:
    """``moment`` in the stored form of ``now_iso`` (a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
