"""After a bulk load the embedded store's log is compact: a restart, even after ``kill -9``,
loads an RDB base instead of running every write of the load again (which took 122 s for a
5,000 / 25,000 practice that loaded in 1.2 s), and finds every record.

Checked on the files, not on the clock: the base of the append-only file is an RDB, and the
incremental part that a start must run again is (next to) empty."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from falkordb import FalkorDB

from app.core.config import Settings
from app.domain.access import LOCAL_OPERATOR
from app.repositories.embedded_falkordb import (
    AUTO_REWRITE_PERCENTAGE,
    BULK_AUTO_REWRITE_PERCENTAGE,
    REWRITE_WORTH_BYTES,
)
from app.repositories.factory import OpenStore, open_store
from app.repositories.practice import PracticeRepository
from app.services.backup import backup, restore
from app.services.catalogue import CatalogueService
from app.services.export import write_import_files
from app.services.generator import generate_practice
from app.services.transfer import FileSource, import_practice, load_generated_practice

#: Starts, kills and reopens store servers of its own.
pytestmark = pytest.mark.slow

ENTITIES, RELATIONSHIPS = 400, 3_000


@pytest.fixture
def settings() -> Iterator[Settings]:
    path = Path(tempfile.mkdtemp(prefix="rr-"))  # short: the store's unix socket lives in it
    yield Settings(data_dir=path, sample_data="no")
    pid_file = path / "falkordb.pid"
    if pid_file.exists():  # never leave a store server behind
        try:
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    shutil.rmtree(path, ignore_errors=True)


def _kill_9(opened: OpenStore) -> None:
    """Kill the store server as a crash would: no shutdown, so no rewrite at shutdown."""
    pid = opened.embedded.pid
    opened.store.close()
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        try:
            os.waitpid(pid, os.WNOHANG)  # it is our child: reap it
        except ChildProcessError:
            pass
        time.sleep(0.02)


def _auto_rewrite_percentage(opened: OpenStore) -> str:
    client = FalkorDB(unix_socket_path=str(opened.embedded.socket_path)).connection
    return client.config_get("auto-aof-rewrite-percentage")["auto-aof-rewrite-percentage"]


def _watch_bulk_load(opened: OpenStore) -> list[str]:
    """The automatic rewrite percentage in force inside each bulk load the store is told of."""
    seen: list[str] = []
    guard = opened.store._bulk_guard

    @contextmanager
    def watched() -> Iterator[None]:
        with guard():
            seen.append(_auto_rewrite_percentage(opened))
            yield

    opened.store._bulk_guard = watched
    return seen


def _log_files(data_dir: Path) -> tuple[Path, list[Path]]:
    """The base and incremental files the append-only manifest names."""
    folder = data_dir / "appendonlydir"
    base, incremental = None, []
    for line in (folder / "appendonly.aof.manifest").read_text().splitlines():
        fields = line.split()
        name, kind = fields[fields.index("file") + 1], fields[fields.index("type") + 1]
        if kind == "b":
            base = folder / name
        elif kind == "i":
            incremental.append(folder / name)
    assert base is not None
    return base, incremental


def _load_demo(repository: PracticeRepository, tmp_path: Path) -> object:
    return load_generated_practice(repository, ENTITIES, RELATIONSHIPS, caller=LOCAL_OPERATOR, seed=4)


def _load_import(repository: PracticeRepository, tmp_path: Path) -> object:
    write_import_files(generate_practice(ENTITIES, RELATIONSHIPS, seed=4), tmp_path / "files")
    CatalogueService(repository, LOCAL_OPERATOR).seed_defaults()
    return import_practice(repository, FileSource([tmp_path / "files"]), caller=LOCAL_OPERATOR)


@pytest.mark.parametrize("load", [_load_demo, _load_import], ids=["generated", "import"])
def test_a_bulk_load_leaves_a_compact_log_and_a_killed_store_reopens_whole(
    settings: Settings, tmp_path: Path, load: Callable[[PracticeRepository, Path], object],
):
    opened = open_store(settings)
    repository = PracticeRepository(opened.store)
    during = _watch_bulk_load(opened)
    report = load(repository, tmp_path)
    size = repository.practice_size()
    # Redis' own rewrites waited for a larger growth during the load, and are back to theirs.
    assert during == [str(BULK_AUTO_REWRITE_PERCENTAGE)]
    assert _auto_rewrite_percentage(opened) == str(AUTO_REWRITE_PERCENTAGE)
    assert size[1] >= RELATIONSHIPS
    # Rewritten by the load, or by redis itself near its end (then the tail is too small to be worth it).
    assert report.compaction is not None and report.compaction.problem is None, report.compaction
    _kill_9(opened)

    base, incremental = _log_files(settings.data_dir)
    # The base is an RDB snapshot (redis' "REDIS" magic) holding the load, so a start loads it
    # instead of running the load's queries again; what is left to run again is next to nothing.
    assert base.name.endswith(".base.rdb") and base.read_bytes()[:5] == b"REDIS"
    assert base.stat().st_size > 200_000
    assert sum(path.stat().st_size for path in incremental) < REWRITE_WORTH_BYTES

    reopened = open_store(settings)
    try:
        assert PracticeRepository(reopened.store).practice_size() == size
    finally:
        reopened.close()


def test_a_restore_leaves_a_compact_log(settings: Settings, tmp_path: Path):
    opened = open_store(settings)
    try:
        repository = PracticeRepository(opened.store)
        load_generated_practice(repository, ENTITIES, RELATIONSHIPS, caller=LOCAL_OPERATOR, seed=4)
        size = repository.practice_size()
        backup(repository, tmp_path / "practice.gz")
        during = _watch_bulk_load(opened)
        report = restore(repository, tmp_path / "practice.gz", caller=LOCAL_OPERATOR, force=True)
        assert during == [str(BULK_AUTO_REWRITE_PERCENTAGE)]
        # Rewritten by the load, or by redis itself near its end (then the tail is too small to be worth it).
        assert report.compaction is not None and report.compaction.problem is None, report.compaction
        assert repository.practice_size() == size
        _, incremental = _log_files(settings.data_dir)
        assert sum(path.stat().st_size for path in incremental) < REWRITE_WORTH_BYTES
    finally:
        opened.close()
