"""``rapport groups`` and ``rapport mailing``: groups of clients and people, and mailing lists
as CSV, on the configured store.

Kept apart from ``app/cli.py`` (which registers them) so that their commands change on their
own. The command line runs as the local operator, who sees every client. A group is named by
its id or its name (in any case).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from app.cli_common import date_option, opened_practice
from app.domain.errors import InvalidInput
from app.domain.fields import MAX_PAGE_SIZE
from app.domain.service_plan import TaskKind, TaskStatus

groups_cli = typer.Typer(help="Groups of clients and people: picked by hand, or by a saved filter.", no_args_is_help=True)
mailing_cli = typer.Typer(help="Mailing lists as CSV (name, salutation, postal address), for a mail merge or labels.",
                          no_args_is_help=True)

_GROUP = typer.Argument(..., help="The group's id or name.")



def _filter(kind: str | None, tier: str | None, stage: str | None, segment: str | None, owner: str | None,
            influencer_segment: str | None, people: bool) -> dict[str, Any] | None:
    """The filter the options give (None when they give none)."""
    criteria = {"kind": kind, "tier": tier, "stage": stage, "segment": segment, "owner_id": owner,
                "influencer_segment": influencer_segment}
    if not people and all(value is None for value in criteria.values()):
        return None
    return {"entity_kind": "person" if people else "client", **{k: v for k, v in criteria.items() if v is not None}}


def _summary(group: dict[str, Any]) -> str:
    selected = group["members"] - group["hand_picked"]
    what = f"{group['members']} member{'s' if group['members'] != 1 else ''} ({group['hand_picked']} picked by hand"
    if group["filter"]:
        criteria = ", ".join(f"{k}={v}" for k, v in group["filter"].items() if k != "entity_kind" and v is not None)
        what += f", {selected} more by its filter of {group['filter']['entity_kind']}s: {criteria}"
    return f"{group['name']}: {what}) [{group['id']}, version {group['version']}]"


_FILTER_OPTIONS = {
    "kind": typer.Option(None, help="Filter: clients of this kind (household, business, individual)."),
    "tier": typer.Option(None, help="Filter: clients at this tier."),
    "stage": typer.Option(None, help="Filter: clients at this stage."),
    "segment": typer.Option(None, help="Filter: clients in this segment."),
    "owner": typer.Option(None, help="Filter: clients this team member owns (their id)."),
    "influencer_segment": typer.Option(None, help="Filter: clients (or, with --people, people) in this influencer segment."),
    "people": typer.Option(False, "--people", help="The filter selects people (by --influencer-segment), not clients."),
}


@groups_cli.command("list")
def groups_list() -> None:
    """Every group, with how many members it has."""
    with opened_practice() as practice:
        service = practice.groups()
        groups, after = [], None
        while True:
            page, after = service.list(after=after, limit=MAX_PAGE_SIZE)
            groups += page
            if after is None:
                break
    for group in sorted(groups, key=lambda g: g["name"].casefold()):
        typer.echo(_summary(group))
    if not groups:
        typer.echo("no groups yet: rapport groups create NAME", err=True)


@groups_cli.command("show")
def groups_show(group: str = _GROUP) -> None:
    """A group and its members."""
    from rich.console import Console
    from rich.table import Table

    with opened_practice() as practice:
        service = practice.groups()
        found = service.find(group)
        members = service.all_members(found)
        public = service.public(found)
        picked = set(found.get("member_ids") or ())
    console = Console()
    console.print(_summary(public))
    table = Table()
    for column in ("name", "kind", "how", "id"):
        table.add_column(column)
    for member in sorted(members, key=lambda m: m["name"].casefold()):
        table.add_row(member["name"], member["entity_kind"], "by hand" if member["id"] in picked else "by filter", member["id"])
    console.print(table)


@groups_cli.command("create")
def groups_create(
    name: str = typer.Argument(..., help="The group's name (unique in any case)."),
    description: str | None = typer.Option(None, help="What the group is for."),
    member: list[str] = typer.Option([], "--member", help="A client or person to pick by hand (its id); repeat for more."),
    kind: str | None = _FILTER_OPTIONS["kind"], tier: str | None = _FILTER_OPTIONS["tier"],
    stage: str | None = _FILTER_OPTIONS["stage"], segment: str | None = _FILTER_OPTIONS["segment"],
    owner: str | None = _FILTER_OPTIONS["owner"], influencer_segment: str | None = _FILTER_OPTIONS["influencer_segment"],
    people: bool = _FILTER_OPTIONS["people"],
) -> None:
    """Make a group of clients and people picked by hand, selected by a filter, or both."""
    with opened_practice() as practice:
        created = practice.groups().create({
            "name": name, "description": description, "member_ids": member,
            "filter": _filter(kind, tier, stage, segment, owner, influencer_segment, people)})
    typer.echo(f"created {_summary(created)}")


@groups_cli.command("filter")
def groups_filter(
    group: str = _GROUP,
    clear: bool = typer.Option(False, "--clear", help="Remove the filter (the hand-picked members stay)."),
    kind: str | None = _FILTER_OPTIONS["kind"], tier: str | None = _FILTER_OPTIONS["tier"],
    stage: str | None = _FILTER_OPTIONS["stage"], segment: str | None = _FILTER_OPTIONS["segment"],
    owner: str | None = _FILTER_OPTIONS["owner"], influencer_segment: str | None = _FILTER_OPTIONS["influencer_segment"],
    people: bool = _FILTER_OPTIONS["people"],
) -> None:
    """Replace a group's filter (or remove it with --clear)."""
    wanted = _filter(kind, tier, stage, segment, owner, influencer_segment, people)

    def change(service: Any, group_id: str) -> dict[str, Any]:
        if clear == (wanted is not None):
            raise InvalidInput("give either --clear or the fields of the new filter (--stage client, ...)")
        return service.update(group_id, {"filter": wanted})
    _change(group, "changed", change)


