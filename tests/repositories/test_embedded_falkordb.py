"""The embedded store: socket-only, durable across restarts and kill -9, recovers stale files,
keeps its append-only file compact, and waits for (never stops) a store that is loading."""

from __future__ import annotations

import os
import shutil
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
from app.repositories.embedded_falkordb import (
    AUTO_REWRITE_MIN_SIZE,
    AUTO_REWRITE_PERCENTAGE,
    FORK_LOCK_KEY,
    REWRITE_WORTH_BYTES,
    EmbeddedFalkorDB,
    StoreStillLoading,
)

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
    shutil.rmtree(path, ignore_errors=True)


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
        from app.bootstrap import Services
        from app.core.config import Settings
        from app.main import create_app
        app = create_app(Settings(data_dir={str(data_dir)!r}, sample_data="no"))
        with TestClient(app) as client:
            key = Services.over(app.state.opened.store).access().bootstrap_admin(name="Durable Admin").key
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
    store = FalkorGraphStore(FalkorDB(unix_socket_path=str(server.socket_path)), "practice", copy_guard=server.one_fork)
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


# -- the append-only file stays compact -------------------------------------------------------


def _aof_files(data_dir: Path) -> dict[str, Path]:
    """The files the manifest names, by type: ``b`` (base) and ``i`` (incremental, the last)."""
    folder = data_dir / "appendonlydir"
    files = {}
    for line in (folder / "appendonly.aof.manifest").read_text().splitlines():
        fields = line.split()
        files[fields[fields.index("type") + 1]] = folder / fields[fields.index("file") + 1]
    return files


def test_redis_rewrites_the_log_by_itself_past_our_thresholds(data_dir):
    server = EmbeddedFalkorDB(data_dir).start()
    try:
        config = FalkorDB(unix_socket_path=str(server.socket_path)).connection.config_get("auto-aof-rewrite-*")
        assert config == {"auto-aof-rewrite-min-size": str(AUTO_REWRITE_MIN_SIZE),
                          "auto-aof-rewrite-percentage": str(AUTO_REWRITE_PERCENTAGE)}
        assert AUTO_REWRITE_MIN_SIZE < 64 * 1024 * 1024  # redis' default: minutes of queries to run again
    finally:
        server.stop()


def test_a_clean_shutdown_rewrites_the_log_into_an_rdb_base(data_dir):
    server = EmbeddedFalkorDB(data_dir).start()
    graph = _graph(server)
    for i in range(300):  # one query each, as the API writes: ~100 KB of log
        graph.query(f"CREATE (:Entity {{id: '{i}', note: '{'n' * 200}'}})")
    base, incremental = server.append_only_sizes()
    assert incremental > REWRITE_WORTH_BYTES
    server.stop()
    files = _aof_files(data_dir)
    assert files["b"].name.endswith(".base.rdb") and files["b"].read_bytes()[:5] == b"REDIS"
    assert files["i"].stat().st_size < 1024  # the release of the rewrite's lock key at most
    server = EmbeddedFalkorDB(data_dir).start()
    try:
        assert _graph(server).ro_query("MATCH (n:Entity) RETURN count(n)").result_set == [[300]]
    finally:
        server.stop()


def test_a_small_tail_is_not_worth_a_rewrite_at_shutdown(data_dir):
    server = EmbeddedFalkorDB(data_dir).start()
    _graph(server).query("CREATE (:Entity {id: 'one'})")
    server.stop()
    files = _aof_files(data_dir)
    assert files["i"].stat().st_size > 0 and files["b"].stat().st_size < 1024  # left as it was


def test_a_rewrite_waits_for_one_already_running(data_dir):
    server = EmbeddedFalkorDB(data_dir).start()
    try:
        _graph(server).query("UNWIND range(1, 5000) AS i CREATE (:Entity {id: toString(i)})")
        FalkorDB(unix_socket_path=str(server.socket_path)).connection.bgrewriteaof()  # as redis' own would
        _graph(server).query("UNWIND range(1, 5000) AS i CREATE (:Other {id: toString(i)})")
        compaction = server.rewrite_append_only_file()
        assert compaction.done and compaction.problem is None
        assert server.append_only_sizes()[1] < 1024
    finally:
        server.stop()


# -- starting a store that is loading ---------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _loading(percent: float) -> tuple[str, dict]:
    return "loading", {"loading": 1, "loading_loaded_perc": percent, "loading_eta_seconds": 30,
                       "loading_loaded_bytes": int(percent * 1e5), "loading_total_bytes": int(1e7)}


def test_the_start_waits_while_the_store_answers_loading_and_shows_progress():
    seen = []
    server = EmbeddedFalkorDB(Path("/tmp/unused"), start_timeout_s=60, on_loading=seen.append)
    answers = iter([("absent", {}), _loading(10.0), _loading(55.5), ("silent", {}), _loading(90.0), ("ready", {})])
    clock = _Clock()
    server.wait_until_ready(lambda: next(answers), alive=lambda: True, exited=lambda: "exited",
                            clock=clock, sleep=clock.sleep)
    assert [p.percent for p in seen] == [10.0, 55.5, 55.5, 90.0]  # silent (busy) keeps the last figures
    assert "55.5% loaded of 10.0 MB, about 30 s left" in seen[1].describe()


