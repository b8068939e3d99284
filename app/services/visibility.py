"""What one caller may see, for the services' reads.

Whose clients a caller sees is decided when they are authenticated (``visible_owner_ids``
in ``app/domain/access.py``: their own and their reports', in owner-hierarchy mode). Which
entities that lets them see is the visibility rule, defined once, in Cypher
(``visible_predicate`` in ``app/repositories/cypher.py``): a client when they see its owner;
a person when related to such a client, or to no client at all; the practice's directory
(team members, providers, divisions) always; a relationship when both its ends are. Every
read applies it in its query through a ``// visible:`` line given ``owners`` below: single
reads (an entity the caller may not see reads exactly as a missing one, so its existence
does not leak), lists (so pages stay full), and the ids an analytics answer names
(``visible_ids``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from app.domain.access import Caller
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