@groups_cli.command("rename")
def groups_rename(group: str = _GROUP, name: str = typer.Argument(..., help="The new name.")) -> None:
    """Rename a group."""
    _change(group, "renamed", lambda service, group_id: service.update(group_id, {"name": name}))


@groups_cli.command("add")
def groups_add(group: str = _GROUP, members: list[str] = typer.Argument(..., help="Ids of clients or people.")) -> None:
    """Pick clients or people by hand."""
    _change(group, "changed", lambda service, group_id: service.add_members(group_id, members))


@groups_cli.command("remove")
def groups_remove(group: str = _GROUP, members: list[str] = typer.Argument(..., help="Ids of hand-picked members.")) -> None:
    """Take hand-picked members out of a group."""
    _change(group, "changed", lambda service, group_id: service.remove_members(group_id, members))


def _change(group: str, verb: str, change: Callable[[Any, str], dict[str, Any]]) -> None:
    """Apply ``change(service, group_id)`` to the group named and say what it is now."""
    with opened_practice() as practice:
        service = practice.groups()
        changed = change(service, service.find(group)["id"])
    typer.echo(f"{verb} {_summary(changed)}")


@groups_cli.command("delete")
def groups_delete(group: str = _GROUP) -> None:
    """Delete a group (its members stay in the practice)."""
    with opened_practice() as practice:
        service = practice.groups()
        found = service.find(group)
        service.delete(found["id"])
    typer.echo(f"deleted group {found['name']} [{found['id']}]")


# -- mailing lists ------------------------------------------------------------------------------
_OUTPUT = typer.Option(None, "--output", "-o", help="Write the CSV here (default: standard output).")


@mailing_cli.command("group")
def mailing_group(group: str = _GROUP, output: Path | None = _OUTPUT) -> None:
    """A group's mailing list: one row per addressee, a household once."""
    with opened_practice() as practice:
        mailing = practice.mailing().for_group(group)
    _write(mailing, output)


@mailing_cli.command("tasks")
def mailing_tasks(
    kind: TaskKind = typer.Option(..., help="The kind of task: holiday_card, newsletter, birthday..."),
    start: str = typer.Option(..., "--from", help="First due date, YYYY-MM-DD."),
    end: str = typer.Option(..., "--to", help="Last due date, YYYY-MM-DD."),
    status: TaskStatus = typer.Option(TaskStatus.open, help="Tasks of this status."),
    output: Path | None = _OUTPUT,
) -> None:
    """The mailing list of the tasks of a kind due in a window: each client (or birthday person) once."""
    with opened_practice() as practice:
        mailing = practice.mailing().for_tasks(
            kind=kind, start=date_option(start, "--from"), end=date_option(end, "--to"), status=status)
    _write(mailing, output)




def _write(mailing: Any, output: Path | None) -> None:
    """The CSV to ``output`` or standard output; on standard error, how many rows and who was
    left out for want of an address."""
    from app.services.mailing import mailing_csv

    text = mailing_csv(mailing.rows)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8", newline="")
    where = f" to {output}" if output else ""
    typer.echo(f"{len(mailing.rows)} addressee{'s' if len(mailing.rows) != 1 else ''}{where}", err=True)
    if mailing.without_address:
        names = ", ".join(f"{m['name']} ({m['id']})" for m in mailing.without_address)
        typer.secho(f"{len(mailing.without_address)} without a postal address, left out: {names}",
                    fg=typer.colors.YELLOW, err=True)
