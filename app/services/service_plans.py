"""Service plans and the work queue: each client's tasks kept in step with its tier, template,
owner, stage and dates; completing, skipping and reassigning tasks; a team member's queue.

Generating is idempotent. Each task has a stable key (``<client id>/<plan key>``, see
``app.domain.service_plan``): done and skipped tasks stay as they are; an open task whose
key is still in the plan follows it (due date, source, assignee, unless reassigned by hand);
an open task whose key left the plan is deleted if it was due in the plan's period (or the
client has no plan any more), and kept if it is overdue work; a client no longer at the
``client`` stage gets its open tasks skipped with that reason. A client whose plan changed
gets one audit record listing each task changed, before and after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from app.domain.access import Caller, Permission, team_below
from app.domain.audit import AuditAction, audit_record
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.fields import DEFAULT_PAGE_SIZE
from app.domain.model import EntityKind, PracticeRecordKind, TeamRole, new_entity_id, now_iso
from app.domain.service_cycle import TouchKind
from app.domain.service_plan import (
    DEFAULT_PLAN_MONTHS,
    DEFAULT_QUEUE_DAYS,
    PLANNED_STAGE,
    TASK_TOUCH,
    AssigneeRule,
    KeptDate,
    PlannedTask,
    ServiceLevel,
    TaskKind,
    TaskStatus,
    plan_period,
    plan_tasks,
    week_end,
)
from app.repositories.service_tasks import PlanInputs, ServiceTasks, TaskChange
from app.repositories.team import TeamHierarchy, TeamMember
from app.repositories.transfer import BulkTransfer
from app.services.bulk import compact_after_load
from app.services.optimistic import WRITE_ATTEMPTS, write_attempts
from app.services.service_cycle import ServiceCycleService, ServiceCycleServiceRepository
from app.services.visibility import Visibility

#: What a write of a task did, and the field and id of the team member it names.
TaskWrite = tuple[TaskChange | None, str, str | None]

#: Clients read and written per query when generating plans.
PLAN_CHUNK = 500
#: Sections of a work queue.
QUEUE_SECTIONS = ("overdue", "this_week", "coming_up")

#: The important-date kinds that become contact tasks.
_DATE_TASKS = {"birthday": TaskKind.birthday, "anniversary": TaskKind.anniversary, "other": TaskKind.anniversary}

OnProgress = Callable[[str, int, "int | None"], None]


@dataclass
class PlanTotals:
    clients: int = 0
    clients_changed: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    closed: int = 0

    def add(self, change: PlanChange) -> None:
        self.clients_changed += 1
        self.created += len(change.create)
        self.updated += len(change.update) - change.closed
        self.deleted += len(change.delete)
        self.closed += change.closed


@dataclass
class PlanChange:
    """What bringing one client's tasks to its plan takes."""

    create: list[dict[str, Any]] = field(default_factory=list)
    update: list[dict[str, Any]] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    closed: int = 0
    before: dict[str, str] = field(default_factory=dict)
    after: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.create or self.update or self.delete)


class ServicePlanRepository(ServiceTasks, TeamHierarchy, BulkTransfer, ServiceCycleServiceRepository, Protocol):
    """What the service plans and the work queue read and write."""


