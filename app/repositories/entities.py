"""Entities: clients, people, team members, providers and divisions, one at a time or a page
at a time, and the graph around one."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.domain.model import EntityKind
from app.repositories.base import Repository, _owners, all_as, first_as, result_of
from app.repositories.service_tasks import _read_task
from app.repositories.store import Row

ENTITY_FILTERS = (
    "kind", "stage", "segment", "source", "owner_id", "influencer_segment", "tier", "role", "reports_to_id", "name",
)


@result_of("get_entity", "get_entities", "list_entities", "entities_by_external_id", "entities_page", "group_members")
@dataclass(frozen=True)
class EntityRow:
    """The queries that read entities whole: each row one entity's properties."""

    entity: Row


def entities_of(rows: list[Row]) -> list[Row]:
    """The entities of ``EntityRow`` rows."""
    return [found.entity for found in all_as(EntityRow, rows)]


@result_of("create_entity")
@dataclass(frozen=True)
class EntityCreation:
    """Created unless an entity or category key it names is missing."""

    created: bool


@result_of("count_entities", "count_selected_entities")
@dataclass(frozen=True)
class EntityCount:
    entities: int


@result_of("update_entity")
@dataclass(frozen=True)
class EntityUpdate:
    """Whether the entities and categories it names exist, and whether it was still at the
    version (and the fields) the service read: written when both; ``entity`` as it is now."""

    references_ok: bool
    version_ok: bool
    entity: Row


@result_of("delete_entity")
@dataclass(frozen=True)
class EntityDeletion:
    """Deleted, or not and why: changed since read (``unchanged`` false), or still holding
    relationships, owned clients or reports (counted) without a cascade."""

    deleted: bool
    unchanged: bool
    relationships: int
    owned_clients: int
    reports: int
    own_records: int


@result_of("merge_entities")
@dataclass(frozen=True)
class EntityMerge:
    """Merged, or not: changed since read, or a clash of pairs or singular roles it would make."""

    merged: bool
    unchanged: bool
    pair_clashes: int
    role_clashes: int


@result_of("entity_own_records")
@dataclass(frozen=True)
class OwnRecord:
    """A record an entity owns (a touch, service request, important date or service task),
    which goes when it goes: its kind and its properties."""

    kind: str
    record: Row


@result_of("likely_duplicates")
@dataclass(frozen=True)
class LikelyDuplicate:
    """Another entity of the kind with the name in any case and no differing email."""

    id: str
    kind: str
    name: str


@result_of("client_detail")
@dataclass(frozen=True)
class ClientDetail:
    """A client with its owner (a team member, or None) and its active members, each
    ``{person, relationship, type}``."""

    client: Row
    members: list[Row]
    owner: Row | None


@result_of("entity_relationships")
@dataclass(frozen=True)
class Link:
    """One relationship of an entity: the relationship, its type, whether it goes out of the
    entity, and the entity at its other end."""

    relationship: Row
    type: str
    outgoing: bool
    other: Row

    @property
    def id(self) -> str:
        return self.relationship["id"]

    def ends(self, entity_id: str) -> tuple[str, str]:
        return (entity_id, self.other["id"]) if self.outgoing else (self.other["id"], entity_id)


@result_of("neighbourhood")
@dataclass(frozen=True)
class Neighbour:
    """An active relationship out of a walk's frontier: the relationship, its type, its ends,
    and the entity at the end away from the frontier."""

    relationship: Row
    type: str
    from_id: str
    to_id: str
    neighbour: Row


class EntityReads(Protocol):
    """Entities read by id or external id."""

    def get_entity(self, kind: EntityKind, entity_id: str, *, owners: Collection[str] | None = None) -> Row | None:
        """The entity; with ``owners``, only if a caller who sees their clients may see it."""

    def get_entities(self, ids: Iterable[str]) -> dict[str, Row]:
        ...

    def entities_by_external_id(self, external_ids: Iterable[str]) -> list[Row]:
        ...


