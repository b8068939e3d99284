"""The embedded store: socket-only, durable across restarts and kill -9, recovers stale files."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
from falkordb import FalkorDB

from app.domain.errors import StoreUnavailable
from app.repositories.embedded_falkordb import EmbeddedFalkorDB

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir():
    path = Path(tempfile.mkdtemp(prefix="rp-"))
    yield path
    pid_file = path / "falkordb.pid"
    if pid_file.exists():  # never leave a server behind, whatever the test did
        try:
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass


def _graph(server: EmbeddedFalkorDB):
    return FalkorDB(unix_socket_path=str(server.socket_path)).select_graph("durability")


def test_listens_only_on_a_private_unix_socket(data_dir):
    server = EmbeddedFalkorDB(data_dir).start()
    try:
        assert stat.S_IMODE(server.socket_path.stat().st_mode) == 0o700
        config = FalkorDB(unix_socket_path=str(server.socket_path)).connection.config_get("port")
        assert config["port"] == "0"
        assert FalkorDB(unix_socket_path=str(server.socket_path)).connection.config_get("appendonly")["appendonly"] == "yes"
    finally:
        server.stop()
    assert not server.socket_path.exists()


def test_data_survives_a_clean_restart(data_dir):
    server = EmbeddedFalkorDB(data_dir).start()
    _graph(server).query("UNWIND range(1, 500) AS i CREATE (:Entity {id: toString(i)})")
    server.stop()
    server = EmbeddedFalkorDB(data_dir).start()
    try:
        assert _graph(server).ro_query("MATCH (n:Entity) RETURN count(n)").result_set == [[500]]
    finally:
        server.stop()


def test_data_survives_kill_9_of_the_api_and_the_store(data_dir):
    """A separate API process writes through the real service, then both processes are killed."""
    script = textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from fastapi.testclient import TestClient
        from app.core.config import Settings
        from app.main import create_app
        from app.repositories.practice import PracticeRepository
        from app.services.access import AccessService
        app = create_app(Settings(data_dir={str(data_dir)!r}, sample_data="no"))
        with TestClient(app) as client:
            key = AccessService(PracticeRepository(app.state.opened.store)).bootstrap_admin(name="Durable Admin").key
            client.headers["Authorization"] = f"Bearer {{key}}"
            for i in range(50):
                assert client.post("/people", json={{"first_name": f"P{{i}}", "last_name": "Durable"}}).status_code == 201
            print(app.state.opened.embedded.pid, flush=True)
            time.sleep(600)
    """)
    api = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    store_pid = int(api.stdout.readline())
    os.kill(store_pid, signal.SIGKILL)
    api.kill()
    api.wait()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{store_pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)

    # Both died uncleanly: the pid file and socket are stale and must be recovered.
    assert (data_dir / "falkordb.pid").exists()
    server = EmbeddedFalkorDB(data_dir).start()
    try:
        graph = FalkorDB(unix_socket_path=str(server.socket_path)).select_graph("rapport")
        count = graph.ro_query("MATCH (p:Person) WHERE p.last_name = 'Durable' RETURN count(p)").result_set
        assert count == [[50]]
    finally:
        server.stop()


def test_a_running_server_left_by_a_dead_api_is_adopted(data_dir):
    first = EmbeddedFalkorDB(data_dir).start()
    _graph(first).query("CREATE (:Entity {id: 'kept'})")
    second = EmbeddedFalkorDB(data_dir).start()  # as after the API process was killed alone
    try:
        assert second.pid == first.pid
        assert _graph(second).ro_query("MATCH (n:Entity) RETURN n.id").result_set == [["kept"]]
    finally:
        second.stop()


def test_stale_socket_and_pid_file_are_recovered(data_dir):
    data_dir.mkdir(exist_ok=True)
    (data_dir / "falkordb.pid").write_text("999999\n")
    (data_dir / "falkordb.sock").write_text("")  # not a socket any more: a leftover
    server = EmbeddedFalkorDB(data_dir).start()
    try:
        assert _graph(server).query("RETURN 1").result_set == [[1]]
    finally:
        server.stop()


def test_a_server_that_cannot_start_is_reported_clearly(data_dir):
    (data_dir / "appendonlydir").write_text("a file where redis needs a directory")
    with pytest.raises(StoreUnavailable, match="exited with code"):
        EmbeddedFalkorDB(data_dir, start_timeout_s=10).start()


def test_appendfsync_is_checked():
    with pytest.raises(ValueError, match="appendfsync"):
        EmbeddedFalkorDB(Path("/tmp/unused"), appendfsync="sometimes")


def test_a_snapshot_waits_for_indexes_being_built(data_dir):
    """FalkorDB 4.16 deadlocks the whole server when GRAPH.COPY runs while an index is still
    being filled; without the wait this hung on the first try. A watchdog kills the server
    if it hangs, so the test fails instead of hanging."""
    import threading

    from app.repositories.falkordb_store import FalkorGraphStore

    server = EmbeddedFalkorDB(data_dir).start()
    store = FalkorGraphStore(FalkorDB(unix_socket_path=str(server.socket_path)), "practice")
    store.write("UNWIND range(1, 20000) AS i CREATE (:Entity {id: toString(i)})-[:KNOWS {id: toString(i)}]->(:Entity)")
    copied = threading.Event()

    def watchdog() -> None:
        if not copied.wait(30):
            os.kill(server.pid, signal.SIGKILL)

    threading.Thread(target=watchdog, daemon=True).start()
    try:
        for round_ in range(3):
            # Straight from creating an index (filled in the background) to a snapshot.
            store.write(f"CREATE INDEX FOR ()-[r:KNOWS]-() ON (r.extra{round_})")
            with store.snapshot() as frozen:
                assert frozen.read("MATCH ()-[r:KNOWS]->() RETURN count(r) AS n") == [{"n": 20000}]
        copied.set()
    finally:
        copied.set()
        server.stop()
