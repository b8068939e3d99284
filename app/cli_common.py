"""What the ``rapport`` command's groups share: the practice they work on, progress bars, date
options, counts in words, and the one way a command fails (a red line and exit code 1)."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING

import typer

from app.core.config import Settings
from app.domain.access import LOCAL_OPERATOR
from app.domain.errors import RapportError

if TYPE_CHECKING:
    from app.bootstrap import Services
    from app.repositories.embedded_falkordb import LoadProgress

#: (phase, done, total): how the services report progress.
OnProgress = Callable[[str, int, "int | None"], None]


def base_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def show_store(settings: Settings) -> None:
    """One line on stderr naming the store a command works on (stdout stays clean for pipes)."""
    typer.echo(f"store: {settings.store_location}", err=True)


@contextmanager
def opened_practice(*, prepare: bool = False, existing: str | None = None) -> Iterator[Services]:
    """The services over the practice in the configured store, for the local operator (who sees
    everything), with the default catalogue in a new store (and,
    with ``prepare``, the sample practice where ``rapport serve`` would load it). A
    refusal or an unreadable file becomes one line and exit code 1. An embedded store server
    that was running already (``rapport serve``) is left running.

    ``existing``: what the command does with a practice (``"back up"``...); a store that Rapport
    never set up is then refused, and none is created: backing up, exporting or reporting on
    a brand-new empty store would only hide that the command looked in the wrong place."""
    from app.bootstrap import Services, open_practice, prepare_store
    from app.repositories.embedded_falkordb import holds_a_store

    settings = read_settings()
    show_store(settings)
    if existing and settings.store_kind == "embedded" and not holds_a_store(settings.data_dir):
        fail(no_practice(settings, existing))
    try:
        with loading_line() as on_loading:
            opened = open_practice(settings, on_loading=on_loading)
    except RapportError as error:
        fail(error.detail)
    # A server that was running already (``rapport serve``, or one still loading) is left so.
    running = opened.embedded is not None and opened.embedded.adopted
    try:
        practice = Services.over(opened.store, LOCAL_OPERATOR)
        if existing and not practice.repository.relationship_types():
            fail(no_practice(settings, existing))
        prepare_store(opened, settings, sample=prepare)
        yield practice
    except RapportError as error:
        fail(error.detail)
    except (OSError, csv.Error) as error:
        fail(str(error))
    finally:
        if running:
            opened.store.close()
        else:
            opened.close()


def no_practice(settings: Settings, action: str) -> str:
    return (f"{settings.store_location} holds no practice, so there is nothing to {action}; point at your store "
            "with RAPPORT_DATA_DIR (or RAPPORT_GRAPH_URL), or load a practice first (rapport import, restore or demo)")


@contextmanager
def loading_line() -> Iterator[Callable[[LoadProgress], None]]:
    """While the embedded store loads its data: one progress line on stderr, redrawn in place
    on a terminal, else a line every 10 s."""
    stream = sys.stderr
    live = stream.isatty()
    shown = {"at": -1e9, "any": False}

    def on_loading(progress: LoadProgress) -> None:
        # Quiet for a store that loads in a moment (a compact one of 10,000 relationships: 0.2 s).
        if progress.waited_s < 1.0 or progress.waited_s - shown["at"] < (0.5 if live else 10.0):
            return
        shown["at"], shown["any"] = progress.waited_s, True
        line = f"waiting for the store to load its data: {progress.describe()} (waited {progress.waited_s:,.0f} s)"
        stream.write(f"\r\x1b[2K{line}" if live else line + "\n")
        stream.flush()

    try:
        yield on_loading
    finally:
        if live and shown["any"]:
            stream.write("\n")
            stream.flush()


@contextmanager
def progress_bars() -> Iterator[OnProgress]:
    """A progress callback (phase, done, total) drawing a bar per phase, with counts and rate."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task: Task) -> Text:
            return Text(f"{task.speed:,.0f}/s" if task.speed else "", style="progress.data.speed")

    bars = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), Rate(), TimeElapsedColumn(),
                    console=Console(stderr=True))
    tasks: dict[str, object] = {}

    def on_progress(phase: str, done: int, total: int | None) -> None:
        if phase not in tasks:
            tasks[phase] = bars.add_task(phase, total=total)
        bars.update(tasks[phase], completed=done, total=total)

    with bars:
        yield on_progress


def date_option(text: str | None, option: str) -> date | None:
    """A date option, read as the API and the import read dates, and refused in the import's
    words (``--from: '1/1/2027' is not a date; write dates as YYYY-MM-DD``)."""
    if text is None:
        return None
    from pydantic import TypeAdapter, ValidationError

    from app.domain.fields import IsoDate, error_in_words

    try:
        return TypeAdapter(IsoDate).validate_python(text)
    except ValidationError as error:
        fail(f"{option}: {error_in_words(error.errors()[0])}")
        raise


def many(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def counts_in_words(counts: Mapping[str, int]) -> str:
    shown = [f"{str(k).replace('_', ' ')} {n:,}" for k, n in counts.items() if n]
    return ", ".join(shown) or "none"


def read_settings() -> Settings:
    try:
        return Settings()
    except Exception as error:  # pydantic's ValidationError: show the message, not a trace
        fail(f"invalid settings: {error}")
        raise


def fail(message: str) -> None:
    typer.secho(f"rapport: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)
