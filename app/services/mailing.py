"""Mailing lists: one row per addressee, with name, salutation and postal address, for a group
or for a batch of service tasks (holiday cards, newsletters, birthday cards due in a window).
Who is written to, and how, is decided in ``app.domain.mailing``; this reads what it needs as
the caller may see it.

A group's mailing writes to households once (a member of a household goes through it). A
batch of tasks writes to each task's client (a holiday card to the Elliott Household), or to
its subject where that is a person (a birthday card to Rose Elliott, at her own address or her
household's), each addressee once however many of its tasks fall in the window.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from app.domain.access import Caller, Permission
from app.domain.errors import InvalidInput
from app.domain.mailing import (
    ADULT_ROLES,
    MAILING_COLUMNS,
    Household,
    MailingList,
    Member,
    mailing_list,
    spreadsheet_safe,
)
from app.domain.model import ClientKind, EntityKind, today_iso
from app.domain.service_plan import TaskKind, TaskStatus
from app.repositories.groups import GroupRepository, HouseholdMembership
from app.services.groups import GroupService, GroupServiceRepository
from app.services.visibility import Visibility


class MailingService:
    """``groups`` makes the group service that finds a group's members (``for_group`` alone needs it)."""

    def __init__(self, repository: GroupServiceRepository, group_rows: GroupRepository,
                 groups: Callable[[], GroupService], caller: Caller) -> None:
        self._repo = repository
        self._groups = group_rows
        self._group_service = groups
        self._caller = caller
        self._visibility = Visibility(repository, caller)

    def for_group(self, group: str) -> MailingList:
        """The mailing to the members the caller may see of a group (by id, or by name)."""
        self._caller.require(Permission.read, "read mailing lists")
        groups = self._group_service()
        return self._mailing(groups.all_members(groups.find(group)), fold_households=True)

    def for_tasks(
        self, *, kind: TaskKind, start: date, end: date, status: TaskStatus | None = TaskStatus.open,
    ) -> MailingList:
        """The mailing for the tasks of ``kind`` due from ``start`` to ``end`` (of ``status``,
        or any status for None), of clients the caller may see."""
        self._caller.require(Permission.read, "read mailing lists")
        if end < start:
            raise InvalidInput(f"from ({start.isoformat()}) is after to ({end.isoformat()})", field="from")
        rows = self._groups.mailing_tasks(kind=kind.value, start=start.isoformat(), end=end.isoformat(),
                                          status=status and status.value, owners=self._visibility.owners)
        subjects = [row.subject for row in rows
                    if row.subject and row.subject["entity_kind"] == EntityKind.person.value]
        seen = self._visibility.visible_ids(subject["id"] for subject in subjects)
        entities = []
        for row in rows:
            subject = row.subject
            personal = subject is not None and subject["entity_kind"] == EntityKind.person.value and subject["id"] in seen
            entities.append(subject if personal else row.client)
        return self._mailing(entities, fold_households=False)

    def _mailing(self, entities: list[Mapping[str, Any]], *, fold_households: bool) -> MailingList:
        today = today_iso()
        owners = self._visibility.owners
        people = {e["id"] for e in entities if e["entity_kind"] == EntityKind.person.value}
        households_of: dict[str, list[HouseholdMembership]] = {}
        for row in self._groups.household_memberships(people=people, today=today, owners=owners):
            households_of.setdefault(row.person["id"], []).append(row)
        household_ids = {row.client["id"] for rows in households_of.values() for row in rows} | {
            e["id"] for e in entities
            if e["entity_kind"] == EntityKind.client.value and e.get("kind") == ClientKind.household.value}
        members_of: dict[str, list[Member]] = {}
        for row in self._groups.household_memberships(households=household_ids, today=today, owners=owners):
            members_of.setdefault(row.client["id"], []).append(Member(row.person, row.role))
        return mailing_list(entities, members_of=members_of, fold_households=fold_households, households_of={
            person_id: [Household(row.client, members_of.get(row.client["id"], ()))
                        for row in sorted(rows, key=_household_order)]
            for person_id, rows in households_of.items()
        })


def _household_order(row: HouseholdMembership) -> tuple[int, str]:
    """The household a person is written through first: where they are the primary contact,
    then a partner, then any other role; then by id."""
    role = row.role
    return (ADULT_ROLES.index(role) if role in ADULT_ROLES else len(ADULT_ROLES), row.client["id"])


def mailing_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """The rows as CSV (``MAILING_COLUMNS``, with a header), every cell safe to open in a
    spreadsheet (``spreadsheet_safe``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MAILING_COLUMNS)
    for row in rows:
        writer.writerow([spreadsheet_safe(row.get(column)) for column in MAILING_COLUMNS])
    return out.getvalue()
