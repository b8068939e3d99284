"""API speed on the embedded default (and, with ``--store neo4j``, on Neo4j 5.26 in the same
run), next to a bare FastAPI peer measured in the same run.

Reads: ``GET /clients/{id}`` (client + owner + members, one Cypher query) under wrk, against a
bare FastAPI route returning the same JSON; the ratio is the figure. Every request carries an
API key (the bench bootstraps the first admin key straight in the store); a warm key costs a
sha256 and a dict lookup, which the bench measures, and on FalkorDB it counts the store
queries per request to show the key is not looked up each time (Neo4j Community keeps no
per-query counters to read). Writes: relationships created through
``POST /relationships/batch`` (checks, an audit record per relationship), next to the same
kind of rows and records written straight into the store with the batch query (no HTTP, no
service checks; the store's own rule checks are part of the query). Both print the CPU each
process spent per request or per 10,000 relationships: API and store share the machine's two
cores. Writes run with one batch request at a time, then with two in flight (a loader with
two connections): then the API's checks and encoding of one batch overlap the store's write
of the other, on the other core.

``--store neo4j`` starts the Neo4j test server (bench/stores.py) and a second API process on
it, with the sample practice loaded into both stores; each run then measures FalkorDB's API,
Neo4j's API and the bare peer one after the other, so that every Neo4j figure has
FalkorDB's and the peer's from the same minutes beside it. The Neo4j server is a third
process on the same two cores (idle while FalkorDB is measured, and the embedded store idle
while Neo4j is).

Server settings, as measured here (2 cores, 8 connections): uvicorn's httptools parser and
uvloop loop (its defaults when installed, as ``uvicorn[standard]`` installs them; passed
explicitly below) against h11 and asyncio: h11 ~20% fewer requests/s, asyncio's loop p99 of
50-60 ms instead of 16-20. Responses are written by FastAPI's default path for a
``response_model``: pydantic-core serializes straight to JSON bytes; a custom response class
(ORJSONResponse, for one) would turn that path off.

Needs ``wrk`` (Debian package ``wrk``). Example: ``.venv/bin/python bench/api_bench.py --runs 3``,
``.venv/bin/python bench/api_bench.py --store neo4j --runs 2``.
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
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stores import (  # noqa: E402
    FALKORDB,
    NEO4J,
    add_store_argument,
    conditions,
    cpu_seconds,
    neo4j_environment,
    neo4j_server,
    neo4j_settings,
)


#: Lines the Neo4j driver logs in an API process for a query that names a property no node
#: has yet (its key check asks for the practice's ``visibility`` setting, unset in a new
#: store: one line each time a cached key is checked again). Counted, not shown.
_NOTIFICATION = "Received notification from DBMS server"
notifications: dict[int, int] = {}


def start_uvicorn(app: str, port: int, env: dict[str, str], options: list[str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--workers", "1", "--no-access-log",
         "--log-level", "warning", *options],
        cwd=ROOT, env={**os.environ, **env}, start_new_session=True, stderr=subprocess.PIPE, text=True,
    )
    notifications[process.pid] = 0

    def forward() -> None:
        for line in process.stderr:
            if _NOTIFICATION in line:
                notifications[process.pid] += 1
            else:
                sys.stderr.write(line)

    threading.Thread(target=forward, name=f"uvicorn-{port}-stderr", daemon=True).start()
    # On Neo4j the sample practice goes in through the services before the app serves: with a
    # cold JVM on a busy machine that took up to a minute here.
    deadline = time.monotonic() + 180
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


@dataclass
class Target:
    """One Rapport API process and the store it serves, which the bench also opens itself."""

    name: str
    base: str
    key: str
    client_id: str
    #: A PracticeRepository on the API's store.
    repository: object
    #: "api" and "store": the processes whose CPU is counted.
    pids: dict[str, int]
    #: The embedded store's FalkorDB client (its Redis counters), or None.
    falkordb: object | None = None
    rates: dict[int, list[tuple[float, float]]] = field(default_factory=dict)


def bench_reads(targets: list[Target], peer_base: str, peer_pid: int, seconds: int, connections: int) -> None:
    """One run: each target's API, then the bare peer, under the same wrk load."""
    key = targets[0].key
    peer_url = f"{peer_base}/clients/{targets[0].client_id}"
    for target in targets:  # warm all
        wrk(f"{target.base}/clients/{target.client_id}", 2, connections, target.key)
    wrk(peer_url, 2, connections, key)
    results = []
    for target in targets:
        queries_before = _store_queries(target.falkordb) if target.falkordb else None
        cpu_before = {name: cpu_seconds(pid) for name, pid in target.pids.items()}
        figures = wrk(f"{target.base}/clients/{target.client_id}", seconds, connections, target.key)
        requests = figures["rps"] * seconds
        figures["cpu"] = {name: (cpu_seconds(pid) - cpu_before[name]) / requests * 1000 for name, pid in target.pids.items()}
        figures["queries"] = (_store_queries(target.falkordb) - queries_before) / requests if target.falkordb else None
        results.append((f"Rapport on {target.name}", figures))
    peer_cpu_before = cpu_seconds(peer_pid)
    peer = wrk(peer_url, seconds, connections, key)
    peer["cpu"] = {"api": (cpu_seconds(peer_pid) - peer_cpu_before) / (peer["rps"] * seconds) * 1000}
    results.append(("bare FastAPI, same JSON", peer))
    print(f"\nGET /clients/{{id}}: wrk, 1 thread, {connections} connections, {seconds} s each, one uvicorn worker; "
          f"{conditions()}")
    # The processes share two cores: the API process's CPU per request bounds its throughput.
    print(f"{'':28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}{'vs bare':>9}  CPU ms/request")
    for name, figures in results:
        cpu = figures["cpu"]
        cpu_text = f"API {cpu['api']:.2f}" + (f", store {cpu['store']:.2f}" if "store" in cpu else "")
        print(f"{name:28}{figures['rps']:>9.0f}{figures['p50_ms']:>9.2f}{figures['p99_ms']:>9.2f}{figures['errors']:>9}"
              f"{figures['rps'] / peer['rps']:>9.2f}  {cpu_text}")
    for name, figures in results[:-1]:
        # One query (the client) per request: the API key is checked against the store only
        # when its cached caller expires (every auth_cache_s seconds), not per request.
        if figures["queries"] is not None:
            print(f"{name}: store queries per request {figures['queries']:.3f}")
        met = figures["rps"] >= 1000 and figures["p99_ms"] <= 20
        print(f"{name}: target >= 1,000 req/s and p99 <= 20 ms -> {'met' if met else 'NOT met'}")


