"""``rapport tiers`` and ``rapport service``: tier runs and the cycle of service's reports, on
the configured store.

Kept apart from ``app/cli.py`` (which registers them) so that their commands change on their
own; they use its helpers (the store, progress, messages) through ``_cli()``.
"""

from __future__ import annotations

from collections import Counter

import typer

from app.cli_common import counts_in_words, date_option, fail, many, opened_practice, progress_bars
from app.domain.errors import RapportError
from app.domain.fields import MAX_PAGE_SIZE
from app.domain.service_cycle import DEFAULT_UPCOMING_DAYS, MAX_DAYS_AHEAD
from app.domain.tiers import TierSettings

#: The tier thresholds' defaults: the domain's, as the API's are.
_TIERS = TierSettings()



tiers_cli = typer.Typer(help="Client tiers: suggest with reasons, compare, apply.", no_args_is_help=True)
service_cli = typer.Typer(help="The cycle of service: touches due and done, overdue clients, important dates.",
                          no_args_is_help=True)


@tiers_cli.command("run")
def tiers_run(
    min_quality_referrals: int = typer.Option(_TIERS.min_quality_referrals, help="Referred entities that became "
                                              "clients within the window, for the quality-referrals trait."),
    revenue_threshold: float = typer.Option(_TIERS.revenue_threshold, min=0, help="Annual revenue for the significant-revenue trait."),
    revenue_percentile: float | None = typer.Option(_TIERS.revenue_percentile, min=0, max=1,
                                                    help="Or this percentile (0-1) of clients' revenue."),
    referral_window_days: int = typer.Option(_TIERS.referral_window_days, min=1, help="How far back a referral counts, in days."),
    capacity_threshold: float = typer.Option(_TIERS.capacity_threshold, min=1,
                                             help="Assets held elsewhere, or a prospect's size, for able-to-buy-more."),
    b_margin: float = typer.Option(_TIERS.b_margin, min=0, max=0.99, help="Within this fraction of a threshold: a B."),
    touch_cost: float = typer.Option(_TIERS.touch_cost, min=0, help="Cost of one touch, against revenue."),
    service_request_cost: float = typer.Option(_TIERS.service_request_cost, min=0,
                                               help="Cost of one service request, against revenue."),
    cost_window_days: int = typer.Option(_TIERS.cost_window_days, help="How far back touches and service requests "
                                         "count toward the cost, in days."),
    as_of: str | None = typer.Option(None, help="The day to measure as of, YYYY-MM-DD (default: today)."),
    top: int | None = typer.Option(None, min=1, help="List this many clients, best suggested tier first."),
    owner: str | None = typer.Option(None, help="List this owner's clients (a team member's id or external id)."),
) -> None:
    """Suggest a tier for every client, store the run and print a summary: clients per tier and
    the changes from the assigned tiers. --top and --owner list clients with their reasons."""
    from rich.console import Console
    from rich.table import Table

    from app.domain.model import EntityKind
    from app.domain.tiers import Tier
    from app.services.tiers import settings_from

    try:
        settings = settings_from(dict(
            min_quality_referrals=min_quality_referrals, revenue_threshold=revenue_threshold,
            revenue_percentile=revenue_percentile, referral_window_days=referral_window_days,
            capacity_threshold=capacity_threshold, b_margin=b_margin, touch_cost=touch_cost,
            service_request_cost=service_request_cost, cost_window_days=cost_window_days,
        ))
    except RapportError as error:
        fail(error.detail)
    day = date_option(as_of, "--as-of")
    with opened_practice(existing="suggest tiers for") as practice:
        owner_id = None
        if owner is not None:
            found = practice.repository.entity_by_id_or_external_id(EntityKind.team_member, owner)
            if found is None:
                fail(f"no team member has the id or external id '{owner}'")
            owner_id = found["id"]
        service = practice.tiers()
        with progress_bars() as on_progress:
            on_progress("suggesting tiers", 0, 1)
            run = service.run(settings, as_of=day)
            on_progress("suggesting tiers", 1, 1)
        suggestions, after = [], 0
        while after is not None:
            page = service.suggestions(run["id"], after=after, limit=MAX_PAGE_SIZE)
            suggestions.extend(page["items"])
            after = page["next_cursor"]
    order = {tier: rank for rank, tier in enumerate([*(t.value for t in Tier), None])}
    console = Console()
    if top is not None or owner_id is not None:
        listed = sorted((s for s in suggestions if owner_id is None or s["owner_id"] == owner_id),
                        key=lambda s: (order[s["suggested_tier"]], s["position"]))[:top]
        table = Table(title=f"Suggested tiers (run {run['id']}, as of {run['as_of']})")
        for column in ("client", "stage", "suggested", "assigned", "why"):
            table.add_column(column)
        for s in listed:
            table.add_row(
                s["name"], s["stage"] or "-", s["suggested_tier"] or "-", s["assigned_tier"] or "-",
                s["summary"] + "".join(f"\n  {r['text']}" for r in s["reasons"] if r["met"] or r["near"]),
            )
        console.print(table)
    by_tier = {tier or "none": run["tier_counts"].get(tier or "none", 0) for tier in order}
    changes = Counter(f"{s['assigned_tier'] or 'none'} -> {s['suggested_tier'] or 'none'}" for s in suggestions if s["differs"])
    console.print(
        f"Tier run {run['id']} as of {run['as_of']}: {many(run['clients'], 'client')}; suggested {counts_in_words(by_tier)}; "
        f"{run['differences']:,} differ from the assigned tier"
        + (f" (assigned -> suggested: {', '.join(f'{c} {n:,}' for c, n in sorted(changes.items()))})" if changes else "")
        + f".\nApply with: rapport tiers apply {run['id']}"
        + ("" if top is not None or owner_id is not None else "; list clients with --top N or --owner ID."),
        highlight=False, soft_wrap=True,
    )


