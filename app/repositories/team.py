"""The team hierarchy: who reports to whom."""

from __future__ import annotations

from typing import Protocol

from app.domain.model import EntityKind
from app.repositories.base import Repository
from app.repositories.store import Row


class TeamHierarchy(Protocol):
    def team_subtree(self, member_id: str) -> list[Row]:
        """Rows ``{id, name, role, reports_to_id}`` of a team member and everyone below them
        (read level by level: a loop in stored data ends the reading); none if no team
        member has that id."""

    def team_hierarchy(self) -> list[Row]:
        """Rows ``{id, name, role, reports_to_id}`` of every team member."""


class TeamRepository(Repository):
    def team_subtree(self, member_id: str) -> list[Row]:
        member = self.get_entity(EntityKind.team_member, member_id)
        if member is None:
            return []
        found = {member_id: {name: member.get(name) for name in ("id", "name", "role", "reports_to_id")}}
        level = [member_id]
        while level:
            reports = [row for row in self._store.read(self._q("team_reports"), {"ids": level}) if row["id"] not in found]
            found.update((row["id"], row) for row in reports)
            level = [row["id"] for row in reports]
        return list(found.values())

    def team_hierarchy(self) -> list[Row]:
        return self._store.read(self._q("team_hierarchy"))
