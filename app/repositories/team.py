"""The team hierarchy: who reports to whom."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.domain.model import EntityKind
from app.repositories.base import Repository, all_as, result_of


@result_of("team_hierarchy", "team_reports")
@dataclass(frozen=True)
class TeamMember:
    """A team member's place in the hierarchy."""

    id: str
    name: str | None
    role: str | None
    reports_to_id: str | None


class TeamHierarchy(Protocol):
    def team_subtree(self, member_id: str) -> list[TeamMember]:
        """A team member and everyone below them
        (read level by level: a loop in stored data ends the reading); none if no team
        member has that id."""

    def team_hierarchy(self) -> list[TeamMember]:
        """Every team member."""


class TeamRepository(Repository):
    def team_subtree(self, member_id: str) -> list[TeamMember]:
        member = self.get_entity(EntityKind.team_member, member_id)
        if member is None:
            return []
        found = {member_id: TeamMember(member["id"], member.get("name"), member.get("role"), member.get("reports_to_id"))}
        level = [member_id]
        while level:
            rows = self._store.read(self._q("team_reports"), {"ids": level})
            reports = [report for report in all_as(TeamMember, rows) if report.id not in found]
            found.update((report.id, report) for report in reports)
            level = [report.id for report in reports]
        return list(found.values())

    def team_hierarchy(self) -> list[TeamMember]:
        return all_as(TeamMember, self._store.read(self._q("team_hierarchy")))
