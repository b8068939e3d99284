"""The import and export format: each record kind's columns, which are required, which are
renamed to a create body's field, and which name other records by external id."""

from __future__ import annotations

from app.domain.model import EntityKind
from app.domain.records import ClientCreate, RelationshipCreate, TeamMemberCreate
from app.domain.transfer import (
    ENTITY_RECORDS,
    RECORD_OF_ENTITY_KIND,
    RELATIONSHIP_RECORDS,
    RecordKind,
)


def test_records_are_read_in_an_order_where_what_is_named_comes_first():
    assert list(RecordKind) == ["team_members", "divisions", "providers", "clients", "people", "memberships", "relationships"]
    assert ENTITY_RECORDS == (RecordKind.team_members, RecordKind.divisions, RecordKind.providers,
                              RecordKind.clients, RecordKind.people)
    assert RELATIONSHIP_RECORDS == (RecordKind.memberships, RecordKind.relationships)
    assert RECORD_OF_ENTITY_KIND == {
        EntityKind.team_member: RecordKind.team_members, EntityKind.division: RecordKind.divisions,
        EntityKind.provider: RecordKind.providers, EntityKind.client: RecordKind.clients,
        EntityKind.person: RecordKind.people,
    }


def test_team_members_columns_are_the_create_body_s_fields_with_reports_to_by_external_id():
    team = RecordKind.team_members.format
    assert team.columns == ("external_id", "name", "role", "email", "phone", "reports_to")
    assert team.required == {"external_id", "name", "role"}
    assert team.model is TeamMemberCreate
    assert team.entity_kind is EntityKind.team_member
    assert team.field_of("reports_to") == "reports_to_id"
    assert team.column_of("reports_to_id") == "reports_to"
    assert team.field_of("email") == team.column_of("email") == "email"  # not renamed
    assert dict(team.references) == {"reports_to": EntityKind.team_member}


def test_a_client_names_its_owner_by_external_id_and_requires_only_its_name_and_kind():
    clients = RecordKind.clients.format
    assert clients.model is ClientCreate
    assert clients.required == {"external_id", "name", "kind"}
    assert "owner" in clients.column_set and "owner_id" not in clients.column_set
    assert clients.field_of("owner") == "owner_id"
    assert dict(clients.references) == {"owner": EntityKind.team_member}
    assert clients.columns[0] == "external_id"
    assert len(clients.columns) == len(clients.column_set) == 23


def test_memberships_and_relationships_name_their_ends():
    memberships = RecordKind.memberships.format
    assert memberships.ends == ("person", "client")
    assert memberships.required == {"external_id", "person", "client", "role"}
    assert dict(memberships.references) == {"person": EntityKind.person, "client": EntityKind.client}
    assert memberships.entity_kind is None
    relationships = RecordKind.relationships.format
    assert relationships.ends == ("from", "to")
    assert relationships.required == {"external_id", "type", "from", "to"}
    assert dict(relationships.references) == {}  # either end may be any kind the type allows
    assert relationships.model is memberships.model is RelationshipCreate


def test_entity_records_without_references_keep_every_column_s_name():
    for kind in (RecordKind.divisions, RecordKind.providers, RecordKind.people):
        record = kind.format
        assert dict(record.renamed) == {} and dict(record.references) == {}
        assert set(record.columns) == {"external_id", *record.model.model_fields}
    assert RecordKind.divisions.format.columns == ("external_id", "name", "description")
