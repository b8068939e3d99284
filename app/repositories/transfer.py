"""Bulk transfer: import, generated practices, export, backup and restore."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, Self

from app.domain.catalogue import PairRule
from app.domain.model import PRACTICE_RECORD_KEYS, EntityKind
from app.repositories.base import Repository, _role_types, _rule_params, all_as, result_of
from app.repositories.entities import entities_of
from app.repositories.store import Compaction, Row


@result_of("create_entities", "create_relationships", "create_practice_records")
@dataclass(frozen=True)
class BulkCreation:
    """How many a bulk write created."""

    created: int


@result_of("update_entities", "update_relationships")
@dataclass(frozen=True)
class BulkUpdate:
    """How many a bulk write updated."""

    updated: int


@result_of("restore_audit_records")
@dataclass(frozen=True)
class AuditRestore:
    restored: int


@result_of("delete_everything")
@dataclass(frozen=True)
class Clearing:
    """How many records one batch of a practice's clearing deleted."""

    deleted: int


@result_of("count_relationships_of_type")
@dataclass(frozen=True)
class RelationshipCount:
    relationships: int


@result_of("practice_size")
@dataclass(frozen=True)
class PracticeSize:
    entities: int
    relationships: int


@result_of("practice_records_page")
@dataclass(frozen=True)
class PracticeRecordRow:
    """A record (touch, service request, ...) read whole."""

    properties: Row


@result_of("relationships_by_external_id", "relationships_by_id")
@dataclass(frozen=True)
class StoredRelationship:
    """A stored relationship and the ids of its ends."""

    relationship: Row
    from_id: str
    to_id: str


@result_of("outgoing_relationships")
@dataclass(frozen=True)
class OutgoingRelationship:
    """A relationship read from its start: its type, its ends' ids and external ids (their id
    where they have none)."""

    relationship: Row
    type: str
    from_id: str
    to_id: str
    from_external_id: str
    to_external_id: str


class StoredRelationships(Protocol):
    """Stored relationships looked up by id or external id, for an import to match its rows."""

    def relationships_by_external_id(self, type_code: str, external_ids: Iterable[str]) -> list[StoredRelationship]:
        ...

    def relationships_by_id(self, type_code: str, ids: Iterable[str]) -> list[StoredRelationship]:
        ...

    def count_relationships_of_type(self, type_code: str) -> int:
        ...


class BulkTransfer(StoredRelationships, Protocol):
    def snapshot(self) -> AbstractContextManager[Self]:
        """The practice at one instant, for reading all of it (see ``GraphStore.snapshot``)."""

    @property
    def snapshots_are_point_in_time(self) -> bool:
        ...

    def bulk_load(self) -> AbstractContextManager[None]:
        """Around a bulk load, which ``compact_storage`` follows (see ``GraphStore.bulk_load``)."""

    def compact_storage(self) -> Compaction | None:
        """After a bulk load: make the store's on-disk log compact (see ``GraphStore.compact``)."""

    def create_entities(
        self, kind: EntityKind, rows: Sequence[Mapping[str, Any]], shared: Mapping[str, Any] | None = None, *,
        audit: Mapping[str, Any],
    ) -> int:
        """Create entities of one kind from property maps, each completed by ``shared``
        (which must hold no nulls); all or none."""

    def update_entities(self, rows: Sequence[Mapping[str, Any]], *, audit: Mapping[str, Any]) -> int:
        """Replace properties from ``{id, version, properties}`` rows where the stored version is
        still ``version``; returns how many were replaced."""

    def create_relationships(
        self, type_code: str, rows: Sequence[Mapping[str, Any]], shared: Mapping[str, Any] | None = None, *,
        rule: PairRule, today: str, audit: Mapping[str, Any],
    ) -> int:
        """Create relationships of one type from ``{from_id, to_id, properties, active}`` rows,
        their properties completed by ``shared`` (no nulls); returns how many were created (an
        active row that ``rule`` refuses at write time is left out)."""

    def update_relationships(
        self, type_code: str, rows: Sequence[Mapping[str, Any]], *, rule: PairRule, today: str, audit: Mapping[str, Any],
    ) -> int:
        """As ``update_entities``, for relationships of one type, from ``{id, version,
        properties, active}`` rows; an active row that ``rule`` refuses is left out."""

    def practice_size(self) -> tuple[int, int]:
        """(entities, relationships) in the store."""

    def entities_page(self, *, after: str | None, limit: int) -> list[Row]:
        ...

    def outgoing_relationships(self, entity_ids: Iterable[str]) -> list[OutgoingRelationship]:
        """The relationships that start at ``entity_ids``."""

    def practice_records_page(self, label: str, *, after: Mapping[str, Any] | None, limit: int) -> list[Row]:
        """The properties of records of one label, in key order, after record ``after`` (the
        last of the page before; None for the first page)."""

    def create_practice_records(self, label: str, rows: Sequence[Mapping[str, Any]], *, audit: Mapping[str, Any]) -> int:
        """Restore records of one label (audit records go through ``restore_audit_records``)."""

    def restore_audit_records(self, rows: Sequence[Mapping[str, Any]], *, audit: Mapping[str, Any]) -> int:
        """Add backed-up audit records the trail does not hold yet (by id); how many."""

    def delete_everything(self, *, limit: int, audit: Mapping[str, Any]) -> int:
        """Delete up to ``limit`` nodes (any kind but audit records, with their relationships);
        returns how many."""


