"""Bulk writes through neomodel (the Neo4j OGM) against Rapport's plain driver batches.

Evidence for docs/decisions/0001-neomodel.md. One run starts Rapport's Neo4j test server
(tools/neo4j: Neo4j 5.26 Community, in-process, Bolt only), creates the schema Rapport
creates for entities (the unique ``Entity.id`` constraint), and then writes N entities
and N relationships between them, several times, three ways, all on the one driver:

* ``driver``: what Rapport does. ``UNWIND $rows AS row CREATE (n:Entity) SET n = row``,
  then ``UNWIND $rows AS row MATCH`` both ends by their indexed ``id`` ``CREATE`` the
  relationship ``SET r = row.properties``; batches of ``--batch`` rows (Rapport's bulk
  default is 10,000), each one ``execute_query`` (one managed transaction).
* ``neomodel-bulk``: the fastest neomodel offers. ``Entity.nodes.bulk_create(...)`` (one
  UNWIND query per batch), then ``source.knows.connect(target, properties)`` per
  relationship (neomodel has no bulk relationship call) inside one ``db.transaction``.
* ``neomodel-objects``: the plain OGM style. ``Entity(...).save()`` per node, then
  ``connect`` per relationship, each in its own transaction.

The neomodel variants get the node objects they created handed to ``connect``; a real
import would first have to look each end up (``Entity.nodes.get(uid=...)``, one more
query per end), so their figures are a best case. Before each variant the entities are
deleted (not timed); one small warm-up pass of each variant runs first (not reported).
The order of the variants rotates between repetitions. Every pass is checked: N nodes, N
relationships, each with its ``id``. Finally ``db.install_all_labels()`` is run on the
model, once beside Rapport's constraint and once on an empty schema, and what it did is
printed.

neomodel is not one of Rapport's dependencies, and this bench installs nothing. It needs
only neomodel (and the driver it pins, ``neo4j~=6.1.0``) besides the standard library and
tools/neo4j, so a throwaway venv will do, run from the repository root::

    python3 -m venv /tmp/nm && /tmp/nm/bin/pip install neomodel==7.0.0
    /tmp/nm/bin/python bench/neomodel_bench.py --n 5000 --repeats 3

``--url``/``--password`` use a running Neo4j instead of starting the test server: its
``Entity`` nodes are deleted, and its ``Entity.id`` constraint is dropped and made again.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import signal
import statistics
import sys
import time
import uuid
from importlib.metadata import version
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Rapport's own constraint for entities (app/repositories/neo4j_store.py, ``_SCHEMA``).
ENTITY_CONSTRAINT = "CREATE CONSTRAINT rapport_entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE"
CREATE_NODES = "UNWIND $rows AS row CREATE (n:Entity) SET n = row"
CREATE_RELATIONSHIPS = (
    "UNWIND $rows AS row "
    "MATCH (a:Entity {id: row.source}) MATCH (b:Entity {id: row.target}) "
    "CREATE (a)-[r:KNOWS]->(b) SET r = row.properties"
)
VARIANTS = ("driver", "neomodel-bulk", "neomodel-objects")


def make_rows(n: int, seed: int) -> tuple[list[dict], list[dict]]:
    """N entity rows and N relationship rows (random distinct ends), the same for every variant."""
    rng = random.Random(seed)

    def new_id() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128)))

    nodes = [
        {
            "id": new_id(),
            "name": f"Person {i}",
            "kind": "person",
            "email": f"person{i}@example.com",
            "external_id": f"EXT-{i:06d}",
            "created_at": f"2026-01-{1 + i % 28:02d}T09:00:00Z",
        }
        for i in range(n)
    ]
    relationships = []
    for i in range(n):
        a, b = rng.sample(range(n), 2)
        relationships.append({
            "source": a,
            "target": b,
            "properties": {
                "id": new_id(),
                "since": f"20{10 + i % 15}-06-01",
                "strength": round(rng.random(), 3),
                "created_at": "2026-01-01T09:00:00Z",
            },
        })
    return nodes, relationships


def batches(rows: list, size: int):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5_000, help="entities and relationships per pass (default 5,000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes of each variant (default 3)")
    parser.add_argument("--batch", type=int, default=10_000, help="rows per UNWIND batch (default 10,000, Rapport's)")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated subset of {', '.join(VARIANTS)}")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", help="a running Neo4j instead of the test server: its Entity nodes are deleted")
    parser.add_argument("--user", default="neo4j")
    parser.add_argument("--password", default=os.environ.get("NEO4J_PASSWORD"))
    args = parser.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if unknown := set(variants) - set(VARIANTS):
        parser.error(f"unknown variants: {', '.join(sorted(unknown))}")
    if args.n < 2 or args.repeats < 1 or args.batch < 1:
        parser.error("--n must be at least 2, --repeats and --batch at least 1")

    try:
        import neomodel  # noqa: F401
    except ImportError:
        print(
            "neomodel is not installed in this interpreter "
            f"({sys.executable}), and this bench installs nothing. neomodel is not a Rapport\n"
            "dependency (docs/decisions/0001-neomodel.md); to measure it, use a throwaway venv:\n"
            "  python3 -m venv /tmp/nm && /tmp/nm/bin/pip install neomodel==7.0.0\n"
            "  /tmp/nm/bin/python bench/neomodel_bench.py",
            file=sys.stderr,
        )
        return 2

    # SIGTERM ends the run through the finally blocks below, so the server is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    server = None
    if args.url:
        url, auth = args.url, (args.user, args.password) if args.password else None
    else:
        from tools.neo4j import server as test_server

        if why := test_server.missing_tools():
            print(f"cannot start the Neo4j test server: {why}", file=sys.stderr)
            return 2
        print("starting the Neo4j test server (tools/neo4j) ...", flush=True)
        server = test_server.start()
        url, auth = server.url, server.auth
        print(f"  {server.url}, started in {server.started_in_s:.1f} s", flush=True)
    try:
        return run(args, variants, url, auth)
    finally:
        if server is not None:
            server.stop()
            print("test server stopped", flush=True)


def run(args: argparse.Namespace, variants: list[str], url: str, auth: tuple[str, str] | None) -> int:
    import neo4j
    from neomodel import FloatProperty, RelationshipTo, StringProperty, StructuredNode, StructuredRel, db
    from neomodel.sync_.query import QueryRunner

    # neomodel refuses a property named ``id`` (it "conflicts with neomodel internals"), and
    # every Rapport node and relationship has one: db_property maps another name onto it.
    class Knows(StructuredRel):
        uid = StringProperty(required=True, db_property="id")
        since = StringProperty()
        strength = FloatProperty()
        created_at = StringProperty()

    class Entity(StructuredNode):
        __label__ = "Entity"
        uid = StringProperty(unique_index=True, required=True, db_property="id")
        name = StringProperty()
        kind = StringProperty()
        email = StringProperty()
        external_id = StringProperty()
        created_at = StringProperty()
        knows = RelationshipTo("Entity", "KNOWS", model=Knows)

    # neomodel resolves the "Entity" in RelationshipTo among this module's names.
    globals()["Entity"] = Entity

    # Round trips: every neomodel query goes through QueryRunner._run_cypher_query.
    queries = [0]
    original_run = QueryRunner._run_cypher_query

    def counted_run(self, *a, **kw):
        queries[0] += 1
        return original_run(self, *a, **kw)

    QueryRunner._run_cypher_query = counted_run

    driver = neo4j.GraphDatabase.driver(url, auth=auth)
    try:
        db.set_connection(driver=driver)
        server_info = driver.execute_query(
            "CALL dbms.components() YIELD name, versions, edition RETURN versions[0] AS version, edition"
        ).records[0]
        print(f"Neo4j {server_info['version']} {server_info['edition']}; Python driver {version('neo4j')}; "
              f"neomodel {version('neomodel')}; Python {platform.python_version()}; {os.cpu_count()} CPUs")
        print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"N = {args.n:,} entities + {args.n:,} relationships per pass; {args.repeats} timed passes; "
              f"UNWIND batches of {args.batch:,}")
        driver.execute_query(ENTITY_CONSTRAINT)

        def clear() -> None:
            driver.execute_query("MATCH (n:Entity) DETACH DELETE n")

        def check(n: int) -> None:
            record = driver.execute_query(
                "MATCH (n:Entity) WITH count(n) AS nodes "
                "OPTIONAL MATCH (:Entity)-[r:KNOWS]->(:Entity) "
                "RETURN nodes, count(r) AS rels, count(r.id) AS rel_ids"
            ).records[0]
            if (record["nodes"], record["rels"], record["rel_ids"]) != (n, n, n):
                raise SystemExit(f"check failed: expected {n} nodes and {n} relationships with ids, got {dict(record)}")

        def by_driver(nodes: list[dict], rels: list[dict]) -> tuple[float, float]:
            started = time.perf_counter()
            for chunk in batches(nodes, args.batch):
                driver.execute_query(CREATE_NODES, rows=chunk)
            middle = time.perf_counter()
            rows = [{"source": nodes[r["source"]]["id"], "target": nodes[r["target"]]["id"],
                     "properties": r["properties"]} for r in rels]
            for chunk in batches(rows, args.batch):
                driver.execute_query(CREATE_RELATIONSHIPS, rows=chunk)
            return middle - started, time.perf_counter() - middle

        def model_props(row: dict) -> dict:
            props = dict(row)
            props["uid"] = props.pop("id")
            return props

        def connect_all(objects: list, rels: list[dict]) -> None:
            for r in rels:
                objects[r["source"]].knows.connect(objects[r["target"]], model_props(r["properties"]))

        def by_neomodel_bulk(nodes: list[dict], rels: list[dict]) -> tuple[float, float]:
            started = time.perf_counter()
            objects = []
            for chunk in batches(nodes, args.batch):
                objects.extend(Entity.nodes.bulk_create(*[model_props(row) for row in chunk]))
            middle = time.perf_counter()
            with db.transaction:
                connect_all(objects, rels)
            return middle - started, time.perf_counter() - middle

        def by_neomodel_objects(nodes: list[dict], rels: list[dict]) -> tuple[float, float]:
            started = time.perf_counter()
            objects = [Entity(**model_props(row)).save() for row in nodes]
            middle = time.perf_counter()
            connect_all(objects, rels)
            return middle - started, time.perf_counter() - middle

        runners: dict[str, Callable[[list[dict], list[dict]], tuple[float, float]]] = {
            "driver": by_driver, "neomodel-bulk": by_neomodel_bulk, "neomodel-objects": by_neomodel_objects,
        }

        warm_nodes, warm_rels = make_rows(min(args.n, 200), args.seed + 1)
        for name in variants:
            clear()
            runners[name](warm_nodes, warm_rels)
            check(len(warm_nodes))

        nodes, rels = make_rows(args.n, args.seed)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
        round_trips: dict[str, int] = {}
        for repeat in range(args.repeats):
            order = variants[repeat % len(variants):] + variants[:repeat % len(variants)]
            for name in order:
                clear()
                before = queries[0]
                node_s, rel_s = runners[name](nodes, rels)
                round_trips[name] = queries[0] - before
                check(args.n)
                times[name].append((node_s, rel_s))
                print(f"  pass {repeat + 1} {name:<17} nodes {node_s:7.2f} s  relationships {rel_s:7.2f} s", flush=True)
        clear()

        print()
        print(f"{'variant':<17} {'nodes/s (min-max, median)':>30} {'relationships/s (min-max, median)':>36} "
              f"{'total s (min-max)':>18} {'queries/pass':>13}")
        for name in variants:
            node_rates = [args.n / t[0] for t in times[name]]
            rel_rates = [args.n / t[1] for t in times[name]]
            totals = [t[0] + t[1] for t in times[name]]
            trips = str(round_trips[name] if name != "driver" else 2 * -(-args.n // args.batch))
            print(f"{name:<17} {_span(node_rates):>30} {_span(rel_rates):>36} "
                  f"{min(totals):>8.2f}-{max(totals):<8.2f} {trips:>13}")
        if "driver" in variants:
            base = statistics.median(t[0] + t[1] for t in times["driver"])
            for name in variants:
                if name != "driver":
                    ratio = statistics.median(t[0] + t[1] for t in times[name]) / base
                    print(f"  {name}: median total {ratio:.1f}x the driver's")

        print(f"load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print()
        schema_report(driver, db)
        return 0
    finally:
        QueryRunner._run_cypher_query = original_run
        driver.close()


def _span(values: list[float]) -> str:
    return f"{min(values):,.0f}-{max(values):,.0f} ({statistics.median(values):,.0f})"


def schema_report(driver, db) -> None:
    """What ``install_all_labels`` does for the model, beside Rapport's constraint and alone."""

    def schema() -> list[str]:
        rows = driver.execute_query(
            "SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, owningConstraint "
            "WHERE type <> 'LOOKUP' AND any(x IN labelsOrTypes WHERE x IN ['Entity', 'KNOWS']) RETURN *"
        ).records
        return [f"{r['name']} ({r['type']} {r['entityType'].lower()} index on {r['labelsOrTypes']} {r['properties']}"
                f"{', owned by a constraint' if r['owningConstraint'] else ''})" for r in rows]

    out = io.StringIO()
    db.install_all_labels(stdout=out)
    problems = [line for line in out.getvalue().splitlines() if "neo4j_code" in line or "rror" in line]
    print("install_all_labels beside Rapport's rapport_entity_id constraint:")
    print("  " + ("\n  ".join(p[:200] for p in problems) if problems else "no error"))
    print("  Entity/KNOWS schema after it: " + "; ".join(schema()))
    driver.execute_query("DROP CONSTRAINT rapport_entity_id IF EXISTS")
    out = io.StringIO()
    db.install_all_labels(stdout=out)
    print("install_all_labels without Rapport's constraint created: " + "; ".join(schema()))
    # Back to Rapport's schema: neomodel's constraint out, Rapport's in.
    for record in driver.execute_query(
        "SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties "
        "WHERE labelsOrTypes = ['Entity'] AND properties = ['id'] RETURN name"
    ).records:
        driver.execute_query(f"DROP CONSTRAINT `{record['name']}` IF EXISTS")
    driver.execute_query(ENTITY_CONSTRAINT)


if __name__ == "__main__":
    sys.exit(main())