class Entities(EntityReads, Protocol):
    def count_entities(self) -> int:
        ...

    def create_entity(
        self, kind: EntityKind, properties: Mapping[str, Any], references: Sequence[str], audit: Mapping[str, Any],
        *, categories: Sequence[str] = (),
    ) -> bool:
        """Create it unless an entity in ``references`` or a category key in ``categories`` is missing."""

    def update_entity(
        self, kind: EntityKind, entity_id: str, properties: Mapping[str, Any], references: Sequence[str],
        *, now: str, expected_version: int, before: Mapping[str, Any], audit: Mapping[str, Any],
        categories: Sequence[str] = (),
    ) -> EntityUpdate | None:
        """Replace the entity's properties if it is still at ``expected_version`` (and, as for
        ``create_entity``, its references and categories exist)."""

    def delete_entity(
        self, kind: EntityKind, entity_id: str, *, cascade: bool, now: str, expected_version: int,
        holds: Mapping[str, Sequence[str]] | None = None, own_records: Sequence[str] = (),
        groups: Sequence[str] = (), audits: Sequence[Mapping[str, Any]],
    ) -> EntityDeletion | None:
        """What it did (``EntityDeletion``); None if no such entity.

        ``holds`` (for a cascade): the ``"id:version"`` of each relationship, owned client and
        report (``relationships``, ``owned``, ``reports``) the service read and ``audits`` describe.
        ``own_records``: the ids of the records it owns (``entity_own_records``), deleted with it.
        ``groups``: the ``"id:version"`` of each group holding it (``groups_holding``), which it leaves.
        """

    def merge_entities(
        self, kind: EntityKind, kept_id: str, duplicate_id: str, *, kept_before: Mapping[str, Any],
        duplicate_before: Mapping[str, Any], properties: Mapping[str, Any], relationships: Sequence[str],
        own_records: Sequence[str], moves: Mapping[str, Mapping[str, Sequence[str]]], symmetric_types: Collection[str],
        singular_roles: Collection[str], today: str, now: str, audits: Sequence[Mapping[str, Any]],
    ) -> EntityMerge | None:
        """Merge the duplicate into the kept entity (see the query); None if either is gone.

        ``relationships``: the duplicate's, ``"id:version"`` each, as read; ``own_records``:
        the ids of the records it owns; ``moves``: by type code, the ids of the relationships
        to move, ``{"outgoing": [...], "incoming": [...]}``; ``properties``: the kept
        entity's whole new property map."""

    def entity_own_records(self, entity_id: str) -> list[OwnRecord]:
        """The touches, service requests and important dates an entity
        owns, which go when it goes."""

    def list_entities(
        self, kind: EntityKind, filters: Mapping[str, Any], *, after: str | None, limit: int,
        owners: Collection[str] | None = None,
    ) -> list[Row]:
        """One page; with ``owners``, only entities a caller who sees those owners' clients may see."""

    def likely_duplicates(
        self, kind: EntityKind, entity: Mapping[str, Any], *, limit: int, owners: Collection[str] | None = None,
    ) -> list[LikelyDuplicate]:
        """The other entities of ``kind`` with ``entity``'s name in any case and no
        differing email (see the query), those a caller who sees ``owners``' clients may see."""

    def client_detail(self, client_id: str, *, today: str, owners: Collection[str] | None = None) -> ClientDetail | None:
        """The client with its owner and members; with ``owners``, only if visible."""

    def entity_relationships(
        self, entity_id: str, *, today: str, category: str | None = None, include_ended: bool = False,
        owners: Collection[str] | None = None,
    ) -> list[Link]:
        ...

    def neighbourhood(
        self, frontier: Iterable[str], *, today: str, limit: int, owners: Collection[str] | None = None
    ) -> list[Neighbour]:
        """Active relationships around ``frontier``; with ``owners``, only to visible neighbours."""

    def entity_by_id_or_external_id(self, kind: EntityKind, reference: str) -> Row | None:
        """The entity of this kind whose id is ``reference``, else the one with that external
        id (an imported record's id in its source system), else None."""