class ServicePlanService:
    """``cycle`` makes the cycle-of-service service whose templates ``generate`` plans by."""

    def __init__(self, repository: ServicePlanRepository, cycle: Callable[[], ServiceCycleService],
                 caller: Caller) -> None:
        self._repo = repository
        self._cycle = cycle
        self._caller = caller
        self._visibility = Visibility(repository, caller)

    # -- generating plans ------------------------------------------------------------------------
    def generate(
        self, *, client_id: str | None = None, as_of: date | None = None, months: int = DEFAULT_PLAN_MONTHS,
        on_progress: OnProgress | None = None,
    ) -> dict[str, Any]:
        """Bring the tasks of one client, or of every client, to their plans from ``as_of``
        (default today) for ``months`` months; returns what changed.

        Clients go in chunks of ``PLAN_CHUNK``: one read of the chunk's inputs, then its
        plans, then one write, which runs in a second thread while the next chunk is planned
        (each read goes between two writes). A whole practice's plans are a bulk write (the
        embedded store rewrites its log less often meanwhile, and once at the end)."""
        self._caller.require(Permission.apply_suggestions, "generate service plans")
        as_of = as_of or date.today()
        start, end = plan_period(as_of, months)  # refuses a bad period before anything is read
        if client_id is not None and self._repo.get_entity(EntityKind.client, client_id) is None:
            raise NotFound(f"no client with id '{client_id}'")
        levels = {t["tier"]: ServiceLevel.of(t) for t in self._cycle().templates()}
        assignees = _assignee_finder(self._repo.team_hierarchy())
        ids = [client_id] if client_id is not None else self._repo.service_plan_clients()
        chunks = [ids[first:first + PLAN_CHUNK] for first in range(0, len(ids), PLAN_CHUNK)]
        totals = PlanTotals()

        def read(chunk: list[str]) -> list[PlanInputs]:
            return self._repo.service_plan_inputs(chunk, today=as_of.isoformat())

        def plan(rows: list[PlanInputs]) -> list[tuple[dict[str, Any], PlanChange]]:
            return self._plan_writes(rows, levels, assignees, as_of, months)

        with ExitStack() as stack:
            if client_id is None:
                stack.enter_context(self._repo.bulk_load())
            writer = stack.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix="rapport-plan-writer"))
            sending: tuple[Future[list[str]], list[tuple[dict[str, Any], PlanChange]]] | None = None
            rows = read(chunks[0]) if chunks else []
            for index in range(len(chunks)):
                totals.clients += len(rows)
                writes = plan(rows)  # while the previous chunk is written
                send = self._repo.prepare_service_plans([write for write, _ in writes])
                if sending is not None:
                    self._settle(*sending, totals, lambda stale: plan(read(stale)))
                # The next chunk is read between writes, while the store has no write to run.
                rows = read(chunks[index + 1]) if index + 1 < len(chunks) else []
                sending = (writer.submit(send), writes)
                if on_progress is not None:
                    on_progress("service plans", totals.clients, len(ids))
            if sending is not None:
                self._settle(*sending, totals, lambda stale: plan(read(stale)))
        if client_id is None:
            compact_after_load(self._repo, on_progress)
        return {"period_start": start.isoformat(), "period_end": end.isoformat(), **totals.__dict__}

    def _settle(
        self, sent: Future[list[str]], writes: list[tuple[dict[str, Any], PlanChange]], totals: PlanTotals,
        replan: Callable[[list[str]], list[tuple[dict[str, Any], PlanChange]]],
    ) -> None:
        """Wait for a chunk's write and count what it changed; clients that changed after they
        were read (left as they were by the write) are read, planned and written again."""
        stale = set(sent.result())
        for attempt in write_attempts():
            for write, change in writes:
                if write["client_id"] not in stale:
                    totals.add(change)
            if not stale:
                return
            if attempt + 1 == WRITE_ATTEMPTS:
                break
            writes = replan(sorted(stale))
            stale = set(self._repo.write_service_plans([write for write, _ in writes]))
        raise Conflict("clients kept changing while their plans were written; try again")

    def _plan_writes(
        self, rows: list[PlanInputs], levels: Mapping[str, ServiceLevel], assignees: Callable[[str | None, AssigneeRule], str | None],
        as_of: date, months: int,
    ) -> list[tuple[dict[str, Any], PlanChange]]:
        dates_of = self._kept_dates(rows)
        now = now_iso()
        writes = []
        for row in rows:
            client = row.client
            level = levels.get(client.get("tier"))
            planned: list[PlannedTask] | None = None
            if level is not None and client.get("stage") == PLANNED_STAGE:
                people = {p["id"]: p for p in row.people}
                kept = [d for entity_id in (client["id"], *people) for d in dates_of.get(entity_id, ())]
                kept += [KeptDate(f"birth_date:{p['id']}", TaskKind.birthday, date.fromisoformat(p["birth_date"]), p["id"], p["name"])
                         for p in people.values() if p.get("birth_date")]
                planned = plan_tasks(
                    client_id=client["id"], tier=client["tier"], template=level, as_of=as_of, months=months,
                    last_review=_day(row.last_review), scheduled_review=_day(client.get("next_review_date")), dates=kept,
                )
            change = reconcile(client, row.tasks, planned, assignees, as_of=as_of, now=now)
            if change.empty:
                continue
            start, end = plan_period(as_of, months)
            audit = audit_record(
                self._caller, AuditAction.update, PracticeRecordKind.service_plan, client["id"], before=change.before or None,
                after=change.after or None,
                now=now, note=(f"plan {start.isoformat()} to {end.isoformat()}: {len(change.create)} created, "
                               f"{len(change.update) - change.closed} changed, {len(change.delete)} deleted, "
                               f"{change.closed} closed"),
            )
            writes.append(({
                "client_id": client["id"], "client_version": client["version"],
                "held": [f"{t['id']}:{t['version']}" for t in row.tasks],
                "create": change.create, "update": change.update, "delete": change.delete, "audit": audit,
            }, change))
        return writes

    def _kept_dates(self, rows: list[PlanInputs]) -> dict[str, list[KeptDate]]:
        ids = [row.client["id"] for row in rows] + [p["id"] for row in rows for p in row.people]
        kept: dict[str, list[KeptDate]] = {}
        for found in self._repo.yearly_dates(ids):
            important = found.important_date
            kept.setdefault(important["entity_id"], []).append(KeptDate(
                important["id"], _DATE_TASKS.get(important["kind"], TaskKind.anniversary),
                date.fromisoformat(important["date"]), important["entity_id"], found.name,
            ))
        return kept

    # -- reading a plan ---------------------------------------------------------------------------
    def plan(self, client_id: str, *, status: TaskStatus | None = None, kind: TaskKind | None = None) -> list[dict[str, Any]]:
        client = self._repo.get_entity(EntityKind.client, client_id, owners=self._visibility.owners)
        if client is None:
            raise NotFound(f"no client with id '{client_id}'")
        tasks = self._repo.service_tasks(client_id, status=status and status.value, kind=kind and kind.value)
        return [{**task, "client_name": client["name"]} for task in tasks]

    # -- working on tasks ------------------------------------------------------------------------
    def complete(
        self, task_id: str, *, on: date | None = None, touch_kind: TouchKind | None = None, notes: str | None = None,
        team_member_id: str | None = None,
    ) -> dict[str, Any]:
        """Mark an open task done and log its touch on the client, in one write with one
        audit record."""
        self._caller.require(Permission.write, "complete tasks")

        def write(task: dict[str, Any], now: str) -> TaskWrite:
            touch = _no_nulls({
                "id": new_entity_id(), "client_id": task["client_id"], "date": (on or date.today()).isoformat(),
                "kind": (touch_kind or TASK_TOUCH[TaskKind(task["kind"])]).value,
                "team_member_id": team_member_id or task.get("assignee_id"),
                "notes": notes or f"{_describe_task(task)} ({task['source']})", "created_at": now, "task_id": task_id,
            })
            done = {**task, "status": TaskStatus.done.value, "done_on": touch["date"], "touch_id": touch["id"],
                    "done_by": self._caller.team_member_id, "version": task["version"] + 1, "updated_at": now}
            audit = audit_record(self._caller, AuditAction.update, PracticeRecordKind.service_task, task_id, before=task, after=done, now=now,
                                 note=f"done; logged a {touch['kind']} touch {touch['id']} on {touch['date']}")
            row = self._repo.complete_service_task(task_id, version=task["version"], properties=done, touch=touch, audit=audit)
            return row, "team_member_id", touch.get("team_member_id")

        return self._write_task(task_id, write)

    def skip(self, task_id: str, reason: str) -> dict[str, Any]:
        self._caller.require(Permission.write, "skip tasks")
        if not reason.strip():
            raise InvalidInput("reason: say why the task is skipped")
        return self._change(task_id, lambda task: {"status": TaskStatus.skipped.value, "reason": reason,
                                                   "done_by": self._caller.team_member_id}, note="skipped")

    def reassign(self, task_id: str, assignee_id: str) -> dict[str, Any]:
        self._caller.require(Permission.write, "reassign tasks")
        return self._change(task_id, lambda task: {"assignee_id": assignee_id, "assigned_by_hand": True},
                            note="reassigned", new_assignee=assignee_id)

    def _change(self, task_id: str, changes: Callable[[dict[str, Any]], dict[str, Any]], *, note: str,
                new_assignee: str | None = None) -> dict[str, Any]:
        def write(task: dict[str, Any], now: str) -> TaskWrite:
            after = {**task, **changes(task), "version": task["version"] + 1, "updated_at": now}
            audit = audit_record(self._caller, AuditAction.update, PracticeRecordKind.service_task, task_id, before=task, after=after,
                                 now=now, note=note)
            row = self._repo.change_service_task(task_id, version=task["version"], properties=after,
                                                 new_assignee=new_assignee, audit=audit)
            return row, "assignee_id", new_assignee

        return self._write_task(task_id, write)

    def _write_task(
        self, task_id: str, write: Callable[[dict[str, Any], str], TaskWrite],
    ) -> dict[str, Any]:
        """Write an open task as the caller sees it, read again if it changed meanwhile.
        ``write(task, now)`` writes it as read (a team member it names that is unknown
        refuses it)."""
        for _ in write_attempts():
            task, client = self._open_task(task_id)
            row, field, team_member_id = write(task, now_iso())
            if row is None:
                raise NotFound(f"no task with id '{task_id}'")
            if row.allowed:
                return {**row.task, "client_name": client["name"]}
            if row.unchanged:
                raise InvalidInput(f"{field}: no team member with id '{team_member_id}'")
        raise Conflict(f"task '{task_id}' kept changing meanwhile; nothing was changed")

    def _open_task(self, task_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The task and its client, if the caller may see them and the task is open."""
        row = self._repo.service_task(task_id, owners=self._visibility.owners)
        if row is None:
            raise NotFound(f"no task with id '{task_id}'")
        task = row.task
        if task["status"] != TaskStatus.open.value:
            raise Conflict(f"task '{task_id}' is {task['status']} already" + (f" ({task['reason']})" if task.get("reason") else ""))
        return task, row.client

    # -- the work queue --------------------------------------------------------------------------
    def queue(
        self, member_id: str | None = None, *, include_reports: bool = True, section: str | None = None,
        kind: TaskKind | None = None, client_id: str | None = None, today: date | None = None,
        days: int = DEFAULT_QUEUE_DAYS, after: str | None = None, limit: int = DEFAULT_PAGE_SIZE,
    ) -> dict[str, Any]:
        """A team member's open tasks (and, with ``include_reports``, those of everyone below
        them): counts per section and one page, by due date, of one section or all of them."""
        self._caller.require(Permission.read, "read work queues")
        member_id = member_id or self._caller.team_member_id
        # The member and those below them, not the whole team (a thousand at 100,000 entities).
        hierarchy = {member.id: member for member in (self._repo.team_subtree(member_id) if member_id else [])}
        if member_id not in hierarchy:
            raise NotFound(f"no team member with id '{member_id}'")
        if section is not None and section not in QUEUE_SECTIONS:
            raise InvalidInput(f"section: one of {', '.join(QUEUE_SECTIONS)}, not '{section}'")
        assignees = (team_below(member_id, {m: member.reports_to_id for m, member in hierarchy.items()})
                     if include_reports else frozenset({member_id}))
        today = today or date.today()
        sunday, horizon = week_end(today), today + timedelta(days=days)
        bounds = {
            None: (None, horizon), "overdue": (None, today - timedelta(days=1)),
            "this_week": (today, sunday), "coming_up": (sunday + timedelta(days=1), horizon),
        }[section]
        found = self._repo.work_queue(
            assignees, kind=kind and kind.value, client_id=client_id, today=today.isoformat(),
            week_end=sunday.isoformat(), horizon=horizon.isoformat(),
            listed=(bounds[0] and bounds[0].isoformat(), bounds[1].isoformat()), after=_cursor(after),
            limit=limit + 1, owners=self._visibility.owners,
        )
        counts, rows = found["counts"], found["rows"]
        items = [{**row["task"], "client_name": row["client_name"],
                  "assignee_name": assignee.name if (assignee := hierarchy.get(row["task"].get("assignee_id"))) else None,
                  "section": _section(row["task"]["due"], today, sunday)} for row in rows[:limit]]
        next_cursor = f"{items[-1]['due']}|{items[-1]['id']}" if len(rows) > limit else None
        return {
            "team_member_id": member_id, "team_member_name": hierarchy[member_id].name,
            "team_member_ids": sorted(assignees), "today": today.isoformat(), "week_end": sunday.isoformat(),
            "horizon": horizon.isoformat(), "counts": counts, "items": items, "next_cursor": next_cursor,
        }


def reconcile(
    client: Mapping[str, Any], held: Iterable[Mapping[str, Any]], planned: list[PlannedTask] | None,
    assignees: Callable[[str | None, AssigneeRule], str | None], *, as_of: date, now: str,
) -> PlanChange:
    """What brings a client's ``held`` tasks to ``planned`` (None: the client has no plan:
    no tier, or not at the ``client`` stage)."""
    change = PlanChange()
    wanted = {f"{client['id']}/{task.key}": task for task in planned or ()}
    held_keys = set()
    for task in held:
        held_keys.add(task["key"])
        if task["status"] != TaskStatus.open.value:
            continue
        plan = wanted.get(task["key"])
        if client.get("stage") != PLANNED_STAGE:
            after = {**task, "status": TaskStatus.skipped.value,
                     "reason": f"the client left the {PLANNED_STAGE} stage (now {client.get('stage') or 'none'})"}
            change.closed += 1
        elif plan is not None:
            after = {**task, **_task_fields(plan)}
            if not task.get("assigned_by_hand"):
                after["assignee_id"] = assignees(client.get("owner_id"), plan.assignee)
            after = _no_nulls(after)
        elif planned is None or task["due"] >= as_of.isoformat():
            change.delete.append(task["id"])
            change.before[_plan_key(task)] = _summary(task)
            continue
        else:
            continue  # overdue work the plan gave earlier: still owed
        if after != task:
            after = {**after, "version": task["version"] + 1, "updated_at": now}
            change.update.append(after)
            change.before[_plan_key(task)], change.after[_plan_key(task)] = _summary(task), _summary(after)
    for key, plan in wanted.items():
        if key in held_keys:
            continue
        created = _no_nulls({
            "id": new_entity_id(), "key": key, "client_id": client["id"], **_task_fields(plan),
            "assignee_id": assignees(client.get("owner_id"), plan.assignee), "status": TaskStatus.open.value,
            "created_at": now, "updated_at": now, "version": 1,
        })
        change.create.append(created)
        change.after[plan.key] = _summary(created)
    return change


def _task_fields(plan: PlannedTask) -> dict[str, Any]:
    return {"kind": plan.kind.value, "due": plan.due.isoformat(), "source": plan.source,
            "subject_id": plan.subject_id, "subject_name": plan.subject_name}


def _assignee_finder(team: list[TeamMember]) -> Callable[[str | None, AssigneeRule], str | None]:
    """Who a task goes to, by the client's owner and the task's rule: the owner, or the
    first (by id) client-service team member reporting to the owner."""
    service_of: dict[str, str] = {}
    for member in team:  # in id order
        if member.role == TeamRole.client_service.value and member.reports_to_id:
            service_of.setdefault(member.reports_to_id, member.id)

    def find(owner_id: str | None, rule: AssigneeRule) -> str | None:
        if owner_id is None:
            return None
        return service_of.get(owner_id, owner_id) if rule is AssigneeRule.client_service else owner_id
    return find


def _plan_key(task: Mapping[str, Any]) -> str:
    """A task's key without its client's id (the audit record names the client)."""
    return task["key"].partition("/")[2]


def _summary(task: Mapping[str, Any]) -> str:
    return f"{task['kind']} due {task['due']} for {task.get('assignee_id') or 'nobody'}, {task['status']}"


def _describe_task(task: Mapping[str, Any]) -> str:
    what = task["kind"].replace("_", " ")
    return f"{what} for {task['subject_name']}" if task.get("subject_name") else what


def _section(due: str, today: date, sunday: date) -> str:
    if due < today.isoformat():
        return "overdue"
    return "this_week" if due <= sunday.isoformat() else "coming_up"


def _cursor(after: str | None) -> tuple[str, str] | None:
    if after is None:
        return None
    due, _, task_id = after.partition("|")
    try:
        date.fromisoformat(due)
    except ValueError:
        raise InvalidInput("after: pass the next_cursor of the previous page") from None
    if not task_id:
        raise InvalidInput("after: pass the next_cursor of the previous page")
    return due, task_id


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _no_nulls(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}
