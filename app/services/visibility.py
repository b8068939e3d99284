"""What one caller may see, for the services' reads.

The rule (issue 3, owner-hierarchy mode): a client is visible when the caller sees its
owner; a person when they have any relationship (any type, active or ended, either way)
with a visible client, or with no client at all; team members, providers and divisions are
the practice's directory and always visible; a relationship when both its ends are. An entity the caller may not
see is answered exactly as a missing one, so its existence does not leak.

Lists filter inside their query (``// visible:`` lines, see ``app/repositories/cypher.py``)
so pages stay full; this class answers for single entities and for the handful of ids an
analytics answer names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from app.domain.access import Caller
from app.domain.model import EntityKind
from app.repositories.visibility import VisibleEntities


class Visibility:
    def __init__(self, repository: VisibleEntities, caller: Caller) -> None:
        self._repo = repository
        self.caller = caller

    @property
    def owners(self) -> frozenset[str] | None:
        """``$owners`` for the queries that filter: None when the caller sees everything."""
        return self.caller.visible_owner_ids

    @property
    def sees_everything(self) -> bool:
        return self.caller.sees_every_client

    def visible_ids(self, ids: Iterable[str | None]) -> set[str]:
        """The ids among ``ids`` the caller may see (one query, none when they see everything).

        For a caller who sees everything, every id counts as visible, known or not."""
        wanted = {entity_id for entity_id in ids if entity_id is not None}
        if self.sees_everything or not wanted:
            return wanted
        return self._repo.visible_entities(wanted, self.owners)

    def may_see(self, entity: Mapping[str, Any]) -> bool:
        """Whether the caller may see a stored entity (its properties as read)."""
        if self.sees_everything:
            return True
        kind = entity.get("entity_kind")
        if kind == EntityKind.client.value:
            return self.caller.may_see_client(entity.get("owner_id"))
        if kind == EntityKind.person.value:
            return bool(self._repo.visible_entities([entity["id"]], self.owners))
        return True

    def may_see_client(self, client: Mapping[str, Any]) -> bool:
        return self.caller.may_see_client(client.get("owner_id"))

    def page_of_run(
        self, read: Callable[[int, int, int], list[dict[str, Any]]], *, after: int, limit: int
    ) -> tuple[list[dict[str, Any]], int | None]:
        """A page of a stored run's rows (scores, tier suggestions) and the next cursor.

        ``read(after, skip, limit)`` reads rows after stored position ``after``, skipping
        ``skip`` of those the caller sees. A caller who sees everything pages by stored
        position. For a restricted caller, ``after`` counts the rows they see and positions are
        renumbered among those, so no gap tells how many rows they may not see come between.
        """
        if self.sees_everything:
            rows = read(after, 0, limit + 1)
            page = rows[:limit]
            return page, (page[-1]["position"] if len(rows) > limit else None)
        rows = read(0, after, limit + 1)
        page = [{**row, "position": position} for position, row in enumerate(rows[:limit], start=after + 1)]
        return page, (after + limit if len(rows) > limit else None)
