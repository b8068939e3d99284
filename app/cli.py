"""The ``rapport`` command."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from analytics.influence import DEFAULT_BETWEENNESS_K, DEFAULT_SEED, MAX_BETWEENNESS_K, MAX_SEED, MIN_BETWEENNESS_K
from app.cli_common import (
    base_url,
    counts_in_words,
    fail,
    many,
    opened_practice,
    progress_bars,
    read_settings,
    show_store,
)
from app.cli_groups import groups_cli, mailing_cli
from app.cli_keys import keys_cli, settings_cli
from app.cli_tiers import service_cli, tiers_cli
from app.cli_work import work_cli
from app.domain.errors import RapportError
from app.domain.fields import MAX_PAGE_SIZE
from app.domain.model import DEFAULT_EXPORT_DEPTH, MAX_NETWORK_DEPTH

if TYPE_CHECKING:
    from app.repositories.store import Compaction

cli = typer.Typer(help="Rapport: relationship intelligence for financial-advice practices.", no_args_is_help=True)


@cli.callback()
def _root() -> None:
    """Settings come from RAPPORT_* environment variables (see README)."""


@cli.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int | None = typer.Option(None, min=1, max=65_535, help="Port to listen on (default: RAPPORT_PORT, else 8000)."),
    workers: int = typer.Option(1, help="Worker processes (the embedded store supports one)."),
    log_level: str = typer.Option("info", help="uvicorn log level."),
) -> None:
    """Start the API (app.main:app) on the configured graph store."""
    import logging

    import uvicorn

    settings = read_settings()
    if workers > 1 and settings.store_kind == "embedded":
        fail("the embedded store is owned by one process; use --workers 1, or RAPPORT_GRAPH_URL for a shared store")
    port = settings.port if port is None else port
    show_store(settings)
    typer.echo(f"Rapport on {base_url(host, port)}: the workspace at /ui/, the API's documentation at /docs", err=True)
    # Rapport's own log lines (the store loading its data, rewriting its log) beside uvicorn's.
    rapport_log = logging.getLogger("rapport")
    if not rapport_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s:     [%(name)s] %(message)s"))
        rapport_log.addHandler(handler)
        rapport_log.setLevel(getattr(logging, log_level.upper(), logging.INFO))
    # The protocol answers even requests it cannot parse with problem details (app.serving).
    uvicorn.run("app.main:app", host=host, port=port, workers=workers, log_level=log_level, http="app.serving:AutoProtocol")


@cli.command()
def demo(
    entities: int = typer.Option(1_000, help="Entities to make: clients, people, team members, providers, divisions."),
    relationships: int = typer.Option(5_000, help="Relationships to make (memberships included)."),
    seed: int = typer.Option(1, help="The same seed and sizes always make the same practice."),
    force: bool = typer.Option(False, "--force", help="Empty a store that already holds a practice first."),
    files: Path | None = typer.Option(None, "--files", help="Write the practice as import files into this directory "
                                      "instead of loading it."),
    file_format: str = typer.Option("csv", "--format", help="Format of --files: csv or jsonl."),
) -> None:
    """Generate a realistic practice of a given size and load it into the store (or write it as import files)."""
    from app.services.export import write_import_files
    from app.services.generator import generate_practice
    from app.services.transfer import load_generated_practice

    if files is not None:
        try:
            counts = write_import_files(generate_practice(entities, relationships, seed=seed), files, file_format)
        except ValueError as error:
            fail(str(error))
        typer.echo(f"Wrote {sum(counts.values()):,} rows to {files} ({file_format}): {counts_in_words(counts)}")
        return
    with opened_practice() as practice, progress_bars() as on_progress:
        if not force and practice.repository.count_entities():
            fail("the store already holds a practice; use --force to replace it, or another RAPPORT_DATA_DIR")
        report = load_generated_practice(practice.repository, entities, relationships, caller=practice.caller, seed=seed,
                                         replace=force, on_progress=on_progress)
    made = sum(report.created.values())
    typer.echo(f"Loaded a generated practice (seed {seed}): {made - report.relationships:,} entities and "
               f"{report.relationships:,} relationships in {report.seconds:.1f} s "
               f"({report.relationships / max(report.seconds, 1e-9):,.0f} relationships/s)")
    _show_compaction(report.compaction)


@cli.command("import")
def import_files(
    paths: list[Path] = typer.Argument(..., help="Import files (clients.csv, people.jsonl...) or directories of them."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check every row and report; write nothing to the store."),
    skip_bad_rows: bool = typer.Option(False, "--skip-bad-rows", help="Import the good rows and leave out the bad ones "
                                       "(and rows naming them), writing those to the reject file."),
    reject_file: Path = typer.Option(Path("rejected.jsonl"), help="Where --skip-bad-rows writes the rows it leaves out."),
    show: int = typer.Option(100, help="How many problems to print at most."),
) -> None:
    """Import a practice from CSV or JSON Lines files, all or nothing: any bad row stops the import (see --skip-bad-rows).

    Rows are matched to stored records by external_id: importing the same files again updates them, adding no copies.
    """
    from app.services.transfer import FileSource, import_practice

    with opened_practice() as practice, progress_bars() as on_progress:
        report = import_practice(practice.repository, FileSource(paths), caller=practice.caller, dry_run=dry_run,
                                 skip_bad_rows=skip_bad_rows, reject_file=reject_file, on_progress=on_progress)
    for problem in report.problems[:show]:
        typer.secho(str(problem), fg=typer.colors.YELLOW, err=True)
    if len(report.problems) > show:
        typer.secho(f"... and {many(len(report.problems) - show, 'more problem')}", fg=typer.colors.YELLOW, err=True)
    if report.problems and not skip_bad_rows:
        fail(f"{many(len(report.problems), 'problem')} in {many(report.rows, 'row')}; nothing was imported")
    outcome = (f"created {counts_in_words(report.created)}; updated {counts_in_words(report.updated)}; "
               f"unchanged {counts_in_words(report.unchanged)}")
    if dry_run:
        left_out = f", {report.rejected:,} of them to be left out" if report.rejected else ""
        typer.echo(f"Dry run: {report.rows:,} rows checked{left_out}, nothing written; the import would have {outcome}")
        return
    rejected = f"; rejected {report.rejected:,}, written to {reject_file}," if report.rejected else ""
    typer.echo(f"Imported {many(report.imported, 'row')}{rejected} in {report.seconds:.1f} s "
               f"({report.relationships / max(report.seconds, 1e-9):,.0f} relationships/s): {outcome}")
    _show_compaction(report.compaction)
    if report.changed_meanwhile:
        typer.secho(f"{report.changed_meanwhile:,} records changed in the store during the import and were left as they "
                    "are; import again to apply the files to them", fg=typer.colors.YELLOW, err=True)


@cli.command()
def export(
    target: Path = typer.Argument(..., help="Directory for csv and jsonl (one file per record kind); file for graphml."),
    file_format: str = typer.Option("csv", "--format", help="csv, jsonl (what import reads) or graphml."),
    client: str | None = typer.Option(None, help="Export only this client's network (its id or external id)."),
    depth: int = typer.Option(DEFAULT_EXPORT_DEPTH, min=1, max=MAX_NETWORK_DEPTH,
                              help="With --client: how many relationships away from the client to go."),
) -> None:
    """Export the whole practice, or one client's network, as import files or as GraphML."""
    from app.services.export import export_practice

    with opened_practice(existing="export") as practice, progress_bars() as on_progress:
        report = export_practice(practice.repository, target, file_format=file_format, client=client, depth=depth,
                                 on_progress=on_progress)
    typer.echo(f"Exported to {target} ({file_format}): {counts_in_words(report.counts)}")


