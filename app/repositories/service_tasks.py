"""Service plans and the work queue: each client's service tasks."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.repositories.base import Repository, _owners, all_as, first_as, result_of
from app.repositories.service_cycle import NamedDate
from app.repositories.visibility import EntityId
from app.repositories.store import Row

#: The property the work queue's index ranges over: an open service task's due date as the
#: number yyyymmdd; done and skipped tasks have none, so the queue's index holds open tasks
#: alone. A number because FalkorDB 4.16 answers range comparisons on an indexed text wrongly
#: (see schema.py) and on an indexed number rightly, and it answers ``assignee_id IN ... AND
#: queue_day <= ...`` from its two indexes at once. Set by every write of a task here and
#: taken out of every task read, so the services never see it.
QUEUE_DAY = "queue_day"


def _day_number(day: str) -> int:
    """An ISO date as the number yyyymmdd (ordered as the dates are)."""
    return int(day[:4] + day[5:7] + day[8:10])


def _stored_task(task: Mapping[str, Any]) -> dict[str, Any]:
    """A service task's properties as written: with its ``queue_day`` while it is open."""
    stored = {name: value for name, value in task.items() if name != QUEUE_DAY}
    if stored["status"] == "open":
        stored[QUEUE_DAY] = _day_number(stored["due"])
    return stored


def _read_task(task: Row) -> Row:
    task.pop(QUEUE_DAY, None)
    return task


def _first_with_task(rows: list[Row]) -> Row | None:
    """The first row of an answer about one task (its ``task`` read as above), if any."""
    if not rows:
        return None
    _read_task(rows[0]["task"])
    return rows[0]


@result_of("service_task")
@dataclass(frozen=True)
class TaskWithClient:
    """A task with its client's id, name and owner."""

    task: Row
    client: Row


@result_of("service_tasks")
@dataclass(frozen=True)
class TaskRow:
    task: Row


@result_of("service_plan_inputs")
@dataclass(frozen=True)
class PlanInputs:
    """What a client's plan is made from: the client's fields (``id``, ``name``, ``version``,
    ``tier``, ``stage``, ``owner_id``, ``next_review_date``), its active members (``id``,
    ``name``, ``birth_date``), the date of its last review (None: none yet) and every
    service task it holds."""

    client: Row
    people: list[Row]
    last_review: str | None
    tasks: list[Row]


@result_of("write_service_plans")
@dataclass(frozen=True)
class PlanWrite:
    """A client's plan written (``fresh``), or left because the client changed meanwhile."""

    client_id: str
    fresh: bool


@result_of("work_queue")
@dataclass(frozen=True)
class QueueRow:
    """The queue's counts (on every row), and a task of the page with its client's name (a
    row with no task: the counts of an empty page)."""

    overdue: int
    this_week: int
    coming_up: int
    task: Row | None
    client_name: str | None


@result_of("complete_service_task", "change_service_task")
@dataclass(frozen=True)
class TaskChange:
    """Changed (``allowed``), or not: changed since read (``unchanged`` false), or a team
    member it names is unknown; ``task`` as it is now."""

    unchanged: bool
    allowed: bool
    task: Row


class ServiceTasks(Protocol):
    def service_plan_clients(self) -> list[str]:
        """Every client's id, in id order."""

    def service_plan_inputs(self, client_ids: Sequence[str], *, today: str) -> list[PlanInputs]:
        """What these clients' plans are made from, in id order (an id that names no client
        gives nothing)."""

    def yearly_dates(self, entity_ids: Iterable[str]) -> list[NamedDate]:
        """The recurring important dates kept on these entities."""

    def write_service_plans(self, rows: Sequence[Mapping[str, Any]]) -> list[str]:
        """Apply ``{client_id, client_version, held, create, update, delete, audit}`` rows, each
        client all or nothing; returns the clients left as they were (changed meanwhile)."""

    def prepare_service_plans(self, rows: Sequence[Mapping[str, Any]]) -> Callable[[], list[str]]:
        """``write_service_plans`` made ready to send: the returned function writes it."""

    def service_tasks(self, client_id: str, *, status: str | None = None, kind: str | None = None) -> list[Row]:
        ...

    def service_task(self, task_id: str, *, owners: Collection[str] | None = None) -> TaskWithClient | None:
        """The task with its client; with ``owners``, only if the client is visible."""

    def complete_service_task(
        self, task_id: str, *, version: int, properties: Mapping[str, Any], touch: Mapping[str, Any],
        audit: Mapping[str, Any],
    ) -> TaskChange | None:
        """What it did; None if the task is gone."""

    def change_service_task(
        self, task_id: str, *, version: int, properties: Mapping[str, Any], new_assignee: str | None,
        audit: Mapping[str, Any],
    ) -> TaskChange | None:
        """What it did; None if the task is gone. ``new_assignee`` must
        name a team member for the change to be allowed (None: no assignee is being set)."""

    def work_queue(
        self, assignees: Collection[str], *, kind: str | None, client_id: str | None, today: str, week_end: str,
        horizon: str, listed: tuple[str | None, str], after: tuple[str, str] | None, limit: int,
        owners: Collection[str] | None = None,
    ) -> Row:
        """``{counts, rows}`` of the open tasks assigned to ``assignees`` due up to ``horizon``
        (with the filters ``kind`` and ``client_id``): ``counts`` ``{overdue, this_week,
        coming_up}`` and ``rows`` ``{task, client_name}``, a page of those due from
        ``listed[0]`` (None: any day) to ``listed[1]``, by due date and id, after ``(due, id)``."""


