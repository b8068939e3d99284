"""Fixtures: every integration test runs against a real graph store.

The embedded FalkorDB server starts once per session; each test gets its own empty graph.
The same tests run against Neo4j 5 in a testcontainers container when a Docker engine is
reachable, and are reported as skipped, with the reason, when it is not.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from falkordb import FalkorDB
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from app.services.access import AccessService
from app.repositories.embedded_falkordb import EmbeddedFalkorDB
from app.repositories.factory import OpenStore
from app.repositories.falkordb_store import FalkorGraphStore
from app.repositories.practice import PracticeRepository
from app.repositories.store import GraphStore

NEO4J_IMAGE = "neo4j:5.26-community"


def _docker_problem() -> str | None:
    """Why Neo4j cannot run here, or None when a Docker engine answers."""
    try:
        import docker
    except ImportError:
        return "the docker package is not installed"
    try:
        docker.from_env(timeout=5).ping()
    except Exception as error:  # any failure to reach the engine means: no Docker here
        return f"no Docker engine is reachable ({type(error).__name__}), so the Neo4j 5 container cannot start"
    return None


@pytest.fixture(scope="session")
def falkordb_server() -> Iterator[EmbeddedFalkorDB]:
    # A short path: unix socket addresses are limited to 108 bytes.
    data_dir = Path(tempfile.mkdtemp(prefix="rapport-"))
    server = EmbeddedFalkorDB(data_dir).start()
    yield server
    server.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def neo4j_driver() -> Iterator[object]:
    problem = _docker_problem()
    if problem:
        pytest.skip(f"Neo4j suite skipped: {problem}")
    import neo4j
    from testcontainers.neo4j import Neo4jContainer

    with Neo4jContainer(NEO4J_IMAGE) as container:
        driver = neo4j.GraphDatabase.driver(container.get_connection_url(), auth=("neo4j", container.password))
        yield driver
        driver.close()


@pytest.fixture(params=["falkordb", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest) -> Iterator[GraphStore]:
    """An empty graph store with Rapport's schema, on FalkorDB and then on Neo4j."""
    if request.param == "falkordb":
        server: EmbeddedFalkorDB = request.getfixturevalue("falkordb_server")
        client = FalkorDB(unix_socket_path=str(server.socket_path))
        graph = FalkorGraphStore(client, f"test_{uuid.uuid4().hex[:12]}")
        graph.ensure_schema()
        yield graph
        client.select_graph(graph.graph_name).delete()
        client.connection.close()
    else:
        from app.repositories.neo4j_store import Neo4jGraphStore

        driver = request.getfixturevalue("neo4j_driver")
        driver.execute_query("MATCH (n) DETACH DELETE n", database_="neo4j")
        graph = Neo4jGraphStore(driver, "neo4j")
        graph.ensure_schema()
        yield graph


def make_app(store: GraphStore, *, sample: bool) -> FastAPI:
    return create_app(Settings(sample_data="yes" if sample else "no"), opened=OpenStore(store))


ADMIN_NAME = "Ada Admin"


def admin_key(store: GraphStore) -> str:
    """The first admin key of a fresh practice, as ``rapport keys bootstrap`` makes it."""
    issued = AccessService(PracticeRepository(store)).bootstrap_admin(name=ADMIN_NAME)
    assert issued is not None
    return issued.key


@pytest.fixture
def client(store: GraphStore) -> Iterator[TestClient]:
    """The API over an empty practice (default catalogue and categories, and the admin
    team member whose key the client sends)."""
    with TestClient(make_app(store, sample=False)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {admin_key(store)}"
        yield test_client


@pytest.fixture
def sample_client(store: GraphStore) -> Iterator[TestClient]:
    """The API over the sample practice, called by an admin."""
    with TestClient(make_app(store, sample=True)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {admin_key(store)}"
        yield test_client


@pytest.fixture
def data_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty data directory that the ``rapport`` command (and ``Settings()``) will use for
    an embedded store; its store server, if one was started, is killed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="rc-"))  # short: the store's unix socket lives in it
    monkeypatch.setenv("RAPPORT_DATA_DIR", str(path))
    monkeypatch.delenv("RAPPORT_GRAPH_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # rich tables: wide enough to assert on
    yield path
    pid_file = path / "falkordb.pid"
    if pid_file.exists():  # never leave a store server behind, whatever a test did
        try:
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    shutil.rmtree(path, ignore_errors=True)