@cli.command()
def backup(path: Path = typer.Argument(..., help="The backup file to write (gzip-compressed JSON Lines).")) -> None:
    """Write a consistent snapshot of the whole store to one file."""
    from app.services.backup import backup as write_backup

    with opened_practice(existing="back up") as practice, progress_bars() as on_progress:
        report = write_backup(practice.repository, path, on_progress=on_progress)
    typer.echo(f"Backed up to {path} in {report.seconds:.1f} s: {counts_in_words(report.counts)}")
    if not report.point_in_time:
        typer.secho("this store takes no point-in-time snapshots: writes made during the backup may be half in it; "
                    "stop writers while backing up", fg=typer.colors.YELLOW, err=True)


@cli.command()
def restore(
    path: Path = typer.Argument(..., help="A file written by rapport backup."),
    force: bool = typer.Option(False, "--force", help="Replace everything in a store that is not empty."),
) -> None:
    """Load a backup into an empty store (a store that is not empty is refused unless --force)."""
    from app.services.backup import restore as read_backup

    with opened_practice() as practice, progress_bars() as on_progress:
        report = read_backup(practice.repository, path, caller=practice.caller, force=force, on_progress=on_progress)
    typer.echo(f"Restored {path} in {report.seconds:.1f} s: {counts_in_words(report.counts)}")
    _show_compaction(report.compaction)


analytics_cli = typer.Typer(help="Influence analytics and referral intelligence.", no_args_is_help=True)


