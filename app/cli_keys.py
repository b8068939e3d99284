"""``rapport keys`` and ``rapport settings``: API keys, and who sees which clients, on the
configured store.

Kept apart from ``app/cli.py`` (which registers them) so that their commands change on their
own; they use its helpers (the store, messages) through ``_cli()``.
"""

from __future__ import annotations

import sys

import typer

from app.cli_common import base_url, fail, opened_practice, read_settings
from app.domain.fields import MAX_PAGE_SIZE

keys_cli = typer.Typer(help="API keys: every API call but /health needs one. A key is shown once; only its hash is kept.",
                       no_args_is_help=True)
settings_cli = typer.Typer(help="The practice's settings.", no_args_is_help=True)


@keys_cli.command("bootstrap")
def keys_bootstrap(
    name: str = typer.Option("Practice Admin", help="Name of the admin team member to create."),
    email: str | None = typer.Option(None, help="Their email address."),
) -> None:
    """On a fresh install: create an admin team member and print their first API key.

    Does nothing (and says so) once an admin holds an active key: make more keys with `rapport keys create`.
    The embedded store gets the sample practice first, as `rapport serve` would.
    """
    with opened_practice(prepare=True) as practice:
        issued = practice.access().bootstrap_admin(name=name, email=email)
    if issued is None:
        typer.echo("An admin already holds an active API key; nothing was created. "
                   "Use `rapport keys create TEAM_MEMBER_ID --name ...` for another key.", err=True)
        return
    _show_key(issued, f"admin {name} (team member {issued.api_key['team_member_id']})")


@keys_cli.command("create")
def keys_create(
    team_member_id: str = typer.Argument(..., help="The team member the key belongs to (their role decides what it may do)."),
    name: str = typer.Option(..., help="What the key is for, e.g. \"Anna's laptop\"."),
) -> None:
    """Issue an API key to a team member and print it (this once)."""
    with opened_practice() as practice:
        issued = practice.access().issue_key(team_member_id, name=name)
    _show_key(issued, f"team member {team_member_id}")


@keys_cli.command("list")
def keys_list(
    team_member_id: str | None = typer.Option(None, "--team-member", help="Only this team member's keys."),
    include_revoked: bool = typer.Option(False, "--all", help="Include revoked keys."),
) -> None:
    """List API keys (ids, names, owners; never the keys)."""
    with opened_practice() as practice:
        service = practice.access()
        after = None
        while True:
            keys, after = service.keys(team_member_id=team_member_id, include_revoked=include_revoked, after=after, limit=MAX_PAGE_SIZE)
            for key in keys:
                state = f"revoked {key['revoked_at']}" if key.get("revoked_at") else "active"
                typer.echo(f"{key['id']}  {key['team_member_name'] or key['team_member_id']} ({key['role']})  "
                           f"{key['name']}  created {key['created_at']}  {state}")
            if after is None:
                break


@keys_cli.command("revoke")
def keys_revoke(key_id: str = typer.Argument(..., help="The key's id (from `rapport keys list`).")) -> None:
    """Revoke an API key: it stops working at once in this store's API processes (within seconds in others)."""
    with opened_practice() as practice:
        practice.access().revoke_key(key_id)
    typer.echo(f"Revoked key {key_id}")


@settings_cli.command("visibility")
def settings_visibility(
    mode: str | None = typer.Argument(None, help="open (everyone sees every client) or owner_hierarchy "
                                      "(team members see their own and their reports' clients). Omit to show it."),
) -> None:
    """Show or set who sees which clients."""
    from app.domain.access import VisibilityMode

    with opened_practice() as practice:
        service = practice.access()
        if mode is None:
            typer.echo(service.practice_settings()["visibility"])
            return
        try:
            wanted = VisibilityMode(mode)
        except ValueError:
            fail(f"unknown visibility mode '{mode}'; use one of {', '.join(m.value for m in VisibilityMode)}")
        typer.echo(f"visibility: {service.set_visibility(wanted)['visibility']}")


def _show_key(issued: object, holder: str) -> None:
    """The key in a box that cannot be missed, saying where it goes. On a terminal the box
    holds the key; when stdout is captured (``KEY=$(rapport keys bootstrap)``) stdout gets
    the key alone and the box, without it, goes to stderr."""
    base = base_url("127.0.0.1", read_settings().port)
    on_terminal = _stdout_is_terminal()
    box = _box([
        f"API key {issued.api_key['id']} for {holder}",
        "",
        f"    {issued.key}" if on_terminal else "    (the key went to standard output)",
        "",
        "It is shown only now: store it safely (a password manager).",
        "Use it while `rapport serve` runs:",
        f"  - in the workspace at {base}/ui/ (paste it when asked), or",
        "  - on every API call, as the header  Authorization: Bearer <key>",
        f"    curl -H \"Authorization: Bearer $KEY\" {base}/me",
    ])
    if on_terminal:
        typer.echo(box)
        return
    typer.echo(box, err=True)
    typer.echo(issued.key)


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _box(lines: list[str]) -> str:
    width = max(len(line) for line in lines)
    return "\n".join(["╔" + "═" * (width + 2) + "╗", *(f"║ {line.ljust(width)} ║" for line in lines),
                      "╚" + "═" * (width + 2) + "╝"])