@tiers_cli.command("apply")
def tiers_apply(
    run_id: str = typer.Argument(..., help="The tier run whose suggestions to apply."),
    client: list[str] = typer.Option(None, "--client", help="Only this client, by id or external id (repeat for several); "
                                     "default: all."),
    applied_by: str | None = typer.Option(None, help="The team member applying them (recorded)."),
) -> None:
    """Give clients the tiers a run suggested; the application is recorded."""
    from app.domain.model import EntityKind

    with opened_practice() as practice:
        client_ids = None
        if client:
            found = {ref: practice.repository.entity_by_id_or_external_id(EntityKind.client, ref) for ref in client}
            unknown = [ref for ref, entity in found.items() if entity is None]
            if unknown:
                fail(f"no client has the id or external id {', '.join(repr(ref) for ref in unknown)}")
            client_ids = [entity["id"] for entity in found.values()]
        application = practice.tiers().apply(run_id, client_ids, applied_by=applied_by)
    typer.echo(f"applied {application['applied']} of {application['requested']} tier changes "
               f"(application {application['id']})")


@service_cli.command("report")
def service_report(
    owner_id: str | None = typer.Option(None, help="Only this owner's clients."),
    overdue: bool = typer.Option(False, "--overdue", help="Only clients behind on touches or due a review."),
) -> None:
    """For each client: tier, touches due by now and this year against those done, and the next review."""
    from rich.console import Console
    from rich.table import Table

    with opened_practice(existing="report on") as practice:
        rows = practice.service_cycle().client_report(owner_id=owner_id)
        owners = practice.repository.get_entities([r["owner_id"] for r in rows if r["owner_id"]])
    rows = [r for r in rows if r["overdue"] or not overdue]
    table = Table(title="Cycle of service this year")
    for column, justify in (("client", "left"), ("owner", "left"), ("tier", "left"), ("due now", "right"),
                            ("due in year", "right"), ("done", "right"), ("next review", "left"), ("overdue", "left")):
        table.add_column(column, justify=justify)
    for r in rows:
        table.add_row(
            r["name"], owners.get(r["owner_id"], {}).get("name", "-"), r["tier"] or "-", str(r["touches_due_to_date"]),
            str(r["touches_per_year"]), str(r["touches_done"]), r["next_review"] or "-",
            "; ".join(r["overdue_reasons"]) or "no",
        )
    Console().print(table)


@service_cli.command("dates")
def service_dates(days: int = typer.Option(DEFAULT_UPCOMING_DAYS, min=0, max=MAX_DAYS_AHEAD, help="How many days ahead.")) -> None:
    """Birthdays, anniversaries and review dates in the next N days."""
    from rich.console import Console
    from rich.table import Table

    with opened_practice(existing="report on") as practice:
        rows = practice.service_cycle().upcoming_dates(days=days)
    table = Table(title=f"Important dates in the next {days} days")
    for column in ("on", "in days", "who", "kind", "notes"):
        table.add_column(column)
    for r in rows:
        table.add_row(r["on"], str(r["in_days"]), r["name"] or r["entity_id"], r["kind"], r.get("notes") or "")
    Console().print(table)
