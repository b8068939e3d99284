"""Groups and mailings: their reads and writes, one query file each (see ``PracticeRepository``,
whose store this shares)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.groups import FILTER_FIELDS
from app.domain.model import EntityKind
from app.repositories.base import _owners, all_as, first_as, result_of
from app.repositories.entities import EntityCount, entities_of
from app.repositories.store import GraphStore, Row


@result_of("create_group")
@dataclass(frozen=True)
class GroupCreation:
    """Created when every entity it names exists (``found``) and no group has its name (``fresh``)."""

    found: bool
    fresh: bool


@result_of("update_group")
@dataclass(frozen=True)
class GroupChange:
    """Changed when ``found`` and ``fresh`` (as for ``GroupCreation``) and still as read
    (``unchanged``); the group as it is now."""

    fresh: bool
    found: bool
    unchanged: bool
    group: Row


@result_of("mailing_memberships")
@dataclass(frozen=True)
class HouseholdMembership:
    """A person's active membership of a household client, with its role."""

    person: Row
    client: Row
    role: str | None


@result_of("mailing_tasks")
@dataclass(frozen=True)
class MailingTask:
    """A mailing task with its client and the person it is about (None: the client itself)."""

    task: Row
    client: Row
    subject: Row | None


@result_of("delete_group")
@dataclass(frozen=True)
class GroupDeletion:
    """Deleted when still as read (``unchanged``)."""

    unchanged: bool


@result_of("get_group", "list_groups", "groups_holding")
@dataclass(frozen=True)
class GroupRow:
    """The queries that read groups whole: each row one group's properties."""

    group: Row


def _groups(rows: list[Row]) -> list[Row]:
    return [found.group for found in all_as(GroupRow, rows)]


class GroupRepository:
    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._q = store.queries

    def create_group(
        self, properties: Mapping[str, Any], references: Sequence[str], audit: Mapping[str, Any]
    ) -> GroupCreation:
        """Created when every entity in ``references`` exists and no group has the name
        (``properties['name_key']``)."""
        return GroupCreation(**self._store.write(self._q("create_group"), {
            "properties": dict(properties), "references": list(references), "audit": dict(audit)})[0])

    def update_group(
        self, group_id: str, properties: Mapping[str, Any], references: Sequence[str], *, before: Mapping[str, Any],
        audit: Mapping[str, Any],
    ) -> GroupChange | None:
        """What it did; None if no such group."""
        rows = self._store.write(self._q("update_group"), {
            "id": group_id, "properties": dict(properties), "references": list(references), "before": dict(before),
            "audit": dict(audit)})
        return first_as(GroupChange, rows)

    def delete_group(self, group_id: str, *, expected_version: int, audit: Mapping[str, Any]) -> bool | None:
        """Whether it was deleted (False: changed meanwhile); None if no such group."""
        rows = self._store.write(self._q("delete_group"), {
            "id": group_id, "expected_version": expected_version, "audit": dict(audit)})
        deletion = first_as(GroupDeletion, rows)
        return None if deletion is None else bool(deletion.unchanged)

    def get_group(self, group_id: str) -> Row | None:
        rows = self._store.read(self._q("get_group"), {"id": group_id})
        return next(iter(_groups(rows)), None)

    def list_groups(self, *, after: str | None, limit: int) -> list[Row]:
        return _groups(self._store.read(self._q("list_groups"), {"after": after, "limit": limit}))

    def groups_holding(self, entity_id: str) -> list[Row]:
        """The groups that picked ``entity_id`` by hand."""
        return _groups(self._store.read(self._q("groups_holding"), {"id": entity_id}))

    def picked_members(
        self, group_id: str, *, after: str | None, limit: int, owners: Collection[str] | None = None,
    ) -> list[Row]:
        """A page of the group's hand-picked members, in id order; with ``owners``, those a
        caller who sees those owners' clients may see."""
        rows = self._store.read(self._q("group_members", restricted=owners is not None), {
            "id": group_id, "after": after, "limit": limit, "owners": _owners(owners)})
        return entities_of(rows)

    def count_selected(
        self, kind: EntityKind, criteria: Mapping[str, str], *, owners: Collection[str] | None = None,
    ) -> int:
        """How many entities of ``kind`` have every field in ``criteria`` (a group filter's),
        of those a caller who sees ``owners``' clients may see."""
        params = {name: criteria.get(name) for name in FILTER_FIELDS[EntityKind.client]}
        rows = self._store.read(self._q("count_selected_entities", label=kind.label, restricted=owners is not None),
                                {**params, "owners": _owners(owners)})
        return EntityCount(**rows[0]).entities

    def household_memberships(
        self, *, people: Collection[str] = (), households: Collection[str] = (), today: str,
        owners: Collection[str] | None = None,
    ) -> list[HouseholdMembership]:
        """Active memberships of ``people`` in household clients and of ``households``'
        members, in households the caller sees."""
        rows = self._store.read(self._q("mailing_memberships", restricted=owners is not None), {
            "people": sorted(people), "households": sorted(households), "today": today, "owners": _owners(owners)})
        return all_as(HouseholdMembership, rows)

    def mailing_tasks(
        self, *, kind: str, start: str, end: str, status: str | None, owners: Collection[str] | None = None,
    ) -> list[MailingTask]:
        """Tasks of ``kind`` due from ``start`` to ``end``."""
        rows = self._store.read(self._q("mailing_tasks", restricted=owners is not None), {
            "kind": kind, "from": start, "to": end, "status": status, "owners": _owners(owners)})
        return all_as(MailingTask, rows)