def _store_queries(store) -> int:
    """GRAPH.QUERY and GRAPH.RO_QUERY calls the store has served so far."""
    stats = store.connection.info("commandstats")
    return sum(v["calls"] for k, v in stats.items() if k.lower() in ("cmdstat_graph.query", "cmdstat_graph.ro_query"))


def bench_auth(target: Target) -> None:
    """What authentication costs a request in-process: a warm key is a sha256 and a dict lookup."""
    from app.bootstrap import Services
    from app.services.access import CallerCache, hash_key

    cache = CallerCache(60)
    access = Services(target.repository, callers=cache).access()
    rounds = 20_000
    started = time.perf_counter()
    for _ in range(rounds):
        cache.get(hash_key(target.key))
    warm_us = (time.perf_counter() - started) / rounds * 1e6
    started = time.perf_counter()
    for _ in range(200):
        cache.clear()
        access.authenticate(target.key)
    cold_us = (time.perf_counter() - started) / 200 * 1e6
    print(f"authentication per request on {target.name}: cached key {warm_us:.1f} us (sha256 + dict lookup), "
          f"uncached {cold_us:.0f} us (store round trip)")


def bench_batch_writes(
    target: Target, people: int, relationships: int, batch: int, run: int, in_flight: int,
) -> tuple[float, float]:
    """Print one write run's figures; return its rates through the API and straight into the store."""
    headers = {"Authorization": f"Bearer {target.key}"}
    base = target.base
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

    cpu_before = {name: cpu_seconds(pid) for name, pid in target.pids.items()}
    rewrites_before = _aof_rewrites(target.falkordb) if target.falkordb else None
    started = time.perf_counter()
    # One batch at a time, or several at once (a loader with a few connections): the checks
    # and the HTTP work of one batch then overlap the store's write of another.
    with ThreadPoolExecutor(in_flight) as pool:
        list(pool.map(send, bodies))
    api_seconds = time.perf_counter() - started
    for http in opened:
        http.close()
    cpu = {name: (cpu_seconds(target.pids[name]) - before) / relationships * 10_000 for name, before in cpu_before.items()}
    direct = _direct_store_rate(target.repository, ids, pairs, relationships, batch)
    rate = relationships / api_seconds
    print(f"\n{target.name}: creating relationships: {relationships:,} between {people:,} people, batches of {batch:,}, "
          f"{in_flight} request{'s' if in_flight > 1 else ''} in flight; {conditions()}")
    print(f"{'POST /relationships/batch (checked, HTTP)':46}{rate:>12,.0f} /s")
    print(f"{'same kind of rows straight into the store (peer)':46}{direct:>12,.0f} /s")
    print(f"CPU per 10,000 through the API: API process {cpu['api']:.2f} s, store {cpu['store']:.2f} s")
    if target.falkordb:
        # Redis rewrites the append-only file when it has doubled (a forked child writes the
        # whole graph out): on two cores that competes with the writes measured here.
        print(f"append-only file rewrites during this run (API and peer): {_aof_rewrites(target.falkordb) - rewrites_before}")
    return rate, direct