def test_past_the_limit_a_loading_store_is_reported_and_left_running():
    server = EmbeddedFalkorDB(Path("/tmp/unused"), start_timeout_s=5)
    server.pid = 4321
    clock = _Clock()
    with pytest.raises(StoreStillLoading) as raised:
        server.wait_until_ready(lambda: _loading(42.5), alive=lambda: True, exited=lambda: "exited",
                                clock=clock, sleep=clock.sleep)
    message = raised.value.detail
    assert "(pid 4321) is still loading its data after 5.0 s: 42.5% loaded of 10.0 MB" in message
    assert "left running" in message and "raise RAPPORT_STORE_START_TIMEOUT (now 5 s)" in message
    assert server.pid == 4321  # nothing stopped it


def test_a_store_that_never_answers_is_reported_as_such():
    seen = []
    server = EmbeddedFalkorDB(Path("/tmp/unused"), start_timeout_s=2, on_loading=seen.append)
    clock = _Clock()
    with pytest.raises(StoreUnavailable, match="did not answer within 2.0 s") as raised:
        server.wait_until_ready(lambda: ("silent", {}), alive=lambda: True, exited=lambda: "exited",
                                clock=clock, sleep=clock.sleep)
    assert not isinstance(raised.value, StoreStillLoading)
    # Waiting is shown all the same (a server loading a large base can be silent for seconds).
    assert seen and seen[-1].describe() == "busy loading (no progress figures yet)"


def test_a_server_that_exits_while_loading_is_a_failed_start_not_a_slow_one():
    server = EmbeddedFalkorDB(Path("/tmp/unused"), start_timeout_s=60)
    states = iter([True, True, False])
    clock = _Clock()
    with pytest.raises(StoreUnavailable, match="exited with code 1: the log") as raised:
        server.wait_until_ready(lambda: _loading(3.0), alive=lambda: next(states),
                                exited=lambda: "exited with code 1: the log", clock=clock, sleep=clock.sleep)
    assert not isinstance(raised.value, StoreStillLoading)


def test_start_timeout_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        EmbeddedFalkorDB(Path("/tmp/unused"), start_timeout_s=0)


def test_a_slow_loading_store_is_waited_for_then_left_running_past_the_limit(data_dir):
    """A real server slowed down by redis' own key-load-delay (1 ms per key: at least 5 s for
    5,000 keys, however fast the machine), so the limit of 2.5 s (room for a slow start on a
    busy machine) is always reached mid-load."""
    server = EmbeddedFalkorDB(data_dir).start()
    client = FalkorDB(unix_socket_path=str(server.socket_path)).connection
    client.mset({f"filler:{i}": "x" * 20 for i in range(5000)})
    _graph(server).query("UNWIND range(1, 100) AS i CREATE (:Entity {id: toString(i)})")
    assert server.rewrite_append_only_file().done  # all of it in the RDB base, which redis slows down
    server.stop()
    seen = []
    slow = EmbeddedFalkorDB(data_dir, start_timeout_s=2.5, on_loading=seen.append, server_args=[
        "--key-load-delay", "1000", "--loading-process-events-interval-bytes", "1024"])
    with pytest.raises(StoreStillLoading, match=r"is still loading its data after .* loaded of 0\.\d MB"):
        slow.start()
    assert seen and all(p.percent is not None for p in seen)
    os.kill(slow.pid, 0)  # still running: not stopped for our own limit
    again = EmbeddedFalkorDB(data_dir).start()  # adopts it and waits as long as it takes
    try:
        assert again.adopted and again.pid == slow.pid
        assert _graph(again).ro_query("MATCH (n:Entity) RETURN count(n)").result_set == [[100]]
    finally:
        again.stop()


def test_a_snapshot_waits_for_a_rewrite_in_progress(data_dir):
    """FalkorDB 4.16 hangs the whole server when GRAPH.COPY cannot fork because a rewrite's
    child runs (it did, on the first try, without the guard). Redis' rdb-key-save-delay keeps
    the child writing for at least 2 s (1 ms for each of 2,000 keys), so the copy is always
    asked for while it runs; a watchdog kills the server if it hangs."""
    import threading

    from app.core.config import Settings
    from app.repositories.factory import open_store

    opened = open_store(Settings(data_dir=data_dir, sample_data="no"))
    server, store = opened.embedded, opened.store
    raw = FalkorDB(unix_socket_path=str(server.socket_path)).connection
    store.write("UNWIND range(1, 2000) AS i CREATE (:Entity {id: 'n' + toString(i)})")
    raw.mset({f"filler:{i}": "x" for i in range(2000)})
    raw.config_set("rdb-key-save-delay", 1000)
    copied = threading.Event()

    def watchdog() -> None:
        if not copied.wait(60):
            os.kill(server.pid, signal.SIGKILL)

    threading.Thread(target=watchdog, daemon=True).start()
    try:
        raw.bgrewriteaof()
        assert raw.info("persistence")["aof_rewrite_in_progress"] == 1
        with store.snapshot() as frozen:
            assert frozen.read("MATCH (n:Entity) RETURN count(n) AS n") == [{"n": 2000}]
        copied.set()
        config = raw.config_get("auto-aof-rewrite-percentage")
        assert config == {"auto-aof-rewrite-percentage": str(AUTO_REWRITE_PERCENTAGE)}  # restored after the copy
        assert raw.get(FORK_LOCK_KEY) is None
    finally:
        copied.set()
        raw.config_set("rdb-key-save-delay", 0)
        opened.close()
