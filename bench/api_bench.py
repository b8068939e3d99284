"""API speed on the embedded default, next to a bare FastAPI peer measured in the same run.

Reads: ``GET /clients/{id}`` (client + owner + members, one Cypher query) under wrk, against a
bare FastAPI route returning the same JSON; the ratio is the figure. Writes: relationships
created through ``POST /relationships/batch``, next to the same rows written straight into
the store with the batch query (no HTTP, no validation).

Needs ``wrk`` (Debian package ``wrk``). Example: ``.venv/bin/python bench/api_bench.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def start_uvicorn(app: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--workers", "1", "--no-access-log",
         "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, **env}, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{app} did not start on port {port}")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: _ms(re.search(rf"^\s+{p}%\s+(\S+)", out, re.M).group(1)) for p in ("50", "99")}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50_ms": latency["50"], "p99_ms": latency["99"], "errors": int(errors.group(1)) if errors else 0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def bench_reads(base: str, peer_base: str, client_id: str, seconds: int, connections: int) -> None:
    wrk(f"{base}/clients/{client_id}", 2, connections)  # warm both
    wrk(f"{peer_base}/clients/{client_id}", 2, connections)
    ours = wrk(f"{base}/clients/{client_id}", seconds, connections)
    peer = wrk(f"{peer_base}/clients/{client_id}", seconds, connections)
    print(f"\nGET /clients/{{id}}: wrk, 1 thread, {connections} connections, {seconds} s each, one uvicorn worker")
    print(f"{'':28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, figures in (("Rapport (graph read)", ours), ("bare FastAPI, same JSON", peer)):
        print(f"{name:28}{figures['rps']:>10.0f}{figures['p50_ms']:>10.2f}{figures['p99_ms']:>10.2f}{figures['errors']:>10}")
    print(f"ratio Rapport / bare: {ours['rps'] / peer['rps']:.2f} of the throughput")
    print(f"target: >= 1,000 req/s and p99 <= 20 ms -> {'met' if ours['rps'] >= 1000 and ours['p99_ms'] <= 20 else 'NOT met'}")


def bench_batch_writes(base: str, data_dir: Path, people: int, relationships: int, batch: int) -> None:
    with httpx.Client(base_url=base, timeout=600) as http:
        ids = [http.post("/people", json={"first_name": f"Bench{i}", "last_name": "Person"}).json()["id"] for i in range(people)]
        rng = random.Random(7)
        pairs: set[tuple[int, int]] = set()
        while len(pairs) < relationships:
            a, b = rng.sample(range(people), 2)
            pairs.add((min(a, b), max(a, b)))
        rows = [{"type": "ACQUAINTANCE_OF", "from_id": ids[a], "to_id": ids[b], "strength": 0.5} for a, b in pairs]
        started = time.perf_counter()
        for start in range(0, len(rows), batch):
            response = http.post("/relationships/batch", json={"relationships": rows[start:start + batch]})
            response.raise_for_status()
        api_seconds = time.perf_counter() - started
    direct = _direct_store_rate(data_dir, ids, relationships, batch)
    print(f"\nCreating relationships: {relationships:,} between {people:,} people, batches of {batch:,}")
    print(f"{'POST /relationships/batch (checked, HTTP)':46}{relationships / api_seconds:>12,.0f} /s")
    print(f"{'same rows straight into the store (peer)':46}{direct:>12,.0f} /s")
    print(f"target: >= 20,000 /s through the API -> {'met' if relationships / api_seconds >= 20_000 else 'NOT met'}")


def _direct_store_rate(data_dir: Path, ids: list[str], count: int, batch: int) -> float:
    from falkordb import FalkorDB

    from app.domain.model import new_relationship_id
    from app.repositories.falkordb_store import FalkorGraphStore
    from app.repositories.practice import PracticeRepository

    client = FalkorDB(unix_socket_path=str(data_dir / "falkordb.sock"))
    repository = PracticeRepository(FalkorGraphStore(client, "rapport"))
    rng = random.Random(11)
    rows = [
        {"type": "KNOWS_BENCH", "from_id": rng.choice(ids), "to_id": rng.choice(ids),
         "properties": {"id": new_relationship_id("KNOWS_BENCH"), "category": "other", "version": 1}}
        for _ in range(count)
    ]
    repository.ensure_relationship_indexes(["KNOWS_BENCH"])
    started = time.perf_counter()
    for start in range(0, count, batch):
        repository.create_relationships_batch(rows[start:start + batch])
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--relationships", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench/api_bench.py needs wrk: apt-get install wrk")

    data_dir = Path(tempfile.mkdtemp(prefix="rapport-bench-"))
    document = data_dir / "client.json"
    api = start_uvicorn("app.main:app", 8811, {"RAPPORT_DATA_DIR": str(data_dir), "RAPPORT_SAMPLE_DATA": "auto"})
    peer = None
    try:
        base = "http://127.0.0.1:8811"
        client_id = httpx.get(f"{base}/clients", params={"name": "Elliott Household"}).json()["items"][0]["id"]
        document.write_text(json.dumps(httpx.get(f"{base}/clients/{client_id}").json()))
        peer = start_uvicorn("bench.peer_app:app", 8812, {"RAPPORT_BENCH_DOCUMENT": str(document)})
        print(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}")
        bench_reads(base, "http://127.0.0.1:8812", client_id, args.seconds, args.connections)
        bench_batch_writes(base, data_dir, args.people, args.relationships, args.batch)
    finally:
        if peer is not None:
            stop(peer)
        stop(api)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
