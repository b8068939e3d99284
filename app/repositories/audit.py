"""The audit trail, read (every write adds its records itself)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from app.repositories.base import Repository, all_as, result_of
from app.repositories.store import Row


@result_of("audit_records")
@dataclass(frozen=True)
class AuditRow:
    record: Row


class AuditTrail(Protocol):
    def audit_records(self, filters: Mapping[str, Any], *, after: str | None, limit: int) -> list[Row]:
        ...


class AuditRepository(Repository):
    def audit_records(self, filters: Mapping[str, Any], *, after: str | None, limit: int) -> list[Row]:
        params = {name: filters.get(name) for name in ("target_id", "target_kind", "actor_id", "action", "from", "to")}
        params.update(after=after, limit=limit)
        # Looked up by an indexed property first when there is one to look up by (see the file).
        anchors = [name for name in ("target_id", "actor_id") if params[name] is not None][:1]
        params["anchor"] = params[anchors[0]] if anchors else None
        rows = self._store.read(self._q("audit_records", anchor=anchors), params)
        return [found.record for found in all_as(AuditRow, rows)]
