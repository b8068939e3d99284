"""The import and export format: one file per record kind, as CSV or JSON Lines.

Both formats carry the same columns. Every row has an ``external_id`` (the id in the source
system); rows name each other by external id (a client's ``owner``, a relationship's
``from`` and ``to``). The fields of the entity kinds are those of the API's create bodies,
so the API's rules (``app/domain/records.py``) validate them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from pydantic import BaseModel, TypeAdapter

from app.domain import records
from app.domain.model import EntityKind, MembershipRole
from app.domain.records import RelationshipCreate

#: External ids are any text up to this long, trimmed of surrounding spaces.
MAX_EXTERNAL_ID_LENGTH = 200
membership_role_adapter: TypeAdapter[MembershipRole] = TypeAdapter(MembershipRole)

FILE_FORMATS = ("csv", "jsonl")


class RecordKind(StrEnum):
    """The kinds of record, each in its own file (``clients.csv``, ``clients.jsonl``...),
    in the order an import reads them: team members first (clients name their owner), then
    the other entities, then what joins them."""

    team_members = "team_members"
    divisions = "divisions"
    providers = "providers"
    clients = "clients"
    people = "people"
    memberships = "memberships"
    relationships = "relationships"

    @property
    def format(self) -> RecordFormat:
        return RECORD_FORMATS[self]


@dataclass(frozen=True)
class RecordFormat:
    kind: RecordKind
    #: The columns, in file order.
    columns: tuple[str, ...]
    required: frozenset[str]
    #: The create body that validates the row's fields (after renaming the columns below).
    model: type[BaseModel]
    #: The entity kind of an entity record; None for memberships and relationships.
    entity_kind: EntityKind | None = None
    #: Column -> field of ``model`` for columns that differ from their field's name; for
    #: reference columns the field receives the internal id the external id resolves to.
    renamed: Mapping[str, str] = field(default_factory=dict)
    #: Reference columns (external ids of other entities) -> the kind they must name.
    references: Mapping[str, EntityKind] = field(default_factory=dict)

    def field_of(self, column: str) -> str:
        return self.renamed.get(column, column)

    def column_of(self, field_name: str) -> str:
        return self._columns_of_fields.get(field_name, field_name)

    @cached_property
    def _columns_of_fields(self) -> dict[str, str]:
        return {name: column for column, name in self.renamed.items()}

    @cached_property
    def column_set(self) -> frozenset[str]:
        return frozenset(self.columns)

    @cached_property
    def ends(self) -> tuple[str, str]:
        """The columns naming a relationship's start and end (``from``/``to``, ``person``/``client``)."""
        return self.column_of("from_id"), self.column_of("to_id")


# Reference fields of the create bodies, as their columns name them.
_ENTITY_REFERENCES = {"owner_id": ("owner", EntityKind.team_member), "reports_to_id": ("reports_to", EntityKind.team_member)}


def _entity_format(kind: RecordKind, entity_kind: EntityKind, model: type[BaseModel]) -> RecordFormat:
    columns, required, renamed, references = ["external_id"], {"external_id"}, {}, {}
    for name, info in model.model_fields.items():
        column = name
        if name in _ENTITY_REFERENCES:
            column, target = _ENTITY_REFERENCES[name]
            renamed[column], references[column] = name, target
        columns.append(column)
        if info.is_required():
            required.add(column)
    return RecordFormat(kind, tuple(columns), frozenset(required), model, entity_kind, renamed, references)


RECORD_FORMATS: dict[RecordKind, RecordFormat] = {
    RecordKind.team_members: _entity_format(RecordKind.team_members, EntityKind.team_member, records.TeamMemberCreate),
    RecordKind.divisions: _entity_format(RecordKind.divisions, EntityKind.division, records.DivisionCreate),
    RecordKind.providers: _entity_format(RecordKind.providers, EntityKind.provider, records.ProviderCreate),
    RecordKind.clients: _entity_format(RecordKind.clients, EntityKind.client, records.ClientCreate),
    RecordKind.people: _entity_format(RecordKind.people, EntityKind.person, records.PersonCreate),
    # A membership is a relationship of a membership type from a person to a client, named
    # by its role; ``type`` is needed only where several membership types share that role.
    RecordKind.memberships: RecordFormat(
        RecordKind.memberships,
        ("external_id", "person", "client", "role", "type", "since", "until", "strength", "share", "notes"),
        frozenset({"external_id", "person", "client", "role"}),
        RelationshipCreate,
        renamed={"person": "from_id", "client": "to_id"},
        references={"person": EntityKind.person, "client": EntityKind.client},
    ),
    RecordKind.relationships: RecordFormat(
        RecordKind.relationships,
        ("external_id", "type", "from", "to", "since", "until", "strength", "share", "notes"),
        frozenset({"external_id", "type", "from", "to"}),
        RelationshipCreate,
        renamed={"from": "from_id", "to": "to_id"},
    ),
}

ENTITY_RECORDS = tuple(kind for kind in RecordKind if RECORD_FORMATS[kind].entity_kind is not None)
RELATIONSHIP_RECORDS = (RecordKind.memberships, RecordKind.relationships)
RECORD_OF_ENTITY_KIND = {RECORD_FORMATS[kind].entity_kind: kind for kind in ENTITY_RECORDS}
