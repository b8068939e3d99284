"""The ``rapport`` command."""

from __future__ import annotations

import sys

import typer

from app.core.config import Settings
from app.domain.errors import RapportError

cli = typer.Typer(help="Rapport: relationship intelligence for financial-advice practices.", no_args_is_help=True)


@cli.callback()
def _root() -> None:
    """Settings come from RAPPORT_* environment variables (see README)."""


@cli.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="Worker processes (the embedded store supports one)."),
    log_level: str = typer.Option("info", help="uvicorn log level."),
) -> None:
    """Start the API (app.main:app) on the configured graph store."""
    import uvicorn

    settings = _settings()
    if workers > 1 and settings.store_kind == "embedded":
        _fail("the embedded store is owned by one process; use --workers 1, or RAPPORT_GRAPH_URL for a shared store")
    uvicorn.run("app.main:app", host=host, port=port, workers=workers, log_level=log_level)


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as error:  # pydantic's ValidationError: show the message, not a trace
        _fail(f"invalid settings: {error}")
        raise


def _fail(message: str) -> None:
    typer.secho(f"rapport: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


def main() -> None:
    try:
        cli()
    except RapportError as error:
        typer.secho(f"rapport: {error.detail}", fg=typer.colors.RED, err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
