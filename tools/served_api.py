"""The API served as in production, for tests and tools: ``rapport serve`` in a process of its
own, on an embedded store in a fresh data directory, with a first admin key.

    with served_api() as api:
        httpx.get(f"{api.url}/me", headers={"Authorization": f"Bearer {api.key}"})

``peak_rss_mib`` and ``rss_mib`` read the server's memory from /proc (Linux).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ServedApi:
    url: str
    host: str
    port: int
    key: str
    pid: int
    data_dir: Path

    def status(self, field: str) -> int:
        """A field of /proc/PID/status in KiB (VmRSS: resident now; VmHWM: the peak so far)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise KeyError(field)

    def rss_mib(self) -> float:
        return self.status("VmRSS") / 1024

    def peak_rss_mib(self) -> float:
        return self.status("VmHWM") / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served_api(*, sample: bool = False, env: dict[str, str] | None = None, command: list[str] | None = None,
               cwd: Path = ROOT, startup_s: float = 90) -> Iterator[ServedApi]:
    """Serve the API until the block ends. ``command`` replaces ``rapport serve`` (it gets
    ``--port`` appended); ``cwd`` is where it runs (another checkout, to compare)."""
    data_dir = Path(tempfile.mkdtemp(prefix="rs-"))  # short: the store's unix socket lives in it
    port = free_port()
    process = subprocess.Popen(
        [*(command or [sys.executable, "-m", "app.cli", "serve", "--log-level", "warning"]), "--port", str(port)],
        cwd=cwd, start_new_session=True,
        env={**os.environ, "RAPPORT_DATA_DIR": str(data_dir), "RAPPORT_SAMPLE_DATA": "yes" if sample else "no",
             "RAPPORT_GRAPH_URL": "", **(env or {})},
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, process, startup_s)
        yield ServedApi(url, "127.0.0.1", port, _bootstrap_key(data_dir), process.pid, data_dir)
    finally:
        _stop(process, data_dir)


def _wait_until_up(url: str, process: subprocess.Popen, startup_s: float) -> None:
    deadline = time.monotonic() + startup_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the API exited with {process.returncode} before it answered")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the API did not answer within {startup_s:.0f} s")


def _bootstrap_key(data_dir: Path) -> str:
    from falkordb import FalkorDB

    from app.bootstrap import Services
    from app.repositories.falkordb_store import FalkorGraphStore

    client = FalkorDB(unix_socket_path=str(data_dir / "falkordb.sock"))
    try:
        issued = Services.over(FalkorGraphStore(client, "rapport")).access().bootstrap_admin(name="Served Admin")
    finally:
        client.connection.close()
    if issued is None:
        raise RuntimeError("the store already has an admin key")
    return issued.key


def _stop(process: subprocess.Popen, data_dir: Path) -> None:
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    pid_file = data_dir / "falkordb.pid"
    if pid_file.exists():  # never leave a store server behind
        try:
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    shutil.rmtree(data_dir, ignore_errors=True)


@dataclass
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: bytes
    #: Bytes of the body the client had sent when the answer came (the server may not have read them all).
    sent: int
    closed: bool


def raw_request(api: ServedApi, head: bytes, body: Iterator[bytes] = iter(()), *, timeout_s: float = 60) -> RawAnswer:
    """Send a request's head, then its body piece by piece, while watching for the answer:
    the answer may come before the body is sent (a refusal from the headers, or once the
    server has read enough), and then the rest is not sent. Plain sockets, so nothing but
    the pieces in flight is held here."""
    import selectors

    sock = socket.create_connection((api.host, api.port))
    sock.setblocking(False)
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    pending, sent, received = memoryview(head), 0, b""
    in_head = True
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            events = selector.select(timeout=1)
            readable = any(mask & selectors.EVENT_READ for _, mask in events)
            if readable:
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    data = b""
                received += data
                if not data or _complete(received):
                    break
                continue
            if any(mask & selectors.EVENT_WRITE for _, mask in events):
                if not pending:
                    piece = next(body, None)
                    if piece is None:  # all sent: now only the answer
                        selector.modify(sock, selectors.EVENT_READ)
                        continue
                    pending, in_head = memoryview(piece), False
                try:
                    n = sock.send(pending)
                except (BrokenPipeError, ConnectionResetError):
                    selector.modify(sock, selectors.EVENT_READ)
                    continue
                pending = pending[n:]
                if not in_head:
                    sent += n
        else:
            raise TimeoutError("no answer")
        sock.settimeout(5)  # then: does the server close the connection?
        try:
            closed = sock.recv(1) == b""
        except TimeoutError:
            closed = False
        except OSError:
            closed = True
    finally:
        selector.close()
        sock.close()
    head_text, _, answer = received.partition(b"\r\n\r\n")
    lines = head_text.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    return RawAnswer(int(lines[0].split()[1]), headers, answer, sent, closed)


def _complete(received: bytes) -> bool:
    head, found, body = received.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def chunked(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """``pieces`` in HTTP/1.1 chunked framing."""
    for piece in pieces:
        yield b"%x\r\n" % len(piece) + piece + b"\r\n"
    yield b"0\r\n\r\n"
