"""Clients, people, team members, providers and divisions: create, read, change, delete."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from app.domain.catalogue import CategoryList
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.model import (
    EntityKind,
    new_entity_id,
    now_iso,
    person_display_name,
    today_iso,
)
from app.repositories.practice import PracticeRepository
from app.services.catalogue import CatalogueService

# Fields that may not be cleared with an explicit null in a PATCH.
_REQUIRED = {
    EntityKind.client: {"name", "kind"},
    EntityKind.person: {"first_name", "last_name"},
    EntityKind.team_member: {"name", "role"},
    EntityKind.provider: {"name", "kind"},
    EntityKind.division: {"name"},
}
# Fields that name another entity, and the kind it must be.
_REFERENCES = {"owner_id": EntityKind.team_member, "reports_to_id": EntityKind.team_member}
_CATEGORY_FIELDS = {name.client_field: name for name in CategoryList}

MAX_HIERARCHY_DEPTH = 200
#: How often a PATCH re-reads and re-merges when a concurrent write got in first.
WRITE_ATTEMPTS = 5


def _describe(kind: EntityKind) -> str:
    return kind.value.replace("_", " ")


class EntityService:
    def __init__(self, repository: PracticeRepository, catalogue: CatalogueService) -> None:
        self._repo = repository
        self._catalogue = catalogue

    def create(self, kind: EntityKind, data: dict[str, Any]) -> dict[str, Any]:
        references = self._check(kind, data)
        properties = new_entity_properties(kind, data, entity_id=new_entity_id(), now=now_iso())
        if not self._repo.create_entity(kind, properties, references):
            raise InvalidInput("an entity this one refers to was deleted meanwhile; nothing was created")
        return self.get(kind, properties["id"])

    def get(self, kind: EntityKind, entity_id: str) -> dict[str, Any]:
        entity = self._repo.get_entity(kind, entity_id)
        if entity is None:
            raise NotFound(f"no {_describe(kind)} with id '{entity_id}'")
        return entity

    def update(self, kind: EntityKind, entity_id: str, changes: dict[str, Any], *, expected_version: int | None = None) -> dict[str, Any]:
        """Apply a partial change (an explicit None clears an optional field).

        The write replaces the whole property map, guarded by the version just read; if
        another writer got in between, the change is merged again onto the newer state,
        unless the caller named the version it expects.
        """
        cleared = sorted(name for name in changes.keys() & _REQUIRED[kind] if changes[name] is None)
        if cleared:
            raise InvalidInput(f"{', '.join(cleared)} cannot be cleared")
        references: list[str] | None = None
        for _ in range(WRITE_ATTEMPTS):
            current = self.get(kind, entity_id)
            if expected_version is not None and current["version"] != expected_version:
                raise Conflict(f"{_describe(kind)} '{entity_id}' is at version {current['version']}, not {expected_version}")
            if not changes:
                return current
            if references is None:
                references = self._check(kind, changes, entity_id=entity_id)
            merged = {**current, **changes}
            if kind is EntityKind.person:
                merged["name"] = person_display_name(merged["first_name"], merged["last_name"], merged.get("preferred_name"))
            row = self._repo.update_entity(
                kind, entity_id, {k: v for k, v in merged.items() if v is not None}, references,
                now=now_iso(), expected_version=current["version"],
            )
            if row is None:
                raise NotFound(f"no {_describe(kind)} with id '{entity_id}'")
            if not row["references_ok"]:
                raise InvalidInput("an entity this one refers to was deleted meanwhile; nothing was changed")
            if row["version_ok"]:
                return row["entity"]
            if expected_version is not None:
                break
        raise Conflict(f"{_describe(kind)} '{entity_id}' was changed by someone else meanwhile; nothing was changed")

    def delete(self, kind: EntityKind, entity_id: str, *, cascade: bool = False) -> None:
        row = self._repo.delete_entity(kind, entity_id, cascade=cascade, now=now_iso())
        if row is None:
            raise NotFound(f"no {_describe(kind)} with id '{entity_id}'")
        if not row["deleted"]:
            holds = [
                f"{count} {what}" for count, what in (
                    (row["relationships"], "relationships"), (row["owned_clients"], "owned clients"),
                    (row["reports"], "team members reporting to them"),
                ) if count
            ]
            raise Conflict(
                f"{_describe(kind)} '{entity_id}' still has {', '.join(holds)}; delete with cascade=true to remove "
                "its relationships and clear those references",
                relationships=row["relationships"], owned_clients=row["owned_clients"], reports=row["reports"],
            )

    def list(self, kind: EntityKind, filters: dict[str, Any], *, after: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
        """One page, plus the cursor of the next one (None on the last page)."""
        rows = self._repo.list_entities(kind, {k: v for k, v in filters.items() if v is not None}, after=after, limit=limit + 1)
        return rows[:limit], (rows[limit - 1]["id"] if len(rows) > limit else None)

    def client_detail(self, client_id: str) -> dict[str, Any]:
        row = self._repo.client_detail(client_id, today=today_iso())
        if row is None:
            raise NotFound(f"no client with id '{client_id}'")
        members = [
            {"person": m["person"], "role": m["relationship"].get("role"), "relationship_id": m["relationship"]["id"],
             "relationship_type": m["type"], "since": m["relationship"].get("since")}
            for m in sorted(row["members"], key=lambda m: (_ROLE_ORDER.get(m["relationship"].get("role"), 99), m["person"]["name"]))
        ]
        return {**row["client"], "owner": row["owner"], "members": members}

    # -- checks ---------------------------------------------------------------------------
    def _check(self, kind: EntityKind, data: dict[str, Any], *, entity_id: str | None = None) -> list[str]:
        """Validate categories and references; return the ids the write must find present."""
        if any(data.get(field) is not None for field in _CATEGORY_FIELDS):
            check_categories(data, self._catalogue.category_codes())
        references = {field: data[field] for field in _REFERENCES if data.get(field) is not None}
        if references:
            found = self._repo.get_entities(references.values())
            for field, ref in references.items():
                wanted = _REFERENCES[field]
                entity = found.get(ref)
                if entity is None or entity["entity_kind"] != wanted.value:
                    raise InvalidInput(f"{field} '{ref}' does not name a {_describe(wanted)}", field=field)
        if entity_id is not None and references.get("reports_to_id"):
            self._check_no_cycle(entity_id, references["reports_to_id"])
        return list(references.values())

    def _check_no_cycle(self, member_id: str, manager_id: str) -> None:
        if closes_hierarchy_loop(member_id, manager_id, self._manager_of):
            raise InvalidInput("reports_to_id would make the team hierarchy a loop", field="reports_to_id")

    def _manager_of(self, member_id: str) -> str | None:
        manager = self._repo.get_entity(EntityKind.team_member, member_id)
        return manager.get("reports_to_id") if manager else None


def new_entity_properties(kind: EntityKind, data: Mapping[str, Any], *, entity_id: str, now: str) -> dict[str, Any]:
    """Everything a new entity stores: its given fields, id, kind, display name and timestamps."""
    properties = {
        **{k: v for k, v in data.items() if v is not None},
        "id": entity_id, "entity_kind": kind.value, "created_at": now, "updated_at": now, "version": 1,
    }
    if kind is EntityKind.person:
        properties["name"] = person_display_name(data["first_name"], data["last_name"], data.get("preferred_name"))
    return properties


def check_categories(data: Mapping[str, Any], codes: Mapping[CategoryList, Sequence[str]]) -> None:
    """Refuse a client whose stage, segment, source or influencer segment is not in its list."""
    for field, name in _CATEGORY_FIELDS.items():
        value = data.get(field)
        if value is not None and value not in codes[name]:
            allowed = list(codes[name])
            raise InvalidInput(
                f"unknown {field} '{value}'; allowed: {', '.join(allowed) or '(none defined)'}",
                field=field, allowed=allowed,
            )


def closes_hierarchy_loop(member_id: str, manager_id: str, manager_of: Callable[[str], str | None]) -> bool:
    """Whether making ``member_id`` report to ``manager_id`` would close a loop, following
    ``manager_of`` up the existing hierarchy (at most MAX_HIERARCHY_DEPTH steps)."""
    seen: set[str] = set()
    current: str | None = manager_id
    while current is not None and len(seen) < MAX_HIERARCHY_DEPTH:
        if current == member_id:
            return True
        seen.add(current)
        current = manager_of(current)
        if current in seen:
            break
    return False


_ROLE_ORDER = {"primary_contact": 0, "partner": 1, "director": 2, "employee": 3, "member": 4, "dependant": 5}