class ServiceTaskRepository(Repository):
    def service_plan_clients(self) -> list[str]:
        return [found.id for found in all_as(EntityId, self._store.read(self._q("service_plan_clients")))]

    def service_plan_inputs(self, client_ids: Sequence[str], *, today: str) -> list[PlanInputs]:
        rows = self._store.read(self._q("service_plan_inputs"), {"ids": list(client_ids), "today": today})
        inputs = all_as(PlanInputs, rows)
        for found in inputs:
            for task in found.tasks:
                _read_task(task)
        return inputs

    def yearly_dates(self, entity_ids: Iterable[str]) -> list[NamedDate]:
        return all_as(NamedDate, self._store.read(self._q("yearly_dates"), {"ids": sorted(set(entity_ids))}))

    def write_service_plans(self, rows: Sequence[Mapping[str, Any]]) -> list[str]:
        return self.prepare_service_plans(rows)()

    def prepare_service_plans(self, rows: Sequence[Mapping[str, Any]]) -> Callable[[], list[str]]:
        if not rows:
            return list
        write = self._store.prepare_write(self._q("write_service_plans"), {"rows": [
            {**row, "create": [_stored_task(task) for task in row["create"]],
             "update": [_stored_task(task) for task in row["update"]]} for row in rows]})

        def send() -> list[str]:
            fresh = {written.client_id for written in all_as(PlanWrite, write()) if written.fresh}
            return [row["client_id"] for row in rows if row["client_id"] not in fresh]
        return send

    def service_tasks(self, client_id: str, *, status: str | None = None, kind: str | None = None) -> list[Row]:
        rows = self._store.read(self._q("service_tasks"), {"client_id": client_id, "status": status, "kind": kind})
        return [_read_task(found.task) for found in all_as(TaskRow, rows)]

    def service_task(self, task_id: str, *, owners: Collection[str] | None = None) -> TaskWithClient | None:
        rows = self._store.read(self._q("service_task", restricted=owners is not None), {"id": task_id, "owners": _owners(owners)})
        return first_as(TaskWithClient, rows) if _first_with_task(rows) else None

    def complete_service_task(
        self, task_id: str, *, version: int, properties: Mapping[str, Any], touch: Mapping[str, Any],
        audit: Mapping[str, Any],
    ) -> TaskChange | None:
        rows = self._store.write(
            self._q("complete_service_task"),
            {"id": task_id, "version": version, "properties": _stored_task(properties), "touch": dict(touch),
             "team_member_id": touch.get("team_member_id"), "audit": dict(audit)},
        )
        return first_as(TaskChange, rows) if _first_with_task(rows) else None

    def change_service_task(
        self, task_id: str, *, version: int, properties: Mapping[str, Any], new_assignee: str | None,
        audit: Mapping[str, Any],
    ) -> TaskChange | None:
        rows = self._store.write(
            self._q("change_service_task"),
            {"id": task_id, "version": version, "properties": _stored_task(properties), "assignee_id": new_assignee,
             "audit": dict(audit)},
        )
        return first_as(TaskChange, rows) if _first_with_task(rows) else None

    def work_queue(
        self, assignees: Collection[str], *, kind: str | None, client_id: str | None, today: str, week_end: str,
        horizon: str, listed: tuple[str | None, str], after: tuple[str, str] | None, limit: int,
        owners: Collection[str] | None = None,
    ) -> Row:
        since, until = listed
        rows = self._store.read(
            self._q("work_queue", restricted=owners is not None),
            {"assignees": sorted(assignees), "kind": kind, "client_id": client_id, "today_day": _day_number(today),
             "week_end_day": _day_number(week_end), "horizon_day": _day_number(horizon),
             "from_day": _day_number(since) if since else 0, "to_day": _day_number(until),
             "after_due": after[0] if after else None, "after_id": after[1] if after else None, "limit": limit,
             "owners": _owners(owners)},
        )
        queue = all_as(QueueRow, rows)
        return {"counts": {"overdue": queue[0].overdue, "this_week": queue[0].this_week, "coming_up": queue[0].coming_up},
                "rows": [{"task": _read_task(row.task), "client_name": row.client_name}
                         for row in queue if row.task is not None]}
