"""The one-pair rules, version checks and idempotency hold across processes, on both stores.

Real separate processes write at once: on the embedded store, an API process (``rapport
serve``) and a ``rapport import`` beside it; on Neo4j, four uvicorn workers. Each rule is
then counted in the store: no pair with two active relationships of a type, no client with
two active primary contacts, no lost update, and an audit record for every write.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.slow

RAPPORT = [sys.executable, "-m", "app.cli"]


def everything(api: httpx.Client, url: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paginated list."""
    items: list[dict[str, Any]] = []
    after = None
    while True:
        response = api.get(url, params={**params, "limit": 500, **({"after": after} if after else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        after = page["next_cursor"]
        if after is None:
            return items


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rapport(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*RAPPORT, *args], env=env, capture_output=True, text=True, timeout=600)
    if check and done.returncode != 0:
        raise AssertionError(f"rapport {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def _serve(env: dict[str, str], workers: int, log: Path) -> tuple[subprocess.Popen[str], str]:
    """``rapport serve``, its output in ``log`` (a pipe nobody reads would fill, and block
    every worker that logs)."""
    port = _free_port()
    with log.open("w") as out:
        process = subprocess.Popen([*RAPPORT, "serve", "--port", str(port), "--workers", str(workers), "--log-level",
                                    "warning"], env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"rapport serve exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError("rapport serve did not answer /health in 120 s")


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()  # uvicorn's supervisor stops its workers
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _api(url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120)


def _active_pairs(api: httpx.Client, type_code: str) -> Counter[frozenset[str]]:
    """How many active relationships of the type join each pair, either way round."""
    rows = everything(api, "/relationships", type=type_code)
    return Counter(frozenset((r["from_entity"]["id"], r["to_entity"]["id"])) for r in rows if r["active"])


def _relationship_creations_audited(api: httpx.Client) -> int:
    """Relationships the audit trail says were created: one record per API write, and one
    per import batch saying how many."""
    records = everything(api, "/audit-records", target_kind="relationship", action="create")
    loads = everything(api, "/audit-records", action="bulk_load")
    imported = sum(int(r["note"].split()[0]) for r in loads if "relationships created" in (r.get("note") or ""))
    return len(records) + imported


# -- the embedded store: an API process and an import beside it ---------------------------------

PAIRS = 2000


@pytest.fixture
def embedded_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.update(RAPPORT_DATA_DIR=str(data_dir), RAPPORT_SAMPLE_DATA="no", PYTHONPATH=str(Path.cwd()))
    return env


def test_api_and_import_racing_on_the_same_pairs_make_each_pair_once(embedded_env: dict[str, str], data_dir: Path):
    key = _rapport("keys", "bootstrap", "--name", "Ada Admin", env=embedded_env).stdout.strip()
    people = data_dir / "people.csv"
    people.write_text("external_id,first_name,last_name\n" + "".join(
        f"P-{i},First{i},Last{i}\n" for i in range(2 * PAIRS)), encoding="utf-8")
    _rapport("import", str(people), env=embedded_env)
    relationships = data_dir / "import" / "relationships.csv"
    relationships.parent.mkdir()
    # The same pairs, half of them the other way round (SPOUSE_OF reads the same both ways).
    relationships.write_text("external_id,type,from,to\n" + "".join(
        f"R-{i},SPOUSE_OF,P-{i if i % 2 else i + PAIRS},P-{i + PAIRS if i % 2 else i}\n" for i in range(PAIRS)),
        encoding="utf-8")

    server, url = _serve(embedded_env, workers=1, log=data_dir / "serve.log")
    try:
        with _api(url, key) as api:
            by_number = {int(p["first_name"].removeprefix("First")): p["id"] for p in everything(api, "/people")}
            pairs = [(by_number[i], by_number[i + PAIRS]) for i in range(PAIRS)]
            statuses: Counter[int] = Counter()

            def batch(start: int) -> None:
                items = [{"type": "SPOUSE_OF", "from_id": a, "to_id": b} for a, b in pairs[start:start + 50]]
                statuses[api.post("/relationships/batch", json={"relationships": items}).status_code] += 1

            def single(i: int) -> None:
                a, b = pairs[i]
                statuses[api.post("/relationships", json={"type": "SPOUSE_OF", "from_id": b, "to_id": a}).status_code] += 1

            importer = subprocess.Popen([*RAPPORT, "import", "--skip-bad-rows", "--reject-file",
                                         str(data_dir / "rejected.jsonl"), str(relationships.parent)],
                                        env=embedded_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            with ThreadPoolExecutor(max_workers=6) as pool:  # singles from the end, batches from the start
                list(pool.map(lambda job: job[0](job[1]), [
                    job for n in range(PAIRS) for job in ((single, PAIRS - 1 - n),) + (((batch, n),) if n % 50 == 0 else ())]))
            importer.wait(timeout=600)

            assert set(statuses) <= {201, 409}, statuses
            counts = _active_pairs(api, "SPOUSE_OF")
            assert max(counts.values()) == 1, [pair for pair, n in counts.items() if n > 1][:5]
            assert len(counts) == PAIRS  # every pair made once, by one writer or another
            assert _relationship_creations_audited(api) == sum(counts.values())
    finally:
        _stop(server)


# -- Neo4j: four API worker processes on one database ------------------------------------------

@pytest.fixture
def neo4j_env(neo4j_server: tuple[str, tuple[str, str] | None], neo4j_driver: Any) -> Iterator[dict[str, str]]:
    url, auth = neo4j_server
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n", database_="neo4j")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.update(RAPPORT_GRAPH_URL=url, RAPPORT_SAMPLE_DATA="no", PYTHONPATH=str(Path.cwd()))
    if auth:
        env.update(RAPPORT_NEO4J_USER=auth[0], RAPPORT_NEO4J_PASSWORD=auth[1])
    yield env
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n", database_="neo4j")


@pytest.mark.neo4j
def test_four_workers_on_neo4j_keep_every_rule(neo4j_env: dict[str, str], tmp_path: Path):
    key = _rapport("keys", "bootstrap", "--name", "Ada Admin", env=neo4j_env).stdout.strip()
    server, url = _serve(neo4j_env, workers=4, log=tmp_path / "serve.log")
    try:
        with _api(url, key) as api:
            client = api.post("/clients", json={"name": "Elliott Household", "kind": "household"}).json()
            people = [api.post("/people", json={"first_name": f"P{i}", "last_name": "Racer"}).json()["id"] for i in range(20)]
            pairs = [(people[i], people[i + 10]) for i in range(10)]
            statuses: Counter[str] = Counter()

            def single(n: int) -> None:
                a, b = pairs[n % 10]
                a, b = (a, b) if n % 2 else (b, a)
                statuses[f"single {api.post('/relationships', json={'type': 'SPOUSE_OF', 'from_id': a, 'to_id': b}).status_code}"] += 1

            def batch(n: int) -> None:
                items = [{"type": "SPOUSE_OF", "from_id": b, "to_id": a} for a, b in pairs[n % 3::3]]
                statuses[f"batch {api.post('/relationships/batch', json={'relationships': items}).status_code}"] += 1

            def primary_contact(n: int) -> None:
                body = {"type": "PRIMARY_CONTACT_AT", "from_id": people[n % 20], "to_id": client["id"]}
                statuses[f"contact {api.post('/relationships', json=body).status_code}"] += 1

            applied: list[int] = []

            def patch(n: int) -> None:
                current = api.get(f"/clients/{client['id']}")
                response = api.patch(f"/clients/{client['id']}", json={"notes": f"change {n}"},
                                     headers={"If-Match": current.headers["etag"]})
                statuses[f"patch {response.status_code}"] += 1
                if response.status_code == 200:
                    applied.append(response.json()["version"])

            jobs = [(single, n) for n in range(80)] + [(batch, n) for n in range(12)] + \
                   [(primary_contact, n) for n in range(40)] + [(patch, n) for n in range(60)]
            jobs.sort(key=lambda job: hash((job[0].__name__, job[1])))  # interleaved
            with ThreadPoolExecutor(max_workers=16) as pool:
                list(pool.map(lambda job: job[0](job[1]), jobs))

            assert {s.split()[1] for s in statuses} <= {"200", "201", "409", "412"}, statuses
            counts = _active_pairs(api, "SPOUSE_OF")
            assert len(counts) == 10 and max(counts.values()) == 1, counts
            contacts = [r for r in api.get(f"/clients/{client['id']}/relationships").json()
                        if r["relationship"].get("role") == "primary_contact"]
            assert len(contacts) == 1
            # No lost update: every applied PATCH made its own version, and the last is current.
            assert len(applied) == len(set(applied)) == statuses["patch 200"]
            assert api.get(f"/clients/{client['id']}").json()["version"] == 1 + len(applied)
            updates = everything(api, "/audit-records", target_id=client["id"], action="update")
            assert len(updates) == len(applied)
            assert _relationship_creations_audited(api) == sum(counts.values()) + len(contacts)
    finally:
        _stop(server)
