"""API speed on the embedded default, next to a bare FastAPI peer measured in the same run.

Reads: ``GET /clients/{id}`` (client + owner + members, one Cypher query) under wrk, against a
bare FastAPI route returning the same JSON; the ratio is the figure. Every request carries an
API key (the bench bootstraps the first admin key straight in the store); a warm key costs a
sha256 and a dict lookup, which the bench measures, and it counts the store queries per
request to show the key is not looked up each time. Writes: relationships created through
``POST /relationships/batch`` (checks, an audit record per relationship), next to the same
rows and records written straight into the store with the batch query (no HTTP, no checks).
Both print the CPU each process spent per request or per 10,000 relationships: API and
store share the machine's two cores. Writes run with one batch request at a time, then with
two in flight (a loader with two connections): then the API's checks and encoding of one
batch overlap the store's write of the other, on the other core.

Server settings, as measured here (2 cores, 8 connections): uvicorn's httptools parser and
uvloop loop (its defaults when installed, as ``uvicorn[standard]`` installs them; passed
explicitly below) against h11 and asyncio: h11 ~20% fewer requests/s, asyncio's loop p99 of
50-60 ms instead of 16-20. Responses are written by FastAPI's default path for a
``response_model``: pydantic-core serializes straight to JSON bytes; a custom response class
(ORJSONResponse, for one) would turn that path off.

Needs ``wrk`` (Debian package ``wrk``). Example: ``.venv/bin/python bench/api_bench.py --runs 3``.
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
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def start_uvicorn(app: str, port: int, env: dict[str, str], options: list[str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--workers", "1", "--no-access-log",
         "--log-level", "warning", *options],
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


def wrk(url: str, seconds: int, connections: int, key: str) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {key}", url],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: _ms(re.search(rf"^\s+{p}%\s+(\S+)", out, re.M).group(1)) for p in ("50", "99")}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50_ms": latency["50"], "p99_ms": latency["99"], "errors": int(errors.group(1)) if errors else 0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def bench_reads(
    base: str, peer_base: str, client_id: str, seconds: int, connections: int, key: str, store, pids: dict[str, int]
) -> None:
    url, peer_url = f"{base}/clients/{client_id}", f"{peer_base}/clients/{client_id}"
    wrk(url, 2, connections, key)  # warm both
    wrk(peer_url, 2, connections, key)
    queries_before, cpu_before = _store_queries(store), {name: cpu_seconds(pid) for name, pid in pids.items()}
    ours = wrk(url, seconds, connections, key)
    queries = _store_queries(store) - queries_before
    cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
    peer_cpu_before = cpu_seconds(pids["peer"])
    peer = wrk(peer_url, seconds, connections, key)
    cpu["peer"] = cpu_seconds(pids["peer"]) - peer_cpu_before
    print(f"\nGET /clients/{{id}}: wrk, 1 thread, {connections} connections, {seconds} s each, one uvicorn worker")
    print(f"{'':28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, figures in (("Rapport (graph read)", ours), ("bare FastAPI, same JSON", peer)):
        print(f"{name:28}{figures['rps']:>10.0f}{figures['p50_ms']:>10.2f}{figures['p99_ms']:>10.2f}{figures['errors']:>10}")
    print(f"ratio Rapport / bare: {ours['rps'] / peer['rps']:.2f} of the throughput")
    # One query (the client) per request: the API key is checked against the store only when
    # its cached caller expires (every auth_cache_s seconds), not per request.
    requests = ours["rps"] * seconds
    print(f"store queries per request: {queries / requests:.3f}")
    # The two processes share two cores: the API process's CPU per request bounds its throughput.
    print(f"CPU per request: API process {cpu['api'] / requests * 1000:.2f} ms, store {cpu['store'] / requests * 1000:.2f} ms; "
          f"bare FastAPI {cpu['peer'] / (peer['rps'] * seconds) * 1000:.2f} ms")
    print(f"target: >= 1,000 req/s and p99 <= 20 ms -> {'met' if ours['rps'] >= 1000 and ours['p99_ms'] <= 20 else 'NOT met'}")


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _store_queries(store) -> int:
    """GRAPH.QUERY and GRAPH.RO_QUERY calls the store has served so far."""
    stats = store.connection.info("commandstats")
    return sum(v["calls"] for k, v in stats.items() if k.lower() in ("cmdstat_graph.query", "cmdstat_graph.ro_query"))


def bench_auth(store, key: str) -> None:
    """What authentication costs a request in-process: a warm key is a sha256 and a dict lookup."""
    from app.repositories.falkordb_store import FalkorGraphStore
    from app.repositories.practice import PracticeRepository
    from app.services.access import AccessService, CallerCache, hash_key

    cache = CallerCache(60)
    access = AccessService(PracticeRepository(FalkorGraphStore(store, "rapport")), cache=cache)
    rounds = 20_000
    started = time.perf_counter()
    for _ in range(rounds):
        cache.get(hash_key(key))
    warm_us = (time.perf_counter() - started) / rounds * 1e6
    started = time.perf_counter()
    for _ in range(200):
        cache.clear()
        access.authenticate(key)
    cold_us = (time.perf_counter() - started) / 200 * 1e6
    print(f"authentication per request: cached key {warm_us:.1f} us (sha256 + dict lookup), "
          f"uncached {cold_us:.0f} us (store round trip)")


def bench_batch_writes(
    base: str, data_dir: Path, people: int, relationships: int, batch: int, key: str, run: int, pids: dict[str, int],
    in_flight: int,
) -> float:
    """Print one write run's figures; return its rate through the API."""
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, timeout=600, headers=headers) as http:
        # New people each run, so a repeated run creates no duplicate relationship.
        ids = [http.post("/people", json={"first_name": f"Bench{i}", "last_name": f"Run{run}"}).json()["id"] for i in range(people)]
    rng = random.Random(7)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < relationships:
        a, b = rng.sample(range(people), 2)
        pairs.add((min(a, b), max(a, b)))
    rows = [{"type": "ACQUAINTANCE_OF", "from_id": ids[a], "to_id": ids[b], "strength": 0.5} for a, b in pairs]
    # The load generator's own work is kept out of the timed part, as wrk's is for reads: the
    # request bodies are JSON before the clock starts, and each sending thread keeps one
    # connection. (Encoding 10,000 rows with httpx's json= took ~15-20 ms a batch here, on the
    # same two cores as the API and the store.)
    bodies = [json.dumps({"relationships": rows[start:start + batch]}).encode() for start in range(0, len(rows), batch)]
    connections, opened = threading.local(), []

    def send(body: bytes) -> None:
        if not hasattr(connections, "http"):
            connections.http = httpx.Client(base_url=base, timeout=600, headers={**headers, "Content-Type": "application/json"})
            opened.append(connections.http)
        connections.http.post("/relationships/batch", content=body).raise_for_status()

    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items() if name != "peer"}
    rewrites_before = _aof_rewrites(data_dir)
    started = time.perf_counter()
    # One batch at a time, or several at once (a loader with a few connections): the checks
    # and the HTTP work of one batch then overlap the store's write of another.
    with ThreadPoolExecutor(in_flight) as pool:
        list(pool.map(send, bodies))
    api_seconds = time.perf_counter() - started
    for http in opened:
        http.close()
    cpu = {name: (cpu_seconds(pids[name]) - before) / relationships * 10_000 for name, before in cpu_before.items()}
    direct = _direct_store_rate(data_dir, ids, relationships, batch)
    print(f"\nCreating relationships: {relationships:,} between {people:,} people, batches of {batch:,}, "
          f"{in_flight} request{'s' if in_flight > 1 else ''} in flight")
    print(f"{'POST /relationships/batch (checked, HTTP)':46}{relationships / api_seconds:>12,.0f} /s")
    print(f"{'same rows straight into the store (peer)':46}{direct:>12,.0f} /s")
    print(f"CPU per 10,000 through the API: API process {cpu['api']:.2f} s, store {cpu['store']:.2f} s")
    # Redis rewrites the append-only file when it has doubled (a forked child writes the whole
    # graph out): on two cores that competes with the writes measured here.
    print(f"append-only file rewrites during this run (API and peer): {_aof_rewrites(data_dir) - rewrites_before}")
    return relationships / api_seconds


