"""Who is calling, what their role lets them do, and which clients they may see."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from app.domain.errors import Forbidden
from app.domain.model import TeamRole


class Permission(StrEnum):
    read = "read"
    #: Create, change and delete clients, people, providers, divisions, relationships and
    #: the practice's records; start scoring and tier runs.
    write = "write"
    #: Apply a run's suggested influencer segments or tiers to every client at once.
    apply_suggestions = "apply_suggestions"
    read_audit = "read_audit"
    #: The relationship-type catalogue, categories, team members, API keys, practice settings.
    administer = "administer"


ROLE_PERMISSIONS: Mapping[TeamRole, frozenset[Permission]] = {
    TeamRole.admin: frozenset(Permission),
    TeamRole.practice_manager: frozenset(
        {Permission.read, Permission.write, Permission.apply_suggestions, Permission.read_audit}
    ),
    TeamRole.adviser: frozenset({Permission.read, Permission.write}),
    TeamRole.client_service: frozenset({Permission.read, Permission.write}),
    TeamRole.analyst: frozenset({Permission.read}),
}

#: Roles that see every client whatever the visibility mode.
SEES_EVERY_CLIENT = frozenset({TeamRole.admin, TeamRole.practice_manager})


class VisibilityMode(StrEnum):
    """A practice setting: who sees which clients."""

    #: Every team member sees every client.
    open = "open"
    #: A team member sees the clients they or anyone below them in the reports-to hierarchy
    #: own, and the people, memberships and relationships attached to those clients.
    owner_hierarchy = "owner_hierarchy"


@dataclass(frozen=True)
class Caller:
    """An authenticated team member (or the local CLI), as every service sees them."""

    team_member_id: str
    name: str
    role: TeamRole
    #: The API key used; None for the CLI, which runs with the store's own access.
    key_id: str | None = None
    #: Owners whose clients the caller may see; None when they see every client.
    visible_owner_ids: frozenset[str] | None = None

    def may(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission, action: str) -> None:
        if not self.may(permission):
            raise Forbidden(f"a team member with role {self.role.value} may not {action}", role=self.role.value)

    @property
    def sees_every_client(self) -> bool:
        return self.visible_owner_ids is None


#: Writes made by the command line on the machine that holds the store.
LOCAL_OPERATOR = Caller(team_member_id="local-operator", name="Rapport command line", role=TeamRole.admin)


def visible_owner_ids(
    caller_id: str, role: TeamRole, mode: VisibilityMode, reports_to: Mapping[str, str | None]
) -> frozenset[str] | None:
    """The owners whose clients ``caller_id`` may see (None: every client).

    ``reports_to`` maps each team member to their manager. In owner-hierarchy mode the
    caller sees their own clients and those of everyone below them, however deep.
    """
    if mode is VisibilityMode.open or role in SEES_EVERY_CLIENT:
        return None
    return team_below(caller_id, reports_to)


def team_below(member_id: str, reports_to: Mapping[str, str | None]) -> frozenset[str]:
    """``member_id`` and everyone below them in the reports-to hierarchy, however deep."""
    below: dict[str, list[str]] = {}
    for member, manager in reports_to.items():
        if manager is not None:
            below.setdefault(manager, []).append(member)
    seen = {member_id}
    pending = [member_id]
    while pending:
        for report in below.get(pending.pop(), ()):
            if report not in seen:  # a loop in stored data must not hang the request
                seen.add(report)
                pending.append(report)
    return frozenset(seen)


def hierarchy_from_pairs(pairs: Iterable[Iterable[str | None]]) -> dict[str, str | None]:
    """``{member: manager}`` from ``[member, manager]`` rows, skipping empty ones."""
    hierarchy: dict[str, str | None] = {}
    for member, manager in pairs:
        if member is not None:
            hierarchy[member] = manager
    return hierarchy
