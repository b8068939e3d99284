"""Which entities a restricted caller may see (the rule is in ``app/repositories/cypher.py``)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Protocol

from app.repositories.base import Repository, _owners, all_as, result_of


@result_of("visible_entities", "visible_clients_and_people", "service_plan_clients")
@dataclass(frozen=True)
class EntityId:
    """An entity's id, where a query reads no more of it."""

    id: str


class VisibleEntities(Protocol):
    def visible_entities(self, ids: Iterable[str], owners: Collection[str] | None) -> set[str]:
        """Which of ``ids`` name entities a caller who sees ``owners``' clients may see."""

    def visible_clients_and_people(self, owners: Collection[str]) -> set[str]:
        """The ids of every client and person a caller who sees ``owners``' clients may see."""


class VisibilityRepository(Repository):
    def visible_entities(self, ids: Iterable[str], owners: Collection[str] | None) -> set[str]:
        rows = self._store.read(
            self._q("visible_entities", restricted=owners is not None), {"ids": list(set(ids)), "owners": _owners(owners)}
        )
        return {found.id for found in all_as(EntityId, rows)}

    def visible_clients_and_people(self, owners: Collection[str]) -> set[str]:
        rows = self._store.read(self._q("visible_clients_and_people", restricted=True), {"owners": _owners(owners)})
        return {found.id for found in all_as(EntityId, rows)}