def _aof_rewrites(data_dir: Path) -> int:
    from falkordb import FalkorDB

    return int(FalkorDB(unix_socket_path=str(data_dir / "falkordb.sock")).connection.info("persistence")["aof_rewrites"])


def _direct_store_rate(data_dir: Path, ids: list[str], count: int, batch: int) -> float:
    from dataclasses import replace

    from falkordb import FalkorDB

    from app.domain.access import LOCAL_OPERATOR
    from app.domain.audit import creation_records
    from app.domain.model import now_iso
    from app.repositories.falkordb_store import FalkorGraphStore
    from app.repositories.practice import PracticeRepository
    from app.services.bulk import new_ulids

    client = FalkorDB(unix_socket_path=str(data_dir / "falkordb.sock"))
    repository = PracticeRepository(FalkorGraphStore(client, "rapport"))
    rng = random.Random(11)
    now = now_iso()
    # The properties the API stores for the bench's items: strength 0.5 of each row's own, and
    # those every relationship of the type shares (category, timestamps, version), sent once.
    shared = {"category": "other", "created_at": now, "updated_at": now, "version": 1}
    rows = [
        {"from_id": rng.choice(ids), "to_id": rng.choice(ids), "properties": {"id": f"KNOWS_BENCH-{ulid}", "strength": 0.5}}
        for ulid in new_ulids(count)
    ]
    # The API writes an audit record per relationship in the same query: so does the peer.
    audited_shared = {**shared, "type": "KNOWS_BENCH"}
    audits = creation_records(
        LOCAL_OPERATOR, "relationship",
        [({**row["properties"], "from_id": row["from_id"], "to_id": row["to_id"]}, audited_shared) for row in rows],
        ids=new_ulids(count), now=now,
    )
    repository.ensure_relationship_indexes(["KNOWS_BENCH"])
    started = time.perf_counter()
    for start in range(0, count, batch):
        part = slice(start, start + batch)
        repository.create_relationships_batch(
            {"KNOWS_BENCH": rows[part]}, {"KNOWS_BENCH": shared}, replace(audits, own=audits.own[part])
        )
    return count / (time.perf_counter() - started)