class EntityRepository(Repository):
    def count_entities(self) -> int:
        return EntityCount(**self._store.read(self._q("count_entities"))[0]).entities

    def create_entity(
        self, kind: EntityKind, properties: Mapping[str, Any], references: Sequence[str], audit: Mapping[str, Any],
        *, categories: Sequence[str] = (),
    ) -> bool:
        rows = self._store.write(
            self._q("create_entity", label=kind.label),
            {"properties": dict(properties), "references": list(references), "categories": list(categories),
             "audit": dict(audit)},
        )
        return bool(EntityCreation(**rows[0]).created)

    def get_entity(self, kind: EntityKind, entity_id: str, *, owners: Collection[str] | None = None) -> Row | None:
        rows = self._store.read(self._q("get_entity", label=kind.label, restricted=owners is not None),
                                {"id": entity_id, "owners": _owners(owners)})
        return next(iter(entities_of(rows)), None)

    def get_entities(self, ids: Iterable[str]) -> dict[str, Row]:
        rows = self._store.read(self._q("get_entities"), {"ids": list(set(ids))})
        return {entity["id"]: entity for entity in entities_of(rows)}

    def update_entity(
        self, kind: EntityKind, entity_id: str, properties: Mapping[str, Any], references: Sequence[str],
        *, now: str, expected_version: int, before: Mapping[str, Any], audit: Mapping[str, Any],
        categories: Sequence[str] = (),
    ) -> EntityUpdate | None:
        rows = self._store.write(
            self._q("update_entity", label=kind.label),
            {"id": entity_id, "properties": dict(properties), "references": list(references),
             "categories": list(categories), "before": dict(before), "now": now,
             "expected_version": expected_version, "audit": dict(audit)},
        )
        return first_as(EntityUpdate, rows)

    def delete_entity(
        self, kind: EntityKind, entity_id: str, *, cascade: bool, now: str, expected_version: int,
        holds: Mapping[str, Sequence[str]] | None = None, own_records: Sequence[str] = (),
        groups: Sequence[str] = (), audits: Sequence[Mapping[str, Any]],
    ) -> EntityDeletion | None:
        holds = holds or {}
        rows = self._store.write(
            self._q("delete_entity", label=kind.label),
            {"id": entity_id, "cascade": cascade, "now": now, "expected_version": expected_version,
             "relationships": list(holds.get("relationships", ())), "owned": list(holds.get("owned", ())),
             "reports": list(holds.get("reports", ())), "own_records": list(own_records), "groups": list(groups),
             "audits": [dict(audit) for audit in audits]},
        )
        return first_as(EntityDeletion, rows)

    def merge_entities(
        self, kind: EntityKind, kept_id: str, duplicate_id: str, *, kept_before: Mapping[str, Any],
        duplicate_before: Mapping[str, Any], properties: Mapping[str, Any], relationships: Sequence[str],
        own_records: Sequence[str], moves: Mapping[str, Mapping[str, Sequence[str]]], symmetric_types: Collection[str],
        singular_roles: Collection[str], today: str, now: str, audits: Sequence[Mapping[str, Any]],
    ) -> EntityMerge | None:
        rows = self._store.write(
            self._q("merge_entities", label=kind.label, rel_type=sorted(moves)),
            {"kept_id": kept_id, "duplicate_id": duplicate_id, "kept_before": dict(kept_before),
             "duplicate_before": dict(duplicate_before), "properties": dict(properties),
             "relationships": list(relationships), "own_records": list(own_records),
             "moves": {code: {"outgoing": list(m["outgoing"]), "incoming": list(m["incoming"])} for code, m in moves.items()},
             "symmetric_types": sorted(symmetric_types), "singular_roles": sorted(singular_roles), "today": today,
             "now": now, "audits": [dict(audit) for audit in audits]},
        )
        return first_as(EntityMerge, rows)

    def entity_own_records(self, entity_id: str) -> list[OwnRecord]:
        rows = self._store.read(self._q("entity_own_records"), {"id": entity_id})
        for row in rows:
            if row["kind"] == "service_task":
                _read_task(row["record"])
        return all_as(OwnRecord, rows)

    def list_entities(
        self, kind: EntityKind, filters: Mapping[str, Any], *, after: str | None, limit: int,
        owners: Collection[str] | None = None,
    ) -> list[Row]:
        unknown = set(filters) - set(ENTITY_FILTERS)
        if unknown:
            raise ValueError(f"unknown filters {sorted(unknown)}")
        params = {name: filters.get(name) for name in ENTITY_FILTERS}
        rows = self._store.read(
            self._q("list_entities", label=kind.label, restricted=owners is not None),
            {**params, "after": after, "limit": limit, "owners": _owners(owners)},
        )
        return entities_of(rows)

    def likely_duplicates(
        self, kind: EntityKind, entity: Mapping[str, Any], *, limit: int, owners: Collection[str] | None = None,
    ) -> list[LikelyDuplicate]:
        return all_as(LikelyDuplicate, self._store.read(
            self._q("likely_duplicates", label=kind.label, restricted=owners is not None),
            {"id": entity["id"], "name": entity["name"], "email": entity.get("email"), "limit": limit,
             "owners": _owners(owners)},
        ))

    def client_detail(self, client_id: str, *, today: str, owners: Collection[str] | None = None) -> ClientDetail | None:
        rows = self._store.read(self._q("client_detail", restricted=owners is not None),
                                {"id": client_id, "today": today, "owners": _owners(owners)})
        return first_as(ClientDetail, rows)

    def entity_relationships(
        self, entity_id: str, *, today: str, category: str | None = None, include_ended: bool = False,
        owners: Collection[str] | None = None,
    ) -> list[Link]:
        rows = self._store.read(
            self._q("entity_relationships", restricted=owners is not None),
            {"id": entity_id, "today": today, "category": category, "include_ended": include_ended,
             "owners": _owners(owners)},
        )
        return all_as(Link, rows)

    def neighbourhood(
        self, frontier: Iterable[str], *, today: str, limit: int, owners: Collection[str] | None = None
    ) -> list[Neighbour]:
        rows = self._store.read(
            self._q("neighbourhood", restricted=owners is not None),
            {"frontier": list(frontier), "today": today, "limit": limit, "owners": _owners(owners)},
        )
        return all_as(Neighbour, rows)

    def entity_by_id_or_external_id(self, kind: EntityKind, reference: str) -> Row | None:
        found = self.get_entity(kind, reference)
        if found is None:
            found = next((e for e in self.entities_by_external_id([reference]) if e["entity_kind"] == kind.value), None)
        return found

    def entities_by_external_id(self, external_ids: Iterable[str]) -> list[Row]:
        rows = self._store.read(self._q("entities_by_external_id"), {"external_ids": list(external_ids)})
        return entities_of(rows)
