"""``rapport work``: service plans and a team member's work queue, on the configured store.

Kept apart from ``app/cli.py`` (which registers it) so that its commands change on their own.
The command line runs as the local operator, who sees every client; ``--member`` says whose
queue to show (a team member's id or exact name).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from app.cli_common import date_option, opened_practice, progress_bars
from app.domain.errors import InvalidInput, NotFound
from app.domain.fields import MAX_PAGE_SIZE
from app.domain.service_cycle import MAX_DAYS_AHEAD, TouchKind
from app.domain.service_plan import DEFAULT_PLAN_MONTHS, DEFAULT_QUEUE_DAYS, MAX_PLAN_MONTHS, TaskKind

if TYPE_CHECKING:
    from app.repositories.practice import PracticeRepository

work_cli = typer.Typer(help="Service plans and work queues: what each team member has to do, and when.", no_args_is_help=True)



_SECTION_TITLES = {"overdue": "Overdue", "this_week": "Due this week", "coming_up": "Coming up"}




def _member_id(repository: PracticeRepository, member: str) -> str:
    """A team member named by id or by exact name (any case)."""
    team = repository.team_hierarchy()
    if any(m.id == member for m in team):
        return member
    named = [m for m in team if m.name and m.name.lower() == member.lower()]
    if len(named) == 1:
        return named[0].id
    if named:
        raise InvalidInput(f"--member: {len(named)} team members are called '{member}'; give the id: "
                           + ", ".join(m.id for m in named))
    raise NotFound(f"--member: no team member with id or name '{member}' (see GET /team-members)")


@work_cli.command("plan")
def work_plan(
    client: str | None = typer.Option(None, "--client", help="Only this client's plan (its id); default: every client."),
    as_of: str | None = typer.Option(None, help="The plan's first day, YYYY-MM-DD (default today)."),
    months: int = typer.Option(DEFAULT_PLAN_MONTHS, min=1, max=MAX_PLAN_MONTHS, help="How many months the plan runs."),
) -> None:
    """Generate service plans from each client's tier and template (again: only what changed)."""
    with opened_practice() as practice:
        with progress_bars() as on_progress:
            run = practice.service_plans().generate(
                client_id=client, as_of=date_option(as_of, "--as-of"), months=months, on_progress=on_progress)
    typer.echo(f"plans {run['period_start']} to {run['period_end']}: {run['clients']:,} clients read, "
               f"{run['clients_changed']:,} changed; tasks {run['created']:,} created, {run['updated']:,} changed, "
               f"{run['deleted']:,} deleted, {run['closed']:,} closed")


@work_cli.command("tasks")
def work_tasks(
    client: str = typer.Argument(..., help="The client's id."),
    status: str | None = typer.Option(None, help="Only open, done or skipped tasks."),
) -> None:
    """A client's service plan: its tasks by due date."""
    from rich.console import Console
    from rich.table import Table

    from app.domain.service_plan import TaskStatus
    with opened_practice() as practice:
        try:
            wanted = TaskStatus(status) if status else None
        except ValueError:
            raise InvalidInput(f"--status: one of open, done, skipped, not '{status}'") from None
        tasks = practice.service_plans().plan(client, status=wanted)
        names = {m.id: m.name for m in practice.repository.team_hierarchy()}
    table = Table(title=f"Service plan of {tasks[0]['client_name']}" if tasks else "No tasks")
    for column in ("due", "task", "for", "status", "why", "id"):
        table.add_column(column)
    for t in tasks:
        table.add_row(t["due"], _what(t), names.get(t.get("assignee_id"), "-"),
                      t["status"] + (f" ({t['reason']})" if t.get("reason") else ""), t["source"], t["id"])
    Console().print(table)


@work_cli.command("queue")
def work_queue(
    member: str = typer.Option(..., "--member", help="Whose queue: a team member's id or exact name."),
    today: str | None = typer.Option(None, help="The day the queue is for, YYYY-MM-DD (default today)."),
    days: int = typer.Option(DEFAULT_QUEUE_DAYS, min=0, max=MAX_DAYS_AHEAD, help="How far ahead 'coming up' reaches, in days."),
    kind: TaskKind | None = typer.Option(None, help="Only tasks of this kind."),
    client: str | None = typer.Option(None, "--client", help="Only this client's tasks (its id)."),
    reports: bool = typer.Option(True, "--reports/--no-reports", help="With the tasks of everyone below them."),
    limit: int = typer.Option(100, min=1, max=MAX_PAGE_SIZE, help="At most this many tasks."),
) -> None:
    """A team member's open tasks: overdue, due this week, coming up."""
    from rich.console import Console
    from rich.table import Table

    with opened_practice() as practice:
        queue = practice.service_plans().queue(
            _member_id(practice.repository, member), include_reports=reports, kind=kind, client_id=client,
            today=date_option(today, "--today"), days=days, limit=limit)
    console = Console()
    counts = queue["counts"]
    console.print(f"Work queue of {queue['team_member_name']}"
                  + (f" and {len(queue['team_member_ids']) - 1} below them" if len(queue["team_member_ids"]) > 1 else "")
                  + f", {queue['today']}: {counts['overdue']} overdue, {counts['this_week']} due this week "
                  f"(to {queue['week_end']}), {counts['coming_up']} coming up (to {queue['horizon']})")
    for section, title in _SECTION_TITLES.items():
        rows = [t for t in queue["items"] if t["section"] == section]
        if not rows:
            continue
        table = Table(title=title, title_justify="left")
        for column in ("due", "client", "task", "for", "id"):
            table.add_column(column)
        for t in rows:
            table.add_row(t["due"], t["client_name"], _what(t), t.get("assignee_name") or "-", t["id"])
        console.print(table)
    if queue["next_cursor"]:
        console.print(f"(more than {limit} tasks: raise --limit or filter with --kind / --client)")


@work_cli.command("done")
def work_done(
    task: str = typer.Argument(..., help="The task's id (from `rapport work queue`)."),
    on: str | None = typer.Option(None, "--date", help="When it was done, YYYY-MM-DD (default today)."),
    touch_kind: TouchKind | None = typer.Option(None, help="The touch to log (default: the task kind's)."),
    notes: str | None = typer.Option(None, help="Notes for the touch."),
) -> None:
    """Mark a task done; the matching touch is logged on the client."""
    with opened_practice() as practice:
        done = practice.service_plans().complete(
            task, on=date_option(on, "--date"), touch_kind=touch_kind, notes=notes)
    typer.echo(f"done: {_what(done)} for {done['client_name']} (touch {done['touch_id']} logged on {done['done_on']})")


@work_cli.command("skip")
def work_skip(
    task: str = typer.Argument(..., help="The task's id (from `rapport work queue`)."),
    reason: str = typer.Option(..., help="Why it is skipped."),
) -> None:
    """Skip a task, saying why."""
    with opened_practice() as practice:
        skipped = practice.service_plans().skip(task, reason)
    typer.echo(f"skipped: {_what(skipped)} for {skipped['client_name']} ({reason})")


def _what(task: dict[str, Any]) -> str:
    what = task["kind"].replace("_", " ")
    return f"{what} ({task['subject_name']})" if task.get("subject_name") else what
