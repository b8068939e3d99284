"""Fixtures: every integration test runs against a real graph store.

The embedded FalkorDB server starts once per session; each test gets its own empty graph.
The same tests run against Neo4j 5 in a testcontainers container when a Docker engine is
reachable, and are reported as skipped, with the reason, when it is not.
"""

from __future__ import annotations

import shutil
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
from app.repositories.embedded_falkordb import EmbeddedFalkorDB
from app.repositories.factory import OpenStore
from app.repositories.falkordb_store import FalkorGraphStore
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


@pytest.fixture
def client(store: GraphStore) -> Iterator[TestClient]:
    """The API over an empty practice (default catalogue and categories only)."""
    with TestClient(make_app(store, sample=False)) as test_client:
        yield test_client


@pytest.fixture
def sample_client(store: GraphStore) -> Iterator[TestClient]:
    """The API over the sample practice."""
    with TestClient(make_app(store, sample=True)) as test_client:
        yield test_client