def _aof_rewrites(falkordb) -> int:
    return int(falkordb.connection.info("persistence")["aof_rewrites"])


def _direct_store_rate(repository, ids: list[str], taken: set[tuple[int, int]], count: int, batch: int) -> float:
    """Relationships per second written straight into the store with the batch query the API
    uses (``create_relationships_batch``: its in-query rule checks and an audit record per
    relationship, as the API's), without HTTP or the service's checks. Same type, strength
    and people as the API's run, on pairs the API did not join (so none clashes)."""
    from app.domain.access import LOCAL_OPERATOR
    from app.domain.audit import creation_records
    from app.domain.model import now_iso, today_iso
    from app.services.bulk import new_ulids
    from app.services.catalogue import CatalogueService
    from app.services.relationship_rules import own_properties, type_properties

    spec = next(t for t in CatalogueService(repository, LOCAL_OPERATOR).relationship_types() if t.code == "ACQUAINTANCE_OF")
    rng = random.Random(11)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < count:
        a, b = rng.sample(range(len(ids)), 2)
        pair = (min(a, b), max(a, b))
        if pair not in taken:
            pairs.add(pair)
    today, now = today_iso(), now_iso()
    shared = type_properties(spec, now)
    audited_shared = {**shared, "type": spec.code}
    rows = [{"from_id": ids[a], "to_id": ids[b], "active": True,
             "properties": own_properties({"strength": 0.5}, f"{spec.code}-{ulid}")}
            for (a, b), ulid in zip(sorted(pairs), new_ulids(count))]
    audits = creation_records(
        LOCAL_OPERATOR, "relationship",
        [({**row["properties"], "from_id": row["from_id"], "to_id": row["to_id"]}, audited_shared) for row in rows],
        ids=new_ulids(count), now=now,
    )
    started = time.perf_counter()
    for start in range(0, count, batch):
        part = slice(start, start + batch)
        clashes = repository.create_relationships_batch(
            {spec.code: rows[part]}, {spec.code: shared}, replace(audits, own=audits.own[part]),
            rules={spec.code: spec.pair_rule}, today=today,
        )
        if clashes != 0:  # None: nothing written (an end or the type missing)
            raise SystemExit(f"the store peer's batch was not written ({clashes!r})")
    return count / (time.perf_counter() - started)


def bootstrap_key(repository) -> str:
    """The practice's first admin key, created straight in the store the API serves."""
    from app.bootstrap import Services

    issued = Services(repository).access().bootstrap_admin(name="Bench Admin")
    if issued is None:
        raise SystemExit("the bench store already has an admin key")
    return issued.key


