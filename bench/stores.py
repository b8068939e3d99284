"""The stores a bench runs on: the embedded FalkorDB (the default), and with ``--store neo4j``
Neo4j 5.26 as well, so that every Neo4j figure is printed next to FalkorDB's from the same run.

Neo4j is the project's test server (tools/neo4j: Neo4j 5.26 Community in-process, Bolt
only, its data in a throwaway directory), started and stopped by the bench itself. Its
memory is set here for the benches' largest size: a 4 GB heap (the brief's ``-Xms1g
-Xmx4g``) and a 2 GB page cache, room for the 100,000 entity / 1,000,000 relationship
practice's store files (the test server's default of 128 MB would make a whole-graph read
go to disk and time the page cache instead of the store). FalkorDB holds its graph in
memory whatever its size, so neither store is short of memory for the reads measured.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.core.config import Settings  # noqa: E402

NEO4J_JAVA_OPTS = "-Xms1g -Xmx4g"
NEO4J_PAGE_CACHE_MB = 2048

#: How each store is named in the benches' output.
FALKORDB = "FalkorDB"
NEO4J = "Neo4j"


def add_store_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store", choices=("embedded", "neo4j"), default="embedded",
        help="neo4j: run on Neo4j 5.26 too (the tools/neo4j test server, started and stopped by the bench), "
             "its figures next to the embedded FalkorDB's from the same run",
    )


def quiet_neo4j_notifications() -> None:
    """The driver logs a warning for each query that names a property no node has yet (an
    empty practice has no ``influencer_segment``, for one): noise in a bench's output."""
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)


@contextmanager
def neo4j_server() -> Iterator[object]:
    """A running Neo4j test server (``tools.neo4j.server.Neo4jTestServer``), stopped on exit."""
    from tools.neo4j import server

    problem = server.missing_tools()
    if problem:
        raise SystemExit(f"--store neo4j needs the Neo4j test server: {problem}")
    quiet_neo4j_notifications()
    print(f"starting the Neo4j test server (tools/neo4j; {NEO4J_JAVA_OPTS}, page cache {NEO4J_PAGE_CACHE_MB} MB) ...",
          flush=True)
    running = server.start(java_opts=NEO4J_JAVA_OPTS, page_cache_mb=NEO4J_PAGE_CACHE_MB)
    try:
        print(f"  Neo4j test server answering in {running.started_in_s:.0f} s; {driver()}", flush=True)
        yield running
    finally:
        running.stop()


def driver() -> str:
    """The Python driver's version, and whether its optional Rust extension (``neo4j-rust-ext``,
    not a Rapport dependency) decodes Bolt messages: it changes the client's CPU per read."""
    from importlib.metadata import version
    from importlib.util import find_spec

    rust = find_spec("neo4j._rust") is not None
    return f"Python driver neo4j {version('neo4j')}, Rust extension {'installed' if rust else 'not installed'}"


def neo4j_settings(running: object, **settings: object) -> Settings:
    """Settings that open ``running`` (a test server) as the app would."""
    return Settings(graph_url=running.url, neo4j_user=running.user, neo4j_password=running.password, **settings)


def neo4j_environment(running: object) -> dict[str, str]:
    """The environment that points an API process at ``running``."""
    return {"RAPPORT_GRAPH_URL": running.url, "RAPPORT_NEO4J_USER": running.user,
            "RAPPORT_NEO4J_PASSWORD": running.password}


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def conditions() -> str:
    """The machine's state, printed with figures: the machine is shared and its speed varies."""
    return f"{os.cpu_count()} CPUs, load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}"