def bootstrap_key(store) -> str:
    """The practice's first admin key, created straight in the store the API serves."""
    from app.repositories.falkordb_store import FalkorGraphStore
    from app.repositories.practice import PracticeRepository
    from app.services.access import AccessService

    issued = AccessService(PracticeRepository(FalkorGraphStore(store, "rapport"))).bootstrap_admin(name="Bench Admin")
    if issued is None:
        raise SystemExit("the bench store already has an admin key")
    return issued.key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--relationships", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1, help="repeat the read and write figures to show their spread")
    parser.add_argument("--in-flight", type=lambda text: [int(n) for n in text.split(",")], default=[1, 2],
                        help="batch requests sent at once, one write run per number (default 1,2)")
    parser.add_argument("--only", choices=("reads", "writes"), help="run one half only")
    parser.add_argument("--uvicorn", default="--http httptools --loop uvloop",
                        help="uvicorn options for both servers, e.g. '--http h11 --loop asyncio'")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench/api_bench.py needs wrk: apt-get install wrk")
    from falkordb import FalkorDB

    data_dir = Path(tempfile.mkdtemp(prefix="rapport-bench-"))
    document = data_dir / "client.json"
    options = args.uvicorn.split()
    api = start_uvicorn("app.main:app", 8811, {"RAPPORT_DATA_DIR": str(data_dir), "RAPPORT_SAMPLE_DATA": "auto"}, options)
    peer = None
    try:
        base = "http://127.0.0.1:8811"
        store = FalkorDB(unix_socket_path=str(data_dir / "falkordb.sock"))
        key = bootstrap_key(store)
        headers = {"Authorization": f"Bearer {key}"}
        client_id = httpx.get(f"{base}/clients", params={"name": "Elliott Household"}, headers=headers).json()["items"][0]["id"]
        document.write_text(json.dumps(httpx.get(f"{base}/clients/{client_id}", headers=headers).json()))
        peer = start_uvicorn("bench.peer_app:app", 8812, {"RAPPORT_BENCH_DOCUMENT": str(document)}, options)
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; Python {sys.version.split()[0]}; "
              f"uvicorn {' '.join(options) or '(its defaults)'}")
        pids = {"api": api.pid, "peer": peer.pid, "store": int((data_dir / "falkordb.pid").read_text())}
        for _ in range(args.runs):
            if args.only != "writes":
                bench_reads(base, "http://127.0.0.1:8812", client_id, args.seconds, args.connections, key, store, pids)
        if args.only != "writes":
            bench_auth(store, key)
        rates: dict[int, list[float]] = {in_flight: [] for in_flight in args.in_flight}
        for run in range(args.runs):
            if args.only != "reads":
                for step, in_flight in enumerate(args.in_flight):
                    rates[in_flight].append(bench_batch_writes(
                        base, data_dir, args.people, args.relationships, args.batch, key,
                        run * len(args.in_flight) + step, pids, in_flight,
                    ))
        if args.only != "reads":
            # The target is a rate of relationships created in batches; a loader may keep a
            # few batch requests in flight, so each setting is judged on its own.
            print("\ntarget: >= 20,000 relationships/s created through POST /relationships/batch")
            for in_flight, measured in rates.items():
                figures = ", ".join(f"{rate:,.0f}" for rate in measured)
                verdict = "met" if min(measured) >= 20_000 else "met in some runs" if max(measured) >= 20_000 else "NOT met"
                print(f"  {in_flight} request{'s' if in_flight > 1 else ''} in flight: {figures} /s -> {verdict}")
    finally:
        if peer is not None:
            stop(peer)
        stop(api)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