def start_target(name: str, port: int, env: dict[str, str], options: list[str], repository, pids: dict[str, int],
                 falkordb=None) -> tuple[Target, subprocess.Popen]:
    """An API process on a store (the sample practice loaded into it), with an admin key."""
    api = start_uvicorn("app.main:app", port, {**env, "RAPPORT_SAMPLE_DATA": "yes"}, options)
    try:
        base = f"http://127.0.0.1:{port}"
        key = bootstrap_key(repository)
        found = httpx.get(f"{base}/clients", params={"name": "Elliott Household"},
                          headers={"Authorization": f"Bearer {key}"}).json()["items"]
        return Target(name, base, key, found[0]["id"], repository, {"api": api.pid, **pids}, falkordb), api
    except BaseException:
        stop(api)
        raise


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
    parser.add_argument("--warm-up", type=int, default=20,
                        help="with --store neo4j: seconds of reads on each API before the first run")
    add_store_argument(parser)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("bench/api_bench.py needs wrk: apt-get install wrk")
    from falkordb import FalkorDB

    from app.repositories.factory import open_store
    from app.repositories.falkordb_store import FalkorGraphStore
    from app.repositories.practice import PracticeRepository

    data_dir = Path(tempfile.mkdtemp(prefix="rapport-bench-"))
    document = data_dir / "client.json"
    options = args.uvicorn.split()
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, data_dir, ignore_errors=True)
        processes: list[subprocess.Popen] = []
        cleanup.callback(lambda: [stop(process) for process in reversed(processes)])
        targets: list[Target] = []
        # The embedded store is started by its API process; the bench then opens it too.
        api = start_uvicorn("app.main:app", 8811, {"RAPPORT_DATA_DIR": str(data_dir), "RAPPORT_SAMPLE_DATA": "yes"}, options)
        processes.append(api)
        falkordb = FalkorDB(unix_socket_path=str(data_dir / "falkordb.sock"))
        repository = PracticeRepository(FalkorGraphStore(falkordb, "rapport"))
        key = bootstrap_key(repository)
        client_id = httpx.get("http://127.0.0.1:8811/clients", params={"name": "Elliott Household"},
                              headers={"Authorization": f"Bearer {key}"}).json()["items"][0]["id"]
        targets.append(Target(FALKORDB, "http://127.0.0.1:8811", key, client_id, repository,
                              {"api": api.pid, "store": int((data_dir / "falkordb.pid").read_text())}, falkordb))
        if args.store == "neo4j":
            server = cleanup.enter_context(neo4j_server())
            opened = open_store(neo4j_settings(server, sample_data="no"))
            cleanup.callback(opened.close)
            target, api = start_target(NEO4J, 8813, neo4j_environment(server), options,
                                       PracticeRepository(opened.store), {"store": server.process.pid})
            processes.append(api)
            targets.append(target)
        headers = {"Authorization": f"Bearer {targets[0].key}"}
        document.write_text(json.dumps(httpx.get(f"{targets[0].base}/clients/{targets[0].client_id}", headers=headers).json()))
        peer = start_uvicorn("bench.peer_app:app", 8812, {"RAPPORT_BENCH_DOCUMENT": str(document)}, options)
        processes.append(peer)
        print(f"machine: {conditions()}; Python {sys.version.split()[0]}; uvicorn {' '.join(options) or '(its defaults)'}; "
              f"stores: {', '.join(t.name for t in targets)}")
        if args.only != "writes" and args.store == "neo4j":
            # Neo4j's JIT needs thousands of queries: in three runs after a 2 s warm-up its CPU
            # per request fell from 2.86 to 1.55 ms while FalkorDB's stayed at 0.34-0.35.
            for target in targets:
                wrk(f"{target.base}/clients/{target.client_id}", args.warm_up, args.connections, target.key)
        for _ in range(args.runs):
            if args.only != "writes":
                bench_reads(targets, "http://127.0.0.1:8812", peer.pid, args.seconds, args.connections)
        if args.only != "writes":
            for target in targets:
                bench_auth(target)
        for target in targets:
            target.rates = {in_flight: [] for in_flight in args.in_flight}
        for run in range(args.runs):
            if args.only != "reads":
                for step, in_flight in enumerate(args.in_flight):
                    for target in targets:
                        target.rates[in_flight].append(bench_batch_writes(
                            target, args.people, args.relationships, args.batch, run * len(args.in_flight) + step,
                            in_flight,
                        ))
        if args.only != "reads":
            # The target is a rate of relationships created in batches; a loader may keep a
            # few batch requests in flight, so each setting is judged on its own.
            print("\ntarget: >= 20,000 relationships/s created through POST /relationships/batch "
                  "(API rate, then the store peer's from the same run)")
            for target in targets:
                for in_flight, measured in target.rates.items():
                    figures = ", ".join(f"{rate:,.0f} (peer {direct:,.0f})" for rate, direct in measured)
                    rates = [rate for rate, _ in measured]
                    verdict = "met" if min(rates) >= 20_000 else "met in some runs" if max(rates) >= 20_000 else "NOT met"
                    print(f"  {target.name}, {in_flight} request{'s' if in_flight > 1 else ''} in flight: "
                          f"{figures} /s -> {verdict}")
        for target in targets:
            if notifications.get(target.pids["api"]):
                print(f"{target.name} API process: {notifications[target.pids['api']]:,} driver notification lines "
                      f"left out of this output ({_NOTIFICATION}: a property no node has yet)")


if __name__ == "__main__":
    main()