@analytics_cli.command("score")
def analytics_score(
    betweenness_k: int = typer.Option(DEFAULT_BETWEENNESS_K, min=MIN_BETWEENNESS_K, max=MAX_BETWEENNESS_K, help="Sampled sources for betweenness (more: slower, closer to exact)."),
    seed: int = typer.Option(DEFAULT_SEED, min=0, max=MAX_SEED, help="Seed of the betweenness sample."),
    top: int = typer.Option(20, min=1, max=MAX_PAGE_SIZE, help="How many of the most influential to print."),
) -> None:
    """Score every entity's influence, suggest influencer segments, store the run and print
    the top influencers with the reasons."""
    from rich.console import Console
    from rich.table import Table

    from app.services.scoring import ScoringParameters

    with opened_practice(existing="score") as practice:
        service = practice.scoring()
        with progress_bars() as on_progress:
            run = service.run_scoring(ScoringParameters.build(betweenness_k=betweenness_k, seed=seed), on_progress)
        leaders = service.scores(run["id"], after=0, limit=top)["items"]
    table = Table(title=f"Top {len(leaders)} influencers (run {run['id']})")
    for column, justify in (("#", "right"), ("name", "left"), ("kind", "left"), ("score", "right"),
                            ("suggested", "left"), ("assigned", "left"), ("why", "left")):
        table.add_column(column, justify=justify)
    for score in leaders:
        table.add_row(
            str(score["rank"]), score["name"], score["kind"], f"{score['composite']:.3f}",
            score["suggested_segment"] or "-", score["assigned_segment"] or "-",
            "; ".join(r["text"] for r in score["reasons"] if r["threshold"] is not None) or score["summary"],
        )
    console = Console()
    console.print(table)
    timings = run["timings"]
    console.print(
        f"{run['scored']:,} scored of {run['entities']:,} entities and {run['relationships']:,} active relationships; "
        f"suggested {counts_in_words(run['segment_counts'])}; {run['differences']:,} differ from the assigned segment. "
        f"Read {timings['read_s']:.1f} s, computed {timings['compute_s']:.1f} s, stored {timings['store_s']:.1f} s."
    )


people_cli = typer.Typer(help="People: merge a likely duplicate into the one kept.", no_args_is_help=True)
clients_cli = typer.Typer(help="Clients: merge a likely duplicate into the one kept.", no_args_is_help=True)


def _merge_command(kind_name: str) -> Callable[[str, str], None]:
    """``rapport people merge`` / ``rapport clients merge``: the API's merge, by id or external id."""
    noun = kind_name  # "person" or "client"

    def merge(
        keep: str = typer.Argument(..., help=f"The {noun} kept (id or external id)."),
        duplicate: str = typer.Argument(..., help=f"The duplicate {noun}, merged into it and deleted (id or external id)."),
    ) -> None:
        from app.domain.model import EntityKind

        kind = EntityKind(kind_name)
        with opened_practice(existing=f"merge {kind.path} in") as practice:
            found = {ref: practice.repository.entity_by_id_or_external_id(kind, ref) for ref in (keep, duplicate)}
            for ref, entity in found.items():
                if entity is None:
                    fail(f"no {noun} has the id or external id '{ref}'")
            kept, copy = found[keep], found[duplicate]
            merged = practice.entities().merge(kind, kept["id"], copy["id"])
        moved = [many(len(merged["moved_relationships"]), "relationship"), many(len(merged["moved_records"]), "record")]
        dropped = merged["dropped_relationships"]
        typer.echo(
            f"Merged {copy['name']} ({copy['id']}) into {merged['kept']['name']} ({kept['id']}): moved {' and '.join(moved)}"
            + (f"; dropped {many(len(dropped), 'relationship')} between the two" if dropped else "")
            + (f"; filled {', '.join(merged['filled'])}" if merged["filled"] else "; filled no field")
            + f". {copy['id']} is deleted."
        )

    merge.__doc__ = (f"Merge a duplicate {noun} into the one kept: its relationships (active and ended) and records "
                     f"move, the kept {noun}'s empty fields take its values, and it is deleted, in one audited write. "
                     "Refused, changing nothing, where a move would repeat an active relationship or give a client "
                     "two primary contacts.")
    return merge


people_cli.command("merge")(_merge_command("person"))
clients_cli.command("merge")(_merge_command("client"))


def _show_compaction(compaction: Compaction | None) -> None:
    """One line on stderr on what rewriting the store's log after a load did."""
    if compaction is None or (not compaction.done and compaction.problem is None):
        return
    if compaction.done:
        typer.echo(f"Compacted the store's log after the load: {compaction.before_bytes / 1e6:,.1f} MB -> "
                   f"{compaction.after_bytes / 1e6:,.1f} MB in {compaction.seconds:.1f} s", err=True)
    else:
        typer.secho(f"the store's log was not compacted after the load ({compaction.problem}); the data is safe, "
                    "but the next start may be slow", fg=typer.colors.YELLOW, err=True)


# The groups, in the order `rapport --help` lists them.
cli.add_typer(analytics_cli, name="analytics")
cli.add_typer(keys_cli, name="keys")
cli.add_typer(settings_cli, name="settings")
cli.add_typer(people_cli, name="people")
cli.add_typer(clients_cli, name="clients")
cli.add_typer(tiers_cli, name="tiers")
cli.add_typer(service_cli, name="service")
cli.add_typer(work_cli, name="work")
cli.add_typer(groups_cli, name="groups")
cli.add_typer(mailing_cli, name="mailing")


def main() -> None:
    try:
        cli()
    except RapportError as error:
        typer.secho(f"rapport: {error.detail}", fg=typer.colors.RED, err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
