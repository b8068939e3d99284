"""Start Rapport's Neo4j test server (``tools/neo4j/serve``) from Python: tests and benches.

Test tooling only: the server links Neo4j Community (GPL-3.0) and never goes into the wheel.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

SERVE = Path(__file__).resolve().parent / "serve"
_READY = re.compile(r"ready (bolt://\S+)")

#: First use builds the server (Maven downloads ~160 MB of jars: about a minute here);
#: a built server starts in 7-60 s on our 2 cores, depending on their load.
START_LIMIT_S = 300


def missing_tools() -> str | None:
    """Why the test server cannot be built or run here, or None."""
    for tool in ("java", "mvn"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed (the Neo4j test server needs Java 17 and Maven)"
    return None


@dataclass
class Neo4jTestServer:
    """A running test server; ``stop()`` (or the end of a ``with`` block) ends it."""

    url: str
    user: str
    password: str
    process: subprocess.Popen[str]
    started_in_s: float
    _log: deque[str] = field(default_factory=lambda: deque(maxlen=200), repr=False)

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, self.password)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Neo4jTestServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(
    port: int = 0, *, password: str | None = None, java_opts: str | None = None, page_cache_mb: int | None = None
) -> Neo4jTestServer:
    """Build (first use) and start the test server; return once Bolt answers.
    ``page_cache_mb``: Neo4j's page cache (the server's default: 128 MB)."""
    password = password or secrets.token_urlsafe(16)
    env = dict(os.environ, NEO4J_PASSWORD=password)
    if java_opts:
        env["NEO4J_JAVA_OPTS"] = java_opts
    if page_cache_mb:
        env["NEO4J_PAGECACHE_MB"] = str(page_cache_mb)
    started = time.monotonic()
    process = subprocess.Popen(
        [str(SERVE), str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    log: deque[str] = deque(maxlen=200)
    ready: list[str] = []
    got_ready = threading.Event()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            log.append(line.rstrip())
            # Anywhere in the line: Maven's colour resets may come first, with no newline.
            found = _READY.search(line)
            if found and not ready:
                ready.append(found[1])
                got_ready.set()
        got_ready.set()  # the server exited: stop waiting

    threading.Thread(target=pump, name="neo4j-test-server-log", daemon=True).start()
    if not got_ready.wait(START_LIMIT_S) or not ready:
        process.kill()
        process.wait()
        tail = "\n".join(log)
        raise RuntimeError(f"the Neo4j test server did not start (tools/neo4j/serve); its output:\n{tail}")
    return Neo4jTestServer(ready[0], "neo4j", password, process, time.monotonic() - started, log)
