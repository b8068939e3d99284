"""The cycle of service: tier templates, touches and service requests, important dates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from app.domain.model import PracticeRecordKind
from app.repositories.base import Repository, all_as, first_as, result_of
from app.repositories.store import Row

#: The graph label of each kind of record a client holds (the queries name it; services name the kind).
_CLIENT_RECORD_LABELS = {PracticeRecordKind.touch: "Touch", PracticeRecordKind.service_request: "ServiceRequest"}


@result_of("create_important_date", "important_dates", "yearly_dates")
@dataclass(frozen=True)
class NamedDate:
    """An important date with the name of the client or person it is kept on."""

    important_date: Row
    name: str | None


@result_of("important_date")
@dataclass(frozen=True)
class ImportantDateRow:
    important_date: Row


@result_of("delete_important_date")
@dataclass(frozen=True)
class DateDeletion:
    deleted: int


@result_of("create_client_record", "client_records")
@dataclass(frozen=True)
class ClientRecordRow:
    """A touch or service request read whole."""

    record: Row


@result_of("service_templates")
@dataclass(frozen=True)
class TemplateRow:
    template: Row


@result_of("save_service_template")
@dataclass(frozen=True)
class TemplateSave:
    """Saved when the stored template was still as read (``unchanged``)."""

    unchanged: bool


class ClientRecords(Protocol):
    """A client's touches and service requests."""

    def create_client_record(
        self, kind: PracticeRecordKind, properties: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> Row | None:
        """Store a touch or a service request; None if its client or team member is unknown."""

    def client_records(
        self, kind: PracticeRecordKind, *, client_id: str | None, date_from: str, date_to: str, limit: int = 100_000
    ) -> list[Row]:
        ...


class ServiceCycle(ClientRecords, Protocol):
    def service_templates(self) -> list[Row]:
        ...

    def save_service_template(
        self, tier: str, properties: Mapping[str, Any], *, before: Mapping[str, Any] | None, audit: Mapping[str, Any]
    ) -> bool:
        """Store a tier's template if the stored one is still ``before`` (None: there was none)."""

    def create_important_date(
        self, entity_id: str, properties: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> NamedDate | None:
        """The date stored; None if no client or person has that id (and the
        ``entity_kind`` in ``properties``)."""

    def important_dates(self, entity_id: str | None = None) -> list[NamedDate]:
        """The important dates, people's birth dates included as birthdays."""

    def important_date(self, important_date_id: str) -> Row | None:
        ...

    def delete_important_date(self, important_date_id: str, audit: Mapping[str, Any]) -> bool:
        ...


class ServiceCycleRepository(Repository):
    def service_templates(self) -> list[Row]:
        return [found.template for found in all_as(TemplateRow, self._store.read(self._q("service_templates")))]

    def save_service_template(
        self, tier: str, properties: Mapping[str, Any], *, before: Mapping[str, Any] | None, audit: Mapping[str, Any]
    ) -> bool:
        rows = self._store.write(
            self._q("save_service_template"),
            {"tier": tier, "properties": dict(properties), "before": None if before is None else dict(before),
             "audit": dict(audit)},
        )
        return bool(TemplateSave(**rows[0]).unchanged)

    def create_client_record(
        self, kind: PracticeRecordKind, properties: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> Row | None:
        rows = self._store.write(
            self._q("create_client_record", label=_CLIENT_RECORD_LABELS[kind]),
            {"client_id": properties["client_id"], "team_member_id": properties.get("team_member_id"),
             "properties": dict(properties), "audit": dict(audit)},
        )
        created = first_as(ClientRecordRow, rows)
        return None if created is None else created.record

    def client_records(
        self, kind: PracticeRecordKind, *, client_id: str | None, date_from: str, date_to: str, limit: int = 100_000
    ) -> list[Row]:
        rows = self._store.read(
            self._q("client_records", label=_CLIENT_RECORD_LABELS[kind]),
            {"client_id": client_id, "from": date_from, "to": date_to, "limit": limit},
        )
        return [found.record for found in all_as(ClientRecordRow, rows)]

    def create_important_date(
        self, entity_id: str, properties: Mapping[str, Any], audit: Mapping[str, Any]
    ) -> NamedDate | None:
        rows = self._store.write(
            self._q("create_important_date"),
            {"entity_id": entity_id, "properties": dict(properties), "audit": dict(audit)},
        )
        return first_as(NamedDate, rows)

    def important_dates(self, entity_id: str | None = None) -> list[NamedDate]:
        return all_as(NamedDate, self._store.read(self._q("important_dates"), {"entity_id": entity_id}))

    def important_date(self, important_date_id: str) -> Row | None:
        rows = self._store.read(self._q("important_date"), {"id": important_date_id})
        found = first_as(ImportantDateRow, rows)
        return None if found is None else found.important_date

    def delete_important_date(self, important_date_id: str, audit: Mapping[str, Any]) -> bool:
        rows = self._store.write(self._q("delete_important_date"), {"id": important_date_id, "audit": dict(audit)})
        return DateDeletion(**rows[0]).deleted > 0
