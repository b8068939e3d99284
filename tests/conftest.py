"""Fixtures: every integration test runs against a real graph store.

The embedded FalkorDB server starts once per session; each test gets its own empty graph.
The same tests run against Neo4j 5: the server the environment names, else the project's
own test server (tools/neo4j, Neo4j Community in-process), started once per session with
the database emptied between tests (see ``neo4j_server``).
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

from app.bootstrap import Services
from app.core.config import Settings
from app.main import create_app
from app.repositories.embedded_falkordb import EmbeddedFalkorDB
from app.repositories.factory import OpenStore
from app.repositories.falkordb_store import FalkorGraphStore
from app.repositories.store import GraphStore
from tests.prepared_practices import PreparedPractices

NEO4J_IMAGE = "neo4j:5.26-community"


def _docker_problem() -> str | None:
    """Why a Neo4j container cannot run here, or None when a Docker engine answers."""
    try:
        import docker
    except ImportError:
        return "the docker package is not installed"
    try:
        docker.from_env(timeout=5).ping()
    except Exception as error:  # any failure to reach the engine means: no Docker here
        return f"no Docker engine is reachable ({type(error).__name__})"
    return None


def _neo4j_unavailable(reason: str) -> None:
    """Skip the Neo4j half with the reason; under RAPPORT_REQUIRE_NEO4J=1 (CI) fail instead."""
    if os.environ.get("RAPPORT_REQUIRE_NEO4J") == "1":
        pytest.fail(f"RAPPORT_REQUIRE_NEO4J=1 but Neo4j cannot run: {reason}", pytrace=False)
    pytest.skip(f"Neo4j suite skipped: {reason}")


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[tuple[str, tuple[str, str] | None]]:
    """Where the Neo4j half runs: its Bolt URL and auth, in this order of preference:
    a server named by RAPPORT_TEST_NEO4J_URL (RAPPORT_TEST_NEO4J_USER, _PASSWORD); the
    project's test server (tools/neo4j/serve), started once per test session; a
    testcontainers container where a Docker engine answers; else a skip that says why."""
    url = os.environ.get("RAPPORT_TEST_NEO4J_URL")
    if url:
        password = os.environ.get("RAPPORT_TEST_NEO4J_PASSWORD")
        yield url, (os.environ.get("RAPPORT_TEST_NEO4J_USER", "neo4j"), password) if password else None
        return
    from tools.neo4j import server as test_server

    problem = test_server.missing_tools()
    if problem is None:
        try:
            running = test_server.start()
        except RuntimeError as error:
            _neo4j_unavailable(str(error))
        with running:
            yield running.url, running.auth
        return
    docker_problem = _docker_problem()
    if docker_problem:
        _neo4j_unavailable(f"{problem}, and {docker_problem} for a Neo4j container")
    from testcontainers.neo4j import Neo4jContainer

    with Neo4jContainer(NEO4J_IMAGE) as container:
        yield container.get_connection_url(), ("neo4j", container.password)


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_server: tuple[str, tuple[str, str] | None]) -> Iterator[object]:
    import neo4j

    url, auth = neo4j_server
    from app.repositories.neo4j_store import DRIVER_OPTIONS

    driver = neo4j.GraphDatabase.driver(url, auth=auth, **DRIVER_OPTIONS)
    yield driver
    driver.close()


@pytest.fixture(scope="session")
def falkordb_server() -> Iterator[EmbeddedFalkorDB]:
    # A short path: unix socket addresses are limited to 108 bytes.
    data_dir = Path(tempfile.mkdtemp(prefix="rapport-"))
    server = EmbeddedFalkorDB(data_dir).start()
    yield server
    server.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


_NEO4J_SCHEMA_MADE: list[object] = []

#: Fixtures that start a store server, a browser or a process of their own: a test that uses
#: one (itself or through another fixture) is marked ``slow``, so ``pytest -m "not slow"`` runs
#: the unit tests alone (domain, analytics, services against tests/fakes.py), in seconds.
SLOW_FIXTURES = frozenset({"falkordb_server", "neo4j_server", "store", "data_dir", "chromium", "external_falkordb"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(params=["falkordb", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest) -> Iterator[GraphStore]:
    """An empty graph store with Rapport's schema, on FalkorDB and then on Neo4j."""
    if request.param == "falkordb":
        server: EmbeddedFalkorDB = request.getfixturevalue("falkordb_server")
        client = FalkorDB(unix_socket_path=str(server.socket_path))
        # As the factory opens it: copies wait for the server's rewrites (see EmbeddedFalkorDB.one_fork).
        graph = FalkorGraphStore(client, f"test_{uuid.uuid4().hex[:12]}", copy_guard=server.one_fork)
        graph.ensure_schema()
        yield graph
        client.select_graph(graph.graph_name).delete()
        client.connection.close()
    else:
        from app.repositories.neo4j_store import Neo4jGraphStore

        driver = request.getfixturevalue("neo4j_driver")
        driver.execute_query("MATCH (n) DETACH DELETE n", database_="neo4j")
        graph = Neo4jGraphStore(driver, "neo4j")
        if driver not in _NEO4J_SCHEMA_MADE:  # the schema outlives the data: made once per server
            graph.ensure_schema()
            _NEO4J_SCHEMA_MADE.append(driver)
        yield graph


def make_app(store: GraphStore, *, sample: bool) -> FastAPI:
    return create_app(Settings(sample_data="yes" if sample else "no"), opened=OpenStore(store))


_PREPARED = PreparedPractices()
#: One app per store kind, its store swapped in per test. Measured: building the API's ~120
#: routes (FastAPI >= 0.160 makes every route's dependants per app) costs 0.3-2 s per app on
#: the 2-core machine, paid by each of ~1,400 tests when each made its own.
_APPS: dict[str, tuple[FastAPI, OpenStore]] = {}


def prepared_app(store: GraphStore, *, sample: bool) -> FastAPI:
    """The API over ``store`` holding the default catalogue (and the sample practice): made
    by the app the first time per store kind and session, a copy of that after. The app is
    shared by the tests on one store kind, with its caches emptied for each."""

    def make() -> None:
        with TestClient(make_app(store, sample=sample)):
            pass

    _PREPARED.into(store, sample=sample, make=make)
    kind = type(store).__name__
    if kind not in _APPS:
        opened = OpenStore(store)
        _APPS[kind] = create_app(Settings(sample_data="no"), opened=opened), opened
    app, opened = _APPS[kind]
    opened.store = store
    app.state.snapshots.invalidate()
    app.state.callers.clear()
    return app


ADMIN_NAME = "Ada Admin"


def admin_key(store: GraphStore) -> str:
    """The first admin key of a fresh practice, as ``rapport keys bootstrap`` makes it."""
    issued = Services.over(store).access().bootstrap_admin(name=ADMIN_NAME)
    assert issued is not None
    return issued.key


@pytest.fixture
def client(store: GraphStore) -> Iterator[TestClient]:
    """The API over an empty practice (default catalogue and categories, and the admin
    team member whose key the client sends)."""
    with TestClient(prepared_app(store, sample=False)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {admin_key(store)}"
        yield test_client


@pytest.fixture
def sample_client(store: GraphStore) -> Iterator[TestClient]:
    """The API over the sample practice, called by an admin."""
    with TestClient(prepared_app(store, sample=True)) as test_client:
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