class TransferRepository(Repository):
    @contextmanager
    def snapshot(self) -> Iterator[Self]:
        with self._store.snapshot() as frozen:
            yield type(self)(frozen)

    @property
    def snapshots_are_point_in_time(self) -> bool:
        return self._store.snapshots_are_point_in_time

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        with self._store.bulk_load():
            yield

    def compact_storage(self) -> Compaction | None:
        return self._store.compact()

    # The bulk writes below each add one audit record (``audit``, a bulk_load whose note the
    # query prefixes with the count written), not one per row.
    def create_entities(
        self, kind: EntityKind, rows: Sequence[Mapping[str, Any]], shared: Mapping[str, Any] | None = None, *,
        audit: Mapping[str, Any],
    ) -> int:
        params = {"rows": list(rows), "shared": dict(shared or {}), "audit": dict(audit)}
        return BulkCreation(**self._store.write(self._q("create_entities", label=kind.label), params)[0]).created

    def update_entities(self, rows: Sequence[Mapping[str, Any]], *, audit: Mapping[str, Any]) -> int:
        return BulkUpdate(**self._store.write(self._q("update_entities"), {"rows": list(rows), "audit": dict(audit)})[0]).updated

    def create_relationships(
        self, type_code: str, rows: Sequence[Mapping[str, Any]], shared: Mapping[str, Any] | None = None, *,
        rule: PairRule, today: str, audit: Mapping[str, Any],
    ) -> int:
        params = {"rows": list(rows), "shared": dict(shared or {}), "type_code": type_code, "today": today,
                  **_rule_params(rule), "audit": dict(audit)}
        rows = self._store.write(
            self._q("create_relationships", rel_type=type_code, role_type=_role_types(type_code, rule)), params)
        return BulkCreation(**rows[0]).created

    def update_relationships(
        self, type_code: str, rows: Sequence[Mapping[str, Any]], *, rule: PairRule, today: str, audit: Mapping[str, Any],
    ) -> int:
        params = {"rows": list(rows), "today": today, **_rule_params(rule), "audit": dict(audit)}
        rows = self._store.write(
            self._q("update_relationships", rel_type=type_code, role_type=_role_types(type_code, rule)), params)
        return BulkUpdate(**rows[0]).updated

    def relationships_by_external_id(self, type_code: str, external_ids: Iterable[str]) -> list[StoredRelationship]:
        rows = self._store.read(
            self._q("relationships_by_external_id", rel_type=type_code), {"external_ids": list(external_ids)}
        )
        return all_as(StoredRelationship, rows)

    def relationships_by_id(self, type_code: str, ids: Iterable[str]) -> list[StoredRelationship]:
        return all_as(StoredRelationship, self._store.read(self._q("relationships_by_id", rel_type=type_code), {"ids": list(ids)}))

    def count_relationships_of_type(self, type_code: str) -> int:
        return RelationshipCount(**self._store.read(self._q("count_relationships_of_type", rel_type=type_code))[0]).relationships

    def practice_size(self) -> tuple[int, int]:
        size = PracticeSize(**self._store.read(self._q("practice_size"))[0])
        return size.entities, size.relationships

    def entities_page(self, *, after: str | None, limit: int) -> list[Row]:
        return entities_of(self._store.read(self._q("entities_page"), {"after": after, "limit": limit}))

    def outgoing_relationships(self, entity_ids: Iterable[str]) -> list[OutgoingRelationship]:
        return all_as(OutgoingRelationship, self._store.read(self._q("outgoing_relationships"), {"ids": list(entity_ids)}))

    def practice_records_page(self, label: str, *, after: Mapping[str, Any] | None, limit: int) -> list[Row]:
        key, *tiebreak = PRACTICE_RECORD_KEYS[label]
        rows = self._store.read(
            self._q("practice_records_page", label=label, key=key, tiebreak=tiebreak),
            {"after_key": after[key] if after else "", "after_tiebreak": after[tiebreak[0]] if after and tiebreak else None,
             "limit": limit},
        )
        return [found.properties for found in all_as(PracticeRecordRow, rows)]

    def create_practice_records(self, label: str, rows: Sequence[Mapping[str, Any]], *, audit: Mapping[str, Any]) -> int:
        params = {"rows": list(rows), "audit": dict(audit)}
        return BulkCreation(**self._store.write(self._q("create_practice_records", label=label), params)[0]).created

    def restore_audit_records(self, rows: Sequence[Mapping[str, Any]], *, audit: Mapping[str, Any]) -> int:
        params = {"rows": list(rows), "audit": dict(audit)}
        return AuditRestore(**self._store.write(self._q("restore_audit_records"), params)[0]).restored

    def delete_everything(self, *, limit: int, audit: Mapping[str, Any]) -> int:
        rows = self._store.write(self._q("delete_everything"), {"limit": limit, "audit": dict(audit)})
        return Clearing(**rows[0]).deleted
